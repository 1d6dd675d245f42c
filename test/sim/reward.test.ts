import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildRewards } from '../../src/sim/reward.js';
import { randomTable } from '../helpers/table.js';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../bin/greenserv');

describe('reward table (spec §2)', () => {
  const t = randomTable(5, 60, 4, { missing: 0.1 });

  it('equals clip((1−λ)·acc + λ·(1 − e), 0, 1) with per-task min–max energy per token; misses score 0', async () => {
    for (const lambda of [0, 0.3, 1]) {
      const rw = await buildRewards(t, { lambda });
      for (let q = 0; q < t.nQueries; q++) {
        const task = t.tasks[t.queryTask[q]];
        // independent bounds: min/max over present cells of this task
        let lo = Infinity;
        let hi = -Infinity;
        for (let p = 0; p < t.nQueries; p++) {
          if (t.tasks[t.queryTask[p]] !== task) continue;
          for (let m = 0; m < t.nModels; m++) {
            const i = p * t.nModels + m;
            if (!t.present[i]) continue;
            const e = t.energyJ[i] / (t.inputTokens[i] + t.outputTokens[i]);
            lo = Math.min(lo, e);
            hi = Math.max(hi, e);
          }
        }
        let best = -Infinity;
        for (let m = 0; m < t.nModels; m++) {
          const i = q * t.nModels + m;
          if (!t.present[i]) {
            expect(rw.rewards[i]).toBe(0);
            continue;
          }
          const e = (t.energyJ[i] / (t.inputTokens[i] + t.outputTokens[i]) - lo) / (hi - lo);
          const r = Math.min(1, Math.max(0, (1 - lambda) * t.accuracy[i] + lambda * (1 - e)));
          expect(rw.rewards[i]).toBeCloseTo(r, 12);
          best = Math.max(best, r);
        }
        if (best > -Infinity) expect(rw.oracle[q]).toBeCloseTo(best, 12);
        else expect(rw.oracle[q]).toBeNaN();
      }
    }
  });

  it('substitutes 0.5 for an undefined energy term (zero tokens)', async () => {
    const u = randomTable(6, 10, 2);
    u.inputTokens[0] = 0;
    u.outputTokens[0] = 0;
    const rw = await buildRewards(u, { lambda: 1 });
    expect(rw.rewards[0]).toBe(0.5);
  });

  it('a custom expression equal to the built-in formula gives the same table', async () => {
    const a = await buildRewards(t, { lambda: 0.4 });
    const b = await buildRewards(t, { lambda: 0.4, expression: 'min(1, max(0, (1 - lambda) * accuracy + lambda * (1 - energy_norm)))' });
    for (let i = 0; i < a.rewards.length; i++) expect(b.rewards[i]).toBeCloseTo(a.rewards[i], 12);
  });

  it('a custom expression can use the raw metrics', async () => {
    const b = await buildRewards(t, { lambda: 0.5, expression: 'accuracy - 0.001 * energy_j / tokens + latency_s * 0' });
    const i = t.present.indexOf(1);
    expect(b.rewards[i]).toBeCloseTo(t.accuracy[i] - (0.001 * t.energyJ[i]) / (t.inputTokens[i] + t.outputTokens[i]), 12);
  });

  it('rejects unknown names, unknown functions, assignments and non-finite results', async () => {
    await expect(buildRewards(t, { lambda: 0.5, expression: 'acuracy * 2' })).rejects.toThrow(/unknown name 'acuracy'.*allowed: variables accuracy/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'frobnicate(accuracy)' })).rejects.toThrow(/function 'frobnicate' is not allowed/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'x = 1' })).rejects.toThrow(/assignments/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'accuracy / 0 * 0 + 1 / (accuracy - accuracy)' })).rejects.toThrow(/non-finite/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'cost_usd' })).rejects.toThrow(/non-finite value \(NaN\)/);
    await expect(buildRewards(t, { lambda: 0.5, expression: '(((' })).rejects.toThrow(/cannot parse/);
  });

  it('the names an unknown name is told it may use are the constants docs/limits.md lists, and each is accepted', async () => {
    const e = (await buildRewards(t, { lambda: 0.5, expression: 'accuracy * speed' }).catch((x: unknown) => x)) as Error;
    const listed = /; constants ([^;]*);/.exec(e.message)![1].split(', ');
    // docs/limits.md: | names | `accuracy`, …, constants `pi`, `e`, `true`, `false` | fixed |
    const row = readFileSync(resolve(__dirname, '../../docs/limits.md'), 'utf8').split('\n').find((l) => l.startsWith('| names |'))!;
    const documented = [...row.slice(row.indexOf('constants')).matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect(listed).toEqual(documented);
    for (const c of listed) await expect(buildRewards(t, { lambda: 0.5, expression: `accuracy + 0 * (${c})` })).resolves.toBeDefined();
  });

  it('rejects λ outside [0, 1] and a dollar cost the table does not have', async () => {
    await expect(buildRewards(t, { lambda: 1.5 })).rejects.toThrow(/λ must be in \[0, 1\]/);
    await expect(buildRewards(t, { lambda: 0.5, cost: 'usd' })).rejects.toThrow(/no cost_usd/);
  });
});

describe('energy without token counts', () => {
  const noTokens = (): ReturnType<typeof randomTable> => {
    const u = randomTable(21, 80, 4, { missing: 0.1 });
    u.inputTokens.fill(Number.NaN);
    u.outputTokens.fill(Number.NaN);
    return u;
  };

  it('normalises energy per query (per-task min–max of J/query) and says so', async () => {
    const u = noTokens();
    for (const lambda of [0.5, 1]) {
      const rw = await buildRewards(u, { lambda });
      expect(rw.energyBasis).toBe('per-query');
      expect(rw.warnings).toEqual([]);
      const lo = new Map<number, number>();
      const hi = new Map<number, number>();
      for (let q = 0; q < u.nQueries; q++) {
        const k = u.queryTask[q];
        for (let m = 0; m < u.nModels; m++) {
          const i = q * u.nModels + m;
          if (!u.present[i]) continue;
          lo.set(k, Math.min(lo.get(k) ?? Infinity, u.energyJ[i]));
          hi.set(k, Math.max(hi.get(k) ?? -Infinity, u.energyJ[i]));
        }
      }
      const distinct = new Set<number>();
      for (let q = 0; q < u.nQueries; q++) {
        const k = u.queryTask[q];
        for (let m = 0; m < u.nModels; m++) {
          const i = q * u.nModels + m;
          if (!u.present[i]) continue;
          const e = (u.energyJ[i] - lo.get(k)!) / (hi.get(k)! - lo.get(k)!);
          expect(rw.rewards[i]).toBeCloseTo(Math.min(1, Math.max(0, (1 - lambda) * u.accuracy[i] + lambda * (1 - e))), 12);
          distinct.add(rw.rewards[i]);
        }
      }
      // before the rule every reward at λ = 1 was 0.5
      expect(distinct.size).toBeGreaterThan(10);
    }
  });

  it('keeps energy per token when any cell has tokens, and for other costs reports no basis', async () => {
    const u = noTokens();
    u.inputTokens[0] = 10;
    u.outputTokens[0] = 5;
    expect((await buildRewards(u, { lambda: 0.5 })).energyBasis).toBe('per-token');
    expect((await buildRewards(randomTable(5, 20, 3), { lambda: 0.5 })).energyBasis).toBe('per-token');
    expect((await buildRewards(noTokens(), { lambda: 0.5, cost: 'latency' })).energyBasis).toBeNull();
  });

  it('warns that the cost term is constant when energy itself is absent and λ > 0', async () => {
    const u = noTokens();
    u.energyJ.fill(Number.NaN);
    const rw = await buildRewards(u, { lambda: 0.7 });
    expect(rw.warnings).toEqual([expect.stringMatching(/'random-21' has no energy values: the cost term is 0\.5 for every cell, so λ = 0\.7 only scales the accuracy term/)]);
    expect([...rw.costNorm].every((e) => e === 0.5)).toBe(true);
    expect((await buildRewards(u, { lambda: 0 })).warnings).toEqual([]);
  });

  it('CLI: a long CSV with energy_j and no tokens — header line, summary.json field, best-static ≠ most-accurate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-ept-'));
    // big-acc is most accurate but costs 20× the energy of mid, which is nearly as accurate
    const models: [string, number, number][] = [['big-acc', 0.9, 100], ['mid', 0.8, 5], ['tiny', 0.2, 4]];
    const lines = ['query_id,model_id,task,accuracy,energy_j'];
    for (let q = 0; q < 30; q++) {
      for (const [id, acc, j] of models) lines.push(`q${q},${id},mmlu,${(q * 7 + id.length) % 10 < acc * 10 ? 1 : 0},${j * (1 + (q % 5) / 10)}`);
    }
    const data = join(dir, 'long.csv');
    writeFileSync(data, lines.join('\n') + '\n');
    const out = join(dir, 'out');
    const { stdout } = await run(process.execPath, [BIN, 'simulate', '--data', data, '--lambda', '0.5', '--runs', '1', '--policies', 'random,most-accurate,best-static', '--features', 'task', '--out', out]);
    const header = stdout.split('\n').slice(0, 2);
    expect(header[1]).toBe('energy normalised per query (per-task min–max of J/query): the table has no token counts');
    expect(stdout.match(/normalised per query/g)).toHaveLength(1);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.reward).toEqual({ cost: 'energy', expression: null, energyBasis: 'per-query' });
    const pol = Object.fromEntries(summary.policies.map((p: { name: string; reward: { mean: number }; selection: Record<string, number> }) => [p.name, p]));
    expect(Object.keys(pol['most-accurate'].selection)).toEqual(['big-acc']);
    expect(Object.keys(pol['best-static'].selection)).toEqual(['mid']);
    expect(pol['best-static'].reward.mean).toBeGreaterThan(pol['most-accurate'].reward.mean);
  });

  it('CLI: energy absent and λ > 0 warns once on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-ept-'));
    const data = join(dir, 'acc.csv');
    writeFileSync(data, 'query_id,model_id,task,accuracy\nq1,a,mmlu,1\nq1,b,mmlu,0\nq2,a,mmlu,0\nq2,b,mmlu,1\n');
    const { stderr, stdout } = await run(process.execPath, [BIN, 'simulate', '--data', data, '--runs', '1', '--policies', 'random', '--features', 'task', '--out', join(dir, 'out')]);
    expect(stderr.match(/greenserv: warning: 'acc\.csv' has no energy values: the cost term is 0\.5 for every cell/g)).toHaveLength(1);
    expect(stdout).not.toContain('normalised per query');
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
    expect(summary.reward).toEqual({ cost: 'energy', expression: null });
  });
});

/** The reward expression is a sandbox: only whitelisted scalar operations, bounded in length and depth. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRewards } from '../../src/sim/reward.js';
import { compileRewardExpression, MAX_REWARD_LENGTH } from '../../src/sim/rewardExpression.js';
import { cliInProcess } from '../helpers/cli.js';
import { randomTable } from '../helpers/table.js';

// The command lines go through main() in this process (the refusal is the command's, not the process's): a
// child would spend most of its time importing mathjs, which this file has imported already
async function cli(args: string[]): Promise<{ code: number; stderr: string; ms: number }> {
  const t0 = Date.now();
  const { code, stderr } = await cliInProcess(args);
  return { code, stderr, ms: Date.now() - t0 };
}

const longSum = Array.from({ length: 2000 }, () => 'accuracy').join(' + ');
const deepSum = Array.from({ length: 80 }, () => 'accuracy').join('+'); // short enough, too deep a tree

const HOSTILE: [string, RegExp][] = [
  ['range(1,1e9)', /function 'range' is not allowed/],
  ['zeros(1e5,1e5)', /function 'zeros' is not allowed/],
  ['det(ones(300,300))', /function 'det' is not allowed; function 'ones' is not allowed/],
  ['evaluate("a=1; b=a+1; b")', /function 'evaluate' is not allowed; constant "a=1; b=a\+1; b" is not a number/],
  [longSum, new RegExp(`is ${longSum.length} characters long; at most ${MAX_REWARD_LENGTH}`)],
  [deepSum, /nests more than \d+ levels deep/],
  ['('.repeat(200) + 'accuracy' + ')'.repeat(200), /brackets nest more than \d+ deep/],
  ['1:1e9', /range expressions are not allowed \(RangeNode\)/],
  ['[accuracy, 1]', /array expressions are not allowed \(ArrayNode\)/],
  ['a = 1; a', /assignments and blocks are not allowed/],
  ['f(x) = x', /assignments and blocks are not allowed \(FunctionAssignmentNode\)/],
  ['accuracy!', /operator '!' \(factorial\) is not allowed/],
  ['accuracy to cm', /operator 'to' \(to\) is not allowed; unknown name 'cm'/],
  ['accuracy.constructor', /accessor expressions are not allowed/],
  ['accuracy(1)', /function 'accuracy' is not allowed/],
  ['import({}, {})', /function 'import' is not allowed/],
  ['', /the expression is empty/],
  // mathjs skips a comment, so everything after '#' would be dropped silently
  ['accuracy # - energy_j', /comments \('#'\) are not allowed/],
  // not finite, and not among the documented names
  ['accuracy + NaN', /constant NaN is not a finite number/],
  ['min(accuracy, Infinity)', /constant Infinity is not a finite number/],
  ['accuracy * 1e999', /constant Infinity is not a finite number/],
  // a wrong argument count is known before any cell is evaluated
  ['min()', /function 'min' takes 1 to 16 arguments, got 0/],
  ['pow(accuracy, 2, 3)', /function 'pow' takes 2 arguments, got 3/],
  ['clamp(accuracy)', /function 'clamp' takes 3 arguments, got 1/],
  ['sqrt(accuracy, 2)', /function 'sqrt' takes 1 argument, got 2/],
  ['round(accuracy, 2, 3)', /function 'round' takes 1 to 2 arguments, got 3/],
];

describe('reward sandbox: hostile expressions are refused by name, before evaluation, quickly', () => {
  // load mathjs once, so the timings below measure the check, not the import
  beforeAll(async () => {
    await compileRewardExpression('accuracy');
  });
  for (const [expr, re] of HOSTILE) {
    it(expr.length > 40 ? `${expr.slice(0, 40)}… (${expr.length} chars)` : expr || '(empty)', async () => {
      const t0 = performance.now();
      await expect(compileRewardExpression(expr, { option: '--reward' })).rejects.toThrow(re);
      expect(performance.now() - t0).toBeLessThan(2000);
    });
  }

  it('buildRewards refuses them too, naming the file and field when the expression came from one', async () => {
    const t = randomTable(3, 20, 3);
    // without a source the setting is named, not a flag the caller may not have typed
    await expect(buildRewards(t, { lambda: 0.5, expression: 'range(1,1e9)' })).rejects.toThrow(/^reward 'range\(1,1e9\)': function 'range'/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'range(1,1e9)', expressionSource: { option: '--reward' } })).rejects.toThrow(/^--reward 'range\(1,1e9\)': function 'range'/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'zeros(1e5,1e5)', expressionSource: { file: 'x.yaml', field: 'reward' } })).rejects.toThrow(
      /^x\.yaml \(field 'reward'\): 'zeros\(1e5,1e5\)': function 'zeros'/,
    );
  });
});

describe('reward sandbox: the documented expressions give the same numbers', () => {
  const t = randomTable(11, 50, 4, { missing: 0.1 });

  it("README's example: accuracy - 0.002 * energy_j / tokens", async () => {
    const r = await buildRewards(t, { lambda: 0.5, expression: 'accuracy - 0.002 * energy_j / tokens' });
    for (let i = 0; i < r.rewards.length; i++) {
      const want = t.present[i] ? t.accuracy[i] - (0.002 * t.energyJ[i]) / (t.inputTokens[i] + t.outputTokens[i]) : 0;
      expect(r.rewards[i]).toBe(want);
    }
  });

  it('the built-in formula written out, with min/max or with clamp, equals the default table bit for bit', async () => {
    for (const lambda of [0, 0.3, 1]) {
      const a = await buildRewards(t, { lambda });
      const b = await buildRewards(t, { lambda, expression: 'min(1, max(0, (1 - lambda) * accuracy + lambda * (1 - energy_norm)))' });
      const c = await buildRewards(t, { lambda, expression: 'clamp((1 - lambda) * accuracy + lambda * (1 - energy_norm), 0, 1)' });
      expect([...b.rewards]).toEqual([...a.rewards]);
      expect([...c.rewards]).toEqual([...a.rewards]);
    }
  });

  it('the conditional, comparisons and logic work on scalars', async () => {
    const r = await buildRewards(t, { lambda: 0.5, expression: 'accuracy >= 0.5 and latency_s < 1e9 ? 1 : energy_norm' });
    for (let i = 0; i < r.rewards.length; i++) {
      if (t.present[i]) expect(r.rewards[i]).toBe(t.accuracy[i] >= 0.5 ? 1 : r.costNorm[i]);
    }
  });
});

describe('reward sandbox: real arithmetic only, and a result that is not a number is named', () => {
  const t = randomTable(11, 50, 4, { missing: 0.1 });

  it('the root or log of a negative number is NaN (an error), not a complex number carried on', async () => {
    // with complex arithmetic abs(sqrt(-x)) would be sqrt(x), silently
    await expect(buildRewards(t, { lambda: 0.5, expression: 'abs(sqrt(accuracy - 2))' })).rejects.toThrow(/non-finite value \(NaN\)/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'abs(log(accuracy - 2))' })).rejects.toThrow(/non-finite value \(NaN\)/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'sqrt(accuracy - 2)' })).rejects.toThrow(/non-finite value \(NaN\)/);
  });

  it('an odd root of a negative number through ^ is the real root', async () => {
    const r = await buildRewards(t, { lambda: 0.5, expression: '(energy_norm - 2) ^ (1/3)' });
    for (let i = 0; i < r.rewards.length; i++) if (t.present[i]) expect(r.rewards[i]).toBeCloseTo(Math.cbrt(r.costNorm[i] - 2), 12);
  });

  it('a true/false result is refused as not a number, not as "non-finite"', async () => {
    await expect(buildRewards(t, { lambda: 0.5, expression: 'accuracy >= 0' })).rejects.toThrow(/'accuracy >= 0' gave true, a true\/false value, not a number \(write c \? 1 : 0\) for query 'q\d+', model 'model-\d'/);
    const r = await buildRewards(t, { lambda: 0.5, expression: 'accuracy >= 0.5 ? 1 : 0' });
    for (let i = 0; i < r.rewards.length; i++) if (t.present[i]) expect(r.rewards[i]).toBe(t.accuracy[i] >= 0.5 ? 1 : 0);
  });

  it('a non-finite value names the inputs missing in that cell, and a column the table lacks', async () => {
    // randomTable has no dollar cost column
    await expect(buildRewards(t, { lambda: 0.5, expression: 'accuracy + cost_usd' })).rejects.toThrow(
      /gave a non-finite value \(NaN\) for query 'q0', model 'model-\d': cost_usd is missing there \(the table has no cost_usd column\)$/,
    );
    const u = randomTable(12, 20, 3);
    u.energyJ[5] = Number.NaN;
    await expect(buildRewards(u, { lambda: 0.5, expression: 'accuracy - energy_j / tokens' })).rejects.toThrow(
      /gave a non-finite value \(NaN\) for query 'q1', model 'model-2': energy_j is missing there$/,
    );
  });
});

describe('reward sandbox from every source: exit 2, file or option named, nothing written, in seconds', () => {
  it('--reward on simulate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rw-'));
    const out = join(dir, 'out');
    const r = await cli(['simulate', '--reward', 'range(1,1e9)', '--runs', '1', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^greenserv: error: --reward 'range\(1,1e9\)': function 'range' is not allowed/m);
    expect(existsSync(out)).toBe(false);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('reward: in an experiment YAML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rw-'));
    const yaml = join(dir, 'x.yaml');
    writeFileSync(yaml, 'name: hostile\nruns: 1\nreward: "zeros(1e5,1e5)"\narms:\n  - policy: random\n');
    const out = join(dir, 'out');
    const r = await cli(['experiment', 'run', yaml, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`greenserv: error: ${yaml}:3 (field 'reward'): 'zeros(1e5,1e5)': function 'zeros' is not allowed`);
    expect(existsSync(out)).toBe(false);
  });

  it("a baseline's config.reward", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rw-'));
    const f = join(dir, 'b.json');
    const config = { command: 'simulate', data: 'greenserv-pool', policies: ['random'], params: [], lambda: 0.5, runs: 1, seed: 40, semantics: 'paper', features: ['task'], reward: 'det(ones(300,300))' };
    writeFileSync(f, JSON.stringify({ schemaVersion: 1, name: 'hostile', config, metrics: {} }));
    const out = join(dir, 'regress.json');
    const r = await cli(['regress', '--baseline', f, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`greenserv: error: ${f} (field 'config.reward'): 'det(ones(300,300))': function 'det' is not allowed`);
    expect(existsSync(out)).toBe(false);
  });
});

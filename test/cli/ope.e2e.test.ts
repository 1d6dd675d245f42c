/**
 * The off-policy evaluation flow from the command line: `simulate --policies epsilon-greedy --log logs.csv`,
 * then `ope --logs logs.csv --policies linucb,best-static,random`, then `report` on its results.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-ope-e2e-'));

/** Minimal CSV reader for the files greenserv writes (no quoted fields in these). */
function readCsv(file: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, j) => [cols[j], v])));
}

describe('simulate --log, then ope, then report', () => {
  it('prints estimates with intervals that match the log, writes summary.json, estimates.csv and a chart', async () => {
    const logs = join(dir, 'logs.csv');
    const sim = await cli(['simulate', '--policies', 'epsilon-greedy', '--log', logs, '--out', join(dir, 'sim')]);
    expect(sim.code).toBe(0);
    expect(sim.stdout).toContain(`routing log: ${logs}`);
    const rows = readCsv(logs);
    // five runs of the 2,500-query pool, each decision with its propensity
    expect(rows.length).toBe(12500);
    for (const r of rows) expect(Number(r.propensity)).toBeGreaterThan(0);

    const out = join(dir, 'ope');
    const r = await cli(['ope', '--logs', logs, '--policies', 'linucb,best-static,random', '--out', out]);
    expect(r.code).toBe(0);
    for (const p of ['linucb', 'best-static', 'random']) expect(r.stdout).toMatch(new RegExp(`^${p} .*\\[\\d\\.\\d+, \\d\\.\\d+\\]`, 'm'));
    // epsilon-greedy logs are not uniform: the learning target is flagged
    expect(r.stderr).toContain('linucb: a learning policy is evaluated by replay');

    // IPS of the uniform target, computed here from the log: mean of (1/16)/p · reward
    let ips = 0;
    for (const x of rows) ips += ((1 / 16) / Number(x.propensity)) * Number(x.reward);
    ips /= rows.length;
    const est = readCsv(join(out, 'estimates.csv'));
    const got = est.find((e) => e.policy === 'random' && e.metric === 'reward' && e.estimator === 'ips')!;
    expect(Number(got.value)).toBeCloseTo(ips, 10);
    expect(Number(got.lo)).toBeLessThan(Number(got.value));
    expect(Number(got.hi)).toBeGreaterThan(Number(got.value));

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.kind).toBe('ope');
    expect(summary.schemaVersion).toBe(1);
    expect(summary.logs.decisions).toBe(12500);
    expect(summary.policies.map((p: { name: string; method: string }) => `${p.name}:${p.method}`)).toEqual(['linucb:replay', 'best-static:distribution', 'random:distribution']);
    expect(readFileSync(join(out, 'charts', 'ope.svg'), 'utf8')).toMatch(/^<svg/);

    // the logging policy's observed value: the plain mean of the logged rewards, first row of the table
    const observed = rows.reduce((a, x) => a + Number(x.reward), 0) / rows.length;
    expect(summary.observed.reward).toBeCloseTo(observed, 12);
    expect(r.stdout).toMatch(new RegExp(`^logged policy +observed +${observed.toFixed(4).replace('.', '\\.')} `, 'm'));
    // best-static picks the model of the best mean logged reward: Kish ESS (Σw)²/Σw² of w = 1{a_i = it}/p_i
    const byModel = new Map<string, number[]>();
    for (const x of rows) byModel.set(x.model_id, [...(byModel.get(x.model_id) ?? []), Number(x.reward)]);
    const best = [...byModel].map(([m, v]) => [m, v.reduce((a, b) => a + b, 0) / v.length] as const).sort((a, b) => b[1] - a[1])[0][0];
    const w = rows.map((x) => (x.model_id === best ? 1 / Number(x.propensity) : 0));
    const ess = w.reduce((a, b) => a + b, 0) ** 2 / w.reduce((a, b) => a + b * b, 0);
    const bs = summary.policies[1];
    expect(bs.diagnostics.ess).toBeCloseTo(ess, 6);
    expect(ess).toBeLessThan(100);
    expect(bs.flags).toContain('low-ess');
    // the weighted estimators carry the flag; dm weighs no decision
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('best-static '));
    expect(lines[at]).toMatch(/^best-static +dm /);
    expect(lines[at]).not.toMatch(/! ESS/);
    expect(lines.slice(at + 1).find((l) => /^ +ips /.test(l))).toMatch(/! ESS/);
    expect(r.stdout).toContain(`! ESS: best-static ${ess.toFixed(0)} of 12500 decisions`);

    // the difference from the logged mean: IPS of the uniform target minus the observed mean, in csv and json;
    // best-static is flagged, so its difference is no evidence
    expect(Number(got.vs_logged)).toBeCloseTo(ips - observed, 10);
    expect(Number(got.vs_logged_lo)).toBeLessThan(Number(got.vs_logged));
    expect(summary.policies[2].estimates.find((e: { metric: string; estimator: string }) => e.metric === 'reward' && e.estimator === 'ips').vsLogged.value).toBeCloseTo(ips - observed, 10);
    expect(bs.verdict).toEqual({ result: 'no-evidence', estimators: [] });
    expect(r.stdout).toMatch(/^best-static: no evidence either way: its estimates are flagged \(low-ess/m);

    // the same seed gives the same bytes
    const again = await cli(['ope', '--logs', logs, '--policies', 'linucb,best-static,random', '--out', join(dir, 'ope2')]);
    expect(again.code).toBe(0);
    expect(readFileSync(join(dir, 'ope2', 'summary.json'), 'utf8')).toBe(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(readFileSync(join(dir, 'ope2', 'estimates.csv'), 'utf8')).toBe(readFileSync(join(out, 'estimates.csv'), 'utf8'));

    const rep = await cli(['report', out]);
    expect(rep.code).toBe(0);
    expect(rep.stdout).toBe(`rebuilt 1 chart and report.html of the ope results in ${out}\n`);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h1>Off-policy evaluation</h1>');
    expect(html).toContain('<svg');
    expect(html).toContain('best-static');
    // the chart's second panel: the differences from the logged mean (summary.json's vsLogged), 0 labelled
    const svg = readFileSync(join(out, 'charts', 'ope.svg'), 'utf8');
    expect(svg).toContain('estimate − observed reward (paired 95% interval)');
    expect(svg).toMatch(/>0<\/text>/);
    expect(html).toContain('Right: the estimate minus the observed mean reward, with its paired 95% interval');
  });

  it('with --table, each policy gets its true value; the uniform target is estimated close to it', async () => {
    const logs = join(dir, 'uniform.parquet');
    expect((await cli(['simulate', '--policies', 'random', '--runs', '2', '--log', logs, '--out', join(dir, 'sim-u')])).code).toBe(0);
    const out = join(dir, 'ope-u');
    const r = await cli(['ope', '--logs', logs, '--policies', 'random,best-static', '--table', 'greenserv-pool', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('true reward');
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.table).toEqual({ name: 'greenserv-pool', queries: 2500 });
    expect(s.logs.uniform).toBe(true);
    for (const p of s.policies) {
      for (const e of p.estimates.filter((x: { metric: string; estimator: string }) => x.metric === 'reward' && (x.estimator === 'dr' || x.estimator === 'snips'))) {
        expect(Math.abs(e.value - p.truth.reward)).toBeLessThan(4 * e.sd + 1e-9);
      }
    }
  });
});

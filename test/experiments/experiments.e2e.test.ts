import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listExperiments, runExperiment } from '../../src/app/experiment.js';
import { readExperimentDir, writeChartsAndReport } from '../../src/report/experimentOutputs.js';
import { experimentJsonSchema, parseExperiment } from '../../src/sim/experimentConfig.js';
import { mannWhitneyU, snapNearTies } from '../../src/metrics/stats.js';

const EXP = resolve(__dirname, '../../experiments');

/** A small experiment file derived from a shipped one (fewer runs keep the suite fast). */
function smallConfig(dir: string, name: string, edit: (y: string) => string = (y) => y): string {
  const text = edit(readFileSync(join(EXP, `${name}.yaml`), 'utf8'));
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, text);
  return p;
}

describe('experiment configs', () => {
  it('every shipped config validates and X0–X4 are there', () => {
    expect(listExperiments()).toEqual(expect.arrayContaining(['x0-warmup', 'x1-algorithm-comparison', 'x2-feature-ablation', 'x3-lambda-sweep', 'x4-adaptability']));
    for (const n of listExperiments()) expect(() => parseExperiment(readFileSync(join(EXP, `${n}.yaml`), 'utf8'), n)).not.toThrow();
  });

  it('the committed JSON Schema is the generated one', () => {
    const committed = JSON.parse(readFileSync(join(EXP, 'schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(experimentJsonSchema())));
  });

  it('invalid configs name the file and the field', () => {
    expect(() => parseExperiment('name: x\narms: []\n', 'bad.yaml')).toThrow(/bad\.yaml.*arms/);
    expect(() => parseExperiment('name: x\nlambdas: [2]\narms: [{policy: linucb}]\n', 'bad.yaml')).toThrow(/lambdas\.0/);
    expect(() => parseExperiment('name: x\narms: [{policy: linucb}, {policy: linucb}]\n', 'bad.yaml')).toThrow(/label 'linucb' is used twice/);
    expect(() => parseExperiment('name: x\nfoo: 1\narms: [{policy: linucb}]\n', 'bad.yaml')).toThrow(/foo|Unrecognized/);
    expect(() => parseExperiment('name: [\n', 'bad.yaml')).toThrow(/bad\.yaml:\d+: invalid YAML/);
  });

  it('a bad field is reported at its own line', () => {
    const drift = 'name: x\ndrift:\n  - {step: 10, model: m, energy: 2}\n  - step: abc\n    model: m\n    accuracy: -0.3\narms: [{policy: linucb}]\n';
    expect(() => parseExperiment(drift, 'd.yaml')).toThrow(/^d\.yaml:4 \(field 'drift\.1\.step'\): .*expected number/);
    expect(() => parseExperiment('name: x\nruns: 2\n\nfoo: 1\narms: [{policy: linucb}]\n', 'd.yaml')).toThrow(/^d\.yaml:4 \(field 'foo'\): Unrecognized key/);
    expect(() => parseExperiment('name: x\narms:\n  - policy: linucb\n  - policy: random\n  - policy: linucb\n', 'd.yaml')).toThrow(/^d\.yaml:5 \(field 'arms\.2'\): label 'linucb' is used twice/);
    // a missing field points at the top of the file
    expect(() => parseExperiment('name: x\nruns: 2\n', 'd.yaml')).toThrow(/^d\.yaml:1 \(field 'arms'\)/);
  });
});

describe('experiment run', () => {
  it('X1 (2 runs): summary, statistics, charts and a self-contained report; identical for 1 and 2 workers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-exp-'));
    const file = smallConfig(dir, 'x1-algorithm-comparison');
    const a = await runExperiment(file, { runs: 2, out: join(dir, 'a'), workers: 1 });
    await runExperiment(file, { runs: 2, out: join(dir, 'b'), workers: 2 });
    for (const f of ['summary.json', 'runs.csv', 'curves.csv', 'selection.csv', 'significance.csv', 'report.html']) {
      expect(readFileSync(join(dir, 'a', f)).equals(readFileSync(join(dir, 'b', f))), f).toBe(true);
    }
    const s = a.summary;
    expect(s.cells.map((c) => c.label)).toEqual(['epsilon-greedy', 'linear-epsilon-greedy', 'linucb', 'thompson', 'random', 'largest', 'smallest', 'accuracy']);
    // 8 arms → 28 pairs; each p is the test of the two arms' own per-run regrets, those equal but for summation
    // order as ties (the test itself is checked against brute-force enumeration and the published p-values in stats.test.ts)
    expect(s.significance).toHaveLength(28);
    for (const p of s.significance) {
      const x = s.cells.find((c) => c.label === p.a)!.perRun.map((r) => r.finalRegret);
      const y = s.cells.find((c) => c.label === p.b)!.perRun.map((r) => r.finalRegret);
      expect(p.p).toBeCloseTo(mannWhitneyU(...snapNearTies(x, y)).p, 12);
      expect(p.pAdjusted).toBeGreaterThanOrEqual(p.p);
    }
    // published comparison present with gaps
    expect(s.comparison!.rows.find((r) => r.label === 'linucb' && r.metric === 'finalRegret')!.published).toBeCloseTo(417.33, 2);
    const charts = readdirSync(join(dir, 'a', 'charts'));
    for (const c of ['cumulative-regret', 'moving-average-regret', 'accuracy-vs-energy', 'final-regret-box']) {
      expect(charts).toContain(`${c}.png`);
      const png = readFileSync(join(dir, 'a', 'charts', `${c}.png`));
      expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
      expect(png.readUInt32BE(16)).toBeGreaterThan(800); // width in pixels at 2× scale
    }
    const html = readFileSync(join(dir, 'a', 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|src="http|href="http|@import/);
    expect(html).toContain('Mann–Whitney');
    expect(html).toContain('Model profiles');
    // the last point of the mean cumulative regret curve equals the mean final regret
    const curves = readFileSync(join(dir, 'a', 'curves.csv'), 'utf8').trim().split('\n');
    const last = curves.filter((l) => l.startsWith('0.5,linucb,2500,'))[0].split(',');
    expect(Number(last[3])).toBeCloseTo(s.cells.find((c) => c.label === 'linucb')!.finalRegret.mean, 9);
  });

  it('`report` rebuilds the same charts and report.html from the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-exp-'));
    const file = smallConfig(dir, 'x4-adaptability', (y) => y.replace(/arms:[\s\S]*?pool:/, 'arms:\n  - policy: linucb\n  - policy: random\npool:'));
    await runExperiment(file, { runs: 2, out: join(dir, 'r'), workers: 1 });
    const before = readFileSync(join(dir, 'r', 'report.html'), 'utf8');
    const { agg, configText, manifest, profile } = readExperimentDir(join(dir, 'r'));
    expect(profile?.bestStatic).toBeTruthy();
    const files = new Map<string, string | Uint8Array>();
    await writeChartsAndReport({ write: (n: string, d: string | Uint8Array) => files.set(n, d) }, agg, configText, manifest, profile);
    expect(files.get('report.html')).toBe(before);
    expect([...files.keys()]).toContain('charts/selection-linucb.png');
  });

  it('X4: the removed model is never chosen after the change and the added one only after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-exp-'));
    const file = smallConfig(dir, 'x4-adaptability');
    const { out, summary } = await runExperiment(file, { runs: 2, out: join(dir, 'x4'), workers: 1, charts: false });
    const rows = readFileSync(join(out, 'selection.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    for (const [, , start, model, share] of rows) {
      if (model === 'llama-3.1-8b' && Number(start) >= 1000) expect(Number(share)).toBe(0);
      if (model === 'gemma-3-12b' && Number(start) < 1000) expect(Number(share)).toBe(0);
    }
    expect(summary.cells.find((c) => c.label === 'linucb')!.selection['gemma-3-12b']).toBeGreaterThan(0.1);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
  });
});

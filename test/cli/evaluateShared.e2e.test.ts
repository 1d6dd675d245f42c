/**
 * `greenserv evaluate` on the shared RouterBench rows: whole sweeps with charts and report, determinism and
 * family mapping (several seconds each, so an e2e file; test/cli/evaluate.test.ts has the fast checks).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvaluateSummary } from '../../src/metrics/routerbench.js';
import { lineColour, POLICY_COLOURS } from '../../src/report/palette.js';
import { captureStdio, evaluateInProcess as evaluate } from '../helpers/evaluateCli.js';

const RB = resolve(__dirname, '../../../shared/data/routerbench');
const haveRb = existsSync(resolve(RB, 'arc_challenge_test.csv'));
if (!haveRb) console.warn(`skipping evaluate runs on real RouterBench rows: ${RB} not found (shared reference data is absent)`);

const tmp = mkdtempSync(join(tmpdir(), 'gs-evaluate-rb-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const io = captureStdio();

describe.skipIf(!haveRb)('greenserv evaluate --routerbench ../shared/data/routerbench/', () => {
  it('prints AIQ / peak / average accuracy for the bandits and baselines and writes summary, CSVs, charts and report', async () => {
    const o = join(tmp, 'rb');
    const e = await evaluate(['--routerbench', RB, '--runs', '2', '--lambdas', '0,0.25,0.5,0.75,1', '--out', o, '--jobs', '1']);
    expect(e).toBeNull();
    const text = io.out.join('');
    for (const name of ['linear-epsilon-greedy', 'linucb', 'thompson', 'random', 'zero router', 'oracle (hindsight frontier)', 'oracle point', 'gpt-4-1106-preview']) expect(text).toContain(name);
    expect(text).toMatch(/AIQ +winogrande +arc-challenge +peak acc +avg acc +CPT\(50%\) +CPT\(80%\) +APGR/);
    expect(text).toMatch(/the source is a subset \(2,737 of 36,497 prompts, 2 families/);
    expect(text).not.toMatch(/pub AIQ/);
    expect(io.err.join('')).toMatch(/skipping .*routerbench_0shot_per_model_mean_quality_cost\.csv: not a RouterBench table/);
    expect(readdirSync(o).sort()).toEqual(['charts', 'manifest.json', 'points.csv', 'report.html', 'runs.csv', 'summary.json']);
    expect(readdirSync(join(o, 'charts')).sort()).toEqual([
      'cost-quality-arc-challenge.png',
      'cost-quality-arc-challenge.svg',
      'cost-quality-winogrande.png',
      'cost-quality-winogrande.svg',
    ]);
    const png = readFileSync(join(o, 'charts', 'cost-quality-arc-challenge.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const svg = readFileSync(join(o, 'charts', 'cost-quality-winogrande.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const label of ['winogrande: cost vs quality', 'gpt-4-1106-preview', 'oracle frontier', 'Thompson sampling']) expect(svg).toContain(label);
    // the policies keep the colours they have in the experiment charts (pale ones darkened for lines)
    for (const p of ['linucb', 'thompson', 'random']) expect(svg).toContain(`stroke="${lineColour(POLICY_COLOURS[p])}"`);

    const s = JSON.parse(readFileSync(join(o, 'summary.json'), 'utf8')) as EvaluateSummary;
    expect(s.schemaVersion).toBe(1);
    expect(s).toMatchObject({ command: 'evaluate', runs: 2, seed: 40, lambdas: [0, 0.25, 0.5, 0.75, 1], aiqMode: 'paper', reward: { cost: 'usd', costScale: 'linear' } });
    expect(s.policies.map((p) => p.name)).toEqual(['linear-epsilon-greedy', 'linucb', 'thompson', 'random']);
    for (const p of s.policies) {
      expect(Object.keys(p.aiq.byFamily).sort()).toEqual(['arc-challenge', 'winogrande']);
      expect(p.aiq.mean).toBeCloseTo((p.aiq.byFamily['arc-challenge']! + p.aiq.byFamily.winogrande!) / 2, 15);
      expect(p.aiq.mean!).toBeLessThanOrEqual(s.baselines.oracle.aiq.mean!);
      expect(p.peakAccuracy).toBeGreaterThanOrEqual(p.avgAccuracy);
      expect(p.points).toHaveLength(5 * 3);
      expect(p.points[0]).toEqual({ lambda: 0, family: expect.any(String), cost: expect.any(Number), quality: expect.any(Number) });
    }
    expect(Object.keys(s.baselines.zeroRouter.aiq.byFamily).sort()).toEqual(['arc-challenge', 'winogrande']);
    expect(s.baselines.models).toHaveLength(11);
    expect(s.published.comparable).toBe(false);
    const runs = readFileSync(join(o, 'runs.csv'), 'utf8').trim().split('\n');
    expect(runs[0]).toBe('policy,lambda,run,seed,family,queries,cost_usd,quality,misses');
    expect(runs).toHaveLength(1 + 4 * 5 * 2 * 3);
    const points = readFileSync(join(o, 'points.csv'), 'utf8');
    expect(points).toMatch(/^router,kind,lambda,family,cost_usd,quality\n/);
    expect(points).toMatch(/\ngpt-4-1106-preview,model,,arc-challenge,/);
    const html = readFileSync(join(o, 'report.html'), 'utf8');
    expect(html).toContain('<section id="evaluate-routerbench">');
    expect(html).toMatch(/<figure id="evaluate-arc-challenge"><svg/);
    const manifest = JSON.parse(readFileSync(join(o, 'manifest.json'), 'utf8'));
    expect(manifest.dataset.files).toHaveLength(4);
    expect(manifest.files).toContain('charts/cost-quality-winogrande.png');
    expect(manifest.runSeeds).toEqual([40, 41]);
  });

  it('same seed ⇒ byte-identical summary.json, runs.csv and points.csv; options are recorded', async () => {
    const args = ['--routerbench', RB, '--runs', '2', '--lambdas', '0,0.5,1', '--policies', 'linucb,random', '--no-charts', '--aiq-mode', 'routerbench-code', '--cost-scale', 'log'];
    expect(await evaluate([...args, '--out', join(tmp, 'd1')])).toBeNull();
    expect(await evaluate([...args, '--out', join(tmp, 'd2')])).toBeNull();
    for (const f of ['summary.json', 'runs.csv', 'points.csv']) expect(readFileSync(join(tmp, 'd1', f)).equals(readFileSync(join(tmp, 'd2', f)))).toBe(true);
    const s = JSON.parse(readFileSync(join(tmp, 'd1', 'summary.json'), 'utf8')) as EvaluateSummary;
    expect(s.aiqMode).toBe('routerbench-code');
    expect(s.reward.costScale).toBe('log');
    // an existing directory is kept unless --force
    const again = await evaluate([...args, '--out', join(tmp, 'd1')]);
    expect((again as Error).message).toMatch(/already exists/);
    expect(await evaluate([...args, '--out', join(tmp, 'd1'), '--force', '--seed', '7'])).toBeNull();
    expect(readFileSync(join(tmp, 'd1', 'summary.json')).equals(readFileSync(join(tmp, 'd2', 'summary.json')))).toBe(false);
  });

  it('--family overrides the mapping', async () => {
    const e = await evaluate(['--routerbench', RB, '--runs', '1', '--lambdas', '0,1', '--policies', 'random', '--no-charts', '--json', '--family', 'arc-*=reasoning', '--family', 'winogra*=reasoning', '--out', join(tmp, 'fam')]);
    expect(e).toBeNull();
    const s = JSON.parse(io.out.join('')) as EvaluateSummary;
    expect(s.dataset.families).toHaveLength(1);
    expect(s.dataset.families[0]).toMatchObject({ name: 'reasoning', queries: 2737, evalNames: ['arc-challenge', 'winogrande'] });
  });
});

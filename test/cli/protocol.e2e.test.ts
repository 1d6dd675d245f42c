/**
 * The train/test protocol through the CLI, on small inputs built here: the two commands of the protocol
 * (simulate --split, evaluate --routerbench --split --features embed) and the refusals of bad settings.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { POLICY_NAMES } from '../../src/policies/registry.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'greenserv-protocol-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A RouterBench-shaped CSV: two eval families whose best model differs, prompts that say which family. */
function routerbench(): string {
  const rng = new Rng(3);
  const models = ['small', 'mid', 'large'];
  const head = ['sample_id', 'prompt', 'eval_name', ...models, ...models.map((m) => `${m}|total_cost`)];
  const words = { arc: ['science', 'experiment', 'energy', 'plant', 'rock'], wino: ['pronoun', 'sentence', 'because', 'friend', 'door'] };
  const rows = [head.join(',')];
  for (let i = 0; i < 120; i++) {
    const fam = i % 2 ? 'arc' : 'wino';
    const w = words[fam];
    const prompt = `"['${Array.from({ length: 8 }, () => w[rng.int(w.length)]).join(' ')} question ${i}']"`;
    // small is best on wino, large on arc; mid in between
    const p = fam === 'wino' ? [0.9, 0.6, 0.5] : [0.2, 0.6, 0.95];
    const acc = p.map((x) => (rng.next() < x ? 1 : 0));
    rows.push([`${fam}.${i}`, prompt, fam === 'arc' ? 'arc-challenge' : 'winogrande', ...acc, 0.0001, 0.0005, 0.002].join(','));
  }
  return rows.join('\n') + '\n';
}

const rb = join(dir, 'rb');
mkdirSync(rb);
writeFileSync(join(rb, 'tiny.csv'), routerbench());

/** Routers trained on the split, where the registry has them (they are listed in the done-when command). */
const ROUTERS = ['knn', 'predictive', 'warm-linucb', 'warm-thompson'].filter((n) => POLICY_NAMES.includes(n));

describe('train/test protocol (CLI)', () => {
  it('simulate --split 0.5 prints the protocol table and writes the protocol block and protocol.csv', async () => {
    const out = join(dir, 'sim');
    if (ROUTERS.length < 4) console.warn(`note: routers not registered on this build, running without: ${['knn', 'predictive', 'warm-linucb', 'warm-thompson'].filter((n) => !ROUTERS.includes(n)).join(', ')}`);
    const r = await cli(['simulate', '--split', '0.5', '--policies', [...ROUTERS, 'linucb', 'train-best-static'].join(','), '--runs', '2', '--out', out, '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/train\/test protocol:/);
    expect(r.stdout).toMatch(/gap closed \[95% CI\]/);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.schemaVersion).toBe(2);
    expect(s.protocol.kind).toBe('split');
    expect(s.protocol.trainQueries + s.protocol.testQueries).toBe(2500);
    expect(s.dataset.queries).toBe(s.protocol.testQueries);
    const tbs = s.protocol.policies.find((p: { name: string }) => p.name === 'train-best-static');
    expect(tbs.gapClosed.mean).toBe(0);
    // the model it is: the selection shares of its runs on the test stream, and the deploy line names it
    expect(tbs.chose).toEqual(s.policies.find((p: { name: string }) => p.name === 'train-best-static').selection);
    expect(Object.keys(tbs.chose)).toHaveLength(1);
    expect(r.stdout).toContain(`against train-best-static (${Object.keys(tbs.chose)[0]})`);
    // gap closed of linucb from its test regret and the baseline's, by hand
    const lin = s.protocol.policies.find((p: { name: string }) => p.name === 'linucb');
    const perRun = s.policies.find((p: { name: string }) => p.name === 'linucb').perRun.map((x: { finalRegret: number }) => x.finalRegret);
    const base = s.policies.find((p: { name: string }) => p.name === 'train-best-static').perRun.map((x: { finalRegret: number }) => x.finalRegret);
    const g = perRun.map((x: number, i: number) => (base[i] - x) / base[i]);
    expect(lin.gapClosed.mean).toBeCloseTo((g[0] + g[1]) / 2, 12);
    expect(readFileSync(join(out, 'protocol.csv'), 'utf8').split('\n')[0]).toMatch(/^policy,test_regret_mean/);
    expect(existsSync(join(out, 'steps.csv'))).toBe(false);
    // the same seed gives the same bytes
    const again = await cli(['simulate', '--split', '0.5', '--policies', [...ROUTERS, 'linucb', 'train-best-static'].join(','), '--runs', '2', '--out', join(dir, 'sim2'), '--no-progress']);
    expect(again.code).toBe(0);
    expect(readFileSync(join(dir, 'sim2', 'summary.json'), 'utf8')).toBe(readFileSync(join(out, 'summary.json'), 'utf8'));
  });

  it('evaluate --routerbench <dir> --split 0.5 --features embed scores the test stream with AIQ vs the zero router', async () => {
    const out = join(dir, 'ev');
    const r = await cli(['evaluate', '--routerbench', rb, '--split', '0.5', '--features', 'embed', '--embed-dim', '8', '--lambdas', '0,0.5,1', '--runs', '2', '--jobs', '1', '--out', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/train\/test protocol at λ = 0.5/);
    expect(r.stdout).toMatch(/AIQ \/ zero router/);
    // the header counts the test stream, and one split needs no split note
    expect(r.stdout).toMatch(/: 60 test prompts \(train 60\) × /);
    expect(r.stdout).not.toMatch(/split 1 of/);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.schemaVersion).toBe(2);
    expect(s.protocol.testQueries).toBe(60);
    expect(s.contexts.d).toBe(9);
    expect(s.protocol.byLambda.map((b: { lambda: number }) => b.lambda)).toEqual([0, 0.5, 1]);
    const tbs = s.protocol.policies.find((p: { name: string }) => p.name === 'train-best-static');
    expect(tbs.aiq.zeroRouter).toBeGreaterThan(0);
    for (const p of s.protocol.policies) if (p.aiq) expect(p.aiq.ratio).toBeCloseTo(p.aiq.policy / p.aiq.zeroRouter, 12);
    for (const f of ['protocol.csv', 'charts/gap-closed.svg', 'charts/gap-closed.png']) expect(existsSync(join(out, f)), f).toBe(true);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/Train\/test protocol/);
    // report.html's gap-by-λ table has the terminal's λ columns, as HTML table headers
    const termLambdas = r.stdout.split('\n').find((l) => l.startsWith('gap closed '))!.trim().split(/ {2,}/).slice(1);
    expect(termLambdas).toEqual(['λ=0', 'λ=0.5', 'λ=1']);
    const section = html.slice(html.indexOf('<section id="protocol">'), html.indexOf('</section>'));
    expect([...section.matchAll(/<th scope="col">(λ=[^<]*)<\/th>/g)].map((m) => m[1])).toEqual(termLambdas);
    expect(section).toContain('<th scope="col">AIQ / zero router</th>');
    expect(section).toContain('<figure id="gap-closed">');
  });

  it('simulate --split with no --policies runs the default policies and the trained routers', async () => {
    const out = join(dir, 'sim-default');
    const r = await cli(['simulate', '--split', '0.5', '--runs', '1', '--steps', 'none', '--out', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const names = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).protocol.policies.map((p: { name: string }) => p.name);
    for (const n of ['linucb', 'thompson', 'knn', 'predictive', 'warm-linucb', 'warm-thompson', 'train-best-static']) expect(names).toContain(n);
    expect(r.stdout).toMatch(/one split: the CI says nothing about the split's luck; --splits k/);
    // --steps none asked for no trace: nothing to warn about
    expect(r.stderr).not.toMatch(/--steps/);
  });

  it('simulate --split with --steps arrow warns that no trace is written, and the manifest records none', async () => {
    const out = join(dir, 'sim-steps');
    const r = await cli(['simulate', '--split', '0.5', '--runs', '1', '--policies', 'linucb', '--steps', 'arrow', '--out', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: --steps arrow is ignored under --split\/--train: the protocol writes no step trace/);
    expect(existsSync(join(out, 'steps.arrow'))).toBe(false);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(m.config.steps).toBe('none');
    expect(m.files).not.toContain('steps.arrow');
  });

  it('evaluate --split on worker threads writes the same bytes as on one thread (cells run per split and λ)', async () => {
    const args = ['evaluate', '--routerbench', rb, '--split', '0.5', '--splits', '2', '--features', 'embed', '--embed-dim', '8', '--lambdas', '0,0.5', '--runs', '2', '--no-progress', '--no-charts'];
    const one = join(dir, 'ev-j1');
    const two = join(dir, 'ev-j2');
    expect((await cli([...args, ...(ROUTERS.length ? ['--policies', [...ROUTERS, 'linucb'].join(',')] : []), '--jobs', '1', '--out', one])).code).toBe(0);
    expect((await cli([...args, ...(ROUTERS.length ? ['--policies', [...ROUTERS, 'linucb'].join(',')] : []), '--jobs', '2', '--out', two])).code).toBe(0);
    for (const f of ['summary.json', 'protocol.csv', 'points.csv', 'runs.csv', 'manifest.json']) expect(readFileSync(join(two, f), 'utf8'), f).toBe(readFileSync(join(one, f), 'utf8'));
    // with two splits the terminal says which parts are the first split's
    const r = await cli([...args, '--policies', 'linucb', '--jobs', '1', '--out', join(dir, 'ev-note')]);
    expect(r.stdout).toContain('split 1 of 2: this table, the model table, runs.csv, the charts and summary.json outside "protocol" are its 2 runs; the protocol table covers all 2 splits');
    const s = JSON.parse(readFileSync(join(dir, 'ev-note', 'summary.json'), 'utf8'));
    expect(s.runSeeds).toHaveLength(2);
    expect(s.protocol.splits).toBe(2);
  });

  it('evaluate --train <source>: the --routerbench data is the whole test stream', async () => {
    const tr = join(dir, 'rb-train.csv');
    writeFileSync(tr, routerbench());
    const out = join(dir, 'ev-train');
    const r = await cli(['evaluate', '--routerbench', join(rb, 'tiny.csv'), '--train', tr, '--lambdas', '0.5', '--runs', '2', '--policies', 'linucb', '--jobs', '1', '--out', out, '--no-progress', '--no-charts']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.protocol).toMatchObject({ kind: 'train-table', train: tr, trainQueries: 120, testQueries: 120, splits: 1 });
    expect(s.protocol.policies.map((p: { name: string }) => p.name)).toEqual(['linucb', 'train-best-static']);
  });

  it('an experiment with split: replays the test stream and prints the protocol table per λ', async () => {
    const y = join(dir, 'split.yaml');
    writeFileSync(y, 'name: split-e2e\nlambdas: [0.25, 0.5]\nruns: 2\nsplit: 0.5\narms:\n  - policy: linucb\n  - policy: train-best-static\n');
    const out = join(dir, 'exp');
    const r = await cli(['experiment', 'run', y, '--out', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/train\/test protocol at λ = 0.5/);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.schemaVersion).toBe(2);
    expect(s.dataset.queries).toBe(1250);
    expect(s.protocol.byLambda.map((b: { lambda: number }) => b.lambda)).toEqual([0.25, 0.5]);
    // the experiment's cells are the protocol's test regrets
    const cell = s.cells.find((c: { lambda: number; label: string }) => c.lambda === 0.5 && c.label === 'linucb');
    const row = s.protocol.policies.find((p: { name: string }) => p.name === 'linucb');
    expect(row.testRegret.mean).toBeCloseTo(cell.finalRegret.mean, 9);
    for (const f of ['protocol.csv', 'charts/gap-closed.svg', 'charts/gap-closed.png']) expect(existsSync(join(out, f)), f).toBe(true);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/id="gap-closed"/);
    // report.html has the protocol table too, with linucb's row as summary.json gives it
    const section = html.slice(html.indexOf('<section id="protocol">'), html.indexOf('</section>'));
    expect(section).toContain('<h2>Train/test protocol (λ = 0.5)</h2>');
    const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
    const g = row.gapClosed;
    expect(section).toContain(`<tr><td>linucb</td><td>${row.testRegret.mean.toFixed(1)} ± ${row.testRegret.sd.toFixed(1)}</td><td>${pct(g.mean)} [${pct(g.ci95[0])}, ${pct(g.ci95[1])}]</td>`);
    expect([...section.matchAll(/<th scope="col">(λ=[^<]*)<\/th>/g)].map((m) => m[1])).toEqual(['λ=0.25', 'λ=0.5']);
    expect(section).toContain('<figure id="gap-closed">');
    // the model profile covers the whole table, and says so beside the test stream's results
    expect(html).toContain('<h2>Model profiles (over the whole table, train and test parts)</h2>');
    expect(s.protocol.trainQueries + s.protocol.testQueries).toBe(2500);
    expect(html).toContain(`profiles all 2500 queries of the table: the ${s.protocol.trainQueries} train and the ${s.protocol.testQueries} test queries together`);
    expect(JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8')).dataset.queries).toBe(2500);
    const noBase = join(dir, 'nobase.yaml');
    writeFileSync(noBase, 'name: nobase\nsplit: 0.5\narms:\n  - policy: linucb\n');
    const bad = await cli(['experiment', 'run', noBase, '--out', join(dir, 'exp-bad'), '--no-progress']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ \(field 'arms'\): a split needs a train-best-static arm/);
  });

  it('an experiment with a train table: worker threads load it too, with the same figures', async () => {
    // two models; on the train rows model b is better, so train-best-static picks b on the test rows
    const wide = (n: number, seed: number): string => {
      const rng = new Rng(seed);
      const rows = ['query_id,task,a|accuracy,b|accuracy'];
      for (let i = 0; i < n; i++) rows.push(`q${seed}-${i},mmlu,${rng.next() < 0.4 ? 1 : 0},${rng.next() < 0.7 ? 1 : 0}`);
      return rows.join('\n') + '\n';
    };
    writeFileSync(join(dir, 'test-t.csv'), wide(80, 1));
    writeFileSync(join(dir, 'train-t.csv'), wide(60, 2));
    const y = join(dir, 'train.yaml');
    writeFileSync(y, 'name: train-e2e\ndataset: test-t.csv\ntrain: train-t.csv\nruns: 2\narms:\n  - policy: linucb\n  - policy: train-best-static\n');
    const one = await cli(['experiment', 'run', y, '--out', join(dir, 'exp-t1'), '--no-progress', '--no-charts', '--workers', '1']);
    expect(one.code, one.stderr).toBe(0);
    const two = await cli(['experiment', 'run', y, '--out', join(dir, 'exp-t2'), '--no-progress', '--no-charts', '--workers', '2']);
    expect(two.code, two.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'exp-t1', 'summary.json'), 'utf8'));
    expect(s.protocol).toMatchObject({ kind: 'train-table', train: 'train-t.csv', trainQueries: 60, testQueries: 80 });
    const tbs = s.cells.find((c: { label: string }) => c.label === 'train-best-static');
    expect(tbs.selection).toEqual({ b: 1 });
    expect(readFileSync(join(dir, 'exp-t2', 'summary.json'), 'utf8')).toBe(readFileSync(join(dir, 'exp-t1', 'summary.json'), 'utf8'));
  });

  it('bad protocol settings exit 2 naming the option, and write nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['simulate', '--split', '1.5'], /--split: must be a fraction strictly between 0 and 1, got '1.5'/],
      [['simulate', '--split', '0.5', '--features', 'embed,task'], /embed and embedding are given alone/],
      [['simulate', '--splits', '3'], /--splits needs --split/],
      [['simulate', '--policies', 'train-best-static'], /trained on a train part: give --split <fraction> or --train <source>/],
      [['simulate', '--split', '0.5', '--features', 'embed'], /--features embed needs query text/],
      [['simulate', '--features', 'embedding'], /has no embedding column/],
      [['simulate', '--split', '0.5', '--embed-dim', '0'], /--embed-dim: must be an integer ≥ 1, got '0'/],
      [['simulate', '--split', '0.5', '--embed-dim', '513'], /--embed-dim: at most 512 \(see docs\/limits.md\), got '513'/],
      [['simulate', '--train', 'a.csv', '--train', 'b.csv'], /--train: given twice \('a\.csv', 'b\.csv'\); give one file, or a directory of them/],
      [['evaluate', '--routerbench', rb, '--split', '0'], /--split: must be a fraction strictly between 0 and 1, got '0'/],
      // scenario settings checked on the test rows of a split are named as the flags, as on the whole table
      [['evaluate', '--routerbench', rb, '--split', '0.5', '--lambdas', '0', '--runs', '1', '--drift', 'step=100,model=mid,accuracy=-0.3'], /error: --drift\[0\] \(step 100\): step must be an integer in 0\.\.59/],
      [['evaluate', '--routerbench', rb, '--split', '0.5', '--lambdas', '0', '--runs', '1', '--feedback-delay', '70'], /error: --feedback-delay: a delay of 70 steps delivers no label on a stream of 60 steps/],
      // nor energy without an energy model: refused before the data loads, saying what gives it one
      [['evaluate', '--routerbench', rb, '--budget', 'energy=0.05'], /error: --budget energy=0\.05: RouterBench prompts have an energy only under --cost energy --energy-model/],
      [['evaluate', '--routerbench', rb, '--drift', 'step=5,model=mid,energy=2'], /error: --drift\[0\] \(step 5\): energy=2: RouterBench prompts have an energy only under --cost energy/],
      // RouterBench has no latency: a latency factor would change nothing
      [['evaluate', '--routerbench', rb, '--lambdas', '0', '--runs', '1', '--drift', 'step=5,model=mid,latency=2'], /error: --drift\[0\] \(step 5\): the dataset has no latency values to change/],
      // 120 prompts, half of them train: the PCA gives at most 59 components
      [['evaluate', '--routerbench', rb, '--split', '0.5', '--features', 'embed', '--embed-dim', '60'], /--embed-dim 60: the PCA of --features embed is fitted on 60 train queries, which give at most 59 components/],
    ];
    for (const [args, msg] of cases) {
      const out = join(dir, `bad-${args.join('_').replace(/[^a-z0-9]/gi, '')}`);
      const r = await cli([...args, '--out', out, '--no-progress']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^greenserv: error: /);
      expect(r.stderr).toMatch(msg);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('--train names a table with other models', async () => {
    const tr = join(dir, 'train.csv');
    writeFileSync(tr, 'query_id,task,model_id,accuracy\nq1,mmlu,other-model,1\n');
    const r = await cli(['simulate', '--train', tr, '--out', join(dir, 'bad-train'), '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--train .*train\.csv: the train table must have the same models as the test table; it lacks .* and has other-model not in the test table/);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/app/experiment.js';
import { loadTable } from '../../src/data/load.js';
import { stratifiedSplit } from '../../src/sim/split.js';
import { MA_WINDOW } from '../../src/metrics/experiment.js';
import { movingAverage } from '../../src/metrics/stats.js';
import { rebuildReport } from '../../src/report/rebuild.js';
import { readSimulateDir } from '../../src/report/simulateReport.js';
import { BIN, cli } from '../helpers/cli.js';

const SIM = ['simulate', '--policies', 'linucb,random,largest', '--runs', '2', '--no-progress'];

describe('greenserv report', () => {
  it('on a simulate directory: charts and report.html from the trace, the same on every rebuild', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rep-'));
    const out = join(dir, 's');
    expect((await cli([...SIM, '--out', out])).code).toBe(0);
    const before = new Map(readdirSync(out).map((f) => [f, readFileSync(join(out, f))]));
    const r = await cli(['report', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/simulate results/);
    // the run's own files are untouched
    for (const [f, data] of before) expect(readFileSync(join(out, f)).equals(data), f).toBe(true);
    const charts = readdirSync(join(out, 'charts'));
    for (const c of ['cumulative-regret', 'moving-average-regret', 'accuracy-vs-energy', 'final-regret-box', 'selection-linucb']) expect(charts).toContain(`${c}.svg`);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html.indexOf('<h2>Charts</h2>')).toBeLessThan(html.indexOf('<h2>Results at λ = 0.5</h2>'));
    // the files holding the charts' numbers are named under their heading, and every one named is there
    const note = /<h2>Charts<\/h2>\n<p class="note">The numbers behind the charts[^\n]*/.exec(html)![0];
    const named = [...note.matchAll(/<code>([^<]+)<\/code>/g)].map((m) => m[1]);
    expect(named).toEqual(['runs.csv', 'steps.csv']);
    for (const f of named) expect(existsSync(join(out, f)), f).toBe(true);
    await rebuildReport(out, () => {});
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toBe(html);

    // the curves are the steps' own: mean cumulative regret ends at the mean final regret, the moving
    // average is the runs' mean moving average of step regret
    const { agg } = await readSimulateDir(out, readFileSync(join(out, 'summary.json'), 'utf8'), () => {});
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const lin = agg.curves.find((c) => c.label === 'linucb')!;
    expect(lin.meanCum[2499]).toBeCloseTo(summary.policies[0].finalRegret.mean, 9);
    const steps = readFileSync(join(out, 'steps.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const perRun = [0, 1].map((r) => Float64Array.from(steps.filter((s) => s[3] === 'linucb' && Number(s[0]) === r).map((s) => Number(s[6]))));
    const ma = perRun.map((x) => movingAverage(x, MA_WINDOW));
    expect(lin.movingAvg[1234]).toBeCloseTo((ma[0][1234] + ma[1][1234]) / 2, 12);

    // the Arrow trace of the same run gives the same aggregate
    const arrowOut = join(dir, 'a');
    expect((await cli([...SIM, '--steps', 'arrow', '--out', arrowOut])).code).toBe(0);
    const fromArrow = (await readSimulateDir(arrowOut, readFileSync(join(arrowOut, 'summary.json'), 'utf8'), () => {})).agg;
    expect(fromArrow.curves).toEqual(agg.curves);
    expect(fromArrow.selection).toEqual(agg.selection);
  });

  it('simulate --report writes with its results the charts and report.html that report writes afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rep-'));
    const later = join(dir, 'later');
    const r0 = await cli([...SIM, '--out', later]);
    expect(r0.stdout).toContain(`charts and report.html: greenserv report ${later} (or simulate --report)`);
    expect(existsSync(join(later, 'report.html'))).toBe(false);
    expect((await cli(['report', later])).code).toBe(0);
    const now = join(dir, 'now');
    const r = await cli([...SIM, '--report', '--out', now]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`\nresults: ${now}\nreport: ${join(now, 'report.html')}\n`);
    const tree = (d: string): string[] => readdirSync(d, { recursive: true }).map(String).sort();
    expect(tree(now)).toEqual(tree(later));
    expect(tree(now)).toContain(join('charts', 'cumulative-regret.svg'));
    for (const f of tree(now).filter((f) => f !== 'charts')) expect(readFileSync(join(now, f)).equals(readFileSync(join(later, f))), f).toBe(true);
    // what the report cannot draw is a note, and the run still succeeds
    const bare = join(dir, 'bare');
    const b = await cli([...SIM, '--report', '--steps', 'none', '--out', bare]);
    expect(b.code).toBe(0);
    expect(b.stderr).toContain('greenserv: note: no steps.csv or steps.arrow (run with --steps csv or arrow), so there are no charts over the stream');
    expect(readdirSync(join(bare, 'charts')).sort()).toEqual(['accuracy-vs-energy.png', 'accuracy-vs-energy.svg', 'final-regret-box.png', 'final-regret-box.svg']);
  });

  it('on a simulate --split directory: --splits k is accepted, the protocol section and the test streams\' models', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rep-'));
    const split = ['simulate', '--split', '0.5', '--policies', 'linucb,knn,random', '--runs', '2', '--no-progress'];
    const k3 = join(dir, 'k3');
    expect((await cli([...split, '--splits', '3', '--out', k3])).code).toBe(0);
    const r = await cli(['report', k3]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rebuilt 3 charts and report\.html of the simulate results/);
    // no step trace is ever written under the protocol: the note says so instead of asking for --steps
    expect(r.stderr).toBe('greenserv: note: the train/test protocol writes no step trace (steps.csv or steps.arrow), so there are no charts over the stream\n');
    const summary = JSON.parse(readFileSync(join(k3, 'summary.json'), 'utf8'));
    expect(summary.policies[0].perRun).toHaveLength(6);
    expect(readdirSync(join(k3, 'charts')).filter((f) => f.endsWith('.svg')).sort()).toEqual(['accuracy-vs-energy.svg', 'final-regret-box.svg', 'gap-closed.svg']);
    const html = readFileSync(join(k3, 'report.html'), 'utf8');
    const section = html.slice(html.indexOf('<section id="protocol">'), html.indexOf('</section>'));
    expect(html.indexOf('<section id="protocol">')).toBeLessThan(html.indexOf('<h2>Charts</h2>'));
    expect(section).toContain('<h2>Train/test protocol (λ = 0.5)</h2>');
    expect(section).toContain('3 splits · gap closed vs train-best-static, 95% CI over splits');
    // linucb's row as summary.json's protocol block has it
    const row = summary.protocol.policies.find((p: { name: string }) => p.name === 'linucb');
    const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
    expect(section).toContain(`<tr><td>linucb</td><td>${row.testRegret.mean.toFixed(1)} ± ${row.testRegret.sd.toFixed(1)}</td><td>${pct(row.gapClosed.mean)} [${pct(row.gapClosed.ci95[0])}, ${pct(row.gapClosed.ci95[1])}]</td>`);
    expect(section).toContain('<figure id="gap-closed">');
    expect(section).toContain('every run of every split (2 × 3 = 6 per policy)');
    expect(html).toContain('6 runs from seed 40');

    // the single models of accuracy vs energy: each split's test rows, averaged over the 3 splits
    const { agg } = await readSimulateDir(k3, readFileSync(join(k3, 'summary.json'), 'utf8'), () => {});
    const t = await loadTable('greenserv-pool');
    const M = t.nModels;
    for (const j of [0, 7, M - 1]) {
      let acc = 0;
      let wh = 0;
      for (let s = 0; s < 3; s++) {
        const test = stratifiedSplit(t.queryTask, t.tasks.length, 0.5, 40, s).test;
        expect(test.length).toBe(summary.protocol.testQueries);
        let a = 0;
        let e = 0;
        for (const q of test) {
          a += t.accuracy[q * M + j];
          e += t.energyJ[q * M + j];
        }
        acc += a / test.length / 3;
        wh += e / 3600 / 3;
      }
      const m = agg.summary.models.find((x) => x.id === t.models[j].id)!;
      expect(m.accuracy).toBeCloseTo(acc, 12);
      expect(m.energyWh).toBeCloseTo(wh, 9);
    }

    // one split: the same models as an experiment with split: 0.5 computes on its test stream
    const k1 = join(dir, 'k1');
    expect((await cli([...split, '--out', k1])).code).toBe(0);
    const one = await readSimulateDir(k1, readFileSync(join(k1, 'summary.json'), 'utf8'), () => {});
    const cfg = join(dir, 'e.yaml');
    writeFileSync(cfg, 'name: e\nsplit: 0.5\nruns: 2\nseed: 40\nlambdas: [0.5]\narms:\n  - policy: linucb\n  - policy: train-best-static\n');
    const exp = await runExperiment(cfg, { runs: 2, out: join(dir, 'x'), workers: 1, charts: false });
    expect(one.agg.summary.models.map((m) => [m.id, m.accuracy, m.energyWh])).toEqual(exp.summary.models.map((m) => [m.id, m.accuracy, m.energyWh]));
    expect(one.protocolNote).toBeNull();
  });

  it('on an experiment directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rep-'));
    const cfg = join(dir, 'e.yaml');
    writeFileSync(cfg, 'name: e\ndataset: greenserv-pool\nruns: 2\nseed: 3\nlambdas: [0.5]\narms:\n  - policy: linucb\n  - policy: random\n');
    await runExperiment(cfg, { runs: 2, out: join(dir, 'x'), workers: 1 });
    const before = readFileSync(join(dir, 'x', 'report.html'), 'utf8');
    const r = await cli(['report', join(dir, 'x')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/experiment results/);
    expect(readFileSync(join(dir, 'x', 'report.html'), 'utf8')).toBe(before);
    // without a split the profile is of the replayed table itself: no label
    expect(before).toContain('<h2>Model profiles</h2>');
  });

  it('every link inside report.html reaches its target; the profile links to the accuracy-vs-energy chart at its λ', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rep-'));
    const cfg = join(dir, 'e.yaml');
    writeFileSync(cfg, 'name: e\ndataset: greenserv-pool\nruns: 2\nseed: 3\nlambdas: [0, 0.5, 1]\narms:\n  - policy: linucb\n  - policy: random\n');
    await runExperiment(cfg, { runs: 2, out: join(dir, 'x'), workers: 1 });
    const html = readFileSync(join(dir, 'x', 'report.html'), 'utf8');
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    const links = [...html.matchAll(/href="#([^"]*)"/g)].map((m) => m[1]);
    expect(links).toContain('accuracy-vs-energy-lambda-0.5');
    for (const l of links) expect(ids.has(l), `#${l}`).toBe(true);
    // nothing fetched from elsewhere: no link, image or style outside the page
    expect(html).not.toMatch(/(?:href|src)="(?!#)/);
    expect(html).not.toMatch(/@import|url\((?!#)/);
  }, 120_000);

  it('bad directories: exit 2 naming the file, line and field; nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rep-'));
    const out = join(dir, 's');
    expect((await cli([...SIM, '--out', out])).code).toBe(0);
    const steps = readFileSync(join(out, 'steps.csv'), 'utf8').split('\n');

    // a policy the summary does not know, on line 3
    const bad = [...steps];
    bad[2] = bad[2].replace(',linucb,', ',nosuch,');
    writeFileSync(join(out, 'steps.csv'), bad.join('\n'));
    let r = await cli(['report', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/greenserv: error: .*steps\.csv:3 \(column 'policy'\): policy 'nosuch'/);
    expect(existsSync(join(out, 'report.html'))).toBe(false);

    // the rest in-process (the exit code is checked above): each error names the file and field
    const rebuild = (): Promise<unknown> => rebuildReport(out, () => {});
    writeFileSync(join(out, 'steps.csv'), steps.filter((_, i) => i !== 5).join('\n'));
    await expect(rebuild()).rejects.toThrow(/steps\.csv: has 14999 steps, summary\.json needs 15000/);
    const extra = [...steps];
    extra[3] += ',1';
    writeFileSync(join(out, 'steps.csv'), extra.join('\n'));
    await expect(rebuild()).rejects.toThrow(/steps\.csv:4: malformed CSV/);
    const nan = [...steps];
    nan[6] = nan[6].split(',').map((v, i) => (i === 6 ? 'x' : v)).join(',');
    writeFileSync(join(out, 'steps.csv'), nan.join('\n'));
    await expect(rebuild()).rejects.toThrow(/steps\.csv:7 \(column 'regret'\): regret must be a number/);
    writeFileSync(join(out, 'steps.csv'), steps.join('\n'));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    writeFileSync(join(out, 'summary.json'), JSON.stringify({ ...summary, kind: 'other' }));
    await expect(rebuild()).rejects.toThrow(/summary\.json: field 'kind': 'other' is not an experiment, simulate or ope summary/);
    // evaluate's summary (command 'evaluate', no kind) is named as such, not taken for a broken simulate one
    writeFileSync(join(out, 'summary.json'), JSON.stringify({ schemaVersion: 1, command: 'evaluate', dataset: summary.dataset }));
    await expect(rebuild()).rejects.toThrow(/summary\.json: an evaluate results directory: .*cannot rebuild it/);
    writeFileSync(join(out, 'summary.json'), JSON.stringify({ ...summary, runs: 'two' }));
    await expect(rebuild()).rejects.toThrow(/summary\.json: not a simulate summary: field 'runs'/);
    writeFileSync(join(out, 'summary.json'), '{"dataset": ');
    await expect(rebuild()).rejects.toThrow(/summary\.json: invalid JSON/);
    // a trace too large to chart is refused before anything is read, naming the summary by its path
    writeFileSync(join(out, 'summary.json'), JSON.stringify({ ...summary, dataset: { ...summary.dataset, queries: 1e9 } }));
    await expect(rebuild()).rejects.toThrow(/at most \d+ can be charted/);
    await expect(rebuild()).rejects.toThrow(`${join(out, 'summary.json')}: the trace would hold`);
    expect(existsSync(join(out, 'charts'))).toBe(false);
  });

  it.skipIf(process.platform === 'win32')('a FIFO or device in place of a results file is refused at once, not waited on or read without end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rep-'));
    const sim = join(dir, 's');
    expect((await cli(['simulate', '--policies', 'linucb,random', '--runs', '1', '--no-progress', '--out', sim])).code).toBe(0);
    const cfg = join(dir, 'e.yaml');
    writeFileSync(cfg, 'name: e\ndataset: greenserv-pool\nruns: 1\nseed: 3\nlambdas: [0.5]\narms:\n  - policy: linucb\n  - policy: random\n');
    const exp = join(dir, 'x');
    await runExperiment(cfg, { runs: 1, out: exp, workers: 1, charts: false });
    const cases: [string, string, 'fifo' | 'zero'][] = [[sim, 'manifest.json', 'fifo'], [sim, 'steps.csv', 'fifo'], [sim, 'steps.csv', 'zero'], [exp, 'config.yaml', 'fifo'], [exp, 'curves.csv', 'fifo'], [exp, 'manifest.json', 'zero']];
    for (const [d, f, kind] of cases) {
      const file = join(d, f);
      renameSync(file, `${file}.real`);
      if (kind === 'fifo') spawnSync('mkfifo', [file]);
      else symlinkSync('/dev/zero', file);
      const r = spawnSync(process.execPath, [BIN, 'report', d], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, `${f} (${kind})`).toBe(2);
      expect(r.stderr).toContain(`greenserv: error: ${file}: is not a regular file`);
      expect(existsSync(join(d, 'report.html'))).toBe(false);
      spawnSync('rm', [file]);
      renameSync(`${file}.real`, file);
    }
  });
});

import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verdict, type RegressResult } from '../../src/app/regress.js';
import { compareMetrics, parseTolerance } from '../../src/metrics/regress.js';
import { cli } from '../helpers/cli.js';

function baseline(dir: string, config: Record<string, unknown>): string {
  const f = join(dir, 'b.json');
  writeFileSync(f, JSON.stringify({ schemaVersion: 1, name: 'small', config, metrics: {} }, null, 2));
  return f;
}

const SMALL = {
  command: 'simulate',
  data: 'greenserv-pool',
  policies: ['linucb', 'random'],
  params: [],
  lambda: 0.5,
  runs: 2,
  seed: 40,
  semantics: 'paper',
  features: ['task', 'cluster', 'complexity'],
};

describe('metric comparison', () => {
  it('a worse change beyond tolerance regresses, a better one is "improved", a vanished metric fails', () => {
    const d = compareMetrics(
      { 'a.finalRegret': 100, 'a.accuracy': 0.6, 'a.energyWh': 50, 'b.reward': 0.7 },
      { 'a.finalRegret': 102, 'a.accuracy': 0.7, 'a.energyWh': 50.5, 'c.reward': 0.1 },
    );
    const v = Object.fromEntries(d.map((x) => [x.metric, x.verdict]));
    expect(v).toEqual({ 'a.finalRegret': 'regressed', 'a.accuracy': 'improved', 'a.energyWh': 'ok', 'b.reward': 'missing', 'c.reward': 'new' });
    // 1% of 100 allowed; 102 − 100 = 2 > 1
    expect(d[0].allowed).toBeCloseTo(1, 12);
    const loose = compareMetrics({ 'a.finalRegret': 100 }, { 'a.finalRegret': 102 }, parseTolerance('finalRegret=abs:3'));
    expect(loose[0].verdict).toBe('ok');
  });

  it('metric names that exist on Object.prototype are ordinary keys', () => {
    // JSON.parse makes __proto__ an own key, as in a baseline file
    const base = JSON.parse('{"__proto__.finalRegret": 10, "constructor": 5}');
    const d = compareMetrics(base, JSON.parse('{"__proto__.finalRegret": 10, "toString": 1}'));
    const v = Object.fromEntries(d.map((x) => [x.metric, x.verdict]));
    expect(v).toEqual({ '__proto__.finalRegret': 'ok', constructor: 'missing', toString: 'new' });
    // an unknown family is lower-is-better with no tolerance, whatever its name
    expect(compareMetrics({ 'a.constructor': 5 }, { 'a.constructor': 5.5 })[0].verdict).toBe('regressed');
    expect(compareMetrics({ 'a.constructor': 5 }, { 'a.constructor': 4.5 })[0].verdict).toBe('improved');
    const tol = parseTolerance('a.constructor=abs:1');
    expect(Object.keys(tol)).toEqual(['a.constructor']);
    expect(compareMetrics({ 'a.constructor': 5 }, { 'a.constructor': 5.5 }, tol)[0].verdict).toBe('ok');
  });

  it('rejects malformed tolerance specs with the expected form', () => {
    expect(() => parseTolerance('finalRegret=0.1')).toThrow(/expected <metric>=abs/);
    expect(() => parseTolerance('speed=abs:1')).toThrow(/unknown metric 'speed'/);
    expect(parseTolerance('finalRegret=rel:0.02,accuracy=abs:0.01')).toEqual({ finalRegret: { rel: 0.02 }, accuracy: { abs: 0.01 } });
  });
});

describe('regress verdict line', () => {
  const r = (name: string, status: RegressResult['status'], reason?: string): RegressResult => ({ baseline: `${name}.json`, name, status, reason, diffs: [] });

  it('counts skipped baselines in a pass and fails them under --strict', () => {
    const results = [r('a', 'pass'), r('b', 'skipped', 'data.csv is absent')];
    expect(verdict(results, false)).toEqual({ failed: false, line: 'regress: pass (2 baselines, 1 skipped)' });
    expect(verdict(results, true)).toEqual({ failed: true, line: 'regress: FAIL (b (skipped: data.csv is absent))' });
    expect(verdict([r('a', 'pass')], true)).toEqual({ failed: false, line: 'regress: pass (1 baseline)' });
    expect(verdict([r('a', 'fail'), r('b', 'skipped')], false)).toEqual({ failed: true, line: 'regress: FAIL (a)' });
    expect(verdict([r('a', 'updated'), r('b', 'unchanged')], false).line).toBe('regress: pass (2 baselines, 1 updated)');
  });
});

describe('greenserv regress (built binary)', () => {
  it('a skipped baseline shows in the verdict; --strict turns it into a failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-reg-'));
    const f = baseline(dir, SMALL);
    // the report goes elsewhere: every .json in the directory is read as a baseline
    const out = join(mkdtempSync(join(tmpdir(), 'gs-reg-out-')), 'regress.json');
    expect((await cli(['regress', '--baseline', f, '--update', '--out', out])).code).toBe(0);
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ schemaVersion: 1, name: 'needs-data', requires: 'absent.csv', config: SMALL, metrics: {} }));
    const lax = await cli(['regress', '--baseline', dir, '--out', out]);
    expect(lax.code).toBe(0);
    expect(lax.stdout).toMatch(/needs-data .*SKIPPED — absent\.csv is absent/);
    expect(lax.stdout).toMatch(/regress: pass \(2 baselines, 1 skipped\)\n$/);
    const strict = await cli(['regress', '--baseline', dir, '--strict', '--out', out]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/regress: FAIL \(needs-data \(skipped: absent\.csv is absent\)\)\n$/);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ status: 'fail', strict: true });
  });

  it('--out naming a baseline file is refused before any run, and the baseline is left as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-regress-out-'));
    const f = baseline(dir, SMALL);
    const before = readFileSync(f, 'utf8');
    const r = await cli(['regress', '--baseline', dir, '--out', join(dir, '.', 'b.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .*b\.json: it is the baseline file .*b\.json; refusing to overwrite it/);
    expect(readFileSync(f, 'utf8')).toBe(before);
    // an address is refused before any run too, instead of becoming a folder named 's3:'
    const url = await cli(['regress', '--baseline', dir, '--out', 's3://bucket/regress.json'], { cwd: dir });
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/--out s3:\/\/bucket\/regress\.json: regress\.json is written to a local file, not to an address \(s3:\/\/…\)/);
    expect(url.stdout).toBe('');
    expect(existsSync(join(dir, 's3:'))).toBe(false);
  });

  it('--update leaves a baseline that still passes byte for byte as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-reg-'));
    const f = baseline(dir, SMALL);
    const out = join(dir, 'regress.json');
    expect((await cli(['regress', '--baseline', f, '--update', '--out', out])).code).toBe(0);
    // same content in a layout --update would never write: any rewrite shows
    const compact = JSON.stringify(JSON.parse(readFileSync(f, 'utf8')));
    writeFileSync(f, compact);
    const again = await cli(['regress', '--baseline', f, '--update', '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/small .*UNCHANGED/);
    expect(readFileSync(f, 'utf8')).toBe(compact);
    // a changed metric is rewritten
    const edited = JSON.parse(compact);
    edited.metrics['linucb.finalRegret'] *= 2;
    writeFileSync(f, JSON.stringify(edited));
    const upd = await cli(['regress', '--baseline', f, '--update', '--out', out]);
    expect(upd.stdout).toMatch(/small .*UPDATED/);
    expect(upd.stdout).toMatch(/regress: pass \(1 baseline, 1 updated\)/);
    expect(JSON.parse(readFileSync(f, 'utf8')).metrics['linucb.finalRegret']).toBe(JSON.parse(compact).metrics['linucb.finalRegret']);
  });


  it('records with --update, passes unchanged, fails with a diff when a policy parameter changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-reg-'));
    const f = baseline(dir, SMALL);
    const out = join(dir, 'regress.json');
    expect((await cli(['regress', '--baseline', f, '--update', '--out', out])).code).toBe(0);
    const recorded = JSON.parse(readFileSync(f, 'utf8'));
    expect(recorded.metrics['linucb.finalRegret']).toBeGreaterThan(0);
    expect(recorded.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);

    const pass = await cli(['regress', '--baseline', f, '--out', out]);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/small .*PASS/);

    const fail = await cli(['regress', '--baseline', f, '--param', 'linucb.alpha=3', '--out', out]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/linucb\.finalRegret\s+\S+\s+\S+\s+\+\S+\s+±\S+\s+regressed/);
    expect(fail.stdout).toMatch(/random\.finalRegret .* ok/);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.status).toBe('fail');
    expect(report.results[0].diffs.find((d: { metric: string }) => d.metric === 'linucb.finalRegret').verdict).toBe('regressed');
  });

  it('a what-if --param replaces the setting the baseline recorded; one given twice is refused', async () => {
    const plain = baseline(mkdtempSync(join(tmpdir(), 'gs-reg-')), SMALL);
    const tuned = baseline(mkdtempSync(join(tmpdir(), 'gs-reg-')), { ...SMALL, params: ['linucb.alpha=3', 'linucb.reg=0.05'] });
    const out = join(tmpdir(), `gs-reg-whatif-${process.pid}.json`);
    for (const f of [plain, tuned]) expect((await cli(['regress', '--baseline', f, '--update', '--out', out])).code).toBe(0);
    const want = JSON.parse(readFileSync(plain, 'utf8')).metrics as Record<string, number>;
    // alpha back at its default (0.1) over the recorded 3: the run is the plain baseline's, metric for metric
    const r = await cli(['regress', '--baseline', tuned, '--param', 'linucb.alpha=0.1', '--out', out]);
    const diffs = (JSON.parse(readFileSync(out, 'utf8')) as { results: { diffs: { metric: string; now: number }[] }[] }).results[0].diffs;
    expect(diffs.length).toBe(Object.keys(want).length);
    for (const d of diffs) expect(d.now, d.metric).toBe(want[d.metric]);
    expect([0, 1], r.stderr).toContain(r.code);
    const twice = await cli(['regress', '--baseline', tuned, '--param', 'linucb.alpha=0.1', '--param', 'linucb.alpha=0.2', '--out', out]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/parameter linucb\.alpha is given twice \('linucb\.alpha=0\.1' and 'linucb\.alpha=0\.2'\); give it once/);
  });

  it('a scenario baseline records the budget, event and feedback figures of the same simulate run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-reg-'));
    const scen = { ...SMALL, policies: ['budgeted-linucb', 'linucb'], lambda: 0, budget: 'energy=0.05', drift: [{ step: 1000, model: 'phi-4-mini-4b', energy: 3 }], feedbackDelay: '10', feedbackRate: 0.5 };
    const f = baseline(dir, scen);
    expect((await cli(['regress', '--baseline', f, '--update', '--out', join(dir, 'r.json')])).code).toBe(0);
    const m = JSON.parse(readFileSync(f, 'utf8')).metrics as Record<string, number>;
    // the same configuration through simulate: its summary.json must hold exactly these figures
    const out = join(dir, 'sim');
    const args = ['simulate', '--policies', 'budgeted-linucb,linucb', '--lambda', '0', '--runs', '2', '--seed', '40', '--semantics', 'paper'];
    expect((await cli([...args, '--budget', 'energy=0.05', '--drift', 'step=1000,model=phi-4-mini-4b,energy=3', '--feedback-delay', '10', '--feedback-rate', '0.5', '--steps', 'none', '--no-progress', '--out', out])).code).toBe(0);
    const sc = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).scenario;
    for (const c of sc.budget.cells) {
      expect(m[`${c.label}.budgetFinal`]).toBe(c.final.mean);
      expect(m[`${c.label}.overshoot`]).toBe(c.overshoot.mean);
    }
    for (const c of sc.events.cells) expect(m[`${c.label}.event0.regretAfter`]).toBe(c.regretAfter.mean);
    for (const c of sc.feedback.cells) expect(m[`${c.label}.delivered`]).toBe(c.delivered.mean);
    expect(Object.keys(m).filter((k) => /budgetFinal|overshoot|regretAfter|delivered/.test(k))).toHaveLength(8);
    // a looser budget moves the budgeted router's figures: the regress run fails on them
    writeFileSync(f, JSON.stringify({ ...JSON.parse(readFileSync(f, 'utf8')), config: { ...scen, budget: 'energy=0.08' } }));
    const moved = await cli(['regress', '--baseline', f, '--out', join(dir, 'r.json')]);
    expect(moved.code).toBe(1);
    expect(moved.stdout).toMatch(/budgeted-linucb\.budgetFinal .*regressed/);
  });

  it('a changed dataset is its own failure; bad baselines exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-reg-'));
    const pairs = join(dir, 'pairs.csv');
    const rows = ['query_id,model_id,accuracy,energy_j,input_tokens,output_tokens'];
    for (let q = 0; q < 40; q++) for (const m of ['a', 'b']) rows.push(`q${q},${m},${(q + (m === 'a' ? 1 : 0)) % 2},${m === 'a' ? 5 : 2},10,5`);
    writeFileSync(pairs, rows.join('\n') + '\n');
    writeFileSync(join(dir, 'queries.csv'), 'query_id,task\n' + Array.from({ length: 40 }, (_, q) => `q${q},${q % 2 ? 'mmlu' : 'gsm8k'}`).join('\n') + '\n');
    const f = baseline(dir, { ...SMALL, data: 'pairs.csv', queries: 'queries.csv', features: ['task'] });
    expect((await cli(['regress', '--baseline', f, '--update', '--out', join(dir, 'r.json')])).code).toBe(0);
    writeFileSync(pairs, rows.join('\n').replace('q0,a,1,5', 'q0,a,0,5') + '\n');
    const r = await cli(['regress', '--baseline', f, '--out', join(dir, 'r.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/dataset 'pairs(\.csv)?' changed: sha256/);

    writeFileSync(join(dir, 'bad.json'), '{"schemaVersion": 1, "name": "x"}');
    const bad = await cli(['regress', '--baseline', join(dir, 'bad.json'), '--out', join(dir, 'r.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json.*invalid baseline/);
    expect((await cli(['regress', '--baseline', join(dir, 'none.json')])).code).toBe(2);
  });

  it('config.train is loaded relative to the baseline file: the metrics are simulate --train\'s, and bad train settings exit 2 naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-reg-'));
    const csv = (tag: string, shift: number, models = ['a', 'b']): string => {
      const rows = ['query_id,model_id,task,accuracy,energy_j,input_tokens,output_tokens'];
      for (let q = 0; q < 40; q++) for (const m of models) rows.push(`${tag}${q},${m},${q % 2 ? 'mmlu' : 'gsm8k'},${(q + shift + (m === 'a' ? 1 : 0)) % 3 === 0 ? 1 : 0},${m === 'a' ? 5 : 2},10,5`);
      return rows.join('\n') + '\n';
    };
    writeFileSync(join(dir, 'test.csv'), csv('t', 0));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'train.csv'), csv('r', 1));
    writeFileSync(join(dir, 'data', 'other.csv'), csv('o', 1, ['a', 'c']));
    const config = { ...SMALL, data: 'test.csv', train: 'data/train.csv', policies: ['linucb', 'knn', 'train-best-static'], features: ['task'] };
    const f = baseline(dir, config);
    const out = join(dir, 'r.json');
    const rec = await cli(['regress', '--baseline', f, '--update', '--out', out], { cwd: tmpdir() });
    expect(rec.code, rec.stderr).toBe(0);
    const m = JSON.parse(readFileSync(f, 'utf8')).metrics as Record<string, number>;
    const sim = join(dir, 'sim');
    const r = await cli(['simulate', '--data', join(dir, 'test.csv'), '--train', join(dir, 'data', 'train.csv'), '--policies', 'linucb,knn,train-best-static', '--features', 'task', '--runs', '2', '--seed', '40', '--out', sim, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(sim, 'summary.json'), 'utf8'));
    expect(s.protocol.kind).toBe('train-table');
    // knn and train-best-static cannot run without the train part: their figures are the train table's
    expect(s.policies.map((p: { name: string }) => p.name)).toEqual(['linucb', 'knn', 'train-best-static']);
    for (const p of s.policies) expect(m[`${p.name}.finalRegret`], p.name).toBe(p.finalRegret.mean);
    const pass = await cli(['regress', '--baseline', f, '--out', out], { cwd: tmpdir() });
    expect(pass.code).toBe(0);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ train: 'data/nope.csv' }, /train table 'data\/nope\.csv' not found/],
      [{ train: 'data/other.csv' }, /the train table 'data\/other\.csv' must have the same models as the data 'test\.csv'; it lacks b and has c not in the data/],
      [{ drift: [{ step: 3, model: 'a', accuracy: -0.1 }] }, /budget, drift, feedbackDelay and feedbackRate do not combine with a train table/],
      [{ split: 0.5 }, /give either split .* or train .*, not both/],
    ];
    for (const [change, msg] of bad) {
      writeFileSync(f, JSON.stringify({ schemaVersion: 1, name: 'small', config: { ...config, ...change }, metrics: m }));
      const e = await cli(['regress', '--baseline', f, '--out', out]);
      expect(e.code, JSON.stringify(change)).toBe(2);
      expect(e.stderr).toMatch(/b\.json \(field 'config\.train'\): /);
      expect(e.stderr).toMatch(msg);
    }
  });

  it('the committed baselines pass', async () => {
    const r = await cli(['regress', '--baseline', resolve(__dirname, '../../results/baselines/x1-builtin.json'), '--out', join(mkdtempSync(join(tmpdir(), 'gs-reg-')), 'r.json')]);
    expect(r.stdout).toMatch(/x1-builtin .*PASS/);
    expect(r.code).toBe(0);
  });
});

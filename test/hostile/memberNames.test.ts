/**
 * Ids that are Object member names (`__proto__`, `constructor`, `toString`, `hasOwnProperty`) as model ids,
 * tasks and eval families: every summary keyed by them carries them like any other name, with the values an
 * ordinary-named twin of the same table gets and the means computed here from the rows.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/app/experiment.js';
import { readBaseline, regressOne } from '../../src/app/regress.js';
import { simulateTable } from '../../src/app/simulate.js';
import { toJson } from '../../src/metrics/summary.js';
import { readSimulateSummary } from '../../src/report/simulateSummary.js';
import { simOptions } from '../helpers/simOptions.js';
import { cliInProcess } from '../helpers/cli.js';
import { loadTable } from '../../src/data/load.js';
import type { PoolTable } from '../../src/data/pool.js';
import { buildProfile, type Profile } from '../../src/metrics/profile.js';
import { profileCsv, profileReportSection, profileTerminal } from '../../src/report/profile.js';
import { heatmapChartSpec } from '../../src/report/profileCharts.js';
import { evaluateSweep, type ByFamily } from '../../src/metrics/routerbench.js';
import { runSweep } from '../../src/sim/sweep.js';
import { scratch } from '../data/formats/helpers.js';

const s = scratch();
const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
const PLAIN = ['m0', 'm1', 'm2', 'm3'];
const TASKS_PLAIN = ['t0', 't1', 't2', 't3'];

/** 3 queries per task × 4 models; accuracy, cost and energy are small functions of (query, model). */
function rows(): { q: number; m: number; task: number; acc: number; cost: number; energy: number }[] {
  const out = [];
  for (let q = 0; q < 12; q++) for (let m = 0; m < 4; m++) out.push({ q, m, task: q % 4, acc: (q * 5 + m * 3) % 7 < 3 + m ? 1 : 0, cost: 0.001 * (1 + m) * (1 + (q % 3)), energy: 10 * (1 + m) + q });
  return out;
}

function csv(models: string[], tasks: string[], name: string): string {
  const body = rows().map((r) => `q${r.q},${models[r.m]},${r.acc},${r.energy},${r.cost},${tasks[r.task]}`);
  return s.write(name, ['query_id,model_id,accuracy,energy_j,cost_usd,task', ...body].join('\n') + '\n');
}

const hostile = (): Promise<PoolTable> => loadTable(csv(HOSTILE, HOSTILE, 'hostile.csv'));
const plain = (): Promise<PoolTable> => loadTable(csv(PLAIN, TASKS_PLAIN, 'plain.csv'));

const meanOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The record's own entries in order: a key set as a prototype or read from Object.prototype shows up here. */
function entries<T>(r: Record<string, T>): [string, T][] {
  return Object.keys(r).map((k) => [k, Object.getOwnPropertyDescriptor(r, k)!.value as T]);
}

describe('Object member names as families, tasks and model ids', () => {
  it('evaluate: every byFamily, points and hull record has each family with the plain twin’s value', async () => {
    const opts = { policies: ['random', 'linucb'], params: [], lambdas: [0, 0.5, 1], runs: 1, seed: 3, semantics: 'paper' as const, features: ['task' as const] };
    const [th, tp] = [await hostile(), await plain()];
    expect(th.tasks).toEqual(HOSTILE);
    const h = evaluateSweep(th, await runSweep(th, opts), { aiqMode: 'paper' }).summary;
    const p = evaluateSweep(tp, await runSweep(tp, opts), { aiqMode: 'paper' }).summary;
    const rename = new Map(TASKS_PLAIN.map((t, k) => [t, HOSTILE[k]]));
    const same = (a: ByFamily, b: ByFamily): void => {
      expect(entries(a.byFamily)).toEqual(entries(b.byFamily).map(([k, v]) => [rename.get(k)!, v]));
      expect(a.mean).toBe(b.mean);
    };
    for (let i = 0; i < h.policies.length; i++) {
      const [a, b] = [h.policies[i], p.policies[i]];
      for (const k of ['aiq', 'cpt50', 'cpt80', 'apgr'] as const) same(a[k], b[k]);
    }
    same(h.baselines.oracle.aiq, p.baselines.oracle.aiq);
    same(h.baselines.zeroRouter.aiq, p.baselines.zeroRouter.aiq);
    expect(Object.keys(h.baselines.zeroRouter.hull)).toEqual(HOSTILE);
    expect(Object.keys(h.baselines.oracle.points)).toEqual([...HOSTILE, 'all']);
    for (let m = 0; m < 4; m++) {
      const mh = h.baselines.models[m];
      expect(mh.id).toBe(HOSTILE[m]);
      same(mh.aiq, p.baselines.models[m].aiq);
      expect(Object.keys(mh.points)).toEqual([...HOSTILE, 'all']);
      // each family's point is the model's mean cost and quality over the family's prompts
      for (let k = 0; k < 4; k++) {
        const cells = rows().filter((r) => r.m === m && r.task === k);
        const pt = Object.getOwnPropertyDescriptor(mh.points, HOSTILE[k])!.value as { cost: number; quality: number };
        expect(pt.cost).toBeCloseTo(meanOf(cells.map((r) => r.cost)), 12);
        expect(pt.quality).toBeCloseTo(meanOf(cells.map((r) => r.acc)), 12);
      }
    }
    // the summary as written keeps every family
    const back = JSON.parse(JSON.stringify(h)) as typeof h;
    expect(Object.keys(back.policies[0].aiq.byFamily)).toEqual(HOSTILE);
  });

  it('profile: per-task statistics and task fronts are keyed by each task, with the rows’ means', async () => {
    const prof = await buildProfile(await hostile(), { lambda: 0.5 });
    expect(prof.models.map((m) => m.id)).toEqual(HOSTILE);
    expect(Object.keys(prof.taskPareto)).toEqual(HOSTILE);
    for (let m = 0; m < 4; m++) {
      const tasks = prof.models[m].tasks;
      expect(Object.keys(tasks)).toEqual(HOSTILE);
      for (let k = 0; k < 4; k++) {
        const cells = rows().filter((r) => r.m === m && r.task === k);
        const st = Object.getOwnPropertyDescriptor(tasks, HOSTILE[k])!.value as (typeof tasks)[string];
        expect(st.n).toBe(cells.length);
        expect(st.accuracy.mean).toBeCloseTo(meanOf(cells.map((r) => r.acc)), 12);
        expect(st.energyJ).toBeCloseTo(meanOf(cells.map((r) => r.energy)), 9);
      }
    }
    const plainProf = await buildProfile(await plain(), { lambda: 0.5 });
    for (let k = 0; k < 4; k++) {
      const front = Object.getOwnPropertyDescriptor(prof.taskPareto, HOSTILE[k])!.value as string[];
      expect(front).toEqual(plainProf.taskPareto[TASKS_PLAIN[k]].map((id) => HOSTILE[PLAIN.indexOf(id)]));
    }
  });

  it('profile outputs read back from profile.json skip a task a model has no cells of, even one named constructor', async () => {
    // model toString has no row on task constructor
    const body = rows()
      .filter((r) => !(r.m === 2 && r.task === 1))
      .map((r) => `q${r.q},${HOSTILE[r.m]},${r.acc},${r.energy},${r.cost},${HOSTILE[r.task]}`);
    const t = await loadTable(s.write('gap.csv', ['query_id,model_id,accuracy,energy_j,cost_usd,task', ...body].join('\n') + '\n'));
    const p = JSON.parse(JSON.stringify(await buildProfile(t, { lambda: 0.5 }))) as Profile;
    // model id and scope of each CSV row
    const csvRows = profileCsv(p)
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .map((f) => `${f[0]},${f[3]}`);
    // one row per model overall, then one per (task, model) with cells: 4 × 4 − 1
    expect(csvRows.filter((r) => !r.endsWith(',all'))).toHaveLength(15);
    expect(csvRows).not.toContain('toString,constructor');
    expect(csvRows).toContain('constructor,toString');
    expect(profileTerminal(p)).toContain('constructor acc');
    expect(profileReportSection(p)).toContain('hasOwnProperty');
    const cells = (heatmapChartSpec(p) as unknown as { data: { values: { model: string; task: string }[] } }).data.values;
    expect(cells.filter((c) => c.task === 'constructor')).toHaveLength(3);
  });

  it('simulate: a summary read back keeps every model’s selection share, and static:<id> policies run', async () => {
    const t = await hostile();
    const { summary } = await simulateTable(t, simOptions({ policies: ['random', 'static:__proto__', 'static:constructor'], runs: 2, seed: 7, recordSteps: false }));
    const back = readSimulateSummary(toJson(summary), 'summary.json');
    for (const [i, p] of back.policies.entries()) expect(entries(p.selection)).toEqual(entries(summary.policies[i].selection));
    expect(Object.keys(back.policies[0].selection).sort()).toEqual([...HOSTILE].sort());
    // a static policy picks its model every time, and its accuracy is that model's mean over the rows
    const st = back.policies.find((p) => p.name === 'static:__proto__')!;
    expect(entries(st.selection).filter(([, v]) => v > 0)).toEqual([['__proto__', 1]]);
    expect(st.accuracy.mean).toBeCloseTo(meanOf(rows().filter((r) => r.m === 0).map((r) => r.acc)), 12);
  });

  it('regress: a baseline’s __proto__ metric and tolerance are read, checked and compared like any other', async () => {
    const data = csv(HOSTILE, HOSTILE, 'regress.csv');
    const file = s.write('b.json', '{}');
    const write = (metrics: string, tolerance = ''): void =>
      writeFileSync(file, `{"schemaVersion":1,"name":"b","config":{"command":"simulate","data":${JSON.stringify(data)},"policies":["static:constructor"],"lambda":0.5,"runs":1,"seed":40},"metrics":{${metrics}}${tolerance}}`);
    const acc = meanOf(rows().filter((r) => r.m === 1).map((r) => r.acc));
    write(`"__proto__":1,"static:constructor.accuracy":${acc}`, ',"tolerance":{"__proto__":{"abs":0}}');
    const b = readBaseline(file);
    expect(Object.keys(b.metrics)).toEqual(['__proto__', 'static:constructor.accuracy']);
    expect(entries(b.tolerance!)).toEqual([['__proto__', { abs: 0 }]]);
    const r = await regressOne(file);
    const v = new Map(r.diffs.map((d) => [d.metric, d.verdict]));
    // the run has no metric named __proto__: it is missing, where it used to vanish unread
    expect(v.get('__proto__')).toBe('missing');
    expect(v.get('static:constructor.accuracy')).toBe('ok');
    expect(r.status).toBe('fail');
    // a tolerance for a metric the baseline lacks is refused, __proto__ as any other key
    write(`"static:constructor.accuracy":${acc}`, ',"tolerance":{"__proto__":{"abs":0}}');
    expect(() => readBaseline(file)).toThrow("field 'tolerance.__proto__'");
    // --update writes the run's metrics, keyed by the static policy of model constructor
    write(`"__proto__":1`);
    expect((await regressOne(file, { update: true })).status).toBe('updated');
    const m = (JSON.parse(readFileSync(file, 'utf8')) as { metrics: Record<string, number> }).metrics;
    expect(m['static:constructor.accuracy']).toBeCloseTo(acc, 12);
    expect(Object.hasOwn(m, '__proto__')).toBe(false);
  });

  it('a command named after an Object member is an unknown command (exit 2), not an internal error', async () => {
    for (const n of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const r = await cliInProcess([n]);
      expect(r.code, n).toBe(2);
      expect(r.stderr).toContain(`unknown command '${n}'`);
      expect(r.stderr).not.toContain('internal error');
    }
  });

  it('experiment YAML: pool events, static arms and labels named after Object members', async () => {
    csv(HOSTILE, HOSTILE, 'x.csv');
    const arms = ['  - policy: static:__proto__\n    label: constructor', '  - policy: static:hasOwnProperty', '  - policy: random\n    label: toString'].join('\n');
    const file = s.write('x.yaml', `name: x\ndataset: x.csv\nruns: 2\nseed: 5\nlambdas: [0.5]\npool:\n  initial: [__proto__, constructor, hasOwnProperty]\n  events:\n    - step: 6\n      add: [toString]\n      remove: [constructor]\narms:\n${arms}\n`);
    const { summary } = await runExperiment(file, { out: join(s.dir, 'xout'), charts: false });
    expect(summary.cells.map((c) => c.label)).toEqual(['constructor', 'static:hasOwnProperty', 'toString']);
    const share = (label: string): [string, number][] => entries(summary.cells.find((c) => c.label === label)!.selection).filter(([, v]) => v > 0);
    expect(share('constructor')).toEqual([['__proto__', 1]]);
    expect(share('static:hasOwnProperty')).toEqual([['hasOwnProperty', 1]]);
    // random picks only pool members: toString joins at step 6, constructor leaves then
    const rnd = new Map(share('toString'));
    expect([...rnd.keys()].sort()).toEqual([...HOSTILE].sort());
    expect([...rnd.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // a static arm's accuracy is its model's mean over the rows
    const acc = summary.cells.find((c) => c.label === 'constructor')!.accuracy.mean;
    expect(acc).toBeCloseTo(meanOf(rows().filter((r) => r.m === 0).map((r) => r.acc)), 12);
  });
});

/**
 * The terminal tables of `profile-models` on tables of many models: above the threshold they show the static
 * baselines, the Pareto front and the most accurate models, and say how many they leave out. Before, a table
 * of 100,000 models printed some 50 MB of rows.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { makePoolTable } from '../../src/data/pool.js';
import { buildProfile, type ModelProfile, type Profile } from '../../src/metrics/profile.js';
import { profileTerminal } from '../../src/report/profile.js';
import { tenthFrontTable } from '../helpers/table.js';

/** As documented in docs/profile-models.md, "What the columns mean". */
const THRESHOLD = 50;
const FRONT_ROWS = 30;

/**
 * 2 tasks × 2 queries × M models: models 0–11 a front (cost 1–12 J, accuracy 0.900–0.911), every other model
 * dominated by each of them (cost ≥ 20 J, accuracy below 0.9, each the same on its four cells).
 */
function manyModels(M: number, seed = 3) {
  const rng = new Rng(seed);
  const acc = Array.from({ length: M }, (_, m) => (m < 12 ? 0.9 + m / 1000 : Math.round(rng.next() * 850) / 1000));
  const cost = Array.from({ length: M }, (_, m) => (m < 12 ? 1 + m : 20 + Math.round(rng.next() * 1000)));
  const Q = 4;
  return makePoolTable({
    name: 'many',
    queryIds: ['q0', 'q1', 'q2', 'q3'],
    queryTasks: ['a', 'a', 'b', 'b'],
    models: acc.map((_, m) => ({ id: `m${m}`, name: `m${m}`, paramsB: 1 + (m % 7) })),
    accuracy: Float64Array.from({ length: Q * M }, (_, k) => acc[k % M]),
    energyJ: Float64Array.from({ length: Q * M }, (_, k) => cost[k % M]),
    present: new Uint8Array(Q * M).fill(1),
  });
}

/** Brute force: models no other model beats on accuracy and cost both (at least as good on both, better on one). */
function bruteFront(p: Profile): Set<string> {
  const a = (m: ModelProfile): number => m.accuracy.mean!;
  const c = (m: ModelProfile): number => m.energyJ!;
  return new Set(p.models.filter((x) => !p.models.some((y) => a(y) >= a(x) && c(y) <= c(x) && (a(y) > a(x) || c(y) < c(x)))).map((x) => x.id));
}

/** Model ids of a table's rows: the lines from the rule under the header to a blank line or a note under it. */
function tableIds(lines: string[], header: RegExp): string[] {
  const h = lines.findIndex((l) => header.test(l));
  const ids: string[] = [];
  for (let i = h + 2; i < lines.length && lines[i].trim() !== '' && !/^[…(]/.test(lines[i]); i++) ids.push(lines[i].split(/\s+/)[0].replace(/\*$/, ''));
  return ids;
}

const modelTable = /^model\s+params B/;
const taskTable = /^model\s+a acc/;

describe('profile-models terminal tables of many models', () => {
  it('show the baselines, the front and then the most accurate, and how many are left out', async () => {
    const M = 2000;
    const p = await buildProfile(manyModels(M), { lambda: 0.5 });
    const front = bruteFront(p);
    expect(front.size).toBe(12);
    const b = p.baselines;
    const want = new Set([b.largest, b.smallest, b.mostAccurate, b.bestStatic].filter((x): x is string => x !== null));
    for (const id of front) want.add(id);
    // the rest by accuracy, most accurate first, ties in table order
    const others = p.models.map((m, i) => ({ id: m.id, a: m.accuracy.mean!, i })).filter((x) => !want.has(x.id));
    others.sort((x, y) => y.a - x.a || x.i - y.i);
    for (const x of others) if (want.size < THRESHOLD) want.add(x.id);
    const expected = p.models.map((m) => m.id).filter((id) => want.has(id));
    expect(expected).toHaveLength(THRESHOLD);

    const lines = profileTerminal(p).split('\n');
    expect(tableIds(lines, modelTable)).toEqual(expected);
    expect(tableIds(lines, taskTable)).toEqual(expected);
    const leftOut = lines.filter((l) => l.startsWith('…'));
    expect(leftOut).toHaveLength(2);
    for (const l of leftOut) expect(l).toContain(`${(M - THRESHOLD).toLocaleString('en-US')} of ${M.toLocaleString('en-US')} models not shown`);
    // the front line lists the whole (short) front; a dominated line for each shown dominated model only, with
    // the first 10 of the 12 front models that dominate it
    expect(lines.find((l) => l.startsWith('Pareto front'))).toBe(`Pareto front (accuracy vs J/query, cheapest first): ${[...front].join(', ')}`);
    const by = `${[...front].slice(0, 10).join(', ')} and 2 more`;
    expect(lines.filter((l) => / is dominated by /.test(l))).toEqual(expected.filter((id) => !front.has(id)).map((id) => `  ${id} is dominated by ${by}`));
    // on a narrow terminal the same rows, the added line broken to fit
    const narrow = profileTerminal(p, 79).split('\n');
    expect(tableIds(narrow, modelTable)).toEqual(expected);
    expect(narrow.filter((l) => l.length > 79)).toEqual([]);
  });

  it('print as many lines at 2,000 models as at 4,000', async () => {
    const lines = async (M: number): Promise<number> => profileTerminal(await buildProfile(manyModels(M, 11), { lambda: 0.5 })).split('\n').length;
    const [a, b] = [await lines(2000), await lines(4000)];
    expect(a).toBe(b);
    expect(a).toBeLessThan(2 * THRESHOLD + 60);
  });

  it('of a long front, show 30 of its models evenly spaced, then fill up with the most accurate of the rest', async () => {
    const run = async (M: number): Promise<string[]> => profileTerminal(await buildProfile(tenthFrontTable(M), { lambda: 0.5 })).split('\n');
    const M = 2000;
    const p = await buildProfile(tenthFrontTable(M), { lambda: 0.5 });
    // every tenth model is on the front (accuracy m/M, cost 1 + m); the others have accuracy 0
    const front = [...bruteFront(p)];
    expect(front).toEqual(Array.from({ length: M / 10 }, (_, k) => `m${10 * k}`));
    const want = new Set<string>();
    for (let i = 0; i < FRONT_ROWS; i++) want.add(front[Math.round((i * (front.length - 1)) / (FRONT_ROWS - 1))]);
    for (const id of [p.baselines.mostAccurate, p.baselines.bestStatic]) if (id) want.add(id);
    // then the most accurate not yet shown: front models from the most accurate end down
    for (let k = front.length - 1; want.size < THRESHOLD; k--) want.add(front[k]);
    const expected = p.models.map((m) => m.id).filter((id) => want.has(id));
    const lines = await run(M);
    expect(tableIds(lines, modelTable)).toEqual(expected);
    expect(lines.find((l) => l.startsWith('Pareto front'))).toBe(
      `Pareto front (accuracy vs J/query, cheapest first; the ${front.filter((id) => want.has(id)).length} of its ${front.length} models in the table): ${front.filter((id) => want.has(id)).join(', ')}`,
    );
    expect((await run(4000)).length).toBe(lines.length);
  });

  it(`print every model up to ${THRESHOLD} models, as before; one more model and the tables are cut`, async () => {
    const at = await buildProfile(manyModels(THRESHOLD), { lambda: 0.5 });
    const lines = profileTerminal(at).split('\n');
    const all = at.models.map((m) => m.id);
    expect(tableIds(lines, modelTable)).toEqual(all);
    expect(tableIds(lines, taskTable)).toEqual(all);
    expect(lines.some((l) => l.startsWith('…'))).toBe(false);
    // a dominated line for every dominated model, with every model that dominates it
    expect(lines.filter((l) => / is dominated by /.test(l))).toEqual(at.dominated.map((x) => `  ${x.id} is dominated by ${x.by.join(', ')}`));

    const over = await buildProfile(manyModels(THRESHOLD + 1), { lambda: 0.5 });
    const cut = profileTerminal(over).split('\n');
    expect(tableIds(cut, modelTable)).toHaveLength(THRESHOLD);
    expect(cut.filter((l) => l.startsWith('…'))[0]).toContain(`1 of ${THRESHOLD + 1} models not shown`);
  });
});

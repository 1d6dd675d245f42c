import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/core/errors.js';
import { concatTables, DEFAULT_FAMILY_RULES, FamilyMapper, parseFamilyRules, remapTasks } from '../../src/data/families.js';
import { loadTable } from '../../src/data/load.js';
import { makePoolTable, type PoolTable } from '../../src/data/pool.js';

const RB = resolve(__dirname, '../../../shared/data/routerbench');
const haveRb = existsSync(RB);
if (!haveRb) console.warn(`skipping RouterBench family tests: ${RB} not found (shared reference data is absent)`);

function table(ids: string[], tasks: string[], acc: number[], cost: number[], models = ['a', 'b']): PoolTable {
  return makePoolTable({
    name: 't',
    queryIds: ids,
    queryTasks: tasks,
    models: models.map((id) => ({ id, name: id, paramsB: Number.NaN })),
    accuracy: Float64Array.from(acc),
    costUsd: Float64Array.from(cost),
  });
}

describe('eval-family mapping', () => {
  const map = new FamilyMapper();

  it('groups RouterBench eval names into benchmark families (case-insensitive), leaves unknown names alone', () => {
    expect(map.familyOf('mmlu-abstract-algebra')).toBe('mmlu');
    expect(map.familyOf('mmlu-high-school-world-history')).toBe('mmlu');
    expect(map.familyOf('mmlu')).toBe('mmlu');
    expect(map.familyOf('hellaswag')).toBe('hellaswag');
    expect(map.familyOf('winogrande')).toBe('winogrande');
    expect(map.familyOf('winograde')).toBe('winogrande');
    expect(map.familyOf('arc-challenge')).toBe('arc-challenge');
    expect(map.familyOf('grade-school-math')).toBe('gsm8k');
    expect(map.familyOf('gsm8k')).toBe('gsm8k');
    expect(map.familyOf('MT-Bench')).toBe('mt-bench');
    expect(map.familyOf('mtbench')).toBe('mt-bench');
    expect(map.familyOf('mbpp')).toBe('mbpp');
    expect(map.familyOf('rag')).toBe('rag');
    expect(map.familyOf('consumer-electronics')).toBe('consumer-electronics');
    // "mmlu" must not swallow names that only start with the letters
    expect(map.familyOf('mmlupro')).toBe('mmlupro');
  });

  it('user rules come before the defaults; without defaults unmatched names are their own family', () => {
    const m = new FamilyMapper(parseFamilyRules(['arc-*=reasoning', 'winogrande=reasoning', 'mmlu-college-*=college']));
    expect(m.familyOf('arc-challenge')).toBe('reasoning');
    expect(m.familyOf('winogrande')).toBe('reasoning');
    expect(m.familyOf('mmlu-college-physics')).toBe('college');
    expect(m.familyOf('mmlu-anatomy')).toBe('mmlu');
    const bare = new FamilyMapper(parseFamilyRules(['*=everything']), false);
    expect(bare.familyOf('hellaswag')).toBe('everything');
    expect(new FamilyMapper([], false).familyOf('mmlu-anatomy')).toBe('mmlu-anatomy');
    expect(DEFAULT_FAMILY_RULES.length).toBeGreaterThan(5);
  });

  it('rejects malformed --family values', () => {
    expect(() => parseFamilyRules(['mmlu'])).toThrow(UsageError);
    expect(() => parseFamilyRules(['=x'])).toThrow(/expected <eval-name glob>=<family>/);
    expect(() => parseFamilyRules(['mmlu-*='])).toThrow(UsageError);
    // glob metacharacters other than * and ? are literal
    expect(new FamilyMapper(parseFamilyRules(['a.b=dot'])).familyOf('axb')).toBe('axb');
  });

  it('remapTasks returns a table whose tasks are families, sharing the metric columns and leaving the input alone', () => {
    const t = table(['1', '2', '3', '4'], ['mmlu-anatomy', 'winograde', 'mmlu-virology', 'other'], [1, 0, 0, 1, 1, 1, 0, 0], [1, 2, 1, 2, 1, 2, 1, 2]);
    const { table: f, members } = remapTasks(t, new FamilyMapper());
    expect(f.tasks).toEqual(['mmlu', 'winogrande', 'other']);
    expect(Array.from(f.queryTask)).toEqual([0, 1, 0, 2]);
    expect(f.accuracy).toBe(t.accuracy);
    expect(f.costUsd).toBe(t.costUsd);
    expect(f.present).toBe(t.present);
    expect(members.get('mmlu')).toEqual(['mmlu-anatomy', 'mmlu-virology']);
    expect(members.get('winogrande')).toEqual(['winograde']);
    expect(t.tasks).toEqual(['mmlu-anatomy', 'winograde', 'mmlu-virology', 'other']);
  });
});

describe('concatTables', () => {
  it('merges a query split over two tables cell by cell and unions the models', () => {
    const a = makePoolTable({
      name: 'a',
      queryIds: ['p1', 'p2'],
      queryTasks: ['x', 'x'],
      models: [
        { id: 'm1', name: 'm1', paramsB: 1 },
        { id: 'm2', name: 'm2', paramsB: 2 },
      ],
      accuracy: Float64Array.from([1, Number.NaN, 0, 1]),
      costUsd: Float64Array.from([0.1, Number.NaN, 0.1, 0.2]),
    });
    const b = makePoolTable({
      name: 'b',
      queryIds: ['p1', 'p3'],
      queryTasks: ['x', 'y'],
      models: [
        { id: 'm2', name: 'm2', paramsB: 2 },
        { id: 'm3', name: 'm3', paramsB: 3 },
      ],
      accuracy: Float64Array.from([0, 1, 1, 0]),
      costUsd: Float64Array.from([0.2, 0.3, 0.2, 0.3]),
    });
    const c = concatTables([a, b], 'ab');
    expect(c.queryIds).toEqual(['p1', 'p2', 'p3']);
    expect(c.models.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
    expect(c.tasks).toEqual(['x', 'y']);
    const cell = (q: number, m: number): [number, number, number] => [c.present[q * 3 + m], c.accuracy[q * 3 + m], c.costUsd![q * 3 + m]];
    expect(cell(0, 0)).toEqual([1, 1, 0.1]);
    expect(cell(0, 1)).toEqual([1, 0, 0.2]); // filled by b
    expect(cell(0, 2)).toEqual([1, 1, 0.3]);
    expect(cell(1, 2)[0]).toBe(0); // p2 has no m3
    expect(cell(2, 0)[0]).toBe(0);
    expect(concatTables([a], 'one')).toBe(a);
  });

  it('a cell filled in two tables with different values is an error naming both files, the metric and both values', () => {
    const a = table(['p1'], ['x'], [1, 0], [0.1, 0.2]);
    const b = table(['p1'], ['x'], [1, 1], [0.1, 0.2]);
    expect(() => concatTables([a, b], 'ab', ['a.csv', 'b.csv'])).toThrow(DataError);
    expect(() => concatTables([a, b], 'ab', ['a.csv', 'b.csv'])).toThrow(
      /b\.csv \(column 'accuracy'\): query 'p1', model 'b': accuracy is 1 here but 0 in a\.csv/,
    );
    const c = table(['p1'], ['x'], [1, 0], [0.1, 0.25]);
    expect(() => concatTables([a, c], 'ac', ['a.csv', 'c.csv'])).toThrow(/column 'cost_usd'\): query 'p1', model 'b': cost_usd is 0\.25 here but 0\.2 in a\.csv/);
    // equal values in both tables are fine
    expect(concatTables([a, table(['p1'], ['x'], [1, 0], [0.1, 0.2])], 'aa').nQueries).toBe(1);
  });

  it('compares values from two files with a relative tolerance of 1e-12', () => {
    const a = table(['p1'], ['x'], [1, 0], [0.1, 0.2]);
    // 0.1 + 0.2 is 0.30000000000000004: a rounding difference, not a conflict
    const near = table(['p1'], ['x'], [1, 0], [0.1, (0.1 + 0.2) * (0.2 / 0.3)]);
    expect(near.costUsd![1]).not.toBe(0.2);
    const c = concatTables([a, near], 'an', ['a.csv', 'n.csv']);
    expect(c.costUsd![1]).toBe(0.2); // the first file's value is kept
    // 1e-11 relative is beyond the tolerance
    const far = table(['p1'], ['x'], [1, 0], [0.1, 0.2 * (1 + 1e-11)]);
    expect(() => concatTables([a, far], 'af', ['a.csv', 'f.csv'])).toThrow(/cost_usd is 0\.2000000000\d* here but 0\.2 in a\.csv/);
  });

  it('a prompt split across two files: the differing values of the unscored half are counted when merged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-concat-'));
    try {
      const head = 'sample_id,eval_name,m1,m2,m1|total_cost,m2|total_cost';
      // p1: m1 scored in a.csv, m2 in b.csv; each half also lists a cost for the other model.
      const a = join(dir, 'a.csv');
      const b = join(dir, 'b.csv');
      writeFileSync(a, `${head}\np1,arc,1,,0.1,0.4\np2,arc,1,1,0.1,0.2\n`);
      writeFileSync(b, `${head}\np1,arc,,0,0.3,0.2\np3,arc,0,1,0.1,0.2\n`);
      const warnings: string[] = [];
      const ta = await loadTable(a, { warn: (m) => warnings.push(m) });
      const tb = await loadTable(b, { warn: (m) => warnings.push(m) });
      expect(warnings).toEqual([]); // nothing repeats within one file
      const c = concatTables([ta, tb], 'ab', [a, b], (m) => warnings.push(m));
      // the files' 6-digit costs are stored as float32 (datasets/README.md, storage)
      expect(Array.from(c.costUsd!.subarray(0, 2))).toEqual([0.1, 0.2].map(Math.fround));
      // a.csv's 0.4 for m2 differs from b.csv's scored 0.2; b.csv's 0.3 for m1 differs from a.csv's 0.1
      expect(warnings).toEqual([
        'ab: 2 value(s) (cost_usd: 2) in rows without a score for the model differ from the scored row of the same query in another file and were discarded; metrics come from the row that holds the score',
      ]);
      // the same halves with agreeing costs: nothing to report
      writeFileSync(b, `${head}\np1,arc,,0,0.1,0.2\n`);
      writeFileSync(a, `${head}\np1,arc,1,,0.1,0.2\n`);
      const quiet: string[] = [];
      concatTables([await loadTable(a), await loadTable(b)], 'ab', [a, b], (m) => quiet.push(m));
      expect(quiet).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!haveRb)('real ARC-Challenge: every discarded cost of a split prompt is reported (within and across the two files)', async () => {
    const files = ['arc_challenge_train.csv', 'arc_challenge_test.csv'].map((f) => resolve(RB, f));
    // Independent count from the raw rows: cost cells of a row without a score for that model, where another
    // row of the same prompt (in either file) holds the score and a different cost.
    const rows = files.flatMap((f, k) => (parse(readFileSync(f), { columns: true }) as Record<string, string>[]).map((r) => ({ k, r })));
    const models = Object.keys(rows[0].r).filter((c) => c !== '' && !c.includes('|') && !['sample_id', 'prompt', 'eval_name', 'oracle_model_to_route_to'].includes(c));
    const groups = new Map<string, { k: number; r: Record<string, string> }[]>();
    for (const x of rows) groups.set(x.r.sample_id, [...(groups.get(x.r.sample_id) ?? []), x]);
    const expected = [0, 0, 0]; // in file 0, in file 1, across files
    for (const g of groups.values()) {
      if (g.length < 2) continue;
      for (const m of models) {
        const scored = g.find((x) => x.r[m] !== '');
        if (!scored) continue;
        for (const x of g) {
          if (x.r[m] !== '' || x.r[`${m}|total_cost`] === '' || Number(x.r[`${m}|total_cost`]) === Number(scored.r[`${m}|total_cost`])) continue;
          expected[x.k === scored.k ? x.k : 2]++;
        }
      }
    }
    const warnings: string[] = [];
    const tables = [];
    for (const f of files) tables.push(await loadTable(f, { warn: (m) => warnings.push(m) }));
    concatTables(tables, 'arc', files, (m) => warnings.push(m));
    const counted = (re: RegExp): number => Number(warnings.map((w) => re.exec(w)?.[1]).find((x) => x !== undefined) ?? 0);
    const got = [
      counted(/arc_challenge_train\.csv: (\d+) value\(s\) \(cost_usd/),
      counted(/arc_challenge_test\.csv: (\d+) value\(s\) \(cost_usd/),
      counted(/^arc: (\d+) value\(s\) \(cost_usd: \d+\) in rows without a score .* in another file/),
    ];
    expect(got).toEqual(expected);
    expect(expected[0] + expected[1] + expected[2]).toBeGreaterThan(0);
  });

  it.skipIf(!haveRb)('the real ARC-Challenge split halves concatenate to 1,470 complete prompts', async () => {
    const train = await loadTable(resolve(RB, 'arc_challenge_train.csv'), { warn: () => {} });
    const test = await loadTable(resolve(RB, 'arc_challenge_test.csv'), { warn: () => {} });
    const ids = new Set([...train.queryIds, ...test.queryIds]);
    const c = concatTables([train, test], 'arc');
    expect(c.nQueries).toBe(ids.size);
    expect(c.nQueries).toBe(1470);
    expect(c.nModels).toBe(11);
    // the 6 prompts split across the two files get their missing cells from the other file
    let missing = 0;
    for (let i = 0; i < c.present.length; i++) if (!c.present[i]) missing++;
    expect(missing).toBe(0);
  });
});

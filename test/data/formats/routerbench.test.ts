import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadTable } from '../../../src/data/load.js';
import { decodePythonStringList } from '../../../src/data/formats/wide.js';
import type { PoolTable } from '../../../src/data/pool.js';
import { scratch, dataError, SHARED } from './helpers.js';

const s = scratch();

const HEADER = ',sample_id,prompt,eval_name,m1,m2,m1|model_response,m2|model_response,m1|total_cost,m2|total_cost,oracle_model_to_route_to';

describe('RouterBench wide CSV', () => {
  it('maps correctness, cost, task and decoded prompt; ignores responses and the index column', async () => {
    const csv = [
      HEADER,
      `0,mmlu.1,"['What is 2+2?\\nA) 4\\nAnswer:']",mmlu,1.0,0.0,"['A']","['B']",0.001,0.0001,m1`,
      `1,mt.1,"['Turn one', ""it's turn two""]",mt-bench,0.85,0.6,"['x']","['y']",0.002,0.0002,m1`,
    ].join('\n');
    const t = await loadTable(s.write('rb.csv', csv));
    expect(t.queryIds).toEqual(['mmlu.1', 'mt.1']);
    expect(t.models.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(Array.from(t.accuracy)).toEqual([1, 0, 0.85, 0.6].map(Math.fround));
    // 6-digit costs are stored as float32 (datasets/README.md, storage)
    expect(Array.from(t.costUsd!)).toEqual([0.001, 0.0001, 0.002, 0.0002].map(Math.fround));
    expect(t.tasks).toEqual(['mmlu', 'mt-bench']);
    expect(t.queryText![0]).toBe('What is 2+2?\nA) 4\nAnswer:');
    expect(t.queryText![1]).toBe("Turn one\nit's turn two");
    expect(t.energyJ.every(Number.isNaN)).toBe(true);
  });

  it('merges a repeated sample_id with complementary empty cells and reports the count', async () => {
    const csv = [
      HEADER,
      `0,q1,"['p']",arc,,1.0,"['A']","['A']",0.5,0.002,m2`,
      `1,q2,"['p2']",arc,1.0,0.0,"['A']","['B']",0.001,0.0001,m1`,
      `2,q1,"['p']",arc,0.0,,"['A']","['A']",0.001,0.9,m2`,
      `3,q3,"['p3']",arc,,,"['A']","['A']",0.001,0.9,m2`,
    ].join('\n');
    const warnings: string[] = [];
    const t = await loadTable(s.write('rb-dup.csv', csv), { warn: (m) => warnings.push(m) });
    expect(t.queryIds).toEqual(['q1', 'q2']);
    expect(Array.from(t.accuracy)).toEqual([0, 1, 1, 0]);
    // Cost comes from the row that holds the outcome.
    expect(Array.from(t.costUsd!)).toEqual([0.001, 0.002, 0.001, 0.0001].map(Math.fround));
    expect(warnings.join('\n')).toMatch(/1 row\(s\) repeat a query id with empty correctness cells; their 1 filled cell/);
    expect(warnings.join('\n')).toMatch(/1 row\(s\) with every correctness cell empty skipped/);
  });

  it('split rows: cost from the half without a score is discarded, and conflicting ones are counted', async () => {
    // q1 is split: m1 scored in the first half, m2 in the second; each half also lists a cost for the other model.
    const csv = [
      HEADER,
      `0,q1,"['p']",arc,1.0,,a,b,0.001,0.004,m1`,
      `1,q1,"['p']",arc,,0.0,a,b,0.002,0.0002,m1`,
      // q2: the unscored half repeats the scored half's cost exactly (no conflict)
      `2,q2,"['p']",arc,,1.0,a,b,0.003,0.0005,m2`,
      `3,q2,"['p']",arc,0.0,,a,b,0.003,0.0009,m2`,
    ].join('\n');
    const warnings: string[] = [];
    const t = await loadTable(s.write('rb-split.csv', csv), { warn: (m) => warnings.push(m) });
    expect(Array.from(t.accuracy)).toEqual([1, 0, 0, 1]);
    // Cost always from the row holding the score.
    expect(Array.from(t.costUsd!)).toEqual([0.001, 0.0002, 0.003, 0.0005].map(Math.fround));
    // Conflicts: q1/m1 (0.002 vs 0.001), q1/m2 (0.004 vs 0.0002), q2/m1 none (0.003 both), q2/m2 (0.0009 vs 0.0005).
    expect(warnings.join('\n')).toMatch(/rb-split\.csv: 3 value\(s\) \(cost_usd: 3\) in rows without a score for the model differ from the scored row/);
  });

  it('split rows: a scored value repeated within the 1e-12 relative tolerance is not a conflict', async () => {
    const near = (0.1 + 0.2) * (0.2 / 0.3); // 0.2 up to rounding
    const ok = [HEADER, `0,q1,p,arc,1.0,,a,b,0.2,,m1`, `1,q1,p,arc,1.0,1.0,a,b,${near},0.5,m1`].join('\n');
    const t = await loadTable(s.write('rb-near.csv', ok));
    expect(t.costUsd![0]).toBe(Math.fround(0.2));
    const bad = [HEADER, `0,q1,p,arc,1.0,,a,b,0.2,,m1`, `1,q1,p,arc,1.0,1.0,a,b,0.2000001,0.5,m1`].join('\n');
    await dataError(loadTable(s.write('rb-far.csv', bad)), { line: 3, column: 'm1|total_cost', message: /different cost_usd for model 'm1' \(0\.2000001 here, 0\.2 on line 2\)/ });
  });

  it('keeps a partially empty row as a partial query (coverage)', async () => {
    const t = await loadTable(s.write('rb-part.csv', [HEADER, `0,q1,"['p']",arc,,1.0,a,b,0.1,0.2,m2`].join('\n')));
    expect(Array.from(t.present)).toEqual([0, 1]);
    expect(Number.isNaN(t.costUsd![0])).toBe(true);
  });

  it('rejects a repeated sample_id with a conflicting value', async () => {
    const csv = [HEADER, `0,q1,"['p']",arc,1.0,1.0,a,b,0.1,0.2,m2`, `1,q1,"['p']",arc,0.0,,a,b,0.1,0.2,m2`].join('\n');
    await dataError(loadTable(s.write('rb-conf.csv', csv)), { line: 3, column: 'm1', message: /repeats with a different accuracy.*line 2/ });
  });

  it('rejects out-of-range correctness and negative cost', async () => {
    await dataError(loadTable(s.write('rb-r.csv', [HEADER, `0,q1,p,arc,1.5,1.0,a,b,0.1,0.2,m2`].join('\n'))), { line: 2, column: 'm1', message: /outside/ });
    await dataError(loadTable(s.write('rb-c.csv', [HEADER, `0,q1,p,arc,1,1.0,a,b,-0.1,0.2,m2`].join('\n'))), { line: 2, column: 'm1|total_cost', message: /negative/ });
  });

  it('decodes what Python repr() makes of a list of strings (property)', () => {
    // Python 3's str repr: single quotes unless the text has ' and no ", backslash escapes for the quote,
    // backslash, \n \r \t, and \xhh for other control characters; printable non-ASCII is kept.
    const pyRepr = (text: string): string => {
      const q = text.includes("'") && !text.includes('"') ? '"' : "'";
      let out = q;
      for (const ch of text) {
        const cp = ch.codePointAt(0)!;
        if (ch === '\\' || ch === q) out += '\\' + ch;
        else if (ch === '\n') out += '\\n';
        else if (ch === '\r') out += '\\r';
        else if (ch === '\t') out += '\\t';
        else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out += '\\x' + cp.toString(16).padStart(2, '0');
        else out += ch;
      }
      return out + q;
    };
    const alphabet = fc.constantFrom('a', 'Z', ' ', "'", '"', '\\', '\n', '\r', '\t', '\x01', '\x7f', '\u0085', 'é', '雪', '😀', ',', '[', ']');
    fc.assert(
      fc.property(fc.array(fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')), { minLength: 1, maxLength: 4 }), (parts) => {
        const literal = '[' + parts.map(pyRepr).join(', ') + ']';
        expect(decodePythonStringList(literal)).toBe(parts.join('\n'));
      }),
      { numRuns: 500 },
    );
    // A prompt shaped like RouterBench's: both quote kinds, escaped newlines.
    expect(decodePythonStringList(String.raw`['Question: Why?\nA) It\'s "late"\nAnswer:']`)).toBe('Question: Why?\nA) It\'s "late"\nAnswer:');
  });

  it('decodes Python list literals and leaves other text alone', () => {
    expect(decodePythonStringList(`['a\\tb', "c'd", '\\x41\\u00e9\\\\']`)).toBe("a\tb\nc'd\nAé\\");
    expect(decodePythonStringList('plain text')).toBe('plain text');
    expect(decodePythonStringList("['unterminated]")).toBe("['unterminated]");
    expect(decodePythonStringList('[]')).toBe('');
  });

  it('leaves a \\U escape above U+10FFFF as written (found by fuzzing: it threw a RangeError)', async () => {
    // Python refuses such a literal, so it is not one: the text is kept.
    expect(decodePythonStringList("['\\U0011ffff']")).toBe("['\\U0011ffff']");
    expect(decodePythonStringList("['ok', '\\Uffffffff']")).toBe("['ok', '\\Uffffffff']");
    expect(decodePythonStringList("['\\U0010ffff']")).toBe('\u{10ffff}');
    const csv = [HEADER, `0,q1,"['\\U0011ffff']",arc,1.0,0.0,a,b,0.1,0.2,m1`].join('\n');
    const t = await loadTable(s.write('rb-cp.csv', csv));
    expect(t.queryText).toEqual(["['\\U0011ffff']"]);
  });
});

// ---- real RouterBench rows (../shared/data/routerbench) -------------------------------------------------

interface Expected {
  rows: number;
  models: string[];
  meanAcc: Map<string, number>;
  meanCost: Map<string, number>;
}

/** Figures computed straight from the raw CSV, independently of the loader. */
function expectedFromRaw(file: string): Expected {
  const recs: Record<string, string>[] = parse(readFileSync(file), { columns: true, bom: true });
  const cols = Object.keys(recs[0]);
  const models = cols.filter((c) => c.endsWith('|total_cost')).map((c) => c.slice(0, -'|total_cost'.length));
  const ids = new Set<string>();
  const meanAcc = new Map<string, number>();
  const meanCost = new Map<string, number>();
  for (const m of models) {
    let a = 0;
    let c = 0;
    let n = 0;
    for (const r of recs) {
      if (r[m] === '') continue;
      a += Number(r[m]);
      c += Number(r[`${m}|total_cost`]);
      n++;
      ids.add(r.sample_id);
    }
    meanAcc.set(m, a / n);
    meanCost.set(m, c / n);
  }
  return { rows: ids.size, models, meanAcc, meanCost };
}

function modelMeans(t: PoolTable, m: number): { acc: number; cost: number } {
  let a = 0;
  let c = 0;
  let n = 0;
  for (let q = 0; q < t.nQueries; q++) {
    const i = q * t.nModels + m;
    if (!t.present[i]) continue;
    a += t.accuracy[i];
    c += t.costUsd![i];
    n++;
  }
  return { acc: a / n, cost: c / n };
}

const RB = join(SHARED, 'routerbench');

/** Cost cells of split rows that lack a score for their model and differ from the scored row's cost. */
function conflictingUnscoredCosts(path: string): number {
  const rows = parse(readFileSync(path), { columns: true, skip_empty_lines: true, relax_column_count: false }) as Record<string, string>[];
  const models = Object.keys(rows[0]).filter((c) => c !== '' && !c.includes('|') && !['sample_id', 'prompt', 'eval_name', 'oracle_model_to_route_to'].includes(c));
  const byId = new Map<string, Record<string, string>[]>();
  for (const r of rows) byId.set(r.sample_id, [...(byId.get(r.sample_id) ?? []), r]);
  let n = 0;
  for (const group of byId.values()) {
    if (group.length < 2) continue;
    for (const m of models) {
      const scored = group.find((r) => r[m] !== '');
      if (!scored) continue;
      for (const r of group) {
        if (r[m] === '' && r[`${m}|total_cost`] !== '' && Number(r[`${m}|total_cost`]) !== Number(scored[`${m}|total_cost`])) n++;
      }
    }
  }
  return n;
}
const FILES = ['arc_challenge_test.csv', 'arc_challenge_train.csv', 'winograde_test.csv', 'winograde_train.csv'];

describe('real data: RouterBench ARC-Challenge and Winogrande rows', () => {
  for (const f of FILES) {
    const path = join(RB, f);
    const present = existsSync(path);
    if (!present) console.warn(`skipping ${f}: ${path} not found (shared reference data is absent)`);
    it.skipIf(!present)(`${f}: counts and per-model mean correctness and cost match the raw CSV`, async () => {
      const exp = expectedFromRaw(path);
      const warnings: string[] = [];
      const t = await loadTable(path, { warn: (m) => warnings.push(m) });
      expect(t.nModels).toBe(11);
      expect(new Set(t.models.map((m) => m.id))).toEqual(new Set(exp.models));
      expect(t.nQueries).toBe(exp.rows);
      for (const [mi, m] of t.models.entries()) {
        const got = modelMeans(t, mi);
        expect(got.acc).toBeCloseTo(exp.meanAcc.get(m.id)!, 12);
        expect(got.cost).toBeCloseTo(exp.meanCost.get(m.id)!, 12);
      }
      expect(t.tasks).toEqual([f.startsWith('arc') ? 'arc-challenge' : 'winogrande']);
      expect(t.queryText!.every((x) => x !== null && !x.startsWith("['"))).toBe(true);
      const conflicts = conflictingUnscoredCosts(path);
      if (f.startsWith('arc')) expect(conflicts).toBeGreaterThan(0);
      if (conflicts > 0) expect(warnings.join('\n')).toContain(`${path}: ${conflicts} value(s) (cost_usd: ${conflicts}) in rows without a score`);
      else expect(warnings.join('\n')).not.toMatch(/without a score/);
      if (f === 'arc_challenge_test.csv') {
        expect(t.nQueries).toBe(444);
        expect(warnings.join('\n')).toMatch(/1 row\(s\) repeat a query id/);
        expect(t.queryText![t.queryIds.indexOf('arc-challenge.test.1')]).toMatch(/^George wants to warm his hands quickly by rubbing them\.[^]*\nA\) dry palms\n/);
      }
    });
  }
});

describe('RouterBench columnar sources read only the columns the table uses', () => {
  it('Parquet and pickle: response and oracle columns are never fetched or read', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const { parquetSource } = await import('../../../src/data/formats/parquet.js');
    const { pickleSource } = await import('../../../src/data/formats/pandas-pickle.js');
    const { loadColumnar } = await import('../../../src/data/formats/columnar.js');
    const n = 5;
    const f = s.write(
      'rb-lazy.parquet',
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'sample_id', data: Array.from({ length: n }, (_, i) => `mmlu.${i}`), type: 'STRING' },
            { name: 'prompt', data: Array.from({ length: n }, (_, i) => `['prompt ${i}']`), type: 'STRING' },
            { name: 'eval_name', data: Array.from({ length: n }, () => 'mmlu'), type: 'STRING' },
            { name: 'm1', data: [1, 0, 1, 0, 1], type: 'DOUBLE' },
            { name: 'm1|model_response', data: Array.from({ length: n }, () => "['long answer']"), type: 'STRING' },
            { name: 'm1|total_cost', data: [0.1, 0.2, 0.3, 0.4, 0.5], type: 'DOUBLE' },
            { name: 'oracle_model_to_route_to', data: Array.from({ length: n }, () => 'm1'), type: 'STRING' },
          ],
        }),
      ),
    );
    const fixture = join(import.meta.dirname, '..', '..', 'fixtures', 'routerbench_small_pd2_p4.pkl');
    for (const src of [await parquetSource(f), pickleSource(fixture)]) {
      const touched = new Set<string>();
      const column = src.column.bind(src);
      const fetch = src.fetch?.bind(src);
      const spy = {
        ...src,
        column: (i: number) => (touched.add(src.columns[i]), column(i)),
        fetch: fetch && ((cols: number[]) => (cols.forEach((i) => touched.add(src.columns[i])), fetch(cols))),
      };
      const t = await loadColumnar(spy, { warn: () => {} });
      expect(t.nQueries).toBeGreaterThan(0);
      expect([...touched].filter((c) => /response|oracle/.test(c))).toEqual([]);
      expect(touched.has('sample_id')).toBe(true);
    }
  });
});

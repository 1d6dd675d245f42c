import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COEFFICIENTS } from '../../src/data/energy/coefficients.js';
import { attachEnergy } from '../../src/data/energy/attach.js';
import { loadTokenizer } from '../../src/data/energy/tokens.js';
import { loadTable } from '../../src/data/load.js';
import { makePoolTable } from '../../src/data/pool.js';
import { DataError } from '../../src/core/errors.js';
import { cli } from '../helpers/cli.js';
import { column, withColumns } from '../helpers/table.js';

/** ln e_out by hand for a dense bf16 model on H100 (no GPU or precision terms). */
function eOutH100(activeB: number, totalB: number, batch: number, precision = 0): number {
  const c = COEFFICIENTS;
  const lb = Math.log(batch);
  return Math.exp(c.c0 + c.cA * Math.log(activeB) + c.cR * Math.log(totalB / activeB) + c.cB * lb + c.cBB * lb * lb + precision);
}
const eInH100 = (activeB: number): number => (2 * activeB * 1e9 * 700) / (989e12 * 0.5);

const PROMPTS = ["['Which is heavier?\\nA) a feather\\nB) a brick\\nAnswer:']", "['Summarise: the cat sat on the mat.']", "['What is 2+2?']"];
const RESP: Record<string, string[]> = {
  'tiny-13B-chat': ["['B']", "['A cat sat on a mat.']", "['4']"],
  'mistralai/mixtral-8x7b-chat': ["['B) a brick\\n']", "['The cat sat.']", "['2+2 = 4']"],
  'secret-model': ["['B']", "['Cat, mat.']", "['four']"],
};

function routerbenchCsv(dir: string): string {
  const models = Object.keys(RESP);
  const q = (s: string): string => `"${s.replaceAll('"', '""')}"`;
  let s = ['sample_id', 'prompt', 'eval_name', ...models, ...models.map((m) => `${m}|model_response`), ...models.map((m) => `${m}|total_cost`)].join(',') + '\n';
  PROMPTS.forEach((p, i) => {
    s += [`t.${i}`, q(p), 'toy', ...models.map((_, m) => String((i + m) % 2)), ...models.map((m) => q(RESP[m][i])), ...models.map(() => '0.0001')].join(',') + '\n';
  });
  const f = join(dir, 'rb.csv');
  writeFileSync(f, s);
  return f;
}

describe('energy attach', () => {
  it('needs a size for every model, and writes nothing without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-attach-'));
    const src = routerbenchCsv(dir);
    const r = await cli(['energy', 'attach', src, '--gpu', 'H100', '--batch', '32', '--out', join(dir, 'out.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/greenserv: error: .*rb\.csv: model 'secret-model' has no known parameter count.*--models/);
    expect(readdirSync(dir)).toEqual(['rb.csv']);
  });

  it('attaches energy from counted tokens and round-trips through datasets validate (CSV, Parquet, Arrow, JSONL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-attach-'));
    const src = routerbenchCsv(dir);
    const sizes = join(dir, 'sizes.csv');
    writeFileSync(sizes, 'model,total_params_b,active_params_b,precision\nsecret-model,100,10,fp8\n');
    const out = join(dir, 'out.csv');
    const r = await cli(['energy', 'attach', src, '--gpu', 'H100', '--batch', '32', '--out', out, '--models', sizes]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/input 0 from the table, 9 counted; output 0 from the table, 9 counted \(cl100k\)/);
    const v = await cli(['datasets', 'validate', out, '--queries', join(dir, 'out.queries.csv'), '--models', join(dir, 'out.models.csv')]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/ok: .*3 queries × 3 models/);

    const t = withColumns(await loadTable(out, { queries: join(dir, 'out.queries.csv'), models: join(dir, 'out.models.csv') }), 'inputTokens', 'outputTokens');
    const tok = await loadTokenizer('cl100k');
    const strip = (s: string): string => s.slice(2, -2).replaceAll('\\n', '\n'); // the one-element Python lists above
    const size: Record<string, [number, number, number]> = {
      'tiny-13B-chat': [13, 13, 0],
      'mistralai/mixtral-8x7b-chat': [12.9, 46.7, 0],
      'secret-model': [10, 100, COEFFICIENTS.fp8],
    };
    for (let q = 0; q < 3; q++) {
      const tin = tok.count(strip(PROMPTS[q]));
      t.models.forEach((m, j) => {
        const i = q * t.nModels + j;
        const tout = tok.count(strip(RESP[m.id][q]));
        const [a, T, p] = size[m.id];
        expect(t.inputTokens[i]).toBe(tin);
        expect(t.outputTokens[i]).toBe(tout);
        expect(t.energyJ[i]).toBeCloseTo(tout * eOutH100(a, T, 32, p) + tin * eInH100(a), 9);
        expect(t.accuracy[i]).toBe((q + j) % 2);
      });
    }
    expect(t.models.find((m) => m.id === 'secret-model')!.paramsB).toBe(100);

    const pq = join(dir, 'out.parquet');
    expect((await cli(['energy', 'attach', src, '--gpu', 'H100', '--batch', '32', '--out', pq, '--models', sizes])).code).toBe(0);
    expect((await cli(['datasets', 'validate', pq])).code).toBe(0);
    const tp = await loadTable(pq);
    expect(Array.from(tp.energyJ)).toEqual(Array.from(t.energyJ));
    // Arrow and JSONL (long, with side files named by the command's hint) round-trip the same way
    for (const ext of ['arrow', 'jsonl']) {
      const f = join(dir, `out.${ext}`);
      const a = await cli(['energy', 'attach', src, '--gpu', 'H100', '--batch', '32', '--out', f, '--models', sizes]);
      expect(a.code, ext).toBe(0);
      const hint = /read it back with: --data \S+ (.*)$/m.exec(a.stdout)?.[1].split(' ') ?? [];
      const ok = await cli(['datasets', 'validate', f, ...hint]);
      expect(ok.code, `${ext}: ${ok.stderr}`).toBe(0);
      expect(ok.stdout).toMatch(/ok: .*3 queries × 3 models/);
      const opt = (k: string): string | undefined => (hint.includes(k) ? hint[hint.indexOf(k) + 1] : undefined);
      const back = await loadTable(f, { queries: opt('--queries'), models: opt('--models') });
      expect(Array.from(back.energyJ), ext).toEqual(Array.from(t.energyJ));
      expect(Array.from(column(back, 'outputTokens')), ext).toEqual(Array.from(column(t, 'outputTokens')));
    }

    // same input, same bytes
    const out2 = join(dir, 'again.csv');
    expect((await cli(['energy', 'attach', src, '--gpu', 'H100', '--batch', '32', '--out', out2, '--models', sizes])).code).toBe(0);
    expect(readFileSync(out2)).toEqual(readFileSync(out));

    // a table with energy: refused unless --overwrite; then its token columns are used, not text
    const again = ['energy', 'attach', out, '--queries', join(dir, 'out.queries.csv'), '--table-models', join(dir, 'out.models.csv'), '--gpu', 'b200', '--batch', '128'];
    const refused = await cli([...again, '--out', join(dir, 'b200.csv')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already has energy .*--overwrite/);
    expect(existsSync(join(dir, 'b200.csv'))).toBe(false);
    const ok = await cli([...again, '--out', join(dir, 'b200.csv'), '--overwrite']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/input 9 from the table, 0 counted; output 9 from the table, 0 counted/);
  });

  it('rejects bad options and a bad --models file with file, line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-attach-'));
    const src = routerbenchCsv(dir);
    const out = join(dir, 'out.csv');
    const base = ['energy', 'attach', src, '--out', out];
    const gpu = await cli([...base, '--gpu', 'TPU', '--batch', '8']);
    expect(gpu.code).toBe(2);
    expect(gpu.stderr).toMatch(/--gpu: 'TPU' is not one of H100, B200, A100/);
    const batch = await cli([...base, '--gpu', 'H100', '--batch', '0']);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toMatch(/--batch must be a number from 1 to 65536/);
    const nodir = await cli(['energy', 'attach', src, '--gpu', 'H100', '--batch', '8', '--out', join(dir, 'missing', 'x.csv')]);
    expect(nodir.code).toBe(2);
    expect(nodir.stderr).toMatch(/--out: directory '.*missing' not found/);
    const underFile = await cli(['energy', 'attach', src, '--gpu', 'H100', '--batch', '8', '--out', join(src, 'x.csv')]);
    expect(underFile.code).toBe(2);
    expect(underFile.stderr).toBe(`greenserv: error: --out: '${src}' is a file, not a directory\n`);
    const sizes = join(dir, 'sizes.csv');
    writeFileSync(sizes, 'model,total_params_b\nsecret-model,abc\n');
    const bad = await cli([...base, '--gpu', 'H100', '--batch', '8', '--models', sizes]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/sizes\.csv:2 \(column 'total_params_b'\): 'abc' is not a parameter count/);
    writeFileSync(sizes, 'model,total_params_b,active_params_b\nsecret-model,10,20\n');
    const moe = await cli([...base, '--gpu', 'H100', '--batch', '8', '--models', sizes]);
    expect(moe.code).toBe(2);
    expect(moe.stderr).toMatch(/sizes\.csv:2 \(column 'active_params_b'\): active parameters 20 exceed total 10/);
    expect(readdirSync(dir).sort()).toEqual(['rb.csv', 'sizes.csv']);
  });
});

describe('energy attach on a source without response text (RouterBench pickle)', () => {
  it('needs --assume-output-tokens, then uses it for every cell and counts the prompts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-attach-'));
    const pkl = resolve(__dirname, '../fixtures/routerbench_small_pd2_p4.pkl');
    const out = join(dir, 'p.csv');
    const no = await cli(['energy', 'attach', pkl, '--gpu', 'H100', '--batch', '8', '--out', out]);
    expect(no.code).toBe(2);
    expect(no.stderr).toMatch(/no output_tokens and no response text to count \(--assume-output-tokens sets a value\)/);
    expect(readdirSync(dir)).toEqual([]);
    const bad = await cli(['energy', 'attach', pkl, '--gpu', 'H100', '--batch', '8', '--out', out, '--assume-output-tokens', '-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--assume-output-tokens must be from 0/);
    const ok = await cli(['energy', 'attach', pkl, '--gpu', 'H100', '--batch', '8', '--out', out, '--assume-output-tokens', '5']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/output 0 from the table, 0 counted, 11 assumed/);
    const t = withColumns(await loadTable(out, { queries: join(dir, 'p.queries.csv'), models: join(dir, 'p.models.csv') }), 'inputTokens', 'outputTokens');
    const tok = await loadTokenizer('cl100k');
    for (let i = 0; i < t.present.length; i++) {
      if (!t.present[i]) continue;
      const q = Math.floor(i / t.nModels);
      expect(t.outputTokens[i]).toBe(5);
      expect(t.inputTokens[i]).toBe(tok.count(t.queryText![q]!));
    }
  });
});

describe('attachEnergy', () => {
  it('uses token columns, leaves missing cells missing, and scales with the A100 factor', () => {
    const acc = new Float64Array([1, 0, 1, Number.NaN]);
    const t = makePoolTable({
      name: 'toy',
      queryIds: ['a', 'b'],
      queryTasks: ['x', 'x'],
      models: [
        { id: 'm7', name: 'm7', paramsB: 7 },
        { id: 'm70', name: 'm70', paramsB: 70 },
      ],
      accuracy: acc,
      inputTokens: new Float64Array([100, 100, 50, 50]),
      outputTokens: new Float64Array([10, 20, 5, Number.NaN]),
    });
    const h = attachEnergy(t, { gpu: 'H100', batch: 32 });
    expect(h.table.energyJ[0]).toBeCloseTo(10 * eOutH100(7, 7, 32) + 100 * eInH100(7), 12);
    expect(h.table.energyJ[1]).toBeCloseTo(20 * eOutH100(70, 70, 32) + 100 * eInH100(70), 12);
    expect(Number.isNaN(h.table.energyJ[3])).toBe(true);
    expect(h.models[0].totalJ).toBeCloseTo(h.table.energyJ[0] + h.table.energyJ[2], 9);
    expect(h.models[0].lowJ).toBeLessThan(h.models[0].totalJ);
    expect(h.models[0].highJ).toBeGreaterThan(h.models[0].totalJ);
    // the input table is not changed
    expect(Number.isNaN(t.energyJ[0])).toBe(true);
    const a = attachEnergy(t, { gpu: 'A100', batch: 32 });
    const decodeA = a.table.energyJ[0] - 100 * ((2 * 7e9 * 400) / (312e12 * 0.5));
    expect(decodeA / (10 * eOutH100(7, 7, 32))).toBeCloseTo(Math.exp(COEFFICIENTS.a100), 9);
    expect(attachEnergy(t, { gpu: 'H100', batch: 2 }).warnings[0]).toMatch(/outside the fitted range/);
  });

  it('re-attaching an attached table prices a known mixture-of-experts model as before, not as dense', () => {
    const t = makePoolTable({
      name: 'toy',
      queryIds: ['a'],
      queryTasks: ['x'],
      models: [{ id: 'mistralai/mixtral-8x7b-chat', name: 'mixtral', paramsB: Number.NaN }],
      accuracy: new Float64Array([1]),
      inputTokens: new Float64Array([100]),
      outputTokens: new Float64Array([10]),
    });
    const first = attachEnergy(t, { gpu: 'H100', batch: 32 });
    expect(first.table.energyJ[0]).toBeCloseTo(10 * eOutH100(12.9, 46.7, 32) + 100 * eInH100(12.9), 12);
    // the attached table records the total (46.7 B) as its parameter count
    expect(first.table.models[0].paramsB).toBe(46.7);
    const again = attachEnergy(first.table, { gpu: 'H100', batch: 32, overwrite: true });
    expect(again.models[0].size.activeB).toBe(12.9);
    expect(again.table.energyJ[0]).toBe(first.table.energyJ[0]);
    // a table's own count that differs from the default's total is the table's (a dense model of that size)
    const other = attachEnergy({ ...t, models: [{ ...t.models[0], paramsB: 40 }] }, { gpu: 'H100', batch: 32 });
    expect(other.models[0].size).toMatchObject({ totalB: 40, activeB: 40, source: 'table' });
  });

  it('names the query without tokens or text', () => {
    const t = makePoolTable({ name: 'toy', queryIds: ['q1'], queryTasks: ['x'], models: [{ id: 'm', name: 'm', paramsB: 7 }], accuracy: new Float64Array([1]) });
    expect(() => attachEnergy(t, { gpu: 'H100', batch: 8, source: 'toy.csv' })).toThrow(DataError);
    expect(() => attachEnergy(t, { gpu: 'H100', batch: 8, source: 'toy.csv' })).toThrow(/toy\.csv: query 'q1' has neither input_tokens nor prompt text/);
  });
});

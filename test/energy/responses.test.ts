import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { energyCostTable } from '../../src/app/energy.js';
import { loadSources } from '../../src/data/combine.js';
import { applyEnergyModel } from '../../src/data/energy/flag.js';
import { loadTable } from '../../src/data/load.js';

// cl100k counts by hand: 'hello' + ' hello'×k is k + 1 tokens; 'Pick one' 2; 'A' 1.
const SIX = 'hello hello hello hello hello hello';
const THREE = 'hello hello hello';
const HEAD = 'sample_id,prompt,eval_name,m-7B,m-70B,m-7B|model_response,m-70B|model_response,m-7B|total_cost,m-70B|total_cost\n';
const row = (id: string, prompt: string, a7: string, a70: string): string => `${id},"['${prompt}']",fam,${a7},${a70},"['A']","['A']",0.0001,0.0001\n`;

// Independent reference (the documented formula, docs/energy-model.md "The model", in numpy with the
// coefficients refitted by ordinary least squares from the ML.ENERGY file): H100, batch 32, dense bf16.
const E_OUT_7 = 0.17493251008373223;
const E_IN_7 = 0.019817997977755308; // 2·7e9·700 / (989e12·0.5)
const E_OUT_70 = 1.3067747225334472;
const E_IN_70 = 0.19817997977755308;

const cell = (t: { queryIds: string[]; models: { id: string }[] }, q: string, m: string): number => t.queryIds.indexOf(q) * t.models.length + t.models.findIndex((x) => x.id === m);

describe('prompt tokens of repeated query ids', () => {
  it('a cell whose score is in a later row with another prompt is priced on that row’s prompt, as its other metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-resp-'));
    const f = join(dir, 'rb.csv');
    // q.1 twice: m-70B scored in the first row (six-token prompt), m-7B in the second (three-token prompt)
    writeFileSync(f, HEAD + row('q.1', SIX, '', '1') + row('q.1', THREE, '0', '') + row('q.2', 'Pick one', '1', '0'));
    const t = await loadTable(f, { warn: () => {} });
    const r = await applyEnergyModel(t, { gpu: 'H100', batch: 32, tokenizer: 'cl100k' }, f);
    const tt = r.table;
    const i7 = cell(tt, 'q.1', 'm-7B');
    const i70 = cell(tt, 'q.1', 'm-70B');
    expect([tt.inputTokens![i7], tt.outputTokens![i7]]).toEqual([3, 1]);
    expect([tt.inputTokens![i70], tt.outputTokens![i70]]).toEqual([6, 1]);
    expect(tt.inputTokens![cell(tt, 'q.2', 'm-7B')]).toBe(2);
    expect(tt.energyJ[i7]).toBeCloseTo(E_OUT_7 + 3 * E_IN_7, 12);
    expect(tt.energyJ[i70]).toBeCloseTo(E_OUT_70 + 6 * E_IN_70, 12);
    expect(r.tokens).toMatchObject({ inputFromTable: 0, inputCounted: 4, outputCounted: 4 });
  });

  it('across files the file holding the score gives the prompt (evaluate --cost energy on a directory)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-resp-'));
    // a.csv is read first: q.1 scored there for m-70B only; b.csv scores m-7B on a shorter prompt
    writeFileSync(join(dir, 'a.csv'), HEAD + row('q.1', SIX, '', '1') + row('q.2', 'Pick one', '1', '0'));
    writeFileSync(join(dir, 'b.csv'), HEAD + row('q.1', THREE, '1', ''));
    const { table, files } = await loadSources([dir], (file) => loadTable(file, { warn: () => {} }), { what: 'RouterBench data', warn: () => {} });
    const { table: tt } = await energyCostTable(table, files, { gpu: 'H100', batch: 32, tokenizer: 'cl100k' });
    const i7 = cell(tt, 'q.1', 'm-7B');
    expect(tt.inputTokens![i7]).toBe(3);
    expect(tt.inputTokens![cell(tt, 'q.1', 'm-70B')]).toBe(6);
    expect(tt.costUsd![i7]).toBeCloseTo(E_OUT_7 + 3 * E_IN_7, 12);
  });
});

import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UsageError } from '../../../src/core/errors.js';
import { scratch, SHARED } from './helpers.js';
import { datasetsInProcess } from '../../helpers/cli.js';
import { outputFormatOf } from '../../../src/data/formats/write.js';

const s = scratch();

const run = datasetsInProcess;

const PAIRS = 'query_id,model_id,accuracy,energy_j,input_tokens,output_tokens,task\nq1,a,1,10,100,1,mmlu\nq1,b,0,2,100,1,mmlu\nq2,a,1,30,50,50,gsm8k\n';

describe('greenserv datasets', () => {
  it('list shows the built-in dataset (text and JSON)', async () => {
    const { out } = await run('list');
    expect(out).toMatch(/greenserv-pool/);
    const j = JSON.parse((await run('list', '--json')).out);
    expect(Object.keys(j)[0]).toBe('schemaVersion');
    expect(j.schemaVersion).toBe(1);
    expect(j.builtin[0].name).toBe('greenserv-pool');
    expect(Array.isArray(j.cache.files)).toBe(true);
  });

  it('info reports queries, models, tasks, coverage and per-task means', async () => {
    const f = s.write('pairs.csv', PAIRS);
    const j = JSON.parse((await run('info', f, '--json')).out);
    expect(j.schemaVersion).toBe(1);
    expect(j.format).toBe('csv');
    expect(j.queries).toBe(2);
    expect(j.models).toBe(2);
    expect(j.tasks.map((t: { name: string }) => t.name)).toEqual(['mmlu', 'gsm8k']);
    expect(j.coverage).toEqual({ present: 3, cells: 4, fraction: 0.75 });
    const a = j.modelStats[0];
    expect(a.id).toBe('a');
    expect(a.byTask.mmlu.accuracy).toBe(1);
    expect(a.byTask.gsm8k.energyJ).toBe(30);
    expect(a.byTask.gsm8k.energyPerToken).toBe(0.3);
    expect(j.modelStats[1].coverage).toBe(0.5);
    const text = (await run('info', f)).out;
    expect(text).toMatch(/coverage\s+3 of 4 cells \(75\.0%\)/);
    // was "(1 queries"
    expect(text).toMatch(/task gsm8k \(1 query[,)]/);
    expect(text).toMatch(/task mmlu \(1 query[,)]/);
  });

  it('info on the built-in pool', async () => {
    const { out } = await run('info', 'greenserv-pool');
    expect(out).toMatch(/queries\s+2500/);
    expect(out).toMatch(/models\s+16/);
  });

  it('validate: ok (exit 0) or a DataError (exit 2 in the program)', async () => {
    const ok = await run('validate', s.write('ok.csv', PAIRS));
    expect(ok.out).toMatch(/^ok: .*2 queries × 2 models, 2 tasks, coverage 75\.0%/);
    const bad = s.write('bad.csv', PAIRS.replace('q2,a,1,30', 'q2,a,7,30'));
    await expect(run('validate', bad)).rejects.toBeInstanceOf(DataError);
    await expect(run('validate', bad)).rejects.toThrow(/bad\.csv:4 \(column 'accuracy'\)/);
  });

  it('validate prints warnings to stderr', async () => {
    const { err } = await run('validate', s.write('dup.csv', PAIRS + 'q1,a,1,10,100,1,mmlu\n'));
    expect(err).toMatch(/greenserv: warning: .*1 exact duplicate row/);
  });

  it('convert writes Arrow/Parquet/CSV atomically and the result validates', async () => {
    const src = s.write('src.csv', PAIRS);
    for (const dst of ['out.arrow', 'out.parquet', 'out.jsonl']) {
      const p = join(s.dir, dst);
      const { out } = await run('convert', src, p);
      expect(out).toContain(`wrote ${p}`);
      expect((await run('validate', p)).out).toMatch(/^ok: /);
    }
    const a = JSON.parse((await run('info', src, '--json')).out).sha256;
    const b = JSON.parse((await run('info', join(s.dir, 'out.parquet'), '--json')).out).sha256;
    expect(b).toBe(a);
  });

  it('convert prints the side files needed to read a long CSV back', async () => {
    const { out } = await run('convert', 'greenserv-pool', join(s.dir, 'pool.csv'));
    expect(out).toMatch(/read it back with: --data .*pool\.csv --queries .*pool\.queries\.csv --models .*pool\.models\.csv --bounds .*pool\.bounds\.csv/);
  });

  it('convert writes nothing on error', async () => {
    const before = readdirSync(s.dir).sort();
    await expect(run('convert', s.write('broken.csv', 'query_id,model_id,accuracy\na,m,x\n'), join(s.dir, 'never.parquet'))).rejects.toBeInstanceOf(DataError);
    await expect(run('convert', s.write('fine.csv', PAIRS), join(s.dir, 'never.xlsx'))).rejects.toBeInstanceOf(UsageError);
    const after = readdirSync(s.dir).sort();
    expect(after.filter((f) => !before.includes(f))).toEqual(['broken.csv', 'fine.csv']);
  });

  it('convert names an unknown output extension before a clash with an existing file of the same stem', async () => {
    // the built-in pool converts to long TSV with side files (stem.queries.tsv, …)
    const src = 'greenserv-pool';
    await run('convert', src, join(s.dir, 'stem.tsv'));
    expect(existsSync(join(s.dir, 'stem.queries.tsv'))).toBe(true);
    const before = readdirSync(s.dir).sort();
    const e = await run('convert', src, join(s.dir, 'stem.xyz')).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toContain(`cannot tell the output format from '${join(s.dir, 'stem.xyz')}'`);
    expect((e as Error).message).not.toMatch(/destination exists/);
    expect(readdirSync(s.dir).sort()).toEqual(before);
    // a known extension still meets the clash
    await expect(run('convert', src, join(s.dir, 'stem.csv'))).rejects.toThrow(/destination exists: .*stem\.queries\.tsv/);
  });

  it('unknown --format is a UsageError', async () => {
    await expect(run('info', s.write('x.csv', PAIRS), '--format', 'xls')).rejects.toBeInstanceOf(UsageError);
  });

  const rb = join(SHARED, 'routerbench', 'arc_challenge_test.csv');
  const have = existsSync(rb);
  if (!have) console.warn(`skipping RouterBench info test: ${rb} not found (shared reference data is absent)`);
  it.skipIf(!have)('info on a real RouterBench file shows cost and no energy', async () => {
    const { out, err } = await run('info', rb);
    expect(out).toMatch(/metrics\s+accuracy, cost_usd/);
    expect(out).toMatch(/gpt-4-1106-preview/);
    expect(err).toMatch(/repeat a query id/);
  });
});

describe('output format of a destination', () => {
  it('names the whole destination path and the --to option', () => {
    expect(() => outputFormatOf('/dev/null')).toThrow("cannot tell the output format from '/dev/null'");
    expect(() => outputFormatOf('t.csv', 'xyz')).toThrow(/^--to: cannot write format 'xyz'/);
  });
});

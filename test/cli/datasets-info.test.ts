import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/core/errors.js';
import { datasetsInProcess } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-dsinfo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = datasetsInProcess;

const HEAD = 'query_id,model_id,accuracy,energy_j,input_tokens,output_tokens,task\n';
const A = HEAD + 'q3,a,1,10,100,1,mmlu\nq3,b,0,2,100,1,mmlu\nq1,a,1,30,50,50,gsm8k\n';
const B = HEAD + 'q2,a,0,12,100,1,mmlu\nq2,b,1,4,100,1,mmlu\n';

describe('greenserv datasets info with several sources', () => {
  it('combines files named in any order and a directory of them; non-tables in the directory are skipped with a note', async () => {
    const d = join(tmp, 'parts');
    mkdirSync(d);
    writeFileSync(join(d, 'a.csv'), A);
    writeFileSync(join(d, 'b.csv'), B);
    writeFileSync(join(d, 'notes.csv'), 'model,comment\nx,hello\n');
    // a reason that names a column keeps it after the line, as a file's own error would
    writeFileSync(join(d, 'other.csv'), 'query_id,comment\nq1,hello\n');
    const ab = JSON.parse((await run('info', join(d, 'a.csv'), join(d, 'b.csv'), '--json')).out);
    const ba = JSON.parse((await run('info', join(d, 'b.csv'), join(d, 'a.csv'), '--json')).out);
    expect(ba).toEqual(ab);
    expect(ab).toMatchObject({ format: 'combined', name: 'a.csv + b.csv', queries: 3, models: 2, files: [join(d, 'a.csv'), join(d, 'b.csv')] });
    expect(ab.coverage).toEqual({ present: 5, cells: 6, fraction: 5 / 6 });
    // mean mmlu accuracy of model a over q3 (1) and q2 (0)
    expect(ab.modelStats[0].byTask.mmlu.accuracy).toBe(0.5);

    const dir = await run('info', d, '--json');
    const j = JSON.parse(dir.out);
    expect(j.sha256).toBe(ab.sha256);
    expect(j.warnings).toEqual([
      expect.stringMatching(/^skipping .*notes\.csv: line 1: /),
      expect.stringMatching(/^skipping .*other\.csv: line 1 \(column 'model_id'\): missing required column 'model_id'/),
    ]);
    const text = await run('info', d);
    expect(text.out).toMatch(/^dataset {4}parts \(a\.csv \+ b\.csv\) \(combined\)\nsource {5}.*parts\nqueries {4}3\n/);
    expect(text.err).toMatch(/greenserv: warning: skipping .*notes\.csv/);
  });

  it('a directory file that cannot be decoded (corrupt Parquet, truncated gzip) is an error, not a skip', async () => {
    const d = join(tmp, 'damaged');
    mkdirSync(d);
    writeFileSync(join(d, 'a.csv'), A);
    writeFileSync(join(d, 'b.parquet'), 'PAR1garbagePAR1');
    await expect(run('info', d)).rejects.toThrow(/b\.parquet: not a readable Parquet file/);
    rmSync(join(d, 'b.parquet'));
    // the first 20 bytes of a gzip member: the header and the start of the deflate stream
    writeFileSync(join(d, 'c.csv.gz'), gzipSync(Buffer.from(B)).subarray(0, 20));
    await expect(run('info', d)).rejects.toThrow(/c\.csv\.gz: truncated gzip data/);
  });

  it('one file is read as before; a bad or missing file among several is an error naming it', async () => {
    const f = join(tmp, 'one.csv');
    writeFileSync(f, A);
    const one = JSON.parse((await run('info', f, '--json')).out);
    expect(one).toMatchObject({ source: f, format: 'csv', queries: 2 });
    expect(one.files).toBeUndefined();
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, HEAD + 'q9,a,1.5,1,1,1,mmlu\n');
    await expect(run('info', f, bad)).rejects.toThrow(DataError);
    await expect(run('info', f, bad)).rejects.toThrow(/bad\.csv:2.*accuracy/);
    await expect(run('info', f, join(tmp, 'absent.csv'))).rejects.toThrow(/absent\.csv/);
    await expect(run('info', f, 'greenserv-pool')).rejects.toThrow(UsageError);
  });
});

/** `datasets …` in this process with the text fitted to `width` columns, as on a terminal that wide. */
async function runAt(width: number, ...args: string[]): Promise<string> {
  const [{ Command }, { registerDatasetsCommand }] = await Promise.all([import('commander'), import('../../src/cli/datasets.js')]);
  let out = '';
  const program = new Command().exitOverride();
  registerDatasetsCommand(program, { out: (x) => (out += x), err: () => {}, width });
  await program.parseAsync(['node', 'greenserv', 'datasets', ...args]);
  return out;
}

describe('greenserv datasets info and list on a terminal', () => {
  const widest = (s: string): number => Math.max(...s.split('\n').map((l) => l.length));

  it('fit 80 columns: long lines break between items, under themselves; piped output is not broken', async () => {
    const piped = (await run('info', 'greenserv-pool')).out;
    expect(widest(piped)).toBeGreaterThan(79);
    const tty = await runAt(79, 'info', 'greenserv-pool');
    expect(widest(tty)).toBeLessThanOrEqual(79);
    // the task list breaks after a comma, never inside 'name (count)'
    expect(tty).toMatch(/^tasks {6}mmlu \(500\), gsm8k \(500\), hellaswag \(500\), winogrande \(500\),\n {11}cnn_dailymail \(500\)\n/m);
    // the same text, only broken
    expect(tty.replace(/,\n {11}/g, ', ')).toBe(piped);

    const list = await runAt(79, 'list');
    expect(widest(list)).toBeLessThanOrEqual(79);
    expect(list).toMatch(/^ {2}greenserv-pool {9}calibrated replica .*×\n {25}2,500-query pool \(not measurements\)\n/m);
    expect(widest((await run('list')).out)).toBeGreaterThan(79);
  });

  it('list: cached sizes line up after the URIs; a URI too long for the terminal has its size on the next line', async () => {
    const cache = join(tmp, 'cache');
    const file = (rel: string, bytes: number): void => {
      mkdirSync(join(cache, 'hf', 'datasets', rel, '..'), { recursive: true });
      writeFileSync(join(cache, 'hf', 'datasets', rel), Buffer.alloc(bytes));
    };
    file('org/ds/main/t.csv', 2048);
    file('some-organisation/a-dataset-with-a-long-name/main/data/train-00000-of-00001.parquet', 3 * 1024 * 1024);
    const before = process.env.GREENSERV_CACHE;
    process.env.GREENSERV_CACHE = cache;
    try {
      const piped = (await run('list')).out;
      expect(piped).toContain(`  ${'hf://org/ds/t.csv'.padEnd(60)} 2.0 KiB\n`);
      expect(piped).toContain('  hf://some-organisation/a-dataset-with-a-long-name/data/train-00000-of-00001.parquet 3.0 MiB\n');
      const tty = await runAt(79, 'list');
      expect(tty).toContain(`  ${'hf://org/ds/t.csv'.padEnd(60)} 2.0 KiB\n`);
      expect(tty).toContain(`  hf://some-organisation/a-dataset-with-a-long-name/data/train-00000-of-00001.parquet\n${' '.repeat(63)}3.0 MiB\n`);
    } finally {
      if (before === undefined) delete process.env.GREENSERV_CACHE;
      else process.env.GREENSERV_CACHE = before;
    }
  });

  it('a table too wide for the terminal gives up its count and derived columns first, never the model or its accuracy', async () => {
    const f = join(tmp, 'wide.csv');
    const long = ['an-organisation/model-a-70b-instruct', 'an-organisation/model-b-8b-instructs'];
    const rows = long.flatMap((m, k) => [`q1,${m},${k},1000.5,100,20,0.00123,12.345,mmlu`, `q2,${m},1,2000.25,100,30,0.00456,1.5,gsm8k`]);
    writeFileSync(f, 'query_id,model_id,accuracy,energy_j,input_tokens,output_tokens,cost_usd,latency_s,task\n' + rows.join('\n') + '\n');
    const piped = (await run('info', f)).out;
    expect(piped).toMatch(/^ {2}model +coverage +n +accuracy +energy_j +J\/token +cost_usd +latency_s$/m);
    const tty = await runAt(79, 'info', f);
    expect(widest(tty)).toBeLessThanOrEqual(79);
    expect(tty).toMatch(/^ {2}model +coverage +accuracy +energy_j +cost_usd$/m);
    // the per-task tables have no coverage column: they keep latency
    expect(tty).toMatch(/^ {2}model +accuracy +energy_j +cost_usd +latency_s$/m);
    expect(tty).toMatch(/^ {2}an-organisation\/model-a-70b-instruct +100\.0% +0\.5000 +1500\.38 +0\.002895$/m);
    const narrow = await runAt(60, 'info', f);
    // all but the sha256 and the file's path, which are never broken (they are copied whole)
    expect(widest(narrow.replace(/^(sha256|source) .*$/gm, ''))).toBeLessThanOrEqual(60);
    expect(narrow.match(/^ {2}model +accuracy +energy_j$/gm)).toHaveLength(3);
  });
});

describe('--format with the built-in dataset', () => {
  it('a bad name is refused as with a file, naming the valid values; a good one as not applying to a built-in', async () => {
    for (const cmd of ['info', 'validate']) {
      await expect(run(cmd, 'greenserv-pool', '--format', 'bogus')).rejects.toThrow(UsageError);
      await expect(run(cmd, 'greenserv-pool', '--format', 'bogus')).rejects.toThrow(/^unknown --format 'bogus' \(expected one of: csv, long, .*, parquet, /);
      await expect(run(cmd, 'greenserv-pool', '--format', 'csv')).rejects.toThrow("--format applies to files; the built-in dataset 'greenserv-pool' has no file format (drop --format)");
    }
    const f = join(tmp, 'fmt.csv');
    writeFileSync(f, A);
    await expect(run('info', f, '--format', 'bogus')).rejects.toThrow(/^unknown --format 'bogus' \(expected one of: csv, /);
    expect(JSON.parse((await run('info', f, '--format', 'CSV', '--json')).out)).toMatchObject({ format: 'csv', queries: 2 });
  });
});

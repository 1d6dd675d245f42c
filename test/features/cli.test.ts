import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/core/errors.js';
import { registerFeaturesCommand } from '../../src/cli/features.js';
import { syntheticPrompts } from '../../bench/features.js';
import { HAVE_PROMPTS, PROMPTS_DIR, warnIfNoPrompts } from './helpers.js';

warnIfNoPrompts('the features command on the real prompt files');

const dir = mkdtempSync(join(tmpdir(), 'greenserv-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ out: string; err: string }> {
  const program = new Command();
  program.exitOverride();
  let out = '';
  let err = '';
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerFeaturesCommand(program, { out: (s) => (out += s), err: (s) => (err += s) });
  await program.parseAsync(args, { from: 'user' });
  return { out, err };
}

/** run() on a terminal `width` columns wide. */
async function runAt(width: number, args: string[]): Promise<{ out: string; err: string }> {
  const program = new Command();
  program.exitOverride();
  let out = '';
  let err = '';
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerFeaturesCommand(program, { out: (s) => (out += s), err: (s) => (err += s), width });
  await program.parseAsync(args, { from: 'user' });
  return { out, err };
}

function csvQuote(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

const labelled = join(dir, 'labelled.csv');
const queries = join(dir, 'queries.csv');
const prompts = syntheticPrompts(50, 9);
writeFileSync(labelled, 'query_id,text,task\n' + prompts.map((p, i) => `l${i},${csvQuote(p.text)},${p.task}`).join('\n') + '\n');
writeFileSync(queries, 'query_id,text\n' + prompts.slice(0, 10).map((p, i) => `q${i},${csvQuote(p.text)}`).join('\n') + '\n');

const model = join(dir, 'model.json');
const trainArgs = ['features', 'train-task', labelled, '--out', model, '--holdout', '0.2', '--seed', '4'];
let piped: Promise<{ out: string; err: string }> | undefined;
/** `train-task --holdout` piped, run once for the tests that read its output. */
const trainedPiped = (): Promise<{ out: string; err: string }> => (piped ??= run(trainArgs));

describe('greenserv features', () => {
  it('prints CSV by default and a JSON array with --json', async () => {
    const csv = await run(['features', queries]);
    const rows = parse(csv.out, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual(['query_id', 'task', 'cluster', 'flesch', 'complexity', 'complexity_bin']);
    expect(rows).toHaveLength(10);
    expect(rows[0].task).toBe('unknown');
    const doc = JSON.parse((await run(['features', queries, '--json', '--k', '2', '--binning', 'equal-width'])).out);
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'queries']);
    expect(doc.schemaVersion).toBe(1);
    const json = doc.queries;
    expect(json).toHaveLength(10);
    expect(json.map((r: { query_id: string }) => r.query_id)).toEqual(rows.map((r) => r.query_id));
    expect(Object.keys(json[0])).toEqual(['query_id', 'task', 'cluster', 'flesch', 'complexityBin']);
    for (const r of json) {
      expect([0, 1]).toContain(r.cluster);
      expect([0, 1, 2]).toContain(r.complexityBin);
      expect(typeof r.flesch).toBe('number');
    }
  });

  it('trains a task model and uses it for queries without a task', async () => {
    const t = await trainedPiped();
    expect(t.out).toMatch(/trained on 40 prompts, 5 labels/);
    expect(t.out).toMatch(/held-out accuracy: \d+\.\d\d% on 10 prompts/);
    expect(t.out).toMatch(/true \\ predicted/);
    const doc = JSON.parse(readFileSync(model, 'utf8'));
    expect(doc.format).toBe('greenserv-task-model');
    expect(doc.features.input).toBe('content');
    expect(doc.training.augment).toBe(2);
    const json = JSON.parse((await run(['features', queries, '--json', '--task-model', model])).out).queries;
    // the synthetic bodies are random words shared by all tasks, and a content model ignores instruction
    // lines, so only the predicted labels are checked here (accuracy: taskContent.e2e.test.ts)
    json.forEach((r: { task: string }) => expect(doc.labels).toContain(r.task));
  });

  it('writes --out atomically, leaving no temporary file', async () => {
    // a path below a regular file cannot be created
    // the atomic write's own error (a UsageError, as for every other --out), not wrapped again
    const bad = run(['features', queries, '--out', join(queries, 'features.csv')]);
    await expect(bad).rejects.toThrow(UsageError);
    await expect(bad).rejects.toThrow(/^cannot write '.*features\.csv': '.*queries\.csv' is a file, not a directory$/);
    const ok = join(dir, 'sub', 'features.csv');
    const r = await run(['features', queries, '--out', ok]);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/10 queries written/);
    expect(parse(readFileSync(ok), { columns: true })).toHaveLength(10);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['features.csv']);
  });

  it('says "1 query" for a file of one query', async () => {
    const one = join(dir, 'one.csv');
    writeFileSync(one, 'query_id,text,task\nq1,"What is the capital of France?",mmlu\n');
    // was "features: 1 queries written to …"
    expect((await run(['features', one, '--out', join(dir, 'one-features.csv')])).err).toBe(`features: 1 query written to ${join(dir, 'one-features.csv')}\n`);
  });

  it('an --out that is the command\'s own input is refused, and the input is left as it was', async () => {
    const before = readFileSync(queries, 'utf8');
    await expect(run(['features', queries, '--out', queries])).rejects.toThrow(/--out .*queries\.csv: it is the input file .*queries\.csv; refusing to overwrite it/);
    await expect(run(['features', 'train-task', labelled, '--out', labelled])).rejects.toThrow(UsageError);
    expect(readFileSync(queries, 'utf8')).toBe(before);
    expect(readFileSync(labelled, 'utf8').startsWith('query_id,text,task\n')).toBe(true);
  });

  it('reports bad arguments as UsageError and bad files as DataError', async () => {
    await expect(run(['features', queries, '--k', '0'])).rejects.toThrow(UsageError);
    await expect(run(['features', queries, '--k', 'three'])).rejects.toThrow(UsageError);
    await expect(run(['features', queries, '--binning', 'quantile'])).rejects.toThrow(UsageError);
    await expect(run(['features', queries, '--seed', '-3'])).rejects.toThrow(UsageError);
    await expect(run(['features', queries, '--cluster-init', 'random'])).rejects.toThrow(UsageError);
    await expect(run(['features', join(dir, 'nope.csv')])).rejects.toThrow(DataError);
    const badModel = join(dir, 'bad-model.json');
    writeFileSync(badModel, '{"format": "something else"}');
    await expect(run(['features', queries, '--task-model', badModel])).rejects.toThrow(/bad-model\.json: not a task model/);
    await expect(run(['features', 'train-task', labelled])).rejects.toThrow(UsageError);
    await expect(run(['features', 'train-task', queries, '--out', join(dir, 'm2.json')])).rejects.toThrow(/missing task label/);
    await expect(run(['features', 'train-task', labelled, '--out', join(dir, 'm3.json'), '--holdout', '2'])).rejects.toThrow(UsageError);
    expect(existsSync(join(dir, 'm3.json'))).toBe(false);
  });

  it('warns about invalid UTF-8 on stderr and still computes features', async () => {
    const p = join(dir, 'latin1.csv');
    writeFileSync(p, Buffer.concat([Buffer.from('query_id,text\na,caf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]));
    const r = await run(['features', p, '--json']);
    expect(r.err).toMatch(/^greenserv: warning: \S*latin1\.csv:2: invalid UTF-8/m);
    expect(JSON.parse(r.out).queries[0].flesch).toEqual(expect.any(Number));
  });

  it.skipIf(!HAVE_PROMPTS)('prints per-query features for a real prompt file', async () => {
    const r = await run(['features', join(PROMPTS_DIR, 'mmlu.csv'), '--json']);
    const rows = JSON.parse(r.out).queries;
    expect(rows).toHaveLength(500);
    expect(rows[0]).toMatchObject({ query_id: 'mmlu_1', task: 'mmlu' });
  });

  it('train-task --holdout on a 59-column terminal: the confusion matrix narrows its columns to fit; piped, 10 wide', async () => {
    const pipedRest = (await trainedPiped()).out.split(/\n(?=held-out)/)[1];
    const labels: string[] = JSON.parse(readFileSync(model, 'utf8')).labels;
    const ttyRest = (await runAt(59, trainArgs.map((a) => (a === model ? join(dir, 'narrow-model.json') : a)))).out.split(/\n(?=held-out)/)[1];
    const w = Math.max(6, ...labels.map((l) => l.length));
    // the widest columns c with w + ' | ' + n·c + (n − 1) gaps ≤ 59
    let c = 10;
    while (w + 3 + labels.length * c + labels.length - 1 > 59) c--;
    expect(c).toBeLessThan(10);
    const head = (k: number): string => `${' '.repeat(w)} | ${labels.map((l) => l.slice(0, k).padStart(k)).join(' ')}`;
    expect(pipedRest.split('\n')[2]).toBe(head(10));
    expect(ttyRest.split('\n')[2]).toBe(head(c));
    for (const line of ttyRest.split('\n')) expect(line.length, line).toBeLessThanOrEqual(59);
    // the same counts in every row
    const counts = (t: string): string[][] => t.split('\n').slice(3, 3 + labels.length).map((r) => r.split(/\s+/));
    expect(counts(ttyRest)).toEqual(counts(pipedRest));
  });
});

/**
 * `evaluate --shard i/n` and merge: the (λ, policy) cells of a RouterBench sweep, run in shards and merged,
 * give the unsharded evaluation's results directory byte for byte; the CLI flag writes a shard directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { userErrorText } from '../../src/cli/errors.js';
import { evaluateRouterbench, writeEvaluateResults, type EvaluateRequest } from '../../src/app/evaluate.js';
import { evaluateShard } from '../../src/app/evaluateShard.js';
import { mergeAny } from '../../src/app/merge.js';
import { files } from '../helpers/files.js';

const BIN = resolve(__dirname, '../../bin/greenserv');
const MODELS = ['big-model', 'mid-model', 'small-model'];

/** A RouterBench-shaped CSV: 240 prompts in 3 eval families, 0/1 correctness, per-model cost. */
function routerbenchCsv(): string {
  let seed = 99;
  const rnd = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const head = ['sample_id', 'prompt', 'eval_name', ...MODELS, ...MODELS.map((m) => `${m}|total_cost`)];
  const rows = [head.join(',')];
  for (let i = 0; i < 240; i++) {
    const family = ['arc', 'gsm8k', 'mmlu-x'][i % 3];
    const acc = MODELS.map((_, m) => (rnd() < 0.8 - 0.2 * m ? 1 : 0));
    const cost = MODELS.map((_, m) => (0.004 / (m + 1)) * (0.5 + rnd()));
    rows.push([`q${i}`, `"prompt ${i} about ${family}"`, family, ...acc, ...cost.map((c) => c.toPrecision(6))].join(','));
  }
  return rows.join('\n') + '\n';
}

let root: string;
let request: EvaluateRequest;
let ref: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gs-evshard-'));
  const csv = join(root, 'rb.csv');
  writeFileSync(csv, routerbenchCsv());
  request = { source: csv, lambdas: [0, 0.5, 1], runs: 2, policies: ['linucb', 'epsilon-greedy', 'random', 'static:mid-model'], features: ['task'], jobs: 1 };
  ref = join(root, 'ref');
  await writeEvaluateResults(ref, await evaluateRouterbench(request));
}, 120_000);

describe('evaluate --shard and merge', () => {
  it.each([1, 2, 3, 7])('%i shards merge into the unsharded evaluation, byte for byte', async (n) => {
    const dirs: string[] = [];
    let cells = 0;
    for (let i = 0; i < n; i++) {
      const s = await evaluateShard(request, { index: i, count: n }, { out: join(root, `n${n}`, `shard-${i}`) });
      cells += s.cells;
      // λ-free policies (random, static) are one cell each, the others one per λ
      expect(s.total).toBe(2 * 3 + 2);
      dirs.push(s.out);
    }
    expect(cells).toBe(8);
    const r = await mergeAny(dirs.reverse(), { out: join(root, `merged-${n}`) });
    expect(r.kind).toBe('evaluate');
    const want = files(ref);
    expect(want).toContain('summary.json');
    expect(files(r.out)).toEqual(want);
    for (const f of want) expect(readFileSync(join(r.out, f)).equals(readFileSync(join(ref, f))), f).toBe(true);
  }, 120_000);

  it('shards run with different --jobs merge to the same bytes in either order, the unsharded run\'s with any --jobs', async () => {
    const zero = await evaluateShard({ ...request, jobs: 1 }, { index: 0, count: 2 }, { out: join(root, 'jobs', 'shard-0') });
    const one = await evaluateShard({ ...request, jobs: 2 }, { index: 1, count: 2 }, { out: join(root, 'jobs', 'shard-1') });
    const forward = (await mergeAny([zero.out, one.out], { out: join(root, 'jobs-01'), charts: false })).out;
    const backward = (await mergeAny([one.out, zero.out], { out: join(root, 'jobs-10'), charts: false })).out;
    expect(files(backward)).toEqual(files(forward));
    for (const f of files(forward)) expect(readFileSync(join(backward, f)).equals(readFileSync(join(forward, f))), f).toBe(true);
    const jobsOf = (dir: string): unknown => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).settings.jobs;
    expect(jobsOf(one.out)).not.toBe(jobsOf(zero.out));
    // the unsharded run on two threads: the merge of shards on one and two threads writes its bytes, manifest.json included
    const whole = join(root, 'jobs-whole');
    await writeEvaluateResults(whole, await evaluateRouterbench({ ...request, jobs: 2 }), { charts: false });
    expect(files(forward)).toEqual(files(whole));
    expect(files(whole)).toContain('manifest.json');
    for (const f of files(whole)) expect(readFileSync(join(forward, f)).equals(readFileSync(join(whole, f))), f).toBe(true);
  }, 120_000);

  it('the train/test protocol is refused with --shard, naming the flag, before any data is read or written', async () => {
    for (const extra of [{ split: 0.5 }, { train: join(root, 'absent.csv') }]) {
      const out = join(root, `proto-shard-${Object.keys(extra)[0]}`);
      const e = await evaluateShard({ ...request, ...extra }, { index: 0, count: 2 }, { out }).catch((x: unknown) => x);
      expect((e as Error).name).toBe('UsageError');
      expect((e as Error).message).toMatch(new RegExp(`^shard: the train/test protocol \\(${Object.keys(extra)[0]}\\) is not sharded; run it whole \\(jobs <n>`));
      expect(userErrorText(e as Error)).toMatch(new RegExp(`^--shard: the train/test protocol \\(--${Object.keys(extra)[0]}\\) is not sharded; run it whole \\(--jobs <n>`));
      expect(existsSync(out)).toBe(false);
    }
  });

  it('shards of other settings name the settings that differ, not only their hash', async () => {
    const zero = await evaluateShard(request, { index: 0, count: 2 }, { out: join(root, 'seeds', 'shard-0') });
    const one = await evaluateShard({ ...request, seed: 41, jobs: 2 }, { index: 1, count: 2 }, { out: join(root, 'seeds', 'shard-1') });
    const out = join(root, 'seeds-merged');
    const e = await mergeAny([zero.out, one.out], { out }).catch((x: unknown) => x);
    expect((e as Error).name).toBe('DataError');
    expect((e as Error).message).toMatch(new RegExp(`^${join(one.out, 'state.json')} \\(field 'settingsSha256'\\): comes from another evaluation than ${zero.out}: the settings differ: seed 41, there 40 \\(settingsSha256 [0-9a-f]{64}, there [0-9a-f]{64}\\)$`));
    expect(existsSync(out)).toBe(false);
  });

  it('a truncated cells.ndjson is named as truncated', async () => {
    const zero = await evaluateShard(request, { index: 0, count: 2 }, { out: join(root, 'cut', 'shard-0') });
    const one = await evaluateShard(request, { index: 1, count: 2 }, { out: join(root, 'cut', 'shard-1') });
    const file = join(one.out, 'cells.ndjson');
    const whole = readFileSync(file);
    expect(whole.length).toBeGreaterThan(100);
    writeFileSync(file, whole.subarray(0, whole.length - 40));
    const complete = whole.subarray(0, whole.length - 1).lastIndexOf(10) + 1;
    const out = join(root, 'cut-merged');
    const e = await mergeAny([zero.out, one.out], { out }).catch((x: unknown) => x);
    expect((e as Error).name).toBe('DataError');
    expect((e as Error).message).toBe(`${file}: truncated shard: the file ends inside a record after ${complete} bytes; re-run this shard`);
    expect(existsSync(out)).toBe(false);
  });

  it('a shard whose state.json is broken JSON, or JSON but not an object, is a DataError naming the file', async () => {
    const zero = await evaluateShard(request, { index: 0, count: 2 }, { out: join(root, 'broken', 'shard-0') });
    const one = await evaluateShard(request, { index: 1, count: 2 }, { out: join(root, 'broken', 'shard-1') });
    const state = join(one.out, 'state.json');
    const esc = state.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    writeFileSync(state, '{"schemaVersion": 1, "kind": "evaluate",');
    // the shared reader's wording (core/readFile.ts parseJsonText), with the parser's position
    const broken = await mergeAny([zero.out, one.out], { out: join(root, 'broken-merged') }).catch((e: unknown) => e);
    expect((broken as Error).name).toBe('DataError');
    expect((broken as Error).message).toMatch(new RegExp(`^${esc}: invalid JSON \\(.*position \\d+`));
    for (const text of ['null', '[1]']) {
      writeFileSync(state, text);
      const e = await mergeAny([zero.out, one.out], { out: join(root, 'broken-merged') }).catch((x: unknown) => x);
      expect((e as Error).name, text).toBe('DataError');
      expect((e as Error).message, text).toBe(`${state}: not the state of an evaluation shard (expected a JSON object)`);
    }
    expect(existsSync(join(root, 'broken-merged'))).toBe(false);
  });

  it('the CLI writes a shard directory and merge names a missing shard', () => {
    const out = join(root, 'cli-shard');
    const args = ['evaluate', '--routerbench', String(request.source), '--lambdas', '0,0.5,1', '--runs', '2', '--policies', 'linucb,epsilon-greedy,random,static:mid-model', '--features', 'task', '--jobs', '1'];
    const r = spawnSync(process.execPath, [BIN, ...args, '--shard', '1/2', '--out', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^shard 1\/2: \d of 8 \(λ, policy\) cells; shard directory: /);
    const m = spawnSync(process.execPath, [BIN, 'merge', out, '--out', join(root, 'cli-merged')], { encoding: 'utf8' });
    expect(m.status).toBe(2);
    expect(m.stderr).toBe('greenserv: error: merge: 1 of 2 shards missing: 0/2\n');
    expect(existsSync(join(root, 'cli-merged'))).toBe(false);
    // --json: the same facts as a versioned object
    const j = spawnSync(process.execPath, [BIN, ...args, '--shard', '0/2', '--out', join(root, 'cli-shard-0'), '--json'], { encoding: 'utf8' });
    expect(j.status).toBe(0);
    const o = JSON.parse(j.stdout);
    expect(o).toMatchObject({ schemaVersion: 1, kind: 'shard', shard: { index: 0, count: 2 }, total: 8, out: join(root, 'cli-shard-0') });
    expect(o.cells).toBe(8 - Number(/^shard 1\/2: (\d) of 8/.exec(r.stdout)![1]));
  });

  it('names the shard directory on one line, a line feed in it escaped, as experiment run --shard does', () => {
    const args = ['evaluate', '--routerbench', String(request.source), '--lambdas', '0,1', '--runs', '1', '--policies', 'random', '--jobs', '1', '--no-progress'];
    const r = spawnSync(process.execPath, [BIN, ...args, '--shard', ' 0 / 1 ', '--out', 'o\nx'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('shard 0/1: 1 of 1 (λ, policy) cells; shard directory: o\\u000ax\n(when every shard is done: greenserv merge <the shard directories> --out <dir>)\n');
    expect(existsSync(join(root, 'o\nx', 'cells.ndjson'))).toBe(true);
  });
});

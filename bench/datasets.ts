/**
 * Dataset load times and peak memory for a generated table the size of RouterBench 0-shot
 * (36,497 prompts × 11 models, correctness + dollar cost, no response text), read from Arrow, Parquet
 * and long CSV. Each load runs in a fresh child process so its peak RSS is its own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTable } from '../src/data/load.js';
import { makePoolTable, type PoolTable } from '../src/data/pool.js';
import { Rng } from '../src/core/rng.js';
import { writeTable } from '../src/data/formats/write.js';

const CHILD_FLAG = '--greenserv-datasets-bench-load';
const PROMPTS = 36_497;
const MODELS = 11;
const TASKS = ['mmlu', 'hellaswag', 'gsm8k', 'arc-challenge', 'winogrande', 'mbpp', 'mt-bench', 'consistency', 'rag'];
export const DATASET_TARGETS = { arrowSeconds: 0.5, parquetSeconds: 1.5, csvSeconds: 3, peakOverTable: 3 };

export function generateRouterBenchSized(seed = 7, prompts = PROMPTS): PoolTable {
  const rng = new Rng(seed);
  const n = prompts * MODELS;
  const accuracy = new Float64Array(n);
  const costUsd = new Float64Array(n);
  const queryTasks: string[] = [];
  const queryIds: string[] = [];
  for (let q = 0; q < prompts; q++) {
    const task = TASKS[q % TASKS.length];
    queryTasks.push(task);
    queryIds.push(`${task}.${q}`);
    for (let m = 0; m < MODELS; m++) {
      const i = q * MODELS + m;
      // MT-Bench-like tasks have fractional scores; the rest are 0/1.
      accuracy[i] = task === 'mt-bench' ? Math.round(rng.next() * 10) / 10 : rng.next() < 0.3 + 0.05 * m ? 1 : 0;
      costUsd[i] = (m + 1) * 1e-5 * (0.5 + rng.next());
    }
  }
  return makePoolTable({
    name: 'routerbench-sized',
    queryIds,
    queryTasks,
    models: Array.from({ length: MODELS }, (_, m) => ({ id: `model-${m}`, name: `model-${m}`, paramsB: Number.NaN })),
    accuracy,
    costUsd,
  });
}

/** Bytes held by the table's arrays (ids and task names estimated at 2 bytes per character). */
export function tableBytes(t: PoolTable): number {
  let b = 0;
  for (const a of [t.queryTask, t.cluster, t.complexity, t.accuracy, t.energyJ, t.latencyS, t.inputTokens, t.outputTokens, t.present]) b += a?.byteLength ?? 0;
  if (t.costUsd) b += t.costUsd.byteLength;
  for (const id of t.queryIds) b += 2 * id.length;
  return b;
}

interface ChildResult {
  seconds: number;
  peakBytes: number;
  tableBytes: number;
}

async function childMain(file: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  // readers are loaded on demand; load them first so their code is not counted as table memory
  await Promise.all([import('../src/data/formats/arrow.js'), import('../src/data/formats/parquet.js')]);
  gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const t = await loadTable(file);
  const seconds = (performance.now() - t0) / 1000;
  const peakBytes = process.resourceUsage().maxRSS * 1024 - rss0;
  const out: ChildResult = { seconds, peakBytes, tableBytes: tableBytes(t) };
  process.stdout.write(JSON.stringify(out));
}

function runChild(file: string): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--expose-gc', self, CHILD_FLAG, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out) as ChildResult;
}

/** Fastest of `n` fresh-process loads (the first also warms the disk cache) and the highest peak among them. */
function measureLoad(file: string, n: number): { seconds: number; peakBytes: number; tableBytes: number } {
  const runs = Array.from({ length: n }, () => runChild(file));
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return { seconds: best.seconds, peakBytes: Math.max(...runs.map((r) => r.peakBytes)), tableBytes: best.tableBytes };
}

/** `prompts` (default RouterBench's size) is smaller only in the test of the JSON's fields. */
export async function benchDatasets(prompts = PROMPTS): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-data-'));
  try {
    const t = generateRouterBenchSized(7, prompts);
    const files = { arrow: join(dir, 'rb.arrow'), parquet: join(dir, 'rb.parquet'), csv: join(dir, 'rb.csv') };
    for (const f of Object.values(files)) await writeTable(t, f);
    const result: Record<string, number | string> = {
      'datasets.prompts': prompts,
      'datasets.models': MODELS,
      'datasets.tableMiB': +(tableBytes(t) / 2 ** 20).toFixed(2),
    };
    for (const [fmt, file] of Object.entries(files)) {
      const best = measureLoad(file, 3);
      const peak = best.peakBytes;
      result[`datasets.${fmt}.fileMiB`] = +(statSync(file).size / 2 ** 20).toFixed(2);
      result[`datasets.${fmt}.loadSeconds`] = +best.seconds.toFixed(3);
      result[`datasets.${fmt}.peakMiB`] = +(peak / 2 ** 20).toFixed(1);
      result[`datasets.${fmt}.peakOverTable`] = +(peak / best.tableBytes).toFixed(2);
    }
    Object.assign(result, await benchLongParquet(t, dir));
    Object.assign(result, await benchRouterBenchCsv(dir, prompts));
    Object.assign(result, benchPickle(dir, prompts));
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same table as a long-layout Parquet file (one row per query × model), as pandas or polars write it:
 * string columns dictionary-encoded, which is pyarrow's default.
 */
async function benchLongParquet(t: PoolTable, dir: string): Promise<Record<string, number>> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const { writeFileSync } = await import('node:fs');
  const n = t.nQueries * t.nModels;
  const q: string[] = new Array(n);
  const m: string[] = new Array(n);
  const task: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const qi = Math.floor(i / t.nModels);
    q[i] = t.queryIds[qi];
    m[i] = t.models[i % t.nModels].id;
    task[i] = t.tasks[t.queryTask[qi]];
  }
  const file = join(dir, 'rb-long.parquet');
  const dict = 'RLE_DICTIONARY' as const;
  const bytes = parquetWriteBuffer({
    columnData: [
      { name: 'query_id', data: q, type: 'STRING', encoding: dict },
      { name: 'model_id', data: m, type: 'STRING', encoding: dict },
      { name: 'task', data: task, type: 'STRING', encoding: dict },
      { name: 'accuracy', data: Float64Array.from(t.accuracy), type: 'DOUBLE' },
      { name: 'cost_usd', data: Float64Array.from(t.costUsd!), type: 'DOUBLE' },
    ],
  });
  writeFileSync(file, new Uint8Array(bytes));
  const best = measureLoad(file, 3);
  const peak = best.peakBytes;
  return {
    'datasets.parquetLong.fileMiB': +(statSync(file).size / 2 ** 20).toFixed(2),
    'datasets.parquetLong.loadSeconds': +best.seconds.toFixed(3),
    'datasets.parquetLong.peakMiB': +(peak / 2 ** 20).toFixed(1),
    'datasets.parquetLong.peakOverTable': +(peak / best.tableBytes).toFixed(2),
  };
}

const WORDS = ['the', 'model', 'answer', 'question', 'because', 'energy', 'router', 'which', 'of', 'following', 'is', 'true'];

/**
 * RouterBench's own wide CSV layout at full size, responses included: `,sample_id,prompt,eval_name`, one
 * correctness column per model, `<model>|model_response`, `<model>|total_cost`, `oracle_model_to_route_to`.
 * Prompts and responses are quoted stringified Python lists with commas, quotes and line breaks in them.
 */
async function writeRouterBenchCsv(file: string, prompts: number, seed = 11): Promise<void> {
  const rng = new Rng(seed);
  const models = Array.from({ length: MODELS }, (_, m) => `model-${m}`);
  const text = (lo: number, hi: number): string => {
    const n = lo + rng.int(hi - lo);
    const w: string[] = [];
    for (let i = 0; i < n; i++) w.push(WORDS[rng.int(WORDS.length)]);
    // "['…']" with a line break, a comma and a doubled quote inside, as RouterBench's exports have
    return `"['${w.join(' ')},\n""x""']"`;
  };
  const header = [',sample_id,prompt,eval_name', ...models, ...models.map((m) => `${m}|model_response`), ...models.map((m) => `${m}|total_cost`), 'oracle_model_to_route_to'];
  const out = createWriteStream(file);
  const write = (chunk: string): Promise<void> | void => (out.write(chunk) ? undefined : new Promise<void>((r) => out.once('drain', () => r())));
  await write(header.join(',') + '\n');
  for (let q = 0; q < prompts; q++) {
    const task = TASKS[q % TASKS.length];
    const row: (string | number)[] = [q, `${task}.${q}`, text(40, 200), task];
    for (let m = 0; m < MODELS; m++) row.push(rng.next() < 0.5 ? 1 : 0);
    for (let m = 0; m < MODELS; m++) row.push(text(20, 120));
    for (let m = 0; m < MODELS; m++) row.push((m + 1) * 1e-5 * (0.5 + rng.next()));
    row.push(models[q % MODELS]);
    await write(row.join(',') + '\n');
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Load the full-size RouterBench wide CSV above: the responses are most of its bytes and are never decoded. */
async function benchRouterBenchCsv(dir: string, prompts: number): Promise<Record<string, number>> {
  const file = join(dir, 'routerbench-wide.csv');
  await writeRouterBenchCsv(file, prompts);
  const best = measureLoad(file, 2);
  const peak = best.peakBytes;
  return {
    'datasets.routerbenchCsv.fileMiB': +(statSync(file).size / 2 ** 20).toFixed(1),
    'datasets.routerbenchCsv.loadSeconds': +best.seconds.toFixed(3),
    'datasets.routerbenchCsv.peakMiB': +(peak / 2 ** 20).toFixed(1),
  };
}

/** A Python that can import pandas, to write a RouterBench-size pickle; null when there is none. */
function pandasPython(): string | null {
  for (const py of [process.env.GREENSERV_BENCH_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', 'import pandas'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

/**
 * Load a RouterBench-layout pickle the size of routerbench_0shot.pkl, every model's responses included
 * (which the loader never decodes). Needs Python with pandas to write the file; skipped otherwise.
 */
function benchPickle(dir: string, prompts: number): Record<string, number | string> {
  const py = pandasPython();
  if (!py) return { 'datasets.pickle': 'skipped: no python3 with pandas (GREENSERV_BENCH_PYTHON names one)' };
  const file = join(dir, 'rb.pkl');
  const script = fileURLToPath(new URL('../../bench/make_routerbench_pickle.py', import.meta.url));
  execFileSync(py, [script, file, '4', String(prompts)], { stdio: 'ignore' });
  const best = measureLoad(file, 2);
  const peak = best.peakBytes;
  const size = statSync(file).size;
  return {
    'datasets.pickle.fileMiB': +(size / 2 ** 20).toFixed(1),
    'datasets.pickle.loadSeconds': +best.seconds.toFixed(3),
    'datasets.pickle.peakMiB': +(peak / 2 ** 20).toFixed(1),
    'datasets.pickle.peakOverFile': +(peak / size).toFixed(2),
  };
}

if (process.argv[2] === CHILD_FLAG) await childMain(process.argv[3]);

/**
 * `npm run bench:large`: large generated tables. Writes a long CSV of N queries × 16 models (0/1 accuracy,
 * energy, cost) as it goes, converts it to Parquet with `greenserv datasets convert`, and measures the
 * wall time and peak RSS of `greenserv simulate` (8 policies, 1 run, `--steps none`) from each, and of the
 * conversion; `stream` does the same for `datasets convert --stream` and the long-layout Parquet it
 * writes. Bytes per cell is the peak over N × 16. Each command runs in a fresh child process.
 *   node --expose-gc dist/bench/large.js [--queries 1000000] [--only csv,convert,parquet,stream] [--keep <dir>]
 * The 10 M case is `--queries 10000000 --only parquet`: it needs tens of GB of disk and minutes.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../src/core/rng.js';

const BIN = fileURLToPath(new URL('../../bin/greenserv', import.meta.url));
const CLI = BIN.replace(/bin\/greenserv$/, 'dist/src/cli/index.js');
const MODELS = 16;
const TASKS = ['mmlu', 'gsm8k', 'hellaswag', 'winogrande', 'cnn_dailymail'];
const POLICIES = 'epsilon-greedy,linear-epsilon-greedy,linucb,thompson,random,most-accurate,best-static,static:m03';
/** The targets: peak RSS of the 1 M × 16 simulate from Parquet and from CSV, and the 10 M case. */
export const LARGE_TARGETS = { parquet1MPeakMB: 600, csv1MPeakMB: 800, parquet10MPeakGB: 6, parquet10MOverTime1M: 12 };

/** A long CSV (one row per query × model), written as it is generated; values have 6 significant digits. */
export async function writeLongCsv(file: string, queries: number, seed = 5): Promise<void> {
  const rng = new Rng(seed);
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const write = (chunk: string): Promise<void> | void => (out.write(chunk) ? undefined : new Promise<void>((r) => out.once('drain', () => r())));
  await write('query_id,model_id,task,accuracy,energy_j,cost_usd\n');
  const rows: string[] = [];
  for (let q = 0; q < queries; q++) {
    const task = TASKS[q % TASKS.length];
    for (let m = 0; m < MODELS; m++) {
      const acc = rng.next() < 0.25 + 0.03 * m ? 1 : 0;
      const energy = (5 + 20 * m) * (0.5 + rng.next());
      const cost = (m + 1) * 1e-5 * (0.5 + rng.next());
      rows.push(`q${q},m${m < 10 ? '0' : ''}${m},${task},${acc},${energy.toPrecision(6)},${cost.toPrecision(6)}\n`);
    }
    if (rows.length >= 16_384) {
      await write(rows.join(''));
      rows.length = 0;
    }
  }
  await write(rows.join(''));
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

interface Measured {
  seconds: number;
  peakMB: number;
}

/** One greenserv command in a child process: wall time and the child's own peak RSS (MB = 10⁶ bytes). */
export function measureCli(args: string[]): Measured {
  const t0 = performance.now();
  const res = spawnSync(
    process.execPath,
    ['-e', `process.argv=[process.argv[0], ${JSON.stringify(BIN)}, ...${JSON.stringify(args)}]; import(${JSON.stringify(CLI)}).then(m=>m.main(process.argv)).then(c=>{process.stderr.write('@@RSS '+process.resourceUsage().maxRSS+'\\n'); process.exitCode=c;})`],
    { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 },
  );
  const seconds = (performance.now() - t0) / 1000;
  const err = res.stderr.toString();
  if (res.status !== 0) throw new Error(`greenserv ${args.join(' ')} failed (${res.status ?? res.signal}): ${err.slice(-2000)}`);
  const m = /@@RSS (\d+)/.exec(err);
  return { seconds: +seconds.toFixed(2), peakMB: m ? Math.round((Number(m[1]) * 1024) / 1e6) : Number.NaN };
}

const PARTS = ['csv', 'convert', 'parquet', 'stream'];

/** The options, by node's own parser (so `--queries=300` is read like `--queries 300`), or a usage error. */
export function parseLargeArgs(argv: readonly string[]): { queries: number; only: Set<string>; keep: string } | { error: string } {
  let values: { queries?: string; only?: string; keep?: string };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { queries: { type: 'string' }, only: { type: 'string' }, keep: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    return { error: `${(e as Error).message.split('\n')[0]} (options: --queries <n>, --only <${PARTS.join(',')}>, --keep <dir>)` };
  }
  const queries = Number(values.queries ?? '1000000');
  if (!Number.isInteger(queries) || queries < 1) return { error: `--queries: '${values.queries}' is not a positive integer` };
  const only = (values.only ?? PARTS.join(',')).split(',');
  const unknown = only.find((p) => !PARTS.includes(p));
  if (unknown !== undefined) return { error: `--only: unknown part '${unknown}'; parts: ${PARTS.join(', ')}` };
  return { queries, only: new Set(only), keep: values.keep ?? '' };
}

async function main(): Promise<void> {
  const args = parseLargeArgs(process.argv.slice(2));
  if ('error' in args) {
    process.stderr.write(`bench:large: error: ${args.error}\n`);
    process.exitCode = 2;
    return;
  }
  const { queries, only, keep } = args;
  const dir = keep || mkdtempSync(join(tmpdir(), 'gs-bench-large-'));
  mkdirSync(dir, { recursive: true });
  const cells = queries * MODELS;
  // docs/outputs.md, `npm run bench:large`
  const result: Record<string, unknown> = {
    schemaVersion: 1,
    kind: 'bench-large',
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    queries,
    models: MODELS,
    cells,
    targets: LARGE_TARGETS,
  };
  const csv = join(dir, `long-${queries}.csv`);
  const parquet = join(dir, `wide-${queries}.parquet`);
  try {
    const t0 = performance.now();
    try {
      statSync(csv);
    } catch {
      await writeLongCsv(csv, queries);
    }
    result.csvFileMB = Math.round(statSync(csv).size / 1e6);
    result.generateSeconds = +((performance.now() - t0) / 1000).toFixed(1);
    const sim = (data: string): Measured & { bytesPerCell: number } => {
      const m = measureCli(['simulate', '--data', data, '--policies', POLICIES, '--runs', '1', '--steps', 'none', '--out', join(dir, `sim-${Date.now()}`), '--force']);
      return { ...m, bytesPerCell: +((m.peakMB * 1e6) / cells).toFixed(1) };
    };
    if (only.has('csv')) result.simulateCsv = sim(csv);
    let haveParquet = false;
    try {
      haveParquet = statSync(parquet).isFile();
    } catch {
      // not converted yet
    }
    // with --keep, a Parquet file from an earlier run is reused unless the conversion itself is measured
    if (only.has('convert') || (only.has('parquet') && !haveParquet)) {
      const m = measureCli(['datasets', 'convert', csv, parquet, '--force']);
      result.convert = { ...m, parquetFileMB: Math.round(statSync(parquet).size / 1e6) };
    }
    if (only.has('parquet')) result.simulateParquet = sim(parquet);
    if (only.has('stream')) {
      const longPq = join(dir, `long-${queries}.parquet`);
      const m = measureCli(['datasets', 'convert', csv, longPq, '--stream', '--force']);
      result.convertStream = { ...m, parquetFileMB: Math.round(statSync(longPq).size / 1e6) };
      result.simulateLongParquet = sim(longPq);
    }
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench:large: error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}

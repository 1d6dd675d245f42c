/**
 * `npm run fuzz`: feed mutated copies of valid files to every loader and check that bad input only ever
 * produces a DataError or UsageError — no other exception, no unhandled rejection, no hang, no memory
 * blow-up. Prints one JSON summary per format and a total; exits 1 when any input failed (the inputs are
 * saved for reproduction), 2 on a bad option.
 *
 *   node dist/fuzz/run.js [--iterations N] [--seed S] [--format csv,arrow,parquet,pickle,sql]
 *                         [--jobs J] [--failures DIR] [--timeout MS] [--memory MIB] [--inline]
 */
import { tmpdir } from 'node:os';
import { fuzzArgs } from './args.js';
import { join, resolve } from 'node:path';
import { DEFAULT_LIMITS, fuzzFormat, InlineExecutor, type Executor, type FormatSummary, type Limits } from './harness.js';
import { FUZZ_FORMATS, type FuzzFormat } from './seeds.js';
import { WorkerExecutor } from './worker.js';

const HELP = `usage: node dist/fuzz/run.js [options]   (npm run fuzz)

Feed mutated copies of valid tables to every loader; exit 0 when every input loaded or ended in a typed
error, 1 when some input failed (saved under --failures), 2 on a bad option. See fuzz/README.md.

  --iterations N   inputs per format (default 10000)
  --seed S         input i of a format depends only on the seed and i (default 1)
  --format LIST    some of ${FUZZ_FORMATS.join(', ')} (default: all)
  --jobs J         worker processes (default 2, 1 on a one-core machine)
  --timeout MS     time one input may take (default ${DEFAULT_LIMITS.timeoutMs})
  --memory MIB     memory one input may add to its worker (default ${DEFAULT_LIMITS.memoryLimitMb})
  --failures DIR   where failing inputs are saved (default: greenserv-fuzz-failures-<seed> in the temporary directory)
  --inline         load in this process (no isolation)
  -h, --help       this text
`;

async function main(): Promise<void> {
  const { values, int, str, usage, common } = fuzzArgs('fuzz', { format: { type: 'string' }, failures: { type: 'string' }, timeout: { type: 'string' }, memory: { type: 'string' }, inline: { type: 'boolean' } }, 10_000, HELP);
  const { iterations, seed, jobs } = common;
  const limits: Limits = {
    timeoutMs: int('timeout', DEFAULT_LIMITS.timeoutMs, 1),
    memoryLimitMb: int('memory', DEFAULT_LIMITS.memoryLimitMb, 16),
  };
  const formats = (str('format') ?? FUZZ_FORMATS.join(',')).split(',').map((f) => f.trim().toLowerCase());
  for (const f of formats) if (!FUZZ_FORMATS.includes(f as FuzzFormat)) usage(`unknown format '${f}' (expected ${FUZZ_FORMATS.join(', ')})`);
  const failuresDir = resolve(str('failures') ?? join(tmpdir(), `greenserv-fuzz-failures-${seed}`));

  const executor: Executor = values.inline ? new InlineExecutor(limits) : new WorkerExecutor(jobs, limits);
  const summaries: FormatSummary[] = [];
  try {
    for (const format of formats as FuzzFormat[]) {
      process.stderr.write(`fuzzing ${format}: ${iterations} inputs, seed ${seed}…\n`);
      const s = await fuzzFormat({
        format,
        iterations,
        seed,
        executor,
        failuresDir,
        onFailure: (c, o) => process.stderr.write(`  FAIL ${format} #${c.index} (${o.reason}; ${c.seedLabel}; ${c.ops.join(' + ')}): ${o.detail.split('\n')[0]}\n`),
      });
      summaries.push(s);
      process.stdout.write(JSON.stringify(s) + '\n');
    }
  } finally {
    await executor.close();
  }
  const total = {
    total: {
      formats: summaries.length,
      inputs: summaries.reduce((a, s) => a + s.inputs, 0),
      ok: summaries.reduce((a, s) => a + s.ok, 0),
      typedErrors: summaries.reduce((a, s) => a + s.typedErrors, 0),
      failures: summaries.reduce((a, s) => a + s.failures, 0),
      seconds: Math.round(summaries.reduce((a, s) => a + s.seconds, 0) * 10) / 10,
    },
  };
  process.stdout.write(JSON.stringify(total) + '\n');
  if (total.total.failures > 0) {
    process.stderr.write(`${total.total.failures} failing input(s) saved under ${failuresDir}\n`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`fuzz: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});

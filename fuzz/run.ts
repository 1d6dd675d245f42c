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

async function main(): Promise<void> {
  const { values, int, str, usage, common } = fuzzArgs('fuzz', { format: { type: 'string' }, failures: { type: 'string' }, timeout: { type: 'string' }, memory: { type: 'string' }, inline: { type: 'boolean' } }, 10_000);
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

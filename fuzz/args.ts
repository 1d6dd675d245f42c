/** Command-line options of the fuzz runners (`npm run fuzz`, `npm run fuzz:configs`): a bad one exits 2. */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

export interface FuzzArgs {
  values: Record<string, string | boolean | undefined>;
  /** An integer option ≥ min, or its default. */
  int(name: string, d: number, min: number): number;
  /** A string option, if given. */
  str(name: string): string | undefined;
  usage(msg: string): never;
  /** --iterations (default `iterations`), --seed, --jobs: the options every runner has. */
  common: { iterations: number; seed: number; jobs: number };
}

/**
 * Parse the runner's options: `tool` prefixes the usage message; iterations, seed and jobs are always taken.
 * `--help` (`-h`) prints `help` to stdout and exits 0.
 */
export function fuzzArgs(tool: string, options: Record<string, { type: 'string' | 'boolean' }>, iterations: number, help: string): FuzzArgs {
  const usage = (msg: string): never => {
    process.stderr.write(`${tool}: ${msg} (--help lists the options)\n`);
    process.exit(2);
  };
  let values: FuzzArgs['values'] = {};
  try {
    ({ values } = parseArgs({ options: { iterations: { type: 'string' }, seed: { type: 'string' }, jobs: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...options }, strict: true }));
  } catch (err) {
    usage((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(help);
    process.exit(0);
  }
  const str = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const int = (name: string, d: number, min: number): number => {
    const v = str(name);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer ≥ ${min}, got '${v}'`);
    return n;
  };
  return { values, int, str, usage, common: { iterations: int('iterations', iterations, 1), seed: int('seed', 1, 0), jobs: int('jobs', Math.min(2, availableParallelism()), 1) } };
}

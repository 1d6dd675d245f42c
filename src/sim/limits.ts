/**
 * Upper bounds on user-given counts (flags, experiment YAML, baselines), so that a typo such as
 * `runs: 100000000` ends in a clear error instead of hours of work or an exhausted heap. Documented in
 * docs/limits.md; raise them here.
 */

/** Runs (query orders) per configuration. */
export const MAX_RUNS = 10_000;
/** λ values in one sweep (0…1 in steps of 0.001). */
export const MAX_LAMBDAS = 1_001;
/** Arms (policies) in one experiment or baseline. */
export const MAX_ARMS = 100;
/** Replays of one experiment (λ values × arms × runs); each keeps its per-step trace in memory. */
export const MAX_JOBS = 100_000;
/** Steps of an experiment's event window (`eventWindow`; a window is cut at the stream's end, so this only catches typos). */
export const MAX_EVENT_WINDOW = 10_000_000;
/** Pool events of one experiment. */
export const MAX_POOL_EVENTS = 10_000;
/** Bytes of an experiment YAML or a baseline JSON file. */
export const MAX_CONFIG_BYTES = 16 << 20;
/** Minimum measuring time of a throughput baseline, per policy (ms). */
export const MAX_BENCH_MS = 60_000;

export const atMost = (n: number): string => `at most ${n} (see docs/limits.md)`;

/** The run options of the step-trace spool tests: `policies` over the built-in pool, every step recorded. */
import type { SimulateOptions } from '../../src/sim/run.js';

export const spoolRunOptions = (policies: string[], seed: number, spool: number | undefined): SimulateOptions => ({
  policies,
  params: [],
  lambda: 0.5,
  runs: 2,
  seed,
  semantics: 'paper',
  features: ['task', 'cluster', 'complexity'],
  binning: 'thresholds',
  cost: 'energy',
  maxLatency: null,
  recordSteps: true,
  ...(spool !== undefined ? { stepsSpoolRows: spool } : {}),
});

import type { SimulateOptions } from '../../src/sim/run.js';

/** A simulation's options as the CLI defaults them (paper semantics, task context, energy cost), steps recorded. */
export const simOptions = (o: Pick<SimulateOptions, 'policies' | 'runs' | 'seed'> & Partial<SimulateOptions>): SimulateOptions => ({
  params: [],
  lambda: 0.5,
  semantics: 'paper',
  features: ['task'],
  binning: 'thresholds',
  cost: 'energy',
  maxLatency: null,
  recordSteps: true,
  ...o,
});

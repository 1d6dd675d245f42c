import { traceInMemory, type SpooledSteps, type StepTrace } from '../../src/sim/engine.js';

/** A run's step trace, which the test expects recorded and in memory; fails the test when it is absent or spooled. */
export function stepsOf(steps: StepTrace | SpooledSteps | null): StepTrace {
  const st = traceInMemory(steps);
  if (st === null) throw new Error(steps === null ? 'no step trace was recorded' : 'the step trace was spooled, not kept in memory');
  return st;
}

import type { OpeSummary } from '../../src/metrics/ope/summary.js';

/** An ope summary over a 10-decision log of models a and b, with the given metrics, estimators and policies. */
export function opeSummaryOf(metrics: OpeSummary['metrics'], estimators: OpeSummary['estimators'], policies: OpeSummary['policies']): OpeSummary {
  return {
    kind: 'ope',
    schemaVersion: 1,
    logs: { file: 'l.csv', decisions: 10, models: ['a', 'b'], tasks: ['all'], propensity: 'logged', uniform: false },
    table: { name: 't', queries: 5 },
    lambda: 0.5,
    rewardSource: 'table',
    metrics,
    estimators,
    seed: 1,
    bootstrap: 10,
    level: 0.95,
    policies,
  };
}

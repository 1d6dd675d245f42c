/**
 * Replay (rejection-sampling) evaluation of a learning policy on logs (Li et al. 2011). Unbiased when the
 * logging policy chose uniformly at random, independently of the context; on other logs it is not.
 */

/** A policy seen by the replay: it picks a model for decision i and learns only from kept decisions. */
interface ReplayPolicy {
  select(i: number): number;
  update(i: number, arm: number, reward: number): void;
}

interface ReplayResult {
  /** Mean reward over kept decisions; NaN when none was kept. */
  value: number;
  /** Decisions where the policy's choice matched the logged one. */
  kept: number;
  /** Decisions walked. */
  n: number;
  /** 1 where decision i was kept. */
  matched: Uint8Array;
}

/** Walk the logs in order; keep a decision when the policy picks the logged model, and only then update it. */
export function replay(action: Int32Array, reward: Float64Array, policy: ReplayPolicy, n = action.length): ReplayResult {
  if (action.length < n || reward.length < n) throw new Error('logged arrays shorter than n');
  const matched = new Uint8Array(n);
  let kept = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const a = action[i];
    if (policy.select(i) !== a) continue;
    const r = reward[i];
    matched[i] = 1;
    kept++;
    sum += r;
    policy.update(i, a, r);
  }
  return { value: kept > 0 ? sum / kept : Number.NaN, kept, n, matched };
}

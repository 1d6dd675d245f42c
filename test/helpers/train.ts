import type { TrainData } from '../../src/policies/policy.js';

/**
 * A hand-built train part over a Q×M table: accuracy and cost from functions, reward
 * clip((1 − λ)·a + λ·(1 − c), 0, 1) computed here (docs/model.md §2.1); `absent` cells are NaN and not present.
 */
export function makeTrain(
  Q: number,
  M: number,
  queries: readonly number[],
  acc: (q: number, m: number) => number,
  cost: (q: number, m: number) => number,
  lambda: number,
  absent: (q: number, m: number) => boolean = () => false,
): TrainData {
  const accuracy = new Float64Array(Q * M).fill(NaN);
  const c = new Float64Array(Q * M).fill(NaN);
  const rewards = new Float64Array(Q * M).fill(NaN);
  const present = new Uint8Array(Q * M);
  for (let q = 0; q < Q; q++) {
    for (let m = 0; m < M; m++) {
      if (absent(q, m)) continue;
      const a = acc(q, m);
      const u = cost(q, m);
      accuracy[q * M + m] = a;
      c[q * M + m] = u;
      rewards[q * M + m] = Math.min(1, Math.max(0, (1 - lambda) * a + lambda * (1 - u)));
      present[q * M + m] = 1;
    }
  }
  return { queries: Int32Array.from(queries), rewards, accuracy, cost: c, present, lambda };
}

/** Dense rows with a leading bias 1 and d Gaussian-ish coordinates from a seeded generator. */
export function gaussianRows(n: number, d: number, next: () => number): number[][] {
  return Array.from({ length: n }, () => [1, ...Array.from({ length: d }, () => next() + next() + next() - 1.5)]);
}

/**
 * Replay queries through a policy with all models allowed and collect, per model, the contexts and rewards it
 * was told (what a direct solve of its online part needs).
 */
export function replayOnline(
  p: { select(q: number, arms: Int32Array, n: number): number; update(q: number, m: number, r: number): void },
  queries: Iterable<number>,
  M: number,
  X: number[][],
  reward: (q: number, m: number) => number,
): { xs: number[][]; rs: number[] }[] {
  const all = Int32Array.from({ length: M }, (_, m) => m);
  const online: { xs: number[][]; rs: number[] }[] = Array.from({ length: M }, () => ({ xs: [], rs: [] }));
  for (const q of queries) {
    const m = p.select(q, all, M);
    const r = reward(q, m);
    p.update(q, m, r);
    online[m].xs.push(X[q]);
    online[m].rs.push(r);
  }
  return online;
}

/**
 * The best fixed model of each event window, in hindsight (docs/model.md §11.7): per run, the regret of the
 * single pool model that does best over the steps [step, step + W) after an event, against the same oracle
 * as the replay. A policy's post-change regret minus this is its excess over that model, which is where
 * adaptation shows: the oracle's floor is paid by every router alike.
 */
import { Rng } from '../core/rng.js';
import type { PoolTable } from '../data/pool.js';
import { bestReward } from './actions.js';
import { DriftCursor, type DriftPlan } from './drift.js';
import { latencyFeasibility } from './actions.js';
import { runSeed, type PoolEvent } from './engine.js';
import type { RewardTable } from './reward.js';

interface WindowReferenceConfig {
  seed: number;
  oracle: 'full' | 'pool';
  initialModels?: string[];
  events?: PoolEvent[];
  drift?: DriftPlan | null;
  maxLatency?: number | null;
}

export interface WindowStatic {
  /** Regret of the best fixed model over the window. */
  regret: number;
  /** Its model index (−1 when no model stays in the pool for the whole window). */
  model: number;
}

/** For each run (in `runs`) and window, the best fixed model's regret; [window][run]. Windows are step ranges [from, to). */
export function windowStatic(t: PoolTable, rw: RewardTable, cfg: WindowReferenceConfig, runs: readonly number[], windows: readonly { from: number; to: number }[]): WindowStatic[][] {
  const Q = t.nQueries;
  const M = t.nModels;
  const idx = new Map(t.models.map((m, j) => [m.id, j]));
  const feasible = cfg.maxLatency !== undefined && cfg.maxLatency !== null ? latencyFeasibility(t, cfg.maxLatency).feasible : null;
  // the engine's rule: the full oracle ranges over every model (the stored one without a latency filter)
  const full = cfg.oracle === 'full' && feasible === null;
  const oracleAll = cfg.oracle === 'full' && feasible !== null ? new Uint8Array(t.nModels).fill(1) : null;
  const events = [...(cfg.events ?? [])].sort((a, b) => a.step - b.step);
  const cursor = cfg.drift && cfg.drift.events.length ? new DriftCursor(cfg.drift) : null;
  const reward = (i: number): number => (cursor ? cursor.reward(i) : rw.rewards[i]);
  const order = new Int32Array(Q);
  const inPool = new Uint8Array(M);
  // per model: Σ over the window of best − r_m, and whether it stayed in the pool throughout
  const sum = new Float64Array(M);
  const stayed = new Uint8Array(M);
  const out: WindowStatic[][] = windows.map(() => []);
  for (const r of runs) {
    for (let q = 0; q < Q; q++) order[q] = q;
    Rng.derive(runSeed(cfg.seed, r), 0).shuffle(order);
    windows.forEach((w, k) => {
      inPool.fill(0);
      for (const id of cfg.initialModels ?? t.models.map((m) => m.id)) inPool[idx.get(id)!] = 1;
      cursor?.begin();
      sum.fill(0);
      stayed.fill(1);
      let ev = 0;
      for (let s = 0; s < w.to; s++) {
        while (ev < events.length && events[ev].step === s) {
          for (const id of events[ev].remove ?? []) inPool[idx.get(id)!] = 0;
          for (const id of events[ev].add ?? []) inPool[idx.get(id)!] = 1;
          ev++;
        }
        if (s < w.from) continue;
        cursor?.advance(s);
        const q = order[s];
        const best = cursor ? cursor.oracle(q, M, t.present, full ? null : oracleAll ?? inPool, feasible) : full ? rw.oracle[q] : bestReward(q, M, reward, t.present, oracleAll ?? inPool, feasible);
        for (let m = 0; m < M; m++) {
          if (!inPool[m]) stayed[m] = 0;
          const i = q * M + m;
          // a missing cell earns 0; a query without any reward has no regret (as in the replay)
          if (!Number.isNaN(best)) sum[m] += best - (t.present[i] ? reward(i) : 0);
        }
      }
      let model = -1;
      for (let m = 0; m < M; m++) if (stayed[m] && (model < 0 || sum[m] < sum[model])) model = m;
      out[k].push({ regret: model < 0 ? Number.NaN : sum[model], model });
    });
  }
  return out;
}

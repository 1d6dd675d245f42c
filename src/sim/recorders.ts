/**
 * Recorders: observers of a replay. The engine loop only produces decisions (query, chosen model, reward,
 * regret); each recorder keeps what it needs. The engine calls the ones switched on, so one that is off
 * costs nothing.
 */
import type { PoolTable } from '../data/pool.js';
import type { Policy } from '../policies/policy.js';
import type { RewardTable } from './reward.js';

/** Which policy-run is starting: policy index p, position ri in the run list, run index r and its seed. */
export interface RunStart {
  p: number;
  ri: number;
  r: number;
  seed: number;
}

export interface Recorder {
  begin(run: RunStart): void;
  /**
   * Optional: called after the policy chose m among `arms[0..n)` for query q and before it is told the
   * reward, so the policy's state is the one it chose in (the log recorder asks it for the propensity).
   */
  decision?(q: number, arms: Int32Array, n: number, m: number, policy: Policy): void;
  /**
   * Optional: the table whose metrics the engine's recorders read (under drift, a copy whose served cells carry
   * their drifted values, updated before `step`); given once, before the first run.
   */
  bindTable?(t: PoolTable): void;
  /** Step s served query q with model m; `present` says whether the pair is in the table. */
  step(s: number, q: number, m: number, present: boolean, reward: number, regret: number): void;
  end(): void;
}

export interface RunMetrics {
  run: number;
  seed: number;
  finalRegret: number;
  totalReward: number;
  meanReward: number;
  /** Mean accuracy of the chosen pairs (present cells only). */
  accuracy: number;
  /** Σ energy (J) of the chosen pairs / 3600; NaN when the table has no energy. */
  energyWh: number;
  /** Σ dollar cost of the chosen pairs; NaN when the table has no cost. */
  costUsd: number;
  /** Mean normalised cost term of the chosen pairs. */
  costNorm: number;
  latencyS: number;
  /** Chosen count per model index. */
  selection: Float64Array;
  /** Steps whose chosen pair was missing from the table (reward 0). */
  misses: number;
  /** Settings the policy fitted on a train part (Policy.fitted), when it reports any. */
  fitted?: Record<string, number>;
}

/** Largest table (cells) given a packed copy: at most 40 bytes a cell, so at most 20 MiB beside the table. */
const MAX_PACKED_CELLS = 1 << 19;
/** A packed copy: `stride` values per cell, accuracy, energy, normalised cost, then dollars and latency when the table has them. */
interface Packed {
  p: Float64Array;
  stride: number;
  /** Offset of the latency within a cell (after the dollars when there are any). */
  latAt: number;
}
const PACKS = new WeakMap<RewardTable, { t: PoolTable; packed: Packed }>();

/**
 * The metrics of every cell side by side, made once per table and reward table and shared by the replays
 * that use them: the run's sums read cells in the shuffled query order, so one line per step beats five, and
 * leaving out the columns a table lacks keeps most cells within one line and the copy smaller.
 * Null for a table over the size cap.
 */
function packedCells(t: PoolTable, rw: RewardTable): Packed | null {
  const n = t.nQueries * t.nModels;
  if (n > MAX_PACKED_CELLS) return null;
  const hit = PACKS.get(rw);
  if (hit !== undefined && hit.t === t) return hit.packed;
  const usd = t.costUsd;
  const lat = t.latencyS;
  const stride = 3 + (usd !== null ? 1 : 0) + (lat !== null ? 1 : 0);
  const latAt = usd !== null ? 4 : 3;
  const p = new Float64Array(n * stride);
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    p[o] = t.accuracy[i];
    p[o + 1] = t.energyJ[i];
    p[o + 2] = rw.costNorm[i];
    if (usd !== null) p[o + 3] = usd[i];
    if (lat !== null) p[o + latAt] = lat[i];
  }
  const packed = { p, stride, latAt };
  PACKS.set(rw, { t, packed });
  return packed;
}

/** Per-run metrics: regret, reward, accuracy, energy, cost, latency, misses and selection counts. */
export class MetricsRecorder implements Recorder {
  /** [policy][run] */
  readonly metrics: RunMetrics[][];
  private run: RunStart = { p: 0, ri: 0, r: 0, seed: 0 };
  private cum = 0;
  private sumReward = 0;
  private sumAcc = 0;
  private nAcc = 0;
  private sumE = 0;
  private nE = 0;
  private sumUsd = 0;
  private nUsd = 0;
  private sumCost = 0;
  private sumLat = 0;
  private nLat = 0;
  private misses = 0;
  private selection = new Float64Array(0);
  /**
   * Cell (q·M + m) chosen at each step of the run, −1 for a missing cell. The per-cell sums are taken at
   * end() in step order (the same additions in the same order): a tight loop over the log overlaps its
   * memory reads, where reads inside the decision loop wait behind the policy's work.
   */
  private readonly cells: Int32Array;
  /** The metrics side by side per cell, or null (see packedCells). */
  private readonly packed: Packed | null;

  constructor(
    private readonly t: PoolTable,
    private readonly rw: RewardTable,
    nPolicies: number,
    /** Read the metrics from one packed copy (false when the table's metrics change during a run, under drift). */
    pack = false,
  ) {
    this.metrics = Array.from({ length: nPolicies }, () => []);
    this.cells = new Int32Array(t.nQueries);
    this.packed = pack ? packedCells(t, rw) : null;
  }

  begin(run: RunStart): void {
    this.run = run;
    this.cum = this.sumReward = this.sumAcc = this.nAcc = this.sumE = this.nE = 0;
    this.sumUsd = this.nUsd = this.sumCost = this.sumLat = this.nLat = this.misses = 0;
    this.selection = new Float64Array(this.t.nModels);
  }

  step(s: number, q: number, m: number, has: boolean, rew: number, regret: number): void {
    this.cum += regret;
    this.sumReward += rew;
    this.selection[m]++;
    this.cells[s] = has ? q * this.t.nModels + m : -1;
  }

  /** The sums over the chosen cells of the run, in step order. */
  private sumCells(): void {
    if (this.packed !== null) {
      this.sumPacked(this.packed);
      return;
    }
    const t = this.t;
    const { accuracy, energyJ, latencyS, costUsd: usd } = t;
    const costNorm = this.rw.costNorm;
    const cells = this.cells;
    for (let s = 0; s < t.nQueries; s++) {
      const i = cells[s];
      if (i < 0) {
        this.misses++;
        continue;
      }
      const acc = accuracy[i]; // the cell is present (cells[s] ≥ 0)
      const e = energyJ[i];
      if (!Number.isNaN(acc)) {
        this.sumAcc += acc;
        this.nAcc++;
      }
      if (!Number.isNaN(e)) {
        this.sumE += e;
        this.nE++;
      }
      if (usd !== null && !Number.isNaN(usd[i])) {
        this.sumUsd += usd[i];
        this.nUsd++;
      }
      this.sumCost += costNorm[i];
      const lat = latencyS ? latencyS[i] : Number.NaN;
      if (!Number.isNaN(lat)) {
        this.sumLat += lat;
        this.nLat++;
      }
    }
  }

  /** sumCells over the packed copy: one cache line per step instead of one per metric, the same additions. */
  private sumPacked({ p, stride, latAt }: Packed): void {
    const hasUsd = this.t.costUsd !== null;
    const hasLat = this.t.latencyS !== null;
    const cells = this.cells;
    const Q = this.t.nQueries;
    // the sums run in locals (continuing from the fields), so the loop is not a chain through memory
    let { sumAcc, nAcc, sumE, nE, sumUsd, nUsd, sumCost, sumLat, nLat, misses } = this;
    for (let s = 0; s < Q; s++) {
      const i = cells[s];
      if (i < 0) {
        misses++;
        continue;
      }
      const o = i * stride;
      const acc = p[o];
      const e = p[o + 1];
      if (!Number.isNaN(acc)) {
        sumAcc += acc;
        nAcc++;
      }
      if (!Number.isNaN(e)) {
        sumE += e;
        nE++;
      }
      if (hasUsd && !Number.isNaN(p[o + 3])) {
        sumUsd += p[o + 3];
        nUsd++;
      }
      sumCost += p[o + 2];
      if (hasLat) {
        const lat = p[o + latAt];
        if (!Number.isNaN(lat)) {
          sumLat += lat;
          nLat++;
        }
      }
    }
    this.sumAcc = sumAcc;
    this.nAcc = nAcc;
    this.sumE = sumE;
    this.nE = nE;
    this.sumUsd = sumUsd;
    this.nUsd = nUsd;
    this.sumCost = sumCost;
    this.sumLat = sumLat;
    this.nLat = nLat;
    this.misses = misses;
  }

  end(): void {
    this.sumCells();
    const Q = this.t.nQueries;
    const chosenPresent = Q - this.misses;
    this.metrics[this.run.p].push({
      run: this.run.r,
      seed: this.run.seed,
      finalRegret: this.cum,
      totalReward: this.sumReward,
      meanReward: this.sumReward / Q,
      accuracy: this.nAcc ? this.sumAcc / this.nAcc : Number.NaN,
      energyWh: this.nE ? this.sumE / 3600 : Number.NaN,
      costUsd: this.nUsd ? this.sumUsd : Number.NaN,
      costNorm: chosenPresent ? this.sumCost / chosenPresent : Number.NaN,
      latencyS: this.nLat ? this.sumLat / this.nLat : Number.NaN,
      selection: this.selection,
      misses: this.misses,
    });
  }

  /** Metrics of the policy-run that just ended. */
  last(): RunMetrics {
    const list = this.metrics[this.run.p];
    return list[list.length - 1];
  }
}

/**
 * Per-task tallies of the chosen cells (the λ sweep's operating points): sums per policy-run at
 * [task·3 + 0 USD cost | 1 quality | 2 misses]. A missing cell counts as a miss and adds nothing.
 */
export class TaskTallyRecorder implements Recorder {
  /** [policy][run position] */
  readonly sums: Float64Array[][];
  private cur = new Float64Array(0);

  constructor(
    private t: PoolTable,
    nPolicies: number,
  ) {
    this.sums = Array.from({ length: nPolicies }, () => []);
  }

  bindTable(t: PoolTable): void {
    this.t = t;
  }

  begin(run: RunStart): void {
    this.cur = new Float64Array(3 * this.t.tasks.length);
    this.sums[run.p].push(this.cur);
  }

  step(_s: number, q: number, m: number, has: boolean): void {
    const t = this.t;
    const k = 3 * t.queryTask[q];
    if (!has) {
      this.cur[k + 2]++;
      return;
    }
    const i = q * t.nModels + m;
    const c = t.costUsd ? t.costUsd[i] : Number.NaN;
    const a = t.accuracy[i];
    if (Number.isFinite(c)) this.cur[k] += c;
    if (Number.isFinite(a)) this.cur[k + 1] += a;
  }

  end(): void {}
}

/**
 * The log recorder: routing logs from a simulation (`simulate --log`), one row per decision with the chosen
 * model, the probability the policy gave it, and the chosen pair's outcome (format in datasets/README.md,
 * "Routing logs"; propensities in docs/ope.md).
 */
import { Rng } from '../core/rng.js';
import type { PoolTable } from '../data/pool.js';
import type { LogColumn } from '../data/logWrite.js';
import type { ContextSet } from '../features/context.js';
import type { Policy } from '../policies/policy.js';
import type { Recorder, RunStart } from './recorders.js';

/** Keys of the Monte-Carlo RNG stream of a run (distinct from the policies' streams, which use key 1). */
const MC_STREAM = 2;

export class LogRecorder implements Recorder {
  readonly n: number;
  readonly run: Int32Array;
  readonly query: Int32Array;
  readonly model: Int32Array;
  readonly propensity: Float64Array;
  readonly reward: Float64Array;
  /** False once a decision came from a policy without a `propensity` method. */
  hasPropensity = true;
  private len = 0;
  private r = 0;
  private mc = new Rng(0);

  constructor(nQueries: number, nRuns: number) {
    this.n = nRuns * nQueries;
    this.run = new Int32Array(this.n);
    this.query = new Int32Array(this.n);
    this.model = new Int32Array(this.n);
    this.propensity = new Float64Array(this.n);
    this.reward = new Float64Array(this.n);
  }

  begin(run: RunStart): void {
    this.r = run.r;
    this.mc = Rng.derive(run.seed, MC_STREAM);
  }

  decision(q: number, arms: Int32Array, n: number, m: number, policy: Policy): void {
    const j = this.len;
    this.run[j] = this.r;
    this.query[j] = q;
    this.model[j] = m;
    if (policy.propensity) this.propensity[j] = policy.propensity(q, arms, n, m, this.mc);
    else this.hasPropensity = false;
  }

  step(_s: number, _q: number, _m: number, _has: boolean, reward: number): void {
    this.reward[this.len++] = reward;
  }

  end(): void {}

  /** Decisions recorded so far. */
  get length(): number {
    return this.len;
  }

  /** Take over what a recorder of the same size recorded on a worker thread (simulate's replay with plugins). */
  adopt(from: { run: Int32Array; query: Int32Array; model: Int32Array; propensity: Float64Array; reward: Float64Array; hasPropensity: boolean; length: number }): void {
    this.run.set(from.run);
    this.query.set(from.query);
    this.model.set(from.model);
    this.propensity.set(from.propensity);
    this.reward.set(from.reward);
    this.hasPropensity = from.hasPropensity;
    this.len = from.length;
  }
}

const METRICS = [
  ['accuracy', (t: PoolTable) => t.accuracy],
  ['energy_j', (t: PoolTable) => t.energyJ],
  ['latency_s', (t: PoolTable) => t.latencyS],
  ['input_tokens', (t: PoolTable) => t.inputTokens],
  ['output_tokens', (t: PoolTable) => t.outputTokens],
  ['cost_usd', (t: PoolTable) => t.costUsd],
] as const;

/** Most context columns a log gets (the log reader's limit). */
const MAX_LOG_CONTEXT = 256;

/**
 * The recorded decisions as log columns: run, query_id, task, model_id, propensity (when every decision had
 * one), reward, the chosen pair's metrics and the context slots as `ctx_<slot>` (bias left out). A metric
 * column is written only when every logged pair has a value; a pair missing from the table logs accuracy 0,
 * as it scored. Contexts wider than MAX_LOG_CONTEXT are left out.
 */
export function logColumns(rec: LogRecorder, t: PoolTable, contexts: ContextSet): LogColumn[] {
  const n = rec.length;
  const M = t.nModels;
  const { query, model } = rec;
  const cols: LogColumn[] = [
    { name: 'run', kind: 'int', data: rec.run.slice(0, n) },
    { name: 'query_id', kind: 'text', data: Array.from(query.subarray(0, n), (q) => t.queryIds[q]) },
    { name: 'task', kind: 'text', data: Array.from(query.subarray(0, n), (q) => t.tasks[t.queryTask[q]]) },
    { name: 'model_id', kind: 'text', data: Array.from(model.subarray(0, n), (m) => t.models[m].id) },
  ];
  if (rec.hasPropensity) cols.push({ name: 'propensity', kind: 'num', data: rec.propensity.slice(0, n) });
  cols.push({ name: `reward`, kind: 'num', data: rec.reward.slice(0, n) });
  for (const [name, get] of METRICS) {
    const src = get(t);
    if (!src) continue;
    const data = new Float64Array(n);
    let complete = true;
    for (let j = 0; j < n && complete; j++) {
      const i = query[j] * M + model[j];
      const v = t.present[i] ? src[i] : Number.NaN;
      if (Number.isNaN(v) && name !== 'accuracy') complete = false;
      data[j] = Number.isNaN(v) ? 0 : v;
    }
    if (complete) cols.push({ name, kind: 'num', data });
  }
  const d = contexts.d;
  if (d - 1 <= MAX_LOG_CONTEXT) {
    const ctx = Array.from({ length: d }, () => new Float64Array(n));
    for (let j = 0; j < n; j++) {
      const q = query[j];
      for (let k = contexts.ptr[q]; k < contexts.ptr[q + 1]; k++) ctx[contexts.idx[k]][j] = contexts.val[k];
    }
    for (let s = 0; s < d; s++) if (contexts.names[s] !== 'bias') cols.push({ name: `ctx_${contexts.names[s]}`, kind: 'num', data: ctx[s] });
  }
  return cols;
}

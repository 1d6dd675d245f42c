/**
 * Off-policy evaluation of routing policies on a log (docs/ope.md, "The ope command"). A policy that does
 * not learn from rewards is evaluated through its distribution over models at each logged context (every
 * estimator); a learning policy by replay (Li et al. 2011), unbiased on uniformly random logs only.
 */
import { UsageError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { decisionRules, type Semantics } from '../../core/semantics.js';
import type { Policy, PolicyEnv } from '../../policies/policy.js';
import type { ResolvedPolicy } from '../../policies/registry.js';
import { guardedCreate } from '../../policies/pluginGuard.js';
import { nameKey } from '../../sim/engine.js';
import { bootstrapMany } from './bootstrap.js';
import type { EstimatorName, LoggedBandit } from './estimators.js';
import { evaluateTarget, nonFiniteNote, vsLogged, type OpeRow, type VsLogged } from './evaluate.js';
import { mean } from '../stats.js';
import { crossFitRewardModel } from './fromLogs.js';
import { replay } from './replay.js';
import { opeHindsight, type OpeData, type OpeMetric } from './setup.js';

interface OpeRunOptions {
  estimators: readonly EstimatorName[];
  seed: number;
  resamples: number;
  semantics: Semantics;
  /** Fixed Switch-DR τ / DRos λ, or 'auto'. */
  switchTau?: number | 'auto';
  drosLambda?: number | 'auto';
}

/** An estimator's row for one metric of one policy: OpeRow's figures, or the replay's (`estimator: 'replay'`). */
export interface OpeEstimateRow extends Omit<OpeRow, 'estimator'> {
  metric: OpeMetric;
  estimator: EstimatorName | 'replay';
}

export interface OpePolicyResult {
  name: string;
  params: Record<string, number>;
  /** 'distribution': every estimator over π(·|x); 'replay': rejection sampling of a learning policy. */
  method: 'distribution' | 'replay';
  /** False when replay runs on logs that are not uniformly random (its estimate is then biased). */
  unbiased: boolean;
  diagnostics: { n: number; ess: number; maxWeight: number; meanWeight: number; supportShare: number } | null;
  /** Replay: decisions kept (the policy chose the logged model). */
  kept: number | null;
  /** The policy's value from the full table, per metric (only with a table). */
  truth: Partial<Record<OpeMetric, number>> | null;
  estimates: OpeEstimateRow[];
}

/** Uniform logging: every propensity is 1/M (logged, not estimated). */
export function uniformLogs(data: OpeData): boolean {
  const { log } = data;
  const p = 1 / data.models.length;
  if (log.propensityEstimated) return false;
  for (let i = 0; i < log.n; i++) if (Math.abs(log.propensity[i] - p) > 1e-9) return false;
  return true;
}

/** A policy instance over the decisions, with its own RNG derived from the seed and its name. */
function createPolicy(data: OpeData, rp: ResolvedPolicy, o: OpeRunOptions): Policy {
  if (rp.factory.train) throw new UsageError(`policy '${rp.name}' is trained on a train/test split of a full table; ope cannot evaluate it from a log`);
  const M = data.models.length;
  const env: PolicyEnv = {
    contexts: data.contexts,
    models: data.models,
    nModels: M,
    initialArms: data.models.map((_, m) => m),
    rng: Rng.derive(o.seed, 1, nameKey(rp.name)),
    // the stream is the logged decisions, one context each
    horizon: data.log.n,
    rules: decisionRules(o.semantics),
  };
  return guardedCreate(rp.factory, M, () => (rp.factory.hindsight ? rp.factory.create(env, rp.params, opeHindsight(data, rp.name)) : rp.factory.create(env, rp.params)));
}

/** A policy learns from rewards unless it is a hindsight baseline or its picks never depend on rewards. */
function isLearning(rp: ResolvedPolicy): boolean {
  return !rp.factory.hindsight && !rp.factory.rewardIndependent;
}

/** π(·|x_i) for every decision (n×M): the policy's propensities when it has them, else its choice as one-hot. */
export function targetDistribution(policy: Policy, n: number, M: number, mc: Rng): Float64Array {
  const arms = Int32Array.from({ length: M }, (_, m) => m);
  const out = new Float64Array(n * M);
  for (let i = 0; i < n; i++) {
    const o = i * M;
    if (policy.propensity) {
      let s = 0;
      for (let a = 0; a < M; a++) s += out[o + a] = policy.propensity(i, arms, M, a, mc);
      // Monte-Carlo estimates need not sum to exactly 1
      for (let a = 0; a < M; a++) out[o + a] /= s;
    } else out[o + policy.select(i, arms, M)] = 1;
  }
  return out;
}

/** Table value of a metric for query row q and model m (a missing cell scores 0, as in `simulate`). */
function tableValue(data: OpeData, metric: OpeMetric): (q: number, m: number) => number {
  const t = data.table!;
  const M = t.nModels;
  const src = metric === 'reward' ? data.rw.rewards : metric === 'accuracy' ? t.accuracy : t.energyJ;
  return (q, m) => {
    const k = q * M + m;
    return t.present[k] && !Number.isNaN(src[k]) ? src[k] : 0;
  };
}

function evaluateDistribution(data: OpeData, rp: ResolvedPolicy, o: OpeRunOptions, qhat: Map<OpeMetric, Float64Array>): OpePolicyResult {
  const { log } = data;
  const n = log.n;
  const M = data.models.length;
  const target = targetDistribution(createPolicy(data, rp, o), n, M, Rng.derive(o.seed, 2, nameKey(rp.name)));
  const estimates: OpeEstimateRow[] = [];
  let diagnostics: OpePolicyResult['diagnostics'] = null;
  const truth: Partial<Record<OpeMetric, number>> | null = data.table ? {} : null;
  for (const [metric, reward] of data.values) {
    const d: LoggedBandit = { n, M, action: log.model, propensity: log.propensity, reward };
    const r = evaluateTarget(d, target, { estimators: o.estimators, qhat: qhat.get(metric), seed: o.seed, resamples: o.resamples, group: log.task, nGroups: log.tasks.length, switchTau: o.switchTau, drosLambda: o.drosLambda });
    if (metric === 'reward') diagnostics = r.diagnostics;
    for (const row of r.rows) estimates.push({ metric, ...row });
    if (truth) {
      const v = tableValue(data, metric);
      let s = 0;
      for (let i = 0; i < n; i++) for (let a = 0; a < M; a++) if (target[i * M + a] !== 0) s += target[i * M + a] * v(data.row![i], a);
      truth[metric] = s / n;
    }
  }
  return { name: rp.name, params: rp.params, method: 'distribution', unbiased: !log.propensityEstimated, diagnostics, kept: null, truth, estimates };
}

function evaluateReplay(data: OpeData, rp: ResolvedPolicy, o: OpeRunOptions): OpePolicyResult {
  const { log } = data;
  const n = log.n;
  const M = data.models.length;
  const arms = Int32Array.from({ length: M }, (_, m) => m);
  const policy = createPolicy(data, rp, o);
  const reward = data.values.get('reward')!;
  const res = replay(log.model, reward, {
    select: (i) => policy.select(i, arms, M),
    update: (i, a, r) => policy.update(i, a, r),
  });
  const kept = res.kept;
  const ests = [...data.values.entries()].map(([metric, v]) => {
    const c = new Float64Array(kept);
    let k = 0;
    for (let i = 0; i < n; i++) if (res.matched[i]) c[k++] = v[i];
    let s = 0;
    for (let j = 0; j < kept; j++) s += c[j];
    return { metric, est: { value: kept > 0 ? s / kept : Number.NaN, contrib: c, norm: null } };
  });
  const cis = bootstrapMany(
    ests.map((e) => e.est),
    { seed: o.seed, resamples: o.resamples },
  );
  const mask = Float64Array.from(res.matched);
  const estimates: OpeEstimateRow[] = ests.map((e, k) => {
    const r: OpeEstimateRow = { metric: e.metric, estimator: 'replay', value: e.est.value, lo: cis[k].lo, hi: cis[k].hi, sd: cis[k].sd, param: null };
    const note = nonFiniteNote(r, e.est);
    return { ...r, ...(note === undefined ? {} : { note }), vsLogged: replayVsLogged(data.values.get(e.metric)!, mask, e.est.value, o) };
  });
  let truth: Partial<Record<OpeMetric, number>> | null = null;
  if (data.table) {
    // what the policy would have achieved on this traffic: an online run over every logged context, with full
    // information from the table (replay sees only ~n/M of them, so it learns less: docs/ope.md)
    const fresh = createPolicy(data, rp, o);
    const fns = [...data.values.keys()].map((m) => [m, tableValue(data, m)] as const);
    const rv = tableValue(data, 'reward');
    const sums = new Float64Array(fns.length);
    const steps = n;
    for (let i = 0; i < steps; i++) {
      const a = fresh.select(i, arms, M);
      const q = data.row![i];
      fresh.update(i, a, rv(q, a));
      fns.forEach(([, f], k) => (sums[k] += f(q, a)));
    }
    truth = Object.fromEntries(fns.map(([m], k) => [m, sums[k] / steps]));
  }
  return { name: rp.name, params: rp.params, method: 'replay', unbiased: uniformLogs(data), diagnostics: null, kept, truth, estimates };
}

/**
 * Replay's difference from the logged mean: resample all n decisions (the resamples every target of the log
 * gets) and take the kept decisions' mean minus the logged mean on each; a resample keeping none is dropped.
 */
export function replayVsLogged(v: Float64Array, mask: Float64Array, value: number, o: OpeRunOptions): VsLogged {
  const c = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) c[i] = mask[i] !== 0 ? v[i] : 0;
  const [ci] = bootstrapMany([{ value, contrib: c, norm: mask }], { seed: o.seed, resamples: o.resamples, reference: v });
  return vsLogged(value, mean(v), ci.diff);
}

/** Evaluate every policy on the prepared log. */
export function runOpe(data: OpeData, policies: readonly ResolvedPolicy[], o: OpeRunOptions): OpePolicyResult[] {
  const qhat = new Map<OpeMetric, Float64Array>();
  const needQ = o.estimators.some((e) => e !== 'ips' && e !== 'snips');
  if (needQ && policies.some((p) => !isLearning(p))) for (const [metric, v] of data.values) qhat.set(metric, crossFitRewardModel(data.log, v));
  return policies.map((rp) => (isLearning(rp) ? evaluateReplay(data, rp, o) : evaluateDistribution(data, rp, o, qhat)));
}

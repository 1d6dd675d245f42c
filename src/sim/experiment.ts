/**
 * Experiment execution: an experiment expands into jobs (λ, arm, run). Each job is one replay of one policy
 * over one run's query order, so jobs can run in any order, on any worker, with identical results.
 */
import { UsageError } from '../core/errors.js';
import type { PoolTable } from '../data/pool.js';
import type { ContextSet } from '../features/context.js';
import { contextsFor, denseKind, type ContextFeature, type ContextSpec } from '../features/contextsFor.js';
import { checkTrainEmbedding, headRewards, prepareSplit, trainDataOf, type PreparedSplit } from './protocol.js';
import { resolvePolicies, type ResolvedPolicy } from '../policies/registry.js';
import { makePolicy, modelStats, runSeed, simulate, traceInMemory, type PoolEvent, type RunMetrics, type SimConfig } from './engine.js';
import { armLabel, splitFractionOf, type ExperimentConfig } from './experimentConfig.js';
import { buildRewards, costBoundsOf, type RewardOptions, type RewardTable } from './reward.js';
import { resolveScenario } from './scenarioConfig.js';
import type { ScenarioConfig } from './scenario.js';
import { fillTextFeatures } from './run.js';
import { resolveSemantics, type ResolvedSemantics } from './runConfig.js';
import { cutName, nameList } from '../core/escape.js';

export interface Job {
  lambdaIndex: number;
  armIndex: number;
  run: number;
}

export interface JobResult {
  job: Job;
  metrics: RunMetrics;
  /** Step regret in stream order. */
  stepRegret: Float64Array;
  /** Chosen model index per step. */
  chosen: Int32Array;
  /** Under a budget: the budgeted quantity of each step's served query (docs/model.md §11.1). */
  budgetTrace?: Float64Array;
  /** With delayed or sampled feedback: labels delivered and decisions left unlabelled. */
  feedback?: { delivered: number; unlabelled: number };
}

export function expandJobs(cfg: ExperimentConfig, runs = cfg.runs): Job[] {
  const jobs: Job[] = [];
  for (let l = 0; l < cfg.lambdas.length; l++) for (let a = 0; a < cfg.arms.length; a++) for (let r = 0; r < runs; r++) jobs.push({ lambdaIndex: l, armIndex: a, run: r });
  return jobs;
}

/** The first pool model id the table does not have, with where it was written (a path in the YAML), or null. */
export function poolProblem(cfg: ExperimentConfig, t: PoolTable): { message: string; path: (string | number)[] } | null {
  const ids = new Set(t.models.map((m) => m.id));
  const unknown = (id: string): string => `unknown model '${cutName(id)}'; models: ${nameList([...ids])}`;
  const lists: [string[] | undefined, (string | number)[]][] = [
    [cfg.pool?.initial, ['pool', 'initial']],
    [cfg.pool?.exclude, ['pool', 'exclude']],
  ];
  (cfg.pool?.events ?? []).forEach((e, k) => {
    lists.push([e.remove, ['pool', 'events', k, 'remove']], [e.add, ['pool', 'events', k, 'add']]);
  });
  for (const [list, path] of lists) {
    const j = (list ?? []).findIndex((id) => !ids.has(id));
    if (j >= 0) return { message: unknown(list![j]), path: [...path, j] };
  }
  return emptyPoolProblem(cfg, t);
}

/** An initial pool with no model, or the first pool event (in step order, as replayed) that empties the pool. */
function emptyPoolProblem(cfg: ExperimentConfig, t: PoolTable): { message: string; path: (string | number)[] } | null {
  const pool = new Set(cfg.pool?.initial ?? t.models.map((m) => m.id));
  for (const id of cfg.pool?.exclude ?? []) pool.delete(id);
  if (pool.size === 0) {
    return cfg.pool?.exclude?.length ? { message: 'leaves no model in the initial pool', path: ['pool', 'exclude'] } : { message: 'the initial pool is empty', path: ['pool', 'initial'] };
  }
  // the engine applies the events sorted by step (a stable sort), removals before additions
  const events = (cfg.pool?.events ?? []).map((e, k) => ({ e, k })).sort((a, b) => a.e.step - b.e.step);
  for (const { e, k } of events) {
    for (const id of e.remove ?? []) pool.delete(id);
    for (const id of e.add ?? []) pool.add(id);
    if (pool.size === 0) return { message: `the pool event at step ${e.step} leaves no model in the pool`, path: ['pool', 'events', k] };
  }
  return null;
}

/** The first pool event whose step is not a step of the replayed stream of `Q` queries, or null. */
export function poolStepProblem(cfg: ExperimentConfig, Q: number): { message: string; path: (string | number)[] } | null {
  const k = (cfg.pool?.events ?? []).findIndex((e) => !(e.step < Q));
  return k < 0 ? null : { message: `step must be an integer in 0..${Q - 1} (the replayed stream has ${Q} queries)`, path: ['pool', 'events', k, 'step'] };
}

/** Initial pool and events after validation against the table. */
function poolSetup(cfg: ExperimentConfig, t: PoolTable): { initial: string[] | undefined; events: PoolEvent[] } {
  const problem = poolProblem(cfg, t);
  if (problem) throw new UsageError(`experiment '${cfg.name}': ${problem.path.join('.')}: ${problem.message}`);
  let initial: string[] | undefined = cfg.pool?.initial;
  if (cfg.pool?.exclude) initial = (initial ?? t.models.map((m) => m.id)).filter((id) => !cfg.pool!.exclude!.includes(id));
  return { initial, events: cfg.pool?.events ?? [] };
}

/** Per-process cache of what jobs share: reward tables per λ, contexts per feature set, resolved arms. */
export class ExperimentContext {
  private readonly rewards = new Map<number, Promise<RewardTable>>();
  private readonly full = new Map<number, Promise<RewardTable>>();
  private readonly contexts = new Map<string, ContextSet>();
  readonly arms: ResolvedPolicy[];
  readonly pool: { initial: string[] | undefined; events: PoolEvent[] };
  readonly semantics: ResolvedSemantics;
  /** The train/test split (`split:`, docs/model.md §13), or null for the online protocol. */
  readonly split: PreparedSplit | null = null;
  /** The table the jobs replay: the test stream under a split, else the whole table. */
  readonly replay: PoolTable;

  constructor(
    readonly table: PoolTable,
    readonly cfg: ExperimentConfig,
    /** The loaded `train:` table, when the experiment names one. */
    train?: PoolTable,
  ) {
    this.arms = cfg.arms.map((a) => {
      // parameters were checked against the policy's specs: a built-in's on parsing, a plugin's once loaded (app/experimentChecks.ts)
      const [r] = resolvePolicies([a.policy], [], table.models);
      return { ...r, params: { ...r.params, ...a.params } };
    });
    this.pool = poolSetup(cfg, table);
    this.semantics = resolveSemantics(cfg.semantics, cfg.oracle);
    fillTextFeatures(table, undefined, cfg.binning);
    const fraction = splitFractionOf(cfg);
    if (fraction !== undefined) {
      // one split, drawn from the experiment's seed (and the draw of a series member): every worker draws the same one
      this.split = prepareSplit(table, { kind: 'split', fraction, splits: 1 }, this.contextSpec(cfg.features), cfg.seed, cfg.splitDraw ?? 0);
    } else if (train) {
      fillTextFeatures(train, undefined, cfg.binning);
      // an arm's own features may ask for embeddings the experiment's do not: checked before any is replayed
      if (cfg.arms.some((a) => denseKind(a.features ?? cfg.features) === 'embedding')) checkTrainEmbedding(table, train, cfg.train ?? train.name);
      this.split = prepareSplit(table, { kind: 'train-table', train, source: cfg.train ?? train.name }, this.contextSpec(cfg.features), cfg.seed, 0);
    }
    this.replay = this.split ? this.split.test : table;
  }

  private contextSpec(features: ContextFeature[]): ContextSpec {
    return { layout: this.semantics.layout, features, binning: this.cfg.binning, embedDim: this.cfg.embedDim, embedSeed: this.cfg.seed, naming: 'fields' };
  }

  private rewardOptions(lambdaIndex: number): RewardOptions {
    return { lambda: this.cfg.lambdas[lambdaIndex], cost: this.cfg.cost, expression: this.cfg.reward };
  }

  /**
   * Keep the reward tables (and scenarios, which hold drifted ones) of λ index l only: jobs come λ by λ, so
   * a sweep holds one λ's tables at a time; a λ asked for again is rebuilt, to the same values.
   */
  private keepOnly(l: number): void {
    for (const m of [this.rewards, this.full, this.scenarios]) for (const k of [...m.keys()]) if (k !== l) m.delete(k);
  }

  /** Rewards over the whole table (under a split: test rows, then train rows). */
  private fullRewards(l: number): Promise<RewardTable> {
    this.keepOnly(l);
    let p = this.full.get(l);
    if (!p) {
      p = buildRewards(this.split ? this.split.stack : this.table, this.rewardOptions(l));
      this.full.set(l, p);
    }
    return p;
  }

  /** Rewards of the replayed rows at λ index l. */
  rewardTable(lambdaIndex: number): Promise<RewardTable> {
    this.keepOnly(lambdaIndex);
    let p = this.rewards.get(lambdaIndex);
    if (!p) {
      const sp = this.split;
      p = sp ? this.fullRewards(lambdaIndex).then((rw) => headRewards(rw, sp.nTest, sp.stack.nModels)) : this.fullRewards(lambdaIndex);
      this.rewards.set(lambdaIndex, p);
    }
    return p;
  }

  private readonly scenarios = new Map<number, Promise<ScenarioConfig | undefined>>();

  /** Budget, drift and feedback of the experiment at one λ (drift rebuilds rewards per λ), or undefined. */
  scenario(lambdaIndex: number): Promise<ScenarioConfig | undefined> {
    this.keepOnly(lambdaIndex);
    let p = this.scenarios.get(lambdaIndex);
    if (!p) {
      // under a split the rewards are scored on the whole stack, so drifted ones keep its cost bounds
      const bounds = this.split ? costBoundsOf(this.split.stack, this.rewardOptions(lambdaIndex)) : undefined;
      p = this.rewardTable(lambdaIndex).then((rw) => resolveScenario(this.replay, rw, this.rewardOptions(lambdaIndex), this.cfg, '', bounds));
      this.scenarios.set(lambdaIndex, p);
    }
    return p;
  }

  featuresOf(armIndex: number): ContextFeature[] {
    return this.cfg.arms[armIndex].features ?? this.cfg.features;
  }

  contextSet(features: ContextFeature[]): ContextSet {
    const key = features.join(',');
    let c = this.contexts.get(key);
    if (!c) {
      c = this.split ? contextsFor(this.split.stack, this.contextSpec(features), this.split.trainRows) : contextsFor(this.table, this.contextSpec(features));
      this.contexts.set(key, c);
    }
    return c;
  }

  async run(job: Job): Promise<JobResult> {
    const rw = await this.rewardTable(job.lambdaIndex);
    const scenario = await this.scenario(job.lambdaIndex);
    const ctx = this.contextSet(this.featuresOf(job.armIndex));
    const config: SimConfig = {
      runs: this.cfg.runs,
      runList: [job.run],
      seed: this.cfg.seed,
      semantics: this.semantics.semantics,
      oracle: this.semantics.oracle,
      policies: [this.arms[job.armIndex]],
      initialModels: this.pool.initial,
      events: this.pool.events,
      maxLatency: this.cfg.maxLatency ?? null,
      recordSteps: true,
      ...(this.split ? { train: trainDataOf(this.split, await this.fullRewards(job.lambdaIndex)) } : {}),
      scenario,
    };
    const res = simulate(this.replay, ctx, rw, config);
    const st = traceInMemory(res.steps)!;
    const out: JobResult = { job, metrics: res.metrics[0][0], stepRegret: st.regret.slice(), chosen: st.model.slice() };
    const trace = res.scenario?.budgetTrace?.[0][0];
    if (trace) out.budgetTrace = trace;
    const fb = res.scenario?.feedback?.[0][0];
    if (fb) out.feedback = fb;
    return out;
  }

  /**
   * Make arm a's policy once, as the first run at the first λ makes it, and drop it: what the policy refuses
   * (its parameters, its train part, the table) is then refused before a checkpoint exists. Builds the arm's
   * contexts and the first λ's rewards, which the jobs reuse.
   */
  async createArm(a: number): Promise<void> {
    const rp = this.arms[a];
    const contexts = this.contextSet(this.featuresOf(a));
    const rw = await this.rewardTable(0);
    const scenario = await this.scenario(0);
    const t = this.replay;
    const ids = this.pool.initial;
    const policy = makePolicy(rp, {
      contexts,
      t,
      initialArms: ids ? ids.map((id) => t.models.findIndex((m) => m.id === id)) : t.models.map((_, m) => m),
      seed: runSeed(this.cfg.seed, 0),
      rules: this.semantics.rules,
      ...(scenario ? { budget: scenario.budget ?? null } : {}),
      hindsight: rp.factory.hindsight ? { rewards: rw.rewards, present: t.present, ...modelStats(t, rw) } : undefined,
      train: rp.factory.train && this.split ? trainDataOf(this.split, await this.fullRewards(0)) : undefined,
    });
    policy.dispose?.();
  }

  /** Label of an arm (for tables and charts). */
  label(armIndex: number): string {
    return armLabel(this.cfg.arms[armIndex]);
  }
}

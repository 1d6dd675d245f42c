/**
 * The RouterBench evaluation use case (paper §7.3.6, Table 1): load RouterBench tables, derive context
 * features, sweep the policies over a λ grid, score them, and write a results directory. `evaluate` and
 * `regress` both call it.
 */
import { AtomicDir } from '../core/atomic.js';
import type { Inputs } from '../core/outputGuard.js';
import { energyModelSizes, inputFiles } from './inputs.js';
import { UsageError, warnSetting } from '../core/errors.js';
import { checkFieldKinds, checkObject, checkRequiredKinds, checkStringList } from '../core/shape.js';
import { checkMarker, checkOutDir, checkProgress, checkTable, checkWith, checkWriterOptions } from './arguments.js';
import { loadRouterbench } from './routerbenchSource.js';
import { checkRequest } from './runConfig.js';
import { FamilyMapper, remapTasks, type parseFamilyRules } from '../data/families.js';
import { tableSha256, type PoolTable } from '../data/pool.js';
import type { ComplexityBinning } from '../features/context.js';
import { denseKind, type ContextFeature } from '../features/contextsFor.js';
import { checkPolicyNames, loadPolicyModule, TRAINED_DEFAULT_POLICIES } from '../policies/registry.js';
import { checkThreadBound } from './policies.js';
import { PROTOCOL_BASELINE } from '../sim/run.js';
import { checkProtocolSettings, tasksMissingFromTrain, type ProtocolSpec } from '../sim/protocol.js';
import { evaluateSplits } from './evaluateProtocol.js';
import { applyFeatures } from '../features/pipeline.js';
import type { AiqMode } from '../metrics/aiq.js';
import { evaluateSweep, type EvaluateSummary } from '../metrics/routerbench.js';
import { energyForEvaluate, evaluateEnergy, type EvaluateEnergy } from './energy.js';
import { parseEnergyModelFlag } from '../data/energy/flag.js';
import { writeEvaluateOutputs } from '../report/evaluate.js';
import { DEFAULT_LAMBDAS, runSweep, type SweepOptions, type SweepResult } from '../sim/sweep.js';
import { atMost, MAX_JOBS, MAX_LAMBDAS } from '../sim/limits.js';
import { runFields, runSettingsSchema } from '../sim/runConfig.js';
import { z } from 'zod';
import type { DriftEvent } from '../sim/drift.js';
import { buildRewards } from '../sim/reward.js';
import { resolveScenario, usesScenario, type ScenarioSettings } from '../sim/scenarioConfig.js';
import { version } from './version.js';

export const DEFAULT_ROUTERBENCH_SOURCE = 'hf://withmartian/routerbench/routerbench_0shot.pkl';
/** GreenServ Table 1's three bandits ("ε-greedy" there is the contextual one) and the random baseline. */
export const DEFAULT_EVALUATE_POLICIES = Object.freeze(['linear-epsilon-greedy', 'linucb', 'thompson', 'random'] as const);

/** `evaluate`'s policies when none are named; under the train/test protocol also the trained routers. */
export function defaultEvaluatePolicies(protocol: boolean): string[] {
  return [...DEFAULT_EVALUATE_POLICIES, ...(protocol ? TRAINED_DEFAULT_POLICIES : [])];
}



/**
 * The context features to use: cluster and complexity come from the table, else from the prompt text
 * (features pipeline, docs/features.md: k = 3 online clusters, inverted Flesch); a feature with neither is dropped
 * with a warning. Fills the table's cluster/complexity columns in place.
 */
export function contextFeatures(table: PoolTable, features: ContextFeature[], binning: ComplexityBinning, say: Say): ContextFeature[] {
  // dense contexts need no derived features
  if (denseKind(features)) return features;
  const needCluster = features.includes('cluster') && !table.cluster.some((c) => c >= 0);
  const needCx = features.includes('complexity') && table.complexity.some((c) => Number.isNaN(c));
  if (needCluster || needCx) applyFeatures(table, { k: 3, binning });
  const usable = features.filter((f) => {
    if (f === 'cluster') return table.cluster.some((c) => c >= 0);
    if (f === 'complexity') return table.complexity.some((c) => !Number.isNaN(c));
    return true;
  });
  for (const f of features) if (!usable.includes(f)) warnSetting(say, (n) => `${n('features')}: the table has no ${f} values and no prompt text to compute them from; using ${usable.join(',') || 'none'}`);
  return usable;
}

export interface EvaluateParams {
  /** One source or several (combined; their order does not matter). */
  source: string | readonly string[];
  format?: string;
  offline?: boolean;
  policies: string[];
  params: string[];
  lambdas: number[];
  runs: number;
  seed: number;
  semantics: 'paper' | 'repo';
  features: ContextFeature[];
  binning: ComplexityBinning;
  /** Train share of a train/test split (docs/model.md §13); absent: the online protocol. */
  split?: number;
  splits: number;
  /** A separate RouterBench training table (its source); absent: none. */
  train?: string;
  embedDim: number;
  familyRules: ReturnType<typeof parseFamilyRules>;
  defaultFamilies: boolean;
  costScale: 'linear' | 'log';
  aiqMode: AiqMode;
  jobs: number;
  /** What the routers trade accuracy against: the table's USD cost, or modelled energy (`energyModel`). */
  cost: 'usd' | 'energy';
  /** `gpu=H100,batch=32[,models=<csv>][,tokenizer=o200k]`: required with cost 'energy', refused without it. */
  energyModel?: string;
  /** Scenarios of every replay, as `simulate` takes them (docs/model.md §11). */
  budget?: string;
  drift?: DriftEvent[];
  feedbackDelay?: string;
  feedbackRate?: number;
  /** ES module files of policy plugins, loaded before the policies are resolved (a shard's state keeps them for merge). */
  policyModules?: string[];
}

/**
 * What a library caller gives `evaluateRouterbench`; every field left out has the CLI's default. `warn` gets
 * what the command prints as warnings (rows the loaders skip, features the table lacks); without it they are dropped.
 */
export type EvaluateRequest = Partial<EvaluateParams> & { warn?: Say };

/** Where an evaluation's warnings go. */
export type Say = (msg: string) => void;
const silent: Say = () => {};

/** An evaluation's settings, built from the same field definitions as a simulation's (sim/runConfig.ts). */
export const evaluateSchema = z
  .object({
    source: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default(DEFAULT_ROUTERBENCH_SOURCE),
    format: z.string().optional(),
    offline: z.boolean().optional(),
    policies: runFields.policies.default([...DEFAULT_EVALUATE_POLICIES]),
    params: runFields.params.default([]),
    lambdas: z
      .array(runFields.lambda)
      .min(1)
      .max(MAX_LAMBDAS, atMost(MAX_LAMBDAS))
      // a repeated λ would weigh its point twice (--lambdas and experiment YAML refuse repeats too)
      .superRefine((ls, ctx) => {
        const twice = ls.findIndex((l, i) => ls.indexOf(l) !== i);
        if (twice >= 0) ctx.addIssue({ code: 'custom', message: `λ ${ls[twice]} is listed twice (lambdas.${ls.indexOf(ls[twice])} and lambdas.${twice}); list each λ once` });
      })
      .default([...DEFAULT_LAMBDAS]),
    ...runSettingsSchema.pick({ runs: true, seed: true, semantics: true, features: true, binning: true, split: true, splits: true, train: true, embedDim: true, budget: true, drift: true, feedbackDelay: true, feedbackRate: true }).shape,
    familyRules: z.array(z.object({ pattern: z.string(), family: z.string() }).strict()).default([]),
    defaultFamilies: z.boolean().default(true),
    costScale: z.enum(['linear', 'log']).default('linear'),
    aiqMode: z.enum(['paper', 'routerbench-code']).default('paper'),
    jobs: z.number().int('must be an integer ≥ 1').min(1, 'must be an integer ≥ 1').default(1),
    cost: z.enum(['usd', 'energy']).default('usd'),
    energyModel: z.string().min(1, 'is empty').optional(),
    /** ES module files of policy plugins, loaded before the policies are resolved (shards record them for merge). */
    policyModules: z.array(z.string().min(1, 'is empty')).max(64).optional(),
  })
  .strict();

/**
 * The CLI's defaults for whatever a request leaves out (jobs: 1; results do not depend on it). A bad value
 * is a UsageError naming the field.
 */
export function evaluateDefaults(request: EvaluateRequest): EvaluateParams {
  checkObject(request);
  // warn is where messages go, not a setting: it is not recorded
  checkFieldKinds(request, { warn: 'function' });
  const { warn: _, ...r } = request;
  const p = checkRequest(evaluateSchema, r.policies === undefined ? { ...r, policies: defaultEvaluatePolicies(r.split !== undefined || r.train !== undefined) } : r);
  if (p.cost === 'energy' && p.energyModel === undefined) throw new UsageError("energyModel: cost 'energy' needs an energy model, e.g. 'gpu=H100,batch=32'");
  if (p.cost !== 'energy' && p.energyModel !== undefined) throw new UsageError("energyModel: applies to cost 'energy' only");
  // a typo fails before the data is read (the command checks its flag as early)
  if (p.energyModel !== undefined) parseEnergyModelFlag(p.energyModel);
  checkReplayCount(p, 'fields');
  checkThreadBound(p.policies, p.jobs, 'jobs');
  return p;
}

/**
 * Replays an evaluation makes, bounded as an experiment's are (MAX_JOBS, docs/limits.md): λ values × runs ×
 * policies (train-best-static joins them under the protocol) × splits. Checked before any data is read;
 * `naming` words the message as the flags or as the request's fields.
 */
export function checkReplayCount(p: Pick<EvaluateParams, 'lambdas' | 'runs' | 'policies' | 'split' | 'splits' | 'train'>, naming: 'flags' | 'fields'): void {
  const protocol = p.split !== undefined || p.train !== undefined;
  const added = protocol && !p.policies.includes(PROTOCOL_BASELINE);
  const P = p.policies.length + (added ? 1 : 0);
  const S = p.split !== undefined ? p.splits : 1;
  const n = p.lambdas.length * p.runs * P * S;
  if (n <= MAX_JOBS) return;
  const f = naming === 'flags';
  const parts = [`${f ? '--lambdas' : 'lambdas'} ${p.lambdas.length} values`, `${f ? '--runs' : 'runs'} ${p.runs}`, `${P} policies${f ? ` (--policies${added ? ' and train-best-static' : ''})` : added ? ' (with train-best-static)' : ''}`, ...(S > 1 ? [`${f ? '--splits' : 'splits'} ${S}`] : [])];
  throw new UsageError(`${parts.join(' × ')} = ${n} replays, ${atMost(MAX_JOBS)}`);
}

/** An evaluation's table, loaded, priced (under cost 'energy'), mapped to families and given its context features, and its sweep options. */
export async function prepareEvaluation(p: EvaluateParams, say: Say = silent) {
  for (const f of p.policyModules ?? []) await loadPolicyModule(f);
  // with the plugins registered, an unknown name is refused before the (slow) load and its warnings
  checkPolicyNames(p.policies);
  const { table: loaded, files } = await loadRouterbench(p.source, { format: p.format, offline: p.offline, warn: say });
  // --cost energy: modelled joules per prompt become the cost axis (docs/energy-model.md)
  const em = p.cost === 'energy' ? await energyForEvaluate(loaded, files, p.energyModel!, { format: p.format, warn: say }) : null;
  const raw = em ? em.table : loaded;
  const { table, members } = remapTasks(raw, new FamilyMapper(p.familyRules, p.defaultFamilies));
  // the dataset hash is of the table as loaded and mapped, before features are derived from its text
  const sha256 = tableSha256(table);
  const usable = contextFeatures(table, p.features, p.binning, say);
  const sweepOptions: SweepOptions = { policies: p.policies, params: p.params, lambdas: p.lambdas, runs: p.runs, seed: p.seed, semantics: p.semantics, features: usable, binning: p.binning, costScale: p.costScale, jobs: p.jobs, embedDim: p.embedDim };
  const scenario = scenarioOf(p);
  if (scenario) {
    // checked on the whole table before any replay (each λ resolves it again, on its test rows under a split)
    await resolveScenario(table, await buildRewards(table, { lambda: p.lambdas[0], cost: 'usd', costScale: p.costScale }), { lambda: p.lambdas[0], cost: 'usd', costScale: p.costScale }, scenario);
    sweepOptions.scenario = scenario;
  }
  return { table, files, members, sha256, usable, sweepOptions, em };
}

/** The scenario settings of an evaluation, or undefined when it uses none (its outputs then keep their bytes). */
function scenarioOf(p: EvaluateParams): ScenarioSettings | undefined {
  const s: ScenarioSettings = {};
  if (p.budget !== undefined) s.budget = p.budget;
  if (p.drift !== undefined && p.drift.length) s.drift = p.drift;
  if (p.feedbackDelay !== undefined) s.feedbackDelay = p.feedbackDelay;
  if (p.feedbackRate !== undefined) s.feedbackRate = p.feedbackRate;
  return usesScenario(s) ? s : undefined;
}

/** Score a finished sweep (whole, or assembled from shards). */
export function scoreSweep(p: EvaluateParams, prep: Awaited<ReturnType<typeof prepareEvaluation>>, sweep: SweepResult) {
  const { table, files, members, sha256, usable, em } = prep;
  const result = evaluateSweep(table, sweep, { aiqMode: p.aiqMode, costScale: p.costScale, features: usable, semantics: p.semantics, seed: p.seed, source: sourceLabel(p.source), members, sha256, cost: p.cost });
  const energy = em ? evaluateEnergy(table, result.summary, em.spec, em.attach) : null;
  // summary.json gains an `energy` block only under cost 'energy'
  if (energy) (result.summary as EvaluateSummary & { energy?: EvaluateEnergy }).energy = energy;
  return { table, files, sweep, result, usable, sha256, params: p, energy };
}

/** Load, sweep and score: everything `evaluate` computes, without writing files (regress reuses it). */
export async function evaluateRouterbench(request: EvaluateRequest = {}, progress?: (done: number, total: number, label: string) => void) {
  const p = evaluateDefaults(request);
  checkProgress(progress);
  // before any data is read
  checkProtocolSettings(p.split, p.train !== undefined, p.splits);
  const say = request.warn ?? silent;
  const prep = await prepareEvaluation(p, say);
  if (p.split !== undefined || p.train !== undefined) {
    const spec = await evaluateProtocolSpec(p, say);
    if (spec.kind === 'train-table') {
      const missing = tasksMissingFromTrain(prep.table, spec.train);
      if (missing.length) say(`the train table ${spec.source} has no prompts of ${missing.join(', ')}: the trained routers learn nothing about them`);
    }
    const eo = { aiqMode: p.aiqMode, costScale: p.costScale, features: prep.usable, semantics: p.semantics, seed: p.seed, source: sourceLabel(p.source), members: prep.members, sha256: prep.sha256, cost: p.cost };
    return { table: prep.table, files: prep.files, usable: prep.usable, sha256: prep.sha256, params: p, energy: null, ...(await evaluateSplits(prep.table, spec, prep.sweepOptions, eo, progress)) };
  }
  const sweep = await runSweep(prep.table, prep.sweepOptions, progress);
  return scoreSweep(p, prep, sweep);
}

/** The protocol `split`/`train` ask for; a train table is loaded and mapped to families as the data is. */
async function evaluateProtocolSpec(p: EvaluateParams, say: Say): Promise<ProtocolSpec> {
  if (p.split !== undefined) return { kind: 'split', fraction: p.split, splits: p.splits };
  const { table: raw } = await loadRouterbench(p.train!, { format: p.format, offline: p.offline, warn: say });
  const train = remapTasks(raw, new FamilyMapper(p.familyRules, p.defaultFamilies)).table;
  contextFeatures(train, p.features, p.binning, say);
  return { kind: 'train-table', train, source: p.train! };
}

/** The files an evaluation reads, as named: its sources, the train table and an energy model's sizes file. */
export function evaluateInputs(p: Pick<EvaluateParams, 'source' | 'train' | 'energyModel' | 'policyModules'>): string[] {
  return inputFiles(p.source, p.train, energyModelSizes(p.energyModel), p.policyModules);
}

/** The sources as recorded in summary.json and the manifest: sorted, so naming them in another order changes nothing. */
export function sourceLabel(source: string | readonly string[]): string {
  return typeof source === 'string' ? source : [...source].sort().join(' ');
}

export type Evaluation = Awaited<ReturnType<typeof evaluateRouterbench>>;

/** What `evaluateRouterbench` resolved to: the fields the writer reads, its settings as the request schema takes them. */
function checkEvaluation(ev: unknown): void {
  checkObject(ev, 'evaluation');
  checkRequiredKinds(ev, { table: 'object', files: 'array', sweep: 'object', result: 'object', usable: 'array', sha256: 'string', params: 'object' }, 'evaluation.');
  const e = ev as Evaluation;
  checkTable(e.table, 'evaluation.table');
  checkStringList(e.files, 'evaluation.files');
  checkStringList(e.usable, 'evaluation.usable');
  checkRequiredKinds(e.result, { summary: 'object', curves: 'array' }, 'evaluation.result.');
  // the summary of another command (a simulate run's, say) is named as such
  checkMarker(e.result.summary, 'command', 'evaluate', 'evaluation.result.summary.');
  checkRequiredKinds(e.sweep, { lambdas: 'array', policyNames: 'array', params: 'array', tasks: 'array', runs: 'number', runSeeds: 'array', taskQueries: 'array', cost: 'object', quality: 'object' }, 'evaluation.sweep.');
  checkWith(evaluateSchema, e.params, 'evaluation.params');
}

/**
 * Write an evaluation's results directory atomically (summary.json, runs.csv, points.csv, charts,
 * report.html, manifest.json). `source` is the sources as named; `outDir` must not exist unless `force`.
 */
export async function writeEvaluateResults(outDir: string, evaluation: Evaluation, o: { force?: boolean; charts?: boolean; inputs?: Inputs } = {}): Promise<void> {
  // nothing is written (not even the temporary directory) for an argument of the wrong kind
  checkOutDir(outDir);
  checkEvaluation(evaluation);
  checkWriterOptions(o, { force: 'boolean', charts: 'boolean', inputs: 'array' });
  const ev = evaluation;
  const { table, files, sweep, result, usable, sha256, params: p } = ev;
  // never replace a directory holding what was read
  const dir = new AtomicDir(outDir, o.force === true, [...evaluateInputs(p), ...files, ...(o.inputs ?? [])]);
  try {
    await writeEvaluateOutputs(
      dir,
      result,
      sweep,
      {
        schemaVersion: 1,
        command: 'evaluate',
        greenserv: version(),
        node: process.version,
        dataset: { name: table.name, sha256, source: sourceLabel(p.source), files },
        config: {
          policies: p.policies.map((name, i) => ({ name, params: sweep.params[i] })),
          lambdas: p.lambdas,
          runs: p.runs,
          seed: p.seed,
          semantics: p.semantics,
          features: usable,
          binning: p.binning,
          familyRules: p.familyRules,
          defaultFamilies: p.defaultFamilies,
          cost: p.cost,
          ...(p.energyModel !== undefined ? { energyModel: p.energyModel } : {}),
          ...(p.policyModules !== undefined && p.policyModules.length > 0 ? { policyModules: p.policyModules } : {}),
          costScale: p.costScale,
          aiqMode: p.aiqMode,
          // no jobs: the worker count changes no result, so runs with any count write the same bytes
          // only when used, so the manifests of other runs keep their bytes
          ...(p.split !== undefined ? { split: p.split, splits: p.splits } : {}),
          ...(p.train !== undefined ? { train: p.train } : {}),
          ...(usable.includes('embed') ? { embedDim: p.embedDim } : {}),
          ...scenarioOf(p),
        },
        runSeeds: sweep.runSeeds,
      },
      { charts: o.charts !== false },
    );
    await dir.commitSettled();
  } catch (e) {
    dir.abort();
    throw e;
  }
}

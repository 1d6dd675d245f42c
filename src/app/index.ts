/**
 * The library API of greenserv: the same use cases the commands run, with the same defaults, so a program
 * gets the numbers the CLI prints. See docs/api.md.
 */
export { loadTable, type LoadOptions } from '../data/load.js';
export type { PoolTable, ModelInfo, AccuracyColumn, MetricColumn } from '../data/pool.js';
export { DataError, UsageError } from '../core/errors.js';
export { simulate, simulateTable, writeSimulateResults, defaultPolicies, type SimulateRequest, type SimulateRun, type SimulateRecord, type WriteSimulateOptions } from './simulate.js';
export type { SimulateOptions } from '../sim/run.js';
export type { RunConfig } from '../sim/runConfig.js';
export { runExperiment, runExperimentShard, listExperiments, resolveExperimentFile, type ExperimentRunOptions, type SplitSeriesMember } from './experiment.js';
export { mergeShards, type MergeOptions } from './merge.js';
export { parseShard, type ShardSpec } from '../sim/shard.js';
export { loadRouterbench } from './routerbenchSource.js';
export { evaluateRouterbench, writeEvaluateResults, DEFAULT_ROUTERBENCH_SOURCE, DEFAULT_EVALUATE_POLICIES, type EvaluateRequest, type EvaluateParams, type Evaluation } from './evaluate.js';
export { energySensitivity, writeSensitivity, type SensitivityRequest, type SensitivityResult } from './energySensitivity.js';
export type { EvaluateEnergy } from './energy.js';
export type { EnergyMetrics, RouterEnergy } from '../metrics/energy.js';
export { profileTable, type ProfileRequest } from './profile.js';
export { regressOne, readBaseline, type Baseline, type RegressResult } from './regress.js';
export type { Tolerance } from '../metrics/regress.js';
export { loadPolicyModule, registerPolicy } from './policies.js';
export { ope, writeOpeResults, type OpeRequest } from './ope.js';
export type { OpeSummary } from '../metrics/ope/summary.js';
export { POLICY_NAMES } from '../policies/registry.js';
export type { Policy, PolicyEnv, PolicyFactory, ParamSpec, Params, HindsightData, TrainData, BudgetSpec } from '../policies/policy.js';
export type { Summary, PolicySummary } from '../metrics/summary.js';
export type { ExperimentSummary } from '../metrics/experiment.js';
export type { Profile } from '../metrics/profile.js';
export { version } from './version.js';

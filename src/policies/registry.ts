/** Policy registry: names used on the command line and in summary.json. */
import { didYouMean, SettingError, UsageError } from '../core/errors.js';
import { parseDecimal } from '../core/format.js';
import type { ModelInfo } from '../data/pool.js';
import { epsilonGreedyFactory } from './epsilonGreedy.js';
import { knnFactory } from './knn.js';
import { linearEpsilonGreedyFactory } from './linearEpsilonGreedy.js';
import { linucbFactory } from './linucb.js';
import { oracleFactory } from './oracle.js';
import { loadPluginModule, pluginFactories, registerPluginFactory } from './plugins.js';
import type { PolicyFactory } from './policy.js';
import { predictiveFactory } from './predictive.js';
import { randomFactory } from './random.js';
import { bestStaticFactory, largestFactory, mostAccurateFactory, smallestFactory, staticModelFactory } from './static.js';
import { thompsonFactory } from './thompson.js';
import { trainBestStaticFactory } from './trainBestStatic.js';
import { budgetedLinucbFactory } from './budgetedLinucb.js';
import { budgetedThompsonFactory } from './budgetedThompson.js';
import { discountedLinucbFactory } from './discountedLinucb.js';
import { cusumLinucbFactory } from './cusumLinucb.js';
import { hybridLinucbFactory } from './hybridLinucb.js';
import { slidingWindowLinucbFactory } from './slidingWindowLinucb.js';
import { softmaxFactory } from './softmax.js';
import { ucb1Factory } from './ucb1.js';
import { warmLinucbFactory } from './warmLinucb.js';
import { warmThompsonFactory } from './warmThompson.js';
import { cutName, nameList } from '../core/escape.js';

export const FACTORIES: readonly PolicyFactory[] = [
  randomFactory,
  largestFactory,
  smallestFactory,
  mostAccurateFactory,
  bestStaticFactory,
  oracleFactory,
  epsilonGreedyFactory,
  linearEpsilonGreedyFactory,
  linucbFactory,
  thompsonFactory,
];

/**
 * What `simulate` runs when no --policies is given: every policy above that needs no train part
 * (static:<model> is per model).
 */
export const DEFAULT_POLICIES: readonly string[] = FACTORIES.filter((f) => !f.train).map((f) => f.name);

/** Routers for budgets, drift and new models (docs/model.md §11): registered, but run only when named. */
export const SCENARIO_FACTORIES: readonly PolicyFactory[] = [
  budgetedLinucbFactory,
  budgetedThompsonFactory,
  discountedLinucbFactory,
  slidingWindowLinucbFactory,
  cusumLinucbFactory,
  hybridLinucbFactory,
  softmaxFactory,
  ucb1Factory,
];

/**
 * Routers trained on the train part of a split (`train: true`): they need TrainData, so they run only when
 * named and never by default.
 */
const TRAINED_FACTORIES: readonly PolicyFactory[] = [trainBestStaticFactory, knnFactory, predictiveFactory, warmLinucbFactory, warmThompsonFactory];
/** Added to the default policies under the train/test protocol (train-best-static runs there anyway, as the reference). */
export const TRAINED_DEFAULT_POLICIES: readonly string[] = [knnFactory.name, predictiveFactory.name, warmLinucbFactory.name, warmThompsonFactory.name];

const BUILTIN: readonly PolicyFactory[] = [...FACTORIES, ...SCENARIO_FACTORIES, ...TRAINED_FACTORIES];

// frozen: a library caller's push would change every later message and help text
export const POLICY_NAMES: readonly string[] = Object.freeze([...FACTORIES.map((f) => f.name), 'static:<model>', ...SCENARIO_FACTORIES.map((f) => f.name), ...TRAINED_FACTORIES.map((f) => f.name)]);

const isBuiltin = (name: string): boolean => BUILTIN.some((f) => f.name === name) || name.startsWith('static:');

/** A built-in factory by name (not static:<model>, not plugins). */
export function builtinFactory(name: string): PolicyFactory | undefined {
  return BUILTIN.find((f) => f.name === name);
}

/** Names added by registerPolicy: a worker thread has no module to import them from. */
const fromCode = new Set<string>();

/** Add a policy factory (a plugin) under its own name; built-in names cannot be taken. */
export function registerPolicy(factory: PolicyFactory): void {
  registerPluginFactory(factory, isBuiltin);
  fromCode.add(factory.name);
}

/** The policies added from code (registerPolicy), which run on the calling thread only. */
export function policiesFromCode(): ReadonlySet<string> {
  return fromCode;
}

/** Load and register the factories of an ES module file (see plugins.ts). */
export async function loadPolicyModule(path: string, as?: string): Promise<readonly PolicyFactory[]> {
  return loadPluginModule(path, isBuiltin, as);
}

/** Built-in factories, then plugins. */
function allFactories(): readonly PolicyFactory[] {
  const plugins = pluginFactories();
  return plugins.length ? [...BUILTIN, ...plugins] : BUILTIN;
}

export interface ResolvedPolicy {
  name: string;
  factory: PolicyFactory;
  params: Record<string, number>;
}

/** Resolve a policy name (including `static:<model>`) against the dataset's models. */
export function resolvePolicy(name: string, models: readonly ModelInfo[]): PolicyFactory {
  if (name.startsWith('static:')) {
    const id = name.slice('static:'.length);
    const m = models.findIndex((x) => x.id === id);
    if (m < 0) throw new UsageError(`unknown model '${cutName(id)}' in '${cutName(name)}'${didYouMean(id, models.map((x) => x.id))}; models: ${nameList(models.map((x) => x.id))}`);
    return staticModelFactory(m, id);
  }
  const all = allFactories();
  const f = all.find((x) => x.name === name);
  if (!f) throw new UsageError(`unknown policy '${cutName(name)}'${didYouMean(name, all.map((x) => x.name))}; valid policies: ${[...POLICY_NAMES, ...pluginFactories().map((x) => x.name)].join(', ')}`);
  return f;
}

/**
 * The policy names that need no table (all but `static:<model>`, which waits for the table's models)
 * resolved as resolvePolicies resolves them, so an unknown one is refused before any data is read.
 */
export function checkPolicyNames(names: readonly string[]): void {
  resolvePolicies(names.filter((n) => !n.startsWith('static:')), [], []);
}

/**
 * Parse `policy.param=value` overrides (e.g. `linucb.alpha=0.2`) and return each policy's full parameter set.
 * Unknown policies or parameters and out-of-range values are usage errors listing the valid names.
 */
/**
 * `recorded` overrides with those of `extra` in their place: a what-if (`regress --param`) replaces the setting a
 * baseline recorded for the same policy parameter instead of being given beside it.
 */
export function withOverrides(recorded: readonly string[], extra: readonly string[]): string[] {
  const key = (o: string): string => o.trim().split('=')[0];
  const replaced = new Set(extra.map(key));
  return [...recorded.filter((o) => !replaced.has(key(o))), ...extra];
}

export function resolvePolicies(names: readonly string[], overrides: readonly string[], models: readonly ModelInfo[]): ResolvedPolicy[] {
  const seen = new Set<string>();
  const out: ResolvedPolicy[] = [];
  for (const name of names) {
    if (seen.has(name)) throw new UsageError(`policy '${name}' is listed twice`);
    seen.add(name);
    const factory = resolvePolicy(name, models);
    const params: Record<string, number> = {};
    for (const p of factory.params) params[p.name] = p.default;
    out.push({ name, factory, params });
  }
  // one setting given twice would leave which one counts to the order of the list
  const given = new Map<string, string>();
  for (const o of overrides) {
    // static:<model> has no parameters, and a model id may hold dots the pattern below would split at
    if (o.trim().startsWith('static:')) throw new UsageError(`parameter override '${o}': static:<model> policies have no parameters`);
    const m = /^([^.=\s]+)\.([^=\s]+)=(.+)$/.exec(o.trim());
    if (!m) throw new UsageError(`bad parameter override '${o}': expected <policy>.<param>=<number>, e.g. linucb.alpha=0.2`);
    const [, pol, key, raw] = m;
    const first = given.get(`${pol}.${key}`);
    if (first !== undefined) throw new UsageError(`parameter ${pol}.${key} is given twice ('${first}' and '${o}'); give it once`);
    given.set(`${pol}.${key}`, o);
    const all = allFactories();
    const factory = all.find((f) => f.name === pol);
    // named as the setting was given: the params field, or --param on the command line
    if (!factory) throw new SettingError((n) => `${n('params')}: unknown policy '${cutName(pol)}' in '${cutName(o)}'${didYouMean(pol, all.map((f) => f.name))}; valid policies: ${all.map((f) => f.name).join(', ')}`);
    const spec = factory.params.find((p) => p.name === key);
    if (!spec) {
      const valid = factory.params.map((p) => p.name).join(', ') || '(none)';
      throw new UsageError(`unknown parameter '${cutName(key)}' for policy '${pol}'${didYouMean(key, factory.params.map((p) => p.name))}; valid parameters: ${valid}`);
    }
    const v = parseDecimal(raw);
    if (!Number.isFinite(v)) throw new UsageError(`parameter override '${o}': '${raw}' is not a finite number`);
    if (spec.min !== undefined && v < spec.min) throw new UsageError(`parameter override '${o}': ${key} must be ≥ ${spec.min}`);
    if (spec.max !== undefined && v > spec.max) throw new UsageError(`parameter override '${o}': ${key} must be ≤ ${spec.max}`);
    if (spec.positive && !(v > 0)) throw new UsageError(`parameter override '${o}': ${key} must be > 0`);
    if (spec.integer && !Number.isInteger(v)) throw new UsageError(`parameter override '${o}': ${key} must be a whole number`);
    const target = out.find((r) => r.factory.name === pol);
    if (!target) throw new UsageError(`parameter override '${o}': policy '${pol}' is not among the policies being run (${names.join(', ')})`);
    target.params[key] = v;
  }
  return out;
}

/**
 * Experiment configuration (YAML): dataset, policies ("arms") with parameters and feature sets, λ values,
 * runs, seed, pool events and optional published figures to compare against. Validated with zod; the JSON
 * Schema for editors (experiments/schema.json) is generated from the same definition.
 */
import { isNode, LineCounter, parse as parseYaml, parseDocument, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { isAbsolute, resolve, dirname } from 'node:path';
import { DataError, didYouMean } from '../core/errors.js';
import { hasControl, jsonQuoted, terminalSafe } from '../core/escape.js';
import { checkConfigText, configParseFailure } from '../core/readFile.js';
import { builtinFactory } from '../policies/registry.js';
import { ContextError, denseKind } from '../features/contextsFor.js';
import type { ParamSpec } from '../policies/policy.js';
import { atMost, MAX_ARMS, MAX_EVENT_WINDOW, MAX_JOBS, MAX_LAMBDAS, MAX_POOL_EVENTS } from './limits.js';
import { runFields, runSettingsShape } from './runConfig.js';

const featureName = runFields.feature;

/** Train shares listed in one experiment's `split` (docs/limits.md). */
const MAX_SPLIT_FRACTIONS = 20;
const splitFraction = runSettingsShape.split.unwrap();

const arm = z
  .object({
    policy: z.string().min(1).describe('registry name, e.g. linucb or static:gemma-3-27b'),
    module: z.string().min(1).optional().describe('ES module file that provides the policy (a plugin), relative to the YAML file'),
    label: z.string().min(1).optional().describe('name in tables and charts (default: the policy name)'),
    params: z.record(z.string(), z.number()).optional().describe('hyperparameters, e.g. {alpha: 0.1}'),
    features: z.array(featureName).optional().describe('context features for this arm (default: the experiment features); [] = bias only'),
  })
  .strict();

const expectedValue = z
  .object({
    lambda: runFields.lambda,
    label: z.string(),
    finalRegret: z.number().optional(),
    accuracy: z.number().optional(),
    energyWh: z.number().optional(),
    reward: z.number().optional(),
  })
  .strict();

export const experimentSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    title: z.string().optional(),
    description: z.string().optional(),
    // an empty path would resolve to the YAML file's directory
    dataset: z.string().min(1, 'must name a built-in dataset or a file').default('greenserv-pool').describe('built-in name or a file path (relative to the config file)'),
    queries: runFields.queries.min(1, 'must name a file').optional(),
    models: runFields.models.min(1, 'must name a file').optional(),
    ...runSettingsShape,
    split: z
      .union([splitFraction, z.array(splitFraction).min(1).max(MAX_SPLIT_FRACTIONS, atMost(MAX_SPLIT_FRACTIONS))], {
        // a list keeps the union's bare message, which parseExperiment replaces with the list's own problem
        error: (iss) => (iss.code === 'invalid_union' && !Array.isArray(iss.input) ? 'must be a train share in (0, 1), or a list of them' : undefined),
      })
      .optional()
      .describe('train share of a seeded train/test split stratified by task, or a list of shares run one after another and reported per split (docs/model.md §13)'),
    splits: runSettingsShape.splits.describe('draws of each split share (with split); more than one share or draw runs a series of splits'),
    lambdas: z.array(runFields.lambda).min(1).max(MAX_LAMBDAS, atMost(MAX_LAMBDAS)).default([0.5]),
    arms: z.array(arm).min(1).max(MAX_ARMS, atMost(MAX_ARMS)),
    eventWindow: z
      .number()
      .min(1, 'must be an integer ≥ 1')
      .max(MAX_EVENT_WINDOW, atMost(MAX_EVENT_WINDOW))
      .int('must be an integer ≥ 1')
      .optional()
      .describe('steps after each pool or drift event whose regret the scenario section sums (default 500 when a scenario is used)'),
    pool: z
      .object({
        initial: z.array(z.string()).optional().describe('models in the pool at the start (default: all)'),
        exclude: z.array(z.string()).optional().describe('models left out of the initial pool'),
        events: z
          .array(z.object({ step: z.number().int().min(0), remove: z.array(z.string()).optional(), add: z.array(z.string()).optional() }).strict())
          .max(MAX_POOL_EVENTS, atMost(MAX_POOL_EVENTS))
          .default([]),
      })
      .strict()
      .optional(),
    expected: z
      .object({
        source: z.string().describe('where the published figures come from'),
        semantics: runFields.semantics.default('repo'),
        values: z.array(expectedValue).max(MAX_JOBS, atMost(MAX_JOBS)),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ExperimentConfig = z.infer<typeof experimentSchema> & {
  /** Which draw of the split a member of a series replays (set by the series, never in YAML; default 0). */
  splitDraw?: number;
};

/** One split of a series: a train share and its draw (docs/model.md §13). */
export interface SplitSpec {
  fraction: number;
  draw: number;
}

/** The splits of an experiment, shares × draws in the order written; empty without `split`. */
export function splitSeries(cfg: ExperimentConfig): SplitSpec[] {
  if (cfg.split === undefined) return [];
  const fractions = typeof cfg.split === 'number' ? [cfg.split] : cfg.split;
  return fractions.flatMap((fraction) => Array.from({ length: cfg.splits }, (_, draw) => ({ fraction, draw })));
}

/** The train share of a config that holds one split (a series is run one member at a time), or undefined. */
export function splitFractionOf(cfg: ExperimentConfig): number | undefined {
  if (cfg.split === undefined) return undefined;
  if (typeof cfg.split === 'number' && cfg.splits === 1) return cfg.split;
  throw new Error('a series of splits is run one split at a time');
}

/** The member of a series for one split: a config with that share and draw only. */
export function splitMember(cfg: ExperimentConfig, s: SplitSpec): ExperimentConfig {
  return { ...cfg, split: s.fraction, splits: 1, splitDraw: s.draw };
}
type ArmConfig = z.infer<typeof arm>;

/** Parse and validate a YAML experiment; problems name the file and the field path. */
export function parseExperiment(text: string, file: string): ExperimentConfig {
  checkConfigText(text, file);
  let raw: unknown;
  try {
    // merge keys (`<<: *base`) as YAML 1.1 and most tools read them; without this `<<` is a plain, unknown key
    raw = parseYaml(text, { merge: true });
  } catch (e) {
    const line = e instanceof YAMLParseError ? e.linePos?.[0]?.line : undefined;
    throw new DataError(`invalid YAML: ${configParseFailure(e)}`, file, line);
  }
  const fail = (message: string, path: readonly PropertyKey[]): DataError => fieldError(text, file, message, path);
  // a data file or an empty one given by mistake: say what an experiment is, not the schema's 'expected object'
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const got = raw === null || raw === undefined ? 'an empty document' : Array.isArray(raw) ? 'a list' : `a single ${typeof raw} value`;
    throw new DataError(`not an experiment: expected a YAML mapping of settings (name:, dataset:, arms:, …, as in the shipped experiments), got ${got}`, file, 1);
  }
  const proto = protoKeyPath(raw, []);
  if (proto) throw fail("'__proto__' is not a valid key", proto.split('.'));
  const ctl = controlPath(raw, []);
  if (ctl) throw fail(`${jsonQuoted(ctl.text)} holds a control character; names, titles and labels are printed and drawn in charts, so they must be printable`, ctl.path);
  const r = experimentSchema.safeParse(raw);
  if (!r.success) {
    const issue = branchIssue(r.error.issues[0]);
    // an unknown key is shown at its own line, with the fields valid there (a misspelling is the usual cause)
    if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) throw fail(unknownKeyMessage(issue.keys[0], issue.path), [...issue.path, issue.keys[0]]);
    throw fail(issue.message, issue.path);
  }
  const cfg = r.data;
  const labels = new Set<string>();
  cfg.arms.forEach((a, i) => {
    const label = a.label ?? a.policy;
    if (labels.has(label)) throw fail(`label '${label}' is used twice (give each arm a distinct label)`, ['arms', i]);
    labels.add(label);
  });
  // a repeated λ would run the same sweep again (evaluate --lambdas refuses repeats too)
  const twice = cfg.lambdas.findIndex((l, i) => cfg.lambdas.indexOf(l) !== i);
  if (twice >= 0) throw fail(`λ ${cfg.lambdas[twice]} is listed twice (lambdas.${cfg.lambdas.indexOf(cfg.lambdas[twice])} and lambdas.${twice}); list each λ once`, ['lambdas']);
  checkArmParams(cfg, fail);
  // embed or embedding beside other features: refused here as the run refuses it, so the schema can say so too
  for (const [f, path] of [[cfg.features, ['features']], ...cfg.arms.map((a, i) => [a.features, ['arms', i, 'features']] as const)] as const) {
    try {
      if (f) denseKind(f, 'fields');
    } catch (e) {
      if (e instanceof ContextError) throw fail(e.message, path);
      throw e;
    }
  }
  checkJobCount(cfg, cfg.runs, (m) => fail(m, ['runs']));
  // a list of shares, or several draws, is a series of splits run one after another
  if (cfg.split !== undefined && cfg.train !== undefined) throw fail('give either split (a split of the data) or train (a separate training table), not both', ['train']);
  if (cfg.splits !== 1 && cfg.split === undefined) throw fail('needs split (the train share of each draw)', ['splits']);
  if (Array.isArray(cfg.split) && new Set(cfg.split).size !== cfg.split.length) throw fail('a train share is listed twice', ['split']);
  const members = splitSeries(cfg).length;
  if (members > MAX_SPLIT_FRACTIONS) throw fail(`split × splits = ${members} splits, ${atMost(MAX_SPLIT_FRACTIONS)}`, ['splits']);
  if ((cfg.split !== undefined || cfg.train !== undefined) && !cfg.arms.some((a) => a.policy === 'train-best-static')) {
    throw fail(`${cfg.split !== undefined ? 'a split' : 'a train table'} needs a train-best-static arm (the reference of gap closed, docs/model.md §13)`, ['arms']);
  }
  return cfg;
}

/** A union's bare 'Invalid input': the problem of the one branch the value's type matched, at its own path. */
function branchIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.message !== 'Invalid input') return issue;
  const matched = issue.errors.filter((b) => !b.every((i) => i.code === 'invalid_type' && i.path.length === 0));
  return matched.length === 1 && matched[0].length > 0 ? { ...matched[0][0], path: [...issue.path, ...matched[0][0].path] } : issue;
}

/** Command-line options written as fields by mistake: they are not part of the file. */
const RUN_OPTIONS = new Set(['workers', 'out', 'force', 'resume', 'shard', 'json']);

/** `Unrecognized key: "lamdas" (did you mean 'lambdas'?); fields here: …`, or where the setting belongs. */
function unknownKeyMessage(key: string, path: readonly PropertyKey[]): string {
  const head = `Unrecognized key: ${jsonQuoted(key)}`;
  if (path.length === 0 && RUN_OPTIONS.has(key)) return `${head}: --${key} is an option of \`experiment run\`, not a field of the file`;
  const keys = fieldsAt(experimentSchema, path);
  return keys ? `${head}${didYouMean(key, keys)}; fields here: ${keys.join(', ')}` : head;
}

/** The field names of the object at `path` of a schema (array indices step into elements), or null. */
function fieldsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | null {
  const unwrap = (s: z.ZodType): z.ZodType => {
    const def = s._zod.def as { type: string; innerType?: z.ZodType };
    return def.innerType && (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') ? unwrap(def.innerType) : s;
  };
  let s: z.ZodType | undefined = schema;
  for (const seg of path) {
    const def = unwrap(s)._zod.def as { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType };
    s = def.type === 'object' && typeof seg === 'string' ? def.shape?.[seg] : def.type === 'array' ? def.element : undefined;
    if (!s) return null;
  }
  const def = unwrap(s)._zod.def as { type: string; shape?: Record<string, z.ZodType> };
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : null;
}

/**
 * A problem with a field of a config file: `file:line (field 'drift.0.model'): message`. The line is found only
 * on error (the file has already parsed once).
 */
export function fieldError(text: string, file: string, message: string, path: readonly PropertyKey[]): DataError {
  // a key may hold what the message refuses: shown escaped, looked up as written
  return new DataError(message, file, yamlLine(text, path), terminalSafe(path.map(String).join('.')) || undefined, 'field');
}

/** The 1-based line of the deepest node of `path` present in the YAML text (1 when none is). */
export function yamlLine(text: string, path: readonly PropertyKey[]): number {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  for (let k = path.length; k >= 0; k--) {
    const node = doc.getIn(path.slice(0, k) as unknown[], true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}

/** Why `v` is not a valid value of the parameter, or null. */
export function paramProblem(spec: ParamSpec, v: number): string | null {
  if (!Number.isFinite(v)) return 'must be a finite number';
  if (spec.integer && !Number.isInteger(v)) return `must be a whole number, got ${v}`;
  if (spec.min !== undefined && v < spec.min) return `must be ≥ ${spec.min}`;
  if (spec.max !== undefined && v > spec.max) return `must be ≤ ${spec.max}`;
  if (spec.positive && !(v > 0)) return 'must be > 0';
  return null;
}

/**
 * Each arm's `params` against its policy's parameters, named as written (`arms[2].params.alpha`). An unknown
 * policy is left to policy resolution, which lists the valid names.
 */
function checkArmParams(cfg: ExperimentConfig, fail: (message: string, path: readonly PropertyKey[]) => DataError): void {
  cfg.arms.forEach((a, i) => {
    const specs = a.policy.startsWith('static:') ? [] : builtinFactory(a.policy)?.params;
    if (!a.params || !specs) return;
    for (const [key, v] of Object.entries(a.params)) {
      const spec = specs.find((p) => p.name === key);
      if (!spec) throw fail(`policy '${a.policy}' has no parameter '${key}'; valid parameters: ${specs.map((p) => p.name).join(', ') || '(none)'}`, ['arms', i, 'params', key]);
      const problem = paramProblem(spec, v);
      if (problem) throw fail(problem, ['arms', i, 'params', key]);
    }
  });
}

/** λ values × arms × runs must stay within MAX_JOBS (each replay keeps its trace in memory). */
export function checkJobCount(cfg: Pick<ExperimentConfig, 'lambdas' | 'arms'>, runs: number, err: (msg: string) => Error): void {
  const n = cfg.lambdas.length * cfg.arms.length * runs;
  if (n > MAX_JOBS) throw err(`${cfg.lambdas.length} λ values × ${cfg.arms.length} arms × ${runs} runs = ${n} replays, ${atMost(MAX_JOBS)}`);
}

/**
 * A data path of a config file: relative paths are relative to the file; built-in names and hf:// URIs
 * are sources, not paths, and stay as written.
 */
export function resolveSourcePath(configFile: string, p: string | undefined, isBuiltin: (s: string) => boolean = () => false): string | undefined {
  if (p === undefined || isAbsolute(p) || p.startsWith('hf://') || isBuiltin(p)) return p;
  return resolve(dirname(configFile), p);
}

/** Path of a `__proto__` key, which validation would otherwise drop silently (no field has that name). */
function protoKeyPath(v: unknown, path: string[]): string | null {
  if (typeof v !== 'object' || v === null || path.length > 8) return null;
  for (const [k, x] of Object.entries(v)) {
    if (k === '__proto__') return [...path, k].join('.');
    const p = protoKeyPath(x, [...path, k]);
    if (p) return p;
  }
  return null;
}

/** The first key or string (line breaks and tabs allowed) holding a control character, and where it is. */
function controlPath(v: unknown, path: string[]): { path: string[]; text: string } | null {
  if (typeof v === 'string') return hasControl(v.replace(/[\t\n]/g, '')) ? { path, text: v } : null;
  if (typeof v !== 'object' || v === null || path.length > 8) return null;
  for (const [k, x] of Object.entries(v)) {
    if (hasControl(k)) return { path: [...path, k], text: k };
    const p = controlPath(x, [...path, k]);
    if (p) return p;
  }
  return null;
}

export function armLabel(a: ArmConfig): string {
  return a.label ?? a.policy;
}

/** JSON Schema of the experiment format, for editors. */
export function experimentJsonSchema(): unknown {
  const schema = z.toJSONSchema(experimentSchema, { io: 'input' }) as Record<string, unknown>;
  // the rules across fields that parseExperiment checks after the field schema, so an editor flags them too;
  // labels used twice stay parseExperiment's alone (JSON Schema cannot compare a default with another field)
  const arm = (policy: string) => ({ type: 'object', properties: { policy: { const: policy } }, required: ['policy'] });
  // a dense kind (embed, embedding) is the only feature of its list
  const features = (f: Record<string, unknown>): Record<string, unknown> => {
    const { type: _t, items: _i, ...rest } = f;
    const list = (names: string[], most?: number) => ({ type: 'array', items: { type: 'string', enum: names }, ...(most ? { minItems: 1, maxItems: most } : {}) });
    return { ...rest, anyOf: [list(['task', 'cluster', 'complexity']), list(['embed', 'embedding'], 1)] };
  };
  const props = schema.properties as Record<string, Record<string, unknown>>;
  props.features = features(props.features);
  const armProps = (props.arms.items as { properties: Record<string, Record<string, unknown>> }).properties;
  armProps.features = features(armProps.features);
  // the forms of the budget and delay strings, so an editor flags a misspelt kind (their numbers are checked on load)
  props.budget.pattern = '^\\s*(energy|usd|latency)\\s*=\\s*\\S+\\s*$';
  (props.feedbackDelay.anyOf as Record<string, unknown>[])[0].pattern = '^\\s*([0-9]+|uniform:.*|geometric:.*)\\s*$';
  schema.allOf = [
    { description: 'give either split or train, not both', not: { required: ['split', 'train'] } },
    { description: 'splits needs split', if: { required: ['splits'], properties: { splits: { not: { const: 1 } } } }, then: { required: ['split'] } },
    { description: 'a train share is listed once', properties: { split: { uniqueItems: true } } },
    { description: 'each λ is listed once', properties: { lambdas: { uniqueItems: true } } },
    {
      description: 'a split or a train table needs a train-best-static arm (docs/model.md §13)',
      if: { anyOf: [{ required: ['split'] }, { required: ['train'] }] },
      then: { properties: { arms: { contains: arm('train-best-static') } } },
    },
  ];
  return schema;
}

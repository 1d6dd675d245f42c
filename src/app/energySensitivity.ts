/**
 * `greenserv energy sensitivity`: the RouterBench evaluation on the energy axis repeated for every GPU × batch
 * setting, to show whether the routers' ranking and savings hold across the plausible range of the energy
 * model (docs/energy-model.md "Sensitivity"). Tokens are counted once; each setting re-prices them.
 */
import { AtomicDir } from '../core/atomic.js';
import type { Inputs } from '../core/outputGuard.js';
import { SettingError, UsageError } from '../core/errors.js';
import { checkFieldKinds, checkObject, checkRequiredKinds, checkStringList, kindOf } from '../core/shape.js';
import { checkInputs, checkMarker, checkOutDir, checkProgress } from './arguments.js';
import { batchInFittedRange } from '../data/energy/model.js';
import { isTokenizer, TOKENIZERS, type TokenizerName } from '../data/energy/tokens.js';
import { GPUS, type Gpu } from '../data/energy/types.js';
import { FamilyMapper, remapTasks } from '../data/families.js';
import { tableSha256 } from '../data/pool.js';
import { energyMetrics } from '../metrics/energy.js';
import { rankingOf, SENSITIVITY_SCHEMA_VERSION, summarizeSensitivity, type SensitivitySetting, type SensitivitySummary } from '../metrics/energySensitivity.js';
import { evaluateSweep } from '../metrics/routerbench.js';
import { toJson } from '../metrics/summary.js';
import { renderSensitivityMarkdown } from '../report/energy.js';
import { runSweep } from '../sim/sweep.js';
import { energyCostTable, reattach } from './energy.js';
import { contextFeatures, evaluateDefaults, sourceLabel, type EvaluateRequest } from './evaluate.js';
import { loadRouterbench } from './routerbenchSource.js';
import { loadPolicyModule } from '../policies/registry.js';
import { version } from './version.js';
import { valueAt } from '../data/columns.js';

const DEFAULT_SENSITIVITY_GPUS: readonly Gpu[] = ['H100', 'B200', 'A100'];
const DEFAULT_SENSITIVITY_BATCHES: readonly number[] = [8, 32, 128];
/** 3 GPUs × a handful of batch sizes is the intended use; each setting is a full λ sweep. */
const MAX_SENSITIVITY_SETTINGS = 64;

/**
 * Evaluation fields a sensitivity run does not apply: it prices energy itself at every GPU × batch setting
 * and replays the online protocol without scenarios. A request naming one is refused.
 */
const NOT_APPLIED: Record<string, string> = {
  cost: 'every setting is evaluated on modelled energy',
  energyModel: 'the settings come from gpus, batches, sizes and tokenizer',
  split: 'it runs no train/test protocol',
  splits: 'it runs no train/test protocol',
  train: 'it runs no train/test protocol',
  budget: 'it replays no scenario',
  drift: 'it replays no scenario',
  feedbackDelay: 'it replays no scenario',
  feedbackRate: 'it replays no scenario',
};

/** The evaluation fields an energy sensitivity run applies, and its own. */
export interface SensitivityRequest extends Omit<EvaluateRequest, 'cost' | 'energyModel' | 'split' | 'splits' | 'train' | 'budget' | 'drift' | 'feedbackDelay' | 'feedbackRate'> {
  gpus?: Gpu[];
  batches?: number[];
  /** `--models` sizes file and tokenizer, as in `--energy-model`. */
  sizes?: string;
  tokenizer?: string;
}

export interface SensitivityResult extends SensitivitySummary {
  schemaVersion: number;
  command: 'energy sensitivity';
  greenserv: string;
  dataset: { name: string; source: string; files: string[]; queries: number; models: number; sha256: string };
  config: { policies: string[]; lambdas: number[]; runs: number; seed: number; semantics: string; features: string[]; costScale: string; aiqMode: string; gpus: Gpu[]; batches: number[]; sizes: string | null; tokenizer: string };
  tokens: { input: number; output: number };
  settings: SensitivitySetting[];
}

function checkSettings(gpus: readonly string[], batches: readonly number[], tokenizer: string): asserts tokenizer is TokenizerName {
  if (!Array.isArray(gpus)) throw new UsageError(`gpus: Invalid input: expected array, received ${kindOf(gpus)}`);
  if (!Array.isArray(batches)) throw new UsageError(`batches: Invalid input: expected array, received ${kindOf(batches)}`);
  // before RouterBench is read (the tokenizer is first used after): a typo fails at once
  if (!isTokenizer(tokenizer)) throw new SettingError((n) => `${n('tokenizer')}: '${tokenizer}' is not one of ${TOKENIZERS.join(', ')}`);
  if (gpus.length === 0) throw new SettingError((n) => `${n('gpus')}: no GPU given`);
  if (batches.length === 0) throw new SettingError((n) => `${n('batches')}: no batch size given`);
  for (const g of gpus) if (!(GPUS as readonly string[]).includes(g)) throw new SettingError((n) => `${n('gpus')}: '${g}' is not one of ${GPUS.join(', ')}`);
  for (const b of batches) if (!(Number.isFinite(b) && b >= 1 && b <= 65536)) throw new SettingError((n) => `${n('batches')}: each batch size must be a number from 1 to 65536, got '${b}'`);
  if (new Set(gpus).size !== gpus.length) throw new SettingError((n) => `${n('gpus')}: a GPU is listed twice`);
  if (new Set(batches).size !== batches.length) throw new SettingError((n) => `${n('batches')}: a batch size is listed twice`);
  if (gpus.length * batches.length > MAX_SENSITIVITY_SETTINGS) throw new SettingError((n) => `${n('gpus')} × ${n('batches')}: ${gpus.length * batches.length} settings, more than the ${MAX_SENSITIVITY_SETTINGS} accepted`);
}

export async function energySensitivity(req: SensitivityRequest = {}, progress?: (done: number, total: number, label: string) => void): Promise<SensitivityResult> {
  checkObject(req);
  checkFieldKinds(req, { sizes: 'string', tokenizer: 'string', warn: 'function' });
  const { gpus = [...DEFAULT_SENSITIVITY_GPUS], batches = [...DEFAULT_SENSITIVITY_BATCHES], sizes, tokenizer = 'cl100k', warn = () => {}, ...rest } = req;
  for (const [field, why] of Object.entries(NOT_APPLIED)) {
    if ((rest as Record<string, unknown>)[field] !== undefined) throw new UsageError(`${field}: energy sensitivity does not apply it (${why}); evaluate one setting with evaluateRouterbench and cost 'energy'`);
  }
  checkSettings(gpus, batches, tokenizer);
  // '' was taken for no file: the default sizes were used without a word (the command's flag is --models)
  if (sizes === '') throw new SettingError((n) => `${n('sizes') === 'sizes' ? 'sizes' : '--models'}: is empty`);
  checkProgress(progress);
  const p = evaluateDefaults(rest);
  for (const f of p.policyModules ?? []) await loadPolicyModule(f);
  const { table: raw, files } = await loadRouterbench(p.source, { format: p.format, offline: p.offline, warn });
  const sha256 = tableSha256(raw);
  // tokens counted once, at the first setting; every setting re-prices the same counts
  const base = await energyCostTable(raw, files, { gpu: gpus[0], batch: batches[0], models: sizes, tokenizer }, { format: p.format, warn });
  const { table: mapped } = remapTasks(base.table, new FamilyMapper(p.familyRules, p.defaultFamilies));
  const usable = contextFeatures(mapped, p.features, p.binning, warn);
  const settings: SensitivitySetting[] = [];
  const total = gpus.length * batches.length;
  for (const gpu of gpus) {
    for (const batch of batches) {
      const { table } = reattach(mapped, gpu, batch, base.attach);
      const label = `${gpu} batch ${batch}`;
      const sweep = await runSweep(
        table,
        { policies: p.policies, params: p.params, lambdas: p.lambdas, runs: p.runs, seed: p.seed, semantics: p.semantics, features: usable, binning: p.binning, embedDim: p.embedDim, costScale: p.costScale, jobs: p.jobs },
        progress ? (d, t) => progress(settings.length * t + d, total * t, label) : undefined,
      );
      const ev = evaluateSweep(table, sweep, { aiqMode: p.aiqMode, costScale: p.costScale, features: usable, semantics: p.semantics, seed: p.seed, source: sourceLabel(p.source), sha256, cost: 'energy' });
      const energy = energyMetrics(table, ev.summary);
      settings.push({ gpu, batch, inFittedRange: batchInFittedRange(batch), ranking: rankingOf(energy), energy });
    }
  }
  let tin = 0;
  let tout = 0;
  for (let i = 0; i < mapped.present.length; i++) {
    if (!mapped.present[i]) continue;
    tin += valueAt(mapped.inputTokens, i);
    tout += valueAt(mapped.outputTokens, i);
  }
  return {
    schemaVersion: SENSITIVITY_SCHEMA_VERSION,
    command: 'energy sensitivity',
    greenserv: version(),
    dataset: { name: raw.name, source: sourceLabel(p.source), files, queries: raw.nQueries, models: raw.nModels, sha256 },
    config: { policies: p.policies, lambdas: p.lambdas, runs: p.runs, seed: p.seed, semantics: p.semantics, features: usable, costScale: p.costScale, aiqMode: p.aiqMode, gpus, batches, sizes: sizes ?? null, tokenizer },
    tokens: { input: tin, output: tout },
    settings,
    ...summarizeSensitivity(settings),
  };
}

/** What `energySensitivity` resolved to: the fields the writer reads (a result of another call is named as such). */
function checkSensitivityResult(r: unknown): void {
  checkObject(r, 'result');
  checkMarker(r, 'command', 'energy sensitivity', 'result.');
  checkRequiredKinds(r, { dataset: 'object', config: 'object', settings: 'array', routers: 'array' }, 'result.');
  const { dataset, config, settings, routers } = r as SensitivityResult;
  checkRequiredKinds(dataset, { name: 'string', queries: 'number', models: 'number', files: 'array' }, 'result.dataset.');
  checkStringList(dataset.files, 'result.dataset.files');
  checkRequiredKinds(config, { lambdas: 'array', runs: 'number', seed: 'number', aiqMode: 'string' }, 'result.config.');
  settings.forEach((x, i) => {
    checkObject(x, `result.settings.${i}`);
    checkRequiredKinds(x, { gpu: 'string', batch: 'number', ranking: 'array', energy: 'object' }, `result.settings.${i}.`);
    checkRequiredKinds(x.energy, { routers: 'array', reference: 'object' }, `result.settings.${i}.energy.`);
  });
  routers.forEach((x, i) => {
    checkObject(x, `result.routers.${i}`);
    checkRequiredKinds(x, { name: 'string' }, `result.routers.${i}.`);
  });
}

/** sensitivity.json and sensitivity.md in `outDir`, written together or not at all. */
export async function writeSensitivity(outDir: string, result: SensitivityResult, force = false, inputs: Inputs = []): Promise<void> {
  // nothing is written (not even the temporary directory) for an argument of the wrong kind
  checkOutDir(outDir);
  checkSensitivityResult(result);
  if (typeof force !== 'boolean') throw new UsageError(`force: Invalid input: expected boolean, received ${kindOf(force)}`);
  checkInputs(inputs, 'inputs');
  const r = result;
  // never replace a directory holding a table that was read
  const dir = new AtomicDir(outDir, force, [...r.dataset.files, ...inputs]);
  try {
    dir.write('sensitivity.json', toJson(r));
    dir.write('sensitivity.md', renderSensitivityMarkdown(r));
    await dir.commitSettled();
  } catch (e) {
    dir.abort();
    throw e;
  }
}

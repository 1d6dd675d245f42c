/**
 * `--energy-model gpu=H100,batch=32[,models=<csv>][,tokenizer=o200k]`: attach modelled energy to a table as
 * it is loaded, without writing a file (simulate, evaluate). Modelled energy replaces any the table has.
 */
import { SettingError } from '../../core/errors.js';
import { parseDecimal } from '../../core/format.js';
import { truncate } from '../formats/text.js';
import type { PoolTable } from '../pool.js';
import { attachEnergy, checkBatch, parseGpu, type AttachResult } from './attach.js';
import { tableRowTokens } from './responses.js';
import { readSizesFile } from './sizes.js';
import { isTokenizer, loadTokenizer, TOKENIZERS, type TokenizerName } from './tokens.js';
import type { Gpu } from './types.js';

export interface EnergyModelSpec {
  gpu: Gpu;
  batch: number;
  models?: string;
  tokenizer: TokenizerName;
}

/** Errors name the setting by field (`energyModel`); the command line words it as `--energy-model`. */
export function parseEnergyModelFlag(raw: string, field = 'energyModel'): EnergyModelSpec {
  const kv = new Map<string, string>();
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    const k = (eq < 0 ? part : part.slice(0, eq)).trim();
    // a part megabytes long is shown by its start
    if (eq < 0 || !['gpu', 'batch', 'models', 'tokenizer'].includes(k)) throw new SettingError((n) => `${n(field)}: '${truncate(part, 80)}' is not gpu=…, batch=…, models=… or tokenizer=…`);
    if (kv.has(k)) throw new SettingError((n) => `${n(field)}: '${k}' given twice`);
    kv.set(k, part.slice(eq + 1).trim());
  }
  if (!kv.has('gpu') || !kv.has('batch')) throw new SettingError((n) => `${n(field)}: needs gpu=<H100|B200|A100> and batch=<n>, got '${truncate(raw, 80)}'`);
  const gpu = parseGpu(kv.get('gpu')!, field);
  const b = kv.get('batch')!;
  if (b === '') throw new SettingError((n) => `${n(field)}: batch is empty`);
  // a decimal, as --batch takes it (Number() read '0x10' as 16)
  const batch = parseDecimal(b);
  if (Number.isNaN(batch)) throw new SettingError((n) => `${n(field)} batch must be a number from 1 to 65536, got '${truncate(b, 80)}'`);
  checkBatch(batch, (n) => `${n(field)} batch`);
  // an empty sizes file name was dropped without a word (the default sizes were used)
  if (kv.get('models') === '') throw new SettingError((n) => `${n(field)}: models is empty`);
  // as the gpu is: a typo fails here, not once a table is loaded and its text is to be counted
  const tokenizer = kv.get('tokenizer') ?? 'cl100k';
  if (!isTokenizer(tokenizer)) throw new SettingError((n) => `${n(field)}: '${truncate(tokenizer, 80)}' is not one of ${TOKENIZERS.join(', ')}`);
  return { gpu, batch, models: kv.get('models'), tokenizer };
}

/** The table with modelled energy; `source`/`format` let response text be counted for text sources. */
export async function applyEnergyModel(t: PoolTable, spec: EnergyModelSpec, source: string, format?: string, warn?: (m: string) => void): Promise<AttachResult> {
  const tokenizer = await loadTokenizer(spec.tokenizer);
  const models = spec.models ? readSizesFile(spec.models) : null;
  const rows = await tableRowTokens(t, [source], tokenizer, format);
  const r = attachEnergy(t, { gpu: spec.gpu, batch: spec.batch, models, tokenizer, responseTokens: rows?.output, promptTokens: rows?.input, overwrite: true, source });
  for (const w of r.warnings) warn?.(w);
  return r;
}

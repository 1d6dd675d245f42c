/**
 * Attaching modelled energy to a routing table: every present (query, model) cell gets
 * energy_j = T_out·e_out(model, GPU, batch) + T_in·e_in(model, GPU), with token counts from the table's token
 * columns where it has them, else counted from prompt and response text.
 */
import { DataError, SettingError, type Wording } from '../../core/errors.js';
import { computeTaskBounds, type PoolTable } from '../pool.js';
import { PREFILL_MFU } from './coefficients.js';
import { batchInFittedRange, joulesPerInputToken, joulesPerOutputToken, logSpread } from './model.js';
import { resolveSizes, type SizeEntry } from './sizes.js';
import type { TokenCounter } from './tokens.js';
import { GPUS, type Gpu } from './types.js';
import { valueAt } from '../columns.js';
import { truncate } from '../formats/text.js';

interface AttachOptions {
  gpu: Gpu;
  batch: number;
  /** `--models` overrides by model id. */
  models?: Map<string, SizeEntry> | null;
  /** Counts prompt text where the table has no input tokens. */
  tokenizer?: TokenCounter | null;
  /** Output tokens per cell counted from response text (NaN where none). */
  responseTokens?: Float64Array | null;
  /** Prompt tokens per cell where the row holding its score had a prompt other than the query's text (NaN elsewhere). */
  promptTokens?: Float64Array | null;
  /** Output tokens for cells with neither an output_tokens value nor response text (an explicit assumption). */
  assumeOutputTokens?: number;
  /** Replace energy the table already has. */
  overwrite?: boolean;
  /** Names the source in messages. */
  source?: string;
}

interface ModelEnergy {
  id: string;
  size: SizeEntry;
  /** J per output token and per prompt token. */
  eOut: number;
  eIn: number;
  cells: number;
  totalJ: number;
  /** 90 % band: decode spread of the fit (±1.645 σ) and prefill utilisation 1 … 0.25. */
  lowJ: number;
  highJ: number;
}

export interface AttachResult {
  table: PoolTable;
  models: ModelEnergy[];
  /** Cells whose tokens came from the table's columns, and from counting text. */
  tokens: { inputFromTable: number; inputCounted: number; outputFromTable: number; outputCounted: number; outputAssumed: number };
  /** A note when the batch lies outside the fitted range. */
  warnings: string[];
}

const Z90 = 1.6449;

/** Errors name the setting by field (`gpu`); the command line words it as its flag. */
export function parseGpu(raw: string, field = 'gpu'): Gpu {
  const g = GPUS.find((x) => x.toLowerCase() === raw.trim().toLowerCase());
  if (!g) throw new SettingError((n) => `${n(field)}: '${truncate(raw, 80)}' is not one of ${GPUS.join(', ')}`);
  return g;
}

export function checkBatch(batch: number, name: Wording = (n) => n('batch')): void {
  if (!Number.isFinite(batch) || batch < 1 || batch > 65536) throw new SettingError((n) => `${name(n)} must be a number from 1 to 65536, got '${batch}'`);
}

/** A copy of `t` with energy and token columns filled for every present cell. */
export function attachEnergy(t: PoolTable, o: AttachOptions): AttachResult {
  checkBatch(o.batch);
  const src = o.source ?? t.name;
  const Q = t.nQueries;
  const M = t.nModels;
  const n = Q * M;
  if (!o.overwrite) {
    for (let i = 0; i < n; i++) {
      if (t.present[i] && Number.isFinite(t.energyJ[i])) {
        const q = Math.floor(i / M);
        throw new DataError(`the table already has energy (query '${t.queryIds[q]}', model '${t.models[i % M].id}'); pass --overwrite to replace it`, src);
      }
    }
  }
  const sizes = resolveSizes(t.models, o.models ?? null, src);
  const setting = { gpu: o.gpu, batch: o.batch };
  const eOut = new Float64Array(M);
  const eIn = new Float64Array(M);
  const eInLo = new Float64Array(M);
  const eInHi = new Float64Array(M);
  sizes.forEach((s, m) => {
    eOut[m] = joulesPerOutputToken(s, setting);
    eIn[m] = joulesPerInputToken(s, o.gpu);
    eInLo[m] = joulesPerInputToken(s, o.gpu, PREFILL_MFU.high);
    eInHi[m] = joulesPerInputToken(s, o.gpu, PREFILL_MFU.low);
  });
  const spread = Math.exp(Z90 * logSpread(setting));

  const inTok = new Float64Array(n);
  const outTok = new Float64Array(n);
  const energy = new Float64Array(n).fill(Number.NaN);
  const sumIn = new Float64Array(M);
  const sumOut = new Float64Array(M);
  const cells = new Int32Array(M);
  const counts = { inputFromTable: 0, inputCounted: 0, outputFromTable: 0, outputCounted: 0, outputAssumed: 0 };
  for (let q = 0; q < Q; q++) {
    let promptTokens = Number.NaN;
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i]) {
        inTok[i] = valueAt(t.inputTokens, i);
        outTok[i] = valueAt(t.outputTokens, i);
        continue;
      }
      let tin = valueAt(t.inputTokens, i);
      if (tin >= 0) counts.inputFromTable++;
      else if (o.promptTokens && o.promptTokens[i] >= 0) {
        tin = o.promptTokens[i];
        counts.inputCounted++;
      } else {
        if (Number.isNaN(promptTokens)) {
          const text = t.queryText?.[q];
          if (text == null || !o.tokenizer) throw new DataError(`query '${t.queryIds[q]}' has neither input_tokens nor prompt text to count`, src);
          promptTokens = o.tokenizer.count(text);
        }
        tin = promptTokens;
        counts.inputCounted++;
      }
      let tout = valueAt(t.outputTokens, i);
      if (tout >= 0) counts.outputFromTable++;
      else {
        tout = o.responseTokens ? o.responseTokens[i] : Number.NaN;
        if (tout >= 0) counts.outputCounted++;
        else if (o.assumeOutputTokens !== undefined) {
          tout = o.assumeOutputTokens;
          counts.outputAssumed++;
        } else {
          throw new DataError(`query '${t.queryIds[q]}', model '${t.models[m].id}': no output_tokens and no response text to count (--assume-output-tokens sets a value)`, src);
        }
      }
      inTok[i] = tin;
      outTok[i] = tout;
      energy[i] = tout * eOut[m] + tin * eIn[m];
      sumIn[m] += tin;
      sumOut[m] += tout;
      cells[m]++;
    }
  }
  // models without a parameter count in the table get the one the energy came from
  const infos = t.models.map((m, k) => (m.paramsB > 0 ? m : { ...m, paramsB: sizes[k].totalB }));
  const table: PoolTable = { ...t, models: infos, energyJ: energy, inputTokens: inTok, outputTokens: outTok, taskBounds: new Map() };
  // the table's bounds were for its old energy (or none): recompute from the modelled energy
  table.taskBounds = computeTaskBounds(table);
  const models: ModelEnergy[] = sizes.map((size, m) => ({
    id: t.models[m].id,
    size,
    eOut: eOut[m],
    eIn: eIn[m],
    cells: cells[m],
    totalJ: sumOut[m] * eOut[m] + sumIn[m] * eIn[m],
    lowJ: (sumOut[m] * eOut[m]) / spread + sumIn[m] * eInLo[m],
    highJ: sumOut[m] * eOut[m] * spread + sumIn[m] * eInHi[m],
  }));
  const warnings: string[] = [];
  if (!batchInFittedRange(o.batch)) warnings.push(`batch ${o.batch} is outside the fitted range (average batch 7.5–4095): the decode energy is extrapolated`);
  return { table, models, tokens: counts, warnings };
}

/**
 * Built-in `greenserv-pool`: a calibrated replica of the paper's 2,500-query × 16-model pool (docs/model.md §1).
 * The real per-query database is not public, so per-query outcomes are generated from a latent-difficulty model
 * and calibrated to the published aggregates in ./calibration.ts. Not measurements: see datasets/README.md.
 *
 * Exact by construction: per-task complexity-bin counts (§3.3); per-model mean accuracy over the 2,500 queries
 * (Fig. 2b) with per-task means inside their recovered standard errors (./accuracyTargets.ts); per (model, task)
 * mean J/token to floating-point precision; energyJ = J/token × (input + output tokens). Solved numerically:
 * per-model total Wh (±1%) and latency median (±3%).
 */
import { makePoolTable, type ModelInfo, type PoolTable, type TaskBounds } from '../pool.js';
import { Rng } from '../../core/rng.js';
import {
  CALIBRATION_TASKS,
  COMPLEXITY_BIN_COUNTS,
  MODEL_CALIBRATION,
  QUERIES_PER_TASK,
  TASK_EPT_BOUNDS,
  TASK_PROMPTS,
  type CalibrationTask,
} from './calibration.js';
import { accuracyTargets } from './accuracyTargets.js';
import { meanPhi, median, phi, solveIncreasing } from './numeric.js';

export const GREENSERV_POOL_NAME = 'greenserv-pool';

const SEED = 0x2601_1755;
// One independent stream per component, so changing one part of the design leaves the others' draws alone.
const STREAM = { complexity: 1, cluster: 2, difficulty: 3, effects: 4, outcome: 5, tokens: 6, energy: 7, latency: 8 };

const N_TASKS = CALIBRATION_TASKS.length;
const N_CLUSTERS = 3;

/** Mean difficulty shift per complexity bin: harder text, harder question on average. */
const DIFFICULTY_BY_BIN = [-0.5, 0, 0.6];
/**
 * Weight of the shared query difficulty against the idiosyncratic (query, model) noise N(0,1). Sets how often
 * some cheap model gets a query right, hence the oracle: tuned so the λ = 0.5 oracle mean lands near 0.91 (docs/model.md §2–3).
 */
const DIFFICULTY_WEIGHT = 1.4;
/** Size × complexity interaction: per bin step, a model one SD of log-size larger gains this much utility. */
const SIZE_BY_BIN = 0.35;
const BIN_JITTER_SD = 0.15;
const CLUSTER_EFFECT_SD = 0.35;
/** Chance accuracy per task: a model at chance gets little structure (its correctness is mostly noise). */
const CHANCE: Record<CalibrationTask, number> = { mmlu: 0.25, hellaswag: 0.25, winogrande: 0.5, gsm8k: 0, cnn_dailymail: 0 };
/** cnn_dailymail accuracy = Φ(CNN_SCALE·utility + offset); the scale sets the per-query spread and the cnn oracle (real 0.7514). */
const CNN_SCALE = 0.3;

/** Cluster mix per task (k = 3, docs/features.md, semantic cluster): the MC tasks share clusters, gsm8k and cnn mostly sit in their own. */
const CLUSTER_MIX: Record<CalibrationTask, readonly [number, number, number]> = {
  mmlu: [0.55, 0.3, 0.15],
  hellaswag: [0.15, 0.7, 0.15],
  winogrande: [0.2, 0.65, 0.15],
  gsm8k: [0.1, 0.15, 0.75],
  cnn_dailymail: [0.1, 0.2, 0.7],
};
/** Share of queries whose cluster is their complexity bin instead (the weak complexity correlation). */
const CLUSTER_FROM_COMPLEXITY = 0.15;
/** Scale of the exponential tail of the inverted Flesch score above 30, per task. */
const COMPLEXITY_TAIL: Record<CalibrationTask, number> = { mmlu: 14, hellaswag: 8, winogrande: 10, gsm8k: 6, cnn_dailymail: 16 };

const CHARS_PER_TOKEN = 4;
const MAX_INPUT_TOKENS = 8192; // prompts are truncated to this many tokens, as the reference generation does
const INPUT_SPREAD: Record<CalibrationTask, number> = { mmlu: 0.35, hellaswag: 0.2, winogrande: 0.15, gsm8k: 0.3, cnn_dailymail: 0.35 };
/** Median natural answer length (tokens) before the per-model verbosity factor, and its log-spread. */
const OUTPUT_BASE: Record<CalibrationTask, { median: number; sd: number }> = {
  mmlu: { median: 1, sd: 0 },
  hellaswag: { median: 1, sd: 0 },
  winogrande: { median: 1, sd: 0 },
  gsm8k: { median: 150, sd: 0.5 },
  cnn_dailymail: { median: 70, sd: 0.4 },
};
const OUTPUT_MODEL_NOISE = 0.25;
/** Tokenizer length relative to Qwen's, by family (vocabulary size: larger vocabularies give fewer tokens). */
const TOKENIZER_FACTOR: Record<string, number> = { qwen: 1, mistral: 1.12, gemma: 0.97, llama: 0.98, phi: 0.98, yi: 1.05 };
const EPT_NOISE = 0.3;
const PREFILL_NOISE = 0.08;
const DECODE_NOISE = 0.1;
/** Prefill time grows with prompt length: relative cost per 1,024 input tokens. */
const PREFILL_PER_1K_TOKENS = 1;

let cached: PoolTable | undefined;

/** The built-in pool (deterministic; built once per process). Callers must not mutate it. */
export function loadGreenservPool(): PoolTable {
  cached ??= buildGreenservPool();
  return cached;
}

/** Uncached build; every call returns a fresh, identical table. */
export function buildGreenservPool(): PoolTable {
  const M = MODEL_CALIBRATION.length;
  const qs = makeQueries();
  const n = qs.Q * M;
  const accuracy = makeAccuracy(qs, M);
  const { inputTokens, outputTokens, energyJ } = makeTokensAndEnergy(qs, M);
  const latencyS = makeLatency(inputTokens, outputTokens, qs.Q, M);
  const models: ModelInfo[] = MODEL_CALIBRATION.map((c) => ({ id: c.id, name: c.hfName, paramsB: c.paramsB }));
  const taskBounds = new Map<string, TaskBounds>();
  for (const t of CALIBRATION_TASKS) taskBounds.set(t, { ...TASK_EPT_BOUNDS[t] });
  return makePoolTable({
    name: GREENSERV_POOL_NAME,
    queryIds: qs.queryIds,
    queryTasks: qs.queryTasks,
    queryText: new Array<string | null>(qs.Q).fill(null),
    cluster: qs.cluster,
    complexity: qs.complexity,
    models,
    accuracy,
    energyJ,
    latencyS,
    inputTokens,
    outputTokens,
    costUsd: null,
    present: new Uint8Array(n).fill(1),
    taskBounds,
  });
}

interface Queries {
  Q: number;
  queryIds: string[];
  queryTasks: string[];
  /** Index into CALIBRATION_TASKS. */
  taskOf: Int32Array;
  bin: Int32Array;
  complexity: Float64Array;
  cluster: Int32Array;
  difficulty: Float64Array;
}

/** Queries in task blocks of 500 (docs/model.md §1 order): complexity with exact bin counts, cluster, latent difficulty. */
function makeQueries(): Queries {
  const Q = N_TASKS * QUERIES_PER_TASK;
  const qs: Queries = {
    Q,
    queryIds: new Array<string>(Q),
    queryTasks: new Array<string>(Q),
    taskOf: new Int32Array(Q),
    bin: new Int32Array(Q),
    complexity: new Float64Array(Q),
    cluster: new Int32Array(Q),
    difficulty: new Float64Array(Q),
  };
  const rngCx = Rng.derive(SEED, STREAM.complexity);
  const rngCl = Rng.derive(SEED, STREAM.cluster);
  const rngDf = Rng.derive(SEED, STREAM.difficulty);
  const bins = new Int32Array(QUERIES_PER_TASK);
  for (let k = 0; k < N_TASKS; k++) {
    const task = CALIBRATION_TASKS[k];
    const counts = COMPLEXITY_BIN_COUNTS[task];
    let j = 0;
    for (let b = 0; b < 3; b++) for (let c = 0; c < counts[b]; c++) bins[j++] = b;
    rngCx.shuffle(bins);
    const mix = CLUSTER_MIX[task];
    const tail = COMPLEXITY_TAIL[task];
    for (let i = 0; i < QUERIES_PER_TASK; i++) {
      const q = k * QUERIES_PER_TASK + i;
      qs.queryIds[q] = `${task}_${i + 1}`;
      qs.queryTasks[q] = task;
      qs.taskOf[q] = k;
      const b = bins[i];
      qs.bin[q] = b;
      const u = rngCx.next();
      // Each draw stays strictly inside its bin, so the bin counts are exact (thresholds 20/30, docs/features.md, complexity).
      qs.complexity[q] = b === 0 ? 20 * Math.sqrt(u) : b === 1 ? 20 + 10 * u : Math.min(100, 30 - tail * Math.log(1 - u));
      if (rngCl.next() < CLUSTER_FROM_COMPLEXITY) qs.cluster[q] = b;
      else {
        const v = rngCl.next();
        qs.cluster[q] = v < mix[0] ? 0 : v < mix[0] + mix[1] ? 1 : 2;
      }
      qs.difficulty[q] = DIFFICULTY_BY_BIN[b] + rngDf.normal();
    }
  }
  return qs;
}

/**
 * Latent utility u(q,m) = w(m,t)·(−κ·difficulty(q) + effect(m, bin) + effect(m, cluster)) + ε(q,m), ε ~ N(0,1).
 * Binary tasks: the target·500 queries of highest utility are correct (the model's ability is that threshold).
 * cnn_dailymail: acc = Φ(s·u + c(m)), with the ability c(m) solved so the mean matches its target (accuracyTargets.ts).
 */
function makeAccuracy(qs: Queries, M: number): Float64Array {
  const rngFx = Rng.derive(SEED, STREAM.effects);
  let meanLog = 0;
  for (const m of MODEL_CALIBRATION) meanLog += Math.log(m.paramsB) / M;
  let varLog = 0;
  for (const m of MODEL_CALIBRATION) varLog += (Math.log(m.paramsB) - meanLog) ** 2 / M;
  const binEffect = new Float64Array(M * 3);
  const clusterEffect = new Float64Array(M * N_CLUSTERS);
  for (let m = 0; m < M; m++) {
    // Larger models lose less on hard text and gain less on easy text (z = standardised log size).
    const z = (Math.log(MODEL_CALIBRATION[m].paramsB) - meanLog) / Math.sqrt(varLog);
    for (let b = 0; b < 3; b++) binEffect[m * 3 + b] = SIZE_BY_BIN * z * (b - 1) + BIN_JITTER_SD * rngFx.normal();
    for (let c = 0; c < N_CLUSTERS; c++) clusterEffect[m * N_CLUSTERS + c] = CLUSTER_EFFECT_SD * rngFx.normal();
  }

  const n = qs.Q * M;
  const accuracy = new Float64Array(n);
  const rngOut = Rng.derive(SEED, STREAM.outcome);
  const noise = new Float64Array(n);
  for (let i = 0; i < n; i++) noise[i] = rngOut.normal();
  const util = new Float64Array(QUERIES_PER_TASK);
  const order = new Int32Array(QUERIES_PER_TASK);
  const byUtilDesc = (a: number, b: number): number => util[b] - util[a] || a - b;
  for (let m = 0; m < M; m++) {
    const targets = accuracyTargets(MODEL_CALIBRATION[m]);
    for (let k = 0; k < N_TASKS; k++) {
      const task = CALIBRATION_TASKS[k];
      const target = targets[k];
      // Skill loading in [0.3, 1]: a model near chance is mostly noise, one 60% of the way from chance to perfect
      // (or better) follows the shared difficulty and the effects fully.
      const chance = CHANCE[task];
      const w = 0.3 + 0.7 * Math.min(1, Math.max(0, (target - chance) / (1 - chance) / 0.6));
      const q0 = k * QUERIES_PER_TASK;
      for (let i = 0; i < QUERIES_PER_TASK; i++) {
        const q = q0 + i;
        const s = -DIFFICULTY_WEIGHT * qs.difficulty[q] + binEffect[m * 3 + qs.bin[q]] + clusterEffect[m * N_CLUSTERS + qs.cluster[q]];
        util[i] = w * s + noise[q * M + m];
      }
      if (task === 'cnn_dailymail') {
        const offset = solveIncreasing((c) => meanPhi(util, CNN_SCALE, c) - target, -12, 12, 1e-9);
        for (let i = 0; i < QUERIES_PER_TASK; i++) accuracy[(q0 + i) * M + m] = phi(CNN_SCALE * util[i] + offset);
      } else {
        const nCorrect = Math.round(target * QUERIES_PER_TASK);
        for (let i = 0; i < QUERIES_PER_TASK; i++) order[i] = i;
        order.sort(byUtilDesc);
        for (let r = 0; r < QUERIES_PER_TASK; r++) accuracy[(q0 + order[r]) * M + m] = r < nCorrect ? 1 : 0;
      }
    }
  }
  return accuracy;
}

/**
 * Tokens and energy. J/token per cell = published (model, task) mean × mean-one lognormal noise, rescaled so the
 * (model, task) mean is exact; energyJ = J/token × (input + output) keeps the identity energy = J/token × tokens (docs/model.md §1). Each model's
 * verbosity (and, only if its answers all hit max_new_tokens first, its prompt-length scale on the generative
 * tasks) is solved so its total over the 2,500 queries equals the published Wh.
 */
function makeTokensAndEnergy(qs: Queries, M: number): { inputTokens: Float64Array; outputTokens: Float64Array; energyJ: Float64Array } {
  const Q = qs.Q;
  const n = Q * M;
  const rngTok = Rng.derive(SEED, STREAM.tokens);
  const inBase = new Float64Array(Q);
  const outBase = new Float64Array(Q);
  for (let q = 0; q < Q; q++) {
    const task = CALIBRATION_TASKS[qs.taskOf[q]];
    const sIn = INPUT_SPREAD[task];
    inBase[q] = (TASK_PROMPTS[task].meanChars / CHARS_PER_TOKEN) * Math.exp(sIn * rngTok.normal() - (sIn * sIn) / 2);
    const ob = OUTPUT_BASE[task];
    outBase[q] = ob.median * Math.exp(ob.sd * rngTok.normal());
  }
  const outNoise = new Float64Array(n);
  for (let i = 0; i < n; i++) outNoise[i] = Math.exp(OUTPUT_MODEL_NOISE * rngTok.normal());

  const rngE = Rng.derive(SEED, STREAM.energy);
  const ept = new Float64Array(n);
  for (let i = 0; i < n; i++) ept[i] = rngE.normal();
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < N_TASKS; k++) {
      const mean = MODEL_CALIBRATION[m].eptJPerToken[k];
      const { eptMin, eptMax } = TASK_EPT_BOUNDS[CALIBRATION_TASKS[k]];
      // The published bounds are min/max over the real data, so the spread narrows near a bound.
      const sd = Math.min(EPT_NOISE, Math.log(eptMax / mean) / 3.5, Math.log(mean / eptMin) / 3.5);
      const q0 = k * QUERIES_PER_TASK;
      for (let j = 0; j < QUERIES_PER_TASK; j++) {
        const i = (q0 + j) * M + m;
        ept[i] = mean * Math.exp(sd * ept[i] - (sd * sd) / 2);
      }
      // Rescale to the exact mean, clamp into the bounds, repeat until nothing needs clamping.
      for (let pass = 0; pass < 20; pass++) {
        let s = 0;
        for (let j = 0; j < QUERIES_PER_TASK; j++) s += ept[(q0 + j) * M + m];
        const f = mean / (s / QUERIES_PER_TASK);
        let clamped = false;
        for (let j = 0; j < QUERIES_PER_TASK; j++) {
          const i = (q0 + j) * M + m;
          ept[i] *= f;
          if (ept[i] > eptMax || ept[i] < eptMin) clamped = true;
        }
        if (!clamped) break;
        for (let j = 0; j < QUERIES_PER_TASK; j++) {
          const i = (q0 + j) * M + m;
          ept[i] = Math.min(eptMax, Math.max(eptMin, ept[i]));
        }
      }
    }
  }

  const inputTokens = new Float64Array(n);
  const outputTokens = new Float64Array(n);
  const energyJ = new Float64Array(n);
  const genQ: number[] = [];
  for (let q = 0; q < Q; q++) if (TASK_PROMPTS[CALIBRATION_TASKS[qs.taskOf[q]]].maxNewTokens > 1) genQ.push(q);
  const G = genQ.length;
  const gen: GenCells = { ept: new Float64Array(G), inRaw: new Float64Array(G), outRaw: new Float64Array(G), cap: new Float64Array(G) };
  const V_MAX = 64;
  for (let m = 0; m < M; m++) {
    const cal = MODEL_CALIBRATION[m];
    const tokF = TOKENIZER_FACTOR[/^[a-z]+/.exec(cal.id)?.[0] ?? ''] ?? 1;
    // Single-token answers do not depend on verbosity: their energy is fixed.
    let fixedJ = 0;
    for (let q = 0; q < Q; q++) {
      const i = q * M + m;
      inputTokens[i] = inputTokenCount(inBase[q] * tokF);
      outputTokens[i] = 1;
      energyJ[i] = ept[i] * (inputTokens[i] + 1);
      fixedJ += energyJ[i];
    }
    for (let g = 0; g < G; g++) {
      const q = genQ[g];
      const i = q * M + m;
      fixedJ -= energyJ[i];
      gen.ept[g] = ept[i];
      gen.inRaw[g] = inBase[q] * tokF;
      gen.outRaw[g] = outBase[q] * outNoise[i];
      gen.cap[g] = TASK_PROMPTS[CALIBRATION_TASKS[qs.taskOf[q]]].maxNewTokens;
    }
    const targetJ = cal.totalEnergyWh * 3600 - fixedJ;
    const tolJ = 1e-5 * targetJ;
    let inScale = 1;
    // At V_MAX every answer sits at its cap; beyond that only longer prompts can add energy.
    if (genEnergy(gen, V_MAX, 1) < targetJ) inScale = solveIncreasing((s) => genEnergy(gen, V_MAX, s) - targetJ, 1, 16, tolJ);
    const verbosity = solveIncreasing((v) => genEnergy(gen, v, inScale) - targetJ, 0, V_MAX, tolJ);
    for (let g = 0; g < G; g++) {
      const i = genQ[g] * M + m;
      const inTok = inputTokenCount(gen.inRaw[g] * inScale);
      const outTok = outputTokenCount(verbosity * gen.outRaw[g], gen.cap[g]);
      inputTokens[i] = inTok;
      outputTokens[i] = outTok;
      energyJ[i] = ept[i] * (inTok + outTok); // docs/model.md §1: ept = energy / (input + output)
    }
  }
  return { inputTokens, outputTokens, energyJ };
}

interface GenCells {
  ept: Float64Array;
  inRaw: Float64Array;
  outRaw: Float64Array;
  cap: Float64Array;
}

function genEnergy(c: GenCells, verbosity: number, inScale: number): number {
  let e = 0;
  for (let g = 0; g < c.ept.length; g++) {
    e += c.ept[g] * (inputTokenCount(c.inRaw[g] * inScale) + outputTokenCount(verbosity * c.outRaw[g], c.cap[g]));
  }
  return e;
}

/**
 * Latency (s) = a·prefill + b·decode per cell, prefill growing with prompt length, decode with generated tokens
 * beyond the first. Per model, b keeps the mean at Table 4's mean for any a, and a is solved for Table 4's median.
 */
function makeLatency(inputTokens: Float64Array, outputTokens: Float64Array, Q: number, M: number): Float64Array {
  const rngL = Rng.derive(SEED, STREAM.latency);
  const prefill = new Float64Array(Q);
  const decode = new Float64Array(Q);
  const scratch = new Float64Array(Q);
  const latencyS = new Float64Array(Q * M);
  for (let m = 0; m < M; m++) {
    const lat = MODEL_CALIBRATION[m].latencyMs;
    let meanP = 0;
    let meanD = 0;
    for (let q = 0; q < Q; q++) {
      const i = q * M + m;
      prefill[q] = (1 + (PREFILL_PER_1K_TOKENS * inputTokens[i]) / 1024) * Math.exp(PREFILL_NOISE * rngL.normal());
      decode[q] = (outputTokens[i] - 1) * Math.exp(DECODE_NOISE * rngL.normal());
      meanP += prefill[q] / Q;
      meanD += decode[q] / Q;
    }
    const medianT = lat.median / 1000;
    const meanT = lat.mean / 1000;
    const decodeScale = (a: number): number => (meanD > 0 ? Math.max(0, (meanT - a * meanP) / meanD) : 0);
    const medianAt = (a: number): number => {
      const b = decodeScale(a);
      for (let q = 0; q < Q; q++) scratch[q] = a * prefill[q] + b * decode[q];
      return median(scratch);
    };
    // The median rises with a (b falls, but most of the lower half are single-token answers with no decode part).
    const a = solveIncreasing((x) => medianAt(x) - medianT, 0, meanT / meanP, 1e-5 * medianT);
    const b = decodeScale(a);
    for (let q = 0; q < Q; q++) latencyS[q * M + m] = a * prefill[q] + b * decode[q];
  }
  return latencyS;
}

function inputTokenCount(x: number): number {
  return Math.min(MAX_INPUT_TOKENS, Math.max(8, Math.round(x)));
}

function outputTokenCount(x: number, cap: number): number {
  return cap <= 1 ? 1 : Math.min(cap, Math.max(1, Math.round(x)));
}

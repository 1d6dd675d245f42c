/**
 * Task-type classifier (spec §3.1, the classifier path): multinomial logistic regression over hashed word
 * and character n-grams of the instruction — the first 3 lines of the prompt cut to 200 characters — in
 * place of the reference's sentence embedding, so no model download is needed. Trained full-batch with
 * L-BFGS from zero weights (deterministic), L2 penalty, balanced class weights as the reference's sklearn
 * model. Saved as a versioned JSON document with the weights as base64 little-endian float32.
 */
import { readFileSync } from 'node:fs';
import { DataError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { ASCII, C_SPACE, C_WORD, classOf, cpAt } from './textscan.js';
import { writeOutput } from './fsutil.js';
import { FNV_OFFSET, SparseAccumulator, type SparseVec, combine, fnvStep, logTf, mix32 } from './hashing.js';

export const TASK_MODEL_FORMAT = 'greenserv-task-model';
export const TASK_MODEL_VERSION = 1;

export interface TaskFeatureConfig {
  /** log2 of the number of hash buckets. */
  hashBits: number;
  /** Inclusive range of word n-gram lengths. */
  wordNgrams: [number, number];
  /** Inclusive range of character n-gram lengths (0, 0 for none). */
  charNgrams: [number, number];
  /** Instruction = first `instructionLines` lines, cut to `instructionChars` characters (spec §3.1). */
  instructionLines: number;
  instructionChars: number;
}

export const DEFAULT_TASK_FEATURES: TaskFeatureConfig = {
  hashBits: 12,
  wordNgrams: [1, 2],
  charNgrams: [3, 3],
  instructionLines: 3,
  instructionChars: 200,
};

export interface TaskModel {
  labels: string[];
  features: TaskFeatureConfig;
  /** labels.length × 2^hashBits, row-major by label. */
  weights: Float32Array;
  bias: Float64Array;
  training: TrainingInfo;
}

export interface TrainingInfo {
  examples: number;
  l2: number;
  iterations: number;
  loss: number;
  classWeight: 'balanced' | 'none';
}

export interface TrainOptions {
  /** L2 penalty on the weights (objective: weighted mean cross-entropy + l2/2·‖W‖²). Default 1e-4. */
  l2?: number;
  maxIter?: number;
  features?: Partial<TaskFeatureConfig>;
  classWeight?: 'balanced' | 'none';
}

const SALT_WORD = 0x5bd1e995;
const SALT_CHAR = 0x27d4eb2f;

/** First `lines` lines of a prompt, cut to `chars` code points, without carriage returns (spec §3.1). */
export function instructionOf(text: string, lines = 3, chars = 200): string {
  let end = -1;
  for (let l = 0; l < lines; l++) {
    end = text.indexOf('\n', end + 1);
    if (end < 0) break;
  }
  const limit = end < 0 ? text.length : end;
  let i = 0;
  for (let cps = 0; i < limit && cps < chars; cps++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < limit ? 2 : 1;
  }
  const s = text.slice(0, i);
  return s.includes('\r') ? s.replace(/\r/g, '') : s;
}

// scratch buffers for taskFeatures (instructions are short; they grow if needed)
let tokBuf = new Int32Array(512);
let charBuf = new Int32Array(1024);

/** Hashed, log-tf, unit-norm n-gram vector of the instruction of `text`. */
export function taskFeatures(text: string, cfg: TaskFeatureConfig = DEFAULT_TASK_FEATURES, acc?: SparseAccumulator): SparseVec {
  const a = acc ?? new SparseAccumulator(1 << cfg.hashBits);
  accumulateNgrams(text, cfg, a);
  return a.finish(logTf);
}

/** Add the instruction's word and character n-gram counts of `text` to `a`. */
function accumulateNgrams(text: string, cfg: TaskFeatureConfig, a: SparseAccumulator): void {
  const s = instructionOf(text, cfg.instructionLines, cfg.instructionChars);
  if (tokBuf.length < s.length + 1) tokBuf = new Int32Array(2 * s.length + 1);
  if (charBuf.length < 2 * s.length + 1) charBuf = new Int32Array(2 * s.length + 1);
  // word tokens: runs of word characters; every other non-space character is a token of its own
  let nTok = 0;
  const w0h = (FNV_OFFSET ^ SALT_WORD) >>> 0;
  let cur = w0h;
  let inWord = false;
  // lower-cased character stream for char n-grams: whitespace runs collapse to ' ' (or '\n' if they hold one)
  let nChar = 0;
  let pendingSpace = 0;
  for (let i = 0; i < s.length; ) {
    let cp = s.charCodeAt(i);
    let k: number;
    if (cp < 128) {
      k = ASCII[cp];
      if (cp >= 65 && cp <= 90) cp += 32;
      i++;
    } else {
      cp = cpAt(s, i);
      i += cp > 0xffff ? 2 : 1;
      k = classOf(cp);
      cp = lowerCp(cp);
    }
    if (k & C_SPACE) {
      if (inWord) tokBuf[nTok++] = cur;
      inWord = false;
      cur = w0h;
      pendingSpace = cp === 10 || pendingSpace === 10 ? 10 : 32;
      continue;
    }
    if (pendingSpace && nChar > 0) charBuf[nChar++] = pendingSpace;
    pendingSpace = 0;
    charBuf[nChar++] = cp;
    if (k & C_WORD) {
      cur = fnvStep(cur, cp);
      inWord = true;
    } else {
      if (inWord) tokBuf[nTok++] = cur;
      inWord = false;
      tokBuf[nTok++] = fnvStep(w0h, cp);
      cur = w0h;
    }
  }
  if (inWord) tokBuf[nTok++] = cur;
  const [w0, w1] = cfg.wordNgrams;
  for (let i = 0; i < nTok; i++) {
    let h = 0;
    for (let n = 1; n <= w1 && i + n <= nTok; n++) {
      h = n === 1 ? mix32(tokBuf[i]) : combine(h, tokBuf[i + n - 1]);
      if (n >= w0) a.add(h);
    }
  }
  const [c0, c1] = cfg.charNgrams;
  if (c1 > 0) {
    for (let i = 0; i < nChar; i++) {
      let h = (FNV_OFFSET ^ SALT_CHAR) >>> 0;
      for (let n = 1; n <= c1 && i + n <= nChar; n++) {
        h = fnvStep(h, charBuf[i + n - 1]);
        if (n >= c0) a.add(mix32(h));
      }
    }
  }
}

const lowerCache = new Map<number, number>();
function lowerCp(cp: number): number {
  let r = lowerCache.get(cp);
  if (r === undefined) {
    // keep the code point when lower-casing expands it (İ → i̇)
    const l = [...String.fromCodePoint(cp).toLowerCase()];
    r = l.length === 1 ? l[0].codePointAt(0)! : cp;
    if (lowerCache.size < 65536) lowerCache.set(cp, r);
  }
  return r;
}

/** Class scores (logits) of a feature vector. */
function logits(
  model: { weights: Float32Array | Float64Array; bias: Float64Array },
  x: SparseVec,
  dim: number,
  out: Float64Array,
): void {
  const K = out.length;
  for (let k = 0; k < K; k++) {
    let z = model.bias[k];
    const off = k * dim;
    for (let j = 0; j < x.idx.length; j++) z += model.weights[off + x.idx[j]] * x.val[j];
    out[k] = z;
  }
}

function softmaxInPlace(z: Float64Array): void {
  let m = -Infinity;
  for (let k = 0; k < z.length; k++) if (z[k] > m) m = z[k];
  let s = 0;
  for (let k = 0; k < z.length; k++) {
    z[k] = Math.exp(z[k] - m);
    s += z[k];
  }
  for (let k = 0; k < z.length; k++) z[k] /= s;
}

/**
 * Train on labelled texts. Examples are put in a canonical order first (by label, then text), so the
 * model is bit-for-bit independent of the order they come in.
 */
export function trainTaskModel(input: readonly { text: string; label: string }[], opts: TrainOptions = {}): TaskModel {
  if (input.length === 0) throw new DataError('no labelled examples to train the task classifier on');
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const examples = [...input].sort((a, b) => cmp(a.label, b.label) || cmp(a.text, b.text));
  const cfg: TaskFeatureConfig = { ...DEFAULT_TASK_FEATURES, ...opts.features };
  validateFeatureConfig(cfg);
  const l2 = opts.l2 ?? 1e-4;
  const maxIter = opts.maxIter ?? 300;
  const classWeight = opts.classWeight ?? 'balanced';
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const K = labels.length;
  const D = 1 << cfg.hashBits;
  const N = examples.length;
  const acc = new SparseAccumulator(D);
  const X = examples.map((e) => taskFeatures(e.text, cfg, acc));
  const y = new Int32Array(N);
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const counts = new Float64Array(K);
  examples.forEach((e, i) => {
    y[i] = labelIndex.get(e.label)!;
    counts[y[i]]++;
  });
  // balanced weights n/(K·n_k), normalised so the loss is a weighted mean
  const sw = new Float64Array(N);
  let swSum = 0;
  for (let i = 0; i < N; i++) {
    sw[i] = classWeight === 'balanced' ? N / (K * counts[y[i]]) : 1;
    swSum += sw[i];
  }
  for (let i = 0; i < N; i++) sw[i] /= swSum;

  const P = K * D + K; // weights then biases
  const z = new Float64Array(K);
  const lossGrad = (theta: Float64Array, g: Float64Array): number => {
    g.fill(0);
    const W = theta.subarray(0, K * D);
    const b = theta.subarray(K * D);
    let loss = 0;
    for (let i = 0; i < N; i++) {
      const x = X[i];
      logits({ weights: W, bias: b as Float64Array }, x, D, z);
      let m = -Infinity;
      for (let k = 0; k < K; k++) if (z[k] > m) m = z[k];
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp(z[k] - m);
      loss += sw[i] * (m + Math.log(s) - z[y[i]]);
      for (let k = 0; k < K; k++) {
        const r = sw[i] * (Math.exp(z[k] - m) / s - (k === y[i] ? 1 : 0));
        if (r === 0) continue;
        const off = k * D;
        for (let j = 0; j < x.idx.length; j++) g[off + x.idx[j]] += r * x.val[j];
        g[K * D + k] += r;
      }
    }
    for (let p = 0; p < K * D; p++) {
      loss += 0.5 * l2 * theta[p] * theta[p];
      g[p] += l2 * theta[p];
    }
    return loss;
  };
  const { theta, iterations, loss } = lbfgs(lossGrad, new Float64Array(P), maxIter);
  return {
    labels,
    features: cfg,
    weights: Float32Array.from(theta.subarray(0, K * D)),
    bias: Float64Array.from(theta.subarray(K * D)),
    training: { examples: N, l2, iterations, loss, classWeight },
  };
}

/** Minimise f with limited-memory BFGS (two-loop recursion, Armijo backtracking). */
function lbfgs(
  f: (x: Float64Array, g: Float64Array) => number,
  x0: Float64Array,
  maxIter: number,
  m = 10,
): { theta: Float64Array; iterations: number; loss: number } {
  const n = x0.length;
  const x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i] * b[i];
    return s;
  };
  let it = 0;
  for (; it < maxIter; it++) {
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(g[i]));
    if (gmax < 1e-7) break;
    // d = −H·g
    for (let i = 0; i < n; i++) d[i] = -g[i];
    const alpha = new Array<number>(S.length);
    for (let j = S.length - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(S[j], d);
      for (let i = 0; i < n; i++) d[i] -= alpha[j] * Y[j][i];
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    } else {
      const gn = Math.sqrt(dot(g, g));
      for (let i = 0; i < n; i++) d[i] /= gn;
    }
    for (let j = 0; j < S.length; j++) {
      const beta = rho[j] * dot(Y[j], d);
      for (let i = 0; i < n; i++) d[i] += S[j][i] * (alpha[j] - beta);
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // not a descent direction: restart from steepest descent
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      slope = dot(g, d);
    }
    let step = 1;
    let fNew = 0;
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
      fNew = f(xNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const yv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      yv[i] = gNew[i] - g[i];
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
    }
    x.set(xNew);
    const tmp = g;
    g = gNew;
    gNew = tmp;
    const rel = (fx - fNew) / Math.max(1, Math.abs(fx));
    fx = fNew;
    if (rel < 1e-10) {
      it++;
      break;
    }
  }
  return { theta: x, iterations: it, loss: fx };
}

/** Class probabilities for one text, in `model.labels` order. */
export function predictProba(model: TaskModel, text: string, acc?: SparseAccumulator): Float64Array {
  const D = 1 << model.features.hashBits;
  const z = new Float64Array(model.labels.length);
  logits(model, taskFeatures(text, model.features, acc), D, z);
  softmaxInPlace(z);
  return z;
}

/** Most probable label (ties: first in `model.labels`). */
export function predictTask(model: TaskModel, text: string, acc?: SparseAccumulator): string {
  const D = 1 << model.features.hashBits;
  const z = new Float64Array(model.labels.length);
  logits(model, taskFeatures(text, model.features, acc), D, z);
  let best = 0;
  for (let k = 1; k < z.length; k++) if (z[k] > z[best]) best = k;
  return model.labels[best];
}

/**
 * Reusable predictor for a batch: scores straight from the accumulated counts, without building the
 * feature vector (same result as `predictTask`).
 */
export function taskPredictor(model: TaskModel): (text: string) => string {
  const D = 1 << model.features.hashBits;
  const K = model.labels.length;
  const acc = new SparseAccumulator(D);
  const z = new Float64Array(K);
  const W = model.weights;
  let norm2 = 0;
  const visit = (i: number, c: number): void => {
    const w = logTf(c);
    norm2 += w * w;
    for (let k = 0; k < K; k++) z[k] += W[k * D + i] * w;
  };
  return (text) => {
    accumulateNgrams(text, model.features, acc);
    z.fill(0);
    norm2 = 0;
    acc.drain(visit);
    const r = norm2 > 0 ? 1 / Math.sqrt(norm2) : 0;
    let best = 0;
    let bestZ = -Infinity;
    for (let k = 0; k < K; k++) {
      const zk = model.bias[k] + z[k] * r;
      if (zk > bestZ) {
        bestZ = zk;
        best = k;
      }
    }
    return model.labels[best];
  };
}

/**
 * Stratified train/test split by a seeded shuffle within each label: returns the indices of the test set
 * (about `testFraction` of every label) and of the training set, each in ascending order.
 */
export function stratifiedSplit(labels: string[], testFraction: number, seed: number): { train: number[]; test: number[] } {
  const rng = new Rng(seed);
  const byLabel = new Map<string, number[]>();
  labels.forEach((l, i) => {
    let a = byLabel.get(l);
    if (!a) byLabel.set(l, (a = []));
    a.push(i);
  });
  const test: number[] = [];
  const train: number[] = [];
  for (const l of [...byLabel.keys()].sort()) {
    const a = byLabel.get(l)!;
    rng.shuffle(a);
    const nTest = Math.round(a.length * testFraction);
    test.push(...a.slice(0, nTest));
    train.push(...a.slice(nTest));
  }
  test.sort((x, y) => x - y);
  train.sort((x, y) => x - y);
  return { train, test };
}

/** Row = true label, column = predicted label, both in `labels` order. */
export function confusionMatrix(labels: string[], truth: string[], predicted: string[]): number[][] {
  const at = new Map(labels.map((l, i) => [l, i]));
  const m = labels.map(() => labels.map(() => 0));
  truth.forEach((t, i) => {
    const a = at.get(t);
    const b = at.get(predicted[i]);
    if (a !== undefined && b !== undefined) m[a][b]++;
  });
  return m;
}

// ---------------------------------------------------------------------------------------------------
// JSON (de)serialisation

export interface TaskModelJson {
  format: typeof TASK_MODEL_FORMAT;
  version: number;
  labels: string[];
  features: TaskFeatureConfig;
  training: TrainingInfo;
  bias: number[];
  weights: { dtype: 'float32'; encoding: 'base64-le'; shape: [number, number]; data: string };
}

export function taskModelToJson(m: TaskModel): TaskModelJson {
  const D = 1 << m.features.hashBits;
  const buf = Buffer.alloc(m.weights.length * 4);
  for (let i = 0; i < m.weights.length; i++) buf.writeFloatLE(m.weights[i], i * 4);
  return {
    format: TASK_MODEL_FORMAT,
    version: TASK_MODEL_VERSION,
    labels: m.labels,
    features: m.features,
    training: m.training,
    bias: Array.from(m.bias),
    weights: { dtype: 'float32', encoding: 'base64-le', shape: [m.labels.length, D], data: buf.toString('base64') },
  };
}

function validateFeatureConfig(c: TaskFeatureConfig, file?: string): void {
  const bad = (what: string): never => {
    throw new DataError(`invalid task model feature setting: ${what}`, file);
  };
  if (!Number.isInteger(c.hashBits) || c.hashBits < 4 || c.hashBits > 24) bad(`hashBits ${c.hashBits} (4..24)`);
  const range = (r: unknown, name: string, min: number): void => {
    if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => Number.isInteger(x) && x >= 0 && x <= 8) || r[0] > r[1]) {
      bad(`${name} ${JSON.stringify(r)}`);
    }
    if ((r as number[])[1] > 0 && (r as number[])[0] < min) bad(`${name} ${JSON.stringify(r)}`);
  };
  range(c.wordNgrams, 'wordNgrams', 1);
  range(c.charNgrams, 'charNgrams', 1);
  if (!Number.isInteger(c.instructionLines) || c.instructionLines < 1) bad(`instructionLines ${c.instructionLines}`);
  if (!Number.isInteger(c.instructionChars) || c.instructionChars < 1) bad(`instructionChars ${c.instructionChars}`);
}

/** Validate and decode a parsed model document; `file` names the source in errors. */
export function taskModelFromJson(doc: unknown, file?: string): TaskModel {
  const fail = (msg: string): never => {
    throw new DataError(msg, file);
  };
  if (typeof doc !== 'object' || doc === null) fail('task model: not a JSON object');
  const o = doc as Record<string, unknown>;
  if (o.format !== TASK_MODEL_FORMAT) {
    fail(`not a task model (format is ${JSON.stringify(o.format)}, expected "${TASK_MODEL_FORMAT}")`);
  }
  if (o.version !== TASK_MODEL_VERSION) {
    fail(`task model version ${JSON.stringify(o.version)} is not supported (expected ${TASK_MODEL_VERSION})`);
  }
  const labels = o.labels;
  if (!Array.isArray(labels) || labels.length < 1 || !labels.every((l) => typeof l === 'string' && l.length > 0)) {
    fail('task model: labels must be a non-empty array of strings');
  }
  const features = o.features as TaskFeatureConfig;
  if (typeof features !== 'object' || features === null) fail('task model: missing features');
  validateFeatureConfig(features, file);
  const K = (labels as string[]).length;
  const D = 1 << features.hashBits;
  const bias = o.bias;
  if (!Array.isArray(bias) || bias.length !== K || !bias.every((b) => typeof b === 'number' && Number.isFinite(b))) {
    fail(`task model: bias must hold ${K} finite numbers`);
  }
  const w = o.weights as TaskModelJson['weights'];
  if (typeof w !== 'object' || w === null || w.dtype !== 'float32' || w.encoding !== 'base64-le' || typeof w.data !== 'string') {
    fail('task model: weights must be {dtype: "float32", encoding: "base64-le", data}');
  }
  if (!Array.isArray(w.shape) || w.shape[0] !== K || w.shape[1] !== D) fail(`task model: weights shape must be [${K}, ${D}]`);
  const buf = Buffer.from(w.data, 'base64');
  if (buf.length !== K * D * 4) fail(`task model: weights hold ${buf.length} bytes, expected ${K * D * 4}`);
  const weights = new Float32Array(K * D);
  for (let i = 0; i < K * D; i++) {
    weights[i] = buf.readFloatLE(i * 4);
    if (!Number.isFinite(weights[i])) fail('task model: weights contain a non-finite value');
  }
  const t = (o.training ?? {}) as Partial<TrainingInfo>;
  return {
    labels: labels as string[],
    features: {
      hashBits: features.hashBits,
      wordNgrams: [features.wordNgrams[0], features.wordNgrams[1]],
      charNgrams: [features.charNgrams[0], features.charNgrams[1]],
      instructionLines: features.instructionLines,
      instructionChars: features.instructionChars,
    },
    weights,
    bias: Float64Array.from(bias as number[]),
    training: {
      examples: Number(t.examples ?? 0),
      l2: Number(t.l2 ?? 0),
      iterations: Number(t.iterations ?? 0),
      loss: Number(t.loss ?? Number.NaN),
      classWeight: t.classWeight === 'none' ? 'none' : 'balanced',
    },
  };
}

/** Read and validate a model file (DataError naming the file on any problem). */
export function loadTaskModel(path: string): TaskModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read task model: ${(e as Error).message}`, path);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new DataError(`task model is not valid JSON: ${(e as Error).message}`, path);
  }
  return taskModelFromJson(doc, path);
}

/** Write a model file atomically. */
export function saveTaskModel(model: TaskModel, path: string): void {
  writeOutput(path, JSON.stringify(taskModelToJson(model), null, 2) + '\n');
}

/**
 * Task-type classifier (docs/features.md, task type, the classifier path): multinomial logistic regression over hashed
 * n-gram features (taskFeatures.ts) in place of the reference's sentence embedding, so no model download is
 * needed. Trained full-batch with L-BFGS from zero weights (deterministic), L2 penalty, balanced class
 * weights as the reference's sklearn model.
 */
import { DataError, UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { SparseAccumulator, type SparseVec, logTf } from './hashing.js';
import { lbfgs } from './lbfgs.js';
import { augmentTagged } from './taskContent.js';
import { DEFAULT_TASK_FEATURES, type TaskFeatureConfig, accumulateNgrams, accumulateText, taskFeatures, validateFeatureConfig } from './taskFeatures.js';

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
  /** Re-templated copies per example (0 for instruction models and version-1 files). */
  augment?: number;
}

interface TrainOptions {
  /** L2 penalty on the weights (objective: weighted mean cross-entropy + l2/2·‖W‖²). Default 1e-4. */
  l2?: number;
  /** Default 100 for content models, 300 for instruction models. */
  maxIter?: number;
  features?: Partial<TaskFeatureConfig>;
  classWeight?: 'balanced' | 'none';
  /**
   * Re-templated copies per example for content models (taskContent.ts `augmentExamples`); default 2,
   * 0 trains on the content alone. Ignored for instruction models.
   */
  augment?: number;
  /** Seed of the augmentation (default 0). */
  seed?: number;
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
  const sorted = [...input].sort((a, b) => cmp(a.label, b.label) || cmp(a.text, b.text));
  const cfg: TaskFeatureConfig = { ...DEFAULT_TASK_FEATURES, ...opts.features };
  validateFeatureConfig(cfg);
  const augment = cfg.input === 'content' ? (opts.augment ?? 2) : 0;
  if (!Number.isInteger(augment) || augment < 0 || augment > 16) throw new UsageError(`augment must be an integer in [0, 16], got ${augment}`);
  const examples = cfg.input === 'content' ? augmentTagged(sorted, augment, opts.seed ?? 0, cfg.contentChars) : sorted.map((e) => ({ ...e, content: false }));
  const l2 = opts.l2 ?? 1e-4;
  // content models converge within ~100 L-BFGS steps; more only costs time
  const maxIter = opts.maxIter ?? (cfg.input === 'content' ? 100 : 300);
  const classWeight = opts.classWeight ?? 'balanced';
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const K = labels.length;
  const D = 1 << cfg.hashBits;
  const N = examples.length;
  const acc = new SparseAccumulator(D);
  // an example's own content is already what prediction reads of its prompt (taskInput): its features are
  // taken as is; the re-templated copies are prompts, read like any prompt
  const X = examples.map((e) => {
    if (!e.content) return taskFeatures(e.text, cfg, acc);
    accumulateText(e.text, cfg, acc);
    return acc.finish(logTf);
  });
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
    training: { examples: sorted.length, l2, iterations, loss, classWeight, augment },
  };
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


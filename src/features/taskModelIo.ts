/** Task model file: a versioned JSON document with the weights as base64 little-endian float32. */

import { DataError } from '../core/errors.js';
import { writeOutput } from './fsutil.js';
import { INSTRUCTION_TASK_FEATURES, type TaskFeatureConfig, validateFeatureConfig } from './taskFeatures.js';
import type { TaskModel, TrainingInfo } from './taskTrain.js';
import { readFileBounded } from '../core/readFile.js';

export const TASK_MODEL_FORMAT = 'greenserv-task-model';
/**
 * Schema version 2 added `input`, `contentChars` and `foldDigits`; version 1 files read as instruction models.
 * Files written before the field was named `schemaVersion`, as every other document's, hold `version`.
 */
export const TASK_MODEL_VERSION = 2;

interface TaskModelJson {
  format: typeof TASK_MODEL_FORMAT;
  schemaVersion: number;
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
    schemaVersion: TASK_MODEL_VERSION,
    labels: m.labels,
    features: m.features,
    training: m.training,
    bias: Array.from(m.bias),
    weights: { dtype: 'float32', encoding: 'base64-le', shape: [m.labels.length, D], data: buf.toString('base64') },
  };
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
  const field = 'schemaVersion' in o ? 'schemaVersion' : 'version';
  const version = o[field];
  if (version !== TASK_MODEL_VERSION && version !== 1) {
    fail(`task model ${field} ${JSON.stringify(version)} is not supported (expected ${TASK_MODEL_VERSION})`);
  }
  const labels = o.labels;
  if (!Array.isArray(labels) || labels.length < 1 || !labels.every((l) => typeof l === 'string' && l.length > 0)) {
    fail('task model: labels must be a non-empty array of strings');
  }
  if (typeof o.features !== 'object' || o.features === null) fail('task model: missing features');
  const v1 = version === 1 ? { input: 'instruction', contentChars: INSTRUCTION_TASK_FEATURES.contentChars, foldDigits: false } : {};
  const features = { ...(o.features as TaskFeatureConfig), ...v1 } as TaskFeatureConfig;
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
      input: features.input,
      contentChars: features.contentChars,
      foldDigits: features.foldDigits,
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
      augment: Number(t.augment ?? 0),
    },
  };
}

/** Read and validate a model file (DataError naming the file on any problem). */
export function loadTaskModel(path: string): TaskModel {
  const text = readFileBounded(path, 'task model').toString('utf8');
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

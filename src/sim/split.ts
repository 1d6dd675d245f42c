/**
 * Train/test splits of a query table (docs/model.md §13): seeded and stratified by task, so each task keeps
 * the train share of the whole. Split s of a protocol run draws from its own stream of the seed.
 */
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

interface Split {
  /** Train query indices, ascending (table order). */
  train: Int32Array;
  /** Test query indices, ascending. */
  test: Int32Array;
}

/** RNG stream key of the split draws (distinct from the replay's stream keys). */
const SPLIT_STREAM = 0x5b117;

/** Checks a `--split` fraction: the train share, strictly between 0 and 1. */
export function checkSplitFraction(fraction: number, where = '--split'): number {
  if (!(Number.isFinite(fraction) && fraction > 0 && fraction < 1)) {
    throw new UsageError(`${where} must be a fraction strictly between 0 and 1 (the train share), got ${fraction}`);
  }
  return fraction;
}

/** Why a split has an empty part, and what would help: the rounding is per task, so tiny tasks can defeat any fraction. */
function emptyPartMessage(fraction: number, noTrain: boolean, Q: number, byTask: number[][]): string {
  const sizes = byTask.map((l) => l.length).filter((n) => n > 0);
  const largest = Math.max(0, ...sizes);
  const head = `--split ${fraction} leaves the ${noTrain ? 'train' : 'test'} part empty: within each task, round(${fraction} × n) of its n queries go to train, here ${noTrain ? 'none' : 'all'} of the ${Q} ${Q === 1 ? 'query' : 'queries'} (${sizes.length} ${sizes.length === 1 ? 'task' : 'tasks'}, the largest with ${largest})`;
  if (Q < 2) return `${head}; a split needs at least 2 queries`;
  if (largest < 2) return `${head}; with one query per task no fraction splits it: give fewer, larger tasks, or a separate training table with --train`;
  return `${head}; choose a ${noTrain ? 'larger' : 'smaller'} fraction`;
}

/**
 * Split s of `seed`: within each task, the task's queries are shuffled and the first round(fraction · n_task)
 * go to train, the rest to test (docs/model.md §13). Both parts must be non-empty.
 */
export function stratifiedSplit(queryTask: Int32Array, nTasks: number, fraction: number, seed: number, s = 0): Split {
  checkSplitFraction(fraction);
  const Q = queryTask.length;
  const byTask: number[][] = Array.from({ length: nTasks }, () => []);
  for (let q = 0; q < Q; q++) {
    const k = queryTask[q];
    if (!(k >= 0 && k < nTasks)) throw new Error(`split: query ${q} has task index ${k} outside [0, ${nTasks})`);
    byTask[k].push(q);
  }
  const rng = Rng.derive(seed, SPLIT_STREAM, s);
  const isTrain = new Uint8Array(Q);
  let nTrain = 0;
  for (const list of byTask) {
    if (list.length === 0) continue;
    rng.shuffle(list);
    const n = Math.round(fraction * list.length);
    for (let i = 0; i < n; i++) isTrain[list[i]] = 1;
    nTrain += n;
  }
  if (nTrain === 0 || nTrain === Q) throw new UsageError(emptyPartMessage(fraction, nTrain === 0, Q, byTask));
  const train = new Int32Array(nTrain);
  const test = new Int32Array(Q - nTrain);
  let a = 0;
  let b = 0;
  for (let q = 0; q < Q; q++) {
    if (isTrain[q]) train[a++] = q;
    else test[b++] = q;
  }
  return { train, test };
}

/**
 * Throughput of the text features (complexity + cluster + task, and the `embed` embedding) on one core:
 * the 2,500 real prompts from ../shared when present, else synthetic prompts of similar shape. Numbers are queries per second,
 * median of 7 warm runs, by wall clock (`qps`) and by process CPU time (`cpuQps`); `coldQps` is the first
 * run with an empty syllable cache.
 *
 * `embed` is timed as runs use it (`--features embed`): PCA to 64 dimensions, fit included, over a
 * RouterBench-size set (36,497 prompts: the prompts above, cycled), fitted on every other prompt as under
 * `--split 0.5` (`embed`) or on all of them as without a split (`embedFitAll`); median of 5 runs. The
 * random projection alone, over the prompts above, is `embedRandom`. Keys: docs/outputs.md, `npm run bench`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { onlineKMeans, textVectors } from '../src/features/cluster.js';
import { fleschFromCounts, scanText } from '../src/features/flesch.js';
import { type FeatureInput, computeFeatures } from '../src/features/pipeline.js';
import { readQueries } from '../src/features/queries.js';
import { clearSyllableCache } from '../src/features/syllables.js';
import { taskPredictor, trainTaskModel } from '../src/features/taskClassifier.js';
import { embedContexts, embedTexts, fitEmbedder } from '../src/features/embed.js';

/** Prompts in RouterBench's 0-shot set, the size the `embed` figures are timed at. */
export const EMBED_PROMPTS = 36_497;
/** docs/features.md, Performance: `embed` (PCA at 64 dimensions, fit included) at this many queries per second or more. */
export const FEATURE_TARGETS = { embedQps: 20_000 };

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"greenserv"/.test(readFileSync(pkg, 'utf8'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

const WORDS = (
  'the a of to and in is that for it as was with be by on not he this are or his from at which but have an they ' +
  'you were her all she there would their we him been has when who will more no if out so said what up its about ' +
  'into than them can only other new some could time these two may then do first any my now such like our over ' +
  'government economic probability molecule inflation temperature constitutional photosynthesis algorithm'
).split(' ');

/** Prompts shaped like the five paper tasks: a fixed instruction, a body of random words, options. */
export function syntheticPrompts(n: number, seed = 1): { text: string; task: string }[] {
  const rng = new Rng(seed);
  const heads: [string, string, number][] = [
    ['mmlu', 'Choose the correct answer. Respond with a single letter.\nQuestion:\n', 60],
    ['hellaswag', 'Choose the correct answer. Respond with a single letter.\nContext:\n', 100],
    ['winogrande', 'Choose the correct answer. Respond with a single letter.\nContext:\n', 25],
    ['gsm8k', "Solve this step by step. Provide your final answer in the format 'Answer: <answer> ####'.\nQuestion:\n", 45],
    ['cnn_dailymail', 'Write 2-3 concise sentences summarizing the key details of the article. End with ####.\nArticle:\n', 650],
  ];
  const out: { text: string; task: string }[] = [];
  for (let i = 0; i < n; i++) {
    const [task, head, len] = heads[i % heads.length];
    const words: string[] = [];
    for (let j = 0; j < len; j++) {
      words.push(WORDS[rng.int(WORDS.length)] + (rng.next() < 0.08 ? '.' : rng.next() < 0.05 ? ',' : ''));
    }
    // the blank of a Winogrande sentence, early enough to fall inside the 200-character instruction
    if (task === 'winogrande') words.splice(rng.int(12), 0, '_');
    let text = head + words.join(' ');
    text += task === 'gsm8k' || task === 'cnn_dailymail' ? '\n\nAnswer:\n' : '\nOptions:\nA. one\nB. two\nAnswer:\n';
    out.push({ text, task });
  }
  return out;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

/** `size` (default: all 2,500 prompts, `embed` at RouterBench's size) is smaller only in the test of the JSON's fields. */
export async function benchFeatures(size: { prompts?: number; embedQueries?: number } = {}): Promise<Record<string, number>> {
  const dir = join(repoRoot(), '..', 'shared', 'data', 'greenserv', 'prompts');
  let prompts: { text: string; task: string }[];
  const real = existsSync(dir);
  if (real) prompts = readQueries(dir).records.map((r) => ({ text: r.text, task: r.task ?? '' }));
  else prompts = syntheticPrompts(2500);
  if (size.prompts !== undefined) prompts = prompts.slice(0, size.prompts);
  const embedQueries = size.embedQueries ?? EMBED_PROMPTS;
  const n = prompts.length;
  const texts = prompts.map((p) => p.text);
  const model = trainTaskModel(prompts.map((p) => ({ text: p.text, label: p.task })), { maxIter: 100 });
  const items: FeatureInput[] = prompts.map((p, i) => ({ queryId: String(i), text: p.text, task: null }));
  // wall-clock and process CPU time: on a busy machine the CPU figure still measures one core's work
  const time = (f: () => void): { wall: number; cpu: number } => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / 1e6 };
  };

  clearSyllableCache();
  const cold = time(() => computeFeatures(items, { taskModel: model }));
  const reps = 7;
  const runs: Record<string, { wall: number; cpu: number }[]> = { total: [], complexity: [], cluster: [], task: [], embedRandom: [] };
  const embedder = fitEmbedder(texts);
  for (let r = 0; r < reps; r++) {
    runs.total.push(time(() => computeFeatures(items, { taskModel: model })));
    runs.complexity.push(time(() => texts.forEach((t) => fleschFromCounts(scanText(t)))));
    runs.cluster.push(time(() => onlineKMeans(textVectors(texts), { k: 3 })));
    const predict = taskPredictor(model);
    runs.task.push(time(() => texts.forEach((t) => predict(t))));
    runs.embedRandom.push(time(() => embedTexts(embedder, texts)));
  }
  const out: Record<string, number> = {
    'features.queries': n,
    'features.realPrompts': real ? 1 : 0,
    'features.total.coldQps': n / cold.wall,
  };
  for (const [k, v] of Object.entries(runs)) {
    out[`features.${k}.qps`] = n / median(v.map((x) => x.wall));
    out[`features.${k}.cpuQps`] = n / median(v.map((x) => x.cpu));
  }
  // the path of `--features embed` (contextsFor → embedContexts, reduce 'pca'), fit included, at RouterBench size
  const big = Array.from({ length: embedQueries }, (_, i) => texts[i % n]);
  const half = Array.from({ length: Math.ceil(embedQueries / 2) }, (_, i) => 2 * i);
  const pca = { dim: 64, reduce: 'pca' as const, seed: 0 };
  const big5: Record<string, { wall: number; cpu: number }[]> = { embed: [], embedFitAll: [] };
  for (let r = 0; r < 5; r++) {
    big5.embed.push(time(() => embedContexts(big, { ...pca, train: half })));
    big5.embedFitAll.push(time(() => embedContexts(big, pca)));
  }
  out['features.embed.queries'] = embedQueries;
  out['features.embed.trainQueries'] = half.length;
  out['features.embed.dim'] = pca.dim;
  out['features.embed.targetQps'] = FEATURE_TARGETS.embedQps;
  for (const [k, v] of Object.entries(big5)) {
    out[`features.${k}.qps`] = embedQueries / median(v.map((x) => x.wall));
    out[`features.${k}.cpuQps`] = embedQueries / median(v.map((x) => x.cpu));
  }
  return out;
}

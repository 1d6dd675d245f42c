/**
 * `greenserv report` on a `simulate` results directory: summary.json, the per-step trace (steps.csv or
 * steps.arrow) and manifest.json become the same aggregate an experiment has, so a simulation gets the same
 * charts (cumulative and moving-average regret, selection over time, accuracy vs energy, final regret) and
 * report.html. A --split or --train directory has no trace: its report gets the train/test protocol section
 * and the gap-closed chart instead, with the single models taken over the test streams. Nothing in the
 * directory is changed but charts/ and report.html.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import { stringify as yamlStringify } from 'yaml';
import { DataError } from '../core/errors.js';
import { MAX_RESULTS_FILE_BYTES, parseJsonText, readFileBounded } from '../core/readFile.js';
import { loadTable, isBuiltinSource } from '../data/load.js';
import { tableSha256 } from '../data/pool.js';
import { stratifiedSplit } from '../sim/split.js';
import { headRows, stackRows } from '../sim/protocol.js';
import type { PoolTable } from '../data/pool.js';
import { modelPoints, pairwiseTests, paretoFlags, SELECTION_WINDOW, MA_WINDOW, type CellSummary, type ExperimentAggregate, type ExperimentSummary, type ModelPoint } from '../metrics/experiment.js';
import { mean, movingAverage, tCritical95 } from '../metrics/stats.js';
import { readSimulateSummary, type SimSummary } from './simulateSummary.js';

/** Policy × run × step values held in memory at most (two arrays of this length). */
const MAX_TRACE = 20_000_000;
/** A steps.csv row is far shorter than this; a longer file is not a trace of this summary. */
const MAX_ROW_BYTES = 512;

interface Trace {
  /** Step regret at [(policy · runs + run) · queries + step]. */
  regret: Float64Array;
  /** Index into `models` of the chosen model, same layout. */
  model: Int32Array;
  models: string[];
}

function traceShape(s: SimSummary, summaryFile = 'summary.json'): { P: number; R: number; Q: number; n: number } {
  const P = s.policies.length;
  const R = s.runs;
  const Q = s.dataset.queries;
  const n = P * R * Q;
  if (n > MAX_TRACE) throw new DataError(`the trace would hold ${n} steps (${P} policies × ${R} runs × ${Q} queries); at most ${MAX_TRACE} can be charted`, summaryFile);
  return { P, R, Q, n };
}

/** Place one trace row, checking every index against the summary. */
function placer(file: string, s: SimSummary, t: Trace, knownModels: string[] | null): (line: number, run: number, step: number, policy: string, model: string, regret: number) => void {
  const { R, Q } = traceShape(s);
  const pIndex = new Map(s.policies.map((p, i) => [p.name, i]));
  const mIndex = new Map<string, number>();
  (knownModels ?? []).forEach((m, i) => mIndex.set(m, i));
  const seen = new Uint8Array(t.regret.length);
  return (line, run, step, policy, model, regret) => {
    if (!Number.isInteger(run) || run < 0 || run >= R) throw new DataError(`run must be an integer in [0, ${R - 1}], got '${run}'`, file, line, 'run');
    if (!Number.isInteger(step) || step < 0 || step >= Q) throw new DataError(`step must be an integer in [0, ${Q - 1}], got '${step}'`, file, line, 'step');
    const p = pIndex.get(policy);
    if (p === undefined) throw new DataError(`policy '${policy}' is not in summary.json`, file, line, 'policy');
    let m = mIndex.get(model);
    if (m === undefined) {
      if (knownModels || mIndex.size >= s.dataset.models) throw new DataError(`model '${model}' is not in the dataset`, file, line, 'model_id');
      m = mIndex.size;
      mIndex.set(model, m);
      t.models.push(model);
    }
    if (!Number.isFinite(regret)) throw new DataError(`regret must be a number, got '${regret}'`, file, line, 'regret');
    const k = (p * R + run) * Q + step;
    if (seen[k]) throw new DataError(`policy '${policy}', run ${run}, step ${step} appears twice`, file, line);
    seen[k] = 1;
    t.regret[k] = regret;
    t.model[k] = m;
  };
}

const STEPS_HEADER = ['run', 'step', 'query_id', 'policy', 'model_id', 'reward', 'regret', 'cum_regret', 'accuracy', 'energy_j'];

/** Size of a trace file, which must be a regular file: a FIFO or device in its place would block or never end. */
function regularFileSize(file: string): number {
  const st = statSync(file);
  if (!st.isFile()) throw new DataError('is not a regular file (a device, pipe or socket cannot be read as a trace)', file);
  return st.size;
}

async function readTrace(dir: string, s: SimSummary, knownModels: string[] | null): Promise<Trace | null> {
  const { n } = traceShape(s);
  const t: Trace = { regret: new Float64Array(n), model: new Int32Array(n), models: knownModels ? [...knownModels] : [] };
  const csvFile = join(dir, 'steps.csv');
  const arrowFile = join(dir, 'steps.arrow');
  let rows = 0;
  if (existsSync(csvFile)) {
    const size = regularFileSize(csvFile);
    if (size > 256 + n * MAX_ROW_BYTES) throw new DataError(`${size} bytes is too long for a trace of ${n} steps`, csvFile);
    const put = placer(csvFile, s, t, knownModels);
    // streamed record by record: a trace can be larger than one string may hold
    const parser = createReadStream(csvFile).pipe(parseCsv({ relax_column_count: false }));
    try {
      for await (const r of parser as AsyncIterable<string[]>) {
        rows++;
        if (rows === 1) {
          if (r.join(',') !== STEPS_HEADER.join(',')) throw new DataError(`header must be ${STEPS_HEADER.join(',')}`, csvFile, 1);
          continue;
        }
        if (rows - 1 > n) throw new DataError(`more than the ${n} steps summary.json needs (policies × runs × queries)`, csvFile, rows);
        put(rows, Number(r[0]), Number(r[1]), r[3], r[4], r[6] === '' ? Number.NaN : Number(r[6]));
      }
    } catch (e) {
      if (e instanceof DataError) throw e;
      const lines = (e as { lines?: number }).lines;
      throw new DataError(`malformed CSV (${(e as Error).message})`, csvFile, lines);
    } finally {
      parser.destroy();
    }
    if (rows - 1 !== n) throw new DataError(`has ${Math.max(0, rows - 1)} steps, summary.json needs ${n} (policies × runs × queries)`, csvFile);
    return t;
  }
  if (existsSync(arrowFile)) {
    const size = regularFileSize(arrowFile);
    // 60 bytes a step, the query ids' dictionary once (ids as long as a CSV row allows) and the metadata of one
    // record batch per policy-run
    const { P, R, Q } = traceShape(s);
    if (size > 4096 + n * 64 + Q * MAX_ROW_BYTES + P * R * 2048) throw new DataError(`${size} bytes is too long for a trace of ${n} steps`, arrowFile);
    const arrow = await import('apache-arrow');
    let table;
    try {
      table = arrow.tableFromIPC(readFileSync(arrowFile));
    } catch (e) {
      throw new DataError(`not an Arrow IPC file (${(e as Error).message})`, arrowFile);
    }
    const col = (name: string): import('apache-arrow').Vector => {
      const c = table.getChild(name);
      if (!c) throw new DataError(`column '${name}' is missing`, arrowFile);
      return c;
    };
    const [run, step, policy, model, regret] = ['run', 'step', 'policy', 'model_id', 'regret'].map(col);
    if (table.numRows !== n) throw new DataError(`has ${table.numRows} steps, summary.json needs ${n} (policies × runs × queries)`, arrowFile);
    const put = placer(arrowFile, s, t, knownModels);
    for (let i = 0; i < table.numRows; i++) put(i + 1, Number(run.get(i)), Number(step.get(i)), String(policy.get(i)), String(model.get(i)), Number(regret.get(i)));
    return t;
  }
  return null;
}

/**
 * The single models over the test streams of a --split run: each split's test rows drawn again as the run
 * drew them (same seed and split index), the points averaged over the splits as the policies' are; null
 * (policies only) when the draw does not give the recorded test size.
 */
function testStreamPoints(t: PoolTable, fraction: number, k: number, seed: number, testQueries: number, warn: (m: string) => void): ModelPoint[] | null {
  const per: ModelPoint[][] = [];
  for (let i = 0; i < k; i++) {
    const sp = stratifiedSplit(t.queryTask, t.tasks.length, fraction, seed, i);
    if (sp.test.length !== testQueries) {
      warn(`split ${i + 1} of the dataset has ${sp.test.length} test queries, summary.json says ${testQueries}, so accuracy vs energy shows the policies only`);
      return null;
    }
    const st = stackRows(t, sp.test, sp.train);
    per.push(modelPoints(headRows(st.table, st.nTest), []));
  }
  const pts = per[0].map((m, j) => ({ ...m, accuracy: mean(per.map((x) => x[j].accuracy)), energyWh: mean(per.map((x) => x[j].energyWh)) }));
  paretoFlags(pts).forEach((f, j) => (pts[j].onFront = f));
  return pts;
}

/** Models of the dataset when it can be loaded again unchanged (same content hash); else null. */
async function reloadModels(s: SimSummary, manifest: Record<string, unknown>, warn: (m: string) => void): Promise<ModelPoint[] | null> {
  const ds = (manifest.dataset ?? {}) as { source?: unknown };
  const cfg = (manifest.config ?? {}) as { queries?: unknown; models?: unknown };
  const source = typeof ds.source === 'string' ? ds.source : null;
  // never go to the network to redraw a chart
  if (!source || (!isBuiltinSource(source) && (source.includes('://') || !existsSync(source)))) {
    warn(`dataset '${source ?? '?'}' is not available here, so accuracy vs energy shows the policies only`);
    return null;
  }
  try {
    const t = await loadTable(source, { queries: typeof cfg.queries === 'string' ? cfg.queries : undefined, models: typeof cfg.models === 'string' ? cfg.models : undefined });
    if (tableSha256(t) !== s.dataset.sha256) {
      warn(`dataset '${source}' has changed since the run (sha256 differs), so accuracy vs energy shows the policies only`);
      return null;
    }
    return s.protocol?.kind === 'split' ? testStreamPoints(t, s.protocol.fraction!, s.protocol.splits, s.seed, s.protocol.testQueries, warn) : modelPoints(t, []);
  } catch (e) {
    warn(`dataset '${source}' could not be loaded (${(e as Error).message}), so accuracy vs energy shows the policies only`);
    return null;
  }
}

/**
 * Experiment-shaped aggregate of a simulation, for the experiment charts and report. Under the train/test
 * protocol with k splits, perRun holds every split's runs, so the aggregate counts runs × k replays.
 */
function simulateAggregate(s: SimSummary, trace: Trace | null, models: ModelPoint[] | null): ExperimentAggregate {
  const { R, Q } = traceShape(s);
  const replays = R * (s.protocol?.splits ?? 1);
  const lambda = s.lambda;
  const cells: CellSummary[] = s.policies.map((p) => ({
    lambda,
    label: p.name,
    policy: p.name,
    params: p.params,
    features: s.contexts.features,
    finalRegret: p.finalRegret,
    reward: p.reward,
    accuracy: p.accuracy,
    energyWh: p.energyWh,
    costNorm: p.costNorm,
    latencyS: p.latencyS,
    selection: p.selection,
    perRun: p.perRun.map((r, run) => ({ run, ...r })),
  }));
  const ids = models ? models.map((m) => m.id) : (trace?.models ?? []);
  const points: ModelPoint[] = models ?? ids.map((id) => ({ id, paramsB: null, accuracy: Number.NaN, energyWh: Number.NaN, reward: [], onFront: false }));
  const summary: ExperimentSummary = {
    schemaVersion: 1,
    kind: 'experiment',
    name: 'simulate',
    title: `Simulation: ${s.dataset.name}, λ = ${lambda}`,
    dataset: { name: s.dataset.name, queries: Q, models: s.dataset.models, sha256: s.dataset.sha256 },
    semantics: s.semantics,
    oracle: s.oracle.mode,
    runs: replays,
    seed: s.seed,
    lambdas: [lambda],
    oracleTotal: [s.oracle.totalReward],
    events: [],
    cells,
    significance: pairwiseTests(lambda, cells),
    models: points,
    comparison: null,
  };
  if (s.scenario) summary.scenario = s.scenario;
  // simulate runs one λ: the protocol's rows are its rows at that λ
  if (s.protocol) summary.protocol = { ...s.protocol, lambda, byLambda: [{ lambda, policies: s.protocol.policies }] };
  const agg: ExperimentAggregate = { summary, curves: [], selection: [] };
  if (!trace) return agg;
  const tcrit = R > 1 ? tCritical95(R - 1) : 0;
  const M = ids.length;
  const ma = new Float64Array(Q);
  const cum = new Float64Array(R);
  s.policies.forEach((p, pi) => {
    const meanCum = new Float64Array(Q);
    const ciLo = new Float64Array(Q);
    const ciHi = new Float64Array(Q);
    const movingAvg = new Float64Array(Q);
    cum.fill(0);
    for (let r = 0; r < R; r++) {
      const off = (pi * R + r) * Q;
      movingAverage(trace.regret.subarray(off, off + Q), MA_WINDOW, ma);
      for (let q = 0; q < Q; q++) movingAvg[q] += ma[q] / R;
    }
    for (let q = 0; q < Q; q++) {
      let sum = 0;
      for (let r = 0; r < R; r++) {
        cum[r] += trace.regret[(pi * R + r) * Q + q];
        sum += cum[r];
      }
      const m = sum / R;
      let ss = 0;
      for (let r = 0; r < R; r++) ss += (cum[r] - m) * (cum[r] - m);
      const half = R > 1 ? (tcrit * Math.sqrt(ss / (R - 1))) / Math.sqrt(R) : 0;
      meanCum[q] = m;
      ciLo[q] = m - half;
      ciHi[q] = m + half;
    }
    agg.curves.push({ lambda, label: p.name, meanCum, ciLo, ciHi, movingAvg });
    const nW = Math.ceil(Q / SELECTION_WINDOW);
    const share = Array.from({ length: nW }, () => new Float64Array(M));
    for (let r = 0; r < R; r++) {
      const off = (pi * R + r) * Q;
      for (let q = 0; q < Q; q++) share[Math.floor(q / SELECTION_WINDOW)][trace.model[off + q]]++;
    }
    share.forEach((row, w) => {
      const size = Math.min(SELECTION_WINDOW, Q - w * SELECTION_WINDOW) * R;
      for (let m = 0; m < M; m++) row[m] /= size;
    });
    agg.selection.push({ lambda, label: p.name, windowStart: Array.from({ length: nW }, (_, w) => w * SELECTION_WINDOW), share });
  });
  return agg;
}

/** What report.html says the charts and tables after the protocol section describe; null without a protocol or with one split. */
function simulateProtocolNote(s: SimSummary): string | null {
  const k = s.protocol?.splits ?? 1;
  if (k === 1) return null;
  return `The charts and tables below describe the ${s.protocol!.testQueries}-query test streams of all ${k} splits: every run of every split (${s.runs} × ${k} = ${s.runs * k} per policy).`;
}

/** Read a simulate results directory into the aggregate, the configuration text and the manifest. */
export async function readSimulateDir(
  dir: string,
  summaryText: string,
  warn: (m: string) => void,
): Promise<{ agg: ExperimentAggregate; configText: string; manifest: unknown; protocolNote: string | null }> {
  const s = readSimulateSummary(summaryText, join(dir, 'summary.json'));
  // checked here, where the summary's path is known (the later calls take a summary that passed)
  traceShape(s, join(dir, 'summary.json'));
  const manifestFile = join(dir, 'manifest.json');
  let manifest: Record<string, unknown> = {};
  if (existsSync(manifestFile)) {
    manifest = parseJsonText(readFileBounded(manifestFile, 'a results file', MAX_RESULTS_FILE_BYTES).toString('utf8'), manifestFile) as Record<string, unknown>;
    if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) throw new DataError('must be a JSON object', manifestFile);
  }
  const models = await reloadModels(s, manifest, warn);
  // the protocol writes no step trace: each split replays its own test stream
  const trace = s.protocol ? null : await readTrace(dir, s, models?.map((m) => m.id) ?? null);
  if (s.protocol) warn('the train/test protocol writes no step trace (steps.csv or steps.arrow), so there are no charts over the stream');
  else if (!trace) warn('no steps.csv or steps.arrow (run with --steps csv or arrow), so there are no charts over the stream');
  const configText = yamlStringify(manifest.config ?? {});
  return { agg: simulateAggregate(s, trace, models), configText, manifest, protocolNote: simulateProtocolNote(s) };
}

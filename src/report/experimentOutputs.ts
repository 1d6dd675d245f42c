/**
 * Files of an experiment results directory, and reading them back so `greenserv report <dir>` can rebuild
 * charts and report.html without re-running: summary.json, runs.csv, curves.csv, selection.csv,
 * significance.csv, comparison.csv, config.yaml, manifest.json, charts/*.svg|png, report.html.
 */
import { gapClosedSpec } from './protocol.js';
import { policyColours } from './palette.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { DataError } from '../core/errors.js';
import { MAX_RESULTS_FILE_BYTES, parseJsonText, readFileBounded } from '../core/readFile.js';
import type { CellCurves, ExperimentAggregate, ExperimentSummary, SelectionWindows } from '../metrics/experiment.js';
import { toJson } from '../metrics/summary.js';
import { signalsHandled, type AtomicDir } from '../core/atomic.js';
import { experimentCharts, focusLambdas } from './charts.js';
import { experimentReport, type ReportInput } from './html.js';
import type { Profile } from '../metrics/profile.js';
import { profileReportSection } from './profile.js';
import { renderChart } from './render.js';
import { csvField, csvNum } from '../core/escape.js';

function runsCsvExperiment(s: ExperimentSummary): string {
  const lines = ['lambda,label,policy,run,seed,final_regret,mean_reward,accuracy,energy_wh'];
  for (const c of s.cells) {
    for (const r of c.perRun) {
      lines.push([c.lambda, csvField(c.label), csvField(c.policy), r.run, r.seed, csvNum(r.finalRegret), csvNum(r.reward), csvNum(r.accuracy), csvNum(r.energyWh)].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

function curvesCsv(curves: CellCurves[]): string {
  const parts = ['lambda,label,step,mean_cum_regret,ci95_lo,ci95_hi,ma_regret\n'];
  for (const c of curves) {
    const l = csvField(c.label);
    const rows: string[] = [];
    for (let s = 0; s < c.meanCum.length; s++) rows.push(`${c.lambda},${l},${s + 1},${csvNum(c.meanCum[s])},${csvNum(c.ciLo[s])},${csvNum(c.ciHi[s])},${csvNum(c.movingAvg[s])}\n`);
    parts.push(rows.join(''));
  }
  return parts.join('');
}

function selectionCsv(sel: SelectionWindows[], modelIds: string[]): string {
  const parts = ['lambda,label,window_start,model_id,share\n'];
  for (const w of sel) {
    const l = csvField(w.label);
    const rows: string[] = [];
    w.share.forEach((row, k) => row.forEach((v, m) => rows.push(`${w.lambda},${l},${w.windowStart[k]},${csvField(modelIds[m])},${csvNum(v)}\n`)));
    parts.push(rows.join(''));
  }
  return parts.join('');
}

function significanceCsv(s: ExperimentSummary): string {
  const lines = ['lambda,a,b,u,p,p_bh,significant,method'];
  for (const p of s.significance) lines.push([p.lambda, csvField(p.a), csvField(p.b), csvNum(p.u), csvNum(p.p), csvNum(p.pAdjusted), p.significant, p.method].join(','));
  return lines.join('\n') + '\n';
}

function comparisonCsv(s: ExperimentSummary): string {
  const lines = ['lambda,label,metric,ours,published,gap_pct'];
  for (const r of s.comparison?.rows ?? []) lines.push([r.lambda, csvField(r.label), r.metric, csvNum(r.ours), csvNum(r.published), csvNum(r.gapPct)].join(','));
  return lines.join('\n') + '\n';
}

/** Models in the pool at the start, from the experiment config (pool.initial, pool.exclude); null when it names none. */
export function initialPool(configText: string, ids: string[]): string[] | null {
  let cfg: unknown;
  try {
    cfg = parseYaml(configText, { merge: true });
  } catch {
    return null;
  }
  const pool = (cfg as { pool?: { initial?: unknown; exclude?: unknown } } | null)?.pool;
  if (!pool) return null;
  const list = (v: unknown): string[] | null => (Array.isArray(v) ? v.map(String) : null);
  const initial = list(pool.initial);
  const exclude = list(pool.exclude);
  if (!initial && !exclude) return null;
  return (initial ?? ids).filter((id) => !(exclude ?? []).includes(id));
}

/**
 * The model profile covers the whole table; under a split the rest of the report is the test stream, so the
 * profile's section says it covers both parts (nothing to say for a train table: the table is the test stream).
 */
export function profileScope(profile: Profile, s: ExperimentSummary): { scope?: { heading: string; note: string } } {
  const pr = s.protocol;
  if (!pr || pr.kind !== 'split') return {};
  return {
    scope: {
      heading: '(over the whole table, train and test parts)',
      note:
        `This section profiles all ${profile.dataset.queries} queries of the table: the ${pr.trainQueries} train and the ${pr.testQueries} test queries together. ` +
        `The protocol table, the charts and the results above are of the ${pr.testQueries}-query test stream only.`,
    },
  };
}

/** The files writeExperimentData writes that hold the charts' numbers. */
export const EXPERIMENT_DATA_FILES = [
  { file: 'curves.csv', what: 'mean cumulative and moving-average regret per step' },
  { file: 'selection.csv', what: 'selection shares per window' },
  { file: 'runs.csv', what: 'final regret, accuracy and energy of every run' },
];

/** Render every chart to SVG and PNG under charts/ and build report.html. */
export async function writeChartsAndReport(
  dir: AtomicDir | { write(name: string, data: string | Uint8Array): void },
  agg: ExperimentAggregate,
  configText: string,
  manifest: unknown,
  profile?: Profile | null,
  opts: { configTitle?: string; protocolNote?: string; dataFiles?: { file: string; what: string }[] } = {},
): Promise<string[]> {
  const specs = experimentCharts(agg, { initialPool: initialPool(configText, agg.summary.models.map((m) => m.id)) });
  const pr = agg.summary.protocol;
  if (pr) {
    // the train/test protocol's gap closed at the λ of its table (docs/model.md §13)
    const arms = [...new Map(agg.summary.cells.map((c) => [c.label, { label: c.label, policy: c.policy }])).values()];
    specs.push({ name: 'gap-closed', title: `Gap closed vs train-best-static, λ = ${pr.lambda}`, spec: gapClosedSpec(pr, policyColours(arms), `Gap closed vs train-best-static on the test stream, λ = ${pr.lambda}`) });
  }
  const rendered: ReportInput['charts'] = [];
  for (const c of specs) {
    const r = await renderChart(c.spec, 2, c.name);
    dir.write(`charts/${c.name}.svg`, r.svg);
    dir.write(`charts/${c.name}.png`, r.png);
    rendered.push({ name: c.name, title: c.title, svg: r.svg, tables: c.tables });
    // drawing is synchronous: let a Ctrl-C in between charts, not only after the last
    await signalsHandled();
  }
  // the profile links to the accuracy-vs-energy chart at its own λ (the one nearest 0.5) rather than draw another
  const paretoCharts = specs.filter((c) => c.name.startsWith('accuracy-vs-energy')).map((c) => c.name);
  const paretoChart = profile ? (paretoCharts.find((n) => n === 'accuracy-vs-energy' || n === `accuracy-vs-energy-lambda-${Number(profile.lambda.toFixed(3))}`) ?? paretoCharts[0]) : undefined;
  const extraSections = profile ? [profileReportSection(profile, undefined, { pareto: !paretoChart, paretoChart, ...profileScope(profile, agg.summary) })] : [];
  dir.write('report.html', experimentReport({ summary: agg.summary, charts: rendered, configText, manifest, extraSections, configTitle: opts.configTitle, protocolNote: opts.protocolNote, dataFiles: opts.dataFiles ?? EXPERIMENT_DATA_FILES }));
  return specs.map((c) => c.name);
}

export function writeExperimentData(dir: AtomicDir, agg: ExperimentAggregate, configText: string): void {
  const s = agg.summary;
  dir.write('summary.json', toJson(s));
  dir.write('runs.csv', runsCsvExperiment(s));
  // per-step curves only for the λ values that get charts (all of them unless it is a long sweep)
  const focus = new Set(focusLambdas(s.lambdas));
  dir.write('curves.csv', curvesCsv(agg.curves.filter((c) => focus.has(c.lambda))));
  dir.write(
    'selection.csv',
    selectionCsv(
      agg.selection.filter((c) => focus.has(c.lambda)),
      s.models.map((m) => m.id),
    ),
  );
  dir.write('significance.csv', significanceCsv(s));
  if (s.comparison) dir.write('comparison.csv', comparisonCsv(s));
  dir.write('config.yaml', configText);
}

/** A results file read back as JSON; a file that is not names itself. */
const readJson = (file: string): unknown => parseJsonText(readResultsText(file), file);

/** A results file's text: regular files only (a FIFO or device in its place would block or never end). */
const readResultsText = (file: string): string => readFileBounded(file, 'a results file', MAX_RESULTS_FILE_BYTES).toString('utf8');

/**
 * A results CSV read back: its rows with their line numbers, every column in `need` present, and a cell of a
 * numeric column either empty (a value the run could not compute) or a number; problems name file, line, column.
 */
function readCsv(file: string, need: string[], numeric: string[]): { row: Record<string, string>; line: number }[] {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  const text = readResultsText(file);
  try {
    rows = parse(text, { columns: true, info: true });
  } catch (e) {
    throw new DataError(`not a valid CSV: ${(e as Error).message}`, file, (e as { lines?: number }).lines);
  }
  const header = rows.length ? Object.keys(rows[0].record) : need;
  for (const c of need) if (!header.includes(c)) throw new DataError(`missing column '${c}'`, file, 1, c);
  for (const { record, info } of rows) {
    for (const c of numeric) if (record[c] !== '' && !Number.isFinite(Number(record[c]))) throw new DataError(`'${record[c]}' is not a number`, file, info.lines, c);
  }
  return rows.map((r) => ({ row: r.record, line: r.info.lines }));
}

/** Read an experiment results directory back into the aggregate (for `greenserv report`). */
export function readExperimentDir(dir: string): { agg: ExperimentAggregate; configText: string; manifest: unknown; profile: Profile | null } {
  const need = (f: string): string => {
    const p = join(dir, f);
    if (!existsSync(p)) throw new DataError(`not an experiment results directory: ${f} is missing`, dir);
    return p;
  };
  const summary = readJson(need('summary.json')) as ExperimentSummary;
  if (summary.kind !== 'experiment') throw new DataError(`summary.json is not an experiment summary (kind '${String(summary.kind)}')`, join(dir, 'summary.json'));
  const Q = summary.dataset.queries;
  const num = (v: string): number => (v === '' ? Number.NaN : Number(v));
  // a row must belong to a cell of summary.json, and a step to its stream
  const cells = new Set(summary.cells.map((c) => `${c.lambda}/${c.label}`));
  const inCell = (file: string, r: Record<string, string>, line: number): string => {
    const key = `${r.lambda}/${r.label}`;
    if (!cells.has(key)) throw new DataError(`λ ${r.lambda}, label '${r.label}' is not a cell of summary.json`, file, line, 'label');
    return key;
  };
  const curvesFile = need('curves.csv');
  const curveRows = readCsv(curvesFile, ['lambda', 'label', 'step', 'mean_cum_regret', 'ci95_lo', 'ci95_hi', 'ma_regret'], ['lambda', 'mean_cum_regret', 'ci95_lo', 'ci95_hi', 'ma_regret']);
  const curves = new Map<string, ExperimentAggregate['curves'][number]>();
  for (const { row: r, line } of curveRows) {
    const key = inCell(curvesFile, r, line);
    const s = Number(r.step) - 1;
    if (!(Number.isInteger(s) && s >= 0 && s < Q)) throw new DataError(`step '${r.step}' is not in 1…${Q} (summary.json: ${Q} queries)`, curvesFile, line, 'step');
    let c = curves.get(key);
    if (!c) {
      c = { lambda: Number(r.lambda), label: r.label, meanCum: new Float64Array(Q), ciLo: new Float64Array(Q), ciHi: new Float64Array(Q), movingAvg: new Float64Array(Q) };
      curves.set(key, c);
    }
    c.meanCum[s] = num(r.mean_cum_regret);
    c.ciLo[s] = num(r.ci95_lo);
    c.ciHi[s] = num(r.ci95_hi);
    c.movingAvg[s] = num(r.ma_regret);
  }
  const ids = summary.models.map((m) => m.id);
  const selFile = need('selection.csv');
  const selRows = readCsv(selFile, ['lambda', 'label', 'window_start', 'model_id', 'share'], ['lambda', 'window_start', 'share']);
  const sel = new Map<string, SelectionWindows>();
  for (const { row: r, line } of selRows) {
    const key = inCell(selFile, r, line);
    const m = ids.indexOf(r.model_id);
    if (m < 0) throw new DataError(`model '${r.model_id}' is not among the models of summary.json`, selFile, line, 'model_id');
    let w = sel.get(key);
    if (!w) {
      w = { lambda: Number(r.lambda), label: r.label, windowStart: [], share: [] };
      sel.set(key, w);
    }
    const start = Number(r.window_start);
    let k = w.windowStart.indexOf(start);
    if (k < 0) {
      k = w.windowStart.push(start) - 1;
      w.share.push(new Float64Array(ids.length));
    }
    w.share[k][m] = num(r.share);
  }
  const manifest = existsSync(join(dir, 'manifest.json')) ? readJson(join(dir, 'manifest.json')) : {};
  const profile = existsSync(join(dir, 'profile.json')) ? (readJson(join(dir, 'profile.json')) as Profile) : null;
  return { agg: { summary, curves: [...curves.values()], selection: [...sel.values()] }, configText: readResultsText(need('config.yaml')), manifest, profile };
}

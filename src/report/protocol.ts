/**
 * Outputs of the train/test protocol (docs/model.md §13): the terminal table, protocol.csv and the chart of
 * gap closed per policy with its 95 % CI.
 */
import type { TopLevelSpec } from 'vega-lite';
import { csvField, csvNum } from '../core/escape.js';
import type { ProtocolBlock, ProtocolPolicyRow } from '../metrics/protocol.js';
import { nearlyEqual } from '../metrics/stats.js';
import { DEFAULT_LAMBDAS } from '../sim/sweep.js';
import { paddedDomain } from './chartsSpread.js';
import { H, W } from './chartsTime.js';
import { fmt, fmtSmall, plural, renderTableFit, wrapItems } from './terminalTable.js';
import { fractionPct } from './percent.js';

function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const v = (100 * x).toFixed(1);
  // a gap that rounds to 0 is +0.0 %, never −0.0 %
  return Number(v) === 0 ? '+0.0%' : `${x > 0 ? '+' : ''}${v}%`;
}

function gapCell(r: ProtocolPolicyRow): string {
  const g = r.gapClosed;
  if (!g) return '–';
  // one value per split (or run) gives no interval
  return g.n < 2 ? pct(g.mean) : `${pct(g.mean)} [${pct(g.ci95[0])}, ${pct(g.ci95[1])}]`;
}

/** What the protocol was, in one line. */
export function protocolHead(p: ProtocolBlock): string {
  const how = p.kind === 'split' ? `split ${p.fraction} train (stratified by task) · ${plural(p.splits, 'split')}` : `train table ${p.train}`;
  const head = `test stream: ${plural(p.testQueries, 'query', 'queries')} · train part: ${plural(p.trainQueries, 'query', 'queries')} · ${how} · gap closed vs ${p.baseline}, 95% CI over ${p.splits >= 2 ? 'splits' : 'runs'}`;
  // runs of one split differ only in order and exploration: a router that does neither gets a zero-width CI
  return p.splits >= 2 || p.kind !== 'split' ? head : `${head}\n(one split: the CI says nothing about the split's luck; --splits k draws k splits for a CI over them)`;
}

/** The protocol table's cells (terminal and report.html alike); `drop` is the order its columns give way in a narrow terminal. */
export function protocolCells(p: ProtocolBlock, nLambdas?: number): { headers: string[]; rows: string[][]; drop: number[]; foot: string[] } {
  const usd = costInUsd(p);
  const withAiq = p.policies.some((r) => r.aiq);
  const headers = ['policy', 'test regret', 'gap closed [95% CI]', 'accuracy', usd ? 'cost $' : 'energy Wh', ...(withAiq ? ['AIQ', 'AIQ / zero router'] : [])];
  const rows = p.policies.map((r) => [
    p.hindsight.includes(r.name) ? `${r.name}*` : r.name,
    `${fmt(r.testRegret.mean, 1)} ± ${fmt(r.testRegret.sd, 1)}`,
    gapCell(r),
    fmt(r.accuracy, 4),
    usd ? fmtSmall(r.costUsd, 3) : fmtSmall(r.energyWh, 1),
    ...(withAiq ? [r.aiq ? fmt(r.aiq.policy, 4) : '–', r.aiq ? fmt(r.aiq.ratio, 3) : '–'] : []),
  ]);
  // the headers are short for the terminal: what each number is, its unit and which way is better
  const foot: string[] = [
    `test regret: Σ(r* − r) on the test stream, lower is better · gap closed: % of ${p.baseline}'s regret removed, higher is better · ${usd ? 'cost $' : 'energy Wh'}: total over the test stream`,
  ];
  if (p.hindsight.some((h) => p.policies.some((r) => r.name === h))) foot.push("* hindsight baseline: it sees the test stream's rewards");
  const zero = p.policies.find((r) => r.aiq)?.aiq;
  const fitted = fittedLine(p);
  if (fitted) foot.push(fitted);
  if (zero) foot.push(`zero router AIQ on the test points: ${fmt(zero.zeroRouter, 4)}`);
  // a router's hull has one point per λ, the zero router's one per model: on a short grid only routers compare
  if (zero && nLambdas !== undefined && nLambdas < DEFAULT_LAMBDAS.length) {
    foot.push(`(a router's AIQ is from its hull over the ${plural(nLambdas, 'λ value')} run, the zero router's from every model: compare the AIQ of routers with each other, or run the default ${DEFAULT_LAMBDAS.length}-value λ grid for the ratio)`);
  }
  const verdict = verdictLine(p);
  if (verdict) foot.push(verdict);
  // AIQ / zero router gives way last, but it does: with it the table is 92 wide on the default policies
  return { headers, rows, drop: withAiq ? [5, 4, 6] : [4], foot };
}

/**
 * An interval of no width: runs that agree (a deterministic router on one split), not evidence. Their regrets
 * are sums in each run's own order, so "agree" is nearlyEqual, as the significance tests take it.
 */
const noWidth = ([lo, hi]: [number, number]): boolean => nearlyEqual(lo, hi);

/**
 * What the table says to deploy: the router with the largest gap closed among those whose 95 % CI lies above 0,
 * or, when none does, the static model of the train part. Hindsight baselines do not count: they cannot be
 * deployed. Nothing when no router has a gap (the static model's test regret is 0).
 */
export function verdictLine(p: ProtocolBlock): string {
  const routers = p.policies.filter((r) => r.gapClosed && r.name !== p.baseline && !p.hindsight.includes(r.name));
  if (routers.length === 0) return '';
  const best = (rs: ProtocolPolicyRow[]): ProtocolPolicyRow => rs.reduce((a, r) => (r.gapClosed!.mean > a.gapClosed!.mean ? r : a));
  const above = routers.filter((r) => r.gapClosed!.n >= 2 && r.gapClosed!.ci95[0] > 0 && !noWidth(r.gapClosed!.ci95));
  if (above.length > 0) {
    const r = best(above);
    const base = p.policies.find((b) => b.name === p.baseline);
    return `best router with its 95% CI above 0: ${r.name}, gap closed ${gapCell(r)}${base ? `; against ${p.baseline}${choseNote(base)} ${versus(p, r, base)}` : ''}`;
  }
  const r = best(routers);
  const base = p.policies.find((b) => b.name === p.baseline);
  const g = r.gapClosed!;
  const flat = g.n >= 2 && g.over === 'runs' && g.ci95[0] > 0 && noWidth(g.ci95) ? '; its runs on this one split agree, so the interval has no width: --splits k gives one over splits' : '';
  return `no router closes the gap with its 95% CI above 0 (the highest: ${r.name} ${gapCell(r)}${flat}): on this evidence, deploy ${p.baseline}${base ? choseNote(base) : ''}`;
}

/** Which model the static baseline is: " (m)", or the three largest shares when its splits chose differently. */
export function choseNote(b: ProtocolPolicyRow): string {
  const ms = Object.entries(b.chose ?? {});
  if (ms.length === 0) return '';
  if (ms.length === 1) return ` (${ms[0][0]})`;
  const shown = ms.slice(0, 3).map(([m, x], i) => `${m} ${fractionPct(x)}${i === 0 ? ' of the test decisions' : ''}`);
  return ` (${shown.join(', ')}${ms.length > 3 ? `, ${ms.length - 3} more` : ''})`;
}

/** The table shows dollars rather than energy when no policy has energy and some have a cost. */
function costInUsd(p: ProtocolBlock): boolean {
  return p.policies.every((r) => !Number.isFinite(r.energyWh)) && p.policies.some((r) => Number.isFinite(r.costUsd));
}

/** A difference with its sign and unit, and as a share of the reference when that is not 0. */
function delta(x: number, ref: number, digits: number, unit: string): string {
  const d = x - ref;
  const abs = `${d >= 0 ? '+' : ''}${fmtSmall(d, digits)} ${unit}`;
  return ref !== 0 && Number.isFinite(d) ? `${abs}, ${pct(d / ref)}` : abs;
}

/** What deploying router r changes against the baseline b on the test stream: accuracy and energy or dollars. */
function versus(p: ProtocolBlock, r: ProtocolPolicyRow, b: ProtocolPolicyRow): string {
  const usd = costInUsd(p);
  const [x, ref, unit, digits] = usd ? [r.costUsd, b.costUsd, '$', 3] : [r.energyWh, b.energyWh, 'Wh', 1];
  const cost = Number.isFinite(x) && Number.isFinite(ref) ? `, ${usd ? 'cost' : 'energy'} ${fmtSmall(x, digits)} vs ${fmtSmall(ref, digits)} ${unit} (${delta(x, ref, digits, unit)})` : '';
  return `over the ${p.testQueries} test queries: accuracy ${fmt(r.accuracy, 4)} vs ${fmt(b.accuracy, 4)} (${r.accuracy >= b.accuracy ? '+' : ''}${fmt(r.accuracy - b.accuracy, 4)})${cost}`;
}

/** A fitted setting, short: whole numbers below 10⁵ as they are, others to 3 significant digits. */
function fmtFitted(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e5) return String(x);
  const r = Number(x.toPrecision(3));
  return Math.abs(r) >= 1e5 || (r !== 0 && Math.abs(r) < 1e-3) ? r.toExponential() : String(r);
}

/** What the trained routers chose on the train part (one value per split), e.g. `knn k 10, 12`. */
function fittedLine(p: ProtocolBlock): string {
  const parts = p.policies.flatMap((r) => (r.fitted ? Object.entries(r.fitted).map(([k, v]) => `${r.name} ${k} ${v.map(fmtFitted).join(', ')}`) : []));
  const where = p.kind === 'train-table' ? 'the train table' : p.splits >= 2 ? 'the train part, per split' : 'the train part';
  return parts.length === 0 ? '' : `fitted on ${where}: ${parts.join(' · ')}`;
}

/**
 * The protocol table: per policy, test regret, gap closed [95 % CI], accuracy, energy or cost, and AIQ vs
 * the zero router where known. Hindsight baselines are marked with *. `nLambdas`: the λ grid's size, when
 * the AIQ comes from a sweep.
 */
export function protocolTable(p: ProtocolBlock, width = Infinity, nLambdas?: number): string {
  const { headers, rows, drop, foot } = protocolCells(p, nLambdas);
  const table = renderTableFit(headers, rows, headers.map((_, j) => j > 0), width, drop);
  // lines of ' · '-separated items break between items; sentences (the one-split note, the AIQ note, the
  // deploy line) between words
  return wrapItems(protocolHead(p), width) + '\n\n' + table + foot.map((f) => `\n${wrapItems(f, width)}`).join('') + '\n';
}

/** protocol.csv: one row per policy. */
export function protocolCsv(p: ProtocolBlock): string {
  const lines = ['policy,test_regret_mean,test_regret_sd,gap_closed,gap_closed_lo,gap_closed_hi,gap_closed_over,accuracy,energy_wh,cost_usd,cost_norm,aiq,aiq_zero_router'];
  for (const r of p.policies) {
    const g = r.gapClosed;
    lines.push(
      [
        csvField(r.name),
        csvNum(r.testRegret.mean),
        csvNum(r.testRegret.sd),
        csvNum(g ? g.mean : Number.NaN),
        csvNum(g ? g.ci95[0] : Number.NaN),
        csvNum(g ? g.ci95[1] : Number.NaN),
        g ? g.over : '',
        csvNum(r.accuracy),
        csvNum(r.energyWh),
        csvNum(r.costUsd),
        csvNum(r.costNorm),
        csvNum(r.aiq ? r.aiq.policy : Number.NaN),
        csvNum(r.aiq ? r.aiq.zeroRouter : Number.NaN),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * Axis values for a domain that holds 0: the multiples of a round step (1, 2 or 5 × 10ᵏ) at most 8 to the
 * domain, so 0 (the train-best-static model, with its dashed rule) is always one, and labels stay apart without
 * the renderer dropping every other one (it dropped the one at 0).
 */
export function zeroTicks(lo: number, hi: number, most = 8): number[] {
  if (!(hi > lo)) return [0];
  const raw = (hi - lo) / most;
  const e = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * e).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** Gap closed per policy (percent) with its 95 % CI as a whisker; 0 is the train-best-static model. */
export function gapClosedSpec(p: ProtocolBlock, colours: Map<string, string>, title = 'Gap closed vs train-best-static on the test stream'): TopLevelSpec {
  const rows = p.policies
    // the oracle closes 100 % by definition and would only compress the scale
    .filter((r) => r.gapClosed && r.name !== p.baseline && r.name !== 'oracle')
    .map((r) => {
      const g = r.gapClosed!;
      const [lo, hi] = [100 * g.ci95[0], 100 * g.ci95[1]];
      // the value is written right of the bar and whisker: a router at 0 % would otherwise show nothing at all
      return { policy: p.hindsight.includes(r.name) ? `${r.name} (hindsight)` : r.name, key: r.name, gap: 100 * g.mean, lo, hi, label: pct(g.mean), at: Math.max(0, 100 * g.mean, hi) };
    });
  const order = [...rows].sort((a, b) => b.gap - a.gap).map((r) => r.policy);
  const span = paddedDomain([0, ...rows.flatMap((r) => [r.lo, r.hi, r.gap])]);
  // room on the right for the value labels
  const domain = [span[0], span[1] + 0.14 * (span[1] - span[0])];
  const x = { field: 'gap', type: 'quantitative', title: 'gap closed (% of train-best-static regret removed)', scale: { domain, nice: false }, axis: { values: zeroTicks(domain[0], domain[1]), labelOverlap: false } };
  const y = { field: 'policy', type: 'nominal', title: null, sort: order, axis: { labelLimit: 240 } };
  const keys = rows.map((r) => r.key);
  const color = { field: 'key', type: 'nominal', legend: null, scale: { domain: keys, range: keys.map((k) => colours.get(k) ?? '#666666') } };
  return {
    width: W,
    height: Math.max(60, Math.min(H, 28 * rows.length)),
    title: { text: title, subtitle: `${p.testQueries} test queries · whiskers: 95% CI over ${p.splits >= 2 ? 'splits' : 'runs'} · oracle = 100%` },
    data: { values: rows },
    layer: [
      { mark: { type: 'bar', opacity: 0.85, height: 16 }, encoding: { x, y, color } },
      { mark: { type: 'rule', strokeWidth: 1.6, color: '#222' }, encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' }, y } },
      { mark: { type: 'point', filled: true, size: 45, stroke: '#222', strokeWidth: 0.8, opacity: 1 }, encoding: { x, y, color } },
      { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 7, fontSize: 11, color: '#222' }, encoding: { x: { field: 'at', type: 'quantitative' }, y, text: { field: 'label' } } },
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#000', strokeDash: [4, 3] }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
    ],
  } as unknown as TopLevelSpec;
}

/** Cells of the gap-closed-by-λ table: one row per policy but the baseline, one column per λ. */
export function gapByLambdaCells(byLambda: readonly { lambda: number; policies: ProtocolPolicyRow[] }[], baseline: string): { headers: string[]; rows: string[][] } {
  const names = byLambda.length ? byLambda[0].policies.map((r) => r.name).filter((n) => n !== baseline) : [];
  const headers = ['gap closed', ...byLambda.map((b) => `λ=${b.lambda}`)];
  const rows = names.map((n) => [n, ...byLambda.map((b) => pct(b.policies.find((r) => r.name === n)?.gapClosed?.mean))]);
  return { headers, rows };
}

/** Gap closed per policy (rows) and λ (columns), in percent: where along the trade-off a router wins. */
export function gapByLambdaTable(byLambda: readonly { lambda: number; policies: ProtocolPolicyRow[] }[], baseline: string, width = Infinity): string {
  if (byLambda.length === 0) return '';
  const { headers, rows } = gapByLambdaCells(byLambda, baseline);
  const drop = Array.from({ length: byLambda.length }, (_, j) => byLambda.length - j);
  return renderTableFit(headers, rows, headers.map((_, j) => j > 0), width, drop) + '\n';
}

/** Plain-text comparison table for the terminal. */
import type { ScenarioSummary } from '../metrics/scenario.js';
import type { Summary } from '../metrics/summary.js';

/** Fixed decimals, '–' for a missing or non-finite value. */
export function fmt(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/** As fmt, but values below 1 keep three significant digits (small tables: 0.0123 Wh, not 0.0). */
export function fmtSmall(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined || !Number.isFinite(x) || x === 0 || Math.abs(x) >= 1) return fmt(x, digits);
  return x.toFixed(Math.min(8, Math.max(digits, 2 - Math.floor(Math.log10(Math.abs(x))))));
}

/** `1 run`, `5 runs`; irregular plurals given (`plural(n, 'query', 'queries')`). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function signedPct(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '–';
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
}

export function renderTable(headers: string[], rows: string[][], alignRight: boolean[]): string {
  const w = headers.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]): string =>
    cells.map((c, j) => (alignRight[j] ? c.padStart(w[j]) : c.padEnd(w[j]))).join('  ').trimEnd();
  return [line(headers), w.map((n) => '─'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * renderTable within `width` characters: drops columns in `dropOrder` (indices) until the table fits, so a
 * narrow terminal gets fewer columns rather than wrapped rows.
 */
export function renderTableFit(headers: string[], rows: string[][], alignRight: boolean[], width: number, dropOrder: number[]): string {
  const keep = headers.map(() => true);
  const render = (): string => {
    const pick = <T>(xs: T[]): T[] => xs.filter((_, j) => keep[j]);
    return renderTable(pick(headers), rows.map(pick), pick(alignRight));
  };
  let out = render();
  for (const j of dropOrder) {
    if (Math.max(...out.split('\n').map((l) => l.length)) <= width) break;
    keep[j] = false;
    out = render();
  }
  return out;
}

/** Break a line at `sep` (which it drops) so that no piece is wider than `width` where avoidable. */
export function wrapAt(line: string, sep: string, width: number): string {
  const lines: string[] = [];
  for (const part of line.split(sep)) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + sep.length + part.length <= width) lines[last] += sep + part;
    else lines.push(part);
  }
  return lines.join('\n');
}

/** Budget adherence per cell (docs/model.md §11.1): the final mean (p95 for latency) and the overshoot over the budget. */
export function budgetTable(b: NonNullable<ScenarioSummary['budget']>, width = Infinity): string {
  const multi = new Set(b.cells.map((c) => c.lambda)).size > 1;
  const headers = [...(multi ? ['λ'] : []), 'policy', b.kind === 'latency' ? 'final p95' : 'final mean', 'overshoot', 'runs within 5 %'];
  const rows = b.cells.map((c) => [...(multi ? [String(c.lambda)] : []), c.label, fmtSmall(c.final.mean, 4), signedPct(100 * c.overshoot.mean), `${Math.round(100 * c.within5pct)} %`]);
  const head = wrapAt(`Budget: ${b.kind} ${b.limit} ${b.unit}`, ' ', width);
  return head + '\n\n' + renderTableFit(headers, rows, headers.map((h) => h !== 'policy'), width, [headers.length - 1]) + '\n';
}

/** The comparison table; `width` (a terminal's) drops the "vs rnd" columns, then reward, to fit. */
export function summaryTable(s: Summary, width = Infinity): string {
  // the cost column is the one the reward prices (--cost); tables with dollar cost but no energy (RouterBench) show dollars
  const has = (f: (p: Summary['policies'][number]) => number): boolean => s.policies.some((p) => Number.isFinite(f(p)));
  const noEnergy = !has((p) => p.energyWh.mean);
  const col: 'usd' | 'latency' | 'energy' =
    s.reward.cost === 'latency' && has((p) => p.latencyS.mean) ? 'latency' : (s.reward.cost === 'usd' || noEnergy) && has((p) => p.costUsd.mean) ? 'usd' : 'energy';
  const value = (p: Summary['policies'][number]): number => (col === 'usd' ? p.costUsd.mean : col === 'latency' ? p.latencyS.mean : p.energyWh.mean);
  const label = { usd: ['cost $', '$ vs rnd'], latency: ['latency s', 'lat vs rnd'], energy: ['energy Wh', 'Wh vs rnd'] }[col];
  const headers = ['policy', 'final regret', 'accuracy', label[0], 'reward', 'regret vs rnd', 'acc vs rnd', label[1]];
  const rnd = s.policies.find((p) => p.name === 'random');
  const rows = s.policies.map((p) => [
    p.name,
    `${fmt(p.finalRegret.mean, 1)} ± ${fmt(p.finalRegret.sd, 1)}`,
    fmt(p.accuracy.mean, 4),
    col === 'energy' ? fmtSmall(value(p), 1) : fmtSmall(value(p), 3),
    fmt(p.reward.mean, 4),
    signedPct(p.vsRandom.regretPct),
    signedPct(p.vsRandom.accuracyPct),
    col === 'energy' ? signedPct(p.vsRandom.energyWhPct) : signedPct(rnd && value(rnd) ? (100 * (value(p) - value(rnd))) / value(rnd) : null),
  ]);
  const head =
    `${s.dataset.name}: ${s.dataset.queries} queries × ${s.dataset.models} models · λ = ${s.lambda} · ${plural(s.runs, 'run')} · seed ${s.seed}` +
    ` · ${s.semantics} semantics (d = ${s.contexts.d}) · oracle Σr* = ${fmt(s.oracle.totalReward, 2)}`;
  const table = renderTableFit(headers, rows, [false, true, true, true, true, true, true, true], width, [7, 6, 5, 4]);
  const basis = s.reward.energyBasis === 'per-query' ? '\nenergy normalised per query (per-task min–max of J/query): the table has no token counts' : '';
  // a head line wider than the terminal breaks at its separators instead of mid-word
  const budget = s.scenario?.budget ? '\n' + budgetTable(s.scenario.budget, width) : '';
  return wrapAt(head, ' · ', width) + basis + '\n\n' + table + '\n' + budget;
}

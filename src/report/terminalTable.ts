/** Plain-text comparison table for the terminal. */
import { streamDrifts, type ScenarioSummary } from '../metrics/scenario.js';
import type { Summary } from '../metrics/summary.js';
import { wrapAt } from '../core/format.js';
import { percentText } from './percent.js';
import { renderRecords, shrinkNames, widest } from './tableShrink.js';
import { eventGroups, eventNumbers } from './eventGroups.js';

export { wrapAt };

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

const signedPct = (x: number | null): string => percentText(x, true);

/** Width of column `j` in renderTable: its widest cell, the header's included. */
export function columnWidth(header: string, rows: readonly string[][], j: number): number {
  // a loop, not Math.max(...): a table of one row per model can have more rows than a call has room for arguments
  return rows.reduce((m, r) => Math.max(m, r[j].length), header.length);
}

export function renderTable(headers: string[], rows: string[][], alignRight: boolean[]): string {
  const w = headers.map((h, j) => columnWidth(h, rows, j));
  const line = (cells: string[]): string =>
    cells.map((c, j) => (alignRight[j] ? c.padStart(w[j]) : c.padEnd(w[j]))).join('  ').trimEnd();
  return [line(headers), w.map((n) => '─'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The columns after the first in blocks that each fit `width` beside the first, in order; a column too wide
 * for any block gets one of its own. renderTable's widest line is its rule (the columns' widths and a gap of 2
 * between them; only the other lines are trimmed), so a block is fitted from the widths, computed once, and
 * not by laying it out again for every column added.
 */
export function columnBlocks(headers: string[], rows: string[][], width: number): number[][] {
  const w = headers.map((h, j) => columnWidth(h, rows, j));
  const blocks: number[][] = [];
  let used = 0;
  for (let j = 1; j < headers.length; j++) {
    const last = blocks[blocks.length - 1];
    if (last && used + 2 + w[j] <= width) {
      last.push(j);
      used += 2 + w[j];
    } else {
      blocks.push([j]);
      used = w[0] + 2 + w[j];
    }
  }
  return blocks;
}

/**
 * The widest layout of a table that fits `width`: `render(keep)` lays it out with the columns `keep` marks, and
 * the columns in `dropOrder` (indices, or groups of indices that go together, e.g. one per family) are left out
 * in turn until it fits, so a narrow terminal gets fewer columns rather than wrapped rows.
 */
export function fitColumns(n: number, width: number, dropOrder: (number | number[])[], render: (keep: boolean[]) => string): string {
  const keep = Array.from({ length: n }, () => true);
  let out = render(keep);
  for (const j of dropOrder) {
    if (widest(out) <= width) break;
    for (const k of [j].flat()) keep[k] = false;
    out = render(keep);
  }
  return out;
}

/**
 * renderTable within `width` characters: drops columns in `dropOrder` until the table fits (fitColumns), and
 * then says under it which, so a narrow terminal never hides a number without a word. Still too wide, its text
 * columns (the left-aligned ones: names) are cut in the middle; failing that, each row becomes a record.
 */
export function renderTableFit(headers: string[], rows: string[][], alignRight: boolean[], width: number, dropOrder: (number | number[])[]): string {
  let kept: boolean[] = [];
  const pick = <T>(keep: boolean[], xs: T[]): T[] => xs.filter((_, j) => keep[j]);
  let table = fitColumns(headers.length, width, dropOrder, (keep) => {
    kept = [...keep];
    return renderTable(pick(keep, headers), rows.map((r) => pick(keep, r)), pick(keep, alignRight));
  });
  if (widest(table) > width) {
    const h = pick(kept, headers);
    const right = pick(kept, alignRight);
    const cut = shrinkNames(h, rows.map((r) => pick(kept, r)), right.map((r) => !r), width, (rs) => renderTable(h, rs, right));
    // records have room for every column: nothing is left out
    if (cut === null) return renderRecords(headers, rows, alignRight.map((r) => !r), width);
    table = cut;
  }
  const left = headers.filter((_, j) => !kept[j]);
  return left.length === 0 ? table : `${table}\n${wrapList(`(left out to fit the terminal: ${left.join(', ')})`, ', ', width)}`;
}

/**
 * A list broken between its items like wrapAt, but the separator's mark stays at the end of a broken line
 * (`a (1), b (2),` / `c (3)`), and an item still wider than `width` breaks between words.
 */
export function wrapList(line: string, sep: string, width: number): string {
  const mark = sep.trimEnd();
  const lines: string[] = [];
  for (const part of line.split(sep)) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + sep.length + part.length <= width) lines[last] += sep + part;
    else {
      if (last >= 0) lines[last] += mark;
      lines.push(part);
    }
  }
  return lines.map((l) => (l.length > width ? wrapAt(l, ' ', width) : l)).join('\n');
}

/**
 * Each line of `text` (' · '-separated items) broken between items, and an item still wider than `width`
 * between words.
 */
export function wrapItems(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => wrapAt(line, ' · ', width).split('\n'))
    .map((l) => (l.length > width ? wrapAt(l, ' ', width) : l))
    .join('\n');
}

type MeanSdCell = { mean: number | null; sd: number | null } | undefined;

/** `83.6 ± 4.2`, with a sign when `signed` (`+3.9 ± 5.2`); '–' when the mean is missing. */
function meanSdText(x: MeanSdCell, digits: number, signed = false): string {
  if (!x || x.mean === null || !Number.isFinite(x.mean)) return '–';
  const m = fmt(x.mean, digits);
  return `${signed && x.mean >= 0 ? '+' : ''}${m} ± ${fmt(x.sd, digits)}`;
}

/** A mixture weight as a percentage: whole percent, one decimal when that would read 0 or 100 and is not. */
function weightPct(w: number): string {
  const p = 100 * w;
  return `${Math.round(p) === 0 || Math.round(p) === 100 ? fmt(p, 1).replace(/\.0$/, '') : Math.round(p)} %`;
}

/**
 * The hindsight references of a budget (docs/model.md §11.1) as lines: the most accurate single model and the
 * most accurate fixed mixture of two models that meet it, over the whole table.
 */
function budgetReferenceLines(b: NonNullable<ScenarioSummary['budget']>, width = Infinity, drifted = false): string {
  const lines = budgetReferences(b);
  if (lines.length === 0) return '';
  // continuation lines indented under their item
  // a model id wider than the line is broken inside, whole across lines rather than past the terminal's edge
  const item = (l: string): string =>
    wrapAt(l, ' ', width - 4)
      .split('\n')
      .flatMap((x) => (x.length > width - 4 ? (x.match(new RegExp(`.{1,${width - 4}}`, 'g')) ?? [x]) : [x]))
      .map((x, i) => (i === 0 ? '  ' : '    ') + x)
      .join('\n');
  return [`${budgetReferenceCaption(drifted)}:`, ...lines.map(item)].join('\n') + '\n';
}

/** The caption of a budget's hindsight references: under drift they are on the table as loaded (docs/model.md §11.1). */
export function budgetReferenceCaption(drifted: boolean): string {
  return drifted ? 'In hindsight, over the table as loaded (before the drift)' : 'In hindsight, over the whole stream';
}

/** A hindsight reference of a budget as cells (terminal lines, report table): what, which model(s), accuracy, statistic. */
interface BudgetReferenceCells {
  what: string;
  model: string;
  /** null when there is none */
  accuracy: string | null;
  value: string | null;
}

/** The hindsight references of a budget, the single model then the mixture; none without them. */
export function budgetReferenceCells(b: NonNullable<ScenarioSummary['budget']>): BudgetReferenceCells[] {
  const ref = b.reference;
  if (!ref) return [];
  const st = ref.bestStatic;
  const out: BudgetReferenceCells[] = [
    { what: 'best single model within the budget', model: st ? st.model : 'none', accuracy: st ? fmt(st.accuracy, 4) : null, value: st ? fmtSmall(st.value, 4) : null },
  ];
  const mx = ref.bestMixture;
  if (mx) {
    const which = mx.a === mx.b || mx.weightB === 0 ? `${mx.a} alone` : `${mx.a} + ${weightPct(mx.weightB)} ${mx.b}`;
    out.push({ what: 'best two-model mixture within it', model: which, accuracy: fmt(mx.accuracy, 4), value: fmtSmall(mx.value, 4) });
  } else if (b.kind === 'latency') out.push({ what: 'best two-model mixture', model: 'none for a p95 budget (not a mean)', accuracy: null, value: null });
  else out.push({ what: 'best two-model mixture within it', model: 'none', accuracy: null, value: null });
  return out;
}

/** The hindsight references of a budget, one item each (terminal lines); none without them. */
function budgetReferences(b: NonNullable<ScenarioSummary['budget']>): string[] {
  // the terminal gives the single model's statistic, not the mixture's (which spends the budget exactly)
  return budgetReferenceCells(b).map((r, k) => `${r.what}: ${r.model}${r.accuracy === null ? '' : `, accuracy ${r.accuracy}${k === 0 ? ` at ${r.value} ${b.unit}` : ''}`}`);
}

/**
 * The budget table's cells (terminal and report.html): at one `lambda` its cells without a λ column, else every
 * cell, with a λ column when there are several.
 */
export function budgetRows(b: NonNullable<ScenarioSummary['budget']>, lambda?: number): { headers: string[]; rows: string[][] } {
  const cells = lambda === undefined ? b.cells : b.cells.filter((c) => c.lambda === lambda);
  const multi = new Set(cells.map((c) => c.lambda)).size > 1;
  const headers = [...(multi ? ['λ'] : []), 'policy', b.kind === 'latency' ? 'final p95' : 'final mean', 'overshoot', 'accuracy', 'runs within 5 %'];
  const rows = cells.map((c) => [
    ...(multi ? [String(c.lambda)] : []),
    c.label,
    fmtSmall(c.final.mean, 4),
    signedPct(100 * c.overshoot.mean),
    fmt(c.accuracy?.mean, 4),
    `${Math.round(100 * c.within5pct)} %`,
  ]);
  return { headers, rows };
}

/**
 * Budget adherence per cell (docs/model.md §11.1): the final mean (p95 for latency), the overshoot over the
 * budget, the accuracy and the share of runs within 5 %, then the hindsight references.
 */
export function budgetTable(b: NonNullable<ScenarioSummary['budget']>, width = Infinity, drifted = false): string {
  const { headers, rows } = budgetRows(b);
  const head = wrapAt(`Budget: ${b.kind} ${b.limit} ${b.unit}`, ' ', width);
  const table = renderTableFit(headers, rows, headers.map((h) => h !== 'policy'), width, [headers.length - 1, headers.length - 2]);
  const refs = budgetReferenceLines(b, width, drifted);
  return head + '\n\n' + table + '\n' + (refs ? '\n' + refs : '');
}

/**
 * The cells of event `k`'s table (terminal and report.html): per cell the regret over the window and its excess
 * over the window's best fixed model, and that model; at one `lambda` without a λ column, else with one when
 * there are several.
 */
export function eventRows(
  e: NonNullable<ScenarioSummary['events']>,
  k: number,
  lambda?: number,
): { headers: string[]; rows: string[][]; best: { lambda: number; model: string; regret: string }[]; multi: boolean; excess: boolean } {
  const at = <T extends { lambda: number }>(xs: T[]): T[] => (lambda === undefined ? xs : xs.filter((x) => x.lambda === lambda));
  const multi = new Set(at(e.cells).map((c) => c.lambda)).size > 1;
  const excess = e.cells.some((c) => c.excessAfter);
  const headers = [...(multi ? ['λ'] : []), 'policy', 'regret in window', ...(excess ? ['excess over best fixed'] : [])];
  const rows = at(e.cells)
    .filter((c) => c.event === k)
    .map((c) => [...(multi ? [String(c.lambda)] : []), c.label, meanSdText(c.regretAfter, 1), ...(excess ? [meanSdText(c.excessAfter, 1, true)] : [])]);
  const best = at(e.bestStatic ?? [])
    .filter((b) => b.event === k)
    .map((b) => ({ lambda: b.lambda, model: b.model || '–', regret: meanSdText(b.regret, 1) }));
  return { headers, rows, best, multi, excess };
}

/**
 * Regret in the window after each pool or drift event (docs/model.md §11.7), one block per event: the step and
 * what changed, the window's best fixed model, and per cell the regret summed over the window and its excess
 * over that model (both mean ± sd over runs). `queries` (the stream's length) notes a window the stream cuts.
 */
export function eventsTable(e: NonNullable<ScenarioSummary['events']>, width = Infinity, queries?: number): string {
  const { headers, excess } = eventRows(e, 0);
  let out = wrapAt(`Events: regret summed over the ${e.window} steps from each event, mean ± sd over runs`, ' ', width) + '\n';
  if (excess) out += wrapAt(`excess: that regret minus the regret of the window's best fixed model in hindsight`, ' ', width) + '\n';
  // events at one step share their window and figures: one block for them
  for (const g of eventGroups(e.list)) {
    const cut = queries !== undefined && g.step + e.window > queries ? ` (window cut to ${Math.max(0, queries - g.step)} steps by the stream's end)` : '';
    out += '\n' + wrapAt(`${eventNumbers(g)} at step ${g.step} — ${g.what}${cut}`, ' ', width) + '\n';
    const { rows, best, multi } = eventRows(e, g.members[0]);
    for (const b of best) out += wrapAt(`  best fixed model${multi ? ` at λ = ${b.lambda}` : ''}: ${b.model}, regret ${b.regret}`, ' ', width) + '\n';
    out += '\n' + renderTableFit(headers, rows, headers.map((h) => h !== 'policy'), width, []) + '\n';
  }
  return out;
}

/**
 * Labels delivered with late or sampled feedback (docs/model.md §11.5): per cell, the labels that reached the
 * policy (mean ± sd over runs) and their share of its decisions (delivered + never labelled).
 */
export function feedbackTable(f: NonNullable<ScenarioSummary['feedback']>, width = Infinity): string {
  const multi = new Set(f.cells.map((c) => c.lambda)).size > 1;
  const headers = [...(multi ? ['λ'] : []), 'policy', 'labels delivered', 'share of decisions', 'unlabelled'];
  const rows = f.cells.map((c) => {
    const d = c.delivered.mean;
    const u = c.unlabelled.mean;
    const share = d !== null && u !== null && d + u > 0 ? `${fmt((100 * d) / (d + u), 1)} %` : '–';
    return [...(multi ? [String(c.lambda)] : []), c.label, meanSdText(c.delivered, 1), share, meanSdText(c.unlabelled, 1)];
  });
  const head = wrapAt(`Feedback: delay ${f.delay}, rate ${f.rate}; labels per run, mean ± sd over runs`, ' ', width);
  return head + '\n\n' + renderTableFit(headers, rows, headers.map((h) => h !== 'policy'), width, [headers.length - 1]) + '\n';
}

/**
 * An experiment's pool events when its summary has no event windows (no scenario setting and no `eventWindow:`):
 * what changed and when, and how to have the regret after each event measured.
 */
export function poolEventLines(events: { step: number; remove: string[]; add: string[] }[], width = Infinity): string {
  const lines = events.map((e, k) => wrapAt(`event ${k + 1} at step ${e.step} — ${[...e.remove.map((m) => `−${m}`), ...e.add.map((m) => `+${m}`)].join(' ')}`, ' ', width));
  const note = wrapAt('(regret after each event not measured: set eventWindow: in the experiment to have it)', ' ', width);
  return ['Events:', ...lines, note].join('\n') + '\n';
}

/** The scenario tables shown under a results table (budget, events, feedback), each led by a blank line. */
export function scenarioTables(sc: ScenarioSummary | null | undefined, width = Infinity, queries?: number, poolEvents = 0): string {
  if (!sc) return '';
  let out = '';
  if (sc.budget) out += '\n' + budgetTable(sc.budget, width, streamDrifts(sc, poolEvents));
  if (sc.events && sc.events.list.length) out += '\n' + eventsTable(sc.events, width, queries);
  if (sc.feedback && sc.feedback.cells.length) out += '\n' + feedbackTable(sc.feedback, width);
  return out;
}

/** The comparison table; `width` (a terminal's) drops the "vs rnd" columns, then reward, to fit. */
/** `poolEvents`: how many of the scenario's events are pool events (a summary does not list them; simulate's flags make none). */
export function summaryTable(s: Summary, width = Infinity, poolEvents = 0): string {
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
    `${s.dataset.name}: ${plural(s.dataset.queries, 'query', 'queries')} × ${plural(s.dataset.models, 'model')} · λ = ${s.lambda} · ${plural(s.runs, 'run')} · seed ${s.seed}` +
    ` · ${s.semantics} semantics (d = ${s.contexts.d}) · oracle Σr* = ${fmt(s.oracle.totalReward, 2)}`;
  // without the random policy every "vs rnd" cell would be '–': those columns are left out
  const n = rnd ? headers.length : headers.length - 3;
  const table = renderTableFit(headers.slice(0, n), rows.map((r) => r.slice(0, n)), [false, true, true, true, true, true, true, true].slice(0, n), width, [7, 6, 5, 4].filter((j) => j < n));
  const basis = s.reward.energyBasis === 'per-query' ? '\nenergy normalised per query (per-task min–max of J/query): the table has no token counts' : '';
  const fixed = fixedModelsLine(s);
  // a head line wider than the terminal breaks at its separators, an item still wider between words
  return wrapItems(head, width) + basis + '\n\n' + table + '\n' + (fixed ? `${wrapItems(fixed, width)}\n` : '') + scenarioTables(s.scenario, width, s.dataset.queries, poolEvents);
}

/** Baselines that route every query to one model, chosen by a rule: the table names the policy, this line the model. */
const FIXED_MODEL_BASELINES = ['best-static', 'train-best-static', 'most-accurate', 'largest', 'smallest'];

/**
 * "fixed models: best-static phi-4-mini-4b · largest yi-34b · …" from each such baseline's selection shares; a
 * baseline whose model left the pool mid-stream shows its models with their shares. Null without any.
 */
function fixedModelsLine(s: Summary): string | null {
  const items: string[] = [];
  for (const p of s.policies) {
    if (!FIXED_MODEL_BASELINES.includes(p.name)) continue;
    const shares = Object.entries(p.selection).filter(([, x]) => x > 0).sort((a, b) => b[1] - a[1]);
    if (shares.length === 0) continue;
    items.push(`${p.name} ${shares.length === 1 ? shares[0][0] : shares.map(([m, x]) => `${m} ${weightPct(x)}`).join(', ')}`);
  }
  return items.length ? `fixed models: ${items.join(' · ')}` : null;
}

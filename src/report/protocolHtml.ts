/**
 * The train/test protocol's section of report.html (docs/model.md §13), the same for evaluate, an experiment
 * with `split:` or `train:`, and a simulation under --split or --train: what was split, the protocol table,
 * gap closed at every λ and the gap-closed chart. Tables are HTML tables with every column the terminal
 * shows, none dropped for width.
 */
import { escHtml as esc } from '../core/escape.js';
import type { ProtocolBlock, SweepProtocolBlock } from '../metrics/protocol.js';
import { stackColumns } from './htmlColumns.js';
import { gapByLambdaCells, protocolCells, protocolHead } from './protocol.js';

/** λ columns per gap-by-λ table: the default 11-value grid is two stacked tables that fit an 800-px window. */
const GAP_LAMBDAS_PER_TABLE = 6;

function htmlTable(headers: string[], rows: string[][]): string {
  const head = `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`);
  // a wide table scrolls inside the page rather than widening it
  return `<div class="wide" style="overflow-x:auto"><table>${head}\n${body.join('\n')}</table></div>`;
}

/** The protocol table (all its columns) with its head line and footnotes. */
export function protocolTableHtml(p: ProtocolBlock): string {
  const { headers, rows, foot } = protocolCells(p, 'byLambda' in p ? (p as SweepProtocolBlock).byLambda.length : undefined);
  const head = protocolHead(p)
    .split('\n')
    .map((l) => esc(l))
    .join('<br>');
  return `<p class="note">${head}</p>\n${htmlTable(headers, rows)}\n${foot.map((f) => `<p class="note">${esc(f)}</p>\n`).join('')}`;
}

/**
 * Gap closed per policy and λ: one column per λ of the grid, in stacked tables of at most GAP_LAMBDAS_PER_TABLE
 * λ each (the policy column in every one), so a laptop's half screen shows the grid without scrolling sideways.
 */
export function gapByLambdaHtml(p: Pick<SweepProtocolBlock, 'byLambda' | 'baseline'>): string {
  const { headers, rows } = gapByLambdaCells(p.byLambda, p.baseline);
  return stackColumns(headers, rows, 1, GAP_LAMBDAS_PER_TABLE)
    .map((t) => htmlTable(t.headers, t.rows))
    .join('\n');
}

/** The gap-closed chart as a figure (id gap-closed); `body` is its SVG as inlined in the page. */
export function gapClosedFigure(body: string): string {
  return `<figure id="gap-closed">${body}<figcaption>Share of the train-best-static model's test regret each policy removes; whiskers: 95% CI.</figcaption></figure>`;
}

/**
 * The whole section: heading with the λ of the table, the table, the gap-by-λ table when the grid has
 * several λ, the figure when given, and a note saying what the rest of the report describes.
 */
export function protocolSectionHtml(p: SweepProtocolBlock, o: { figure?: string | null; note?: string } = {}): string {
  const parts = ['<section id="protocol">', `<h2>Train/test protocol (λ = ${p.lambda})</h2>`, protocolTableHtml(p)];
  if (p.byLambda.length > 1) parts.push('<p class="note">Gap closed at every λ of the grid:</p>', gapByLambdaHtml(p));
  const rows = p.byLambda.length > 1 ? p.byLambda.flatMap((b) => b.policies) : p.policies;
  if (rows.some((r) => r.name !== p.baseline && !r.gapClosed)) parts.push(`<p class="note">– : no gap closed, because ${p.baseline}'s regret is 0 in some run (nothing to close).</p>`);
  if (o.figure) parts.push(o.figure);
  if (o.note) parts.push(`<p class="note">${esc(o.note)}</p>`);
  parts.push('</section>');
  return parts.join('\n') + '\n';
}

/**
 * Text layout of the live dashboard for a terminal of a given size: no line longer than the width (a
 * wrapped line breaks the redraw and leaves stale copies in the scrollback), no more lines than the height.
 * Pure functions, so the layout is tested without a terminal.
 */
import { plural, wrapAt } from '../../report/terminalTable.js';

export interface LiveRow {
  label: string;
  done: number;
  total: number;
  regretSum: number;
  selection: Map<string, number>;
  /** Per group (e.g. λ of a sweep): replays and Σ final regret. */
  groups: Map<string, { n: number; regretSum: number }>;
  /** The group of the latest replay: the cell being run now. */
  lastGroup: string | null;
}

export interface LiveSnapshot {
  title: string;
  rows: LiveRow[];
  done: number;
  total: number;
  elapsedMs: number;
  /** Seconds the replays took, once all are done. */
  replaysMs: number | null;
  /** When the first replay ended (ms from the start): the ETA uses the rate after it, not the set-up before it. */
  firstMs: number | null;
  /** Replays (counted in `done`) an interrupted run had finished: a resumed run does not time them. */
  kept: number;
  /** What runs after the replays (e.g. 'drawing 14 charts…'), or null. */
  phase: string | null;
  /** Name of the grouping (e.g. 'λ'); rows then show the regret of their current group. */
  groupName: string | null;
}

interface Segment {
  text: string;
  color?: 'green' | 'cyan';
  dim?: boolean;
  bold?: boolean;
}

export type Line = Segment[];

function bar(frac: number, width: number): string {
  const n = Math.round(Math.max(0, Math.min(1, frac)) * width);
  return '█'.repeat(n) + '░'.repeat(width - n);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function formatEta(s: LiveSnapshot): string {
  if (s.done >= s.total && s.total > 0) return `took ${seconds(s.replaysMs ?? s.elapsedMs)}`;
  // the first replay also pays for loading and warm-up; the rate is measured from its end
  const ran = s.done - s.kept;
  if (ran < 2 || s.firstMs === null || s.elapsedMs <= s.firstMs) return `${seconds(s.elapsedMs)} · ETA –`;
  const rest = ((s.elapsedMs - s.firstMs) / (ran - 1)) * (s.total - s.done);
  return `${seconds(s.elapsedMs)} · ETA ${seconds(rest)}`;
}

/** Cut to at most w characters, marking the cut with '…'. */
function fit(s: string, w: number): string {
  if (w <= 0) return '';
  return s.length <= w ? s : s.slice(0, w - 1) + '…';
}

/** Cut to at most w characters in the middle: ids that share a prefix (static:<model>, org/model-8b…) stay apart. */
export function fitMiddle(s: string, w: number): string {
  if (s.length <= w) return s;
  if (w < 8) return fit(s, w);
  const tail = Math.floor((w - 1) / 2);
  return s.slice(0, w - 1 - tail) + '…' + s.slice(s.length - tail);
}

/**
 * The most chosen models within `w` characters: fewer models rather than a percentage cut off, and each id cut
 * in its middle when even one does not fit whole.
 */
export function topModelsFit(sel: Map<string, number>, k: number, w: number): string {
  const total = [...sel.values()].reduce((a, b) => a + b, 0);
  if (!total || w <= 0) return '';
  const top = [...sel.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
  const cells = top.map(([id, n]) => [id, ` ${Math.round((100 * n) / total)}%`] as const);
  for (let n = cells.length; n >= 1; n--) {
    const whole = cells.slice(0, n).map(([id, p]) => id + p).join(', ');
    if (whole.length <= w) return whole;
  }
  const [id, p] = cells[0];
  return w - p.length >= 8 ? fitMiddle(id, w - p.length) + p : fit(id + p, w);
}

/** The regret cell of a row: mean over the current group's replays (a sweep), else over all of them. */
function regretCell(r: LiveRow, groupName: string | null): string {
  if (groupName !== null && r.lastGroup !== null) {
    const g = r.groups.get(r.lastGroup)!;
    return `${groupName}=${r.lastGroup} ${(g.regretSum / g.n).toFixed(1)}`;
  }
  return r.done ? (r.regretSum / r.done).toFixed(1) : '';
}

/**
 * The header line: title, counts, elapsed time and ETA (or what runs now). A narrow terminal cuts the title
 * (then drops it) before the counts and ETA, which are what the line is for.
 */
export function headerLine(s: LiveSnapshot, columns: number): Line {
  const w = columns - 1;
  const status = `${s.done}/${plural(s.total, 'replay')} · ${formatEta(s)}`;
  const phase = s.phase ? ` · ${s.phase}` : '';
  const room = w - 2 - status.length;
  if (s.title.length <= room) return [{ text: fit(`${s.title}  ${status}${phase}`, w), bold: true }];
  return [{ text: fit(room >= 8 ? `${fit(s.title, room)}  ${status}` : status, w), bold: true }];
}

/**
 * The dashboard for a terminal of `columns` × `rows`. Columns are dropped in this order as the width
 * shrinks: most chosen models, the bar; names are cut last. Rows beyond the height are summarised in one line.
 */
export function dashboardLines(s: LiveSnapshot, columns: number, rows: number): Line[] {
  const width = Math.max(20, columns - 1);
  const gap = 2;
  const regretHead = s.groupName !== null ? `regret @${s.groupName}` : 'mean regret';
  const regrets = s.rows.map((r) => regretCell(r, s.groupName));
  const counts = s.rows.map((r) => `${r.done}/${r.total}`);
  const countW = Math.max(7, ...counts.map((c) => c.length));
  const regretW = Math.max(s.groupName !== null ? 14 : 11, ...regrets.map((c) => c.length));
  // names get up to a third of a wide terminal, 22 characters at least
  let labelW = Math.min(Math.max(22, Math.floor(width / 3)), Math.max(6, ...s.rows.map((r) => r.label.length)));
  // what is left for the bar and the models after name, count and regret
  let rest = width - labelW - gap - countW - gap - regretW;
  let barW = 0;
  let modelsW = 0;
  if (rest >= 8 + 2 * gap + 16) {
    barW = Math.max(8, Math.min(20, rest - 2 * gap - 24));
    modelsW = rest - barW - 2 * gap;
  } else if (rest >= 6 + gap) {
    barW = Math.min(20, rest - gap);
  } else if (rest < 0) {
    labelW = Math.max(6, labelW + rest);
    rest = 0;
  }
  const pad = (t: string, w: number, right = false): string => (right ? fit(t, w).padStart(w) : fit(t, w).padEnd(w));
  const sp = ' '.repeat(gap);
  const head: Line = [
    {
      text:
        pad('policy', labelW) +
        sp +
        (barW ? ' '.repeat(barW) + sp : '') +
        pad('replays', countW, true) +
        sp +
        pad(regretHead, regretW, true) +
        (modelsW ? sp + 'most chosen' : ''),
      dim: true,
    },
  ];
  head[0].text = head[0].text.trimEnd();
  const maxRows = Math.max(1, rows - 4);
  // too many rows: a window from the first policy still running, so the rows that move stay in view
  const n = s.rows.length > maxRows ? maxRows - 1 : s.rows.length;
  const running = s.rows.findIndex((r) => r.done < r.total);
  const start = running < 0 ? s.rows.length - n : Math.min(running, s.rows.length - n);
  const shown = s.rows.slice(start, start + n);
  const lines: Line[] = [headerLine(s, columns), head];
  shown.forEach((r, j) => {
    const i = start + j;
    const line: Line = [{ text: fitMiddle(r.label, labelW).padEnd(labelW) + sp }];
    if (barW) line.push({ text: bar(r.total ? r.done / r.total : 0, barW), color: r.done >= r.total ? 'green' : 'cyan' }, { text: sp });
    line.push({ text: pad(counts[i], countW, true) + sp + pad(regrets[i], regretW, true) });
    if (modelsW) line.push({ text: sp + topModelsFit(r.selection, 3, modelsW), dim: true });
    lines.push(line);
  });
  if (shown.length < s.rows.length) {
    const more = s.rows.length - shown.length;
    const where = start > 0 ? `${start} above, ${more - start} below; ` : '';
    lines.push([{ text: fit(`… and ${more} more (${where}the terminal is too short to show them)`, width), dim: true }]);
  }
  return lines;
}

/** The summary left on screen when the display ends normally: one line, more on a narrow terminal. */
export function finalLine(s: LiveSnapshot, columns: number): string {
  const after = s.replaysMs !== null ? s.elapsedMs - s.replaysMs : 0;
  const tail = s.replaysMs !== null && after >= 100 ? `, then ${seconds(after)} writing results` : '';
  // what stays on screen is broken between words rather than cut: its timings come last
  const kept = s.kept ? ` (and ${s.kept} kept from the interrupted run)` : '';
  return wrapAt(`${s.title}: ${plural(s.done - s.kept, 'replay')} in ${seconds(s.replaysMs ?? s.elapsedMs)}${kept}${tail}`, ' ', Math.max(20, columns - 1));
}

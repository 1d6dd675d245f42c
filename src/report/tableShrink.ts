/** The last steps of fitting a table to a terminal: names cut in the middle, then one record per row. */

/**
 * `s` within `n` characters, its middle replaced by '…': the head and the tail (where ids differ) stay.
 * Characters are code points, so no emoji is split in two.
 */
export function cutMiddle(s: string, n: number): string {
  const c = [...s];
  if (c.length <= n) return s;
  if (n <= 1) return '…'.slice(0, n);
  const head = Math.ceil((n - 1) / 2);
  return c.slice(0, head).join('') + '…' + c.slice(c.length - (n - 1 - head)).join('');
}

/**
 * The cells of a column cut to at most `n` characters, or longer where shorter would make two different cells
 * read the same; null when they need more than `max` to stay apart.
 */
export function cutDistinct(cells: string[], n: number, max = Infinity): string[] | null {
  const distinct = new Set(cells).size;
  for (let k = Math.max(1, n); k <= max; k++) {
    const cut = cells.map((c) => cutMiddle(c, k));
    if (new Set(cut).size === distinct) return cut;
    if (cut.every((c, i) => c === cells[i])) return cut;
  }
  return null;
}

/** A name cut shorter than this no longer says which it is: the table turns into records instead. */
const MIN_NAME = 12;

/** Width of the widest line of `text`. */
export const widest = (text: string): number => text.split('\n').reduce((m, l) => Math.max(m, l.length), -Infinity);

/**
 * The rows with their text columns (`text[j]`) cut in the middle, widest first, until `render` fits `width`;
 * null when even names of MIN_NAME characters leave it too wide.
 */
export function shrinkNames(headers: string[], rows: string[][], text: boolean[], width: number, render: (rows: string[][]) => string): string | null {
  let cur = rows;
  const order = headers.map((_, j) => j).filter((j) => text[j]);
  const colWidth = (rs: string[][], j: number): number => Math.max(headers[j].length, ...rs.map((r) => r[j].length));
  order.sort((a, b) => colWidth(rows, b) - colWidth(rows, a));
  for (const j of order) {
    const over = widest(render(cur)) - width;
    if (over <= 0) break;
    const target = Math.max(MIN_NAME, headers[j].length, colWidth(cur, j) - over);
    const cut = cutDistinct(cur.map((r) => r[j]), target, colWidth(cur, j));
    if (cut) cur = cur.map((r, i) => r.map((c, k) => (k === j ? cut[i] : c)));
  }
  const out = render(cur);
  return widest(out) <= width ? out : null;
}

/**
 * The table as records, one block a row, `header: value` a line: the first column leads, the others are indented
 * under it. Text cells wider than the line are cut in the middle (kept distinct); numbers are never cut.
 */
export function renderRecords(headers: string[], rows: string[][], text: boolean[], width: number): string {
  const cols = headers.map((h, j) => {
    const indent = j === 0 ? 0 : 2;
    const room = width - indent - h.length - 2;
    const cells = rows.map((r) => r[j]);
    return text[j] ? (cutDistinct(cells, room) ?? cells) : cells;
  });
  // a value too long to share its header's line goes under it, indented further (numbers are never cut)
  const field = (h: string, v: string, pad: string): string => (pad.length + h.length + 2 + v.length <= width ? `${pad}${h}: ${v}` : `${pad}${h}:\n${pad}  ${v}`);
  return rows.map((_, i) => headers.map((h, j) => field(h, cols[j][i], j === 0 ? '' : '  ')).join('\n')).join('\n\n');
}

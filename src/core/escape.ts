/** Escaping for the text formats greenserv writes (CSV fields, HTML). */

/** A CSV field, quoted when it holds a quote, comma or line break (RFC 4180). */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Shortest round-trip decimal; a missing or non-finite number as an empty field. */
export function csvNum(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : String(x);
}

/** Text for HTML element content and attribute values. */
export function escHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

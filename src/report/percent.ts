/**
 * The plain percentages of the terminal tables and report.html, one decimal: a value already in percent
 * (`percentText`, optionally signed) and a fraction or share (`fractionPct`). Percentages with rules of their own
 * stay beside what they format: gap closed in protocol.ts (+0.0% for whatever rounds to 0), the published gap in
 * html.ts (a true minus sign), weights in terminalTable.ts (`75 %`, whole percent) and shares in opeTrust.ts
 * (whole percent from 10%).
 */

function missing(x: number | null | undefined): x is null | undefined {
  return x === null || x === undefined || !Number.isFinite(x);
}

/** A value in percent: `12.3%`; signed `+12.3%`, `+0.0%` for 0, `-4.0%`; `–` when there is none. */
export function percentText(p: number | null | undefined, signed = false, digits = 1): string {
  if (missing(p)) return '–';
  return `${signed && p >= 0 ? '+' : ''}${p.toFixed(digits)}%`;
}

/** A fraction or share as a percentage: 0.123 → `12.3%`; `–` when there is none. */
export function fractionPct(x: number | null | undefined, digits = 1): string {
  return missing(x) ? '–' : percentText(100 * x, false, digits);
}

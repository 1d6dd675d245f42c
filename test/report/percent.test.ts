/** The shared percent formatters: the same text as the copies they replaced, in every table that uses them. */
import { describe, expect, it } from 'vitest';
import { fractionPct, percentText } from '../../src/report/percent.js';
import { choseNote } from '../../src/report/protocol.js';
import type { ProtocolPolicyRow } from '../../src/metrics/protocol.js';

/** The copies as they were (energy.ts/evaluate.ts pct, evaluate.ts pctOf, energy.ts/terminalTable.ts signedPct). */
const old = {
  pct: (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(1)}%`),
  pctOf: (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : `${x.toFixed(1)}%`),
  signedPct: (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`),
};

describe('percent formatters', () => {
  it('one decimal, signed on request, – for no number', () => {
    expect(fractionPct(0.123)).toBe('12.3%');
    expect(fractionPct(1)).toBe('100.0%');
    expect(percentText(42.25)).toBe('42.3%');
    expect(percentText(3.04, true)).toBe('+3.0%');
    expect(percentText(0, true)).toBe('+0.0%');
    expect(percentText(-4, true)).toBe('-4.0%');
    for (const x of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(fractionPct(x)).toBe('–');
      expect(percentText(x, true)).toBe('–');
    }
  });

  it('the same bytes as the copies they replaced', () => {
    const xs = [0, -0, 0.5, 0.05, 0.0005, 0.00049999, 1 / 3, -2 / 3, 12.345, -0.04, 99.95, 1e-12, ...Array.from({ length: 2000 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 7) - 3))];
    for (const x of xs) {
      expect(fractionPct(x), String(x)).toBe(old.pct(x));
      expect(percentText(x), String(x)).toBe(old.pctOf(x));
      expect(percentText(x, true), String(x)).toBe(old.signedPct(x));
    }
  });

  it("choseNote's shares are fractionPct's (they were the gap format with its + taken off)", () => {
    const row = { name: 'train-best-static', chose: { a: 0.5, b: 0.25, c: 0.0004 } } as unknown as ProtocolPolicyRow;
    expect(choseNote(row)).toBe(' (a 50.0% of the test decisions, b 25.0%, c 0.0%)');
  });
});

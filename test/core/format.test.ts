import { describe, expect, it } from 'vitest';
import { parseDecimal, wrapAt, wrapWhole } from '../../src/core/format.js';
import { parseNumber } from '../../src/cli/parse.js';
import { readBudget } from '../../src/sim/budget.js';
import { readDelay } from '../../src/sim/feedback.js';
import { parseDriftSpec } from '../../src/sim/scenarioConfig.js';
import { UsageError } from '../../src/core/errors.js';

describe('decimal numbers only', () => {
  it('reads what people write, as Number() does', () => {
    for (const s of ['12', '-0.5', '+3', '.25', '4.', '1e-3', '2.5E+2', ' 7 ']) expect(parseDecimal(s)).toBe(Number(s));
  });

  it('refuses the other forms Number() accepts', () => {
    for (const s of ['0x10', '0b1', '0o7', 'Infinity', '-Infinity', '', ' ', '1_000', '1e', 'NaN', '--1']) expect(parseDecimal(s)).toBeNaN();
  });

  it('flags and scenario specs refuse hexadecimal values', () => {
    expect(() => parseNumber('--runs', '0x10')).toThrow(new UsageError("--runs: '0x10' is not a number"));
    expect(readBudget('energy=0x10')).toMatch(/must be a finite number > 0/);
    expect(readBudget('energy=0.05')).toEqual({ kind: 'energy', limit: 0.05 });
    expect(readDelay('geometric:0x10')).toMatch(/geometric:<mean> needs a finite mean/);
    expect(readDelay('uniform:01-5')).toMatch(/uniform:<a>-<b> needs integers/);
    expect(readDelay('uniform:0-5')).toEqual({ kind: 'uniform', lo: 0, hi: 5 });
    expect(parseDriftSpec('step=0x10,model=m').step).toBeNaN();
    expect(parseDriftSpec('step=16,model=m,accuracy=-0.3')).toMatchObject({ step: 16, accuracy: -0.3 });
  });
});

describe('wrapWhole', () => {
  const line = 'greenserv: interrupted (SIGINT): 3 of 8 replays kept in /tmp/my runs/x.partial; finish with: greenserv experiment run --resume /tmp/my runs/x.partial';
  const whole = ['/tmp/my runs/x.partial', 'greenserv experiment run --resume /tmp/my runs/x.partial'];

  it('breaks between words to fit, never inside a path or a command, and keeps every character', () => {
    expect(wrapWhole(line, 40, whole)).toBe(
      [
        'greenserv: interrupted (SIGINT): 3 of 8',
        'replays kept in /tmp/my runs/x.partial;',
        'finish with:',
        'greenserv experiment run --resume /tmp/my runs/x.partial',
      ].join('\n'),
    );
    for (const w of [10, 25, 40, 60, 100]) expect(wrapWhole(line, w, whole).replace(/\n/g, ' ')).toBe(line);
  });

  it('a piece wider than the width gets a line of its own; without pieces it is wrapAt at spaces', () => {
    expect(wrapWhole('kept in /a/b/c/d/e/f; done', 8, ['/a/b/c/d/e/f'])).toBe('kept in\n/a/b/c/d/e/f;\ndone');
    for (const w of [5, 12, 30]) expect(wrapWhole('given for 30 % of queries, each one', w, [])).toBe(wrapAt('given for 30 % of queries, each one', ' ', w));
  });

  it('unbounded, the line is left as it is', () => {
    expect(wrapWhole(line, Infinity, whole)).toBe(line);
  });
});

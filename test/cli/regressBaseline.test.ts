/**
 * A hand-edited baseline: a misspelt tolerance key is refused with the key meant, where it used to leave the
 * default tolerance in force without a word.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBaseline } from '../../src/app/regress.js';
import { parseTolerance } from '../../src/metrics/regress.js';

function baselineFile(extra: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gs-baseline-')), 'b.json');
  const b = { schemaVersion: 1, name: 'b', config: { command: 'simulate', data: 'greenserv-pool', policies: ['linucb'], lambda: 0.5, runs: 1, seed: 40 }, metrics: { 'linucb.finalRegret': 400 }, ...extra };
  writeFileSync(file, JSON.stringify(b));
  return file;
}

describe('baseline tolerance keys', () => {
  it('a family or a full key ending in a family is taken', () => {
    expect(readBaseline(baselineFile({ tolerance: { finalRegret: { rel: 0.1 }, 'linucb.accuracy': { abs: 0.01 } } })).tolerance).toEqual({ finalRegret: { rel: 0.1 }, 'linucb.accuracy': { abs: 0.01 } });
  });

  it('a misspelt family or full key is refused at its field, with the key meant', () => {
    const f = baselineFile({ tolerance: { finalRegrett: { rel: 0.1 } } });
    expect(() => readBaseline(f)).toThrow(`${f} (field 'tolerance.finalRegrett'): invalid baseline: tolerance.finalRegrett: unknown metric 'finalRegrett' (did you mean 'finalRegret'?)`);
    const g = baselineFile({ tolerance: { 'linucb.acuracy': { abs: 0.1 } } });
    expect(() => readBaseline(g)).toThrow(/field 'tolerance\.linucb\.acuracy'\): .*did you mean 'linucb\.accuracy'/);
  });

  it('a full key of a metric the baseline records is taken whatever its family', () => {
    const f = baselineFile({ metrics: { 'a.custom': 1 }, tolerance: { 'a.custom': { abs: 1 } } });
    expect(readBaseline(f).tolerance).toEqual({ 'a.custom': { abs: 1 } });
  });

  it('--tolerance suggests the family meant', () => {
    expect(() => parseTolerance('finalRegrett=rel:1')).toThrow("--tolerance: unknown metric 'finalRegrett' (did you mean 'finalRegret'?)");
  });
});

/**
 * On a narrow terminal the model table of `profile-models` keeps the cost per query of the chosen cost axis
 * (docs/profile-models.md, "What the columns mean"). Before, `--cost usd` on a table with dollars and no
 * energy kept the empty J/query column and dropped USD/query.
 */
import { describe, expect, it } from 'vitest';
import { makePoolTable } from '../../src/data/pool.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { profileTerminal } from '../../src/report/profile.js';

/** 2 queries × 3 models, dollar cost but no energy, as a RouterBench table. */
function dollarsOnly() {
  const usd = [0.0001, 0.002, 0.03];
  return makePoolTable({
    name: 'rb',
    queryIds: ['q0', 'q1'],
    queryTasks: ['a', 'a'],
    models: usd.map((_, m) => ({ id: `m${m}`, name: `m${m}`, paramsB: 1 + m })),
    accuracy: Float64Array.from([0, 1, 1, 1, 0, 1]),
    costUsd: Float64Array.from({ length: 6 }, (_, k) => usd[k % 3]),
    present: new Uint8Array(6).fill(1),
  });
}

const header = (text: string): string[] => text.split('\n')[2].trim().split(/\s{2,}/);

describe('profile-models model table on a narrow terminal', () => {
  it('keeps USD/query under --cost usd and leaves out the empty J/query first', async () => {
    const p = await buildProfile(dollarsOnly(), { lambda: 0.5, cost: 'usd' });
    const wide = profileTerminal(p);
    expect(header(wide)).toContain('J/query');
    expect(header(wide)).toContain('USD/query');
    // narrower than the full table: some columns must go
    const full = Math.max(...wide.split('\n').slice(2, 7).map((l) => l.length));
    const narrow = profileTerminal(p, full - 10);
    const h = header(narrow);
    expect(h).toContain('USD/query');
    expect(h).not.toContain('J/query');
    // each model's mean dollar cost per query, as printed (3 significant digits)
    const rows = narrow.split('\n').slice(4, 7);
    expect(rows.map((r) => r.includes(p.models.find((m) => r.startsWith(m.id))!.costUsd!.toPrecision(3)))).toEqual([true, true, true]);
    expect(narrow).toMatch(/left out to fit the terminal: J\/query/);
    expect(header(profileTerminal(p, 75))).toEqual(['model', 'accuracy ± 95% CI', 'USD/query', 'reward λ=0.5', 'front / dominated']);
  });

  it('keeps J/query under the default energy cost', async () => {
    const t = dollarsOnly();
    t.energyJ.set([1, 2, 3, 1, 2, 3]);
    const p = await buildProfile(t, { lambda: 0.5 });
    // as narrow as the table goes before printing records: every column that may go has gone
    const h = header(profileTerminal(p, 75));
    expect(h).toEqual(['model', 'accuracy ± 95% CI', 'J/query', 'reward λ=0.5', 'front / dominated']);
  });
});

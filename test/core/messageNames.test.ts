/** Names quoted back in messages are cut, and lists of valid names capped: a hostile or huge input gives a message of bounded size. */
import { describe, expect, it } from 'vitest';
import { cutName, nameList } from '../../src/core/escape.js';
import { resolvePolicy } from '../../src/policies/registry.js';
import { driftProblem } from '../../src/sim/drift.js';
import { randomTable } from '../helpers/table.js';

const thrown = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('did not throw');
};

describe('cutName and nameList', () => {
  it('cut at the limit with an ellipsis, lists whole up to max, then the count of the rest', () => {
    expect(cutName('abc', 3)).toBe('abc');
    expect(cutName('abcd', 3)).toBe('abc…');
    const names = Array.from({ length: 45 }, (_, i) => `m${i}`);
    expect(nameList(names.slice(0, 40))).toBe(names.slice(0, 40).join(', '));
    expect(nameList(names)).toBe(`${names.slice(0, 40).join(', ')} and 5 more`);
    expect(nameList(['x'.repeat(100)], 40)).toBe(`${'x'.repeat(80)}…`);
  });
});

describe('messages naming a user-given name', () => {
  const long = 'p'.repeat(1 << 20);

  it('an unknown policy of a megabyte is quoted by its first 80 characters', () => {
    const m = thrown(() => resolvePolicy(long, randomTable(1, 5, 3).models));
    expect(m.startsWith(`unknown policy '${'p'.repeat(80)}…'`)).toBe(true);
    expect(m.length).toBeLessThan(4000);
  });

  it('static:<model> on a table of 1,000 models lists 40 of them and says how many more', () => {
    const t = randomTable(2, 3, 1000);
    const m = thrown(() => resolvePolicy('static:nope', t.models));
    const ids = t.models.map((x) => x.id);
    expect(m).toBe(`unknown model 'nope' in 'static:nope'; models: ${ids.slice(0, 40).join(', ')} and 960 more`);
  });

  it('a drift event naming an unknown model or task of a megabyte', () => {
    const t = randomTable(3, 20, 3);
    const p = driftProblem(t, [{ step: 1, model: long, accuracy: -0.1 }]);
    expect(p?.message).toBe(`unknown model '${'p'.repeat(80)}…'; models: ${t.models.map((x) => x.id).join(', ')}`);
    const q = driftProblem(t, [{ step: 1, model: t.models[0].id, task: long, accuracy: -0.1 }]);
    expect(q?.message).toBe(`unknown task '${'p'.repeat(80)}…'; tasks: ${t.tasks.join(', ')}`);
  });
});

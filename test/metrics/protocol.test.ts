import { describe, expect, it } from 'vitest';
import { gapClosedOf, protocolRows, sweepProtocolBlock, tableLambda } from '../../src/metrics/protocol.js';
import type { RunMetrics } from '../../src/sim/recorders.js';

function m(finalRegret: number, accuracy = 0.5): RunMetrics {
  return { run: 0, seed: 0, finalRegret, totalReward: 0, meanReward: 0, accuracy, energyWh: 1, costUsd: Number.NaN, costNorm: 0.2, latencyS: 0, selection: new Float64Array(1), misses: 0 };
}

describe('protocol table', () => {
  it('gap closed against the train-best-static model, by hand', () => {
    expect(gapClosedOf(200, 150)).toBe(0.25);
    expect(gapClosedOf(200, 260)).toBe(-0.3);
    expect(gapClosedOf(0, 5)).toBeNaN();
  });

  it('one split: the CI is over runs (t interval with 2 dof), means over runs by hand', () => {
    const names = ['router', 'train-best-static'];
    // runs: baseline 100, 100, 80; router 70, 90, 60 → gaps 0.3, 0.1, 0.25
    const metrics = [[[m(70, 0.8), m(90, 0.6), m(60, 0.7)], [m(100), m(100), m(80)]]];
    const [r, b] = protocolRows(names, metrics);
    const g = [0.3, 0.1, 0.25];
    const mu = (0.3 + 0.1 + 0.25) / 3;
    const sd = Math.sqrt(g.reduce((s, x) => s + (x - mu) ** 2, 0) / 2);
    const h = 4.302652729911275 * (sd / Math.sqrt(3));
    expect(r.gapClosed!.mean).toBeCloseTo(mu, 12);
    expect(r.gapClosed!.ci95[0]).toBeCloseTo(mu - h, 9);
    expect(r.gapClosed!.ci95[1]).toBeCloseTo(mu + h, 9);
    expect(r.gapClosed!.over).toBe('runs');
    expect(r.testRegret.mean).toBeCloseTo(220 / 3, 12);
    expect(r.accuracy).toBeCloseTo(0.7, 12);
    expect(b.gapClosed!.mean).toBe(0);
  });

  it('several splits: one value per split (the mean of its runs), the CI over splits', () => {
    const names = ['train-best-static', 'router'];
    const metrics = [
      [[m(100), m(100)], [m(50), m(70)]], // gaps 0.5, 0.3 → 0.4
      [[m(40), m(40)], [m(44), m(36)]], // gaps −0.1, 0.1 → 0
    ];
    const r = protocolRows(names, metrics)[1];
    expect(r.gapClosed!.over).toBe('splits');
    expect(r.gapClosed!.n).toBe(2);
    expect(r.gapClosed!.mean).toBeCloseTo(0.2, 12);
    const h = 12.706204736174698 * (Math.sqrt(0.08) / Math.sqrt(2));
    expect(r.gapClosed!.ci95[1]).toBeCloseTo(0.2 + h, 9);
  });

  it("the baseline's row says which models it chose: shares of its decisions over splits and runs, largest first", () => {
    const sel = (...n: number[]): RunMetrics => ({ ...m(10), selection: Float64Array.from(n) });
    const names = ['router', 'train-best-static'];
    const models = ['a', 'b', 'c'];
    // split 1 chose b in both runs (2 × 100 decisions); split 2 chose c, except 20 decisions of a in its 2nd run
    const metrics = [
      [[sel(0, 0, 100), sel(0, 0, 100)], [sel(0, 100, 0), sel(0, 100, 0)]],
      [[sel(0, 0, 100), sel(0, 0, 100)], [sel(0, 0, 100), sel(20, 0, 80)]],
    ];
    const [r, b] = protocolRows(names, metrics, models);
    expect(b.chose).toEqual({ b: 200 / 400, c: 180 / 400, a: 20 / 400 });
    expect(Object.keys(b.chose!)).toEqual(['b', 'c', 'a']);
    // only the baseline's row, and only when the model ids are given: other rows keep their fields
    expect(r.chose).toBeUndefined();
    expect('chose' in protocolRows(names, metrics)[1]).toBe(false);
    // a tie is broken by id
    expect(Object.keys(protocolRows(names, [[[sel(1, 1, 1)], [sel(0, 5, 5)]]], models)[1].chose!)).toEqual(['b', 'c']);
  });

  it("fitted settings keep every name a plugin gives, '__proto__' (as JSON.parse builds it) and 'constructor' too", () => {
    const fit = (json: string): RunMetrics => ({ ...m(10), fitted: JSON.parse(json) as Record<string, number> });
    const names = ['plugin', 'train-best-static'];
    const metrics = [
      [[fit('{"reg": 2, "__proto__": 5, "constructor": 7}')], [m(20)]],
      [[fit('{"reg": 4, "__proto__": 6, "constructor": 8}')], [m(20)]],
    ];
    const f = protocolRows(names, metrics)[0].fitted!;
    expect(Object.keys(f)).toEqual(['reg', '__proto__', 'constructor']);
    expect(JSON.stringify(f)).toBe('{"reg":[2,4],"__proto__":[5,6],"constructor":[7,8]}');
    // a name missing from a later split is not read from Object.prototype
    const missing = [[[fit('{"constructor": 1}')], [m(20)]], [[fit('{}')], [m(20)]]];
    expect(JSON.stringify(protocolRows(names, missing)[0].fitted)).toBe('{"constructor":[1,null]}');
  });

  it('a baseline with zero regret leaves the gap undefined, and the baseline is required', () => {
    expect(protocolRows(['train-best-static', 'x'], [[[m(0)], [m(3)]]])[1].gapClosed).toBeNull();
    expect(() => protocolRows(['x'], [[[m(1)]]])).toThrow(/train-best-static/);
  });

  it('a sweep: rows per λ, the main rows at the λ nearest 0.5 with AIQ means over splits and their ratio', () => {
    expect(tableLambda([0, 0.3, 0.6, 1])).toBe(0.6);
    expect(tableLambda([0.2, 0.5, 0.8])).toBe(0.5);
    const names = ['router', 'train-best-static'];
    // [λ][policy][run]: at λ = 0.5 the router has regret 50 against 100 in split 1, 75 against 100 in split 2
    const split = (r: number) => ({ trainQueries: 10, testQueries: 10, policyNames: names, metrics: [[[m(1)], [m(2)]], [[m(r)], [m(100)]]] });
    const b = sweepProtocolBlock({
      kind: 'split',
      fraction: 0.5,
      train: null,
      hindsight: [],
      lambdas: [0, 0.5],
      splits: [split(50), split(75)],
      aiq: [
        { policies: [0.8, 0.9], zeroRouter: 0.9 },
        { policies: [0.7, 0.85], zeroRouter: 0.8 },
      ],
    });
    expect(b.lambda).toBe(0.5);
    expect(b.byLambda.length).toBe(2);
    expect(b.policies[0].gapClosed!.mean).toBeCloseTo(0.375, 12);
    expect(b.byLambda[0].policies[0].gapClosed!.mean).toBeCloseTo(0.5, 12);
    expect(b.policies[0].aiq!.policy).toBeCloseTo(0.75, 12);
    expect(b.policies[0].aiq!.zeroRouter).toBeCloseTo(0.85, 12);
    expect(b.policies[0].aiq!.ratio).toBeCloseTo(0.75 / 0.85, 12);
    // a split without a zero-router AIQ leaves it undefined
    const none = sweepProtocolBlock({ kind: 'split', fraction: 0.5, train: null, hindsight: [], lambdas: [0.5], splits: [{ ...split(50), metrics: [[[m(50)], [m(100)]]] }], aiq: [{ policies: [], zeroRouter: null }] });
    expect(none.policies[0].aiq).toBeNull();
  });
});

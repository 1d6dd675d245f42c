import { describe, expect, it } from 'vitest';
import type { ProtocolBlock } from '../../src/metrics/protocol.js';
import { choseNote, gapByLambdaTable, gapClosedSpec, protocolCsv, protocolTable, verdictLine } from '../../src/report/protocol.js';
import { renderChart } from '../../src/report/render.js';

const row = (name: string, gap: number | null, lo = 0, hi = 0) => ({
  name,
  testRegret: { mean: 100 * (1 - (gap ?? 0)), sd: 2, ci95: [90, 110] as [number, number] },
  gapClosed: gap === null ? null : { mean: gap, ci95: [lo, hi] as [number, number], over: 'splits' as const, n: 3 },
  accuracy: 0.7,
  energyWh: 12.5,
  costUsd: Number.NaN,
  costNorm: 0.3,
});

const block: ProtocolBlock = {
  kind: 'split',
  fraction: 0.5,
  splits: 3,
  train: null,
  trainQueries: 50,
  testQueries: 50,
  baseline: 'train-best-static',
  hindsight: ['best-static', 'oracle'],
  policies: [row('linucb', 0.125, 0.05, 0.2), row('train-best-static', 0), row('best-static', 0.01, 0.01, 0.01), row('oracle', 1, 1, 1), row('knn', null)],
};

describe('protocol outputs', () => {
  it('the table shows gap closed with its CI in percent and marks hindsight baselines', () => {
    const t = protocolTable(block);
    expect(t).toMatch(/3 splits/);
    expect(t).toMatch(/linucb\s+87\.5 ± 2\.0\s+\+12\.5% \[\+5\.0%, \+20\.0%\]\s+0\.7000\s+12\.5/);
    expect(t).toMatch(/best-static\*/);
    expect(t).toMatch(/knn .* – /);
    expect(t).toMatch(/hindsight baseline/);
  });

  it('on a λ grid shorter than the default, the AIQ line says the ratio to the zero router is not like for like', () => {
    const aiq = { policy: 0.9, zeroRouter: 0.86, ratio: 0.9 / 0.86 };
    const withAiq: ProtocolBlock = { ...block, policies: block.policies.map((r) => ({ ...r, aiq })) };
    expect(protocolTable(withAiq, Infinity, 3)).toMatch(/zero router AIQ on the test points: 0\.8600\n\(a router's AIQ is from its hull over the 3 λ values run, .*default 11-value λ grid/);
    expect(protocolTable(withAiq, Infinity, 11)).not.toMatch(/hull over the/);
    expect(protocolTable(withAiq)).not.toMatch(/hull over the/);
  });

  it('fits 79 columns with one split and AIQ: the one-split note breaks between words, the AIQ columns give way', () => {
    const aiq = { policy: 0.9, zeroRouter: 0.86, ratio: 0.9 / 0.86 };
    const long = (name: string) => ({ ...row(name, -1.704, -1.803, -1.605), testRegret: { mean: 346.5, sd: 10.2, ci95: [0, 0] as [number, number] }, aiq });
    const one: ProtocolBlock = { ...block, splits: 1, policies: [long('linear-epsilon-greedy'), long('train-best-static')] };
    const t = protocolTable(one, 79);
    for (const line of t.split('\n')) expect(line.length, line).toBeLessThanOrEqual(79);
    expect(t).toMatch(/\n\(one split: the CI says nothing about the split's luck; --splits k draws k\nsplits for a CI over them\)\n/);
    expect(t).toMatch(/^policy +test regret +gap closed \[95% CI\] +accuracy$/m);
    // with room, the ratio to the zero router stays
    expect(protocolTable(one, 100)).toMatch(/^policy +test regret +gap closed \[95% CI\] +accuracy +AIQ \/ zero router$/m);
  });

  it('the settings trained routers fitted are listed under the table, one value per split', () => {
    const fitted: ProtocolBlock = { ...block, policies: [{ ...row('knn', 0.1), fitted: { k: [10, 12, 7] } }, { ...row('predictive', 0.2), fitted: { reg: [1369000, 1.369, 0.125] } }, row('train-best-static', 0)] };
    expect(protocolTable(fitted)).toMatch(/\nfitted on the train part, per split: knn k 10, 12, 7 · predictive reg 1\.37e\+6, 1\.37, 0\.125\n/);
    expect(protocolTable(block)).not.toMatch(/fitted on the train part/);
    const one = { ...fitted, splits: 1, policies: [{ ...row('knn', 0.1), fitted: { k: [10] } }, row('train-best-static', 0)] };
    expect(protocolTable(one)).toMatch(/\nfitted on the train part: knn k 10\n/);
    // a separate train table (--train) is not a split
    expect(protocolTable({ ...one, kind: 'train-table', fraction: null, train: 'train.csv' })).toMatch(/\nfitted on the train table: knn k 10\n/);
  });

  it('the verdict: the largest gap among routers whose CI is above 0, else the static model; hindsight rows never count', () => {
    // linucb is the only deployable router with an interval above 0 (the oracle's 100 % is hindsight)
    expect(verdictLine(block)).toBe(
      'best router with its 95% CI above 0: linucb, gap closed +12.5% [+5.0%, +20.0%]; against train-best-static over the 50 test queries: accuracy 0.7000 vs 0.7000 (+0.0000), energy 12.5 vs 12.5 Wh (+0.0 Wh, +0.0%)',
    );
    expect(protocolTable(block)).toMatch(/\nbest router with its 95% CI above 0: linucb, gap closed \+12\.5% \[\+5\.0%, \+20\.0%\]; against train-best-static .*\n$/);
    // a larger mean whose interval reaches below 0 loses to a smaller one above it
    const mixed: ProtocolBlock = { ...block, policies: [row('knn', 0.3, -0.01, 0.6), row('predictive', 0.1, 0.02, 0.18), row('train-best-static', 0), row('oracle', 1, 1, 1)] };
    expect(verdictLine(mixed)).toMatch(/: predictive, gap closed \+10\.0%/);
    // none above 0: the highest is named and the static model recommended
    const none: ProtocolBlock = { ...block, policies: [row('knn', -0.009, -0.021, 0.003), row('predictive', 0, -0.0001, 0.0001), row('train-best-static', 0), row('oracle', 1, 1, 1)] };
    expect(verdictLine(none)).toBe('no router closes the gap with its 95% CI above 0 (the highest: predictive +0.0% [+0.0%, +0.0%]): on this evidence, deploy train-best-static');
    // a CI over one value (a single split and run) is no evidence
    const one: ProtocolBlock = { ...block, policies: [{ ...row('knn', 0.2, 0.2, 0.2), gapClosed: { mean: 0.2, ci95: [0.2, 0.2], over: 'runs', n: 1 } }, row('train-best-static', 0)] };
    expect(verdictLine(one)).toMatch(/^no router closes the gap .*the highest: knn \+20\.0%\)/);
    // nor is an interval of no width over runs that agree (a deterministic router on one split)
    const flat: ProtocolBlock = { ...block, policies: [{ ...row('knn', 0.2, 0.2, 0.2), gapClosed: { mean: 0.2, ci95: [0.2, 0.2], over: 'runs', n: 2 } }, row('train-best-static', 0)] };
    // … to within the last digits (each run sums its regret in its own order): the values of a real such run
    const rounding: ProtocolBlock = { ...block, policies: [{ ...row('knn', 0.2, 0.2, 0.2), gapClosed: { mean: 0.10966879343691396, ci95: [0.1096687934369115, 0.10966879343691643], over: 'runs', n: 2 } }, row('train-best-static', 0)] };
    expect(verdictLine(rounding)).toMatch(/^no router closes the gap .*interval has no width/);
    // a narrow interval that is real still counts
    const narrowCi: ProtocolBlock = { ...block, policies: [{ ...row('knn', 0.2, 0.2, 0.2), gapClosed: { mean: 0.2, ci95: [0.1999, 0.2001], over: 'runs', n: 2 } }, row('train-best-static', 0)] };
    expect(verdictLine(narrowCi)).toMatch(/^best router with its 95% CI above 0: knn/);
    expect(verdictLine(flat)).toBe(
      'no router closes the gap with its 95% CI above 0 (the highest: knn +20.0% [+20.0%, +20.0%]; its runs on this one split agree, so the interval has no width: --splits k gives one over splits): on this evidence, deploy train-best-static',
    );
    // at 80 columns the deploy line breaks between words, every line within the width
    const narrow = protocolTable(none, 80);
    for (const line of narrow.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(narrow.replace(/\n(?=\S)/g, ' ')).toContain(verdictLine(none));
    // nothing to close (every gap undefined): no line
    expect(verdictLine({ ...block, policies: [row('knn', null), row('train-best-static', null)] })).toBe('');
  });

  it('the verdict names the model train-best-static is, with shares when its splits chose differently', () => {
    const none: ProtocolBlock = { ...block, policies: [row('knn', -0.009, -0.021, 0.003), { ...row('train-best-static', 0), chose: { 'phi-4-mini-4b': 1 } }] };
    expect(verdictLine(none)).toMatch(/: on this evidence, deploy train-best-static \(phi-4-mini-4b\)$/);
    const mixed = { ...row('train-best-static', 0), chose: { a: 0.5, b: 0.25, c: 0.125, d: 0.0625, e: 0.0625 } };
    expect(choseNote(mixed)).toBe(' (a 50.0% of the test decisions, b 25.0%, c 12.5%, 2 more)');
    expect(choseNote(row('train-best-static', 0))).toBe('');
    const above: ProtocolBlock = { ...block, policies: [row('linucb', 0.125, 0.05, 0.2), { ...row('train-best-static', 0), chose: { m1: 1 } }] };
    expect(verdictLine(above)).toMatch(/; against train-best-static \(m1\) over the 50 test queries: /);
  });

  it('the verdict says what the router changes against train-best-static: accuracy and energy, or dollars without energy', () => {
    // the router: accuracy 0.6793, 74.1 Wh; the static model: 0.5839, 57.7 Wh (a --split run of the built-in pool)
    const r = { ...row('predictive', 0.211, 0.2, 0.22), accuracy: 0.6793, energyWh: 74.1 };
    const b = { ...row('train-best-static', 0), accuracy: 0.5839, energyWh: 57.7 };
    const wh: ProtocolBlock = { ...block, testQueries: 1250, policies: [r, b] };
    // 74.1 − 57.7 = 16.4 Wh, 16.4 / 57.7 = 28.4 %; 0.6793 − 0.5839 = 0.0954
    expect(verdictLine(wh)).toMatch(/; against train-best-static over the 1250 test queries: accuracy 0\.6793 vs 0\.5839 \(\+0\.0954\), energy 74\.1 vs 57\.7 Wh \(\+16\.4 Wh, \+28\.4%\)$/);
    // RouterBench: dollars only; a cheaper router shows a negative difference (0.459 − 0.473 = −0.014, −3.0 %)
    const usd: ProtocolBlock = { ...wh, policies: [{ ...r, energyWh: Number.NaN, costUsd: 0.459 }, { ...b, energyWh: Number.NaN, costUsd: 0.473 }] };
    expect(verdictLine(usd)).toMatch(/, cost 0\.459 vs 0\.473 \$ \(-0\.0140 \$, -3\.0%\)$/);
    // the table's footnote names units and directions, with the cost column's unit
    expect(protocolTable(wh)).toMatch(/\ntest regret: Σ\(r\* − r\) on the test stream, lower is better · gap closed: % of train-best-static's regret removed, higher is better · energy Wh: total over the test stream\n/);
    expect(protocolTable(usd)).toMatch(/ · cost \$: total over the test stream\n/);
    // no router above 0: the static model is the one to deploy, nothing to compare
    const none: ProtocolBlock = { ...wh, policies: [{ ...r, gapClosed: { mean: 0.05, ci95: [-0.01, 0.1], over: 'runs', n: 5 } }, b] };
    expect(verdictLine(none)).not.toMatch(/against/);
  });

  it('protocol.csv has one row per policy with the interval bounds', () => {
    const lines = protocolCsv(block).trim().split('\n');
    expect(lines.length).toBe(6);
    expect(lines[1]).toBe('linucb,87.5,2,0.125,0.05,0.2,splits,0.7,12.5,,0.3,,');
    expect(lines[5].startsWith('knn,100,2,,,,,')).toBe(true);
  });

  it('the chart leaves out the baseline, the oracle and undefined gaps, and renders', async () => {
    const spec = gapClosedSpec(block, new Map([['linucb', '#e45756']])) as unknown as { data: { values: { key: string; gap: number; lo: number; hi: number }[] } };
    expect(spec.data.values.map((v) => v.key)).toEqual(['linucb', 'best-static']);
    expect(spec.data.values[0]).toMatchObject({ gap: 12.5, lo: 5, hi: 20 });
    const { svg } = await renderChart(gapClosedSpec(block, new Map()));
    expect(svg).toMatch(/linucb/);
    expect(svg).toMatch(/best-static \(hindsight\)/);
    // every policy's value is written on the chart, a 0 % router too (it has no bar to see)
    expect(svg).toMatch(/>\+12\.5%</);
    expect(svg).toMatch(/>\+1\.0%</);
    const zero = gapClosedSpec({ ...block, policies: [row('predictive', 0, 0, 0), row('train-best-static', 0)] }, new Map());
    expect((await renderChart(zero)).svg).toMatch(/>\+0\.0%</);
  });

  it('the gap axis always labels 0, with labels far enough apart that none is dropped', () => {
    // the ranges of a --split simulation (a hindsight CI from −650 % to +540 %) and evaluation (−294 % to +10 %)
    for (const [lo, hi, gap] of [
      [-6.54, 5.4, -0.571],
      [-2.94, 0.11, -1.602],
      [0.05, 0.2, 0.125],
      [-0.02, 0.01, 0.0],
    ]) {
      const b: ProtocolBlock = { ...block, policies: [row('linucb', gap, lo, hi), row('train-best-static', 0)] };
      const spec = gapClosedSpec(b, new Map()) as unknown as { width: number; layer: { encoding: { x: { scale?: { domain: number[] }; axis?: { values: number[] } } } }[] };
      const x = spec.layer[0].encoding.x;
      const [d0, d1] = x.scale!.domain;
      const values = x.axis!.values;
      expect(values, `${lo}…${hi}`).toContain(0);
      expect(values.length).toBeGreaterThanOrEqual(3);
      for (const v of values) expect(v >= d0 && v <= d1, `${v} in [${d0}, ${d1}]`).toBe(true);
      // 11 px labels such as −600 or −0.5: under 7 px a character, and 10 px between them
      const px = (v: number): number => ((v - d0) / (d1 - d0)) * spec.width;
      const width = (v: number): number => String(v).length * 7;
      for (let i = 1; i < values.length; i++) {
        const gapPx = px(values[i]) - px(values[i - 1]);
        expect(gapPx, `${values[i - 1]} → ${values[i]}`).toBeGreaterThanOrEqual((width(values[i]) + width(values[i - 1])) / 2 + 10);
      }
    }
  });

  it('a gap that rounds to 0 reads +0.0%, never -0.0%', () => {
    const tiny = [row('knn', -0.00004, -0.0001, 0.00002), row('train-best-static', 0)];
    expect(gapByLambdaTable([{ lambda: 0.7, policies: tiny }], 'train-best-static')).toMatch(/knn\s+\+0\.0%/);
    expect(protocolTable({ ...block, policies: tiny })).toMatch(/knn .* \+0\.0% \[\+0\.0%, \+0\.0%\]/);
  });

  it('gap closed by λ: one column per λ, the baseline left out', () => {
    const t = gapByLambdaTable([{ lambda: 0.25, policies: block.policies }, { lambda: 0.5, policies: block.policies }], 'train-best-static');
    expect(t.split('\n')[0]).toMatch(/gap closed\s+λ=0.25\s+λ=0.5/);
    expect(t).not.toMatch(/train-best-static/);
  });
});

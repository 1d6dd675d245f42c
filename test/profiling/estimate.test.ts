/**
 * `--estimate-energy`: the ML.ENERGY-fitted energy model (docs/energy-model.md) for cells without a
 * measurement, checked against the model's own terms, against `energy attach` on the same cells, and, at the
 * default setting (A100, batch 1), against the built-in pool's published per-model totals.
 */
import { describe, expect, it } from 'vitest';
import { attachEnergy } from '../../src/data/energy/attach.js';
import { joulesPerInputToken, joulesPerOutputToken } from '../../src/data/energy/model.js';
import { checkPool } from '../../src/data/energy/validate.js';
import { loadTable } from '../../src/data/load.js';
import { makePoolTable } from '../../src/data/pool.js';
import { DEFAULT_ESTIMATE, estimateEnergyJ, fillEnergyEstimates } from '../../src/profiling/estimate.js';

const dense = (P: number) => ({ totalB: P, activeB: P, precision: 'bf16' as const });

describe('energy estimate', () => {
  it('is T_out·e_out + T_in·e_in of a dense bf16 model at the setting, and NaN without inputs', () => {
    for (const s of [DEFAULT_ESTIMATE, { gpu: 'H100' as const, batch: 32 }]) {
      const want = 200 * joulesPerOutputToken(dense(8), s) + 100 * joulesPerInputToken(dense(8), s.gpu);
      expect(estimateEnergyJ({ paramsB: 8, inputTokens: 100, outputTokens: 200 }, s)).toBeCloseTo(want, 9);
    }
    const e = (paramsB: number, inputTokens: number, outputTokens: number, batch = 1) => estimateEnergyJ({ paramsB, inputTokens, outputTokens }, { gpu: 'A100', batch });
    expect(e(8, 100, 200)).toBeGreaterThan(e(1, 100, 200));
    expect(e(8, 100, 200)).toBeGreaterThan(e(8, 100, 100));
    expect(e(8, 1000, 1)).toBeGreaterThan(e(8, 100, 1));
    expect(e(8, 100, 200, 16)).toBeLessThan(e(8, 100, 200));
    expect(Number.isNaN(e(Number.NaN, 10, 10))).toBe(true);
    expect(Number.isNaN(e(8, Number.NaN, 10))).toBe(true);
  });

  it('gives the energy `energy attach` gives the same cells (one model, one energy model)', () => {
    const t = makePoolTable({
      name: 't',
      queryIds: ['q0', 'q1'],
      queryTasks: ['a', 'a'],
      models: [{ id: 'x', name: 'x', paramsB: 7 }],
      accuracy: Float64Array.from([1, 0]),
      inputTokens: Float64Array.from([120, 80]),
      outputTokens: Float64Array.from([10, 300]),
    });
    const s = { gpu: 'H100' as const, batch: 32 };
    const attached = attachEnergy(t, { ...s, overwrite: true }).table;
    fillEnergyEstimates(t, s);
    for (let i = 0; i < 2; i++) expect(t.energyJ[i]).toBeCloseTo(attached.energyJ[i], 9);
  });

  it('fills only missing energy cells, flags them and recomputes undefined bounds', () => {
    const t = makePoolTable({
      name: 't',
      queryIds: ['q0', 'q1'],
      queryTasks: ['a', 'a'],
      models: [
        { id: 'x', name: 'x', paramsB: 7 },
        { id: 'y', name: 'y', paramsB: Number.NaN },
      ],
      accuracy: Float64Array.from([1, 0, 1, 1]),
      energyJ: Float64Array.from([Number.NaN, Number.NaN, 30, Number.NaN]),
      inputTokens: Float64Array.from([100, 100, 100, 100]),
      outputTokens: Float64Array.from([10, 10, 10, 10]),
    });
    const r = fillEnergyEstimates(t);
    expect(r).toMatchObject({ filled: 1, unfillable: 2 });
    expect(Array.from(r.estimated)).toEqual([1, 0, 0, 0]);
    expect(t.energyJ[0]).toBeCloseTo(estimateEnergyJ({ paramsB: 7, inputTokens: 100, outputTokens: 10 }), 12);
    expect(t.energyJ[2]).toBe(30);
    expect(Number.isFinite(t.taskBounds.get('a')!.eptMin)).toBe(true);
  });

  it('on the built-in pool with energy removed: every cell is estimated, and the per-model totals are those of the validation against Fig. 2b', async () => {
    const t = await loadTable('greenserv-pool');
    t.energyJ.fill(Number.NaN);
    expect(fillEnergyEstimates(t).filled).toBe(2500 * 16);
    const rows = await checkPool(DEFAULT_ESTIMATE.gpu, DEFAULT_ESTIMATE.batch);
    let lnErr = 0;
    for (const r of rows) {
      const m = t.models.findIndex((x) => x.id === r.model);
      let wh = 0;
      for (let q = 0; q < t.nQueries; q++) if (t.present[q * t.nModels + m]) wh += t.energyJ[q * t.nModels + m] / 3600;
      expect(wh).toBeCloseTo(r.modelledWh, 6);
      lnErr += Math.abs(Math.log(wh / r.publishedWh));
    }
    // docs/energy-model.md, validation: mean |ln(modelled / published)| = 0.51
    expect(lnErr / rows.length).toBeCloseTo(0.51, 2);
  });
});

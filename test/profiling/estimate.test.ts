import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { loadTable } from '../../src/data/load.js';
import { makePoolTable } from '../../src/data/pool.js';
import {
  ENERGY_MODEL,
  LOADTEST_A100,
  MLENERGY_H100,
  energyModelErrors,
  errorSummary,
  estimateEnergyJ,
  fillEnergyEstimates,
  fitEnergyModel,
  greenservCalibrationCells,
  leaveOneModelOut,
  mlenergyPoints,
} from '../../src/profiling/estimate.js';

const ENERGY_DIR = resolve(__dirname, '../../../shared/data/energy');
const haveEnergy = existsSync(join(ENERGY_DIR, 'mlenergy_v3_llm_configurations_flat.csv'));
if (!haveEnergy) console.warn(`skipping the transcription checks: ${ENERGY_DIR} not found (shared reference data is absent)`);

describe('energy estimate', () => {
  it('grows with parameters and tokens, shrinks with batching, and is NaN without inputs', () => {
    const e = (paramsB: number, inputTokens: number, outputTokens: number, batch = 1) => estimateEnergyJ({ paramsB, inputTokens, outputTokens, batch });
    expect(e(8, 100, 200)).toBeGreaterThan(e(1, 100, 200));
    expect(e(8, 100, 200)).toBeGreaterThan(e(8, 100, 100));
    expect(e(8, 1000, 1)).toBeGreaterThan(e(8, 100, 1));
    expect(e(8, 100, 200, 16)).toBeLessThan(e(8, 100, 200));
    const { a, b, c, f } = ENERGY_MODEL;
    expect(e(8, 100, 200)).toBeCloseTo(201 * (a + b * 8) + 200 * f * 8 + 100 * c * 8, 9);
    expect(Number.isNaN(e(Number.NaN, 10, 10))).toBe(true);
    expect(Number.isNaN(e(8, Number.NaN, 10))).toBe(true);
    expect(Number.isNaN(e(8, 10, 10, 0))).toBe(true);
  });

  it('the constants are the documented fit (GreenServ cells at batch 1, ML.ENERGY H100 for the batched floor)', async () => {
    const fit = fitEnergyModel(await greenservCalibrationCells(), mlenergyPoints());
    for (const k of ['a', 'b', 'c', 'f'] as const) expect(fit[k] / ENERGY_MODEL[k] - 1, k).toBeLessThan(0.01);
    for (const k of ['a', 'b', 'c', 'f'] as const) expect(fit[k] / ENERGY_MODEL[k] - 1, k).toBeGreaterThan(-0.01);
  });

  it('reports its error on the models that have measurements', async () => {
    const rows = await energyModelErrors();
    const gs = errorSummary(rows, 'greenserv');
    const ml = errorSummary(rows, 'ml.energy');
    const lt = errorSummary(rows, 'load test');
    const loo = errorSummary(await leaveOneModelOut(), 'greenserv leave-one-model-out');
    const fmt = (s: typeof gs) => `n=${s.n} median |err| ${(100 * s.medianAbs).toFixed(0)}%, mean ${(100 * s.meanAbs).toFixed(0)}%, max ${(100 * s.maxAbs).toFixed(0)}%`;
    console.log(
      [
        'energy estimate vs measurements:',
        `  GreenServ per-model Wh (A100, batch 1): ${fmt(gs)}`,
        ...rows.filter((r) => r.source.startsWith('greenserv')).map((r) => `    ${r.model.padEnd(14)} ${r.measured.toFixed(1).padStart(6)} Wh  est ${r.estimated.toFixed(1).padStart(6)}  ${(100 * r.relError).toFixed(0).padStart(4)}%`),
        `  GreenServ per-model Wh, leave one model out: ${fmt(loo)}`,
        `  ML.ENERGY J/output token (H100, batch 8–691): ${fmt(ml)}`,
        `  load test J/token (A100, concurrency ≈ 7.6): ${fmt(lt)}`,
      ].join('\n'),
    );
    expect(gs.n).toBe(16);
    expect(gs.medianAbs).toBeLessThan(0.15);
    expect(gs.maxAbs).toBeLessThan(0.65);
    expect(ml.n).toBe(41);
    expect(ml.medianAbs).toBeLessThan(0.3);
    expect(ml.maxAbs).toBeLessThan(0.7);
    expect(loo.n).toBe(16);
    expect(loo.medianAbs).toBeLessThan(0.2);
    expect(lt.n).toBe(3);
    expect(lt.maxAbs).toBeLessThan(0.6);
  });

  it.skipIf(!haveEnergy)('the transcribed ML.ENERGY and load-test figures match the shared files', () => {
    const flat = parse(readFileSync(join(ENERGY_DIR, 'mlenergy_v3_llm_configurations_flat.csv')), { columns: true }) as Record<string, string>[];
    const rows = flat.filter((r) => r.task === 'lm-arena-chat' && r.gpu_model === 'H100' && r.num_gpus === '1' && r.weight_precision === 'bfloat16' && r.architecture.startsWith('Dense'));
    expect(rows).toHaveLength(mlenergyPoints().length);
    for (const m of MLENERGY_H100) {
      const mine = rows.filter((r) => r.model_id === m.model);
      expect(mine.map((r) => Number(r.total_params_billions))).toEqual(mine.map(() => m.paramsB));
      const pts = mine.map((r) => [Number(r.avg_batch_size), Number(r.energy_per_token_joules)]);
      expect(pts).toHaveLength(m.points.length);
      pts.forEach(([b, e], i) => {
        expect(m.points[i][0]).toBeCloseTo(b, 1);
        expect(m.points[i][1]).toBeCloseTo(e, 4);
      });
    }
    const lt = parse(readFileSync(join(ENERGY_DIR, 'inference_energy_loadtest_per_model_gpu.csv')), { columns: true }) as Record<string, string>[];
    for (const p of LOADTEST_A100) {
      const r = lt.find((x) => x.gpu === 'A100-80GB' && x.model === p.model)!;
      expect(p.jPerToken).toBeCloseTo(Number(r.active_energy_J) / Number(r.total_tokens), 9);
      expect(p.concurrency).toBeCloseTo((Number(r.total_requests) * Number(r.avg_latency_s)) / Number(r.total_time_s), 9);
    }
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

  it('on the built-in pool with energy removed, the profile is flagged as estimated', async () => {
    const t = await loadTable('greenserv-pool');
    t.energyJ.fill(Number.NaN);
    const r = fillEnergyEstimates(t);
    expect(r.filled).toBe(2500 * 16);
  });
});

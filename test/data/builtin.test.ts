import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_TASKS,
  COMPLEXITY_BIN_COUNTS,
  MODEL_CALIBRATION,
  TASK_EPT_BOUNDS,
  TASK_PROMPTS,
} from '../../src/data/builtin/calibration.js';
import { accuracyTargets } from '../../src/data/builtin/accuracyTargets.js';
import { buildGreenservPool, GREENSERV_POOL_NAME, loadGreenservPool } from '../../src/data/builtin/greenserv-pool.js';
import { tableSha256 } from '../../src/data/pool.js';
import { withColumns } from '../helpers/table.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sharedDir = resolve(repoRoot, '../shared/data/greenserv');
const sharedPresent = existsSync(join(sharedDir, 'pool_task_aggregates.csv')) && existsSync(join(sharedDir, 'pool_aggregates.csv'));
if (!sharedPresent) console.warn(`shared data absent (${sharedDir}): skipping the calibration-vs-source checks`);

const SPEC_MODEL_ORDER = [
  'qwen2.5-0.5b', 'qwen2.5-1.5b', 'qwen2.5-3b', 'qwen2.5-7b', 'qwen2.5-14b', 'mistral-7b', 'gemma-3-1b', 'gemma-3-4b',
  'gemma-3-12b', 'gemma-3-27b', 'llama-3.2-1b', 'llama-3.2-3b', 'llama-3.1-8b', 'phi-4-mini-4b', 'phi-4-14b', 'yi-34b',
];

const table = withColumns(loadGreenservPool(), 'latencyS', 'inputTokens', 'outputTokens');
const M = table.nModels;
const Q = table.nQueries;

/** Query indices of a task, in table order. */
function queriesOf(task: string): number[] {
  const k = table.tasks.indexOf(task);
  const out: number[] = [];
  for (let q = 0; q < Q; q++) if (table.queryTask[q] === k) out.push(q);
  return out;
}

function taskName(q: number): string {
  return table.tasks[table.queryTask[q]];
}

/** Spec §2 reward at λ, recomputed here from the raw columns and the published §1.6 bounds. */
function reward(q: number, m: number, lambda: number): number {
  const i = q * M + m;
  const b = TASK_EPT_BOUNDS[taskName(q) as keyof typeof TASK_EPT_BOUNDS];
  const ept = table.energyJ[i] / (table.inputTokens[i] + table.outputTokens[i]);
  const e = Math.min(1, Math.max(0, (ept - b.eptMin) / (b.eptMax - b.eptMin)));
  const a = Math.min(1, Math.max(0, table.accuracy[i]));
  return Math.min(1, Math.max(0, (1 - lambda) * a + lambda * (1 - e)));
}

function sortedMedian(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

describe('greenserv-pool: shape', () => {
  it('has 2,500 queries in spec §1.1 order and the 16 models of spec §1.2', () => {
    expect(table.name).toBe(GREENSERV_POOL_NAME);
    expect(Q).toBe(2500);
    expect(table.models.map((m) => m.id)).toEqual(SPEC_MODEL_ORDER);
    expect(table.models.find((m) => m.id === 'phi-4-14b')!.paramsB).toBe(15);
    expect(table.models.find((m) => m.id === 'qwen2.5-0.5b')!.paramsB).toBe(0.5);
    const order = ['mmlu', 'hellaswag', 'winogrande', 'gsm8k', 'cnn_dailymail'];
    const expectedIds = order.flatMap((t) => Array.from({ length: 500 }, (_, i) => `${t}_${i + 1}`));
    expect(table.queryIds).toEqual(expectedIds);
    expect(Array.from({ length: Q }, (_, q) => taskName(q))).toEqual(order.flatMap((t) => Array<string>(500).fill(t)));
    expect(table.queryText).not.toBeNull();
    expect(table.queryText!.every((x) => x === null)).toBe(true);
    expect(table.costUsd).toBeNull();
    expect(table.present.every((x) => x === 1)).toBe(true);
  });

  it('uses the published §1.6 energy-per-token bounds', () => {
    expect(table.taskBounds.get('mmlu')).toEqual({ eptMin: 0.00589002367859144, eptMax: 0.7173971270892932 });
    expect(table.taskBounds.get('cnn_dailymail')).toEqual({ eptMin: 0.0011508638890426154, eptMax: 5.481949859030518 });
    for (const t of CALIBRATION_TASKS) expect(table.taskBounds.get(t)).toEqual(TASK_EPT_BOUNDS[t]);
  });

  it('has features: complexity in [0,100], clusters in {0,1,2} that depend on the task', () => {
    expect(table.complexity.every((s) => s >= 0 && s <= 100)).toBe(true);
    expect(table.cluster.every((c) => c === 0 || c === 1 || c === 2)).toBe(true);
    const modal = (task: string): number => {
      const c = [0, 0, 0];
      for (const q of queriesOf(task)) c[table.cluster[q]]++;
      return c.indexOf(Math.max(...c));
    };
    expect(new Set(CALIBRATION_TASKS.map(modal)).size).toBeGreaterThanOrEqual(2);
  });
});

describe('greenserv-pool: calibration', () => {
  it('complexity-bin counts per task equal spec §3.3 exactly (thresholds 20/30)', () => {
    for (const t of CALIBRATION_TASKS) {
      const c = [0, 0, 0];
      for (const q of queriesOf(t)) {
        const s = table.complexity[q];
        c[s < 20 ? 0 : s < 30 ? 1 : 2]++;
      }
      expect(c, t).toEqual([...COMPLEXITY_BIN_COUNTS[t]]);
    }
    expect(COMPLEXITY_BIN_COUNTS).toEqual({
      mmlu: [102, 64, 334],
      hellaswag: [156, 208, 136],
      winogrande: [76, 165, 259],
      gsm8k: [381, 98, 21],
      cnn_dailymail: [7, 75, 418],
    });
  });

  it('per-model mean accuracy over the 2,500 queries is within ±0.005 of Fig. 2b for all 16 models', () => {
    const rows: string[] = [];
    MODEL_CALIBRATION.forEach((cal, m) => {
      let s = 0;
      for (let q = 0; q < Q; q++) s += table.accuracy[q * M + m];
      rows.push(`${cal.id.padEnd(14)} ${(s / Q).toFixed(4)} vs ${cal.meanAccuracy}`);
      expect(Math.abs(s / Q - cal.meanAccuracy), cal.id).toBeLessThanOrEqual(0.005);
    });
    console.log(`mean accuracy, replica vs Fig. 2b:\n${rows.join('\n')}`);
    // the two cases the recovered per-task means alone got wrong (0.360 and 0.679)
    expect(MODEL_CALIBRATION.find((c) => c.id === 'yi-34b')!.meanAccuracy).toBe(0.3842);
    expect(MODEL_CALIBRATION.find((c) => c.id === 'gemma-3-27b')!.meanAccuracy).toBe(0.685);
  });

  it('per (model, task) mean accuracy is within one recovered standard error of the recovered value', () => {
    MODEL_CALIBRATION.forEach((cal, m) => {
      CALIBRATION_TASKS.forEach((t, k) => {
        const qs = queriesOf(t);
        const mean = qs.reduce((s, q) => s + table.accuracy[q * M + m], 0) / qs.length;
        expect(cal.accuracySe[k], `${cal.id} ${t}`).toBeGreaterThan(0);
        expect(Math.abs(mean - cal.accuracy[k]), `${cal.id} ${t}`).toBeLessThanOrEqual(cal.accuracySe[k]);
      });
    });
  });

  it('per (model, task) mean accuracy hits its target: binary tasks in whole queries, cnn_dailymail to 1e-6', () => {
    MODEL_CALIBRATION.forEach((cal, m) => {
      const targets = accuracyTargets(cal);
      CALIBRATION_TASKS.forEach((t, k) => {
        const qs = queriesOf(t);
        const correct = qs.reduce((s, q) => s + table.accuracy[q * M + m], 0);
        if (t === 'cnn_dailymail') expect(Math.abs(correct / qs.length - targets[k]), cal.id).toBeLessThanOrEqual(1e-6);
        else expect(correct, `${cal.id} ${t}`).toBe(Math.round(targets[k] * 500));
      });
    });
  });

  it('accuracy targets: the least standard-error-weighted shift that meets the overall mean', () => {
    // hand-made calibration: recovered mean 0.4, Fig. 2b says 0.5, so the five shifts sum to 0.5
    const cal = { ...MODEL_CALIBRATION[0], accuracy: [0.4, 0.4, 0.4, 0.4, 0.4] as const, accuracySe: [0.02, 0.02, 0.04, 0.02, 0.02] as const, meanAccuracy: 0.5 };
    const got = accuracyTargets(cal);
    // Σse² = 0.0032: shift = 0.5·se²/Σse² = 0.0625 (se 0.02) or 0.25 (se 0.04)
    expect(got.slice(0, 4)).toEqual([0.462, 0.462, 0.65, 0.462]);
    expect(got[4]).toBeCloseTo(2.5 - (0.462 * 3 + 0.65), 12);
    expect(got.reduce((a, b) => a + b, 0) / 5).toBeCloseTo(0.5, 12);
  });

  it('cnn_dailymail accuracy is continuous in [0,1]; the other tasks are exactly binary', () => {
    for (let m = 0; m < M; m++) {
      const id = table.models[m].id;
      const cnn = queriesOf('cnn_dailymail').map((q) => table.accuracy[q * M + m]);
      expect(cnn.every((a) => a >= 0 && a <= 1), id).toBe(true);
      expect(new Set(cnn.filter((a) => a !== 0 && a !== 1)).size, id).toBeGreaterThanOrEqual(400);
      for (const t of ['mmlu', 'hellaswag', 'winogrande', 'gsm8k']) {
        const acc = queriesOf(t).map((q) => table.accuracy[q * M + m]);
        expect(acc.every((a) => a === 0 || a === 1), `${id} ${t}`).toBe(true);
      }
    }
  });

  it('per (model, task) mean of energyJ/(input+output tokens) equals the table J/token within 2%', () => {
    MODEL_CALIBRATION.forEach((cal, m) => {
      CALIBRATION_TASKS.forEach((t, k) => {
        const qs = queriesOf(t);
        let s = 0;
        for (const q of qs) {
          const i = q * M + m;
          s += table.energyJ[i] / (table.inputTokens[i] + table.outputTokens[i]);
        }
        const rel = Math.abs(s / qs.length / cal.eptJPerToken[k] - 1);
        expect(rel, `${cal.id} ${t}`).toBeLessThanOrEqual(0.02);
      });
    });
  });

  it('per-model total energy over the 2,500 queries is within ±5% of the published Wh (design: ±1%)', () => {
    const rows: string[] = [];
    MODEL_CALIBRATION.forEach((cal, m) => {
      let j = 0;
      for (let q = 0; q < Q; q++) j += table.energyJ[q * M + m];
      const wh = j / 3600;
      const rel = Math.abs(wh / cal.totalEnergyWh - 1);
      rows.push(`${cal.id.padEnd(14)} ${wh.toFixed(3).padStart(9)} Wh vs ${String(cal.totalEnergyWh).padStart(8)} (${(100 * (wh / cal.totalEnergyWh - 1)).toFixed(3)}%)`);
      expect(rel, cal.id).toBeLessThanOrEqual(0.05);
      expect(rel, cal.id).toBeLessThanOrEqual(0.01);
    });
    console.log(`total energy, achieved vs published:\n${rows.join('\n')}`);
  });

  it('latency median per model is within ±10% of Table 4 (design: ±3%), mean near Table 4, all > 0', () => {
    const rows: string[] = [];
    MODEL_CALIBRATION.forEach((cal, m) => {
      const ms: number[] = [];
      for (let q = 0; q < Q; q++) ms.push(table.latencyS[q * M + m] * 1000);
      expect(ms.every((v) => v > 0), cal.id).toBe(true);
      const med = sortedMedian(ms);
      const mean = ms.reduce((s, v) => s + v, 0) / Q;
      rows.push(`${cal.id.padEnd(14)} median ${med.toFixed(2).padStart(7)} vs ${cal.latencyMs.median}  mean ${mean.toFixed(1).padStart(7)} vs ${cal.latencyMs.mean}`);
      expect(Math.abs(med / cal.latencyMs.median - 1), cal.id).toBeLessThanOrEqual(0.1);
      expect(Math.abs(med / cal.latencyMs.median - 1), cal.id).toBeLessThanOrEqual(0.03);
      expect(Math.abs(mean / cal.latencyMs.mean - 1), cal.id).toBeLessThanOrEqual(0.05);
    });
    console.log(`latency (ms), achieved vs Table 4:\n${rows.join('\n')}`);
  });

  it('token counts are whole, positive and respect max_new_tokens (spec §1.1)', () => {
    const bad: string[] = [];
    for (let q = 0; q < Q; q++) {
      const cap = TASK_PROMPTS[taskName(q) as keyof typeof TASK_PROMPTS].maxNewTokens;
      for (let m = 0; m < M; m++) {
        const i = q * M + m;
        const tin = table.inputTokens[i];
        const tout = table.outputTokens[i];
        if (!(Number.isInteger(tin) && tin > 0 && Number.isInteger(tout) && tout >= 1 && tout <= cap)) bad.push(`${q},${m}`);
      }
    }
    expect(bad).toEqual([]);
    // single-token answers on the multiple-choice tasks
    for (const t of ['mmlu', 'hellaswag', 'winogrande']) {
      for (const q of queriesOf(t)) for (let m = 0; m < M; m++) if (table.outputTokens[q * M + m] !== 1) bad.push(`${q},${m}`);
    }
    expect(bad).toEqual([]);
    // generative tasks do generate: mean output well above one token for every model
    for (const t of ['gsm8k', 'cnn_dailymail']) {
      for (let m = 0; m < M; m++) {
        const qs = queriesOf(t);
        expect(qs.reduce((s, q) => s + table.outputTokens[q * M + m], 0) / qs.length).toBeGreaterThan(10);
      }
    }
  });
});

describe('greenserv-pool: determinism and speed', () => {
  it('two uncached builds are byte-identical; the memoised table is the same object', () => {
    const a = buildGreenservPool();
    const b = buildGreenservPool();
    expect(a === b).toBe(false);
    expect(tableSha256(a)).toBe(tableSha256(b));
    expect(tableSha256(a)).toBe(tableSha256(table));
    expect(loadGreenservPool() === table).toBe(true);
  });

});

describe('greenserv-pool: structure for contextual routing (λ = 0.5, spec §2)', () => {
  const lambda = 0.5;
  const bestIn = (qs: number[]): { model: string; mean: number } => {
    let best = -1;
    let bestMean = -Infinity;
    for (let m = 0; m < M; m++) {
      const mean = qs.reduce((s, q) => s + reward(q, m, lambda), 0) / qs.length;
      if (mean > bestMean) {
        bestMean = mean;
        best = m;
      }
    }
    return { model: table.models[best].id, mean: bestMean };
  };

  it('the best model by mean reward differs across at least 3 tasks', () => {
    const best = CALIBRATION_TASKS.map((t) => bestIn(queriesOf(t)));
    console.log(`best model per task at λ=0.5: ${CALIBRATION_TASKS.map((t, k) => `${t}=${best[k].model} (${best[k].mean.toFixed(4)})`).join(', ')}`);
    expect(new Set(best.map((b) => b.model)).size).toBeGreaterThanOrEqual(3);
  });

  it('within a task, the best model also changes with the complexity bin', () => {
    let tasksWithSwitch = 0;
    for (const t of CALIBRATION_TASKS) {
      const byBin: number[][] = [[], [], []];
      for (const q of queriesOf(t)) {
        const s = table.complexity[q];
        byBin[s < 20 ? 0 : s < 30 ? 1 : 2].push(q);
      }
      const winners = new Set(byBin.filter((g) => g.length >= 20).map((g) => bestIn(g).model));
      if (winners.size > 1) tasksWithSwitch++;
    }
    expect(tasksWithSwitch).toBeGreaterThanOrEqual(2);
  });

  it('oracle mean reward is plausible (real pool: 0.9143) and the best static model is reported', () => {
    let oracle = 0;
    const staticMean = new Float64Array(M);
    for (let q = 0; q < Q; q++) {
      let best = 0;
      for (let m = 0; m < M; m++) {
        const r = reward(q, m, lambda);
        staticMean[m] += r / Q;
        if (r > best) best = r;
      }
      oracle += best / Q;
    }
    let bm = 0;
    for (let m = 1; m < M; m++) if (staticMean[m] > staticMean[bm]) bm = m;
    console.log(`oracle mean reward at λ=0.5: ${oracle.toFixed(4)}; best static model: ${table.models[bm].id} (${staticMean[bm].toFixed(4)})`);
    expect(oracle).toBeGreaterThan(0.85);
    expect(oracle).toBeLessThan(0.97);
    // no single model comes close to the oracle, so routing has something to gain
    expect(oracle - staticMean[bm]).toBeGreaterThan(0.1);
  });
});

describe('calibration table vs the shared source files', () => {
  const num = (s: string): number => Number.parseFloat(s);

  it.skipIf(!sharedPresent)('per (model, task) accuracy, J/token and bounds match pool_task_aggregates.csv', () => {
    const rows = parse(readFileSync(join(sharedDir, 'pool_task_aggregates.csv')), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(80);
    for (const r of rows) {
      const cal = MODEL_CALIBRATION.find((c) => c.id === r.model_id);
      expect(cal, r.model_id).toBeDefined();
      const k = (CALIBRATION_TASKS as readonly string[]).indexOf(r.task);
      expect(k, r.task).toBeGreaterThanOrEqual(0);
      expect(cal!.accuracy[k], `${r.model_id} ${r.task}`).toBe(num(r.accuracy));
      // cnn_dailymail accuracy is implied from acc − ept_norm, so its error is that column's
      expect(cal!.accuracySe[k], `${r.model_id} ${r.task}`).toBe(num(r.task === 'cnn_dailymail' ? r.acc_minus_eptnorm_se : r.accuracy_se));
      expect(cal!.eptJPerToken[k], `${r.model_id} ${r.task}`).toBe(num(r.ept_J_per_token));
      const b = TASK_EPT_BOUNDS[r.task as keyof typeof TASK_EPT_BOUNDS];
      expect(b.eptMin).toBe(num(r.norm_min_J_per_token));
      expect(b.eptMax).toBe(num(r.norm_max_J_per_token));
    }
  });

  it.skipIf(!sharedPresent)('per-model Wh, latency percentiles, params and HF names match pool_aggregates.csv', () => {
    const rows = parse(readFileSync(join(sharedDir, 'pool_aggregates.csv')), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(16);
    for (const r of rows) {
      const cal = MODEL_CALIBRATION.find((c) => c.id === r.model_id)!;
      expect(cal, r.model_id).toBeDefined();
      expect(cal.totalEnergyWh).toBe(num(r.total_energy_Wh_2500q__fig2b));
      expect(cal.meanAccuracy).toBe(num(r.mean_acc_norm_all5__fig2b));
      expect(cal.paramsB).toBe(num(r.params_B));
      expect(r.hf_name.startsWith(cal.hfName)).toBe(true);
      const lat = cal.latencyMs;
      expect([lat.min, lat.p25, lat.median, lat.mean, lat.p75, lat.max]).toEqual(
        ['min', 'p25', 'median', 'mean', 'p75', 'max'].map((p) => num(r[`latency_ms_${p}__paper_table4`])),
      );
    }
  });

  it.skipIf(!sharedPresent)('the replica meets Fig. 2b (±0.005) and every per-task value within its recovered SE, read from the files', () => {
    const agg = parse(readFileSync(join(sharedDir, 'pool_aggregates.csv')), { columns: true }) as Record<string, string>[];
    const tasks = parse(readFileSync(join(sharedDir, 'pool_task_aggregates.csv')), { columns: true }) as Record<string, string>[];
    for (const r of agg) {
      const m = table.models.findIndex((x) => x.id === r.model_id);
      expect(m, r.model_id).toBeGreaterThanOrEqual(0);
      let s = 0;
      for (let q = 0; q < Q; q++) s += table.accuracy[q * M + m];
      expect(Math.abs(s / Q - num(r.mean_acc_norm_all5__fig2b)), r.model_id).toBeLessThanOrEqual(0.005);
    }
    for (const r of tasks) {
      const m = table.models.findIndex((x) => x.id === r.model_id);
      const qs = queriesOf(r.task);
      const mean = qs.reduce((acc, q) => acc + table.accuracy[q * M + m], 0) / qs.length;
      const se = num(r.task === 'cnn_dailymail' ? r.acc_minus_eptnorm_se : r.accuracy_se);
      expect(Math.abs(mean - num(r.accuracy)), `${r.model_id} ${r.task}`).toBeLessThanOrEqual(se);
    }
  });
});

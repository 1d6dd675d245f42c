import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { A100_RATIO_SD, COEFFICIENTS, MAX_ABS_RESIDUAL, RESIDUAL_SD } from '../../src/data/energy/coefficients.js';
import { batchBucket, designRow, fitEnergyModelFiles, readMlEnergy } from '../../src/data/energy/fit.js';
import { joulesPerInputToken, joulesPerOutputToken } from '../../src/data/energy/model.js';
import { DataError } from '../../src/core/errors.js';
import { cliInProcess as cli } from '../helpers/cli.js';

const DIR = resolve(__dirname, '../../../shared/data/energy');
const ML = join(DIR, 'mlenergy_v3_llm_configurations_flat.csv');
const LT = join(DIR, 'inference_energy_loadtest_per_model_gpu.csv');
const have = existsSync(ML) && existsSync(LT);
if (!have) console.warn(`skipping the energy-model fit checks: ${DIR} not found (shared reference data is absent)`);

describe('energy model fit (ML.ENERGY v3)', () => {
  it.skipIf(!have)('the coefficients in the repository equal a fresh fit', () => {
    const f = fitEnergyModelFiles(ML, LT);
    for (const [k, v] of Object.entries(COEFFICIENTS)) expect(f.coefficients[k as keyof typeof COEFFICIENTS], k).toBeCloseTo(v, 10);
    // transcribed spreads
    for (const c of f.residuals.cells) expect(RESIDUAL_SD[c.gpu as 'H100' | 'B200'][c.bucket as 8]).toBeCloseTo(c.sd, 3);
    expect(MAX_ABS_RESIDUAL).toBeCloseTo(f.residuals.all.maxAbs, 3);
    const lr = f.a100Ratios.map((r) => Math.log(r.ratio));
    const m = lr.reduce((s, x) => s + x, 0) / lr.length;
    expect(A100_RATIO_SD).toBeCloseTo(Math.sqrt(lr.reduce((s, x) => s + (x - m) ** 2, 0) / (lr.length - 1)), 3);
    expect(COEFFICIENTS.a100).toBeCloseTo(m, 10);
  });

  it.skipIf(!have)('is a least-squares solution: residuals are orthogonal to every regressor', () => {
    const rows = readMlEnergy(ML);
    const f = fitEnergyModelFiles(ML, LT);
    const dot = new Array(11).fill(0);
    rows.forEach((x, i) => designRow({ ...x, batch: x.avgBatch }).forEach((d, j) => (dot[j] += d * f.residuals.residuals[i])));
    for (const v of dot) expect(Math.abs(v)).toBeLessThan(1e-8);
    // independent fit (numpy lstsq on the same design) to 3 decimals
    expect(COEFFICIENTS.c0).toBeCloseTo(-0.884, 3);
    expect(COEFFICIENTS.cA).toBeCloseTo(0.873, 3);
    expect(COEFFICIENTS.cB).toBeCloseTo(-0.925, 3);
    expect(COEFFICIENTS.mxfp4).toBeCloseTo(-1.178, 3);
  });

  it.skipIf(!have)('reproduces the rows it was fitted on within the documented residual spread', () => {
    const rows = readMlEnergy(ML);
    let within = 0;
    for (const x of rows) {
      // the prediction function is at the chat task; add the task effect the fit measured
      const task = x.task === 'gpqa' ? COEFFICIENTS.gpqa : x.task === 'sourcegraph-fim' ? COEFFICIENTS.fim : 0;
      const pred = joulesPerOutputToken(x, { gpu: x.gpu, batch: x.avgBatch }) * Math.exp(task);
      const r = Math.log(x.jPerToken / pred);
      expect(Math.abs(r), `line ${x.line}`).toBeLessThanOrEqual(MAX_ABS_RESIDUAL + 1e-4);
      if (Math.abs(r) <= 1.6449 * RESIDUAL_SD[x.gpu][batchBucket(x.maxNumSeqs)]) within++;
    }
    // a 90 % band holds about 90 % of the rows
    expect(within / rows.length).toBeGreaterThan(0.85);
    expect(within / rows.length).toBeLessThan(0.97);
  });

  it.skipIf(!have)('matches chosen ML.ENERGY rows by hand', () => {
    // Llama-3.1-8B-Instruct, H100, lm-arena-chat, max_num_seqs 32: 0.1651 J per output token measured
    const rows = readMlEnergy(ML).filter((x) => x.model === 'meta-llama/Llama-3.1-8B-Instruct' && x.gpu === 'H100' && x.maxNumSeqs === 32 && x.task === 'lm-arena-chat');
    expect(rows).toHaveLength(1);
    const c = COEFFICIENTS;
    const lb = Math.log(rows[0].avgBatch);
    const byHand = Math.exp(c.c0 + c.cA * Math.log(8) + c.cB * lb + c.cBB * lb * lb);
    expect(joulesPerOutputToken({ totalB: 8, activeB: 8, precision: 'bf16' }, { gpu: 'H100', batch: rows[0].avgBatch })).toBeCloseTo(byHand, 12);
    expect(Math.abs(Math.log(byHand / rows[0].jPerToken))).toBeLessThan(0.3);
  });

  it.skipIf(!have)('matches mixture-of-experts rows on B200 by hand (active and total parameters, GPU terms, FP8)', () => {
    const c = COEFFICIENTS;
    const all = readMlEnergy(ML).filter((x) => x.gpu === 'B200' && x.task === 'lm-arena-chat' && x.maxNumSeqs === 64);
    // [model, active B, total B, precision term, measured J per output token]
    for (const [model, a, t, prec, measured] of [
      ['Qwen/Qwen3-30B-A3B-Instruct-2507', 3, 30, 0, 0.24929438124276776],
      ['Qwen/Qwen3-235B-A22B-Instruct-2507-FP8', 22, 235, c.fp8, 1.4719871138494172],
    ] as [string, number, number, number, number][]) {
      const rows = all.filter((x) => x.model === model);
      expect(rows, model).toHaveLength(1);
      const x = rows[0];
      expect(x.jPerToken).toBeCloseTo(measured, 12);
      const lb = Math.log(x.avgBatch);
      const byHand = Math.exp(c.c0 + c.cA * Math.log(a) + c.cR * Math.log(t / a) + c.cB * lb + c.cBB * lb * lb + c.b200 + c.b200B * lb + prec);
      expect(joulesPerOutputToken(x, { gpu: 'B200', batch: x.avgBatch })).toBeCloseTo(byHand, 12);
      // within the fit's 1 sd band for B200 at this batch size
      expect(Math.abs(Math.log(byHand / measured)), model).toBeLessThan(RESIDUAL_SD.B200[128]);
    }
  });
});

describe('energy model terms', () => {
  it('prefill is 2 FLOP per active parameter at half the dense BF16 peak per watt', () => {
    // H100: 700 W, 989 TFLOP/s; 8 B active → 2·8e9·700 / (989e12·0.5) J
    expect(joulesPerInputToken({ totalB: 8, activeB: 8, precision: 'bf16' }, 'H100')).toBeCloseTo((2 * 8e9 * 700) / (989e12 * 0.5), 12);
    // MoE: only active parameters compute
    expect(joulesPerInputToken({ totalB: 46.7, activeB: 12.9, precision: 'bf16' }, 'A100')).toBeCloseTo((2 * 12.9e9 * 400) / (312e12 * 0.5), 12);
  });

  it('A100 is the H100 prediction times the load-test factor; MoE total parameters raise decode energy', () => {
    const s = { totalB: 7, activeB: 7, precision: 'bf16' as const };
    expect(joulesPerOutputToken(s, { gpu: 'A100', batch: 8 }) / joulesPerOutputToken(s, { gpu: 'H100', batch: 8 })).toBeCloseTo(Math.exp(COEFFICIENTS.a100), 12);
    const moe = joulesPerOutputToken({ totalB: 46.7, activeB: 12.9, precision: 'bf16' }, { gpu: 'H100', batch: 32 });
    const dense = joulesPerOutputToken({ totalB: 12.9, activeB: 12.9, precision: 'bf16' }, { gpu: 'H100', batch: 32 });
    expect(moe / dense).toBeCloseTo(Math.pow(46.7 / 12.9, COEFFICIENTS.cR), 10);
    // larger batches share the weights: energy per token falls
    expect(joulesPerOutputToken(s, { gpu: 'H100', batch: 128 })).toBeLessThan(joulesPerOutputToken(s, { gpu: 'H100', batch: 8 }));
  });

  it('bad fit inputs name file, line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-fit-'));
    const f = join(dir, 'ml.csv');
    const head = 'task,model_id,gpu_model,activated_params_billions,total_params_billions,weight_precision,max_num_seqs,avg_batch_size,energy_per_token_joules\n';
    writeFileSync(f, head + 'gpqa,m,H100,8,8,bfloat16,8,8,0.4\ngpqa,m,H100,8,8,bfloat16,8,8,-1\n');
    expect(() => readMlEnergy(f)).toThrow(DataError);
    expect(() => readMlEnergy(f)).toThrow(/ml\.csv:3 \(column 'energy_per_token_joules'\)/);
    writeFileSync(f, head + 'gpqa,m,TPU,8,8,bfloat16,8,8,0.4\n');
    expect(() => readMlEnergy(f)).toThrow(/:2 \(column 'gpu_model'\)/);
    writeFileSync(f, 'task,model_id\ngpqa,m\n');
    expect(() => readMlEnergy(f)).toThrow(/missing column 'gpu_model'/);
  });

  it.skipIf(!have)('a load-test model named after an Object member has no known size', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'gs-fit-')), 'lt.csv');
    for (const model of ['constructor', '__proto__', 'toString']) {
      writeFileSync(f, `gpu,model,energy_per_token_J,total_requests,avg_latency_s,total_time_s\nA100-80GB,${model},0.35,4135,1.161,629.91\n`);
      expect(() => fitEnergyModelFiles(ML, f), model).toThrow(new DataError(`model '${model}' has no known size`, f, 2, 'model'));
    }
  });
});

// through main() in this process (the file is in the isolated project): a child would spend most of its time
// importing the library and mathjs, which this file has imported already
describe('energy fit and check-pool commands', () => {
  it.skipIf(!have)('fit prints the transcribed coefficients and the residual table', async () => {
    const r = await cli(['energy', 'fit', '--mlenergy', ML, '--loadtest', LT]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rows 565');
    expect(r.stdout).toContain(`c0     ${COEFFICIENTS.c0}`);
    expect(r.stdout).toMatch(/\| all \| all \| 565 \| 0\.000 \| 0\.311 \|/);
  });

  it('check-pool prints one row per pool model and rejects a bad GPU', async () => {
    const r = await cli(['energy', 'check-pool']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^\| [a-z]/.test(l) && !l.startsWith('| model'))).toHaveLength(16);
    const bad = await cli(['energy', 'check-pool', '--gpu', 'V100']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--gpu: 'V100' is not one of H100, B200, A100/);
  });
});

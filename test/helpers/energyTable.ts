/** A small RouterBench-shaped CSV with prompt and response text, and its energy priced by hand. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COEFFICIENTS, GPU_SPECS } from '../../src/data/energy/coefficients.js';
import { loadTokenizer } from '../../src/data/energy/tokens.js';

// [active, total] billions: the mixture-of-experts model's default size must survive every re-pricing
export const MODELS = { 'tiny-7B-chat': [7, 7], 'mistralai/mixtral-8x7b-chat': [12.9, 46.7], 'big-70B-chat': [70, 70] } as Record<string, [number, number]>;
export const IDS = Object.keys(MODELS);
export const Q = 12;
export const prompt = (i: number): string => `Question ${i}: ${'why is the sky blue and the grass green? '.repeat(1 + (i % 4))}`;
export const response = (i: number, m: number): string => `Answer ${i}.${' Because of scattering and chlorophyll.'.repeat(1 + ((i + 2 * m) % 5))}`;
// the big model is right most often, the tiny one least
export const correct = (i: number, m: number): number => ((i * (m + 1)) % 5 < 1 + 1.5 * m ? 1 : 0);

export function writeRouterbenchCsv(dir: string, name = 'rb.csv'): string {
  const q = (s: string): string => `"${s.replaceAll('"', '""')}"`;
  let s = ['sample_id', 'prompt', 'eval_name', ...IDS, ...IDS.map((m) => `${m}|model_response`), ...IDS.map((m) => `${m}|total_cost`)].join(',') + '\n';
  for (let i = 0; i < Q; i++) {
    s += [`s.${String(i).padStart(2, '0')}`, q(`['${prompt(i)}']`), i % 2 ? 'arc' : 'wino', ...IDS.map((_, m) => String(correct(i, m))), ...IDS.map((_, m) => q(`['${response(i, m)}']`)), ...IDS.map(() => '0.001')].join(',') + '\n';
  }
  const f = join(dir, name);
  writeFileSync(f, s);
  return f;
}

/** Mean modelled J per prompt of model m, by hand: T_out·e_out + T_in·e_in with the fitted coefficients. */
export async function handJPerPrompt(m: number, gpu: 'H100' | 'B200', batch: number): Promise<number> {
  const tok = await loadTokenizer('cl100k');
  const c = COEFFICIENTS;
  const [a, total] = MODELS[IDS[m]];
  const lb = Math.log(batch);
  const eOut = Math.exp(c.c0 + c.cA * Math.log(a) + c.cR * Math.log(total / a) + c.cB * lb + c.cBB * lb * lb + (gpu === 'B200' ? c.b200 + c.b200B * lb : 0));
  const eIn = (2 * a * 1e9 * GPU_SPECS[gpu].watts) / (GPU_SPECS[gpu].peakFlops * 0.5);
  let sum = 0;
  for (let i = 0; i < Q; i++) sum += tok.count(response(i, m)) * eOut + tok.count(prompt(i)) * eIn;
  return sum / Q;
}

/** Mean accuracy of model m over the Q prompts. */
export function accuracyOf(m: number): number {
  let s = 0;
  for (let i = 0; i < Q; i++) s += correct(i, m);
  return s / Q;
}

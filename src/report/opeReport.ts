/** `greenserv report` on an ope results directory: the chart and report.html from summary.json. */
import { z } from 'zod';
import { DataError } from '../core/errors.js';
import type { OpeSummary } from '../metrics/ope/summary.js';
import { opeChartSpec, opeReportHtml } from './ope.js';
import { renderChart } from './render.js';

const MAX_POLICIES = 1000;
/** summary.json writes non-finite numbers as null (and a parameter τ or λ = ∞ as "inf"). */
const num = z.union([z.number(), z.null(), z.literal('inf')]);
const estimate = z.object({ metric: z.enum(['reward', 'accuracy', 'energy_j']), estimator: z.string(), value: num, lo: num, hi: num, sd: num, param: num }).passthrough();
const opeSummary = z
  .object({
    kind: z.literal('ope'),
    schemaVersion: z.literal(1),
    logs: z.object({ file: z.string(), decisions: z.number().int().min(1), models: z.array(z.string()), propensity: z.enum(['logged', 'estimated']), uniform: z.boolean() }).passthrough(),
    table: z.object({ name: z.string(), queries: z.number() }).passthrough().nullable(),
    lambda: num,
    estimators: z.array(z.string()),
    seed: z.number(),
    bootstrap: z.number(),
    policies: z
      .array(
        z
          .object({
            name: z.string(),
            method: z.enum(['distribution', 'replay']),
            unbiased: z.boolean(),
            kept: num,
            truth: z.record(z.string(), num).nullable(),
            diagnostics: z.record(z.string(), num).nullable(),
            estimates: z.array(estimate).max(100),
          })
          .passthrough(),
      )
      .max(MAX_POLICIES),
  })
  .passthrough();

/** Fields that hold numbers (a name, model id or task "inf" stays a string). */
const NUMBER_KEYS = new Set(['param', 'value', 'lo', 'hi', 'sd', 'lambda', 'kept', 'ess', 'maxWeight', 'meanWeight', 'supportShare', 'reward', 'accuracy', 'energy_j']);

/**
 * null back to NaN (except the nullable objects) and a `param` of "inf" back to ∞, so the summary reads as
 * built. (Summaries written before every other non-finite number became null may hold "inf" elsewhere too:
 * read as ∞, which the chart and tables leave out.)
 */
function revive(v: unknown, key = ''): unknown {
  if (v === null) return key === 'table' || key === 'truth' || key === 'diagnostics' ? null : Number.NaN;
  if (v === 'inf' && NUMBER_KEYS.has(key)) return Number.POSITIVE_INFINITY;
  if (Array.isArray(v)) return v.map((x) => revive(x));
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, revive(x, k)]));
  return v;
}

export async function rebuildOpeReport(doc: unknown, file: string, out: { write(name: string, data: string | Uint8Array): void }): Promise<string[]> {
  const r = opeSummary.safeParse(doc);
  if (!r.success) {
    const i = r.error.issues[0];
    const path = i.path.join('.') || '(top level)';
    throw new DataError(`not an ope summary: ${path}: ${i.message}`, file, undefined, path, 'field');
  }
  const s = revive(r.data) as OpeSummary;
  const chart = await renderChart(opeChartSpec(s), 2, 'ope');
  out.write('charts/ope.svg', chart.svg);
  out.write('charts/ope.png', chart.png);
  out.write('report.html', opeReportHtml(s, chart.svg));
  return ['charts/ope.svg'];
}

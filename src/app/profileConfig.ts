/**
 * The settings of `profile-models`, one schema per mode, built from the run configuration's field definitions
 * (sim/runConfig.ts) where they are shared; the CLI reads its flags into them generically (cli/runFlags.ts).
 */
import { z } from 'zod';
import { METER_KINDS, type MeterKind } from '../profiling/energy.js';
import { SUMMARY_METRICS, type SummaryMetric } from '../profiling/scoring.js';
import { runFields } from '../sim/runConfig.js';
import { GPUS } from '../data/energy/types.js';

const count = (min: number) => z.number().int(`must be an integer ≥ ${min}`).min(min, `must be an integer ≥ ${min}`);
const METERS = METER_KINDS as readonly MeterKind[] as [MeterKind, ...MeterKind[]];
// timers hold at most 2^31 ms (about 24.8 days); a longer one fires at once
const MAX_S = 86400;
const seconds = z.number().positive('must be > 0 seconds').max(MAX_S, `must be at most ${MAX_S} seconds (a day)`);

/** Profiling a table. */
export const profileTableSchema = z
  .object({
    data: runFields.data.optional(),
    queries: z.array(z.string()).max(1, 'a table takes one queries side file').default([]),
    models: runFields.models.optional(),
    format: z.string().optional(),
    bounds: z.string().optional(),
    offline: z.boolean().optional(),
    lambda: runFields.lambda.default(0.5),
    cost: runFields.cost.default('energy'),
    estimateEnergy: z.boolean().default(false),
    estimateBatch: z.number().min(1, 'must be ≥ 1').max(65536, 'must be at most 65536').default(1),
    estimateGpu: z.enum(GPUS).default('A100'),
    energyModel: z.string().optional(),
    out: z.string().optional(),
    force: z.boolean().optional(),
  })
  .strict();

/**
 * A library request to `profileTable` (app/profile.ts): the table settings with one queries file; cells are
 * estimated when estimateEnergy is true or a batch size is given.
 */
export const profileRequestSchema = profileTableSchema
  .omit({ queries: true, estimateEnergy: true, estimateBatch: true, estimateGpu: true })
  .extend({
    queries: z.string().optional(),
    estimateEnergy: z.boolean().optional(),
    estimateBatch: profileTableSchema.shape.estimateBatch.unwrap().optional(),
    estimateGpu: profileTableSchema.shape.estimateGpu.unwrap().optional(),
    warn: z.custom<(msg: string) => void>((v) => typeof v === 'function', 'must be a function').optional(),
  })
  .strict();

/** Live profiling against a server (the flags that only it reads). */
export const profileLiveSchema = z
  .object({
    endpoint: z.string().min(1),
    model: z.string().min(1),
    modelId: z.string().min(1).optional(),
    paramsB: z.number().positive('must be > 0').optional(),
    api: z.enum(['completions', 'chat']).default('completions'),
    apiKey: z.string().optional(),
    queries: z.array(z.string()).min(1),
    out: z.string().regex(/\.csv$/i, 'live profiling writes a long-format .csv table'),
    lambda: runFields.lambda.default(0.5),
    cost: runFields.cost.default('energy'),
    estimateEnergy: z.boolean().default(false),
    estimateBatch: z.number().min(1, 'must be ≥ 1').max(65536, 'must be at most 65536').default(1),
    estimateGpu: z.enum(GPUS).default('A100'),
    concurrency: count(1).default(1),
    timeout: seconds.default(120),
    connectTimeout: seconds.default(10),
    retries: count(0).default(3),
    backoff: z.number().min(0, 'must be ≥ 0 seconds').default(1),
    temperature: z.number().min(0, 'must be ≥ 0').default(0),
    seed: count(0).optional(),
    maxTokens: count(1).optional(),
    limit: count(1).optional(),
    tasks: z.array(z.string()).optional(),
    scoring: z.enum(['greenserv', 'reference']).default('greenserv'),
    summaryMetric: z.enum(SUMMARY_METRICS as readonly SummaryMetric[] as [SummaryMetric, ...SummaryMetric[]]).default('rouge1'),
    energy: z.enum(METERS).default('nvml'),
    energyFallback: z.enum(METERS).optional(),
    gpus: z.array(count(0)).optional(),
    nvidiaSmi: z.string().default('nvidia-smi'),
    powercapDir: z.string().optional(),
    sampleHz: z.number().min(10, 'must be ≥ 10 (power sampling below 10 Hz misses short requests)').default(10),
    idleBaseline: z.number().min(0, 'must be ≥ 0 seconds').max(MAX_S, `must be at most ${MAX_S} seconds (a day)`).default(0),
    maxFailures: count(0).default(10),
  })
  .strict();

/**
 * Live profiling: send prompt files to an OpenAI-compatible server, measure energy while it answers, and
 * append rows to a long-format table (resumable), then profile the table.
 */
import { DataError, UsageError, warnSetting } from '../core/errors.js';
import { loadTable } from '../data/load.js';
import { buildProfile, type FrontCost, type Profile } from '../metrics/profile.js';
import { measureIdlePower, startMeter, type MeterChoice } from '../profiling/energy.js';
import { redactUrl } from '../profiling/http.js';
import { estimatedQueries, runLiveProfile, sideFiles, type LiveResult, type SideFiles } from '../profiling/live.js';
import { EndpointError, OpenAIClient, type ApiKind } from '../profiling/openai.js';
import type { ProfilingQuery } from '../profiling/queries.js';
import type { ScoringMode, SummaryMetric } from '../profiling/scoring.js';
import type { EnergySetting } from '../profiling/estimate.js';

interface LiveProfileRequest {
  endpoint: string;
  /** Model name sent to the server, and the id written to the table. */
  model: string;
  modelId: string;
  paramsB?: number;
  api: ApiKind;
  apiKey?: string;
  queries: ProfilingQuery[];
  /** The long-format .csv table rows are appended to. */
  out: string;
  concurrency: number;
  timeoutS: number;
  connectTimeoutS: number;
  retries: number;
  backoffS: number;
  temperature: number;
  seed?: number;
  scoring: ScoringMode;
  summaryMetric: SummaryMetric;
  meter: MeterChoice;
  fallback: MeterChoice | null;
  sampleHz: number;
  idleS: number;
  maxFailures: number;
  estimateEnergy: boolean;
  /** GPU and batch of the energy estimate (docs/energy-model.md). */
  estimate: EnergySetting;
  lambda: number;
  cost: FrontCost;
}

interface LiveProfileHooks {
  warn: (m: string) => void;
  /** Said once the idle power is measured. */
  idle?: (watts: number, seconds: number, meter: string) => void;
  /** Per-request problems while running. */
  log?: (m: string) => void;
  start?: (total: number) => void;
  progress?: (done: number, total: number) => void;
  /** Aborting stops sending and keeps the rows already received. */
  signal?: AbortSignal;
}

interface LiveProfileResult {
  res: LiveResult;
  meter: string;
  side: SideFiles;
  /** The table's profile; null when the run stopped (fatal error or interrupted) or the table has no row. */
  profile: Profile | null;
}

/** Run the live profile; a meter that cannot start throws MeterUnavailableError before any request. */
export async function profileLive(r: LiveProfileRequest, h: LiveProfileHooks): Promise<LiveProfileResult> {
  let client: OpenAIClient;
  try {
    client = new OpenAIClient({
      baseUrl: r.endpoint,
      model: r.model,
      api: r.api,
      apiKey: r.apiKey,
      timeoutMs: r.timeoutS * 1000,
      connectTimeoutMs: r.connectTimeoutS * 1000,
      retries: r.retries,
      backoffMs: r.backoffS * 1000,
      temperature: r.temperature,
      extra: r.seed !== undefined ? { seed: r.seed } : undefined,
    });
  } catch (e) {
    if (e instanceof EndpointError) throw new UsageError(e.message);
    throw e;
  }
  const meter = await startMeter(r.meter, r.fallback, h.warn);
  const side = sideFiles(r.out);
  let res: LiveResult;
  try {
    let idleW = 0;
    // also after a fallback to no meter: the baseline the user asked for is not silently dropped
    if (r.idleS > 0 && meter.kind === 'none') warnSetting(h.warn, (n) => `${n('idleBaseline')}: no energy meter in use, so there is no idle power to measure; ignored`);
    if (r.idleS > 0 && meter.kind !== 'none') {
      idleW = await measureIdlePower(meter, r.idleS, h.signal);
      if (!h.signal?.aborted) h.idle?.(idleW, r.idleS, meter.describe());
    }
    h.start?.(r.queries.length);
    res = await runLiveProfile({
      queries: r.queries,
      modelId: r.modelId,
      modelName: r.model,
      paramsB: r.paramsB,
      client,
      meter,
      out: r.out,
      concurrency: r.concurrency,
      sampleHz: r.sampleHz,
      idleW,
      scoring: { mode: r.scoring, summaryMetric: r.summaryMetric },
      estimateEnergy: r.estimateEnergy,
      estimate: r.estimate,
      maxFailures: r.maxFailures,
      signal: h.signal,
      log: h.log,
      progress: h.progress,
      runInfo: { endpoint: redactUrl(r.endpoint), model: r.model, api: r.api, temperature: r.temperature, scoring: r.scoring, summary_metric: r.summaryMetric, params_b: r.paramsB ?? null },
    }).catch((e: unknown) => {
      const err = e as NodeJS.ErrnoException;
      // a file that cannot be written is the user's to fix, not an internal error
      if (typeof err?.code === 'string' && typeof err.syscall === 'string') throw new DataError(`cannot write the table or its side files: ${err.message}`, r.out);
      throw e;
    });
  } finally {
    await meter.stop();
  }
  // nothing to profile when the run stopped, or when every query failed on an empty table
  if (res.fatal !== null || res.interrupted || res.tableRows === 0) return { res, meter: meter.describe(), side, profile: null };
  const table = await loadTable(r.out, { queries: side.queries, models: side.models, warn: () => {} });
  // estimated rows (this run's or earlier ones') are flagged as in table mode
  const est = await estimatedQueries(side.requests);
  let estimated: Uint8Array | null = null;
  const M = table.nModels;
  table.models.forEach((m, mi) => {
    const qs = est.get(m.id);
    if (!qs?.size) return;
    estimated ??= new Uint8Array(table.nQueries * M);
    table.queryIds.forEach((q, qi) => {
      if (qs.has(q)) estimated![qi * M + mi] = 1;
    });
  });
  return { res, meter: meter.describe(), side, profile: await buildProfile(table, { lambda: r.lambda, cost: r.cost, estimated }) };
}

/**
 * A series of splits (several train shares, or draws, docs/experiments.md): each split is run as its own
 * experiment into `<out>/split-<share>`, and `<out>/splits.csv` lists every split's protocol rows.
 */
import { join } from 'node:path';
import { AtomicDir } from '../core/atomic.js';
import type { Inputs } from '../core/outputGuard.js';
import { notice } from '../core/messages.js';
import type { ExperimentSummary } from '../metrics/experiment.js';
import type { Job, JobResult } from '../sim/experiment.js';
import type { SplitSpec } from '../sim/experimentConfig.js';
import { protocolCsv } from '../report/protocol.js';
import { runJobs } from '../sim/workers.js';
import { prepareExperiment } from './experimentPrepare.js';
import { writeExperimentResults } from './experimentResults.js';

/** What a series takes of the run's options (app/experiment.ts, ExperimentRunOptions). */
interface SeriesOptions {
  runs?: number;
  workers?: number;
  force?: boolean;
  charts?: boolean;
  progress?: (done: number, total: number, r: JobResult, label: string) => void;
  onPlan?: (perLabel: Map<string, number>, total: number, modelIds: string[], lambdas: number[], partial: string, name: string) => void | Promise<void>;
  warn?: (message: string) => void;
}

/** One split of a series and its results directory (inside the series' directory). */
export interface SplitSeriesMember {
  split: SplitSpec;
  dir: string;
  summary: ExperimentSummary;
}

/** Name of a series member's directory: `split-0.3`, with `-draw-<d>` when the shares have several draws. */
function memberDir(s: SplitSpec, draws: boolean): string {
  return `split-${s.fraction}${draws ? `-draw-${s.draw}` : ''}`;
}

/**
 * A series of splits (several train shares, or draws, docs/experiments.md): each split is run as its own
 * experiment into `<out>/split-<share>`, and `<out>/splits.csv` lists every split's protocol rows. The series
 * is written at once when the last split is done; it keeps no checkpoint.
 */
export async function runSplitSeries(file: string, text: string, series: SplitSpec[], out: string, o: SeriesOptions, inputs: Inputs): Promise<SplitSeriesMember[]> {
  const draws = series.some((s) => s.draw > 0);
  // Every share is checked before the first split runs, so a drift step or pool event that outruns a later
  // split's test stream is refused at once, before the output directory (or its parents) exists. A stratified
  // split's per-task sizes depend on the share alone, so one draw of each share is checked; the first split's
  // preparation is kept for its run.
  // the loaders' warnings once, not again for every split
  const first = await prepareExperiment(file, text, o.runs, series[0], { warn: o.warn });
  const shares = new Set(series.map((s) => s.fraction));
  shares.delete(series[0].fraction);
  for (const fraction of shares) await prepareExperiment(file, text, o.runs, { fraction, draw: 0 });
  const dir = new AtomicDir(out, o.force === true, inputs);
  const onSignal = (sig: NodeJS.Signals): void => {
    notice(`\ngreenserv: interrupted (${sig}): a series of splits keeps no checkpoint; nothing written\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const members: SplitSeriesMember[] = [];
  try {
    let planned = false;
    for (const s of series) {
      const p = s === series[0] ? first : await prepareExperiment(file, text, o.runs, s);
      const labelOf = (j: Job): string => `${p.ctx.label(j.armIndex)} @${s.fraction}${draws ? `#${s.draw}` : ''}`;
      if (!planned) {
        // one live row per arm and split, planned from the first split's jobs
        const perLabel = new Map<string, number>();
        for (const t of series) {
          for (const j of p.jobs) {
            const key = `${p.ctx.label(j.armIndex)} @${t.fraction}${draws ? `#${t.draw}` : ''}`;
            perLabel.set(key, (perLabel.get(key) ?? 0) + 1);
          }
        }
        await o.onPlan?.(perLabel, p.jobs.length * series.length, p.table.models.map((m) => m.id), p.cfg.lambdas, out, p.cfg.name);
        planned = true;
      }
      let done = members.length * p.jobs.length;
      const results = await runJobs(p.ctx, p.src, p.jobs, o.workers ?? 1, (r) => o.progress?.(++done, p.jobs.length * series.length, r, labelOf(r.job)));
      const sub = memberDir(s, draws);
      const summary = await writeExperimentResults(p, results, { out: dir.path(sub), charts: o.charts });
      members.push({ split: s, dir: join(out, sub), summary });
    }
    dir.write('splits.csv', splitsCsv(members, draws));
    dir.write('config.yaml', text);
    await dir.commitSettled();
  } catch (e) {
    dir.abort();
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return members;
}

/** splits.csv: each split's protocol.csv rows, led by its share, draw, directory and train/test sizes. */
function splitsCsv(members: SplitSeriesMember[], draws: boolean): string {
  const lines: string[] = [];
  for (const m of members) {
    const pr = m.summary.protocol!;
    const [head, ...rows] = protocolCsv(pr).trimEnd().split('\n');
    if (!lines.length) lines.push(`split,draw,dir,train_queries,test_queries,${head}`);
    for (const r of rows) lines.push(`${m.split.fraction},${m.split.draw},${memberDir(m.split, draws)},${pr.trainQueries},${pr.testQueries},${r}`);
  }
  return lines.join('\n') + '\n';
}

/** `greenserv experiment run|list|schema`: YAML-defined experiments (X0–X8 ship in experiments/). */
import { gapByLambdaTable, protocolTable } from '../report/protocol.js';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { keepWhole, UsageError } from '../core/errors.js';
import type { ExperimentSummary } from '../metrics/experiment.js';
import { toJson } from '../metrics/summary.js';
import { writeFileAtomic } from '../core/atomic.js';
import { fmt, fmtSmall, plural, poolEventLines, renderTableFit, scenarioTables, wrapAt } from '../report/terminalTable.js';
import type { JobResult } from '../sim/experiment.js';
import { experimentJsonSchema, parseExperiment } from '../sim/experimentConfig.js';
import { MAX_RUNS } from '../sim/limits.js';
import { parseInteger } from './parse.js';
import { InkProgress, LiveStore, startProgress, type Progress } from './ui/live.js';
import { applyInputLimits, maxDecompressedOption, maxLineBytesOption } from '../data/limits.js';
import { experimentsDir, listExperiments, resolveExperimentFile, runExperimentOrShard } from '../app/experiment.js';
import { parseShard } from '../sim/shard.js';
import { stdoutWidth } from './width.js';
import { notice, print, warn } from './say.js';
import { shellWord, shownName } from '../core/escape.js';

/** The results table; `width` (a terminal's) drops the CI column, then reward, to fit. */
export function experimentTable(s: ExperimentSummary, width = Infinity): string {
  const multi = s.lambdas.length > 1;
  const headers = [...(multi ? ['λ'] : []), 'policy', 'final regret', '95% CI', 'accuracy', 'energy Wh', 'reward'];
  const rows = s.cells.map((c) => [
    ...(multi ? [String(c.lambda)] : []),
    c.label,
    `${fmt(c.finalRegret.mean, 1)} ± ${fmt(c.finalRegret.sd, 1)}`,
    `[${fmt(c.finalRegret.ci95[0], 1)}, ${fmt(c.finalRegret.ci95[1], 1)}]`,
    fmt(c.accuracy.mean, 4),
    fmtSmall(c.energyWh.mean, 1),
    fmt(c.reward.mean, 4),
  ]);
  let out = wrapAt(`${s.title ?? s.name} — ${s.dataset.name}, ${plural(s.runs, 'run')}, seed ${s.seed}, ${s.semantics} semantics`, ' ', width) + '\n\n';
  out += renderTableFit(headers, rows, headers.map((h) => h !== 'policy'), width, [headers.indexOf('95% CI'), headers.indexOf('reward')]) + '\n';
  out += scenarioTables(s.scenario, width, s.dataset.queries, s.events?.length ?? 0);
  if (!s.scenario?.events && s.events?.length) out += '\n' + poolEventLines(s.events, width);
  if (s.comparison?.rows.length) {
    const rows = s.comparison.rows;
    out += '\n' + wrapAt(`Published figures (${s.comparison.source}):`, ' ', width) + '\n\n';
    if (rows.length <= 40) {
      out += renderTableFit(
        ['policy', 'λ', 'metric', 'ours', 'published', 'gap'],
        rows.map((r) => [r.label, String(r.lambda), r.metric, fmt(r.ours, 4), fmt(r.published, 4), `${r.gapPct >= 0 ? '+' : ''}${fmt(r.gapPct, 1)}%`]),
        [false, true, false, true, true, true],
        width,
        [],
      ) + '\n';
    } else {
      // long sweeps: per metric, the median and largest absolute gap; every row is in comparison.csv
      const metrics = [...new Set(rows.map((r) => r.metric))];
      out += renderTableFit(
        ['metric', 'comparisons', 'median |gap|', 'max |gap|'],
        metrics.map((m) => {
          const g = rows.filter((r) => r.metric === m && Number.isFinite(r.gapPct)).map((r) => Math.abs(r.gapPct)).sort((a, b) => a - b);
          // an even count has two middle values: their mean (the lower one alone understated it)
          const h = g.length >> 1;
          const median = g.length % 2 ? g[h] : (g[h - 1] + g[h]) / 2;
          return [m, String(g.length), `${fmt(median, 1)}%`, `${fmt(g[g.length - 1], 1)}%`];
        }),
        [false, true, true, true],
        width,
        [],
      ) + `\n(every comparison: comparison.csv and report.html)\n`;
    }
  }
  return out;
}

/** `experiment list`: name and title; a title wider than `width` continues under itself, broken between words. */
export function experimentList(width = Infinity): string {
  let out = '';
  for (const n of listExperiments()) {
    const cfg = parseExperiment(readFileSync(join(experimentsDir(), `${n}.yaml`), 'utf8'), `${n}.yaml`);
    const title = wrapAt(cfg.title ?? '', ' ', Math.max(20, width - 27)).split('\n');
    out += `${n.padEnd(26)} ${title.join(`\n${' '.repeat(27)}`)}\n`;
  }
  return out;
}

export function registerExperimentCommand(program: Command): void {
  const exp = program.command('experiment').description('run the shipped experiments (X0–X4 from the paper, X5–X8 beyond it) or your own YAML experiments');
  exp
    .command('run [experiment]')
    .description('run an experiment by name (see `experiment list`) or YAML file; writes summary, statistics, charts and report.html')
    .option('--resume <dir>', 'finish an interrupted run (or shard) from its checkpoint directory (<out>.partial)')
    .option('--shard <i/n>', 'run only shard i of n (from 0; cells balanced by expected cost) and write a shard directory for `greenserv merge` (default --out results/<name>.shards/shard-<i>-of-<n>)')
    .option('--runs <n>', `override the number of runs (at most ${MAX_RUNS})`)
    .option('--out <dir>', 'results directory (default results/<name>)')
    .option('--force', 'replace an existing --out directory of earlier results (docs/outputs.md, "Replacing results")')
    .option('--workers <n>', 'worker threads (results are identical for any count)', String(availableParallelism()))
    .option('--no-charts', 'skip charts and report.html')
    .option('--json', 'print summary.json to stdout (with --shard, or for a series of splits: an object with schemaVersion and kind)')
    .option('--no-progress', 'no progress output')
    .option('--no-ui', 'plain progress lines instead of the live dashboard')
    .addOption(maxDecompressedOption()).addOption(maxLineBytesOption()).hook('preAction', applyInputLimits)
    .action(async (nameArg: string | undefined, o: { resume?: string; shard?: string; runs?: string; out?: string; force?: boolean; workers: string; charts: boolean; json?: boolean; progress: boolean; ui: boolean }) => {
      if (!nameArg && !o.resume) throw keepWhole(new UsageError(`name an experiment (${listExperiments().join(', ')}) or a YAML file, or --resume <dir>`), '--resume <dir>');
      if (o.resume && o.shard) throw new UsageError('--shard: a resumed run keeps the shard its checkpoint records; drop --shard');
      const file = o.resume ? null : resolveExperimentFile(nameArg!);
      const shard = o.shard !== undefined ? parseShard(o.shard) : undefined;
      const runs = o.runs !== undefined ? parseInteger('--runs', o.runs, 1, MAX_RUNS) : undefined;
      const workers = parseInteger('--workers', o.workers, 1);
      let live: Progress | null = null;
      let store: LiveStore | null = null;
      let ids: string[] = [];
      let sweep: number[] | null = null;
      // which part of the run a Ctrl-C interrupts, and where the finished replays are kept
      let stage: 'loading' | 'replays' | 'writing' = 'loading';
      let partial = '';
      const onPlan = async (perLabel: Map<string, number>, total: number, modelIds: string[], lambdas: number[], partialDir: string, name: string): Promise<void> => {
        // from here a Ctrl-C is the run's to report (its checkpoint exists), also while the dashboard loads
        stage = 'replays';
        // a sweep shows each policy's regret at the λ it is running, not pooled over λ
        sweep = lambdas.length > 1 ? lambdas : null;
        // the experiment's name, not the path of its file (or 'resume'): the header keeps room for the counts
        store = new LiveStore(`experiment ${name}`, total, perLabel, sweep ? 'λ' : null);
        ids = modelIds;
        partial = partialDir;
        live = await startProgress(store, { ui: o.ui, progress: o.progress, linesWithoutTty: true });
      };
      // a resumed run reports the replays its checkpoint kept first, with done 0
      const progress = (done: number, _total: number, r: JobResult, label: string): void => {
        store?.record(label, r.metrics.finalRegret, r.metrics.selection, ids, sweep ? String(sweep[r.job.lambdaIndex]) : undefined, done === 0);
        live?.update();
      };
      // Ctrl-C clears the live display first; during the replays runExperiment's own handler then keeps the
      // checkpoint and exits, before and after them this one says what is kept
      const clear = (sig: NodeJS.Signals): void => {
        const dashboard = (live as Progress | null) instanceof InkProgress;
        (live as Progress | null)?.stop(false);
        if (stage === 'replays') {
          // that message starts with a newline (for plain lines, after the echoed ^C); the cleared dashboard left
          // the cursor at the start of its own first row: step up so that the newline lands there, not below it
          if (dashboard) process.stderr.write('\x1b[1A');
          return;
        }
        const resume = `greenserv experiment run --resume ${shellWord(partial)}`;
        // without a dashboard to clear, the terminal echoed ^C where the cursor was: start a line of its own
        notice(
          (process.stderr.isTTY && !dashboard ? '\n' : '') +
          (stage === 'loading'
            ? `greenserv: interrupted (${sig}) before any replay; nothing written\n`
            : `greenserv: interrupted (${sig}) while writing results; every replay is kept in ${partial}; finish with: ${resume}\n`),
          [partial, resume],
        );
        process.exit(sig === 'SIGINT' ? 130 : 143);
      };
      process.prependListener('SIGINT', clear);
      process.prependListener('SIGTERM', clear);
      let result;
      try {
        const onPhase = async (text: string): Promise<void> => {
          stage = 'writing';
          await (live as Progress | null)?.phase(text);
        };
        result = await runExperimentOrShard(file, { resume: o.resume, shard, runs, out: o.out, workers, force: o.force, charts: o.charts, progress, onPlan, onPhase, warn });
        (live as Progress | null)?.stop();
      } finally {
        (live as Progress | null)?.stop(false);
        process.off('SIGINT', clear);
        process.off('SIGTERM', clear);
      }
      if (result.kind === 'shard') {
        const { shard: s, replays, total, out } = result;
        if (o.json) print(toJson({ schemaVersion: 1, kind: 'shard', shard: s, replays, total, out }));
        else print(`shard ${s.index}/${s.count}: ${plural(replays, 'replay')} of ${total}; shard directory: ${shownName(out)}\n(when every shard is done: greenserv merge <the shard directories> --out <dir>)\n`);
        return;
      }
      if (result.kind === 'splits') {
        const { members, out } = result;
        if (o.json) print(toJson({ schemaVersion: 1, kind: 'splits', out, splits: members.map((m) => ({ split: m.split, dir: m.dir, summary: m.summary })) }));
        else {
          const width = stdoutWidth();
          // each split's protocol table, and its scenario tables (budget, events, feedback on its test stream)
          for (const m of members) {
            print(`\nsplit ${m.split.fraction}, draw ${m.split.draw} (${m.dir}), λ = ${m.summary.protocol!.lambda}:\n${protocolTable(m.summary.protocol!, width)}`);
            print(scenarioTables(m.summary.scenario, width, m.summary.dataset.queries, m.summary.events?.length ?? 0));
          }
          print(`\nresults: ${shownName(out)} (one directory per split; splits.csv lists them all)\n`);
        }
        return;
      }
      const { summary, out } = result;
      if (o.json) print(toJson(summary));
      else {
        const width = stdoutWidth();
        const pr = summary.protocol;
        const protocol = pr ? `\ntrain/test protocol at λ = ${pr.lambda}:\n${protocolTable(pr, width, pr.byLambda.length)}${pr.byLambda.length > 1 ? `\n${gapByLambdaTable(pr.byLambda, pr.baseline, width)}` : ''}` : '';
        print(experimentTable(summary, width) + protocol + `\nresults: ${shownName(out)}\n`);
      }
    });
  exp
    .command('list')
    .description('list the shipped experiments')
    .action(() => {
      print(experimentList(stdoutWidth()));
    });
  exp
    .command('schema')
    .description('write the JSON Schema of the experiment format (for editors)')
    .option('--out <file>', 'output file, relative to the current directory', 'experiments/schema.json')
    .action((o: { out: string }) => {
      writeFileAtomic(o.out, JSON.stringify(experimentJsonSchema(), null, 2) + '\n');
      // the default is relative to the current directory: say where it went
      print(`wrote ${o.out}\n`);
    });
}

/**
 * `greenserv regress`: re-run the configuration recorded in a baseline file and compare its metrics with
 * per-metric tolerances. Exit 0 pass, 1 regression (or dataset changed), 2 cannot run. Parses the options
 * and prints; the comparison is in app/regress.ts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DataError, UsageError } from '../core/errors.js';
import { inputSameAs } from '../core/outputGuard.js';
import { parseTolerance } from '../metrics/regress.js';
import { toJson } from '../metrics/summary.js';
import { addressScheme, writeFileAtomic } from '../core/atomic.js';
import { renderTableFit, wrapAt } from '../report/terminalTable.js';
import { regressOne, verdict, type RegressResult } from '../app/regress.js';
import { collect } from './parse.js';
import { version } from '../app/version.js';
import { stdoutWidth } from './width.js';
import { print, warn } from './say.js';

function baselineFiles(paths: string[]): string[] {
  // a required option with a default ([] for the repeatable list) is never reported missing by the parser
  if (paths.length === 0) throw new UsageError("required option '--baseline <file-or-dir>' not specified: give a baseline JSON file or a directory of them, e.g. --baseline results/baselines");
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new DataError('file not found', p);
    if (statSync(p).isDirectory()) {
      const inDir = readdirSync(p).filter((f) => f.endsWith('.json')).sort().map((f) => join(p, f));
      if (inDir.length === 0) throw new UsageError(`--baseline ${p}: the directory holds no baseline files (*.json)`);
      out.push(...inDir);
    } else out.push(p);
  }
  return out;
}

function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : x.toFixed(4);
}

/** One baseline's verdict and metrics; `width` (a terminal's) drops the tolerance, then the delta, to fit. */
export function regressTable(r: RegressResult, width = Infinity): string {
  // wider than the terminal, it breaks between words (a path stays whole)
  const head = wrapAt(`${r.name} (${r.baseline}): ${r.status.toUpperCase()}${r.reason ? ` — ${r.reason}` : ''}`, ' ', width);
  if (!r.diffs.length) return head + '\n';
  const rows = r.diffs.map((d) => [d.metric, fmt(d.baseline), fmt(d.now), d.delta === null ? '–' : `${d.delta >= 0 ? '+' : ''}${fmt(d.delta)}`, d.allowed === null ? '–' : `±${fmt(d.allowed)}`, d.verdict]);
  return head + '\n' + renderTableFit(['metric', 'baseline', 'now', 'delta', 'tolerance', 'verdict'], rows, [false, true, true, true, true, false], width, [4, 3]) + '\n';
}

export function registerRegressCommand(program: Command): void {
  program
    .command('regress')
    .description('re-run baseline configurations and fail on regressions (exit 0 pass, 1 regression, 2 cannot run)')
    .requiredOption('--baseline <file-or-dir>', 'baseline JSON file or a directory of them (repeatable)', collect, [])
    .option('--tolerance <spec>', 'per-metric tolerances, e.g. finalRegret=rel:0.01,accuracy=abs:0.005')
    .option('--param <policy.name=value>', 'apply a hyperparameter change before comparing (what-if)', collect, [])
    .option('--update', 'rewrite the baselines whose metrics or dataset changed beyond tolerance (after an intended change); passing ones are left as they are')
    .option('--strict', 'a skipped baseline (its required data absent) fails the run')
    .option('--out <file>', 'where to write regress.json', 'results/regress.json')
    .option('--json', 'print regress.json to stdout')
    .action(async (o: { baseline: string[]; tolerance?: string; param: string[]; update?: boolean; strict?: boolean; out: string; json?: boolean }) => {
      const tolerance = parseTolerance(o.tolerance);
      const files = baselineFiles(o.baseline);
      // before the runs: regress.json over a baseline would destroy it
      const scheme = addressScheme(o.out);
      if (scheme) throw new UsageError(`--out ${o.out}: regress.json is written to a local file, not to an address (${scheme}://…); name a local path`);
      const clash = inputSameAs(o.out, files);
      if (clash !== null) throw new UsageError(`--out ${o.out}: it is the baseline file ${clash}; refusing to overwrite it; name another file`);
      const results: RegressResult[] = [];
      for (const f of files) {
        const r = await regressOne(f, { tolerance, update: o.update, params: o.param, warn });
        results.push(r);
        if (!o.json) print(regressTable(r, stdoutWidth()) + '\n');
      }
      const v = verdict(results, o.strict === true);
      const report = { schemaVersion: 1, greenserv: version(), node: process.version, status: v.failed ? 'fail' : 'pass', strict: o.strict === true, results };
      writeFileAtomic(o.out, toJson(report));
      if (o.json) print(toJson(report));
      else print(v.line + '\n');
      process.exitCode = v.failed ? 1 : 0;
    });
}

/**
 * `greenserv ope`: off-policy evaluation of routing policies from a routing log (docs/ope.md). Parses the
 * options and prints; the use case is app/ope.ts.
 */
import type { Command } from 'commander';
import { ope, writeOpeResults } from '../app/ope.js';
import { inputFiles } from '../app/inputs.js';
import { AtomicDir } from '../core/atomic.js';
import { defaultResultsDir } from '../core/outputGuard.js';
import { applyInputLimits, maxDecompressedOption, maxLineBytesOption } from '../data/limits.js';
import { parseEstimators } from '../metrics/ope/evaluate.js';
import { opeSummaryJson } from '../metrics/ope/summary.js';
import { opeNotes, opeTable } from '../report/ope.js';
import { wrapItems } from '../report/terminalTable.js';
import { collect, parseInteger, parseLambda, parseList } from './parse.js';
import { scenarioErrorsAsFlags } from './runFlags.js';
import { stopOnSignal } from './interrupt.js';
import { stdoutWidth } from './width.js';
import { print, warn } from './say.js';
import { shownName } from '../core/escape.js';

interface OpeFlags {
  logs: string;
  policies: string;
  param: string[];
  policyModule: string[];
  estimators?: string;
  lambda?: string;
  seed: string;
  bootstrap: string;
  table?: string;
  offline?: boolean;
  out?: string;
  force?: boolean;
  json?: boolean;
}

export function registerOpeCommand(program: Command): void {
  program
    .command('ope')
    .description('off-policy evaluation: estimate from a routing log what other routing policies would have achieved (docs/ope.md)')
    .requiredOption('--logs <file>', 'routing log: CSV, TSV, JSON Lines, Parquet or Arrow (datasets/README.md, "Routing logs")')
    .requiredOption('--policies <list>', 'target policies, comma-separated (as in simulate; learning policies are evaluated by replay)')
    .option('--param <policy.name=value>', 'hyperparameter of a target policy, repeatable', collect, [])
    .option('--policy-module <file>', 'load routing policies from an ES module (repeatable; examples/policies/softmax.mjs)', collect, [])
    .option('--estimators <list>', 'some of dm, ips, snips, dr, switch-dr, dros (default: all)')
    .option('--lambda <λ>', "accuracy–energy trade-off of the reward (default: the log's reward column as logged, else 0.5)")
    .option('--table <source>', 'the full table the log was drawn from: exact rewards and each policy’s true value')
    .option('--offline', 'hf:// table sources: use the download cache only')
    .option('--seed <n>', 'seed of the bootstrap and of the target policies’ own randomness', '40')
    .option('--bootstrap <n>', 'bootstrap resamples for the 95% intervals', '1000')
    .option('--out <dir>', 'results directory (written atomically; default results/<timestamp>-ope)')
    .option('--force', 'replace an existing results directory of earlier results (docs/outputs.md, "Replacing results")')
    .option('--json', 'print summary.json to stdout instead of the table')
    .addOption(maxDecompressedOption()).addOption(maxLineBytesOption()).hook('preAction', applyInputLimits)
    .action(async (o: OpeFlags) => {
      // an unusable --out fails before the evaluation (checked again when committing)
      const inputs = inputFiles(o.logs, o.table, o.policyModule);
      if (o.out !== undefined) AtomicDir.checkTarget(o.out, o.force === true, inputs);
      // with a policy module the evaluation runs on a worker thread and this thread hears a signal at once:
      // say that nothing was written, as simulate does. Without one it runs here, where a handler would only
      // run after the evaluation; the signal's default (stop at once, nothing written) answers sooner.
      const guard = o.policyModule.length > 0 ? stopOnSignal : <T>(work: () => Promise<T>): Promise<T> => work();
      const summary = await guard(() => scenarioErrorsAsFlags(() => ope({
        logs: o.logs,
        policies: parseList(o.policies),
        params: o.param,
        policyModules: o.policyModule,
        // checked here to name the flag; ope() names its field
        estimators: o.estimators === undefined ? undefined : (parseEstimators(o.estimators, '--estimators'), o.estimators),
        lambda: o.lambda === undefined ? undefined : parseLambda('--lambda', o.lambda),
        seed: parseInteger('--seed', o.seed, 0, 0xffffffff),
        bootstrap: parseInteger('--bootstrap', o.bootstrap, 1, 100_000),
        table: o.table,
        offline: o.offline,
        warn,
      })));
      const outDir = o.out ?? defaultResultsDir('ope');
      await writeOpeResults(outDir, summary, { force: o.force, inputs });
      if (o.json) print(opeSummaryJson(summary));
      else {
        const lam = Number.isFinite(summary.lambda) ? `λ = ${summary.lambda}` : 'reward as logged';
        const width = stdoutWidth();
        const head = `${summary.logs.file}: ${summary.logs.decisions} decisions × ${summary.logs.models.length} models · propensities ${summary.logs.propensity} · ${lam} · ${summary.bootstrap} bootstrap resamples, seed ${summary.seed}`;
        print(`${wrapItems(head, width)}\n\n`);
        print(opeTable(summary, width) + '\n\n' + opeNotes(summary, width) + '\n\n');
        print(`results: ${shownName(outDir)}\n`);
      }
    });
}

/** The greenserv command-line program. */
import { Command, CommanderError, Help, type Option } from 'commander';
import { PluginError, UsageError, wholePieces } from '../core/errors.js';
import { EXIT_BAD_INPUT, isUserError, userErrorText, userErrorWhole } from './errors.js';
import { version } from '../app/version.js';
import { HELP_LAYOUT } from './helpLayout.js';
import { keepTypedWhole, say, terminalSafe } from './say.js';

type Register = (program: Command) => void;

/**
 * Subcommands, loaded on demand: a run of `greenserv simulate` does not pay for the modules of the others
 * (Arrow/Parquet writers, schema validation, chart rendering).
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  simulate: async () => (await import('./simulate.js')).registerSimulateCommand,
  experiment: async () => (await import('./experiment.js')).registerExperimentCommand,
  report: async () => (await import('./report.js')).registerReportCommand,
  regress: async () => (await import('./regress.js')).registerRegressCommand,
  datasets: async () => (await import('./datasets.js')).registerDatasetsCommand,
  features: async () => (await import('./features.js')).registerFeaturesCommand,
  evaluate: async () => (await import('./evaluate.js')).registerEvaluateCommand,
  'profile-models': async () => (await import('./profileModels.js')).registerProfileModelsCommand,
  energy: async () => (await import('./energy.js')).registerEnergyCommand,
  ope: async () => (await import('./ope.js')).registerOpeCommand,
  merge: async () => (await import('./merge.js')).registerMergeCommand,
};

/**
 * What the top-level help lists for each subcommand (its usage term and description), so that `--help`,
 * `--version` and unknown-command errors load no subcommand module. test/cli/startup.e2e.test.ts checks these
 * against the real registrations.
 */
export const COMMAND_SUMMARIES: Record<string, [term: string, description: string]> = {
  simulate: ['simulate [options]', 'replay a query stream through routing policies (partial feedback) and report regret, accuracy and energy'],
  experiment: ['experiment', 'run the shipped experiments (X0–X4 from the paper, X5–X8 beyond it) or your own YAML experiments'],
  report: ['report <dir>', 'rebuild charts/ and report.html of a simulate, experiment or ope results directory'],
  regress: ['regress [options]', 're-run baseline configurations and fail on regressions (exit 0 pass, 1 regression, 2 cannot run)'],
  datasets: ['datasets', 'inspect, validate and convert datasets'],
  features: ['features [options] <queries>', 'compute query features (task, semantic cluster, Flesch complexity) from query text'],
  evaluate: [
    'evaluate [options]',
    'score routing policies on RouterBench: λ sweep, AIQ, peak/average accuracy, zero router and oracle (GreenServ Table 1)',
  ],
  'profile-models': [
    'profile-models [options]',
    'per-model accuracy/energy profiles, Pareto front and static baselines of a table; with --endpoint, measure a served model into a table',
  ],
  energy: ['energy', 'modelled energy for routing tables without measurements (docs/energy-model.md)'],
  ope: ['ope [options]', 'off-policy evaluation: estimate from a routing log what other routing policies would have achieved (docs/ope.md)'],
  merge: ['merge [options] <dirs...>', 'merge the shard directories of `experiment run --shard i/n` or `evaluate --shard i/n` into the results an unsharded run writes (byte-identical)'],
};

/**
 * Help settings every command inherits: a repeatable option (`--param`, `--policy-module`, …) starts from an
 * empty list, which commander would show as `(default: [])`; the layout fits the terminal (helpLayout.ts).
 */
const HELP: Partial<Help> = {
  ...HELP_LAYOUT,
  optionDescription(this: Help, o: Option): string {
    if (!Array.isArray(o.defaultValue) || o.defaultValue.length > 0) return Help.prototype.optionDescription.call(this, o);
    const shown = Object.create(o) as Option;
    shown.defaultValue = undefined;
    return Help.prototype.optionDescription.call(this, shown);
  },
};

/** The subcommand a command line runs (also through `help <command>`), or null. */
function subcommandOf(argv: string[]): string | null {
  const sub = argv[2] === 'help' ? argv[3] : argv[2];
  return sub !== undefined && Object.hasOwn(COMMANDS, sub) ? sub : null;
}

/** `full`: register every subcommand for real (tests compare it with the summaries). */
export async function buildProgram(argv: string[] = [], full = false): Promise<Command> {
  const program = new Command();
  program
    .name('greenserv')
    .description('Offline benchmarking and simulation of energy-aware LLM query routing')
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // one prefix for every error, whether commander or greenserv reports it
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(terminalSafe(s.replace(/^error: /, 'greenserv: error: '))) });
  // subcommands inherit the settings above, so every parse error reaches main() and exits 2
  program.configureHelp(HELP);
  program.hook('preAction', (_, action) => checkEmptyPaths(action));
  const sub = subcommandOf(argv);
  if (full || sub !== null) {
    for (const n of full ? Object.keys(COMMANDS) : [sub!]) (await COMMANDS[n]())(program);
    return program;
  }
  for (const name of Object.keys(COMMANDS)) {
    // a command without a summary is registered for real (slower, but listed)
    if (name in COMMAND_SUMMARIES) program.command(name).description(COMMAND_SUMMARIES[name][1]);
    else (await COMMANDS[name]())(program);
  }
  const terms = new Map(Object.entries(COMMAND_SUMMARIES).map(([n, [t]]) => [n, t]));
  program.configureHelp({
    ...HELP,
    subcommandTerm(this: Help, c: Command): string {
      return terms.get(c.name()) ?? Help.prototype.subcommandTerm.call(this, c);
    },
  });
  return program;
}

/**
 * An option that needs a value takes the next word even when it is another option: `simulate --data --json`
 * would read a file named '--json', and `--lambda --runs 2` leaves '2' over ("too many arguments"). Before
 * parsing, a value that is one of the command's own options is refused as a missing value, naming both.
 * (`--out=--json` still passes a value that starts with dashes.)
 */
function checkOptionValues(program: Command, argv: string[]): void {
  let cmd = program;
  let i = 2;
  for (; i < argv.length; i++) {
    const next = cmd.commands.find((c) => c.name() === argv[i] || c.aliases().includes(argv[i]));
    if (next === undefined) break;
    cmd = next;
  }
  const longs = new Set(['--help', '-h', ...cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined))]);
  for (; i < argv.length - 1; i++) {
    if (argv[i] === '--') return;
    const opt = cmd.options.find((o) => o.long === argv[i] || o.short === argv[i]);
    if (opt === undefined || !opt.required) continue;
    if (longs.has(argv[i + 1])) {
      throw new UsageError(`option '${opt.flags}' argument missing: '${argv[i + 1]}' after it is an option, not its value (run with --help for usage)`);
    }
    i++; // its value
  }
}

const PATH_ARG = /^[<[](file|dir|source|csv|path|file-or-dir)(\.\.\.)?[>\]]$/;

/**
 * An empty path (`--task-model=`, `--out ''`) named no file in the error it led to ("file not found"), or was
 * taken for an absent option: refused here, naming the option.
 */
function checkEmptyPaths(action: Command): void {
  // a parent's option may hold the value (`features train-task … --out=` sets the `features` --out)
  for (let cmd: Command | null = action; cmd !== null; cmd = cmd.parent) {
    for (const o of cmd.options) {
      if (!PATH_ARG.test(o.flags.split(/[ ,]+/).pop() ?? '')) continue;
      const v: unknown = cmd.getOptionValue(o.attributeName());
      if (v === '' || (Array.isArray(v) && v.includes(''))) throw new UsageError(`${o.long}: the path is empty`);
    }
  }
}

function ignoreClosedPipe(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
}

/** Run the program; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // `greenserv … | head` closes the pipe early: the rest of the output is dropped, the work finishes as usual
  if (!process.stdout.listeners('error').includes(ignoreClosedPipe)) process.stdout.on('error', ignoreClosedPipe);
  keepTypedWhole(argv.slice(2));
  try {
    const program = await buildProgram(argv);
    checkOptionValues(program, argv);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      // `greenserv help` asked for it; `greenserv` (or `greenserv experiment`) without a command is a usage
      // mistake: the help went to stderr, and the exit code says so
      if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
      return EXIT_BAD_INPUT;
    }
    if (isUserError(e)) {
      // library messages name settings by field (`force`); here the user typed flags (`--force`)
      say('error', userErrorText(e), userErrorWhole(e));
      return EXIT_BAD_INPUT;
    }
    if (e instanceof PluginError) {
      say('error', e.message, wholePieces(e));
      return 1;
    }
    say('internal error', (e as Error).stack ?? String(e));
    return 1;
  }
}

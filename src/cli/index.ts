/** The greenserv command-line program. */
import { Command, CommanderError } from 'commander';
import { EXIT_BAD_INPUT, isUserError } from './errors.js';
import { version } from './version.js';

type Register = (program: Command) => void;

/**
 * Subcommands, loaded on demand: a run of `greenserv simulate` does not pay for the modules of the others
 * (Arrow/Parquet writers, schema validation, chart rendering).
 */
export const COMMANDS: Record<string, () => Promise<Register>> = {
  simulate: async () => (await import('./simulate.js')).registerSimulateCommand,
  experiment: async () => (await import('./experiment.js')).registerExperimentCommand,
  report: async () => (await import('./report.js')).registerReportCommand,
  regress: async () => (await import('./regress.js')).registerRegressCommand,
  datasets: async () => (await import('./datasets.js')).registerDatasetsCommand,
  features: async () => (await import('./features.js')).registerFeaturesCommand,
  evaluate: async () => (await import('./evaluate.js')).registerEvaluateCommand,
  'profile-models': async () => (await import('./profileModels.js')).registerProfileModelsCommand,
  energy: async () => (await import('./energy.js')).registerEnergyCommand,
};

export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('greenserv')
    .description('Offline benchmarking and simulation of energy-aware LLM query routing')
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  // subcommands inherit the settings above, so every parse error reaches main() and exits 2
  const sub = argv[2];
  const names = sub !== undefined && sub in COMMANDS ? [sub] : Object.keys(COMMANDS);
  for (const n of names) (await COMMANDS[n]())(program);
  return program;
}

/** Run the program; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return EXIT_BAD_INPUT;
    }
    if (isUserError(e)) {
      process.stderr.write(`greenserv: error: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`greenserv: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

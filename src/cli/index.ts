/** The greenserv command-line program. */
import { Command, CommanderError } from 'commander';
import { EXIT_BAD_INPUT, isUserError } from './errors.js';
import { registerDatasetsCommand } from './datasets.js';
import { registerExperimentCommand } from './experiment.js';
import { registerRegressCommand } from './regress.js';
import { registerReportCommand } from './report.js';
import { registerSimulateCommand } from './simulate.js';
import { version } from './version.js';


export function buildProgram(): Command {
  const program = new Command();
  program
    .name('greenserv')
    .description('Offline benchmarking and simulation of energy-aware LLM query routing')
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  // subcommands inherit the settings above, so every parse error reaches main() and exits 2
  registerSimulateCommand(program);
  registerExperimentCommand(program);
  registerDatasetsCommand(program);
  registerReportCommand(program);
  registerRegressCommand(program);
  return program;
}

/** Run the program; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
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

/** `greenserv report <dir>`: rebuild charts and report.html from a results directory without re-running. */
import type { Command } from 'commander';
import { rebuildReport } from '../report/rebuild.js';
import { plural } from '../report/terminalTable.js';
import { print, say } from './say.js';

export function registerReportCommand(program: Command): void {
  program
    .command('report <dir>')
    .description('rebuild charts/ and report.html of a simulate, experiment or ope results directory')
    .action(async (dir: string) => {
      const { kind, charts } = await rebuildReport(dir, (m) => say('note', m));
      print(`rebuilt ${plural(charts.length, 'chart')} and report.html of the ${kind} results in ${dir}\n`);
    });
}

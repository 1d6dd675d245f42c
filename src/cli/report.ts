/** `greenserv report <dir>`: rebuild charts and report.html from a results directory without re-running. */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { DataError } from '../core/errors.js';
import { rebuildReport } from '../report/rebuild.js';
import { plural } from '../report/terminalTable.js';
import { print, say } from './say.js';

export function registerReportCommand(program: Command): void {
  program
    .command('report <dir>')
    .description('rebuild charts/ and report.html of a simulate, experiment or ope results directory')
    .action(async (dir: string) => {
      checkResultsDir(dir);
      const { kind, charts } = await rebuildReport(dir, (m) => say('note', m));
      print(`rebuilt ${plural(charts.length, 'chart')} and report.html of the ${kind} results in ${dir}\n`);
    });
}

/** A path that is missing or a file is said so, with what `report` wants (not "cannot read '<dir>/summary.json'"). */
function checkResultsDir(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new DataError('no such directory; give the results directory of a simulate, experiment or ope run (its --out)', dir);
  }
  if (!isDir) throw new DataError('a file, not a results directory; give the directory a simulate, experiment or ope run wrote (its --out)', dir);
}

/** `greenserv report <dir>`: rebuild charts and report.html from a results directory without re-running. */
import type { Command } from 'commander';
import { readExperimentDir, writeChartsAndReport } from '../report/experimentOutputs.js';
import { writeFileAtomic } from '../report/atomic.js';
import { join } from 'node:path';

export function registerReportCommand(program: Command): void {
  program
    .command('report <dir>')
    .description('rebuild charts/ and report.html of an experiment results directory')
    .action(async (dir: string) => {
      const { agg, configText, manifest, profile } = readExperimentDir(dir);
      const names = await writeChartsAndReport({ write: (name, data) => writeFileAtomic(join(dir, name), data) }, agg, configText, manifest, profile);
      process.stdout.write(`rebuilt ${names.length} charts and report.html in ${dir}\n`);
    });
}

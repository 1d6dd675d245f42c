/** `greenserv merge <shard dirs…>`: the shards of a sharded experiment become its results directory. */
import type { Command } from 'commander';
import { toJson } from '../metrics/summary.js';
import { mergeAny } from '../app/merge.js';
import { evaluateTable } from '../report/evaluate.js';
import { experimentTable } from './experiment.js';
import { stdoutWidth } from './width.js';
import { print, warn } from './say.js';
import { shownName } from '../core/escape.js';
import { stopOnSignal } from './interrupt.js';

export function registerMergeCommand(program: Command): void {
  program
    .command('merge <dirs...>')
    .description('merge the shard directories of `experiment run --shard i/n` or `evaluate --shard i/n` into the results an unsharded run writes (byte-identical)')
    .option('--out <dir>', 'results directory (default results/<name>; for evaluate shards results/<timestamp>-evaluate)')
    .option('--force', 'replace an existing --out directory of earlier results (docs/outputs.md, "Replacing results")')
    .option('--no-charts', 'skip charts and report.html')
    .option('--json', 'print summary.json to stdout')
    .action(async (dirs: string[], o: { out?: string; force?: boolean; charts: boolean; json?: boolean }) => {
      // the shards' policy modules are loaded again: one that never loads must still stop on Ctrl-C or SIGTERM
      const r = await stopOnSignal(() => mergeAny(dirs, { out: o.out, force: o.force, charts: o.charts, warn }));
      if (o.json) print(toJson(r.summary));
      else {
        const width = stdoutWidth();
        const table = r.kind === 'evaluate' ? evaluateTable(r.summary, width) : experimentTable(r.summary, width);
        print(`${table}\nmerged ${dirs.length} shard${dirs.length === 1 ? '' : 's'}; results: ${shownName(r.out)}\n`);
      }
    });
}

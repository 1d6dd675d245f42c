/**
 * `greenserv simulate`: replay a query stream through routing policies and write a results directory.
 * This module only declares the options (so `simulate --help` stays fast); the run is in simulateRun.ts.
 */
import { Command, Option } from 'commander';
import { POLICY_NAMES } from '../policies/registry.js';
import { applyInputLimits, maxDecompressedOption, maxLineBytesOption } from '../data/limits.js';
import { collect, once } from './parse.js';
import type { SimulateCliOptions } from './simulateOptions.js';

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('replay a query stream through routing policies (partial feedback) and report regret, accuracy and energy')
    .option('--data <source>', 'dataset: built-in name or a file (long CSV/TSV/JSONL, …)', 'greenserv-pool')
    .option('--queries <file>', 'queries file for a long table (query_id, task[, text, cluster, complexity])')
    .option('--models <file>', 'models file: the models of a long table (model_id[, name, params_b, family, prior_accuracy, prior_energy_j]), or descriptors of the models of any other table')
    .option('--format <format>', 'force the input format instead of detecting it')
    .option('--bounds <file>', 'per-task energy-per-token bounds for the reward (docs/model.md §2.1); computed from the table by default')
    .option('--offline', 'hf:// sources: use the cache only, never the network')
    .option('--energy-model <spec>', 'modelled energy instead of the table\'s: gpu=H100|B200|A100,batch=<n>[,models=<csv>][,tokenizer=o200k] (docs/energy-model.md)')
    .option('--policy-module <file>', 'load routing policies from an ES module (repeatable; examples/policies/softmax.mjs)', collect, [])
    .option('--policies <list>', `comma-separated policies (${POLICY_NAMES.join(', ')}); default: all but static:<model> and the routers of docs/model.md §11, and under --split/--train also the routers trained on the train part (knn, predictive, warm-linucb, warm-thompson)`)
    .option('--lambda <λ>', 'accuracy–energy trade-off λ in [0, 1] (docs/model.md §2–3)', '0.5')
    .option('--runs <n>', 'independent runs (query orders)', '5')
    .option('--seed <n>', 'base seed; run r uses seed + r', '40')
    .addOption(new Option('--semantics <mode>', 'paper: corrected behaviour (d = 12); repo: the reference code (d = 11)').choices(['paper', 'repo']).default('paper'))
    .addOption(new Option('--oracle <mode>', 'regret oracle over the full table or the current pool (default: repo → full, paper → pool); they differ only when models join or leave (experiment pool events), so in simulate it changes no figure').choices(['full', 'pool']))
    .option('--features <list>', 'context features: task,cluster,complexity or none; or alone: embed (text embedding of the query) or embedding (the data\'s emb_j columns)', 'task,cluster,complexity')
    .option('--embed-dim <n>', 'dimension of the embed contexts (PCA fitted on the train part under --split)', '64')
    .option('--split <fraction>', 'train/test protocol: train share of a seeded split stratified by task; trained routers fit on it, everything is scored on the test part (docs/model.md §13); not with the scenario flags below (an experiment runs those under split:)')
    .option('--splits <k>', 'with --split: k splits, each its own draw; gap closed gets a CI over splits', '1')
    .option('--train <source>', 'train/test protocol with a separate training table (same models); --data is the test stream', once('--train', '; give one file, or a directory of them'))
    .addOption(new Option('--binning <mode>', 'complexity bins: thresholds (20/30) or equal-width').choices(['thresholds', 'equal-width']).default('thresholds'))
    .option('--param <policy.name=value>', 'policy hyperparameter, repeatable (e.g. linucb.alpha=0.2)', collect, [])
    .option('--reward <expression>', 'custom reward over accuracy, energy_norm, energy_j, latency_s, tokens, cost_usd, lambda')
    .addOption(new Option('--cost <kind>', 'cost term of the reward').choices(['energy', 'usd', 'latency']).default('energy'))
    .option('--task-model <file>', 'task classifier (from `greenserv features train-task`) for queries without a task label')
    .option('--max-latency <seconds>', 'only route to models whose mean latency on the task is within this bound')
    .option('--budget <spec>', 'budget on the stream average: energy=<Wh per query>, usd=<dollars per query> or latency=<p95 seconds> (docs/model.md §11.1); like the three below, not with --split/--train (use an experiment)')
    .option('--drift <spec>', 'drift event, repeatable: step=<n>,model=<id>[,task=<name>][,accuracy=<Δ>][,energy=<×>][,usd=<×>][,latency=<×>][,over=<steps>] (docs/model.md §11.2)', collect)
    .option('--feedback-delay <n|dist>', 'steps before a reward is seen: <n>, uniform:<a>-<b> or geometric:<mean> (docs/model.md §11.5)')
    .option('--feedback-rate <p>', 'share of decisions that ever get a reward, in (0, 1] (docs/model.md §11.5)')
    .option('--out <dir>', 'results directory (default results/<timestamp>-simulate)')
    .option('--force', 'replace an existing --out directory of earlier results, and an existing --log file (never the current directory, an input or a directory greenserv did not write; docs/outputs.md)')
    .option('--log <file>', 'also write a routing log of every decision (.csv, .tsv, .jsonl or .parquet; one policy; written with the results; not an input file; docs/ope.md)')
    .addOption(new Option('--steps <format>', 'per-step trace').choices(['csv', 'arrow', 'none']).default('csv'))
    .option('--report', 'also write charts/ and report.html with the results (what `greenserv report <dir>` writes)')
    .option('--json', 'print summary.json to stdout instead of the table')
    .option('--no-progress', 'no progress display')
    .option('--no-ui', 'a plain progress bar instead of the live dashboard')
    .addOption(maxDecompressedOption()).addOption(maxLineBytesOption()).hook('preAction', applyInputLimits)
    .action(async (o: SimulateCliOptions, cmd: Command) => {
      await (await import('./simulateRun.js')).simulateAction(o, { embedDim: cmd.getOptionValueSource('embedDim'), steps: cmd.getOptionValueSource('steps'), lambda: cmd.getOptionValueSource('lambda') });
    });
}


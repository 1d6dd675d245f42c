/**
 * `greenserv energy attach | fit | check-pool`: modelled energy for routing tables that carry no energy
 * (docs/energy-model.md).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { loadTable } from '../data/load.js';
import { UsageError } from '../core/errors.js';
import { attachEnergy, checkBatch, parseGpu, type AttachResult } from '../data/energy/attach.js';
import { readSizesFile } from '../data/energy/sizes.js';
import { loadTokenizer, TOKENIZERS } from '../data/energy/tokens.js';
import { tableRowTokens } from '../data/energy/responses.js';
import { GPUS } from '../data/energy/types.js';
import { parseChoice, parseInteger, parseList, parseNumber } from './parse.js';
import { AtomicDir } from '../core/atomic.js';
import { inputFiles } from '../app/inputs.js';
import { defaultResultsDir, sameFile } from '../core/outputGuard.js';
import { DEFAULT_LAMBDAS, parseLambdaGrid } from '../sim/sweep.js';
import { DEFAULT_EVALUATE_POLICIES } from '../app/evaluate.js';
import { MAX_RUNS } from '../sim/limits.js';
import { fmtSmall, renderTableFit, wrapAt } from '../report/terminalTable.js';
import { stdoutWidth } from './width.js';
import { stopOnSignal } from './interrupt.js';
import { errText, print, warn, warnOf } from './say.js';
import { shownName } from '../core/escape.js';

interface EnergyIO {
  out: (s: string) => void;
  err: (s: string) => void;
  /** A warning (default: a 'greenserv: warning:' line through err). */
  warn?: (m: string) => void;
  /** Width the text output fits (a terminal's); Infinity (the default) when piped. */
  width?: number;
}

const defaultIO: EnergyIO = {
  out: print,
  err: errText,
  warn,
  get width() {
    return stdoutWidth();
  },
};

/**
 * A table of a command's text output: on a terminal fitted to its width (records when too narrow); piped, the
 * markdown it has always printed (pasted into notes as it is).
 */
export function textTable(headers: string[], rows: string[][], width: number): string {
  const line = (r: string[]): string => `| ${r.join(' | ')} |\n`;
  if (width === Infinity) return line(headers) + `|${headers.map(() => '---').join('|')}|\n` + rows.map(line).join('');
  return renderTableFit(headers, rows, headers.map((_, j) => j > 0), width, []) + '\n';
}

interface AttachCli {
  gpu: string;
  batch: string;
  out: string;
  models?: string;
  tokenizer: string;
  overwrite?: boolean;
  assumeOutputTokens?: string;
  to?: string;
  queries?: string;
  tableModels?: string;
  format?: string;
  offline?: boolean;
}

interface SensitivityCli {
  gpus: string;
  batches: string;
  models?: string;
  tokenizer: string;
  policies: string;
  lambdas: string;
  runs: string;
  seed: string;
  costScale: string;
  aiqMode: string;
  jobs: string;
  format?: string;
  offline?: boolean;
  out?: string;
  force?: boolean;
}

export function registerEnergyCommand(program: Command, io: EnergyIO = defaultIO): void {
  const en = program.command('energy').description('modelled energy for routing tables without measurements (docs/energy-model.md)');

  en.command('attach <source>')
    .description('add energy_j, input_tokens and output_tokens to every (query, model) cell and write the table')
    .requiredOption('--gpu <gpu>', `GPU the energy is modelled for (${GPUS.join(', ')})`)
    .requiredOption('--batch <n>', 'average number of sequences decoded together (fitted range 7.5–4095)')
    .requiredOption('--out <file>', 'output table (.csv/.tsv/.jsonl long format, .arrow, .parquet)')
    .option('--models <csv>', 'model sizes: model,total_params_b[,active_params_b,precision] (overrides the defaults)')
    .option('--tokenizer <name>', `encoding for counting prompt/response text (${TOKENIZERS.join(', ')})`, 'cl100k')
    .option('--overwrite', 'replace energy the table already has')
    .option('--assume-output-tokens <n>', 'output tokens of cells with neither output_tokens nor response text (else an error)')
    .option('--to <format>', 'output format when the extension does not say (arrow, arrows, parquet, csv, tsv, jsonl)')
    .option('--queries <file>', 'queries file for a long table (query_id, task[, text, cluster, complexity])')
    .option('--table-models <file>', 'models file for a long table (model_id[, name, params_b])')
    .option('--format <format>', 'force the input format (csv, tsv, jsonl, arrow, parquet, pickle, sql)')
    .option('--offline', 'hf:// sources: use the cache only')
    .action(async (src: string, o: AttachCli) => {
      const gpu = parseGpu(o.gpu);
      const batch = parseNumber('--batch', o.batch);
      checkBatch(batch);
      if (sameFile(o.out, src)) throw new UsageError('--out is the source file');
      const { outputFormatOf } = await import('../data/formats/write.js');
      outputFormatOf(o.out, o.to);
      const outDir = dirname(resolve(o.out));
      if (!existsSync(outDir)) throw new UsageError(`--out: directory '${outDir}' not found`);
      if (!statSync(outDir).isDirectory()) throw new UsageError(`--out: '${outDir}' is a file, not a directory`);
      let assumeOutputTokens: number | undefined;
      if (o.assumeOutputTokens !== undefined) {
        assumeOutputTokens = parseNumber('--assume-output-tokens', o.assumeOutputTokens);
        if (!(assumeOutputTokens >= 0 && assumeOutputTokens <= 1e7)) throw new UsageError(`--assume-output-tokens must be from 0 to 10000000, got '${o.assumeOutputTokens}'`);
      }
      const tokenizer = await loadTokenizer(o.tokenizer);
      const models = o.models ? readSizesFile(o.models) : null;
      const warnings: string[] = [];
      const { res, written } = await stopOnSignal(async () => {
        const t = await loadTable(src, { queries: o.queries, models: o.tableModels, format: o.format, offline: o.offline, warn: (m) => warnings.push(m) });
        if (models) for (const id of models.keys()) if (!t.models.some((m) => m.id === id)) warnings.push(`--models: '${id}' is not a model of the table`);
        const rows = await tableRowTokens(t, [src], tokenizer, o.format);
        const res = attachEnergy(t, { gpu, batch, models, tokenizer, responseTokens: rows?.output, promptTokens: rows?.input, assumeOutputTokens, overwrite: o.overwrite, source: src });
        warnings.push(...res.warnings);
        const { writeTable } = await import('../data/formats/write.js');
        return { res, written: await writeTable(res.table, o.out, o.to) };
      });
      for (const w of warnings) warnOf(io)(w);
      io.out(renderAttach(res, gpu, batch, tokenizer.name, io.width ?? Infinity));
      for (const f of written.files) io.out(`wrote ${f}\n`);
      const h = written.loadHint;
      const flags = [h.queries && `--queries ${h.queries}`, h.models && `--models ${h.models}`, h.bounds && `--bounds ${h.bounds}`].filter(Boolean);
      if (flags.length > 0) io.out(`read it back with: --data ${o.out} ${flags.join(' ')}\n`);
    });

  en.command('fit')
    .description('refit the energy model on ML.ENERGY v3 and the A100 load test; print coefficients and residuals')
    .requiredOption('--mlenergy <csv>', 'mlenergy_v3_llm_configurations_flat.csv')
    .requiredOption('--loadtest <csv>', 'inference_energy_loadtest_per_model_gpu.csv')
    .action(async (o: { mlenergy: string; loadtest: string }) => {
      // the least-squares solver (mathjs) loads only for this command
      const { fitEnergyModelFiles } = await import('../data/energy/fit.js');
      const f = fitEnergyModelFiles(o.mlenergy, o.loadtest);
      let s = `rows ${f.rows.length}\ncoefficients\n`;
      for (const [k, v] of Object.entries(f.coefficients)) s += `  ${k.padEnd(6)} ${v}\n`;
      s += '\nA100 / H100-model ratio per load-test model\n';
      for (const r of f.a100Ratios) s += `  ${r.model.padEnd(26)} ${r.ratio.toFixed(3)}\n`;
      const lr = f.a100Ratios.map((r) => Math.log(r.ratio));
      const sd = Math.sqrt(lr.reduce((a, x) => a + (x - f.coefficients.a100) ** 2, 0) / Math.max(1, lr.length - 1));
      s += `  factor ${Math.exp(f.coefficients.a100).toFixed(3)}, sd of ln ratio ${sd.toFixed(4)}\n`;
      const label = { 8: '8', 32: '16–32', 128: '64–192', 512: '≥256' } as Record<number, string>;
      const cells = [...f.residuals.cells, f.residuals.all].map((c) => [c.gpu, c.bucket ? label[c.bucket] : 'all', String(c.n), c.mean.toFixed(3), c.sd.toFixed(3), c.maxAbs.toFixed(3), Math.exp(c.sd).toFixed(2)]);
      s += '\n' + textTable(['GPU', 'max_num_seqs', 'n', 'mean ln-residual', 'sd', 'max abs', '×/÷ at 1 sd'], cells, io.width ?? Infinity);
      io.out(s);
    });

  en.command('check-pool')
    .description("apply the energy model to the built-in pool's 16 models and token counts; compare with the published Wh (Fig. 2b)")
    .option('--gpu <gpu>', `GPU (${GPUS.join(', ')})`, 'A100')
    .option('--batch <n>', 'batch size', '1')
    .action(async (o: { gpu: string; batch: string }) => {
      const gpu = parseGpu(o.gpu);
      const batch = parseNumber('--batch', o.batch);
      checkBatch(batch);
      const { checkPool } = await import('../data/energy/validate.js');
      const rows = await checkPool(gpu, batch);
      const headers = ['model', 'params (B)', 'published Wh', `modelled Wh (${gpu}, batch ${batch})`, '90 % band', 'error'];
      const cells = rows.map((r) => [r.model, String(r.paramsB), r.publishedWh.toFixed(1), r.modelledWh.toFixed(1), `${r.lowWh.toFixed(1)}–${r.highWh.toFixed(1)}`, fmtPct(r.relError)]);
      let s = textTable(headers, cells, io.width ?? Infinity);
      const abs = rows.map((r) => Math.abs(Math.log(r.modelledWh / r.publishedWh)));
      s += `\nmean |ln(modelled/published)| ${(abs.reduce((a, b) => a + b, 0) / abs.length).toFixed(3)}\n`;
      io.out(s);
    });
  en.command('sensitivity <source...>')
    .description("the RouterBench evaluation on the energy axis for every GPU × batch size: how the routers' energy AIQ, ranking and savings change")
    .option('--gpus <list>', `GPUs (${GPUS.join(', ')})`, 'H100,B200,A100')
    .option('--batches <list>', 'batch sizes', '8,32,128')
    .option('--models <csv>', 'model sizes: model,total_params_b[,active_params_b,precision] (overrides the defaults)')
    .option('--tokenizer <name>', `encoding for counting prompt/response text (${TOKENIZERS.join(', ')})`, 'cl100k')
    .option('--policies <list>', 'comma-separated policies', DEFAULT_EVALUATE_POLICIES.join(','))
    .option('--lambdas <list>', 'λ grid: accuracy–energy trade-offs in [0, 1]', DEFAULT_LAMBDAS.join(','))
    .option('--runs <n>', 'independent runs (query orders) per λ', '5')
    .option('--seed <n>', 'base seed; run r uses seed + r', '40')
    .addOption(new Option('--cost-scale <scale>', 'min–max normalise the J per prompt per family on this scale').choices(['linear', 'log']).default('linear'))
    .addOption(new Option('--aiq-mode <mode>', "paper: RouterBench's definition; routerbench-code: its published script").choices(['paper', 'routerbench-code']).default('paper'))
    .option('--jobs <n>', 'worker threads over the λ grid (results are identical for any count)', '1')
    .option('--format <format>', 'force the input format of the RouterBench file(s)')
    .option('--offline', 'hf:// sources: use the cache only')
    .option('--out <dir>', 'results directory: sensitivity.json and sensitivity.md (default results/<timestamp>-energy-sensitivity)')
    .option('--force', 'replace an existing --out directory of earlier results (docs/outputs.md, "Replacing results")')
    .action(async (sources: string[], o: SensitivityCli) => {
      const gpus = parseList(o.gpus).map((g) => parseGpu(g, 'gpus'));
      const batches = parseList(o.batches).map((b) => parseNumber('--batches', b));
      const lambdas = parseLambdaGrid(o.lambdas);
      const runs = parseInteger('--runs', o.runs, 1, MAX_RUNS);
      const seed = parseInteger('--seed', o.seed, 0);
      const jobs = parseInteger('--jobs', o.jobs, 1, 256);
      const costScale = parseChoice('--cost-scale', o.costScale, ['linear', 'log'] as const);
      const aiqMode = parseChoice('--aiq-mode', o.aiqMode, ['paper', 'routerbench-code'] as const);
      const policies = parseList(o.policies);
      if (policies.length === 0) throw new UsageError('--policies: no policy given');
      const outDir = o.out ?? defaultResultsDir('energy-sensitivity');
      const inputs = inputFiles(sources, o.models);
      AtomicDir.checkTarget(outDir, o.force === true, inputs);
      const { energySensitivity, writeSensitivity } = await import('../app/energySensitivity.js');
      const r = await stopOnSignal(async () => {
        const res = await energySensitivity({ source: sources, format: o.format, offline: o.offline, gpus, batches, sizes: o.models, tokenizer: o.tokenizer, policies, lambdas, runs, seed, jobs, costScale, aiqMode, warn: warnOf(io) });
        await writeSensitivity(outDir, res, o.force === true, inputs);
        return res;
      });
      const { sensitivityTerminal } = await import('../report/energy.js');
      io.out(`${sensitivityTerminal(r, io.width ?? Infinity)}\nresults: ${shownName(outDir)}\n`);
    });
}


function fmtPct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(0)} %`;
}

const ASSUMED = 'assumption: not disclosed';

/**
 * The per-model table of `energy attach`: sizes, where they come from, J per token, and each model's total and
 * 90 % band, both columns in one unit (Wh when some band reaches 1 Wh, else J). `width` (a terminal's) leaves out
 * the cell count, the J per token, then the size source (an assumed size is then starred, with a note), the
 * total and the active size; the model, its energy and its band stay.
 */
export function renderAttach(r: AttachResult, gpu: string, batch: number, tokenizer: string, width = Infinity): string {
  const wh = r.models.some((m) => m.highJ >= 3600);
  const unit = wh ? 'Wh' : 'J';
  // fixed decimals, more only for a figure they would show as zero
  const e = (j: number): string => {
    const [x, d] = wh ? [j / 3600, 2] : [j, 1];
    return Math.abs(x) >= 0.5 * 10 ** -d ? x.toFixed(d) : fmtSmall(x, d);
  };
  const headers = ['model', 'total B', 'active B', 'size from', 'J/out-tok', 'J/in-tok', 'cells', `energy ${unit}`, `90 % band ${unit}`];
  const rows = (star: boolean): string[][] =>
    r.models.map((m) => [
      m.id + (star && m.size.source === ASSUMED ? '*' : ''),
      String(m.size.totalB),
      String(m.size.activeB),
      m.size.source,
      m.eOut.toPrecision(3),
      m.eIn.toPrecision(3),
      String(m.cells),
      e(m.totalJ),
      `${e(m.lowJ)}–${e(m.highJ)}`,
    ]);
  const right = headers.map((h) => h !== 'model' && h !== 'size from');
  const drop = [6, 5, 4, 3, 1, 2];
  let table = renderTableFit(headers, rows(false), right, width, drop);
  let note = '';
  if (!/^model .*size from/.test(table) && r.models.some((m) => m.size.source === ASSUMED)) {
    table = renderTableFit(headers, rows(true), right, width, drop);
    note = wrapAt('* size assumed (not disclosed by its maker); --models <csv> sets it', ' ', width) + '\n';
  }
  const tk = r.tokens;
  const head = `energy model: ${gpu}, batch ${batch}; tokens: input ${tk.inputFromTable} from the table, ${tk.inputCounted} counted; output ${tk.outputFromTable} from the table, ${tk.outputCounted} counted${tk.outputAssumed ? `, ${tk.outputAssumed} assumed` : ''} (${tokenizer})`;
  return `${wrapAt(head, ' ', width)}\n\n${table}\n${note}`;
}

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { routerbenchHeaderProblems } from '../../src/app/routerbenchSource.js';
import { EXIT_BAD_INPUT, isUserError } from '../../src/cli/errors.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import type { EvaluateSummary } from '../../src/metrics/routerbench.js';
import { evaluateReportHtml, evaluateReportSection, evaluateTable } from '../../src/report/evaluate.js';
import { energyEvaluateTable } from '../../src/report/energy.js';
import { REPORT_CSS } from '../../src/report/html.js';
import { captureStdio, evaluateInProcess } from '../helpers/evaluateCli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-evaluate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const io = captureStdio();
const evaluate = evaluateInProcess;

/** The exit code main() gives an error: 2 for bad input (usage, data, command line). */
function exitCode(e: unknown): number {
  if (e === null) return 0;
  if (e instanceof CommanderError || isUserError(e)) return EXIT_BAD_INPUT;
  return 1;
}

const MODELS = ['gpt-4-1106-preview', 'mistralai/mistral-7b-chat'];
function rbCsv(opts: { cost?: boolean; evalName?: boolean; costFor?: string[] } = {}): string {
  const costFor = opts.costFor ?? (opts.cost === false ? [] : MODELS);
  const head = ['', 'sample_id', 'prompt', ...(opts.evalName === false ? [] : ['eval_name']), ...MODELS, ...MODELS.map((m) => `${m}|model_response`), ...costFor.map((m) => `${m}|total_cost`), 'oracle_model_to_route_to'];
  const rows = [0, 1, 2, 3].map((i) => [
    String(i),
    `mmlu-x.${i}`,
    `"['Q${i}']"`,
    ...(opts.evalName === false ? [] : [i % 2 ? 'mmlu-anatomy' : 'hellaswag']),
    String(i % 2),
    '1',
    'a',
    'b',
    ...costFor.map((m) => (m === MODELS[0] ? '0.003' : '0.0001')),
    MODELS[1],
  ]);
  return [head.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

describe('greenserv evaluate --routerbench: bad input', () => {
  it('names the missing cost columns of a RouterBench-like file; exit 2; no results directory', async () => {
    const f = join(tmp, 'nocost.csv');
    writeFileSync(f, rbCsv({ cost: false }));
    const o = join(tmp, 'nocost-out');
    const e = await evaluate(['--routerbench', f, '--out', o, '--no-charts']);
    expect(e).toBeInstanceOf(DataError);
    // the item reads as a column after 'missing column' (it read 'missing column cost columns …')
    expect((e as Error).message).toMatch(/nocost\.csv:1: not a RouterBench table: missing column <model>\|total_cost \(a cost column per model; none found, expected e\.g\. [^|]+\|total_cost\)$/);
    expect(exitCode(e)).toBe(2);
    expect(existsSync(o)).toBe(false);
  });

  it('lists each model whose cost column is missing, and a missing eval_name', async () => {
    const f = join(tmp, 'partial.csv');
    writeFileSync(f, rbCsv({ costFor: [MODELS[0]] }));
    const e = await evaluate(['--routerbench', f, '--no-charts', '--out', join(tmp, 'x1')]);
    expect((e as Error).message).toMatch(/missing column mistralai\/mistral-7b-chat\|total_cost$/);
    const g = join(tmp, 'noeval.csv');
    writeFileSync(g, rbCsv({ evalName: false }));
    const e2 = await evaluate(['--routerbench', g, '--no-charts', '--out', join(tmp, 'x2')]);
    expect((e2 as Error).message).toMatch(/missing column eval_name/);
    expect(exitCode(e2)).toBe(2);
    expect(routerbenchHeaderProblems(['sample_id', 'eval_name', 'm1', 'm1|total_cost'])).toEqual([]);
    expect(routerbenchHeaderProblems(['query_id', 'task', 'm1|accuracy', 'm1|cost_usd'])).toEqual([]);
    expect(routerbenchHeaderProblems(['model', 'mean_quality'])).toEqual(['sample_id', 'eval_name', 'a correctness column and a <model>|total_cost column per model']);
    expect(routerbenchHeaderProblems(['sample_id', 'eval_name'])).toEqual(['<model> (a correctness column per model, e.g. gpt-4-1106-preview)']);
  });

  it('a long-format table without costs is rejected after loading, naming the cost column', async () => {
    const f = join(tmp, 'long.csv');
    writeFileSync(f, 'query_id,model_id,accuracy,task\nq1,m1,1,mmlu\nq1,m2,0,mmlu\n');
    const e = await evaluate(['--routerbench', f, '--no-charts', '--out', join(tmp, 'x3')]);
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message).toMatch(/missing column <model>\|total_cost \(a cost column per model; none found, expected e\.g\. m1\|total_cost\)$/);
  });

  it('a directory without RouterBench tables says what each file lacks', async () => {
    const d = join(tmp, 'junk');
    mkdirSync(d);
    writeFileSync(join(d, 'a.csv'), 'model,mean_quality\nx,1\n');
    const e = await evaluate(['--routerbench', d, '--no-charts', '--out', join(tmp, 'x4')]);
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message).toMatch(/no RouterBench table in the directory; a\.csv: not a RouterBench table: missing columns sample_id, eval_name/);
  });

  it('a directory skips a pickle of something else, but a file that cannot be decoded is an error naming it', async () => {
    const d = join(tmp, 'mixed');
    mkdirSync(d);
    writeFileSync(join(d, 'ok.csv'), rbCsv());
    // protocol 2: EMPTY_DICT, STOP — a well-formed pickle that holds no DataFrame
    writeFileSync(join(d, 'model.pkl'), Buffer.from([0x80, 0x02, 0x7d, 0x2e]));
    const o1 = join(tmp, 'mixed-out');
    expect(await evaluate(['--routerbench', d, '--policies', 'random', '--runs', '1', '--no-charts', '--out', o1])).toBeNull();
    expect(io.err.join('')).toMatch(/warning: skipping .*model\.pkl: pickle: the pickle holds a dict, expected a pandas DataFrame/);
    const bad: [string, Buffer, RegExp][] = [
      ['broken.parquet', Buffer.from('PAR1garbagePAR1'), /broken\.parquet: not a readable Parquet file \(truncated or corrupt\?\)/],
      ['broken.arrow', Buffer.from('ARROW1\0\0\xff\xff\xff\xff\x01\x02\x03\x04', 'latin1'), /broken\.arrow: not a readable Arrow IPC file or stream/],
      ['broken.pkl', Buffer.from([0x80, 0x02, 0x7d]), /broken\.pkl: pickle: truncated pickle/],
    ];
    for (const [name, bytes, msg] of bad) {
      writeFileSync(join(d, name), bytes);
      const o = join(tmp, `mixed-${name}`);
      const e = await evaluate(['--routerbench', d, '--policies', 'random', '--runs', '1', '--no-charts', '--out', o]);
      expect(e).toBeInstanceOf(DataError);
      expect((e as Error).message).toMatch(msg);
      expect(exitCode(e)).toBe(2);
      expect(existsSync(o)).toBe(false);
      rmSync(join(d, name));
    }
  });

  it('hf:// offline without a cached copy says which file to download and where to put it', async () => {
    const cache = join(tmp, 'empty-cache');
    const prev = process.env.GREENSERV_CACHE;
    process.env.GREENSERV_CACHE = cache;
    try {
      const e = await evaluate(['--routerbench', '--offline', '--no-charts', '--out', join(tmp, 'x5')]);
      expect(e).toBeInstanceOf(DataError);
      expect((e as Error).message).toMatch(/routerbench_0shot\.pkl/);
      expect((e as Error).message).toContain(cache);
      expect(exitCode(e)).toBe(2);
    } finally {
      if (prev === undefined) delete process.env.GREENSERV_CACHE;
      else process.env.GREENSERV_CACHE = prev;
    }
  });

  it('usage errors: no --routerbench, unknown policy, bad λ grid or runs, unknown --aiq-mode', async () => {
    const f = join(tmp, 'ok.csv');
    writeFileSync(f, rbCsv());
    const none = await evaluate(['--no-charts']);
    expect(none).toBeInstanceOf(UsageError);
    expect((none as Error).message).toMatch(/--routerbench \[source\.\.\.\]/);
    const pol = await evaluate(['--routerbench', f, '--policies', 'linucb,foo', '--out', join(tmp, 'x6')]);
    expect((pol as Error).message).toMatch(/unknown policy 'foo'/);
    expect(exitCode(pol)).toBe(2);
    expect(((await evaluate(['--routerbench', f, '--lambdas', '0,2'])) as Error).message).toMatch(/--lambdas: '2' is not a number in \[0, 1\]/);
    expect(((await evaluate(['--routerbench', f, '--runs', '0'])) as Error).message).toMatch(/--runs: must be an integer ≥ 1, got '0'/);
    const mode = await evaluate(['--routerbench', f, '--aiq-mode', 'nope']);
    expect(mode).toBeInstanceOf(CommanderError);
    expect(exitCode(mode)).toBe(2);
    expect(((await evaluate(['--routerbench', f, '--family', 'oops'])) as Error).message).toMatch(/bad --family 'oops'/);
  });

  it('an unknown policy is refused before any data is read, with the message simulate gives; static:<model> waits for the table', async () => {
    const { resolvePolicies } = await import('../../src/policies/registry.js');
    let want = '';
    try {
      resolvePolicies(['nope'], [], []);
    } catch (e) {
      want = (e as Error).message;
    }
    expect(want).toMatch(/^unknown policy 'nope'/);
    // a directory whose load warns (a file it skips): none of that is said before the refusal
    const d = join(tmp, 'pol-early');
    mkdirSync(d);
    writeFileSync(join(d, 'ok.csv'), rbCsv());
    writeFileSync(join(d, 'notes.csv'), 'model,comment\nx,hello\n');
    const o = join(tmp, 'pol-early-out');
    const e = await evaluate(['--routerbench', d, '--policies', 'random,nope', '--runs', '1', '--no-charts', '--out', o]);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(want);
    expect(io.err.join('')).not.toMatch(/skipping/);
    expect(existsSync(o)).toBe(false);
    // a source that does not exist: the policy is what is refused
    expect(((await evaluate(['--routerbench', join(tmp, 'absent.csv'), '--policies', 'nope', '--runs', '1'])) as Error).message).toBe(want);
    // a static:<model> naming no model of the table is known only once it is loaded
    const st = await evaluate(['--routerbench', d, '--policies', 'static:zz', '--runs', '1', '--no-charts', '--out', o]);
    expect((st as Error).message).toMatch(/^unknown model 'zz' in 'static:zz'/);
    expect(io.err.join('')).toMatch(/skipping .*notes\.csv/);
    expect(existsSync(o)).toBe(false);
  });

  it('more replays than an experiment may make (λ × runs × policies × splits) exit 2 naming the flags, before any data is read', async () => {
    const grid = Array.from({ length: 1001 }, (_, i) => i / 1000).join(',');
    // the source does not exist: the count is refused first
    const missing = join(tmp, 'absent.csv');
    const big = await evaluate(['--routerbench', missing, '--lambdas', grid, '--runs', '10000', '--out', join(tmp, 'x-big')]);
    expect(big).toBeInstanceOf(UsageError);
    expect((big as Error).message).toBe('--lambdas 1001 values × --runs 10000 × 4 policies (--policies) = 40040000 replays, at most 100000 (see docs/limits.md)');
    expect(exitCode(big)).toBe(2);
    expect(existsSync(join(tmp, 'x-big'))).toBe(false);
    // under the protocol train-best-static runs too, and every split replays
    const split = await evaluate(['--routerbench', missing, '--lambdas', '0,0.5,1', '--runs', '10000', '--policies', 'linucb', '--split', '0.5', '--splits', '2']);
    expect((split as Error).message).toBe('--lambdas 3 values × --runs 10000 × 2 policies (--policies and train-best-static) × --splits 2 = 120000 replays, at most 100000 (see docs/limits.md)');
    // 100,000 exactly is allowed: the error is then the missing file
    const edge = await evaluate(['--routerbench', missing, '--lambdas', '0,0.5', '--runs', '10000', '--policies', 'linucb,random,thompson,linear-epsilon-greedy,epsilon-greedy']);
    expect((edge as Error).message).not.toMatch(/replays/);
    expect(exitCode(edge)).toBe(2);
  });

  it('the library refuses the same count naming its fields', async () => {
    const { evaluateDefaults } = await import('../../src/app/evaluate.js');
    expect(() => evaluateDefaults({ lambdas: Array.from({ length: 101 }, (_, i) => i / 100), runs: 1000, policies: ['linucb', 'random'] })).toThrow(new UsageError('lambdas 101 values × runs 1000 × 2 policies = 202000 replays, at most 100000 (see docs/limits.md)'));
    expect(() => evaluateDefaults({ lambdas: [0.5], runs: 1000, policies: ['linucb', 'random'] })).not.toThrow();
  });

  it('runs on a small RouterBench-shaped file, mapping mmlu-* to mmlu', async () => {
    const f = join(tmp, 'small.csv');
    writeFileSync(f, rbCsv());
    const o = join(tmp, 'small-out');
    const e = await evaluate(['--routerbench', f, '--runs', '1', '--lambdas', '0,1', '--no-charts', '--out', o, '--json']);
    expect(e).toBeNull();
    const s = JSON.parse(io.out.join('')) as EvaluateSummary;
    expect(s.dataset.families.map((x) => [x.name, x.queries, x.evalNames])).toEqual([
      ['mmlu', 2, ['mmlu-anatomy']],
      ['hellaswag', 2, ['hellaswag']],
    ]);
    expect(readdirSync(o).sort()).toEqual(['manifest.json', 'points.csv', 'report.html', 'runs.csv', 'summary.json']);
  });
});

/** RouterBench-shaped rows for sample ids `prefix.i`, i in `ids`, with correctness and cost varying per row. */
function rbRows(prefix: string, ids: number[]): string {
  const head = ['', 'sample_id', 'prompt', 'eval_name', ...MODELS, ...MODELS.map((m) => `${m}|total_cost`)];
  const rows = ids.map((i) => [String(i), `${prefix}.${i}`, `"['Q${i}']"`, i % 3 ? 'mmlu-anatomy' : 'hellaswag', String((i * 7) % 5 > 1 ? 1 : 0), String((i * 3) % 4 > 1 ? 1 : 0), String(0.002 + (i % 7) / 1000), String(0.0001 + (i % 5) / 10000)]);
  return [head.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

describe('greenserv evaluate --routerbench with several sources', () => {
  it('a.csv b.csv, b.csv a.csv and their directory give byte-identical results', async () => {
    const d = join(tmp, 'split');
    mkdirSync(d);
    // a train/test split whose rows are not in id order
    writeFileSync(join(d, 'train.csv'), rbRows('mmlu-x', [17, 3, 25, 8, 11, 30, 1, 22, 14, 5, 28, 19, 9, 26, 2, 13]));
    writeFileSync(join(d, 'test.csv'), rbRows('mmlu-x', [6, 21, 4, 29, 12, 18, 0, 24, 15, 10, 27, 7, 20, 16, 23]));
    const args = ['--runs', '2', '--lambdas', '0,0.5,1', '--policies', 'linucb,thompson,random', '--no-charts', '--jobs', '1'];
    const a = join(d, 'train.csv');
    const b = join(d, 'test.csv');
    expect(await evaluate(['--routerbench', a, b, ...args, '--out', join(tmp, 'ab')])).toBeNull();
    expect(await evaluate(['--routerbench', b, a, ...args, '--out', join(tmp, 'ba')])).toBeNull();
    expect(await evaluate(['--routerbench', d, ...args, '--out', join(tmp, 'dir')])).toBeNull();
    for (const f of ['summary.json', 'runs.csv', 'points.csv']) {
      expect(readFileSync(join(tmp, 'ab', f)).equals(readFileSync(join(tmp, 'ba', f))), f).toBe(true);
    }
    // the directory names itself differently, everything computed is the same
    const strip = (x: string): unknown => ({ ...JSON.parse(x), dataset: { ...JSON.parse(x).dataset, name: '', source: '' } });
    expect(strip(readFileSync(join(tmp, 'dir', 'summary.json'), 'utf8'))).toEqual(strip(readFileSync(join(tmp, 'ab', 'summary.json'), 'utf8')));
    expect(readFileSync(join(tmp, 'dir', 'runs.csv')).equals(readFileSync(join(tmp, 'ab', 'runs.csv')))).toBe(true);
    const s = JSON.parse(readFileSync(join(tmp, 'ab', 'summary.json'), 'utf8')) as EvaluateSummary;
    expect(s.dataset.queries).toBe(31);
    const manifest = JSON.parse(readFileSync(join(tmp, 'ba', 'manifest.json'), 'utf8'));
    expect(manifest.dataset.files).toEqual([b, a]);
  });

  it('the same rows split over files the other way round give the same results (queries sorted by id)', async () => {
    const one = [17, 3, 25, 8, 11, 30, 1, 22, 14, 5];
    const two = [6, 21, 4, 29, 12, 18, 0, 24, 15, 10, 27];
    const args = ['--runs', '2', '--lambdas', '0,0.5,1', '--policies', 'linucb,random', '--no-charts', '--jobs', '1'];
    for (const [dir, x, y] of [['swap1', one, two], ['swap2', two, one]] as const) {
      mkdirSync(join(tmp, dir));
      writeFileSync(join(tmp, dir, 'x.csv'), rbRows('mmlu-z', [...x]));
      writeFileSync(join(tmp, dir, 'y.csv'), rbRows('mmlu-z', [...y]));
      expect(await evaluate(['--routerbench', join(tmp, dir), ...args, '--out', join(tmp, `${dir}-out`)])).toBeNull();
    }
    for (const f of ['runs.csv', 'points.csv']) expect(readFileSync(join(tmp, 'swap1-out', f)).equals(readFileSync(join(tmp, 'swap2-out', f))), f).toBe(true);
  });

  it('a bad file among several is an error naming it; exit 2', async () => {
    const good = join(tmp, 'good.csv');
    writeFileSync(good, rbRows('mmlu-y', [1, 2, 3]));
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, 'model,mean_quality\nx,1\n');
    const e = await evaluate(['--routerbench', good, bad, '--no-charts', '--out', join(tmp, 'bad-out')]);
    expect((e as Error).message).toMatch(/bad\.csv:1: not a RouterBench table/);
    expect(exitCode(e)).toBe(2);
    expect(existsSync(join(tmp, 'bad-out'))).toBe(false);
  });
});

/** `evaluate --json` (1 run, λ 0 and 1, no charts) on the small RouterBench CSV, written as <name>.csv; the summary it prints. */
async function smallSummary(name: string, extra: string[] = []): Promise<EvaluateSummary> {
  const f = join(tmp, `${name}.csv`);
  writeFileSync(f, rbCsv());
  expect(await evaluate(['--routerbench', f, ...extra, '--runs', '1', '--lambdas', '0,1', '--no-charts', '--json', '--out', join(tmp, name)])).toBeNull();
  return JSON.parse(io.out.join('')) as EvaluateSummary;
}

describe('evaluateReportSection', () => {
  it('is an HTML fragment with the Table 1 columns, baselines and figures', async () => {
    const s = await smallSummary('sec');
    const html = evaluateReportSection(s);
    expect(html.startsWith('<section id="evaluate-routerbench">')).toBe(true);
    expect(html.trim().endsWith('</section>')).toBe(true);
    expect(html).toMatch(/<th>AIQ \(mean\)<\/th><th>AIQ mmlu<\/th><th>AIQ hellaswag<\/th><th>peak accuracy \(λ\)<\/th><th>average accuracy<\/th>/);
    expect(html).toContain('zero router');
    expect(html).toContain('oracle, hindsight frontier');
    expect(html).toContain('Published figures (GreenServ Table 1) not shown: the source is a subset');
    expect(html).toContain('<img src="charts/cost-quality-mmlu.svg"');
    const inlined = evaluateReportSection(s, { mmlu: '<?xml version="1.0"?><svg id="x"></svg>' });
    expect(inlined).toContain('<figure id="evaluate-mmlu"><svg id="x"></svg>');
    expect(inlined).not.toContain('evaluate-hellaswag"');
    expect(html).not.toMatch(/<script/);
    // wide tables (a column per family) scroll inside the page: every table in a scrolling box
    expect(html.match(/<table/g)?.length).toBe(2);
    expect(html.match(/<div class="wide"><table/g)?.length).toBe(2);
    const page = evaluateReportHtml(s, new Map([['mmlu', '<svg width="640" height="480"></svg>']]));
    expect(page).toMatch(/\.wide\{overflow-x:auto\}/);
    // charts on the text scale of the other reports (1.25×), never wider than the page
    expect(page).toContain('<figure id="evaluate-mmlu"><svg style="width:800px;min-width:640px" width="640"');
    expect(page).toMatch(/figure svg\{display:block;max-width:100%;height:auto\}/);
  });

  it('the router table fits an 800-px window: compact type, names that wrap, a policy name only when it differs from its label', async () => {
    const s = await smallSummary('router-table');
    const html = evaluateReportSection(s);
    const table = html.slice(html.indexOf('<table'), html.indexOf('</table>'));
    expect(table.startsWith('<table class="compact"><tr><th class="text" style="width:30%">router</th>')).toBe(true);
    const first = [...table.matchAll(/<tr><td([^>]*)>(.*?)<\/td>/g)].map((m) => [m[1], m[2]]);
    // one row per policy, then the zero router and the two oracle rows; every name a wrapping text cell
    expect(first).toHaveLength(s.policies.length + 3);
    expect(first.every(([cls]) => cls === ' class="text"')).toBe(true);
    expect(first.map(([, name]) => name)).toEqual([
      'ε-greedy (contextual) <span class="note">(linear-epsilon-greedy)</span>',
      'LinUCB <span class="note">(linucb)</span>',
      'Thompson sampling <span class="note">(thompson)</span>',
      'random',
      'zero router (single models and their mixtures)',
      'oracle, hindsight frontier',
      'oracle point (best quality, cheapest among ties)',
    ]);
    expect(REPORT_CSS).toContain('table.profile,table.compact{font-size:.8em}');
  });
});

describe('evaluateTable', () => {
  it('prints the published Table 1 numbers beside ours only when the source is the full 0-shot set', async () => {
    const s = await smallSummary('tab', ['--policies', 'linear-epsilon-greedy,linucb,thompson']);
    const subset = evaluateTable(s);
    expect(subset).toMatch(/published GreenServ Table 1 numbers not shown: the source is a subset \(4 of 36,497 prompts/);
    expect(subset).not.toMatch(/pub AIQ/);
    const full = evaluateTable({ ...s, published: { ...s.published, comparable: true, note: 'the source is the full RouterBench 0-shot set' } });
    expect(full).toMatch(/AIQ .* pub AIQ +pub peak +pub avg/);
    expect(full).toMatch(/linear-epsilon-greedy .* 0\.637 +75\.4% +69\.2%/);
    expect(full).toMatch(/thompson .* 0\.624 +69\.5% +66\.3%/);
    expect(full).toMatch(/linucb .* 0\.607 +75\.7% +71\.7%/);
  });

  it('fits a terminal: drops the family columns together, then APGR and the CPTs, and wraps its head lines', async () => {
    const s = await smallSummary('narrow');
    const wide = evaluateTable(s);
    expect(wide).toMatch(/^router +AIQ +mmlu +hellaswag +peak acc +avg acc +CPT\(50%\) +CPT\(80%\) +APGR$/m);
    expect(wide).toMatch(/^model +cost\/prompt \(USD\) +quality +AIQ +mmlu q +hellaswag q$/m);
    // one run is `1 run`
    expect(wide).toMatch(/ · 1 run · seed 40 · /);
    const narrow = evaluateTable(s, 79);
    for (const line of narrow.split('\n')) expect(line.length).toBeLessThanOrEqual(79);
    expect(narrow).toMatch(/^router +AIQ +peak acc +avg acc +CPT\(50%\) +CPT\(80%\) +APGR$/m);
    expect(narrow).toMatch(/^model +cost\/prompt \(USD\) +quality +AIQ$/m);
    expect(evaluateTable(s, 70)).toMatch(/^router +AIQ +peak acc +avg acc +CPT\(50%\)$/m);
    // the head breaks between its items, the note between words
    expect(narrow).toMatch(/^λ 0, 1 · 1 run · seed 40$/m);
    expect(narrow).toMatch(/^published GreenServ Table 1 numbers not shown: the source is a subset \(4 of$/m);
  });

  it('the energy tables of --cost energy fit a terminal too: J per prompt at peak stays, the rest gives way', async () => {
    const e = ((await smallSummary('narrow-energy', ['--cost', 'energy', '--energy-model', 'gpu=H100,batch=32'])) as EvaluateSummary & { energy: { metrics: Parameters<typeof energyEvaluateTable>[0]; energyModel: { gpu: string; batch: number }; models: Parameters<typeof energyEvaluateTable>[2] } }).energy;
    const wide = energyEvaluateTable(e.metrics, e.energyModel, e.models);
    expect(wide).toMatch(/^router +energy AIQ +peak acc +J\/prompt @peak +J\/correct @peak +saved vs models @peak +J\/prompt @ref acc +J\/correct @ref acc +saved @ref acc$/m);
    expect(wide).toMatch(/saved @ref acc +90 % band J\/prompt$/m);
    const narrow = energyEvaluateTable(e.metrics, e.energyModel, e.models, 79);
    for (const line of narrow.split('\n')) expect(line.length).toBeLessThanOrEqual(79);
    expect(narrow).toMatch(/^router +energy AIQ +peak acc +J\/prompt @peak$/m);
    expect(narrow).toMatch(/^model +energy AIQ +peak acc +J\/prompt @peak$/m);
  });
});

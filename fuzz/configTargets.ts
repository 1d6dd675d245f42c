/**
 * What the configuration fuzzer (configs.ts) feeds the CLI: per target, the valid inputs it starts from (made
 * once, by the CLI itself, under the work directory) and how one case is built from them: which file is
 * edited, how, and the command that reads it.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Rng } from '../src/core/rng.js';
import { mutateCsvText, mutateTree, mutateYamlText, short, type Tree } from './configMutate.js';
import { pick } from './mutateCommon.js';

/** The project root, from the sources (fuzz/) or from the compiled copy (dist/fuzz/). */
export const ROOT = [join(import.meta.dirname, '..'), join(import.meta.dirname, '../..')].find((d) => existsSync(join(d, 'bin/greenserv')))!;
export const BIN = join(ROOT, 'bin/greenserv');

/** One case: the command (files already written under its directory) and what an error must name. */
export interface ConfigCase {
  target: ConfigTarget;
  index: number;
  ops: string[];
  args: string[];
  /** An exit-2 message must name one of these (the edited file, or the flag it was given to). */
  names: string[];
  /**
   * Or all of one of these groups: a disagreement between two files of a results directory is named at the
   * file, line and field where it shows, with the other file by its name (`selection.csv:2 (column
   * 'model_id'): model 'x' is not among the models of summary.json`).
   */
  namedWith?: string[][];
  /** Paths that must not exist after an exit 2 (nothing written). */
  outputs: string[];
  /** Exit 1 without an internal error is a result (regress: a regression). */
  exit1Ok?: boolean;
}

export const CONFIG_TARGETS = ['experiment', 'report', 'merge', 'resume', 'regress', 'ope', 'bounds', 'reward', 'taskmodel'] as const;
export type ConfigTarget = (typeof CONFIG_TARGETS)[number];

/** Runs the CLI synchronously (for the base inputs); throws with its stderr when it fails. */
export type RunCli = (args: string[], cwd: string) => void;

const EXPERIMENTS = join(ROOT, 'experiments');
const TABLE_STRINGS = ['gemma-3-27b', 'qwen2.5-0.5b', 'phi-4-mini-4b', 'gemma-3-12b', 'llama-3.1-8b', 'mmlu', 'gsm8k', 'linucb', 'static:gemma-3-27b', 'thompson', 'energy=0.03'];

/** Base inputs of a target, made once per work directory (deterministic: the CLI's own outputs). */
export function prepare(target: ConfigTarget, base: string, cli: RunCli): void {
  const done = join(base, `${target}.ready`);
  if (existsSync(done)) return;
  const dir = join(base, target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const np = ['--no-progress'];
  switch (target) {
    case 'report':
      cli(['simulate', '--runs', '2', '--policies', 'linucb,random,static:gemma-3-27b', '--out', join(dir, 'sim'), ...np], dir);
      cli(['experiment', 'run', 'x6-drift', '--runs', '1', '--out', join(dir, 'x6'), '--no-charts', '--workers', '1', ...np], dir);
      cli(['experiment', 'run', 'x5-budget-003', '--runs', '1', '--out', join(dir, 'x5'), '--no-charts', '--workers', '1', ...np], dir);
      cli(['simulate', '--runs', '1', '--policies', 'linucb', '--log', join(dir, 'log.csv'), '--out', join(dir, 'simlog'), ...np], dir);
      cli(['ope', '--logs', join(dir, 'log.csv'), '--policies', 'random,linucb', '--bootstrap', '20', '--out', join(dir, 'ope')], dir);
      break;
    case 'merge':
      for (const i of [0, 1]) {
        cli(['experiment', 'run', 'x7-new-model', '--runs', '1', '--shard', `${i}/2`, '--out', join(dir, `x7-${i}`), '--workers', '1', ...np], dir);
        cli(['evaluate', '--routerbench', join(ROOT, 'test/fixtures/routerbench_small_pd1_p2.pkl'), '--runs', '1', '--lambdas', '0,1', '--shard', `${i}/2`, '--out', join(dir, `ev-${i}`), ...np], dir);
      }
      break;
    case 'resume':
      cli(['experiment', 'run', 'x0-warmup', '--runs', '2', '--shard', '0/1', '--out', join(dir, 'x0'), '--workers', '1', ...np], dir);
      break;
    case 'ope':
      cli(['simulate', '--runs', '1', '--policies', 'linucb', '--log', join(dir, 'log.csv'), '--out', join(dir, 'sim'), ...np], dir);
      cli(['simulate', '--runs', '1', '--policies', 'thompson', '--log', join(dir, 'log.jsonl'), '--out', join(dir, 'sim2'), ...np], dir);
      break;
    case 'taskmodel':
      writeFileSync(join(dir, 'labelled.csv'), LABELLED);
      cli(['features', 'train-task', join(dir, 'labelled.csv'), '--out', join(dir, 'task-model.json')], dir);
      break;
    default:
      break;
  }
  writeFileSync(done, '');
}

const LABELLED = `query_id,text,task
1,what is 2+2,gsm8k
2,summarise this article about cats,cnn_dailymail
3,which answer is right: a or b,mmlu
4,how many apples remain after eating three,gsm8k
5,the story continues with,hellaswag
6,sum of the numbers one to ten,gsm8k
`;

const BOUNDS: Record<string, string> = {
  'metrics.yaml': 'mmlu:\n  energy_per_token: {min: 0.05, max: 3}\ngsm8k:\n  energy_per_token: {min: 0.05, max: 3}\nhellaswag:\n  energy_per_token: {min: 0.05, max: 3}\nwinogrande:\n  energy_per_token: {min: 0.05, max: 3}\ncnn_dailymail:\n  energy_per_token: {min: 0.05, max: 3}\n',
  'bounds.json': '{"mmlu": {"ept_min": 0.05, "ept_max": 3}, "gsm8k": {"ept_min": 0.1, "ept_max": 2.5}}\n',
  'bounds.csv': 'task,ept_min,ept_max\nmmlu,0.05,3\ngsm8k,0.1,2.5\nhellaswag,0.05,3\nwinogrande,0.05,3\ncnn_dailymail,0.05,3\n',
};

/** A YAML or JSON text edited: the tree (mostly) or the text. */
function editYaml(text: string, rng: Rng, ops: string[], prefix: (t: Tree) => Tree = (t) => t, json = false): string {
  let out = text;
  const before = ops.length;
  if (rng.next() < 0.8) {
    let tree: Tree;
    try {
      tree = prefix(json ? JSON.parse(text) : parseYaml(text));
    } catch {
      tree = {};
    }
    const m = mutateTree(tree, rng, TABLE_STRINGS);
    ops.push(...m.ops);
    try {
      out = json && rng.next() < 0.7 ? JSON.stringify(m.tree, null, 2) : stringifyYaml(m.tree, { aliasDuplicateObjects: false });
    } catch {
      // too deep for the YAML writer's recursion; JSON's reaches further, and past that the edit is dropped
      try {
        out = JSON.stringify(m.tree);
        ops.push('(written as JSON)');
      } catch {
        ops.push('(edit dropped: too deep to write)');
      }
    }
  }
  // every case edits something: an unedited seed only measures how long a valid run takes
  if (ops.length === before || rng.next() < 0.3) {
    const m = json && rng.next() < 0.5 ? jsonText(out, rng) : mutateYamlText(out, rng);
    ops.push(m.op);
    out = m.text;
  }
  return out;
}

/** JSON-only text edits: NaN and Infinity tokens, truncation. */
function jsonText(text: string, rng: Rng): { text: string; op: string } {
  const nums = [...text.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/g)];
  if (nums.length && rng.next() < 0.6) {
    const m = pick(rng, nums);
    const v = pick(rng, ['NaN', 'Infinity', '-Infinity', '1e999', '"NaN"', '"1"', 'null', '1e-999', '-0']);
    return { text: text.slice(0, m.index) + v + text.slice(m.index! + m[0].length), op: `json: number at ${m.index} = ${v}` };
  }
  const cut = rng.int(text.length + 1);
  return { text: text.slice(0, cut), op: `json: truncated at ${cut}` };
}

/** An NDJSON checkpoint line edited and signed again, so it passes the checksum and reaches the checks behind it. */
function editRecords(text: string, rng: Rng, ops: string[]): string {
  const lines = text.split('\n').filter((l) => l);
  if (!lines.length) return text;
  const i = rng.int(lines.length);
  const m = /^\{"sha256":"[0-9a-f]{64}","data":(.*)\}$/.exec(lines[i]);
  if (!m || rng.next() < 0.15) {
    const e = mutateCsvText(text, rng);
    ops.push(e.op.replace('csv', 'ndjson'));
    return e.text;
  }
  const t = mutateTree(JSON.parse(m[1]), rng, TABLE_STRINGS);
  const data = toJson(t.tree, m[1]);
  ops.push(...t.ops.map((o) => `record ${i + 1}: ${o}`));
  lines[i] = `{"sha256":"${createHash('sha256').update(data).digest('hex')}","data":${data}}`;
  return lines.join('\n') + '\n';
}

/** JSON text of an edited value, or `unchanged` when it is nested too deep for JSON.stringify's recursion. */
function toJson(v: Tree, unchanged: string): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return unchanged;
  }
}

/** Edit one file of a copied results or checkpoint directory in place; returns its path. */
function editFileIn(dir: string, rng: Rng, ops: string[], skip: RegExp = /^$/): string {
  const files = listFiles(dir).filter((f) => !skip.test(basename(f)));
  const f = pick(rng, files);
  const text = readFileSync(f, 'utf8');
  const name = basename(f);
  let out: string;
  if (name.endsWith('.ndjson')) out = editRecords(text, rng, ops);
  else if (name.endsWith('.json')) out = editYaml(text, rng, ops, undefined, true);
  else if (name.endsWith('.yaml') || name.endsWith('.yml')) out = editYaml(text, rng, ops);
  else {
    const e = mutateCsvText(text, rng, TABLE_STRINGS);
    ops.push(e.op);
    out = e.text;
  }
  writeFileSync(f, out);
  ops.unshift(`edit ${relative(dir, f)}`);
  return f;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** Build case `index` of a target in the empty directory `dir` (its content depends only on rng). */
export function buildCase(target: ConfigTarget, base: string, dir: string, rng: Rng, index: number): ConfigCase {
  const ops: string[] = [];
  const b = join(base, target);
  const out = join(dir, 'out');
  const np = ['--no-progress'];
  const c = (args: string[], names: string[], outputs: string[] = [out], exit1Ok = false): ConfigCase => ({ target, index, ops, args, names, outputs, exit1Ok });
  switch (target) {
    case 'experiment': {
      const yamls = readdirSync(EXPERIMENTS).filter((f) => f.endsWith('.yaml'));
      for (const f of readdirSync(EXPERIMENTS).filter((f) => f.endsWith('.csv'))) cpSync(join(EXPERIMENTS, f), join(dir, f));
      const seed = pick(rng, yamls);
      ops.push(seed);
      let file = join(dir, seed);
      if (seed.startsWith('x7-new-model-') && rng.next() < 0.3) {
        // the side file the experiment names (families or priors)
        const side = readFileSync(join(EXPERIMENTS, seed), 'utf8').match(/(builtin-\w+\.csv)/)?.[1];
        if (side) {
          const e = mutateCsvText(readFileSync(join(dir, side), 'utf8'), rng, TABLE_STRINGS);
          writeFileSync(join(dir, side), e.text);
          ops.push(`${side}: ${e.op}`);
          writeFileSync(file, readFileSync(join(EXPERIMENTS, seed), 'utf8').replace(/^runs: \d+/m, 'runs: 1'));
          file = join(dir, side);
        }
      }
      // runs: 1 in the text itself, so that text-only edits (which leave the tree alone) stay one run too
      const quick = readFileSync(join(EXPERIMENTS, seed), 'utf8').replace(/^runs: \d+/m, 'runs: 1');
      if (file.endsWith('.yaml')) writeFileSync(file, editYaml(quick, rng, ops, (t) => ({ ...(t as object), runs: 1 })));
      const charts = rng.next() < 0.4 ? [] : ['--no-charts'];
      return c(['experiment', 'run', join(dir, seed), '--out', out, '--workers', '1', ...charts, ...np], [file]);
    }
    case 'report': {
      const src = pick(rng, ['sim', 'x6', 'x5', 'ope']);
      cpSync(join(b, src), join(dir, src), { recursive: true, filter: (p) => !/(\/charts|report\.html)$/.test(p) });
      const f = editFileIn(join(dir, src), rng, ops);
      return { ...c(['report', join(dir, src)], [f], [join(dir, src, 'charts'), join(dir, src, 'report.html')]), namedWith: [[join(dir, src) + '/', ` ${basename(f)}`]] };
    }
    case 'merge': {
      const kind = pick(rng, ['x7', 'ev']);
      const shards = [0, 1].map((i) => join(dir, `${kind}-${i}`));
      shards.forEach((s, i) => cpSync(join(b, `${kind}-${i}`), s, { recursive: true }));
      const f = editFileIn(pick(rng, shards), rng, ops);
      const charts = rng.next() < 0.5 ? [] : ['--no-charts'];
      // a cell missing or twice across the shards is the set's problem, named by merge rather than by a file
      return c(['merge', ...shards, '--out', out, ...charts], [f, 'greenserv: error: merge: ']);
    }
    case 'resume': {
      const p = join(dir, 'run.partial');
      cpSync(join(b, 'x0'), p, { recursive: true });
      // a checkpoint of an unsharded run that stopped after its first replays
      const state = JSON.parse(readFileSync(join(p, 'state.json'), 'utf8'));
      delete state.shard;
      state.out = join(dir, 'run');
      writeFileSync(join(p, 'state.json'), JSON.stringify(state, null, 2) + '\n');
      const jobs = readFileSync(join(p, 'jobs.ndjson'), 'utf8').split('\n').filter((l) => l);
      writeFileSync(join(p, 'jobs.ndjson'), jobs.slice(0, 1 + rng.int(jobs.length - 1)).join('\n') + '\n');
      for (const f of ['config.json', 'config.yaml']) rmSync(join(p, f), { force: true });
      const f = editFileIn(p, rng, ops);
      return c(['experiment', 'run', '--resume', p, '--workers', '1', '--no-charts', ...np], [f], [join(dir, 'run')]);
    }
    case 'regress': {
      const seeds = readdirSync(join(ROOT, 'results/baselines')).filter((f) => f.endsWith('.json') && !f.startsWith('routerbench'));
      const seed = pick(rng, seeds);
      ops.push(seed);
      const f = join(dir, seed);
      // one run of two policies keeps a re-run short; the metrics then differ (a regression, exit 1)
      const quick = (t: Tree): Tree => {
        const j = t as { config?: { runs?: number; policies?: string[]; minMs?: number } };
        if (j.config?.runs !== undefined) j.config.runs = 1;
        if (Array.isArray(j.config?.policies)) j.config.policies = j.config.policies.slice(0, 2);
        if (j.config?.minMs !== undefined) j.config.minMs = 20;
        return j;
      };
      // the text-only edits start from the shortened baseline too
      const text = JSON.stringify(quick(JSON.parse(readFileSync(join(ROOT, 'results/baselines', seed), 'utf8')) as Tree), null, 2) + '\n';
      writeFileSync(f, editYaml(text, rng, ops, quick, true));
      const report = join(dir, 'regress.json');
      return c(['regress', '--baseline', f, '--out', report], [f], [report], true);
    }
    case 'ope': {
      const src = pick(rng, ['log.csv', 'log.jsonl']);
      const f = join(dir, src);
      const text = readFileSync(join(b, src), 'utf8');
      if (src.endsWith('.jsonl') && rng.next() < 0.6) {
        const lines = text.split('\n');
        const i = rng.int(lines.length - 1);
        const m = mutateTree(JSON.parse(lines[i]), rng, TABLE_STRINGS);
        lines[i] = toJson(m.tree, lines[i]);
        ops.push(...m.ops.map((o) => `line ${i + 1}: ${o}`));
        writeFileSync(f, lines.join('\n'));
      } else {
        const e = mutateCsvText(text, rng, TABLE_STRINGS);
        ops.push(e.op);
        writeFileSync(f, e.text);
      }
      return c(['ope', '--logs', f, '--policies', 'random,linucb', '--bootstrap', '20', '--out', out], [f]);
    }
    case 'bounds': {
      const src = pick(rng, Object.keys(BOUNDS));
      const f = join(dir, src);
      if (src.endsWith('.csv')) {
        const e = mutateCsvText(BOUNDS[src], rng, TABLE_STRINGS);
        ops.push(e.op);
        writeFileSync(f, e.text);
      } else writeFileSync(f, editYaml(BOUNDS[src], rng, ops, undefined, src.endsWith('.json')));
      return c(['simulate', '--bounds', f, '--runs', '1', '--policies', 'random,linucb', '--steps', 'none', '--out', out, ...np], [f]);
    }
    case 'reward': {
      // no process can receive a NUL byte in an argument: the expression is given without it
      const expr = rewardExpression(rng).replace(/\0/g, '');
      ops.push(`--reward ${short(expr)}`);
      return c(['simulate', '--reward', expr, '--runs', '1', '--policies', 'random,linucb', '--steps', 'none', '--out', out, ...np], ['--reward']);
    }
    case 'taskmodel': {
      const f = join(dir, 'task-model.json');
      writeFileSync(f, editYaml(readFileSync(join(b, 'task-model.json'), 'utf8'), rng, ops, undefined, true));
      writeFileSync(join(dir, 'q.csv'), 'query_id,text\n1,how many apples are left\n2,summarise the article\n');
      return c(['features', join(dir, 'q.csv'), '--task-model', f, '--out', join(out + '.csv')], [f], [out + '.csv']);
    }
  }
}

const VARS = ['accuracy', 'energy_norm', 'energy_j', 'latency_s', 'tokens', 'cost_usd', 'lambda'];
const FUNCS = ['log', 'sqrt', 'exp', 'abs', 'max', 'min', 'pow', 'floor', 'ceil', 'sin', 'tanh', 'log10', 'random', 'factorial', 'gamma', 'cbrt', 'sign', 'mod', 'nthRoot', 'zeros', 'det', 'inv', 'derivative', 'simplify', 'evaluate', 'parse', 'import', 'createUnit', 'matrix', 'range', 'isNaN'];
const HOSTILE_EXPRS = [
  '', ' ', 'accuracy;energy_j', 'f(x) = x', 'accuracy = 1', 'x', 'a.b', 'accuracy[1]', '[1,2]', '{a: 1}', '"text"', '1/0', '0/0', '-1/0', 'NaN',
  'Infinity', 'e', 'pi', 'i', 'sqrt(-1)', '2^2^2^2^2', '9^9^9', 'factorial(171)', 'range(1, 1e9)', 'zeros(1e5, 1e5)', '1 cm', '5 inch to cm',
  'accuracy ? 1 : 0', 'accuracy == 1', '(' .repeat(5000) + '1' + ')'.repeat(5000), 'accuracy' + '+accuracy'.repeat(12_000), 'x => x',
  'evaluate("1")', 'import({})', 'constructor', '__proto__', 'toString', 'accuracy.constructor', 'true', 'null', 'undefined', 'accuracy!',
  '1e309', 'accuracy\u0000', 'énergie', 'lambda * ', 'bignumber(1)', 'fraction(1, 3)', 'complex(1, 2)', 'string(accuracy)', '#',
];

/** A --reward expression: a random one over the variables and functions, or a hostile one. */
function rewardExpression(rng: Rng): string {
  if (rng.next() < 0.4) return pick(rng, HOSTILE_EXPRS);
  const term = (d: number): string => {
    const r = rng.int(d > 3 ? 2 : 6);
    if (r === 0) return pick(rng, VARS);
    if (r === 1) return String(pick(rng, [0, 1, -1, 0.5, 1e308, 1e-320, 2, 100, 1e16]));
    if (r === 2) return `${pick(rng, FUNCS)}(${term(d + 1)}${rng.next() < 0.4 ? `, ${term(d + 1)}` : ''})`;
    if (r === 3) return `(${term(d + 1)} ${pick(rng, ['+', '-', '*', '/', '^', '%', '==', '<', 'and', 'or', 'to', '.*', "'"])} ${term(d + 1)})`;
    if (r === 4) return `-${term(d + 1)}`;
    return `${term(d + 1)} ${pick(rng, ['+', '*', '-', '/'])} ${term(d + 1)}`;
  };
  return term(0);
}

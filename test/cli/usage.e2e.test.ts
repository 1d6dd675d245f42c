/** Usage mistakes a new user makes on the command line, and what they are told (built binary; build first). */
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli as run, type CliResult } from '../helpers/cli.js';

const cli = (args: string[], cwd: string): Promise<CliResult> => run(args, { cwd });

describe('command-line usage mistakes (built binary)', () => {
  it('an option given without its value, before another option, is a missing value naming both; nothing is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-usage-'));
    const cases: [string[], string][] = [
      // was "--json: file not found"
      [['simulate', '--data', '--json'], "option '--data <source>' argument missing: '--json' after it is an option, not its value"],
      // was "too many arguments for 'simulate'. Expected 0 arguments but got 1."
      [['simulate', '--lambda', '--runs', '2'], "option '--lambda <λ>' argument missing: '--runs' after it is an option, not its value"],
      [['experiment', 'run', 'x0-warmup', '--runs', '--json'], "option '--runs <n>' argument missing: '--json' after it is an option, not its value"],
      [['datasets', 'info', '--format', '--json', 'x.csv'], "option '--format <format>' argument missing: '--json' after it is an option, not its value"],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(args, dir);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0], args.join(' ')).toBe(`greenserv: error: ${msg} (run with --help for usage)`);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a value that starts with a dash but is no option of the command still passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-usage-'));
    const r = await cli(['simulate', '--seed', '-1'], dir);
    expect(r.stderr).toBe("greenserv: error: --seed: must be an integer ≥ 0, got '-1'\n");
    const eq = await cli(['simulate', '--runs', '1', '--policies', 'random', '--steps', 'none', '--out=--json', '--json'], dir);
    expect(eq.code).toBe(0);
    expect(readdirSync(dir)).toEqual(['--json']);
  });

  it('regress without --baseline says the option is required and how to give it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-usage-'));
    const r = await cli(['regress'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "greenserv: error: required option '--baseline <file-or-dir>' not specified: give a baseline JSON file or a directory of them, e.g. --baseline results/baselines\n",
    );
    mkdirSync(join(dir, 'empty'));
    const e = await cli(['regress', '--baseline', 'empty'], dir);
    expect(e.code).toBe(2);
    expect(e.stderr).toBe('greenserv: error: --baseline empty: the directory holds no baseline files (*.json)\n');
    expect(readdirSync(dir)).toEqual(['empty']);
  });

  it('report on a missing path or on a file says so, not "cannot read <path>/summary.json"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-usage-'));
    writeFileSync(join(dir, 'pairs.csv'), 'query_id,model_id,accuracy\nq1,m1,1\n');
    const missing = await cli(['report', 'results/nope'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'greenserv: error: results/nope: no such directory; give the results directory of a simulate, experiment or ope run (its --out)\n',
    );
    const file = await cli(['report', 'pairs.csv'], dir);
    expect(file.code).toBe(2);
    expect(file.stderr).toBe(
      'greenserv: error: pairs.csv: a file, not a results directory; give the directory a simulate, experiment or ope run wrote (its --out)\n',
    );
    expect(readdirSync(dir)).toEqual(['pairs.csv']);
  });

  it('experiment schema says where it wrote the schema (the default is relative to the current directory)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-usage-'));
    const r = await cli(['experiment', 'schema'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('wrote experiments/schema.json\n');
    expect(readdirSync(join(dir, 'experiments'))).toEqual(['schema.json']);
  });

  it('an output path below a file names the path as given and says the file is not a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-usage-'));
    writeFileSync(join(dir, 'my.csv'), 'query_id,model_id,accuracy\nq1,m1,1\n');
    const cases: [string[], string][] = [
      // was "cannot inspect '/tmp/…/my.csv/sub': a component of the path is not a directory [ENOTDIR]"
      [['simulate', '--runs', '1', '--policies', 'random', '--out', 'my.csv/sub'], "--out my.csv/sub: 'my.csv' is a file, not a directory; choose another --out"],
      [['simulate', '--runs', '1', '--policies', 'random', '--out', 'my.csv/a/b'], "--out my.csv/a/b: 'my.csv' is a file, not a directory; choose another --out"],
      // was "… [ENOTDIR] (/tmp/…/my.csv/a)"
      [['simulate', '--runs', '1', '--policies', 'random', '--out', 'o', '--log', 'my.csv/a/x.csv'], "--log: cannot write 'my.csv/a/x.csv': 'my.csv' is a file, not a directory"],
      // was "… [ENOTDIR] (my.csv/a/.greenserv-tmp-…-x.parquet)"
      [['datasets', 'convert', 'my.csv', 'my.csv/a/x.parquet'], "destination 'my.csv/a/x.parquet': 'my.csv' is a file, not a directory; name a file in a directory"],
      // a missing folder: was "cannot write 'sub/x.parquet': no such file or directory [ENOENT] (sub/.greenserv-tmp-…-x.parquet)"
      [['datasets', 'convert', 'my.csv', 'sub/x.parquet'], "destination 'sub/x.parquet': the directory 'sub' does not exist; create it first (mkdir -p sub) or name a file in an existing directory"],
      [['datasets', 'convert', '--stream', 'my.csv', 'sub/x.parquet'], "destination 'sub/x.parquet': the directory 'sub' does not exist; create it first (mkdir -p sub) or name a file in an existing directory"],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(args, dir);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(`greenserv: error: ${msg}\n`);
    }
    expect(readdirSync(dir)).toEqual(['my.csv']);
  });

  it('merge of a finished results directory says it needs no merge and what merge takes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-usage-'));
    expect((await cli(['simulate', '--runs', '1', '--policies', 'random', '--steps', 'none', '--out', 'res'], dir)).code).toBe(0);
    const r = await cli(['merge', 'res'], dir);
    expect(r.code).toBe(2);
    // was "res: not a checkpoint directory (state.json is missing)"
    expect(r.stderr).toBe(
      'greenserv: error: res: a finished results directory (no state.json), not a shard: it needs no merge; merge takes the shard directories that `experiment run --shard i/n` or `evaluate --shard i/n` write\n',
    );
    expect(readdirSync(dir)).toEqual(['res']);
  });

  it('--data named .gz that is not gzip says so, naming the file as given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-usage-'));
    writeFileSync(join(dir, 'g.csv.gz'), 'id,score\nq1,1\n');
    const r = await cli(['simulate', '--data', 'g.csv.gz', '--runs', '1'], dir);
    expect(r.code).toBe(2);
    // was "g.csv.gz:1: header has neither the long-format columns (query_id, model_id, accuracy) nor a recognised wide layout"
    expect(r.stderr).toBe('greenserv: error: g.csv.gz: not gzip-compressed, though its name ends in .gz; drop the .gz from its name if it is a plain file, or compress it with gzip\n');
    expect(readdirSync(dir)).toEqual(['g.csv.gz']);
  });

  it('a misspelt column gets a "did you mean", a ;-separated file says to save it with commas or tabs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-usage-'));
    writeFileSync(join(dir, 'typo.csv'), 'query_id,model_id,acuracy\nq1,m1,1\n');
    writeFileSync(join(dir, 'semi.csv'), 'query_id;model_id;accuracy\nq1;m1;1\n');
    const cases: [string[], string][] = [
      // was "missing required column 'accuracy' (long format)"
      [['simulate', '--data', 'typo.csv'], "typo.csv:1 (column 'accuracy'): missing required column 'accuracy' (long format); the header has 'acuracy' — did you mean 'accuracy'?"],
      // was "… but this file is read as ','-separated", and nothing to do
      [['datasets', 'info', 'semi.csv'], "semi.csv:1: header looks ';'-separated, but this file is read as ','-separated; greenserv reads commas (CSV) or tabs (TSV): save it again with commas as .csv, or with tabs as .tsv"],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(args, dir);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(`greenserv: error: ${msg}\n`);
    }
    expect(readdirSync(dir).sort()).toEqual(['semi.csv', 'typo.csv']);
  });

  it('greenserv without a command prints the help to stderr and exits 2; greenserv help and --help exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-usage-'));
    const bare = await cli([], dir);
    // was exit 0, as if the help had been asked for
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^Usage: greenserv \[options\] \[command\]\n/);
    const group = await cli(['experiment'], dir);
    expect(group.code).toBe(2);
    expect(group.stderr).toMatch(/^Usage: greenserv experiment \[options\] \[command\]\n/);
    for (const args of [['help'], ['--help']]) {
      const r = await cli(args, dir);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toBe(bare.stderr);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('--policy-module of a file that is no JavaScript module says to give an ES module, naming it as given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-usage-'));
    writeFileSync(join(dir, 'my.csv'), 'query_id,model_id,accuracy\nq1,m1,1\n');
    const r = await cli(['simulate', '--policy-module', 'my.csv', '--runs', '1'], dir);
    expect(r.code).toBe(2);
    // was "cannot load it: Unknown file extension ".csv" for /tmp/…/my.csv"
    expect(r.stderr).toBe(
      "greenserv: error: policy module 'my.csv': not a JavaScript module (a .csv file); give an ES module file (.mjs, or .js) that exports the policy factories, like examples/policies/softmax.mjs\n",
    );
    expect(readdirSync(dir)).toEqual(['my.csv']);
  });
});

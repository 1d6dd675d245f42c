/**
 * The output guards in process: which directories count as greenserv results, which inputs a directory
 * holds (through symbolic links too), the re-check when a results directory is committed, and a routing log
 * that fails to write leaving neither the log nor the results.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AtomicDir, atomicFs, pendingTemporaries, writeFileAtomic } from '../../src/core/atomic.js';
import { UsageError, wordedMessage } from '../../src/core/errors.js';
import { flagName } from '../../src/cli/errors.js';
import { greenservMarker, inputInside, protectedDirectory, sameFile } from '../../src/core/outputGuard.js';
import { registerSimulateCommand } from '../../src/cli/simulate.js';
import { datasetsInProcess } from '../helpers/cli.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gs-guard-'));
}

function put(file: string, text: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const MANIFEST = JSON.stringify({ schemaVersion: 1, command: 'simulate', greenserv: '0.1.0' });

describe('greenservMarker: what greenserv wrote, told by a file of its own', () => {
  it('recognises each command’s file and nothing that only has its name', () => {
    const d = tmp();
    const cases: [string, string, string | null][] = [
      ['manifest.json', MANIFEST, 'manifest.json'],
      ['manifest.json', '{"name": "my project", "version": "1.0.0"}', null],
      ['manifest.json', 'not json', null],
      ['state.json', JSON.stringify({ schemaVersion: 1, kind: 'evaluate', settingsSha256: 'a'.repeat(64) }), 'state.json'],
      ['state.json', JSON.stringify({ schemaVersion: 1, experimentFile: '/x.yaml', configSha256: 'b'.repeat(64) }), 'state.json'],
      ['state.json', JSON.stringify({ schemaVersion: 1 }), null],
      ['summary.json', JSON.stringify({ kind: 'ope', schemaVersion: 1 }), 'summary.json'],
      ['summary.json', JSON.stringify({ schemaVersion: 1, total: 3 }), null],
      ['profile.json', JSON.stringify({ schemaVersion: 1, dataset: { name: 't' }, lambda: 0.5, models: [] }), 'profile.json'],
      ['sensitivity.json', JSON.stringify({ command: 'energy sensitivity', greenserv: '0.1.0' }), 'sensitivity.json'],
    ];
    cases.forEach(([name, text, want], i) => {
      const dir = join(d, String(i));
      put(join(dir, name), text);
      expect(greenservMarker(dir), `${name}: ${text}`).toBe(want);
    });
  });

  it('a series of splits: splits.csv beside split-* results; splits.csv alone is not enough', () => {
    const d = tmp();
    put(join(d, 'series', 'splits.csv'), 'split,draw\n');
    expect(greenservMarker(join(d, 'series'))).toBeNull();
    put(join(d, 'series', 'split-0.3', 'manifest.json'), MANIFEST);
    expect(greenservMarker(join(d, 'series'))).toBe('splits.csv');
  });

  it('a FIFO named manifest.json is never opened (no hang) and does not count', () => {
    const d = tmp();
    try {
      execFileSync('mkfifo', [join(d, 'manifest.json')]);
    } catch {
      return void console.warn('skipped: no mkfifo');
    }
    expect(greenservMarker(d)).toBeNull();
  });
});

describe('inputs and protected directories', () => {
  it('an input inside a directory is found as named, through a link out of it and a link into it', () => {
    const d = tmp();
    const x = put(join(d, 'out', 'x.csv'), 'data');
    expect(inputInside(join(d, 'out'), [undefined, 'greenserv-pool', 'hf://a/b', x])).toEqual({ input: x, itself: false });
    expect(inputInside(join(d, 'out'), [join(d, 'out')])).toEqual({ input: join(d, 'out'), itself: true });
    // a link elsewhere that points into the directory: the file it reads would go
    symlinkSync(x, join(d, 'link.csv'));
    expect(inputInside(join(d, 'out'), [join(d, 'link.csv')])?.input).toBe(join(d, 'link.csv'));
    // the directory named through a link
    symlinkSync(join(d, 'out'), join(d, 'alias'));
    expect(inputInside(join(d, 'alias'), [x])?.input).toBe(x);
    expect(inputInside(join(d, 'out'), [put(join(d, 'elsewhere.csv'), 'y'), join(d, 'missing.csv')])).toBeNull();
  });

  it('sameFile: one file under two spellings or through a link; two files are not the same', () => {
    const d = tmp();
    const x = put(join(d, 'x.csv'), 'a');
    symlinkSync(x, join(d, 'l.csv'));
    expect(sameFile(x, `${d}/./x.csv`)).toBe(true);
    expect(sameFile(x, join(d, 'l.csv'))).toBe(true);
    expect(sameFile(x, put(join(d, 'y.csv'), 'a'))).toBe(false);
    expect(sameFile(join(d, 'new.csv'), join(d, 'sub', '..', 'new.csv'))).toBe(true);
  });

  it('the root, the current directory and its parents are protected; a fresh directory is not', () => {
    expect(protectedDirectory('/')).toBe('the file-system root');
    expect(protectedDirectory(process.cwd())).toBe('the current directory');
    expect(protectedDirectory(dirname(process.cwd()))).toBe('a parent of the current directory');
    expect(protectedDirectory(tmp())).toBeNull();
  });

  it('an address with a scheme is refused before anything is made; a local name with a colon is a folder', () => {
    const d = tmp();
    const cwd = process.cwd();
    process.chdir(d);
    try {
      for (const url of ['ftp://x', 's3://bucket/run', 'HTTPS://host/path', 'file:///tmp/y']) {
        expect(() => new AtomicDir(url), url).toThrow(UsageError);
        expect(() => new AtomicDir(url), url).toThrow(/local directory, not to an address \([a-z0-9]+:\/\/…\)/i);
      }
      expect(() => writeFileAtomic('https://host/regress.json', '{}')).toThrow(/cannot write 'https:\/\/host\/regress.json': files are written locally, not to an address \(https:\/\/…\)/);
      expect(readdirSync(d)).toEqual([]);
      // not an address: a colon without '//' after it stays a (local) folder name
      const dir = new AtomicDir('run:1');
      dir.write('a.txt', 'x');
      dir.commit();
      expect(readFileSync(join(d, 'run:1', 'a.txt'), 'utf8')).toBe('x');
    } finally {
      process.chdir(cwd);
    }
  });

  it('datasets convert refuses the source under another spelling of its path', async () => {
    const d = tmp();
    const src = put(join(d, 't.csv'), 'query_id,model_id,task,accuracy,energy_j\nq1,m1,mmlu,1,2\n');
    await expect(datasetsInProcess('convert', src, `${d}/./t.csv`, '--force')).rejects.toThrow(new UsageError('destination is the source file'));
    expect(readFileSync(src, 'utf8')).toMatch(/^query_id,model_id/);
  });
});

describe('datasets convert never rewrites its side-file inputs', () => {
  it('a --models/--queries/--bounds file that is the destination or one of its side files is refused, even with --force', async () => {
    const d = tmp();
    const src = put(join(d, 't.csv'), 'query_id,model_id,accuracy\nq1,m1,1\nq2,m1,0\n');
    // the descriptor column 'family' is not written by convert: replacing this file would lose it
    const models = 'model_id,name,params_b,family\nm1,M One,7,qwen2.5\n';
    const m = put(join(d, 'out.models.csv'), models);
    const q = put(join(d, 'out.queries.csv'), 'query_id,task,text\nq1,mmlu,Hello there\nq2,gsm8k,How many?\n');
    for (const args of [['--models', m], ['--queries', q]]) {
      await expect(datasetsInProcess('convert', src, join(d, 'out.csv'), ...args, '--force')).rejects.toThrow(
        new UsageError(`destination side file ${join(d, args[0] === '--models' ? 'out.models.csv' : 'out.queries.csv')} is the input ${args[1]}, which the conversion may rewrite (with or without --force); name another destination`),
      );
    }
    await expect(datasetsInProcess('convert', src, m, '--models', m, '--force')).rejects.toThrow(/^destination is the input .*out\.models\.csv/);
    expect(readFileSync(m, 'utf8')).toBe(models);
    expect(readdirSync(d).sort()).toEqual(['out.models.csv', 'out.queries.csv', 't.csv']);
    // Parquet has no side files: the same inputs convert
    await datasetsInProcess('convert', src, join(d, 'out.parquet'), '--models', m, '--queries', q, '--force');
    expect(readFileSync(m, 'utf8')).toBe(models);
  });
});

describe('AtomicDir.commit checks the target again', () => {
  it('earlier results turned into other files meanwhile are not replaced, even with force', () => {
    const d = tmp();
    const out = join(d, 'out');
    put(join(out, 'manifest.json'), MANIFEST);
    const dir = new AtomicDir(out, true);
    dir.write('summary.json', '{}');
    rmSync(join(out, 'manifest.json'));
    put(join(out, 'thesis.tex'), 'keep');
    const e = (() => {
      try {
        dir.commit();
      } catch (x) {
        return x as Error;
      }
      return null;
    })();
    // worded by field for a library caller, by flag on the command line
    expect(e?.message).toMatch(/^out .*out: it is not empty and holds no results of greenserv .*\(it changed while this run was in progress; nothing written\) \(force replaces only earlier results\); choose another out or remove it yourself$/);
    expect(wordedMessage(e!, flagName)).toMatch(/^--out .*out: it is not empty and holds no results of greenserv .*, even with --force \(it changed while this run was in progress; nothing written\) \(--force replaces only earlier results\); choose another --out or remove it yourself$/);
    dir.abort();
    expect(readdirSync(out)).toEqual(['thesis.tex']);
    expect(readdirSync(d)).toEqual(['out']);
    expect(pendingTemporaries()).toEqual([]);
  });

  it('an input that appeared inside the target meanwhile is refused at commit', () => {
    const d = tmp();
    const out = join(d, 'out');
    const dir = new AtomicDir(out, true, [join(out, 'data.csv')]);
    dir.write('summary.json', '{}');
    put(join(out, 'data.csv'), 'rows');
    expect(() => dir.commit()).toThrow(/^out .*out: it holds the input file .*data\.csv; refusing to replace it, even with force \(it changed/);
    dir.abort();
    expect(readdirSync(out)).toEqual(['data.csv']);
  });
});

describe('simulate --log: a failure writing the log', () => {
  afterEach(() => vi.restoreAllMocks());

  it('leaves neither the log nor the results directory', async () => {
    const d = tmp();
    const log = join(d, 'log.csv');
    const out = join(d, 'o');
    const write = atomicFs.writeFileSync;
    // the disk fills up when the log's data is written (its empty temporary was created before the run)
    vi.spyOn(atomicFs, 'writeFileSync').mockImplementation((p, data, opts) => {
      if (String(p).includes('.log.csv.tmp-') && String(data).length > 0) throw Object.assign(new Error('ENOSPC: simulated'), { code: 'ENOSPC' });
      return write(p, data, opts);
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const program = new Command().exitOverride();
    registerSimulateCommand(program);
    await expect(program.parseAsync(['node', 'greenserv', 'simulate', '--policies', 'random', '--runs', '1', '--no-progress', '--out', out, '--log', log])).rejects.toThrow(
      new UsageError(`cannot write '${log}': no space left on device [ENOSPC]`),
    );
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(d)).toEqual([]);
    expect(pendingTemporaries()).toEqual([]);
  });
});

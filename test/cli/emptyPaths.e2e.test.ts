/**
 * An empty path given to an option (`--task-model=`, `--queries ''`) is refused naming the option: it led to
 * "file not found" naming no file, or was silently taken for an absent option. Spawns the built CLI.
 * Also: a features output error is reported once.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-empty-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('empty paths', () => {
  const cases: [string[], string][] = [
    [['features', 'q.csv', '--task-model='], '--task-model'],
    [['energy', 'fit', '--mlenergy=', '--loadtest', 'l.csv'], '--mlenergy'],
    [['regress', '--baseline='], '--baseline'],
    [['simulate', '--queries', '', '--out', 'o'], '--queries'],
    [['energy', 'attach', 'in.csv', '--gpu', 'H100', '--batch', '8', '--models=', '--out', 'a.csv'], '--models'],
    [['evaluate', '--routerbench', 'rb.csv', '', '--out', 'o'], '--routerbench'],
    [['features', 'train-task', 'p.csv', '--out='], '--out'],
  ];
  for (const [args, flag] of cases) {
    it(`${args.slice(0, 2).join(' ')} … ${flag} '': exit 2 naming ${flag}, nothing written`, async () => {
      const r = await cli(args, { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`greenserv: error: ${flag}: the path is empty\n`);
      expect(readdirSync(dir)).toEqual([]);
    });
  }
});

describe('features output errors', () => {
  it('--out naming a directory: the write error once, not wrapped in a second "cannot write"', async () => {
    const q = join(dir, 'q.csv');
    writeFileSync(q, 'query_id,text,task\nq1,What is two plus two?,gsm8k\n');
    const r = await cli(['features', q, '--out', dir]);
    rmSync(q);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`greenserv: error: cannot write '${dir}': it is a directory\n`);
  });
});

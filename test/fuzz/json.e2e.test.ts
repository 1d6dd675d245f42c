/** The JSON lines of the two fuzz runners against fuzz/README.md: a tiny run of each, its fields as documented both ways. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { braceFields, type Json } from '../helpers/docTables.js';

const ROOT = resolve(__dirname, '../..');
const README = readFileSync(resolve(ROOT, 'fuzz/README.md'), 'utf8').replace(/\s+/g, ' ');
const dir = mkdtempSync(join(tmpdir(), 'gs-fuzzjson-'));

/** The JSON lines a runner prints (it exits 0: no input failed). */
function lines(script: string, args: string[]): Json[] {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'dist/fuzz', script), ...args, '--failures', join(dir, script)], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Json);
}

/** The per-item literal after `after` and the total's literal after it. */
function literals(after: string): { item: ReturnType<typeof braceFields>; total: string[] } {
  const rest = README.slice(README.indexOf(after) + after.length);
  const [item, total] = [...rest.matchAll(/`(\{[^`]+\})`/g)].slice(0, 2).map((m) => m[1]);
  expect(braceFields(total).all).toEqual(['total']);
  return { item: braceFields(item), total: braceFields(total.slice(total.indexOf('total:') + 6)).all };
}

describe('fuzz/README.md: the JSON lines of the fuzz runners', () => {
  it.each([
    ['run.js', ['--iterations', '2', '--inline', '--format', 'csv,arrow'], 'Prints one JSON line per format,'],
    ['configs.js', ['--iterations', '1', '--jobs', '1', '--target', 'bounds', '--work', join(dir, 'work')], 'Prints one JSON line per target,'],
  ])('%s: one line per format or target with the documented fields, then the total', (script, args, after) => {
    const out = lines(script, args);
    const { item, total } = literals(after);
    for (const s of out.slice(0, -1)) {
      const ks = Object.keys(s);
      expect(ks.filter((k) => !item.all.includes(k)), 'written, not documented').toEqual([]);
      expect(item.required.filter((k) => !ks.includes(k)), 'documented, missing').toEqual([]);
    }
    expect(Object.keys(out.at(-1)!)).toEqual(['total']);
    expect(Object.keys(out.at(-1)!.total as Json)).toEqual(total);
  });
});

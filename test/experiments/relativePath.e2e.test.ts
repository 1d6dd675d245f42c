/**
 * `experiment run <file>` names the YAML in its messages as the user typed it (a relative path stays relative,
 * as with regress and datasets), while the checkpoint records its absolute path, so `--resume` works from any
 * directory and the data paths and modules stay relative to the YAML's own directory.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { flakyPlugin } from '../helpers/flakyPlugin.js';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('experiment run names the YAML as typed', () => {
  it('a bad YAML given by a relative path is named relatively (parse, table and series messages), exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-relpath-'));
    mkdirSync(join(dir, 'sub'));
    const L = 'name: bad\n';
    // [YAML, message start]
    const cases: [string, string][] = [
      [`${L}runs: x\narms:\n  - policy: linucb\n`, "sub/bad.yaml:2 (field 'runs'): "],
      [`${L}runs: 1\ndrift:\n  - {step: 10, model: nosuch, accuracy: -0.1}\narms:\n  - policy: linucb\n`, "sub/bad.yaml:4 (field 'drift.0.model'): unknown model 'nosuch'"],
      [`${L}runs: 1\ndataset: nothere.csv\narms:\n  - policy: linucb\n`, `sub/bad.yaml:3 (field 'dataset'): file not found: ${join(dir, 'sub', 'nothere.csv')}`],
      [`${L}runs: 1\nsplit: [0.3, 0.5]\narms:\n  - policy: train-best-static\n`, 'sub/bad.yaml: a series of 2 splits runs whole'],
    ];
    for (const [yaml, start] of cases) {
      writeFileSync(join(dir, 'sub', 'bad.yaml'), yaml);
      const r = await cli(['experiment', 'run', 'sub/bad.yaml', '--shard', '0/2', '--out', 'X', '--no-progress', '--no-charts'], { cwd: dir });
      expect(r.code, yaml).toBe(2);
      expect(r.stderr, yaml).toMatch(new RegExp(`^greenserv: error: ${esc(start)}`));
      expect(existsSync(join(dir, 'X')), yaml).toBe(false);
    }
  });

  it('a run started with a relative path records the absolute one and resumes from another directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-relpath-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'gs-relpath-elsewhere-'));
    mkdirSync(join(dir, 'sub'));
    const plugin = flakyPlugin;
    // the module is relative to the YAML's directory, not to the directory the run starts in
    const yaml = 'name: flaky\nruns: 3\narms:\n  - policy: flaky\n    module: flaky.mjs\n';
    writeFileSync(join(dir, 'sub', 'x.yaml'), yaml);
    writeFileSync(join(dir, 'sub', 'flaky.mjs'), plugin(3));
    const args = ['--no-progress', '--no-charts', '--workers', '1'];
    const first = await cli(['experiment', 'run', 'sub/x.yaml', '--out', 'X', ...args], { cwd: dir });
    expect(first.code).not.toBe(0);
    expect(first.stderr).toMatch(/flaky broke/);
    const partial = join(dir, 'X.partial');
    const state = JSON.parse(readFileSync(join(partial, 'state.json'), 'utf8')) as { experimentFile: string; out: string };
    expect(state.experimentFile).toBe(join(dir, 'sub', 'x.yaml'));
    expect(state.out).toBe(join(dir, 'X'));
    expect(readFileSync(join(partial, 'jobs.ndjson'), 'utf8').trim().split('\n')).toHaveLength(2);

    // a changed YAML is named by the path the checkpoint records
    writeFileSync(join(dir, 'sub', 'x.yaml'), `${yaml}# edited\n`);
    const changed = await cli(['experiment', 'run', '--resume', partial, ...args], { cwd: elsewhere });
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain(`greenserv: error: ${join(dir, 'sub', 'x.yaml')} changed since the interrupted run`);
    writeFileSync(join(dir, 'sub', 'x.yaml'), yaml);

    writeFileSync(join(dir, 'sub', 'flaky.mjs'), plugin(1e9));
    const resumed = await cli(['experiment', 'run', '--resume', partial, ...args], { cwd: elsewhere });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(existsSync(partial)).toBe(false);
    expect(existsSync(join(elsewhere, 'X'))).toBe(false);
    const whole = await cli(['experiment', 'run', 'sub/x.yaml', '--out', 'W', ...args], { cwd: dir });
    expect(whole.code, whole.stderr).toBe(0);
    for (const f of ['summary.json', 'runs.csv']) expect(readFileSync(join(dir, 'X', f), 'utf8'), f).toBe(readFileSync(join(dir, 'W', f), 'utf8'));
  });
});

/**
 * Sharded experiments: the shards of every count, merged, are the unsharded run's results directory byte
 * for byte (summary, CSVs, manifest, profile, charts, report.html); a shard directory is the same for any
 * worker count.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, runExperimentShard } from '../../src/app/experiment.js';
import { mergeShards } from '../../src/app/merge.js';
import { evaluateShard } from '../../src/app/evaluateShard.js';
import { writeRouterbenchCsv } from '../helpers/energyTable.js';
import { files } from '../helpers/files.js';

const BIN = resolve(__dirname, '../../bin/greenserv');

const CONFIG = `name: shard-e2e
dataset: greenserv-pool
semantics: paper
runs: 2
seed: 11
lambdas: [0.2, 0.8]
arms:
  - policy: linucb
  - policy: thompson
  - policy: random
`;

let root: string;
let cfg: string;
let ref: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gs-shards-'));
  cfg = join(root, 'shard.yaml');
  writeFileSync(cfg, CONFIG);
  ref = join(root, 'ref');
  await runExperiment(cfg, { out: ref, workers: 1 });
}, 120_000);

describe('experiment run --shard and merge', () => {
  it.each([1, 2, 3, 7])('%i shards merge into the unsharded results, byte for byte', async (n) => {
    const dirs: string[] = [];
    let replays = 0;
    for (let i = 0; i < n; i++) {
      const s = await runExperimentShard(cfg, { index: i, count: n }, { out: join(root, `n${n}`, `shard-${i}`), workers: 1 });
      replays += s.replays;
      dirs.push(s.out);
    }
    expect(replays).toBe(2 * 3 * 2);
    // the order the shards are named in does not matter
    const { out } = await mergeShards(dirs.reverse(), { out: join(root, `merged-${n}`) });
    const want = files(ref);
    expect(want).toContain('report.html');
    expect(want.filter((f) => f.startsWith('charts/')).length).toBeGreaterThan(0);
    expect(files(out)).toEqual(want);
    for (const f of want) expect(readFileSync(join(out, f)).equals(readFileSync(join(ref, f))), f).toBe(true);
  }, 120_000);

  it('a shard directory is the same for 1 and 2 worker threads, whatever order the replays finish in', async () => {
    const many = join(root, 'many.yaml');
    writeFileSync(many, CONFIG.replace('runs: 2', 'runs: 6'));
    const one = (await runExperimentShard(many, { index: 0, count: 2 }, { out: join(root, 'w1', 'shard-0-of-2'), workers: 1 })).out;
    const two = join(root, 'w2', 'shard-0-of-2');
    const r = spawnSync(process.execPath, [BIN, 'experiment', 'run', many, '--shard', '0/2', '--workers', '2', '--out', two, '--no-progress'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(files(two)).toEqual(files(one));
    for (const f of ['jobs.ndjson', 'config.yaml', 'config.json']) expect(readFileSync(join(two, f)).equals(readFileSync(join(one, f))), f).toBe(true);
    // state.json names the directory it is in; the rest is the same
    const state = (d: string): string => readFileSync(join(d, 'state.json'), 'utf8').replace(JSON.stringify(resolve(d)), '"<out>"');
    expect(state(two)).toBe(state(one));
  }, 120_000);

  it('a FIFO in place of a shard file is refused by name, not waited on', async () => {
    const shards: string[] = [];
    for (let i = 0; i < 2; i++) shards.push((await runExperimentShard(cfg, { index: i, count: 2 }, { out: join(root, 'fifo', `shard-${i}`), workers: 1, charts: false })).out);
    const ev = (await evaluateShard({ source: writeRouterbenchCsv(root, 'rb.csv'), lambdas: [0, 1], runs: 1, policies: ['random'] }, { index: 0, count: 1 }, { out: join(root, 'fifo', 'ev') })).out;
    const cases: [string[], string, string][] = [
      [shards, shards[1], 'config.yaml'],
      [shards, shards[1], 'state.json'],
      [[ev], ev, 'state.json'],
      [[ev], ev, 'cells.ndjson'],
    ];
    for (const [dirs, victim, name] of cases) {
      const copy = `${victim}-${name}`;
      cpSync(victim, copy, { recursive: true });
      rmSync(join(copy, name));
      expect(spawnSync('mkfifo', [join(copy, name)]).status).toBe(0);
      const out = join(root, 'fifo', 'never');
      const r = spawnSync(process.execPath, [BIN, 'merge', ...dirs.map((d) => (d === victim ? copy : d)), '--out', out], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr, name).toBe(`greenserv: error: ${join(copy, name)}: not a regular file\n`);
    }
  }, 120_000);
});

/**
 * `greenserv merge` refuses shards that do not make up one run, naming the shard, file and field or the
 * missing and duplicate cells; a shard interrupted and resumed is the same shard; nothing is written on error.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, runExperimentOrShard, runExperimentShard } from '../../src/app/experiment.js';
import { evaluateShard } from '../../src/app/evaluateShard.js';
import { mergeAny, mergeShards } from '../../src/app/merge.js';
import { DataError, UsageError, wholePieces, wordedMessage } from '../../src/core/errors.js';
import { flagName } from '../../src/cli/errors.js';
import { writeRouterbenchCsv } from '../helpers/energyTable.js';

const BIN = resolve(__dirname, '../../bin/greenserv');

const CONFIG = `name: merge-check
dataset: greenserv-pool
runs: 2
seed: 5
lambdas: [0.3, 0.7]
arms:
  - policy: random
  - policy: linucb
`;

let root: string;
let cfg: string;
const shards: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gs-merge-'));
  cfg = join(root, 'm.yaml');
  writeFileSync(cfg, CONFIG);
  for (let i = 0; i < 3; i++) shards.push((await runExperimentShard(cfg, { index: i, count: 3 }, { out: join(root, `s${i}`), workers: 1, charts: false })).out);
}, 60_000);

function copy(name: string, from: string, edit?: (dir: string) => void): string {
  const d = join(root, name);
  cpSync(from, d, { recursive: true });
  edit?.(d);
  return d;
}

async function failure(dirs: string[], out = join(root, 'never')): Promise<Error> {
  const e = await mergeShards(dirs, { out, charts: false }).catch((x: Error) => x);
  expect(e).toBeInstanceOf(Error);
  expect(existsSync(out)).toBe(false);
  return e as Error;
}

describe('merge', () => {
  it('names the missing shard, and the cells when a shard lost some', async () => {
    const e = await failure([shards[0], shards[2]]);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('merge: 1 of 3 shards missing: 1/3');
    // a shard whose jobs file lost its records: the cells it should have held are listed
    const emptied = copy('emptied', shards[1], (d) => writeFileSync(join(d, 'jobs.ndjson'), ''));
    const cells = await failure([shards[0], emptied, shards[2]]);
    const lines = readFileSync(join(shards[1], 'jobs.ndjson'), 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(cells.message).toMatch(new RegExp(`^merge: ${lines.length} cells? (is|are) missing: λ=0\\.[37] (random|linucb) run [01]`));
  });

  it('refuses a shard of an evaluation by name (the library merges experiments; greenserv merge merges both)', async () => {
    const src = writeRouterbenchCsv(root, 'rb.csv');
    const ev = (await evaluateShard({ source: src, lambdas: [0, 1], runs: 1, policies: ['random'] }, { index: 0, count: 1 }, { out: join(root, 'ev-shard') })).out;
    for (const dirs of [[ev], [shards[0], ev, shards[1], shards[2]]]) {
      const e = await failure(dirs);
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message).toBe(`merge: ${ev} is a shard of an evaluation (evaluate --shard), not of an experiment; merge evaluation shards with greenserv merge`);
      // on a terminal, neither the directory nor the command is broken across lines
      expect(wholePieces(e)).toEqual([ev, 'greenserv merge']);
    }
  });

  it('names a shard given twice and a cell held by two shards', async () => {
    expect((await failure([shards[0], shards[1], shards[1], shards[2]])).message).toMatch(/^merge: shard 1\/3 \(.*s1 and .*s1\) given more than once$/);
    // shard 0's records appended to shard 1's file: those cells are in both
    const doubled = copy('doubled', shards[1], (d) => writeFileSync(join(d, 'jobs.ndjson'), readFileSync(join(d, 'jobs.ndjson'), 'utf8') + readFileSync(join(shards[0], 'jobs.ndjson'), 'utf8')));
    expect((await failure([shards[0], doubled, shards[2]])).message).toMatch(/in more than one shard: λ=.* run \d \(in .*s0 and .*doubled\)/);
  });

  it('a finished results directory, a file or another directory says what merge takes', async () => {
    const HINT = 'merge takes the shard directories that `experiment run --shard i/n` or `evaluate --shard i/n` write';
    const finished = join(root, 'finished');
    await runExperiment(cfg, { out: finished, charts: false, workers: 1 });
    // was "not a checkpoint directory (state.json is missing)"
    expect((await failure([finished])).message).toBe(`${finished}: a finished results directory (no state.json), not a shard: it needs no merge; ${HINT}`);
    expect((await failure([shards[0], join(shards[1], 'jobs.ndjson'), shards[2]])).message).toBe(`${join(shards[1], 'jobs.ndjson')}: a file, not a shard directory; ${HINT}`);
    expect((await failure([shards[0], root])).message).toBe(`${root}: not a shard directory (state.json is missing); ${HINT}`);
  });

  it('refuses a shard of another config and a shard whose config file was changed', async () => {
    const other = join(root, 'other.yaml');
    writeFileSync(other, CONFIG.replace('seed: 5', 'seed: 6'));
    const foreign = (await runExperimentShard(other, { index: 1, count: 3 }, { out: join(root, 'foreign'), workers: 1, charts: false })).out;
    const e = await failure([shards[0], foreign, shards[2]]);
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toMatch(/foreign\/state\.json \(field 'configSha256'\): comes from another run than .*s0: the config differs: seed 6, there 5 \(configSha256 [0-9a-f]{64}, there [0-9a-f]{64}\)$/);
    // a comment alone: the same settings, another text (config.yaml is part of the results)
    const commented = join(root, 'commented.yaml');
    writeFileSync(commented, `# note\n${CONFIG}`);
    const noted = (await runExperimentShard(commented, { index: 1, count: 3 }, { out: join(root, 'noted'), workers: 1, charts: false })).out;
    expect((await failure([shards[0], noted, shards[2]])).message).toMatch(/: the config text differs \(same settings: comments or layout\) \(configSha256/);
    const edited = copy('edited', shards[2], (d) => writeFileSync(join(d, 'config.yaml'), CONFIG.replace('runs: 2', 'runs: 3')));
    expect((await failure([shards[0], shards[1], edited])).message).toMatch(/edited\/config\.yaml.*does not match configSha256/);
  });

  it('refuses a dataset that changed since the shards ran', async () => {
    const moved = (d: string): string =>
      copy(`ds-${d.slice(-2)}`, d, (x) => {
        const st = JSON.parse(readFileSync(join(x, 'state.json'), 'utf8'));
        st.datasetSha256 = '0'.repeat(64);
        writeFileSync(join(x, 'state.json'), JSON.stringify(st));
      });
    const e = await failure(shards.map(moved));
    expect(e.message).toMatch(/the dataset changed since the shards ran \(sha256 [0-9a-f]{64}, the shards have 0{64}\)/);
  });

  it('a shard interrupted and resumed equals the shard run at once; merged equals the unsharded run', async () => {
    const out = join(root, 'r1');
    const stop = new Error('stop');
    await expect(runExperimentShard(cfg, { index: 1, count: 3 }, { out, workers: 1, charts: false, progress: (done) => { if (done >= 1) throw stop; } })).rejects.toBe(stop);
    expect(existsSync(`${out}.partial`)).toBe(true);
    const r = spawnSync(process.execPath, [BIN, 'experiment', 'run', '--resume', `${out}.partial`, '--workers', '1', '--no-progress'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^shard 1\/3: \d+ replays of 8; shard directory: /);
    expect(readFileSync(join(out, 'jobs.ndjson')).length).toBe(readFileSync(join(shards[1], 'jobs.ndjson')).length);
    const merged = join(root, 'merged');
    await mergeShards([shards[0], out, shards[2]], { out: merged, charts: false });
    const ref = join(root, 'ref');
    await runExperiment(cfg, { out: ref, charts: false, workers: 1 });
    for (const f of ['summary.json', 'runs.csv', 'curves.csv', 'selection.csv', 'significance.csv', 'manifest.json', 'profile.json']) {
      expect(readFileSync(join(merged, f)).equals(readFileSync(join(ref, f))), f).toBe(true);
    }
  });

  it('a shard directory has the same bytes however its replays finished: out of order, then resumed', async () => {
    const out = join(root, 'r2');
    const stop = new Error('stop');
    await expect(runExperimentShard(cfg, { index: 1, count: 3 }, { out, workers: 1, charts: false, progress: (done) => { if (done >= 2) throw stop; } })).rejects.toBe(stop);
    // worker threads finish replays in any order: here the checkpoint holds its two last to first
    const partial = `${out}.partial`;
    const kept = readFileSync(join(partial, 'jobs.ndjson'), 'utf8').split('\n').filter(Boolean);
    expect(kept.length).toBe(2);
    writeFileSync(join(partial, 'jobs.ndjson'), [...kept].reverse().map((l) => l + '\n').join(''));
    const r = await runExperimentOrShard(null, { resume: partial, workers: 1 });
    expect(r.kind).toBe('shard');
    const once = shards[1];
    expect(readFileSync(join(out, 'jobs.ndjson')).equals(readFileSync(join(once, 'jobs.ndjson')))).toBe(true);
    // state.json as the shard run at once wrote it, but for the directory it names
    const state = (d: string): string => readFileSync(join(d, 'state.json'), 'utf8').replace(JSON.stringify(resolve(d)), '"<out>"');
    expect(state(out)).toContain('"<out>"');
    expect(state(out)).toBe(state(once));
    for (const f of ['config.yaml', 'config.json']) expect(readFileSync(join(out, f)).equals(readFileSync(join(once, f))), f).toBe(true);
  });

  it('a split experiment\'s trained routers keep their fitted settings through shards and merge', async () => {
    const sc = join(root, 'split.yaml');
    writeFileSync(sc, `name: split-merge\ndataset: greenserv-pool\nruns: 2\nseed: 5\nlambdas: [0.5]\nsplit: 0.5\narms:\n  - policy: knn\n  - policy: predictive\n  - policy: train-best-static\n`);
    const parts: string[] = [];
    for (let i = 0; i < 2; i++) parts.push((await runExperimentShard(sc, { index: i, count: 2 }, { out: join(root, `split-s${i}`), workers: 1, charts: false })).out);
    const merged = join(root, 'split-merged');
    await mergeShards(parts, { out: merged, charts: false });
    const ref = join(root, 'split-ref');
    await runExperiment(sc, { out: ref, charts: false, workers: 1 });
    const want = readFileSync(join(ref, 'summary.json'), 'utf8');
    expect(readFileSync(join(merged, 'summary.json'), 'utf8')).toBe(want);
    const rows = JSON.parse(want).protocol.policies as { name: string; fitted?: Record<string, number[]> }[];
    expect(Object.keys(rows.find((r) => r.name === 'knn')!.fitted!)).toEqual(['k']);
    expect(rows.find((r) => r.name === 'predictive')!.fitted!.reg).toHaveLength(1);
  }, 60_000);

  it('a truncated shard is named as such and left as it was (a finished shard is only read)', async () => {
    const whole = readFileSync(join(shards[1], 'jobs.ndjson'));
    const lines = whole.toString('utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(1);
    // cut inside the last record: the complete lines before it are all that stays readable
    const keep = whole.length - 1 - Math.floor(lines[lines.length - 1].length / 2);
    const cut = copy('cut', shards[1], (d) => writeFileSync(join(d, 'jobs.ndjson'), whole.subarray(0, keep)));
    const e = await failure([shards[0], cut, shards[2]]);
    expect(e).toBeInstanceOf(DataError);
    const complete = whole.length - lines[lines.length - 1].length - 1;
    expect(e.message).toBe(`${join(cut, 'jobs.ndjson')}: truncated shard: the file ends inside a record after ${complete} bytes; re-run this shard (experiment run --shard i/n --force)`);
    // was cut back to its complete lines, so the shard then merely lacked cells
    expect(readFileSync(join(cut, 'jobs.ndjson')).length).toBe(keep);
    const gone = copy('no-jobs', shards[1], (d) => rmSync(join(d, 'jobs.ndjson')));
    expect((await failure([shards[0], gone, shards[2]])).message).toBe(`${gone}: jobs.ndjson is missing, so this is not a finished shard; re-run this shard (experiment run --shard i/n --force)`);
  });

  it('writes nothing into a shard directory: --out inside one is refused', async () => {
    const before = readdirSync(shards[1]).sort();
    const inside = join(shards[1], 'merged');
    const e = await failure(shards, inside);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(`out ${inside}: it is inside the shard directory ${shards[1]}, which merge only reads; choose another out`);
    expect(wordedMessage(e, flagName)).toBe(`--out ${inside}: it is inside the shard directory ${shards[1]}, which merge only reads; choose another --out`);
    expect(readdirSync(shards[1]).sort()).toEqual(before);
    // through greenserv merge as well, below a symbolic link to the shard
    const link = join(root, 'link-s1');
    symlinkSync(shards[1], link);
    const viaLink = join(link, 'deeper', 'merged');
    const again = await mergeAny(shards, { out: viaLink, charts: false }).catch((x: Error) => x);
    expect((again as Error).message).toMatch(/it is inside the shard directory .*s1, which merge only reads/);
    expect(readdirSync(shards[1]).sort()).toEqual(before);
  });

  it('refuses the temporary directory of a shard still being written', async () => {
    // the name AtomicDir gives it beside the shard directory, by this (live) process
    const tmp = copy(`.s1.tmp-${process.pid}-${Date.now()}`, shards[1]);
    const e = await failure([shards[0], tmp, shards[2]]);
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe(`${tmp}: a temporary directory of a shard still being written (or of a run that died writing it), not a finished shard; merge the shard directory it is renamed to when its run ends`);
  });

  it('greenserv merge refuses a mix of experiment and evaluation shards by name, in either order', async () => {
    const ev = join(root, 'ev-shard');
    if (!existsSync(ev)) await evaluateShard({ source: writeRouterbenchCsv(root, 'rb.csv'), lambdas: [0, 1], runs: 1, policies: ['random'] }, { index: 0, count: 1 }, { out: ev });
    for (const dirs of [[shards[0], ev, shards[1], shards[2]], [ev, shards[0]]]) {
      const out = join(root, 'never');
      const e = await mergeAny(dirs, { out, charts: false }).catch((x: Error) => x);
      expect(e).toBeInstanceOf(UsageError);
      expect((e as Error).message).toBe(`merge: ${ev} is a shard of an evaluation (evaluate --shard) and ${shards[0]} is not; merge the shards of one run at a time`);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('refuses shards of another greenserv version, or of one that records none', async () => {
    const st = (d: string): Record<string, unknown> => JSON.parse(readFileSync(join(d, 'state.json'), 'utf8'));
    expect(st(shards[0]).greenserv).toBe(JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')).version);
    const older = copy('older', shards[1], (d) => writeFileSync(join(d, 'state.json'), JSON.stringify({ ...st(d), greenserv: '0.0.1' })));
    const e = await failure([shards[0], older, shards[2]]);
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe(`${join(older, 'state.json')} (field 'greenserv'): written by greenserv 0.0.1, and this is greenserv ${st(shards[0]).greenserv}; merge with the version that ran the shards, or re-run them with this one`);
    const none = copy('unversioned', shards[2], (d) => {
      const { greenserv: _v, ...rest } = st(d);
      writeFileSync(join(d, 'state.json'), JSON.stringify(rest));
    });
    expect((await failure([shards[0], shards[1], none])).message).toMatch(/unversioned\/state\.json \(field 'greenserv'\): written by an older greenserv, which records no version/);
    // an evaluation's shard (made by the test above) the same
    const evOlder = copy('ev-older', join(root, 'ev-shard'), (d) => writeFileSync(join(d, 'state.json'), JSON.stringify({ ...st(d), greenserv: '0.0.1' })));
    const out = join(root, 'never');
    const ee = await mergeAny([evOlder], { out, charts: false }).catch((x: Error) => x);
    expect((ee as Error).message).toBe(`${join(evOlder, 'state.json')} (field 'greenserv'): written by greenserv 0.0.1, and this is greenserv ${st(shards[0]).greenserv}; merge with the version that ran the shards, or re-run them with this one`);
    expect(existsSync(out)).toBe(false);
  });

  it('a checkpoint of another greenserv version is not resumed (its replays would mix two versions)', async () => {
    const out = join(root, 'r3');
    const stop = new Error('stop');
    await expect(runExperimentShard(cfg, { index: 0, count: 3 }, { out, workers: 1, charts: false, progress: (done) => { if (done >= 1) throw stop; } })).rejects.toBe(stop);
    const partial = `${out}.partial`;
    const state = JSON.parse(readFileSync(join(partial, 'state.json'), 'utf8'));
    const mine = state.greenserv as string;
    writeFileSync(join(partial, 'state.json'), JSON.stringify({ ...state, greenserv: '0.0.1' }));
    const e = await runExperimentOrShard(null, { resume: partial, workers: 1 }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(`${partial}: a checkpoint of greenserv 0.0.1, and this is greenserv ${mine}; resume it with that version, or start over with force`);
    expect(wordedMessage(e as Error, flagName)).toBe(`${partial}: a checkpoint of greenserv 0.0.1, and this is greenserv ${mine}; resume it with that version, or start over with --force`);
    expect(existsSync(out)).toBe(false);
  });

  it('the CLI exits 2 with the message and writes nothing', () => {
    const out = join(root, 'cli-out');
    const r = spawnSync(process.execPath, [BIN, 'merge', shards[0], shards[1], '--out', out], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('greenserv: error: merge: 1 of 3 shards missing: 2/3\n');
    expect(existsSync(out)).toBe(false);
    const bad = spawnSync(process.execPath, [BIN, 'experiment', 'run', cfg, '--shard', '3/3'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^greenserv: error: --shard: shard index 3 is not in 0…2/);
    const notShard = spawnSync(process.execPath, [BIN, 'merge', root], { encoding: 'utf8' });
    expect(notShard.status).toBe(2);
    expect(notShard.stderr).toBe(`greenserv: error: ${root}: not a shard directory (state.json is missing); merge takes the shard directories that \`experiment run --shard i/n\` or \`evaluate --shard i/n\` write\n`);
  });
});

/**
 * A `.partial` checkpoint that was damaged, edited or moved: every corruption is refused with the file,
 * the line or field and the reason (exit 2), never trusted and never a crash; a cut last line is repaired.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runExperiment } from '../../src/app/experiment.js';
import { DataError, UsageError, wordedMessage } from '../../src/core/errors.js';
import { flagName } from '../../src/cli/errors.js';
import { atomicFs } from '../../src/core/atomic.js';
import { Checkpoint } from '../../src/sim/checkpoint.js';
import { CKPT_CONFIG, checkpointFixture, damaged as damagedCopy, editState, type CheckpointFixture } from '../helpers/checkpointFixture.js';

let fx: CheckpointFixture;
let root: string;
let cfg: string;
let reference: string;

beforeAll(async () => {
  fx = await checkpointFixture('gs-ckpt-');
  ({ root, cfg, reference } = fx);
}, 60_000);

const damaged = (name: string, edit: (partial: string) => void): string => damagedCopy(fx, name, edit);

const lines = (p: string): string[] => readFileSync(join(p, 'jobs.ndjson'), 'utf8').split('\n').filter(Boolean);
const writeLines = (p: string, l: string[]): void => writeFileSync(join(p, 'jobs.ndjson'), l.map((x) => x + '\n').join(''));
/** Re-sign a record after editing its payload, as a deliberate, consistent edit would. */
function resign(line: string, edit: (o: Record<string, any>) => void): string {
  const o = JSON.parse(line).data;
  edit(o);
  const data = JSON.stringify(o);
  return `{"sha256":"${createHash('sha256').update(data).digest('hex')}","data":${data}}`;
}

async function resumeError(partial: string): Promise<Error> {
  try {
    await runExperiment(null, { resume: partial, workers: 1 });
  } catch (e) {
    return e as Error;
  }
  throw new Error('resume succeeded');
}

describe('corrupted checkpoints', () => {
  const cases: [string, (p: string) => void, RegExp, typeof DataError | typeof UsageError][] = [
    ['state.json missing', (p) => rmSync(join(p, 'state.json')), /out\.partial: not a checkpoint directory \(state\.json is missing\)/, DataError],
    ['state.json not JSON', (p) => writeFileSync(join(p, 'state.json'), '{"schemaVersion": 1,'), /state\.json: corrupted checkpoint state: .*JSON/, DataError],
    ['state.json field of the wrong type', (p) => editState(p, (s) => (s.charts = 'yes')), /state\.json \(field 'charts'\): corrupted checkpoint state: charts:/, DataError],
    ['state.json runs: 1e15', (p) => editState(p, (s) => (s.runs = 1e15)), /state\.json \(field 'runs'\): corrupted checkpoint state: runs: .*10000/, DataError],
    ['experiment file gone', (p) => editState(p, (s) => (s.experimentFile = join(root, 'gone.yaml'))), /state\.json \(field 'experimentFile'\): experimentFile: cannot read experiment file '.*gone\.yaml': no such file/, DataError],
    ['config hash differs', (p) => editState(p, (s) => (s.configSha256 = '0'.repeat(64))), /ckpt\.yaml changed since the interrupted run/, UsageError],
    ['totalJobs differs', (p) => editState(p, (s) => (s.totalJobs = 5)), /state\.json \(field 'totalJobs'\): checkpoint records 5 replays, the experiment has 4/, DataError],
    ['a line that is not a record', (p) => writeLines(p, ['garbage', ...lines(p).slice(1)]), /jobs\.ndjson:1: corrupted checkpoint: not a checkpoint record/, DataError],
    ['an edited metric', (p) => writeLines(p, [lines(p)[0], lines(p)[1].replace(/"finalRegret":([0-9.e+-]+)/, '"finalRegret":1')]), /jobs\.ndjson:2: corrupted checkpoint: checksum mismatch/, DataError],
    ['a job index out of range', (p) => writeLines(p, [resign(lines(p)[0], (o) => (o.job.run = 7))]), /jobs\.ndjson:1: corrupted checkpoint: job\.run 7 is not in 0…1/, DataError],
    ['an array of the wrong length', (p) => writeLines(p, [resign(lines(p)[0], (o) => (o.chosen = o.chosen.slice(0, 8)))]), /jobs\.ndjson:1: corrupted checkpoint: chosen holds 6 bytes, expected 2500 values of 4 bytes/, DataError],
    ['a metric that is not a number', (p) => writeLines(p, [resign(lines(p)[0], (o) => (o.metrics.accuracy = 'high'))]), /jobs\.ndjson:1: corrupted checkpoint: metrics\.accuracy is not a number/, DataError],
    ['a job recorded twice', (p) => writeLines(p, [lines(p)[0], lines(p)[0]]), /jobs\.ndjson:2: corrupted checkpoint: job 0\/0\/0 is recorded twice/, DataError],
    ['a record longer than any real one', (p) => writeLines(p, [lines(p)[0], 'x'.repeat(60_000)]), /jobs\.ndjson:2: corrupted checkpoint: record longer than \d+ bytes/, DataError],
    ['jobs.ndjson larger than the experiment can fill', (p) => writeFileSync(join(p, 'jobs.ndjson'), Buffer.alloc(2_000_000, 10)), /jobs\.ndjson: 2000000 bytes, more than a checkpoint of this experiment can hold/, DataError],
    ['jobs.ndjson is a directory', (p) => (rmSync(join(p, 'jobs.ndjson')), mkdirSync(join(p, 'jobs.ndjson'))), /jobs\.ndjson: not a regular file/, DataError],
  ];
  cases.forEach(([name, edit, message, type], i) => {
    it(name, async () => {
      const e = await resumeError(damaged(`case${i}`, edit));
      expect(e).toBeInstanceOf(type);
      expect(e.message).toMatch(message);
      expect(existsSync(join(root, `case${i}`, 'out'))).toBe(false);
    });
  });

  it('remedies name the library\'s setting (force) to a library caller and the flag (--force) on the command line', async () => {
    const damage: [string, (p: string) => void, string][] = [
      ['w-state', (p) => writeFileSync(join(p, 'state.json'), '{"schemaVersion": 1,'), 'start over with'],
      ['w-total', (p) => editState(p, (s) => (s.totalJobs = 5)), 'start over with'],
      ['w-line', (p) => writeLines(p, ['garbage', ...lines(p).slice(1)]), 'delete this line to re-run its replay, or start over with'],
    ];
    for (const [name, edit, remedy] of damage) {
      const e = await resumeError(damaged(name, edit));
      expect(e.message.endsWith(`${remedy} force`), e.message).toBe(true);
      expect(wordedMessage(e, flagName)).toBe(`${e.message.slice(0, -'force'.length)}--force`);
    }
  });

  it('a checkpoint directory that does not exist is named as missing, with the setting (resume) or the flag (--resume)', async () => {
    const gone = join(root, 'never-run', 'out.partial');
    const e = await runExperiment(null, { resume: gone, workers: 1 }).then(
      () => new Error('resume succeeded'),
      (x: Error) => x,
    );
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(`resume ${gone}: no such directory; give the checkpoint directory an interrupted run left (<out>.partial)`);
    expect(wordedMessage(e, flagName)).toBe(`--resume ${gone}: no such directory; give the checkpoint directory an interrupted run left (<out>.partial)`);
    expect(existsSync(join(root, 'never-run'))).toBe(false);
  });

  it('a last line cut by a crash is dropped and repaired; the resumed results equal an uninterrupted run', async () => {
    const partial = damaged('cut', (p) => {
      const l = lines(p);
      writeFileSync(join(p, 'jobs.ndjson'), `${l[0]}\n${l[1].slice(0, 100)}`);
    });
    await runExperiment(null, { resume: partial, workers: 1 });
    const out = join(root, 'cut', 'out');
    for (const f of ['summary.json', 'runs.csv', 'curves.csv']) expect(readFileSync(join(out, f)).equals(readFileSync(join(reference, f))), f).toBe(true);
    expect(existsSync(partial)).toBe(false);
  });
});

describe('long checkpoints', () => {
  it('are read in blocks: records across block boundaries come back bit for bit', async () => {
    const big = join(root, 'big.yaml');
    writeFileSync(big, CKPT_CONFIG.replace('runs: 2', 'runs: 20'));
    const out = join(root, 'big');
    const stop = new Error('stop');
    await expect(runExperiment(big, { out, charts: false, workers: 1, progress: (done) => { if (done >= 30) throw stop; } })).rejects.toBe(stop);
    const partial = `${out}.partial`;
    expect(readFileSync(join(partial, 'jobs.ndjson')).length).toBeGreaterThan(1 << 20);
    const got = Checkpoint.loadJobs(partial, { lambdas: 1, arms: 2, runs: 20, queries: 2500, models: 16 });
    expect(got).toHaveLength(30);
    // independently: every line's payload, decoded with plain JSON and Buffer
    lines(partial).forEach((l, i) => {
      const o = JSON.parse(l).data;
      expect(got[i].job).toEqual(o.job);
      expect(Buffer.from(got[i].stepRegret.buffer).toString('base64')).toBe(o.stepRegret);
      expect(Buffer.from(got[i].chosen.buffer).toString('base64')).toBe(o.chosen);
      expect(got[i].metrics.finalRegret).toBe(o.metrics.finalRegret);
    });
  });
});

describe('a full disk while checkpointing', () => {
  afterEach(() => vi.restoreAllMocks());
  for (const workers of [1, 2]) {
    it(`is a user error naming the checkpoint file (${workers} worker${workers > 1 ? 's' : ''})`, async () => {
      const out = join(root, `full${workers}`);
      vi.spyOn(atomicFs, 'appendFileSync').mockImplementation(() => {
        throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
      });
      const e = await runExperiment(cfg, { out, charts: false, workers }).catch((x: Error) => x);
      expect(e).toBeInstanceOf(UsageError);
      expect((e as Error).message).toBe(`cannot write checkpoint '${out}.partial/jobs.ndjson': no space left on device [ENOSPC]`);
      expect(existsSync(out)).toBe(false);
    });
  }
});

/**
 * Sharded experiments: the shards of every count, merged, are the unsharded run's results directory byte
 * for byte (summary, CSVs, manifest, profile, charts, report.html).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, runExperimentShard } from '../../src/app/experiment.js';
import { mergeShards } from '../../src/app/merge.js';

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

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

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
});

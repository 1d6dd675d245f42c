/** A small experiment and a checkpoint of its first 2 of 4 replays, as a crash after them leaves it (test/experiments/checkpoint*.ts). */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runExperiment } from '../../src/app/experiment.js';

export const CKPT_CONFIG = `name: ckpt
dataset: greenserv-pool
runs: 2
seed: 3
arms:
  - policy: random
  - policy: linucb
`;

export interface CheckpointFixture {
  root: string;
  /** The experiment file (CKPT_CONFIG). */
  cfg: string;
  /** The checkpoint holding the first 2 of 4 replays. */
  pristine: string;
  /** The uninterrupted run's results. */
  reference: string;
}

/** Run `cfg` until `n` replays are done, then stop as a crash would. */
export async function interruptedAfter(cfg: string, n: number, out: string, workers = 1): Promise<void> {
  const stop = new Error('stop');
  await expect(
    runExperiment(cfg, {
      out,
      charts: false,
      workers,
      progress: (done) => {
        if (done >= n) throw stop;
      },
    }),
  ).rejects.toBe(stop);
}

export async function checkpointFixture(prefix: string): Promise<CheckpointFixture> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const cfg = join(root, 'ckpt.yaml');
  writeFileSync(cfg, CKPT_CONFIG);
  await interruptedAfter(cfg, 2, join(root, 'base'));
  const reference = join(root, 'ref');
  await runExperiment(cfg, { out: reference, charts: false, workers: 1 });
  return { root, cfg, pristine: join(root, 'base.partial'), reference };
}

/** A fresh copy of the fixture's checkpoint at <root>/<name>/out.partial, damaged by `edit`. */
export function damaged(f: CheckpointFixture, name: string, edit: (partial: string) => void): string {
  const partial = join(f.root, name, 'out.partial');
  mkdirSync(join(f.root, name));
  cpSync(f.pristine, partial, { recursive: true });
  edit(partial);
  return partial;
}

export function editState(p: string, f: (s: Record<string, unknown>) => void): void {
  const s = JSON.parse(readFileSync(join(p, 'state.json'), 'utf8'));
  f(s);
  writeFileSync(join(p, 'state.json'), JSON.stringify(s));
}

/** experiments/ope-validation.mjs runs against the built library, and its true values are the engine's. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/app/index.js';

const run = promisify(execFile);
const SCRIPT = resolve(__dirname, '../../experiments/ope-validation.mjs');

interface Row { dataset: string; logger: string; size: number; target: string; estimator: string; truth: number; reps: number }

describe('ope-validation experiment', () => {
  it('runs (one log per cell) and takes the static targets’ true values from the whole table', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'opeval-')), 'v.json');
    await run(process.execPath, [SCRIPT, '--reps', '1', '--bootstrap', '20', '--out', out]);
    const v = JSON.parse(readFileSync(out, 'utf8')) as { results: Row[]; sizes: number[] };
    const pool = v.results.filter((r) => r.dataset === 'greenserv-pool');
    expect(pool.length).toBe(3 * v.sizes.length * 3 * 6);
    // a static policy's mean reward over any run is its mean over all queries
    const s = await simulate({ policies: ['best-static', 'most-accurate'], runs: 1, lambda: 0.5 });
    for (const p of s.policies) {
      const truths = new Set(pool.filter((r) => r.target === p.name).map((r) => r.truth));
      expect([...truths]).toHaveLength(1);
      expect([...truths][0]).toBeCloseTo(p.reward.mean, 10);
    }
  });
});

/** scripts/hindsight-floor.mjs against the engine's own hindsight baseline, and the order finer groups must give. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/app/index.js';

const run = promisify(execFile);
const SCRIPT = resolve(__dirname, '../../scripts/hindsight-floor.mjs');

describe('hindsight-floor script', () => {
  it('its single-model floor is best-static replayed by the engine; finer groups never cost more', async () => {
    const out = JSON.parse((await run(process.execPath, [SCRIPT])).stdout) as { queries: number; unchanged: Record<string, number>; drifted: Record<string, number> };
    const s = await simulate({ policies: ['best-static'], runs: 1, lambda: 0.5 });
    const bestStatic = s.policies[0].finalRegret.mean;
    expect(out.unchanged.global).toBeCloseTo((bestStatic / out.queries) * 500, 1);
    for (const f of [out.unchanged, out.drifted]) {
      expect(f.perTask).toBeLessThanOrEqual(f.global);
      expect(f.perPattern).toBeLessThanOrEqual(f.perTask);
    }
    // the change makes the best single model worse: no group pays less after it
    expect(out.drifted.global).toBeGreaterThan(out.unchanged.global);
  });
});

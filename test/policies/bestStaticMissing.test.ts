/**
 * A missing cell scores 0 when chosen (docs/model.md §1), so the best fixed model in hindsight is the one with the
 * most reward over all queries, not the best mean over the cells it happens to have. Tables: two models, one
 * measured on every query and one on a few only (a model added late, or not run on some tasks).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTable, profileTable, simulate } from '../../src/app/index.js';

// λ = 0: reward = accuracy. dense: 1,1,0,1,1,0 (sum 4, mean 0.667); late: only q5, q6, accuracy 1 (sum 2, mean 1).
// Oracle per query: 1,1,0,1,1,1 = 5. Static regret: dense 5 − 4 = 1, late 5 − 2 = 3.
const rows = [
  ['q1', 'dense', 1], ['q2', 'dense', 1], ['q3', 'dense', 0], ['q4', 'dense', 1], ['q5', 'dense', 1], ['q6', 'dense', 0],
  ['q5', 'late', 1], ['q6', 'late', 1],
];

function tableFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gs-best-static-'));
  const f = join(dir, 'pairs.csv');
  writeFileSync(f, 'query_id,model_id,accuracy,task\n' + rows.map((r) => r.join(',') + ',qa').join('\n') + '\n');
  return f;
}

describe('best-static on a table with missing cells', () => {
  it('is the fixed model with the least regret, counting a missing cell as the 0 it scores', async () => {
    const t = await loadTable(tableFile());
    const s = await simulate({ data: t, policies: ['best-static', 'static:dense', 'static:late'], lambda: 0, runs: 2 });
    const regret = Object.fromEntries(s.policies.map((p) => [p.name, p.finalRegret.mean]));
    expect(regret['static:dense']).toBeCloseTo(1, 12);
    expect(regret['static:late']).toBeCloseTo(3, 12);
    expect(regret['best-static']).toBeCloseTo(1, 12);
  });

  it('under drift too (ranked over the run’s stream)', async () => {
    const t = await loadTable(tableFile());
    // a drift on dense that changes nothing keeps the stream ranking path without moving any reward
    const s = await simulate({ data: t, policies: ['best-static'], lambda: 0, runs: 2, drift: [{ step: 3, model: 'dense', accuracy: 0 }] });
    expect(s.policies[0].finalRegret.mean).toBeCloseTo(1, 12);
  });

  it('train-best-static picks the model with most train reward per query, so the gap closed is against it', async () => {
    // the same table trains and tests, so train-best-static is the best fixed model of the test stream
    const f = tableFile();
    const s = await simulate({ data: f, train: f, policies: ['train-best-static'], lambda: 0, runs: 1 });
    expect(s.policies.find((p) => p.name === 'train-best-static')!.finalRegret.mean).toBeCloseTo(1, 12);
  });

  it('profile-models names the same best static model', async () => {
    const p = await profileTable({ data: tableFile(), lambda: 0 });
    expect(p.baselines.bestStatic).toBe('dense');
  });
});

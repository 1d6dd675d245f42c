/**
 * The reward's cost column must have values: `--cost latency` on a table without latencies is refused as
 * `--cost usd` without dollar costs is (its cost term would be 0.5 for every cell), and so is a train table
 * lacking the column.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/app/simulate.js';
import { UsageError } from '../../src/core/errors.js';
import { loadTable } from '../../src/data/load.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-costcol-'));
/** 30 queries × 2 models; `extra` adds latency_s and cost_usd columns. */
function table(name: string, extra: boolean): string {
  const rows = [`query_id,task,model_id,accuracy,energy_j${extra ? ',latency_s,cost_usd' : ''}`];
  for (let q = 0; q < 30; q++) for (const m of ['a', 'b']) rows.push(`q${q},mmlu,${m},${(q + (m === 'a' ? 1 : 0)) % 2},${m === 'a' ? 5 : 2}${extra ? `,${m === 'a' ? 0.5 : 1.5},${m === 'a' ? 0.001 : 0.003}` : ''}`);
  writeFileSync(join(dir, name), rows.join('\n') + '\n');
  return join(dir, name);
}
const bare = table('bare.csv', false);
const full = table('full.csv', true);

describe('cost columns', () => {
  it('simulate --cost latency without latencies exits 2 naming the flag and the dataset, and writes nothing', async () => {
    const out = join(dir, 'o1');
    const r = await cli(['simulate', '--data', bare, '--cost', 'latency', '--runs', '1', '--out', out, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("greenserv: error: --cost latency: dataset 'bare.csv' has no latency values\n");
    expect(existsSync(out)).toBe(false);
    // with latencies it runs
    const ok = await cli(['simulate', '--data', full, '--cost', 'latency', '--policies', 'random,linucb', '--runs', '1', '--steps', 'none', '--out', join(dir, 'o2'), '--no-progress']);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('a --train table without the cost column is refused by name', async () => {
    for (const cost of ['latency', 'usd']) {
      const out = join(dir, `o-${cost}`);
      const r = await cli(['simulate', '--data', full, '--train', bare, '--cost', cost, '--policies', 'linucb', '--runs', '1', '--out', out, '--no-progress']);
      expect(r.code, cost).toBe(2);
      expect(r.stderr).toBe(`greenserv: error: --cost ${cost}: the train table '${bare}' has no ${cost === 'usd' ? 'cost_usd column' : 'latency values'}\n`);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('the library names the setting', async () => {
    const t = await loadTable(bare);
    const err = await simulate({ data: t, cost: 'latency', policies: ['random'], runs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe("cost latency: dataset 'bare.csv' has no latency values");
  });
});

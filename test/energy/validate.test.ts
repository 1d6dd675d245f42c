import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPool } from '../../src/data/energy/validate.js';
import { joulesPerInputToken, joulesPerOutputToken } from '../../src/data/energy/model.js';
import { loadGreenservPool } from '../../src/data/builtin/greenserv-pool.js';
import { MODEL_CALIBRATION } from '../../src/data/builtin/calibration.js';
import { withColumns } from '../helpers/table.js';

describe('energy check-pool', () => {
  it('sums the model over the pool cells and sets it beside the published Wh', async () => {
    const rows = await checkPool('A100', 1);
    expect(rows).toHaveLength(16);
    const t = withColumns(loadGreenservPool(), 'inputTokens', 'outputTokens');
    // one model by hand, cell by cell
    const m = t.models.findIndex((x) => x.id === 'llama-3.1-8b');
    const size = { totalB: 8, activeB: 8, precision: 'bf16' as const };
    let j = 0;
    for (let q = 0; q < t.nQueries; q++) {
      const i = q * t.nModels + m;
      if (t.present[i]) j += t.outputTokens[i] * joulesPerOutputToken(size, { gpu: 'A100', batch: 1 }) + t.inputTokens[i] * joulesPerInputToken(size, 'A100');
    }
    const r = rows.find((x) => x.model === 'llama-3.1-8b')!;
    expect(r.modelledWh).toBeCloseTo(j / 3600, 9);
    expect(r.publishedWh).toBe(MODEL_CALIBRATION.find((c) => c.id === 'llama-3.1-8b')!.totalEnergyWh);
    expect(r.lowWh).toBeLessThan(r.modelledWh);
    expect(r.highWh).toBeGreaterThan(r.modelledWh);
  });

  it.each(['docs/energy-model.md', 'README.md'])('the validation table in %s is what the code computes', async (file) => {
    const doc = readFileSync(resolve(__dirname, '../..', file), 'utf8');
    const rows = await checkPool('A100', 1);
    for (const r of rows) {
      const line = doc.split('\n').find((l) => l.startsWith(`| ${r.model} |`));
      expect(line, r.model).toBeDefined();
      const cells = line!.split('|').map((c) => c.trim());
      expect(cells[4]).toBe(r.modelledWh.toFixed(1));
      expect(cells[5]).toBe(`${r.lowWh.toFixed(1)}–${r.highWh.toFixed(1)}`);
    }
  });
});

import { describe, it, expect } from 'vitest';
import { loadTable } from '../../../src/data/load.js';
import { Rng } from '../../../src/core/rng.js';
import { scratch } from './helpers.js';

const s = scratch();

/**
 * The long CSV reader recognises model ids by the order of earlier rows (modelOrder.ts). Whatever the order
 * and spelling of the ids, the table must be the one a plain id → index lookup gives.
 */
describe('long CSV: model ids recognised by row order', () => {
  for (const seed of [1, 2, 3]) {
    it(`matches a brute-force reading on 150 models in mixed orders and spellings (seed ${seed})`, async () => {
      const rng = new Rng(seed);
      const M = 150;
      const Q = 12;
      const spell = (m: number): string => {
        const u = rng.next();
        return u < 0.1 ? `"m${m}"` : u < 0.2 ? ` m${m} ` : u < 0.25 ? `"m""${m}"` : `m${m}`;
      };
      const idOf = (cell: string): string => {
        const t = cell.trim();
        return t.startsWith('"') ? t.slice(1, -1).replaceAll('""', '"') : t;
      };
      const lines = ['query_id,model_id,accuracy'];
      const ids: string[] = [];
      const index = new Map<string, number>();
      const cells = new Map<string, number>();
      let order = Array.from({ length: M }, (_, m) => m);
      for (let q = 0; q < Q; q++) {
        // same order as the previous query, a few swaps, or a fresh shuffle; some models skipped
        const u = rng.next();
        if (u < 0.3) order = order.map((x) => x).sort(() => rng.next() - 0.5);
        else if (u < 0.7) for (let k = 0; k < 5; k++) {
          const a = Math.floor(rng.next() * M);
          const b = Math.floor(rng.next() * M);
          [order[a], order[b]] = [order[b], order[a]];
        }
        for (const m of order) {
          if (rng.next() < 0.05) continue;
          const cell = spell(m);
          const id = idOf(cell);
          if (!index.has(id)) {
            index.set(id, ids.length);
            ids.push(id);
          }
          const acc = Math.round(rng.next() * 100) / 100;
          cells.set(`${q},${index.get(id)}`, acc);
          lines.push(`q${q},${cell},${acc}`);
        }
      }
      const t = await loadTable(s.write(`order-${seed}.csv`, lines.join('\n') + '\n'));
      expect(t.models.map((m) => m.id)).toEqual(ids);
      for (let q = 0; q < Q; q++) {
        for (let m = 0; m < ids.length; m++) {
          const v = cells.get(`${q},${m}`);
          const i = q * ids.length + m;
          expect(t.present[i]).toBe(v === undefined ? 0 : 1);
          if (v !== undefined) expect(t.accuracy[i]).toBe(Math.fround(v));
        }
      }
    });
  }
});

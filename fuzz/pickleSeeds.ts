/**
 * Pickle seeds: the committed RouterBench fixtures, the work-bomb shapes on their own, and fixtures with a
 * bomb in place of one of their strings (a query id cell, and a string picked at random).
 */
import type { Rng } from '../src/core/rng.js';
import { bytesOf, dupListDag, standaloneBombs, tupleDag } from './pickleBombs.js';
import { dataStrings, pickleOps, type PickleOp } from './mutatePickle.js';
import type { Seed } from './seeds.js';

/** The text of a SHORT_BINUNICODE or BINUNICODE opcode. */
function textOf(b: Uint8Array, o: PickleOp): string {
  const head = o.op === 0x8c ? 1 : 4;
  return Buffer.from(b.buffer, b.byteOffset + o.arg + head, o.end - o.arg - head).toString('utf8');
}

function replaced(b: Uint8Array, o: PickleOp, value: string): Uint8Array {
  const v = bytesOf(value);
  const out = new Uint8Array(b.length - (o.end - o.pos) + v.length);
  out.set(b.subarray(0, o.pos), 0);
  out.set(v, o.pos);
  out.set(b.subarray(o.end), o.pos + v.length);
  return out;
}

export function pickleSeeds(rng: Rng, fixtures: readonly Seed[]): Seed[] {
  const out: Seed[] = [...fixtures];
  for (const s of standaloneBombs()) out.push({ label: s.label, files: [{ role: 'main', name: 'bomb.pkl', bytes: s.bytes }] });
  const shapes: [string, string][] = [
    ['list DAG', dupListDag(6, 40)],
    ['tuple DAG', tupleDag(40)],
  ];
  for (const f of fixtures) {
    const main = f.files[0];
    const ops = pickleOps(main.bytes);
    const strings = dataStrings(ops, rng, [0x8c, 0x58]);
    // The first query id is a cell of an object column: whatever reads cells meets the DAG.
    const cell = strings.find((o) => textOf(main.bytes, o) === 'mmlu.test.1');
    for (const [what, value] of shapes) {
      if (cell) out.push({ label: `${f.label}, ${what} as a cell`, files: [{ ...main, bytes: replaced(main.bytes, cell, value) }] });
      if (strings.length > 0) {
        const o = strings[rng.int(strings.length)];
        out.push({ label: `${f.label}, ${what} for the string at byte ${o.pos}`, files: [{ ...main, bytes: replaced(main.bytes, o, value) }] });
      }
    }
  }
  return out;
}

/**
 * Query id → query index while a table loads, as an open-addressing hash table in typed arrays. The ids
 * themselves stay in the loader's id list (`keyAt`), so the index adds 8 bytes a slot and no heap objects:
 * a Map of tens of thousands of ids is megabytes of heap, rebuilt larger several times, and those survivors
 * make V8 grow its young generation.
 */
import { randomBytes } from 'node:crypto';

/**
 * Per-process hash seed, so no file can be made to collide (ids are user data). It never reaches a result:
 * the index only maps ids to the order they were read in.
 */
const SEED = randomBytes(4).readUInt32LE(0);

function hash(s: string): number {
  // FNV-1a over UTF-16 code units, then a final mix
  let h = 0x811c9dc5 ^ SEED;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

export class IdIndex {
  /** index + 1 per slot; 0: empty. */
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  private n = 0;

  /** `keyAt(i)`: the id of index i (every id set before is there when a later one is looked up or set). */
  constructor(private readonly keyAt: (i: number) => string) {}

  get size(): number {
    return this.n;
  }

  get(id: string): number | undefined {
    const h = hash(id);
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s];
      if (v === 0) return undefined;
      if (this.hashes[s] === h && this.keyAt(v - 1) === id) return v - 1;
    }
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Map `id` to `index` (as Map.set: an id already there gets the new index). */
  set(id: string, index: number): void {
    const h = hash(id);
    const mask = this.slots.length - 1;
    for (let s = h & mask; this.slots[s] !== 0; s = (s + 1) & mask) {
      if (this.hashes[s] === h && this.keyAt(this.slots[s] - 1) === id) {
        this.slots[s] = index + 1;
        return;
      }
    }
    if (4 * (this.n + 1) > 3 * this.slots.length) this.grow();
    this.put(h, index);
    this.n++;
  }

  private put(h: number, index: number): void {
    const mask = this.slots.length - 1;
    let s = h & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = index + 1;
    this.hashes[s] = h;
  }

  private grow(): void {
    const slots = this.slots;
    const hashes = this.hashes;
    this.slots = new Int32Array(slots.length * 2);
    this.hashes = new Int32Array(slots.length * 2);
    for (let s = 0; s < slots.length; s++) if (slots[s] !== 0) this.put(hashes[s], slots[s] - 1);
  }
}

/**
 * Pickle shapes that are cheap to write and were expensive to read: lists shared through the memo or DUP
 * (a DAG with exponentially many paths), DUP'd tuples used as dict keys, and integers of hundreds of KiB.
 * The fuzzer starts from them as seeds and splices them into other pickles in place of a value.
 */
import type { Rng } from '../src/core/rng.js';

const u32 = (n: number): string => String.fromCharCode(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
const binput = (i: number): string => `q${String.fromCharCode(i)}`;
const binget = (i: number): string => `h${String.fromCharCode(i)}`;

/** Latin-1 text (one character per byte) as bytes. */
export const bytesOf = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** A protocol-2 pickle around `body`. */
export const pickle2 = (body: string): Uint8Array => bytesOf(`\x80\x02${body}.`);

/** Lists 1..levels each holding `fan` memo references (BINGET) to the one before; memo slots 0..levels. */
export function memoListDag(levels: number, fan: number): string {
  let b = `]${binput(0)}0`;
  for (let i = 1; i <= levels; i++) b += `]${binput(i)}(${binget(i - 1).repeat(fan)}e0`;
  return b + binget(levels);
}

/** The same DAG without the memo (DUP inside LIST), so it can stand in for any value of a stream. */
export function dupListDag(levels: number, fan: number): string {
  return '('.repeat(levels) + ']' + `${'2'.repeat(fan - 1)}l`.repeat(levels);
}

/** A tuple of depth `depth` with 2^depth leaves: DUP + TUPLE2, two bytes a level. */
export const tupleDag = (depth: number): string => `K\x01${'2\x86'.repeat(depth)}`;

/** LONG4 of `k` bytes; `present` false leaves the bytes out (the length alone must be refused). */
export const long4 = (k: number, present = true): string => `\x8b${u32(k)}${present ? '\x01'.repeat(k) : ''}`;

/** A text LONG of `digits` digits. */
export const textLong = (digits: number): string => `L${'9'.repeat(digits)}L\n`;

/** L = []; then `rounds` times: append to L, call slice(L). Each call reads all of L again. */
export const regrow = (rounds: number): string =>
  `]${binput(0)}0cbuiltins\nslice\n${binput(1)}0` + `${binget(0)}K\x01a0${binget(1)}${binget(0)}\x85R0`.repeat(rounds) + 'N';

/** Complete pickles of each shape, at the sizes that used to hang. */
export function standaloneBombs(): { label: string; bytes: Uint8Array }[] {
  return [
    { label: 'bomb: memo-shared list DAG passed to numpy.dtype', bytes: pickle2(`cnumpy\ndtype\n${memoListDag(6, 60)}\x85R`) },
    { label: 'bomb: list DAG as DataFrame state', bytes: pickle2(`cpandas.core.frame\nDataFrame\n)\x81${dupListDag(6, 60)}b`) },
    { label: "bomb: DUP'd tuple DAG as dict key", bytes: pickle2(`}${tupleDag(40)}Ns`) },
    { label: 'bomb: LONG4 of 256 KiB', bytes: pickle2(long4(256 * 1024)) },
    { label: 'bomb: text LONG of 100,000 digits', bytes: pickle2(textLong(100_000)) },
    { label: 'bomb: list re-read by every call', bytes: pickle2(regrow(4000)) },
  ];
}

/** One value expression, chosen at random, to put in place of a value of a stream. */
export function bombValue(rng: Rng): { label: string; bytes: Uint8Array } {
  const r = rng.next();
  if (r < 0.4) {
    const levels = 2 + rng.int(6);
    const fan = 2 + rng.int(79);
    return { label: `list-dag ${levels}x${fan}`, bytes: bytesOf(dupListDag(levels, fan)) };
  }
  if (r < 0.65) {
    const depth = 8 + rng.int(53);
    return { label: `tuple-dag ${depth}`, bytes: bytesOf(tupleDag(depth)) };
  }
  if (r < 0.85) {
    const k = [9, 17, 255, 65_536, 1 << 20, 0xffffffff][rng.int(6)];
    const present = k <= 65_536 && rng.next() < 0.7;
    return { label: `long4 ${k}${present ? '' : ' (no data)'}`, bytes: bytesOf(long4(k, present)) };
  }
  const digits = [39, 41, 1000, 200_000][rng.int(4)];
  return { label: `text-long ${digits}`, bytes: bytesOf(rng.next() < 0.5 ? textLong(digits) : `I${'7'.repeat(digits)}\n`) };
}

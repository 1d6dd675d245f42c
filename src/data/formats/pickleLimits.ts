/**
 * Limits that keep unpickling proportional to the input: the work budget, the integer length cap, and dict
 * keys made from tuples by structure (a DUP'd tuple DAG spelled out in full is exponential in its size).
 */
import { UsageError } from '../../core/errors.js';
import { Decoder, PickleError, PyText } from './pickleValues.js';

export interface UnpickleOptions {
  /** Refuse pickles whose memo grows beyond this many entries (guards against pathological input). */
  maxMemo?: number;
  /** Decoding work allowed per input byte (steps: values visited, keys built, 8 bytes of text decoded). */
  workPerByte?: number;
  /** Decoding work allowed on top of `workPerByte` × size, so that tiny pickles are not held to a few steps. */
  workFloor?: number;
  /** Longest integer (two's complement bytes; text integers get as many digits as that many bytes hold). */
  maxIntBytes?: number;
}

export const PICKLE_LIMITS = {
  maxMemo: 50_000_000,
  workPerByte: 32,
  workFloor: 1_000_000,
  // numpy's widest integer is 8 bytes; twice that leaves room for any Python int a RouterBench pickle holds.
  maxIntBytes: 16,
} as const;

const WORK_ENV = 'GREENSERV_PICKLE_WORK';
const INT_ENV = 'GREENSERV_PICKLE_MAX_INT_BYTES';

/** Limits set through the environment; a bad value is a usage error naming the variable. */
export function pickleLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): UnpickleOptions {
  const opts: UnpickleOptions = {};
  const work = env[WORK_ENV];
  if (work !== undefined && work !== '') {
    const v = Number(work);
    if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${WORK_ENV} must be a positive number of steps per input byte, got '${work}'`);
    opts.workPerByte = v;
  }
  const ints = env[INT_ENV];
  if (ints !== undefined && ints !== '') {
    const v = Number(ints);
    if (!Number.isInteger(v) || v < 8 || v > 1 << 20) throw new UsageError(`${INT_ENV} must be an integer from 8 to 1048576, got '${ints}'`);
    opts.maxIntBytes = v;
  }
  return opts;
}

/** The decoder of one pickle of `size` bytes, with its budget. */
export function decoderFor(size: number, opts: UnpickleOptions): Decoder {
  const perByte = opts.workPerByte ?? PICKLE_LIMITS.workPerByte;
  const budget = perByte * size + (opts.workFloor ?? PICKLE_LIMITS.workFloor);
  return new Decoder(budget, (b) => overBudget(b, perByte));
}

export function overBudget(budget: number, perByte: number): PickleError {
  return new PickleError(
    `decoding this pickle takes more than ${budget} steps (${perByte} per input byte); raise ${WORK_ENV} to allow more ` +
      `(only a pickle that shares or re-reads its objects over and over needs that many)`,
  );
}

export function tooLongInt(bytes: number, maxBytes: number, at: number): PickleError {
  return tooLong(`${bytes} bytes`, `${maxBytes} bytes`, at);
}

function tooLong(what: string, cap: string, at: number): PickleError {
  return new PickleError(`integer of ${what} is longer than the ${cap} this reader accepts (no RouterBench column needs more; see ${INT_ENV})`, at);
}

/** LONG1/LONG4 payload: little-endian two's complement, a number when it is a safe integer. */
export function signedLE(b: Buffer, maxBytes: number, at: number): number | bigint {
  if (b.length === 0) return 0;
  if (b.length <= 6) return b.readIntLE(0, b.length);
  if (b.length > maxBytes) throw tooLongInt(b.length, maxBytes, at);
  // Hex is parsed in one pass; shifting byte by byte is quadratic in the length.
  let v = BigInt(`0x${Buffer.from(b).reverse().toString('hex')}`);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Decimal digits that `bytes` bytes of two's complement can need. */
const digitsFor = (bytes: number): number => Math.ceil(8 * bytes * Math.log10(2)) + 1;

/** A text INT/LONG argument (also memo indexes of PUT/GET). */
export function parseIntText(s: string, at: number, maxBytes: number = PICKLE_LIMITS.maxIntBytes): number | bigint {
  const t = s.trim();
  const digits = t.replace(/^[+-]/, '').length;
  const maxDigits = digitsFor(maxBytes);
  if (digits > maxDigits) throw tooLong(`${digits} digits`, `${maxDigits} digits`, at);
  if (!/^[+-]?\d+$/.test(t)) throw new PickleError(`bad integer '${s.slice(0, 60)}'`, at);
  const b = BigInt(t);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/** The one key object standing for all equal tuples of a pickle. */
class TupleKey {
  constructor(readonly id: number) {}
}

/** Tuple nesting allowed in a dict key (a real key is a few levels deep). */
const MAX_KEY_DEPTH = 100;

/**
 * Dict keys. Strings, numbers and None key a Map as they are; equal tuples must be one key, so each tuple is
 * reduced to a canonical TupleKey by the ids of its parts, once per tuple object: linear in the stream even
 * when the tuple is a DAG with exponentially many paths.
 */
export class DictKeys {
  private readonly bySignature = new Map<string, TupleKey>();
  private readonly byTuple = new Map<readonly unknown[], TupleKey>();
  private readonly stringIds = new Map<string, number>();

  constructor(private readonly dec: Decoder) {}

  key(k: unknown, at: number): unknown {
    const v = k instanceof PyText ? this.dec.decode(k) : k;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
    if (Array.isArray(v)) return this.tuple(v, at, 0);
    throw new PickleError(`unsupported dict key ${describeKey(v)}`, at);
  }

  private tuple(t: readonly unknown[], at: number, depth: number): TupleKey {
    if (!Object.isFrozen(t)) throw new PickleError('unsupported dict key (a list, which Python cannot hash either)', at);
    const hit = this.byTuple.get(t);
    if (hit) return hit;
    if (depth >= MAX_KEY_DEPTH) throw new PickleError(`unsupported dict key (a tuple nested more than ${MAX_KEY_DEPTH} deep)`, at);
    this.dec.charge(1 + t.length);
    const parts = t.map((x) => this.part(x, at, depth));
    const sig = parts.join(',');
    let key = this.bySignature.get(sig);
    if (!key) this.bySignature.set(sig, (key = new TupleKey(this.bySignature.size)));
    this.byTuple.set(t, key);
    return key;
  }

  private part(x: unknown, at: number, depth: number): string {
    const v = x instanceof PyText ? this.dec.decode(x) : x;
    if (v === null) return 'N';
    switch (typeof v) {
      case 'string': {
        let id = this.stringIds.get(v);
        if (id === undefined) this.stringIds.set(v, (id = this.stringIds.size));
        return `s${id}`;
      }
      // Python: 1 == 1.0 == True as keys.
      case 'number':
        return `n${v}`;
      case 'bigint':
        return `n${v}`;
      case 'boolean':
        return v ? 'n1' : 'n0';
    }
    if (Array.isArray(v)) return `t${this.tuple(v, at, depth + 1).id}`;
    throw new PickleError(`unsupported dict key (a tuple holding a ${describeKey(v)})`, at);
  }
}

function describeKey(v: unknown): string {
  if (v instanceof Map) return 'dict';
  if (v instanceof Set) return 'set';
  return typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : typeof v;
}

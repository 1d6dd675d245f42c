/**
 * The opcode machine of the restricted unpickler: protocols 2–5, data opcodes only. Globals are checked
 * against the allow-list (picklePandas.ts) as they are named; calls build plain data, never run code.
 */
import { ALLOWED, buildArray, buildBlockManager, buildDataFrame, buildDType, lookupGlobal, type DecodeContext } from './picklePandas.js';
import { DictKeys, decoderFor, parseIntText, PICKLE_LIMITS, signedLE, tooLongInt, type UnpickleOptions } from './pickleLimits.js';
import { describe, LAZY_TEXT_BYTES, NDArray, PdDataFrame, PendingObject, PickleError, PyGlobal, PyText, type DType, type PyValue } from './pickleValues.js';


/** Decode a pickle into plain values; throws PickleError on anything outside the allowed subset. */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions = {}): PyValue {
  const maxMemo = opts.maxMemo ?? PICKLE_LIMITS.maxMemo;
  const maxIntBytes = opts.maxIntBytes ?? PICKLE_LIMITS.maxIntBytes;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = buf.length;
  let pos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo: unknown[] = [];
  // One decoder for the whole stream: an object shared through the memo is decoded once, not once per use.
  const dec = decoderFor(n, opts);
  const keys = new DictKeys(dec);
  const ctx: DecodeContext = { size: n, placed: 0, decodeBudget: { steps: dec.budget, perByte: opts.workPerByte ?? PICKLE_LIMITS.workPerByte } };

  const need = (k: number): void => {
    if (pos + k > n) throw new PickleError('truncated pickle (unexpected end of data)', n, true);
  };
  const u8 = (): number => {
    need(1);
    return buf[pos++];
  };
  const u16 = (): number => {
    need(2);
    const v = buf.readUInt16LE(pos);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = buf.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const lo = buf.readUInt32LE(pos);
    const hi = buf.readUInt32LE(pos + 4);
    pos += 8;
    const v = hi * 2 ** 32 + lo;
    if (v > n) throw new PickleError('truncated pickle (length beyond end of data)', pos - 8, true);
    return v;
  };
  const take = (k: number): Buffer => {
    need(k);
    const b = buf.subarray(pos, pos + k);
    pos += k;
    return b;
  };
  const line = (): string => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError('truncated pickle (unterminated text argument)', pos, true);
    const s = buf.toString('latin1', pos, end);
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) throw new PickleError('stack underflow (corrupt pickle)', pos, true);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw new PickleError('stack underflow (corrupt pickle)', pos, true);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) throw new PickleError('no MARK on the stack (corrupt pickle)', pos, true);
    stack = prev;
    return items;
  };
  const memoGet = (i: number, at: number): unknown => {
    if (i >= memo.length || !(i in memo)) throw new PickleError(`memo key ${i} missing (corrupt pickle)`, at, true);
    return memo[i];
  };
  const memoPut = (i: number, v: unknown): void => {
    if (i > maxMemo) throw new PickleError('memo too large', pos);
    memo[i] = v;
  };
  const callGlobal = (fn: unknown, args: unknown, at: number, how: 'call' | 'newobj'): unknown => {
    if (!(fn instanceof PyGlobal)) throw new PickleError(`cannot call ${describe(fn)}`, at);
    if (!Array.isArray(args)) throw new PickleError('call arguments are not a tuple', at);
    const h = ALLOWED.get(fn.qualname)!;
    const f = how === 'call' ? h.call : h.newobj;
    if (!f) throw new PickleError(`'${fn.qualname}' cannot be ${how === 'call' ? 'called' : 'instantiated'} here`, at);
    return f(dec.decode(args) as PyValue[], at, ctx);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleError('pickle protocol above 5 is not supported', at);
        break;
      case 0x95: // FRAME: framing is only a buffering hint
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length === 0) throw new PickleError('empty pickle', at, true);
        return stack[stack.length - 1];
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length > 0) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(buf.readInt32LE(pos));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(signedLE(take(u8()), maxIntBytes, at));
        break;
      case 0x8b: {
        // LONG4
        const k = u32();
        // Refused before the bytes are read: a huge length need not even be present.
        if (k > maxIntBytes) throw tooLongInt(k, maxIntBytes, at);
        stack.push(signedLE(take(k), maxIntBytes, at));
        break;
      }
      case 0x49: {
        // INT (text): protocol 0 also spells True/False this way
        const s = line();
        if (s === '01') stack.push(true);
        else if (s === '00') stack.push(false);
        else stack.push(parseIntText(s, at, maxIntBytes));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(parseIntText(line().replace(/L$/, ''), at, maxIntBytes));
        break;
      case 0x47: // BINFLOAT: big-endian double
        need(8);
        stack.push(buf.readDoubleBE(pos));
        pos += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const v = Number(line());
        stack.push(v);
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        const k = u8();
        need(k);
        stack.push(k >= LAZY_TEXT_BYTES ? new PyText(buf, pos, pos + k) : buf.toString('utf8', pos, pos + k));
        pos += k;
        break;
      }
      case 0x58: {
        // BINUNICODE
        const k = u32();
        need(k);
        stack.push(k >= LAZY_TEXT_BYTES ? new PyText(buf, pos, pos + k) : buf.toString('utf8', pos, pos + k));
        pos += k;
        break;
      }
      case 0x8d: {
        // BINUNICODE8
        const k = u64();
        need(k);
        stack.push(k >= LAZY_TEXT_BYTES ? new PyText(buf, pos, pos + k) : buf.toString('utf8', pos, pos + k));
        pos += k;
        break;
      }
      case 0x55: // SHORT_BINSTRING (Python 2 str): latin-1 text
        stack.push(take(u8()).toString('latin1'));
        break;
      case 0x54: // BINSTRING
        stack.push(take(u32()).toString('latin1'));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(new Uint8Array(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(new Uint8Array(take(u32())));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(new Uint8Array(take(u64())));
        break;
      case 0x98: // READONLY_BUFFER: no effect on in-band data
        top();
        break;
      case 0x97: // NEXT_BUFFER
        throw new PickleError('pickle uses out-of-band buffers, which a file cannot carry', at);
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x74: {
        // TUPLE (popMark swaps `stack`, so take the items before pushing)
        const items = popMark();
        stack.push(Object.freeze(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(Object.freeze([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l) || Object.isFrozen(l)) throw new PickleError('APPEND to a non-list', at);
        l.push(v);
        dec.forget(l);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l) || Object.isFrozen(l)) throw new PickleError('APPENDS to a non-list', at);
        for (const v of items) l.push(v);
        dec.forget(l);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map();
        for (let i = 0; i + 1 < items.length; i += 2) d.set(keys.key(items[i], at), items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        const d = top();
        if (!(d instanceof Map)) throw new PickleError('SETITEM on a non-dict', at);
        d.set(keys.key(k, at), v);
        dec.forget(d);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = top();
        if (!(d instanceof Map)) throw new PickleError('SETITEMS on a non-dict', at);
        for (let i = 0; i + 1 < items.length; i += 2) d.set(keys.key(items[i], at), items[i + 1]);
        dec.forget(d);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) throw new PickleError('ADDITEMS on a non-set', at);
        for (const v of items) s.add(v);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(new Set(items));
        break;
      }
      case 0x63: {
        // GLOBAL (text module and name)
        const module = line();
        const name = line();
        stack.push(lookupGlobal(module, name, at));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = dec.decode(pop());
        const module = dec.decode(pop());
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('STACK_GLOBAL with non-string names', at);
        stack.push(lookupGlobal(module, name, at));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(callGlobal(fn, args, at, 'call'));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(callGlobal(cls, args, at, 'newobj'));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (kwargs instanceof Map && kwargs.size > 0) throw new PickleError('keyword arguments to a constructor are not supported', at);
        stack.push(callGlobal(cls, args, at, 'newobj'));
        break;
      }
      case 0x62: {
        // BUILD
        const raw = pop();
        const obj = top();
        // Only an object array's value list keeps its strings undecoded.
        const state = obj instanceof NDArray ? raw : dec.decode(raw);
        if (obj instanceof NDArray) buildArray(obj, state, at);
        else if (obj instanceof PendingObject) {
          if (obj.target instanceof PdDataFrame) buildDataFrame(obj.target, state, at);
          else buildBlockManager(obj.target, state, at, ctx);
          stack[stack.length - 1] = obj.target;
        } else if (obj && typeof obj === 'object' && 'kind' in obj && 'itemsize' in obj) buildDType(obj as DType, state, at);
        else throw new PickleError(`cannot set the state of ${describe(obj)}`, at);
        break;
      }
      case 0x70: {
        // PUT (text index)
        memoPut(memoIndex(parseIntText(line(), at), at), top());
        break;
      }
      case 0x71: // BINPUT
        memoPut(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.length, top());
        break;
      case 0x67: // GET (text index)
        stack.push(memoGet(memoIndex(parseIntText(line(), at), at), at));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8(), at));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32(), at));
        break;
      case 0x50: // PERSID
      case 0x51: // BINPERSID
        throw new PickleError('persistent ids are not supported', at);
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        throw new PickleError('extension registry codes are not supported', at);
      case 0x69: // INST
      case 0x6f: // OBJ
        throw new PickleError('protocol 0/1 object construction is not supported (re-save with protocol 2 or later)', at);
      default:
        throw new PickleError(`unknown or unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`, at, true);
    }
  }
}

function memoIndex(v: number | bigint, at: number): number {
  if (typeof v !== 'number' || v < 0) throw new PickleError(`bad memo index ${v}`, at);
  return v;
}

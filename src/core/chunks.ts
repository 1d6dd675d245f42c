/**
 * Large outputs written in pieces: the text of JSON.stringify(x, null, 2) and of a list of lines without
 * holding the whole document as one string (a profile of 100,000 models is 400 MB of JSON).
 */

/** Pieces are joined up to about this many characters: one append per piece, not per model. */
const PIECE_CHARS = 1 << 20;

/** Strings joined into pieces of about `size` characters. */
export function* batched(parts: Iterable<string>, size = PIECE_CHARS): Generator<string> {
  let buf: string[] = [];
  let len = 0;
  for (const s of parts) {
    buf.push(s);
    len += s.length;
    if (len >= size) {
      yield buf.join('');
      buf = [];
      len = 0;
    }
  }
  if (len > 0) yield buf.join('');
}

/** A plain object or array, whose JSON this file writes member by member; anything else JSON.stringify writes. */
function container(v: unknown): v is Record<string, unknown> | unknown[] {
  if (Array.isArray(v)) return true;
  if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * JSON.stringify(v, null, 2) of a value `depth` levels in (its lines after the first indented by 2 × depth),
 * or undefined where JSON leaves the member out.
 */
function leaf(v: unknown, depth: number, key: string): string | undefined {
  // a plain object or array has no toJSON of its own to call with its key, nor can it be left out
  if (container(v)) return JSON.stringify(v, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);
  // anything else stringified beside its key, so that toJSON(key) and leaving out undefined behave as in the whole
  const s = JSON.stringify({ [key]: v }, null, 2);
  if (s === '{}') return undefined;
  return s.slice(`{\n  ${JSON.stringify(key)}: `.length, -2).replace(/\n {2}/g, `\n${'  '.repeat(depth)}`);
}

/** Elements of an array stringified together: a few hundred models, about a megabyte. */
const ELEMENTS_PER_PIECE = 256;

const hasToJson = (e: unknown): boolean => e !== null && typeof e === 'object' && typeof (e as { toJSON?: unknown }).toJSON === 'function';

/** The elements of an array two levels in, each on its lines as in the whole, a few hundred at a time. */
function* elements(x: unknown[]): Generator<string> {
  for (let i = 0; i < x.length; i += ELEMENTS_PER_PIECE) {
    const part = x.slice(i, i + ELEMENTS_PER_PIECE);
    if (i > 0) yield ',\n';
    // an element's own toJSON is called with its index: those one at a time
    if (part.some(hasToJson)) {
      yield part.map((e, k) => `    ${leaf(e, 2, String(i + k)) ?? 'null'}`).join(',\n');
      continue;
    }
    // in an object two levels deep, as JSON.stringify indents them there; Array.from fills holes with undefined (null)
    const s = JSON.stringify({ k: Array.from(part) }, null, 2);
    yield s.slice('{\n  "k": [\n'.length, -'\n  ]\n}'.length);
  }
}

function* members(v: Record<string, unknown> | unknown[]): Generator<string> {
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  let first = true;
  const keys = Array.isArray(v) ? Array.from({ length: v.length }, (_, i) => String(i)) : Object.keys(v);
  for (const k of keys) {
    const x = (v as Record<string, unknown>)[k];
    const list = Array.isArray(x) && x.length > 0;
    const text = list ? '' : leaf(x, 1, k);
    // a member JSON leaves out (undefined, a function) is null in an array
    if (text === undefined && !Array.isArray(v)) continue;
    yield `${first ? `${open}\n` : ',\n'}  ${Array.isArray(v) ? '' : `${JSON.stringify(k)}: `}`;
    first = false;
    if (list) {
      yield '[\n';
      yield* elements(x);
      yield '\n  ]';
    } else yield text ?? 'null';
  }
  yield first ? `${open}${close}` : `\n${close}`;
}

/** The text of JSON.stringify(x, null, 2) + '\n', in pieces. */
export function* jsonChunks(x: unknown): Generator<string> {
  yield* batched(
    (function* () {
      if (container(x)) yield* members(x);
      else yield JSON.stringify(x, null, 2);
      yield '\n';
    })(),
  );
}

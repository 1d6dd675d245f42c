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
 * or undefined where JSON leaves the member out; below the second level one piece per value.
 */
function leaf(v: unknown, depth: number, key: string): string | undefined {
  // a plain object or array has no toJSON of its own to call with its key, nor can it be left out
  if (container(v)) return JSON.stringify(v, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);
  // anything else stringified beside its key, so that toJSON(key) and leaving out undefined behave as in the whole
  const s = JSON.stringify({ [key]: v }, null, 2);
  if (s === '{}') return undefined;
  return s.slice(`{\n  ${JSON.stringify(key)}: `.length, -2).replace(/\n {2}/g, `\n${'  '.repeat(depth)}`);
}

function* members(v: Record<string, unknown> | unknown[], depth: number): Generator<string> {
  const inner = '  '.repeat(depth + 1);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  let first = true;
  const keys = Array.isArray(v) ? Array.from({ length: v.length }, (_, i) => String(i)) : Object.keys(v);
  for (const k of keys) {
    const x = (v as Record<string, unknown>)[k];
    const deep = depth < 1 && container(x);
    const text = deep ? '' : leaf(x, depth + 1, k);
    // a member JSON leaves out (undefined, a function) is null in an array
    if (text === undefined && !Array.isArray(v)) continue;
    yield `${first ? `${open}\n` : ',\n'}${inner}${Array.isArray(v) ? '' : `${JSON.stringify(k)}: `}`;
    first = false;
    if (deep) yield* members(x as Record<string, unknown> | unknown[], depth + 1);
    else yield text ?? 'null';
  }
  yield first ? `${open}${close}` : `\n${'  '.repeat(depth)}${close}`;
}

/** The text of JSON.stringify(x, null, 2) + '\n', in pieces. */
export function* jsonChunks(x: unknown): Generator<string> {
  yield* batched(
    (function* () {
      if (container(x)) yield* members(x, 0);
      else yield JSON.stringify(x, null, 2);
      yield '\n';
    })(),
  );
}

/**
 * Snappy decompression into a buffer the caller gives (Parquet pages: parquet.ts inflates them into buffers
 * it hands back as soon as the page is used). Literals and non-overlapping back-references are block
 * copies. Strict: a stream whose stated length is not `output.length`, that runs past its input or output,
 * or that copies from before the start of the output throws, and the caller hands the stream to the usual
 * decoder, whose result or error stands. A stream this accepts has exactly one decoding (the format's
 * elements are literals and copies, nothing else), so any correct decoder produces the same bytes.
 */

/** The stated uncompressed length at the start of a snappy stream, and where the elements begin; null when malformed. */
function preamble(input: Uint8Array): { length: number; at: number } | null {
  let n = 0;
  for (let i = 0, scale = 1; i < 5 && i < input.length; i++, scale *= 128) {
    n += (input[i] & 0x7f) * scale;
    if (input[i] < 128) return { length: n, at: i + 1 };
  }
  return null;
}

/** The uncompressed length a snappy stream states, or null when its preamble is malformed. */
export function snappyStatedLength(input: Uint8Array): number | null {
  return preamble(input)?.length ?? null;
}

/** Runs at least this long are block copies; shorter ones are copied a byte at a time (a call costs more). */
const BLOCK = 64;

class SnappyError extends Error {}

const fail = (what: string): never => {
  throw new SnappyError(what);
};

/** Decompress `input` into all of `output`; throws SnappyError unless the stream fills it exactly. */
export function snappyInto(input: Uint8Array, output: Uint8Array): void {
  const head = preamble(input);
  if (head === null || head.length !== output.length) fail('stated length differs from the page size');
  const inEnd = input.length;
  const outEnd = output.length;
  let pos = head!.at;
  let out = 0;
  while (pos < inEnd) {
    const c = input[pos++];
    const tag = c & 3;
    if (tag === 0) {
      let len = (c >>> 2) + 1;
      if (len > 60) {
        const bytes = len - 60;
        if (pos + bytes > inEnd) fail('literal length runs past the input');
        len = 0;
        for (let b = bytes - 1; b >= 0; b--) len = len * 256 + input[pos + b];
        len += 1;
        pos += bytes;
      }
      if (pos + len > inEnd || out + len > outEnd) fail('literal runs past the input or output');
      if (len < BLOCK) for (let i = 0; i < len; i++) output[out + i] = input[pos + i];
      else output.set(input.subarray(pos, pos + len), out);
      pos += len;
      out += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (tag === 1) {
      if (pos >= inEnd) fail('copy runs past the input');
      len = ((c >>> 2) & 7) + 4;
      offset = ((c >>> 5) << 8) | input[pos];
      pos += 1;
    } else if (tag === 2) {
      if (pos + 2 > inEnd) fail('copy runs past the input');
      len = (c >>> 2) + 1;
      offset = input[pos] | (input[pos + 1] << 8);
      pos += 2;
    } else {
      if (pos + 4 > inEnd) fail('copy runs past the input');
      len = (c >>> 2) + 1;
      offset = input[pos] + input[pos + 1] * 0x100 + input[pos + 2] * 0x10000 + input[pos + 3] * 0x1000000;
      pos += 4;
    }
    if (offset === 0 || offset > out || out + len > outEnd) fail('copy outside the output');
    const from = out - offset;
    if (len >= BLOCK && offset >= len) output.copyWithin(out, from, from + len);
    else for (let i = 0; i < len; i++) output[out + i] = output[from + i];
    out += len;
  }
  if (out !== outEnd) fail('stream ends before the page is full');
}

/**
 * A byte-level CSV/TSV scanner (RFC 4180 quoting; LF, CRLF or CR line ends, found at the first; UTF-8 BOM). Records are handed out
 * as byte ranges into the scanner's buffer, so a reader can look at fields without making a string for
 * each: a 400k-row load made with per-field strings spent more memory on V8's young generation than on
 * the table it built.
 *
 * Usage: `feed(chunk)`, then `next()` until it returns false, repeat; `finish()` at end of input and
 * drain `next()` once more. The `view` is valid until the next `feed`.
 */
import { isUtf8 } from 'node:buffer';
import { DataError } from '../../core/errors.js';
import { lineHint } from '../limits.js';

/** Field flag: the field was quoted (its range excludes the quotes). */
export const F_QUOTED = 1;
/** Field flag: the quoted field contains doubled quotes (`""`) that decode to one. */
export const F_ESCAPED = 2;

export interface RecordView {
  /** Bytes the ranges point into; valid until the next `feed`. */
  buf: Buffer;
  /** Number of fields. */
  n: number;
  start: Int32Array;
  end: Int32Array;
  flags: Uint8Array;
  /** Line on which the record starts (1-based). */
  line: number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** The field's text: UTF-8, quotes removed, `""` decoded. */
export function fieldText(v: RecordView, i: number): string {
  const s = v.buf.toString('utf8', v.start[i], v.end[i]);
  return v.flags[i] & F_ESCAPED ? s.replaceAll('""', '"') : s;
}

/**
 * An id-like field's text. Bytes that are not UTF-8 are refused: decoding them would turn distinct ids
 * into the same replacement characters.
 */
export function strictFieldText(v: RecordView, i: number, file: string, column: string): string {
  const s = fieldText(v, i);
  if (s.includes('\ufffd') && !isUtf8(v.buf.subarray(v.start[i], v.end[i]))) {
    throw new DataError('not valid UTF-8 (ids must be UTF-8 text; distinct byte strings would decode alike)', file, v.line, column);
  }
  return s;
}

/** Do two fields hold the same raw bytes and quoting (and so the same text)? */
export function sameField(v: RecordView, i: number, bytes: Uint8Array, len: number, flags: number): boolean {
  const s = v.start[i];
  if (v.end[i] - s !== len || v.flags[i] !== flags) return false;
  const b = v.buf;
  for (let j = 0; j < len; j++) if (b[s + j] !== bytes[j]) return false;
  return true;
}

export class CsvScanner {
  private buf = Buffer.alloc(1 << 16);
  private len = 0;
  /** Start of the record being scanned. */
  private recStart = 0;
  /** Scan position within the current record. */
  private pos = 0;
  private nf = 0;
  private fieldStart = 0;
  /** 0: at field start; 1: unquoted field; 2: inside quotes; 3: just after a quote inside quotes. */
  private state = 0;
  private fieldFlags = 0;
  private line = 1;
  private recLine = 1;
  private eof = false;
  /** Line ends, found at the first one: 0 not yet seen, 1 LF (or CRLF), 2 CR alone (old Mac files). */
  private eol = 0;
  private bomChecked = false;
  private width = -1;
  readonly view: RecordView;

  constructor(
    private readonly file: string,
    private readonly delimiter: number,
    /** Longest record (and so field) kept in memory; a longer one is a DataError naming its line. */
    private readonly maxRecord = Number.MAX_SAFE_INTEGER,
  ) {
    this.view = { buf: this.buf, n: 0, start: new Int32Array(64), end: new Int32Array(64), flags: new Uint8Array(64), line: 1 };
  }

  /** Append input. Moves the unfinished record to the buffer's front first; earlier views become invalid. */
  feed(chunk: Uint8Array): void {
    const keep = this.len - this.recStart;
    // an early bound (endRecord checks exactly): a record at the cap may have its CR here and its LF in the chunk
    if (keep - (keep > 0 && this.buf[this.len - 1] === CR ? 1 : 0) > this.maxRecord) {
      throw this.tooLong();
    }
    const shift = this.recStart;
    const need = keep + chunk.length;
    if (need > this.buf.length) {
      // Doubling, but the step past the record cap goes straight to the most a capped record can need
      // (the cap plus the next chunks), so the cap never costs a second buffer of its size.
      const ceiling = this.maxRecord + 2 * Math.max(chunk.length, 1 << 16);
      const b = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2 >= this.maxRecord ? ceiling : this.buf.length * 2));
      this.buf.copy(b, 0, shift, this.len);
      this.buf = b;
      this.view.buf = b;
    } else if (shift > 0) {
      this.buf.copy(this.buf, 0, shift, this.len);
    }
    if (shift > 0) {
      const { start, end } = this.view;
      for (let i = 0; i < this.nf; i++) {
        start[i] -= shift;
        end[i] -= shift;
      }
      this.pos -= shift;
      this.fieldStart -= shift;
      this.recStart = 0;
    }
    this.buf.set(chunk, keep);
    this.len = need;
    if (!this.bomChecked && this.len >= 3) this.skipBom();
  }

  /** No more input: the last record may end without a newline. */
  finish(): void {
    if (!this.bomChecked) this.skipBom();
    this.eof = true;
  }

  private skipBom(): void {
    this.bomChecked = true;
    const b = this.buf;
    if (this.len >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
      this.recStart = this.pos = this.fieldStart = 3;
    }
  }

  /**
   * Scan the next record into `view`. False when the buffered input holds no further complete record
   * (feed more, or after `finish` the input is exhausted). Blank lines are skipped; a record whose field
   * count differs from the first record's is a DataError.
   */
  next(): boolean {
    if (!this.bomChecked && !this.eof) return false;
    for (;;) {
      const r = this.scan();
      if (r === 0) return false;
      const v = this.view;
      // A blank line is one empty unquoted field.
      if (v.n === 1 && v.start[0] === v.end[0] && v.flags[0] === 0) continue;
      if (this.width < 0) this.width = v.n;
      else if (v.n !== this.width) throw new DataError(`ragged row: expected ${this.width}, got ${v.n} fields`, this.file, v.line);
      return true;
    }
  }

  private endField(end: number): void {
    const v = this.view;
    if (this.nf === v.start.length) {
      const k = v.start.length * 2;
      const s = new Int32Array(k);
      s.set(v.start);
      const e = new Int32Array(k);
      e.set(v.end);
      const f = new Uint8Array(k);
      f.set(v.flags);
      v.start = s;
      v.end = e;
      v.flags = f;
    }
    v.start[this.nf] = this.fieldStart;
    v.end[this.nf] = end;
    v.flags[this.nf] = this.fieldFlags;
    this.nf++;
    this.fieldFlags = 0;
    this.state = 0;
  }

  /** 1: a record is in `view`; 0: need more input (or input exhausted). */
  private scan(): number {
    const b = this.buf;
    const len = this.len;
    const d = this.delimiter;
    let p = this.pos;
    let state = this.state;
    if (p >= len && !this.eof) return 0;
    if (p >= len && this.eof && state === 0 && this.nf === 0) return 0;
    while (p < len) {
      const c = b[p];
      if (state === 2) {
        // Inside quotes: jump to the next quote, counting newlines on the way.
        if (c === QUOTE) state = 3;
        else if (c === LF || (c === CR && this.eol === 2)) this.line++;
        p++;
        continue;
      }
      if (state === 3) {
        if (c === QUOTE) {
          this.fieldFlags |= F_ESCAPED;
          state = 2;
          p++;
          continue;
        }
        // The closing quote: the field ends before it.
        if (c === d) {
          this.endField(p - 1);
          this.fieldStart = p + 1;
          state = 0;
          p++;
          continue;
        }
        if (c === LF || (c === CR && p + 1 < len && b[p + 1] === LF)) {
          if (this.eol === 0) this.eol = 1;
          this.endField(p - 1);
          return this.endRecord(c === CR ? p + 2 : p + 1);
        }
        if (c === CR) {
          if (p + 1 >= len && !this.eof) break; // is the next byte a line feed?
          if (this.eol !== 1 || p + 1 >= len) {
            if (this.eol === 0) this.eol = 2;
            this.endField(p - 1);
            return this.endRecord(p + 1);
          }
        }
        throw this.quoteError(
          `Invalid Closing Quote: '${String.fromCharCode(c)}' follows a closing quote instead of the delimiter or a line end`,
        );
      }
      if (state === 0) {
        this.fieldStart = p;
        if (c === QUOTE) {
          this.fieldFlags = F_QUOTED;
          this.fieldStart = p + 1;
          state = 2;
          p++;
          continue;
        }
        state = 1;
      }
      // Unquoted field.
      if (c === d) {
        this.endField(p);
        this.fieldStart = p + 1;
        state = 0;
      } else if (c === LF) {
        if (this.eol === 0) this.eol = 1;
        this.endField(p > this.fieldStart && b[p - 1] === CR ? p - 1 : p);
        return this.endRecord(p + 1);
      } else if (c === CR && this.eol !== 1) {
        if (this.eol === 0) {
          if (p + 1 >= len && !this.eof) break; // is the next byte a line feed?
          if (p + 1 < len && b[p + 1] === LF) {
            // CRLF: the line feed ends the record and the CR is dropped there.
            this.eol = 1;
            p++;
            continue;
          }
          this.eol = 2;
        }
        this.endField(p);
        return this.endRecord(p + 1);
      } else if (c === QUOTE) {
        throw this.quoteError('Invalid Opening Quote: a quote appears inside an unquoted field (quote the whole field and double the quote)');
      }
      p++;
    }
    this.pos = p;
    this.state = state;
    if (!this.eof) return 0;
    // End of input inside a record.
    if (state === 2) throw new DataError('unterminated quoted field (file truncated or stray quote)', this.file, this.recLine);
    if (state === 3) this.endField(p - 1);
    else this.endField(p > this.fieldStart && b[p - 1] === CR ? p - 1 : p);
    return this.endRecord(p);
  }

  private endRecord(next: number): number {
    const v = this.view;
    // The cap applies to every record, not only to one still unfinished when a chunk ends (checked in feed).
    const b = this.buf;
    let end = next;
    if (end > this.recStart && b[end - 1] === LF) end--;
    if (end > this.recStart && b[end - 1] === CR) end--;
    if (end - this.recStart > this.maxRecord) {
      throw this.tooLong();
    }
    v.n = this.nf;
    v.line = this.recLine;
    this.line++;
    this.recLine = this.line;
    this.nf = 0;
    this.state = 0;
    this.fieldFlags = 0;
    this.recStart = this.pos = this.fieldStart = next;
    return 1;
  }

  private tooLong(): DataError {
    return new DataError(`record is longer than ${this.maxRecord} bytes (unterminated field or line?) — ${lineHint()}`, this.file, this.recLine);
  }

  private quoteError(msg: string): DataError {
    return new DataError(msg, this.file, this.line);
  }
}

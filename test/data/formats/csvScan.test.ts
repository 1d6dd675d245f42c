import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvScanner, F_ESCAPED, F_QUOTED, fieldText, sameField } from '../../../src/data/formats/csvScan.js';
import { parseNumberBytes } from '../../../src/data/formats/text.js';
import { DataError } from '../../../src/core/errors.js';
import { throwsDataError } from '../../helpers/errors.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

interface Rec {
  fields: string[];
  line: number;
}

/** Feed `bytes` in chunks of the given sizes (cycled), draining `next()` after each feed and after `finish()`. */
function scanAll(bytes: Uint8Array, sizes: number[] = [bytes.length || 1], delimiter = ','): Rec[] {
  const sc = new CsvScanner('t.csv', delimiter.charCodeAt(0));
  const out: Rec[] = [];
  const drain = (): void => {
    while (sc.next()) {
      const v = sc.view;
      const fields: string[] = [];
      for (let i = 0; i < v.n; i++) fields.push(fieldText(v, i));
      out.push({ fields, line: v.line });
    }
  };
  let p = 0;
  let k = 0;
  while (p < bytes.length) {
    const n = sizes[k++ % sizes.length];
    sc.feed(bytes.subarray(p, p + n));
    p += n;
    drain();
  }
  sc.finish();
  drain();
  return out;
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('CsvScanner vs csv-parse (differential)', () => {
  // '\n' and '\r\n' force quoting, so they only ever occur inside quoted fields.
  const UNITS = ['a', 'Z', 'q', '0', '7', ' ', ',', '\t', '"', 'é', '雪', '😀', '\n', '\r\n'];
  const fieldArb = fc.record({
    text: fc.array(fc.constantFrom(...UNITS), { maxLength: 8 }).map((u) => u.join('')),
    quote: fc.boolean(),
  });
  const caseArb = fc
    .integer({ min: 1, max: 6 })
    .chain((w) =>
      fc.record({
        rows: fc.array(
          fc.record({
            fields: fc.array(fieldArb, { minLength: w, maxLength: w }),
            blanksBefore: fc.constantFrom(0, 0, 0, 0, 0, 1, 2),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        delimiter: fc.constantFrom(',', '\t'),
        eol: fc.constantFrom('\n', '\r\n'),
        trailing: fc.boolean(),
        bom: fc.boolean(),
        sizes: fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 12 }),
      }),
    );

  it('same records, fields and start lines under random chunking', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const d = c.delimiter;
        let text = '';
        const expected: Rec[] = [];
        c.rows.forEach((row, r) => {
          for (let i = 0; i < row.blanksBefore; i++) text += c.eol;
          const start = text.length;
          const single = row.fields.length === 1;
          text += row.fields
            .map(({ text: f, quote }) => {
              // A lone empty unquoted field would be a blank line: quote it.
              const must = f.includes(d) || f.includes('"') || f.includes('\r') || f.includes('\n') || (single && f === '');
              return must || quote ? '"' + f.replaceAll('"', '""') + '"' : f;
            })
            .join(d);
          if (r < c.rows.length - 1 || c.trailing) text += c.eol;
          const line = 1 + (text.slice(0, start).match(/\n/g)?.length ?? 0);
          expected.push({ fields: row.fields.map((f) => f.text), line });
        });
        const bytes = c.bom ? Buffer.concat([BOM, utf8(text)]) : utf8(text);

        const ref = (
          parse(bytes, { delimiter: d, bom: true, relax_column_count: true, skip_empty_lines: false, relax_quotes: false, raw: true }) as unknown as {
            record: string[];
            raw: string;
          }[]
        )
          .filter((x) => !(x.record.length === 1 && x.record[0] === '' && x.raw.replace(/[\r\n]+$/, '') === ''))
          .map((x) => x.record);
        // The oracle agrees with the generated table.
        expect(ref).toEqual(expected.map((e) => e.fields));

        const got = scanAll(bytes, c.sizes, d);
        expect(got.map((g) => g.fields)).toEqual(ref);
        expect(got.map((g) => g.line)).toEqual(expected.map((e) => e.line));
      }),
      { numRuns: 400 },
    );
  });
});

describe('CsvScanner errors', () => {
  const cases: { name: string; text: string; msg: RegExp; line: number }[] = [
    // header, 2-line quoted record (lines 2-3), blank line 4, short row on line 5
    { name: 'ragged row', text: 'a,b,c\n"x\ny",2,3\n\n1,2\n4,5,6\n', msg: /ragged row: expected 3, got 2 fields/, line: 5 },
    { name: 'unterminated quote at EOF', text: 'a,b\n1,2\n3,"abc\ndef\n', msg: /unterminated quoted field/, line: 3 },
    { name: 'unterminated quote, CRLF', text: 'a,b\r\n1,2\r\n\r\n"x\r\n\r\n', msg: /unterminated quoted field/, line: 4 },
    { name: 'char after closing quote', text: 'h1,h2\n"p\nq",1\n"x"y,2\n', msg: /Invalid Closing Quote/, line: 4 },
    { name: 'CR not followed by LF after closing quote', text: 'h1,h2\n"x"\ry,2\n', msg: /Invalid Closing Quote/, line: 2 },
    { name: 'quote inside unquoted field', text: 'a,b\n\nx"y,2\n', msg: /Invalid Opening Quote/, line: 3 },
  ];
  for (const c of cases) {
    for (const [how, sizes] of [
      ['whole', undefined],
      ['one byte at a time', [1]],
      ['7-byte chunks', [7]],
    ] as const) {
      it(`${c.name} (${how})`, () => {
        const e = throwsDataError(() => scanAll(utf8(c.text), sizes ? [...sizes] : undefined));
        expect(e.message).toMatch(c.msg);
        expect(e.line).toBe(c.line);
        expect(e.file).toBe('t.csv');
      });
    }
  }

  it('records before the error are delivered', () => {
    const sc = new CsvScanner('t.csv', 0x2c);
    sc.feed(utf8('a,b\n1,2\n"x"y,3\n'));
    expect(sc.next()).toBe(true);
    expect(sc.next()).toBe(true);
    expect(fieldText(sc.view, 0)).toBe('1');
    expect(() => sc.next()).toThrow(DataError);
  });
});

describe('CsvScanner edge cases', () => {
  it('CRLF split across two feeds (unquoted and quoted last field)', () => {
    for (const [first, second] of [
      ['a,b\r', '\nc,d\r\n'],
      ['a,"b"\r', '\n"c",d\r\n'],
    ]) {
      const sc = new CsvScanner('t.csv', 0x2c);
      const got: string[][] = [];
      const lines: number[] = [];
      for (const chunk of [first, second]) {
        sc.feed(utf8(chunk));
        while (sc.next()) {
          got.push([fieldText(sc.view, 0), fieldText(sc.view, 1)]);
          lines.push(sc.view.line);
        }
      }
      sc.finish();
      expect(sc.next()).toBe(false);
      expect(got).toEqual([
        ['a', 'b'],
        ['c', 'd'],
      ]);
      expect(lines).toEqual([1, 2]);
    }
  });

  it('"a"\\r at EOF is one record', () => {
    expect(scanAll(utf8('"a"\r'))).toEqual([{ fields: ['a'], line: 1 }]);
    expect(scanAll(utf8('x,y\n"a","b"\r'), [1])).toEqual([
      { fields: ['x', 'y'], line: 1 },
      { fields: ['a', 'b'], line: 2 },
    ]);
  });

  it('BOM split across the first feeds', () => {
    const bytes = Buffer.concat([BOM, utf8('x,y\n1,2\n')]);
    for (const sizes of [[1], [2], [1, 1, 50], [4], [3]]) {
      expect(scanAll(bytes, sizes)).toEqual([
        { fields: ['x', 'y'], line: 1 },
        { fields: ['1', '2'], line: 2 },
      ]);
    }
  });

  it('a BOM is stripped only at the very start', () => {
    const got = scanAll(utf8('x\n\uFEFFy\n'));
    expect(got.map((r) => r.fields)).toEqual([['x'], ['\uFEFFy']]);
  });

  it('empty input and BOM-only input give no records', () => {
    expect(scanAll(new Uint8Array(0))).toEqual([]);
    expect(scanAll(BOM)).toEqual([]);
    expect(scanAll(BOM, [1])).toEqual([]);
    const sc = new CsvScanner('t.csv', 0x2c);
    sc.finish();
    expect(sc.next()).toBe(false);
  });

  it('a 200,000-byte field fed in 1 KiB chunks', () => {
    // Multi-byte chars and doubled quotes straddle chunk boundaries.
    const unit = 'ab"é雪,\n'; // 10 bytes
    const reps = 15_001; // odd count keeps units misaligned with 1 KiB
    const value = unit.repeat(reps) + 'x'.repeat(200_000 - 10 * reps);
    expect(Buffer.byteLength(value)).toBe(200_000);
    const quoted = 'id,v\n1,"' + value.replaceAll('"', '""') + '"\n2,end\n';
    const plain = 'x'.repeat(99_999) + 'é' + 'y'.repeat(99_999);
    const q = scanAll(utf8(quoted), [1024]);
    const u = scanAll(utf8('id,v\n1,' + plain + '\r\n2,end'), [1024]);
    const nl = value.match(/\n/g)!.length;
    expect(q).toEqual([
      { fields: ['id', 'v'], line: 1 },
      { fields: ['1', value], line: 2 },
      { fields: ['2', 'end'], line: 3 + nl },
    ]);
    expect(Buffer.byteLength(plain)).toBe(200_000);
    expect(u).toEqual([
      { fields: ['id', 'v'], line: 1 },
      { fields: ['1', plain], line: 2 },
      { fields: ['2', 'end'], line: 3 },
    ]);
  });

  it('the record cap holds however the input is chunked: a long record inside one chunk is refused too', () => {
    // header 4 bytes, record 2 is 10 bytes ("1,abcdefgh"), record 3 is 3 bytes; cap 8 bytes
    const text = 'id,v\n1,abcdefgh\n2,x\n';
    const lines = (sizes: number[], withCr = false): DataError => {
      const sc = new CsvScanner('t.csv', 0x2c, 8);
      const bytes = utf8(withCr ? text.replaceAll('\n', '\r\n') : text);
      return throwsDataError(() => {
        let p = 0;
        for (let k = 0; p < bytes.length; k++) {
          const n = sizes[k % sizes.length];
          sc.feed(bytes.subarray(p, p + n));
          p += n;
          while (sc.next());
        }
        sc.finish();
        while (sc.next());
      });
    };
    for (const sizes of [[1 << 16], [1], [3], [7]]) {
      for (const withCr of [false, true]) {
        const e = lines(sizes, withCr);
        expect(e.line).toBe(2);
        expect(e.message).toMatch(/record is longer than 8 bytes/);
      }
    }
    // at the cap (8 bytes, line end not counted) a record is accepted, also as the last one without a line end
    for (const t of ['id,v\n1,abcdef\n', 'id,v\r\n1,abcdef\r\n', 'id,v\n1,abcdef', '"i",v\n"1234",v\n']) {
      // whole, and cut after every byte (a CRLF record at the cap may end a chunk on its CR)
      for (let cut = 0; cut <= t.length; cut++) {
        const sc = new CsvScanner('t.csv', 0x2c, 8);
        let n = 0;
        for (const part of cut === 0 ? [t] : [t.slice(0, cut), t.slice(cut)]) {
          sc.feed(utf8(part));
          while (sc.next()) n++;
        }
        sc.finish();
        while (sc.next()) n++;
        expect(n).toBe(2);
      }
    }
  });

  it('buffer growth is amortised: a 2 MB field in 64-byte chunks', () => {
    const big = 'z'.repeat(2_000_000);
    // A complexity guard, not a speed target: copying the whole field per chunk would take minutes.
    const t0 = performance.now();
    const got = scanAll(utf8('"' + big + '",1\n'), [64]);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(got.length).toBe(1);
    expect(got[0].fields[0].length).toBe(2_000_000);
    expect(got[0].fields[0] === big).toBe(true);
  });

  it('CR-only line ends (old Mac files) are found at the first line end, as csv-parse does', () => {
    const text = 'id,text\r1,"two\rlines"\r\r"3",plain\r4,x';
    const want = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, relax_quotes: false }) as string[][];
    expect(want).toEqual([
      ['id', 'text'],
      ['1', 'two\rlines'],
      ['3', 'plain'],
      ['4', 'x'],
    ]);
    for (const sizes of [[text.length], [1], [2, 3]]) {
      const got = scanAll(utf8(text), sizes);
      expect(got.map((r) => r.fields)).toEqual(want);
      // The quoted CR counts as a line break, and so does the blank line.
      expect(got.map((r) => r.line)).toEqual([1, 2, 5, 6]);
    }
    // Once LF line ends are seen, a lone CR is data.
    expect(scanAll(utf8('a,b\nx\ry,z\n')).map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['x\ry', 'z'],
    ]);
  });

  it('blank lines are skipped but counted', () => {
    const text = '\na,b\n\n\r\n1,2\n\n3,4\n\n';
    const want = [
      { fields: ['a', 'b'], line: 2 },
      { fields: ['1', '2'], line: 5 },
      { fields: ['3', '4'], line: 7 },
    ];
    expect(scanAll(utf8(text))).toEqual(want);
    expect(scanAll(utf8(text), [1])).toEqual(want);
  });

  it('last record without a newline', () => {
    expect(scanAll(utf8('a,b\n1,2'))).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['1', '2'], line: 2 },
    ]);
    expect(scanAll(utf8('a,b\n1,'), [1]).map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['1', ''],
    ]);
    expect(scanAll(utf8('a,b\n"1",""'), [1]).map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['1', ''],
    ]);
  });

  it('a quoted empty field on its own line is a record, not a blank line', () => {
    expect(scanAll(utf8('h\n""\nz\n'))).toEqual([
      { fields: ['h'], line: 1 },
      { fields: [''], line: 2 },
      { fields: ['z'], line: 3 },
    ]);
  });

  it('records wider than the initial 64 field slots', () => {
    const w = 150;
    const row = (r: number): string[] => Array.from({ length: w }, (_, i) => `r${r}c${i}`);
    const text = [0, 1, 2].map((r) => row(r).map((f, i) => (i % 3 === 0 ? `"${f}"` : f)).join('\t')).join('\n');
    const got = scanAll(utf8(text), [13], '\t');
    expect(got.map((g) => g.fields)).toEqual([row(0), row(1), row(2)]);
  });

  it('flags and sameField', () => {
    const sc = new CsvScanner('t.csv', 0x2c);
    sc.feed(utf8('plain,"q","a""b"\n'));
    expect(sc.next()).toBe(true);
    const v = sc.view;
    expect(Array.from(v.flags.subarray(0, 3))).toEqual([0, F_QUOTED, F_QUOTED | F_ESCAPED]);
    expect(fieldText(v, 2)).toBe('a"b');
    const raw = utf8('a""b');
    expect(sameField(v, 2, raw, raw.length, F_QUOTED | F_ESCAPED)).toBe(true);
    expect(sameField(v, 2, raw, raw.length, F_QUOTED)).toBe(false);
    expect(sameField(v, 0, utf8('plain'), 5, 0)).toBe(true);
    expect(sameField(v, 0, utf8('plaiN'), 5, 0)).toBe(false);
    expect(sameField(v, 1, utf8('q'), 1, 0)).toBe(false);
  });
});

/** Call parseNumberBytes on `s` embedded between digit bytes, so reads outside [s, e) would change the result. */
function pnb(s: string): number {
  const b = utf8('97' + s + '35');
  return parseNumberBytes(b, 2, b.length - 2);
}

/** Independent "must be handled" rule: ≤15 digits from the first non-zero one, |scale| ≤ 22, ≤4 exponent digits. */
function mustHandle(s: string): boolean {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?)(\d+))?$/.exec(s)!;
  const int = m[1];
  const frac = m[2] ?? '';
  const expDigits = m[4] ?? '';
  if (expDigits.length > 4) return false;
  const sig = (int + frac).replace(/^0+/, '');
  if (sig === '') return true;
  const scale = (m[3] === '-' ? -1 : 1) * Number(expDigits || '0') - frac.length;
  return sig.length <= 15 && Math.abs(scale) <= 22;
}

describe('parseNumberBytes', () => {
  // n digits split into integer and fraction parts, with forced leading/trailing zeros.
  const numArb = fc
    .record({
      sign: fc.constantFrom('', '+', '-'),
      ds: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 20 }),
      split: fc.nat(),
      lead: fc.constantFrom(0, 0, 0, 1, 2, 5),
      trail: fc.constantFrom(0, 0, 0, 1, 2, 5),
      dot: fc.boolean(),
      exp: fc.option(
        fc.record({
          e: fc.constantFrom('e', 'E'),
          sign: fc.constantFrom('', '+', '-'),
          pad: fc.constantFrom('', '', '0', '00'),
          v: fc.integer({ min: 0, max: 30 }),
        }),
      ),
    })
    .map((r) => {
      const d = r.ds.map(String);
      const n = d.length;
      for (let i = 0; i < Math.min(r.lead, n); i++) d[i] = '0';
      for (let i = 0; i < Math.min(r.trail, n); i++) d[n - 1 - i] = '0';
      const k = r.split % (n + 1);
      const int = d.slice(0, k).join('');
      const frac = d.slice(k).join('');
      let s = r.sign + int + (frac !== '' || r.dot || int === '' ? '.' + frac : '');
      if (r.exp) s += r.exp.e + r.exp.sign + r.exp.pad + r.exp.v;
      return s;
    });

  it('generator only makes strings of the number syntax', () => {
    fc.assert(
      fc.property(numArb, (s) => {
        expect(s).toMatch(/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/);
      }),
      { numRuns: 300 },
    );
  });

  it('is NaN or exactly Number(s); never NaN where the fast path applies', () => {
    fc.assert(
      fc.property(numArb, (s) => {
        const r = pnb(s);
        if (!Number.isNaN(r)) expect(Object.is(r, Number(s)), `${s} → ${r}, Number gives ${Number(s)}`).toBe(true);
        if (mustHandle(s)) expect(r, `${s} must be handled`).not.toBeNaN();
      }),
      { numRuns: 3000 },
    );
  });

  it('random doubles printed by JS agree with Number()', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = String(x);
        const r = pnb(s);
        if (!Number.isNaN(r)) expect(Object.is(r, Number(s)), `${s} → ${r}`).toBe(true);
        if (mustHandle(s)) expect(r).not.toBeNaN();
      }),
      { numRuns: 2000 },
    );
  });

  it('16-17 digit mantissas (beyond 2^53) are NaN or exactly Number(s)', () => {
    const arb = fc
      .record({
        ds: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 16, maxLength: 17 }),
        first: fc.integer({ min: 1, max: 9 }),
        k: fc.nat({ max: 17 }),
        exp: fc.integer({ min: -10, max: 10 }),
        useExp: fc.boolean(),
      })
      .map(({ ds, first, k, exp, useExp }) => {
        const d = [first, ...ds.slice(1)].join('');
        const at = Math.min(k, d.length);
        return d.slice(0, at) + '.' + d.slice(at) + (useExp ? `e${exp}` : '');
      });
    fc.assert(
      fc.property(arb, (s) => {
        const r = pnb(s);
        if (!Number.isNaN(r)) expect(Object.is(r, Number(s)), `${s} → ${r}`).toBe(true);
      }),
      { numRuns: 2000 },
    );
    // Accumulating these mantissas in a double and dividing once gives the wrong double.
    for (const s of ['902406.1740453193', '947.0501331838041', '.9784620228295587', '97587.70235417493']) {
      const r = pnb(s);
      expect(Number.isNaN(r) || Object.is(r, Number(s)), `${s} → ${r}`).toBe(true);
    }
  });

  it('explicit examples', () => {
    const cases = [
      '0.000009489145813',
      '-0',
      '+0',
      '-0.0e-30',
      '1e22',
      '1e-22',
      '-1E+22',
      '123456789012345',
      '-123456789012345e-22',
      '999999999999999e22',
      '.5',
      '5.',
      '-.5e1',
      '0.1',
      '0.3',
      '000000000000000000000001.5000',
      '0.0000000000000000000001',
      '1e0010',
      '7e-0',
    ];
    for (const s of cases) {
      expect(mustHandle(s), s).toBe(true);
      const r = pnb(s);
      expect(Object.is(r, Number(s)), `${s} → ${r}`).toBe(true);
    }
    expect(Object.is(pnb('-0'), -0)).toBe(true);
    expect(pnb('0.000009489145813')).toBe(9.489145813e-6);
  });

  it('not-a-number strings give NaN', () => {
    for (const s of ['', ' 1', '1 ', '1e', 'e5', '--1', '1.2.3', 'nan', 'NaN', 'Infinity', '-Infinity', '0x10', '.', '+', '-', '1e+', '.e1', '1,5', '1_0']) {
      expect(pnb(s), JSON.stringify(s)).toBeNaN();
    }
  });
});

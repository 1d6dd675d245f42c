import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { hasControl, jsonQuoted, shellWord, shownName, terminalSafe } from '../../src/core/escape.js';
import { DataError, userIoError } from '../../src/core/errors.js';

/** The characters a terminal may act on, listed independently of the implementation's pattern. */
function unsafe(cp: number): boolean {
  if (cp < 0x20) return cp !== 0x0a;
  if (cp >= 0x7f && cp <= 0x9f) return true;
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

describe('terminalSafe', () => {
  it('shows escape sequences, bells, carriage returns, tabs, C1 and bidi controls as \\u escapes, and keeps line feeds', () => {
    expect(terminalSafe('a\u001b[2Jb\u0007\r\t\n\u009b\u202e\u2066x')).toBe('a\\u001b[2Jb\\u0007\\u000d\\u0009\n\\u009b\\u202e\\u2066x');
    expect(terminalSafe('\u0000\u007f')).toBe('\\u0000\\u007f');
  });

  it('leaves printable text, accents and other scripts as they are', () => {
    const s = 'modèle-α – ü 日本 (column \'accuracy\'): 3.5 J';
    expect(terminalSafe(s)).toBe(s);
  });

  it('maps every code point below U+3000 as the independent rule says', () => {
    for (let cp = 0; cp < 0x3000; cp++) {
      const c = String.fromCharCode(cp);
      const want = unsafe(cp) ? `\\u${cp.toString(16).padStart(4, '0')}` : c;
      if (terminalSafe(c) !== want) expect({ cp, got: terminalSafe(c) }).toEqual({ cp, got: want });
    }
  });
});

describe('hasControl and jsonQuoted', () => {
  it('find C0, DEL and C1 controls only', () => {
    expect(hasControl('q\u00091')).toBe(true);
    expect(hasControl('q\u007f')).toBe(true);
    expect(hasControl('q\u0085')).toBe(true);
    expect(hasControl('modèle-α\u00a0x')).toBe(false);
  });

  it('quote as JSON, escape C1 controls too and cut long values', () => {
    expect(jsonQuoted('a\u001bb\u009bc')).toBe('"a\\u001bb\\u009bc"');
    expect(jsonQuoted('abcdef', 3)).toBe('"abc…"');
  });
});

describe('shownName: a path or name inside a message', () => {
  it('escapes line feeds, so a file named with one keeps the message on one line', () => {
    expect(shownName('a\nb.csv')).toBe('a\\u000ab.csv');
    expect(terminalSafe(shownName('d\n\re/t.csv'))).toBe('d\\u000a\\u000de/t.csv');
    expect(shownName('plain/path.csv')).toBe('plain/path.csv');
  });

  it('DataError and userIoError show the file that way; the message text itself is left as written', () => {
    const e = new DataError('accuracy 2 is outside [0, 1]', 'd\ne/t.csv', 2, 'acc\nuracy');
    expect(e.message).toBe("d\\u000ae/t.csv:2 (column 'acc\\u000auracy'): accuracy 2 is outside [0, 1]");
    const io = userIoError(Object.assign(new Error('x'), { code: 'ENOENT' }), 'o\nx/summary.json') as Error;
    expect(io.message).toMatch(/^cannot write 'o\\u000ax\/summary\.json': /);
    expect(io.message).not.toContain('\n');
  });
});

describe('shellWord', () => {
  it('a word a POSIX shell reads back as the same single argument; plain paths unchanged', () => {
    expect(shellWord('/tmp/out.partial')).toBe('/tmp/out.partial');
    expect(shellWord('results/2026-12-07T10Z-x,a=b@c:d%e+f')).toBe('results/2026-12-07T10Z-x,a=b@c:d%e+f');
    expect(shellWord("/tmp/a b/it's")).toBe("'/tmp/a b/it'\\''s'");
    // the shell itself is the reference: each word comes back as one argument, byte for byte
    const hard = ['/tmp/a b.partial', "it's", '$HOME', '`id`', 'a;b', 'x\ny', '*', '~/x', '', "''", 'a\\b', '"q"', '-n', 'é ü'];
    for (const s of hard) {
      const out = execFileSync('sh', ['-c', `printf '%s|' ${shellWord(s)}`], { encoding: 'utf8' });
      expect(out, s).toBe(`${s}|`);
    }
  });
});

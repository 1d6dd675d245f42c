/** The message sink: escaped, prefixed, fitted to a terminal (spies on stderr, so this file runs isolated). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errText, say, warn } from '../../src/cli/say.js';

describe('say', () => {
  const writes: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    writes.length = 0;
  });
  const spy = (): void => {
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      writes.push(String(s));
      return true;
    });
  };

  it('prefixes one line and escapes what a message quotes from input', () => {
    spy();
    warn("'abc\u001b]0;pwned\u0007' is not a number");
    say('error', 'x\ry');
    errText('line\u009b2J\n');
    expect(writes).toEqual(["greenserv: warning: 'abc\\u001b]0;pwned\\u0007' is not a number\n", 'greenserv: error: x\\u000dy\n', 'line\\u009b2J\n']);
  });

  it('on a terminal breaks each line between words to fit, a long path whole; a stack trace keeps its lines', () => {
    spy();
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    const cols = Object.getOwnPropertyDescriptor(process.stderr, 'columns');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    Object.defineProperty(process.stderr, 'columns', { value: 31, configurable: true });
    try {
      warn('skipping /a/very/long/path/to/some/file.csv: not a table');
      say('note', 'one two\nthree');
      say('internal error', 'Error: x at a very long frame name that is wider than thirty columns');
    } finally {
      for (const [k, d] of [['isTTY', tty], ['columns', cols]] as const) {
        if (d) Object.defineProperty(process.stderr, k, d);
        else delete (process.stderr as unknown as Record<string, unknown>)[k];
      }
    }
    // width 30: the terminal's 31 columns less one
    expect(writes).toEqual([
      'greenserv: warning: skipping\n/a/very/long/path/to/some/file.csv:\nnot a table\n',
      'greenserv: note: one two\nthree\n',
      'greenserv: internal error: Error: x at a very long frame name that is wider than thirty columns\n',
    ]);
  });
});

/** The message sink: escaped, prefixed, fitted to a terminal (spies on stderr, so this file runs isolated). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errText, notice, say, warn } from '../../src/cli/say.js';

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

  /** Run `f` with stderr a terminal of `columns` columns. */
  const onTerminal = (columns: number, f: () => void): void => {
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    const cols = Object.getOwnPropertyDescriptor(process.stderr, 'columns');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    Object.defineProperty(process.stderr, 'columns', { value: columns, configurable: true });
    try {
      f();
    } finally {
      for (const [k, d] of [['isTTY', tty], ['columns', cols]] as const) {
        if (d) Object.defineProperty(process.stderr, k, d);
        else delete (process.stderr as unknown as Record<string, unknown>)[k];
      }
    }
  };

  it('on a terminal breaks each line between words to fit, a long path whole; a stack trace keeps its lines', () => {
    spy();
    onTerminal(31, () => {
      warn('skipping /a/very/long/path/to/some/file.csv: not a table');
      say('note', 'one two\nthree');
      say('internal error', 'Error: x at a very long frame name that is wider than thirty columns');
    });
    // width 30: the terminal's 31 columns less one
    expect(writes).toEqual([
      'greenserv: warning: skipping\n/a/very/long/path/to/some/file.csv:\nnot a table\n',
      'greenserv: note: one two\nthree\n',
      'greenserv: internal error: Error: x at a very long frame name that is wider than thirty columns\n',
    ]);
  });

  const interrupt = '\ngreenserv: interrupted (SIGINT): 2 of 9 replays kept in /tmp/a b.partial; finish with: greenserv experiment run --resume /tmp/a b.partial\n';
  const whole = ['/tmp/a b.partial', 'greenserv experiment run --resume /tmp/a b.partial'];

  it('a notice on a terminal breaks between words, never inside a path or the command to copy', () => {
    spy();
    onTerminal(41, () => notice(interrupt, whole));
    // width 40; the command (50 characters) gets a line of its own
    expect(writes).toEqual(['\ngreenserv: interrupted (SIGINT): 2 of 9\nreplays kept in /tmp/a b.partial; finish\nwith:\ngreenserv experiment run --resume /tmp/a b.partial\n']);
  });

  it('a notice piped is written as it is', () => {
    spy();
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
    try {
      notice(interrupt, whole);
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as unknown as Record<string, unknown>).isTTY;
    }
    expect(writes).toEqual([interrupt]);
  });

  it('a notice escapes control characters of the paths it quotes, on a terminal and piped, as say does', () => {
    spy();
    const dir = '/tmp/x\u001b]0;pwned\u0007.partial';
    const shown = '/tmp/x\\u001b]0;pwned\\u0007.partial';
    const text = (p: string): string => `greenserv: interrupted (SIGTERM): 1 of 2 replays kept in ${p}; finish with: greenserv experiment run --resume ${p}\n`;
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
    try {
      notice(text(dir), [dir]);
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as unknown as Record<string, unknown>).isTTY;
    }
    onTerminal(200, () => notice(text(dir), [dir, `greenserv experiment run --resume ${dir}`]));
    expect(writes).toEqual([text(shown), text(shown)]);
  });
});

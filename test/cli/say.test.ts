/** The message sink: escaped, prefixed, fitted to a terminal (spies on stderr, so this file runs isolated). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolve } from 'node:path';
import { DataError, keepWhole, SettingError } from '../../src/core/errors.js';
import { shellWord } from '../../src/core/escape.js';
import { userErrorText, userErrorWhole } from '../../src/cli/errors.js';
import { errText, keepTypedWhole, notice, say, warn } from '../../src/cli/say.js';

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

  /** Check one message as written on a terminal of `width` + 1 columns: every character kept, `piece` within one line. */
  const checkLines = (written: string, text: string, piece: string, width: number): void => {
    const lines = written.slice(0, -1).split('\n');
    expect(lines.join(' ')).toBe(text);
    expect(lines.filter((l) => l.includes(piece)), `width ${width}: ${written}`).toHaveLength(1);
    // only the line of a piece wider than the terminal is wider than it
    for (const l of lines) if (!l.includes(piece)) expect(l.length).toBeLessThanOrEqual(width);
  };

  it('on a terminal a message never breaks inside a piece of `whole`, wherever the width falls', () => {
    spy();
    const path = '/home/me/My Data/pool.csv';
    const m = `${path}:12: column "accuracy": 'x' is not a number`;
    const text = `greenserv: error: ${m}`;
    // from narrower than the path to wider than the whole line: some widths end inside the path
    for (let columns = 12; columns <= text.length + 2; columns++) onTerminal(columns, () => say('error', m, [path]));
    writes.forEach((w, i) => checkLines(w, text, `${path}:12:`, 11 + i));
  });

  it('every message keeps the command-line words with a space whole, as typed or resolved (--flag=value too)', () => {
    spy();
    const typed = 'runs/My Train Table.csv';
    keepTypedWhole(['simulate', '--train', typed, '--out=/tmp/my results']);
    try {
      for (const shown of [typed, resolve(typed), '/tmp/my results']) {
        const m = `the train table ${shown} has no queries of task(s) qa: the trained routers learn nothing about them`;
        writes.length = 0;
        for (let columns = 20; columns <= m.length + 22; columns += 3) onTerminal(columns, () => warn(m));
        writes.forEach((w, i) => checkLines(w, `greenserv: warning: ${m}`, shown, 19 + 3 * i));
      }
    } finally {
      keepTypedWhole([]);
    }
  });

  it('a command-line word of blanks alone (a separator) does not stop messages breaking at spaces', () => {
    spy();
    const m = 'one two three four';
    keepTypedWhole(['--sep', ' ', '--x=  ']);
    try {
      onTerminal(10, () => warn(m));
    } finally {
      keepTypedWhole([]);
    }
    // width 9: as without any word kept
    expect(writes).toEqual(['greenserv:\nwarning:\none two\nthree\nfour\n']);
  });

  it('a user error keeps whole the file a DataError names, the path of a system error and a command it gives to copy', () => {
    const data = new DataError("'zz' is not a number", '/x/My Data/pool.csv', 3, 'accuracy');
    expect(userErrorWhole(data)).toEqual(['/x/My Data/pool.csv']);
    // as the message shows it: a line feed in the name escaped
    expect(userErrorWhole(new DataError('bad', '/x/a\nb c.csv'))).toEqual(['/x/a\\u000ab c.csv']);
    const io = Object.assign(new Error("EACCES: permission denied, open '/x/My Out/a.csv'"), { code: 'EACCES', path: '/x/My Out/a.csv' });
    expect(userErrorWhole(io)).toEqual(['/x/My Out/a.csv']);
    const partial = '/x/My Runs/out.partial';
    const setting = keepWhole(new SettingError((n) => `finish it with ${n('resume')} ${shellWord(partial)}`), partial, (n) => `${n('resume')} ${shellWord(partial)}`);
    // worded by flag, as the message the command line shows
    expect(userErrorWhole(setting)).toEqual([partial, `--resume '${partial}'`]);
    expect(userErrorText(setting)).toContain(`--resume '${partial}'`);
    spy();
    const text = `greenserv: error: ${userErrorText(setting)}`;
    for (let columns = 20; columns <= text.length + 2; columns++) onTerminal(columns, () => say('error', userErrorText(setting), userErrorWhole(setting)));
    writes.forEach((w, i) => checkLines(w, text, `--resume '${partial}'`, 19 + i));
  });

  it('piped, a message with pieces to keep whole is one line as before', () => {
    spy();
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
    keepTypedWhole(['--data', '/a b/c.csv']);
    try {
      say('error', '/a b/c.csv:3: given for 30 % of queries', ['/a b/c.csv']);
    } finally {
      keepTypedWhole([]);
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as unknown as Record<string, unknown>).isTTY;
    }
    expect(writes).toEqual(['greenserv: error: /a b/c.csv:3: given for 30 % of queries\n']);
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

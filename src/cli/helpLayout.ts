/**
 * `--help` that fits the terminal. Commander leaves a description unwrapped when its column is narrower than
 * 40 characters (a 60-column terminal, or a long term such as `convert [options] <source> <destination>`), and
 * never breaks a word, so grammar strings (`step=<n>,model=<id>[,task=<name>]…`) ran past the edge. Here a
 * term whose description column would be too narrow gets its description on the lines below it, and a word
 * wider than the line is broken after a comma or `|`, or before `[`.
 */
import { type Command, Help } from 'commander';

const ITEM_INDENT = 2;
const GAP = 2;
/** Indent of a description placed under its term. */
const BELOW = 6;
/** Narrowest description column worth keeping beside the terms. */
const MIN_COLUMN = 30;
const USAGE = 'Usage: ';

const width = (s: string): number => Help.prototype.displayWidth.call(null, s);

/** `word` in pieces of at most `max` characters, cut at a comma, `|` or `[` where one is near. */
function breakWord(word: string, max: number): string[] {
  const out: string[] = [];
  let rest = word;
  while (width(rest) > max) {
    const head = [...rest].slice(0, max).join('');
    let cut = -1;
    for (let i = head.length - 1; i > head.length / 3 && cut < 0; i--) {
      if (head[i] === ',' && head[i - 1] === '[') cut = i - 1; // keep `[,` together
      else if (head[i] === ',' || head[i] === '|') cut = i + 1;
      else if (head[i] === '[' && i > 0) cut = i;
    }
    if (cut < 0) cut = head.length;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  out.push(rest);
  return out;
}

/** `text` wrapped at spaces to lines of at most `max` characters (never below 10); keeps its own line breaks. */
export function wrapHelp(text: string, max: number): string {
  const w = Math.max(10, max);
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = '';
    for (const word of raw.split(' ').filter((x) => x !== '')) {
      for (const piece of breakWord(word, w)) {
        if (line === '') line = piece;
        else if (width(line) + 1 + width(piece) <= w) line += ' ' + piece;
        else {
          lines.push(line);
          line = piece;
        }
      }
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** Help methods: every command inherits them through configureHelp. */
export const HELP_LAYOUT: Partial<Help> = {
  commandUsage(this: Help, cmd: Command): string {
    // after `Usage: `, continued under its first word
    const usage = Help.prototype.commandUsage.call(this, cmd);
    return wrapHelp(usage, (this.helpWidth ?? 80) - USAGE.length).replace(/\n/g, '\n' + ' '.repeat(USAGE.length));
  },
  boxWrap(this: Help, str: string, w: number): string {
    return wrapHelp(str, w);
  },
  formatItem(this: Help, term: string, termWidth: number, description: string, helper: Help): string {
    const pad = ' '.repeat(ITEM_INDENT);
    if (!description) return pad + term;
    const helpWidth = this.helpWidth ?? 80;
    const column = helpWidth - ITEM_INDENT - termWidth - GAP;
    if (column >= MIN_COLUMN) {
      const text = wrapHelp(description, column).replace(/\n/g, '\n' + ' '.repeat(ITEM_INDENT + termWidth + GAP));
      return pad + term + ' '.repeat(termWidth - helper.displayWidth(term) + GAP) + text;
    }
    // too narrow beside the terms: the description goes under its term
    const below = ' '.repeat(BELOW);
    return pad + term + '\n' + below + wrapHelp(description, helpWidth - BELOW).replace(/\n/g, '\n' + below);
  },
};

/**
 * Edits for the configuration fuzzer (configs.ts): structured edits of a parsed YAML/JSON tree (values of the
 * wrong type, hostile numbers and strings, missing and unknown keys, huge arrays, deep nesting), YAML text
 * edits (anchors and alias bombs, duplicate keys, tags, truncation) and CSV/NDJSON line edits.
 */
import { Rng } from '../src/core/rng.js';
import { pick } from './mutateCommon.js';

export type Tree = unknown;
type Path = (string | number)[];

const CONTROL = ['\u0000', '\u0007', '\u001b[31m', '\u007f', '\u009b', '\u202e', '\u2028'];

/** Strings that stress validation: empty, long, control characters, paths, names, numbers as text. */
export const HOSTILE_STRINGS: readonly string[] = [
  '', ' ', 'x', 'A'.repeat(10_000), 'é😀', '__proto__', 'constructor', 'toString', '../../../../etc/passwd', '/dev/zero',
  '/nonexistent/x.csv', 'NaN', 'Infinity', '-1', '1e309', '0x10', 'null', 'true', '[1,2]', '{a: 1}', 'static:', 'static:nope',
  'linucb', 'random', 'gemma-3-27b', 'no-such-model', 'mmlu', 'energy=', 'energy=-1', 'energy=1e309', 'usd=0', 'latency=NaN',
  'geometric:0', 'geometric:1e9', 'uniform:5-1', 'uniform:0-99999999', 'hf://x/y', 'a,b', '"', "'", '\\', '%s%n', '${HOME}',
];

export const HOSTILE_NUMBERS: readonly number[] = [
  Number.NaN, Infinity, -Infinity, -1, -0, 0, 0.5, 1, 2, 3, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e16, 99_999, 1e6,
  1.5, -0.5, 1e-300,
];

function hostileValue(rng: Rng, depth = 0): Tree {
  const r = rng.int(depth > 1 ? 4 : 7);
  if (r === 0) return pick(rng, HOSTILE_NUMBERS);
  if (r === 1) return rng.next() < 0.3 ? pick(rng, HOSTILE_STRINGS) + pick(rng, CONTROL) : pick(rng, HOSTILE_STRINGS);
  if (r === 2) return pick(rng, [true, false, null]);
  if (r === 3) return rng.int(2 ** 31) - 2 ** 30;
  if (r === 4) return [];
  if (r === 5) return {};
  return [hostileValue(rng, depth + 1), { [pick(rng, ['step', 'model', 'policy', 'x'])]: hostileValue(rng, depth + 1) }];
}

/** Every path of the tree (objects and arrays), the root included. */
function paths(t: Tree, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  // the tree may hold a value nested thousands deep (an earlier edit): its inside is one value to edit
  if (out.length > 5000 || at.length > 30) return out;
  if (Array.isArray(t)) t.forEach((v, i) => paths(v, [...at, i], out));
  else if (t !== null && typeof t === 'object') for (const [k, v] of Object.entries(t)) paths(v, [...at, k], out);
  return out;
}

function getAt(t: Tree, p: Path): Tree {
  return p.reduce<Tree>((v, k) => (v as Record<string | number, Tree>)?.[k], t);
}

function setAt(t: Tree, p: Path, v: Tree | undefined): Tree {
  if (p.length === 0) return v;
  const parent = getAt(t, p.slice(0, -1)) as Record<string | number, Tree>;
  const k = p[p.length - 1];
  if (v === undefined) {
    if (Array.isArray(parent)) parent.splice(k as number, 1);
    else delete parent[k];
  } else parent[k] = v;
  return t;
}

function nest(v: Tree, depth: number, asObject: boolean): Tree {
  let out = v;
  for (let i = 0; i < depth; i++) out = asObject ? { a: out } : [out];
  return out;
}

/** Structured edits of a tree, by name (each takes a deep copy, edits it and returns it with a description). */
const TREE_EDITS: Record<string, (t: Tree, rng: Rng, extra: readonly string[]) => [Tree, string]> = {
  value: (t, rng) => {
    const p = pick(rng, paths(t).slice(1));
    const v = hostileValue(rng);
    return [p ? setAt(t, p, v) : t, `${p?.join('.')} = ${short(v)}`];
  },
  number: (t, rng) => {
    const nums = paths(t).filter((p) => typeof getAt(t, p) === 'number');
    const p = pick(rng, nums.length ? nums : paths(t).slice(1));
    const v = pick(rng, HOSTILE_NUMBERS);
    return [p ? setAt(t, p, v) : t, `${p?.join('.')} = ${v}`];
  },
  string: (t, rng, extra) => {
    const strs = paths(t).filter((p) => typeof getAt(t, p) === 'string');
    const p = pick(rng, strs.length ? strs : paths(t).slice(1));
    const v = rng.next() < 0.3 && extra.length ? pick(rng, extra) : pick(rng, HOSTILE_STRINGS) + (rng.next() < 0.2 ? pick(rng, CONTROL) : '');
    return [p ? setAt(t, p, v) : t, `${p?.join('.')} = ${short(v)}`];
  },
  delete: (t, rng) => {
    const p = pick(rng, paths(t).slice(1));
    return [p ? setAt(t, p, undefined) : t, `delete ${p?.join('.')}`];
  },
  unknownKey: (t, rng) => {
    const objs = paths(t).filter((p) => { const v = getAt(t, p); return v !== null && typeof v === 'object' && !Array.isArray(v); });
    const p = pick(rng, objs);
    const k = pick(rng, ['extra', 'Name', 'runs ', '__proto__', 'constructor', 'toString', 'é', '']);
    if (p) (getAt(t, p) as Record<string, Tree>)[k] = hostileValue(rng);
    return [t, `${p?.join('.')}.${k} added`];
  },
  hugeArray: (t, rng) => {
    const arrs = paths(t).filter((p) => Array.isArray(getAt(t, p)));
    const p = pick(rng, arrs.length ? arrs : paths(t).slice(1));
    const n = pick(rng, [1001, 10_001, 100_001]);
    const cur = p ? getAt(t, p) : undefined;
    const item = Array.isArray(cur) && cur.length ? cur[rng.int(cur.length)] : hostileValue(rng);
    return [p ? setAt(t, p, Array.from({ length: n }, () => item)) : t, `${p?.join('.')} = ${n} × ${short(item)}`];
  },
  deep: (t, rng) => {
    const p = pick(rng, paths(t).slice(1));
    const d = pick(rng, [50, 1000, 3000]);
    return [p ? setAt(t, p, nest(getAt(t, p) ?? 1, d, rng.next() < 0.5)) : t, `${p?.join('.')} nested ${d} deep`];
  },
  swap: (t, rng) => {
    const all = paths(t).slice(1);
    const a = pick(rng, all);
    const b = pick(rng, all);
    if (!a || !b || b.join('\0').startsWith(a.join('\0'))) return [t, 'swap (none)'];
    return [setAt(t, a, structuredClone(getAt(t, b))), `${a.join('.')} = copy of ${b.join('.')}`];
  },
};

const TREE_WEIGHTS: [string, number][] = [['value', 5], ['number', 4], ['string', 4], ['delete', 3], ['unknownKey', 1], ['hugeArray', 1], ['deep', 1], ['swap', 2]];

function weightedPick(rng: Rng, w: readonly [string, number][]): string {
  let r = rng.next() * w.reduce((s, [, n]) => s + n, 0);
  for (const [k, n] of w) if ((r -= n) < 0) return k;
  return w[0][0];
}

/** 1–3 structured edits of a copy of `t`; `extra` are strings worth trying (names in the table, …). */
export function mutateTree(t: Tree, rng: Rng, extra: readonly string[] = []): { tree: Tree; ops: string[] } {
  let tree = structuredClone(t);
  const ops: string[] = [];
  for (let n = 1 + rng.int(3), i = 0; i < n; i++) {
    const name = weightedPick(rng, TREE_WEIGHTS);
    try {
      const [next, what] = TREE_EDITS[name](tree, rng, extra);
      tree = next;
      ops.push(`${name}: ${what}`);
    } catch (e) {
      // copying or walking a value an earlier edit nested 3,000 deep overflows the stack before changing it
      if (!(e instanceof RangeError)) throw e;
      ops.push(`${name}: (edit dropped: too deep to copy)`);
    }
  }
  return { tree, ops };
}

export function short(v: Tree): string {
  const s = typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…(${s.length})` : s;
}

/** Text edits that only YAML has: alias bombs, anchors, merge keys, duplicate keys, tags, flow nesting. */
export function mutateYamlText(text: string, rng: Rng): { text: string; op: string } {
  const lines = text.split('\n');
  const key = (): number => {
    const ks = lines.map((l, i) => (/^[a-zA-Z]\w*:/.test(l) ? i : -1)).filter((i) => i >= 0);
    return ks.length ? pick(rng, ks) : 0;
  };
  switch (rng.int(9)) {
    case 0: {
      // billion laughs: 9 levels of 9 aliases each
      const levels = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
      for (let i = 1; i < 9; i++) levels.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
      const at = key();
      const field = lines[at].split(':')[0];
      return { text: [...lines.slice(0, at), `x-bomb:\n  ${levels.join('\n  ')}`, `${field}: *a8`, ...lines.slice(at + 1)].join('\n'), op: `yaml: ${field} = billion-laughs alias` };
    }
    case 1: {
      const at = key();
      return { text: [...lines.slice(0, at + 1), lines[at], ...lines.slice(at + 1)].join('\n'), op: `yaml: duplicate key line ${at + 1}` };
    }
    case 2: {
      const at = key();
      const [k, ...rest] = lines[at].split(':');
      const tag = pick(rng, ['!!binary', '!!js/function', '!!timestamp', '!!set', '!!omap', '!custom', '!!float', '!!int', '!!str', '!!map']);
      return { text: [...lines.slice(0, at), `${k}: ${tag} ${rest.join(':').trim()}`, ...lines.slice(at + 1)].join('\n'), op: `yaml: tag ${tag} on line ${at + 1}` };
    }
    case 3: {
      const at = key();
      const field = lines[at].split(':')[0];
      const d = pick(rng, [100, 5000, 100_000]);
      return { text: [...lines.slice(0, at), `${field}: ${'['.repeat(d)}1${']'.repeat(d)}`, ...lines.slice(at + 1)].join('\n'), op: `yaml: ${field} flow-nested ${d} deep` };
    }
    case 4: {
      const cut = rng.int(text.length + 1);
      return { text: text.slice(0, cut), op: `yaml: truncated at ${cut}` };
    }
    case 5: {
      const at = key();
      const field = lines[at].split(':')[0];
      return { text: [...lines.slice(0, at), `${field}: &self\n  - *self`, ...lines.slice(at + 1)].join('\n'), op: `yaml: ${field} = self-referencing alias` };
    }
    case 6: {
      const at = key();
      return { text: [...lines.slice(0, at), '<<: {runs: 99999, extra: 1}', ...lines.slice(at)].join('\n'), op: `yaml: merge key before line ${at + 1}` };
    }
    case 7: {
      const at = rng.int(lines.length);
      const ins = pick(rng, ['---', '...', '%YAML 1.1', '\t- x', '? complex\n: key', '\ufeff', 'x: "' + 'A'.repeat(1e6) + '"', '#'.repeat(100_000), ': x', '- - -']);
      return { text: [...lines.slice(0, at), ins, ...lines.slice(at)].join('\n'), op: `yaml: insert ${short(ins)} at line ${at + 1}` };
    }
    default: {
      const at = rng.int(text.length);
      const b = pick(rng, ['\u0000', '\r', '"', "'", '{', '[', ':', '&', '*', '!', '|', '>', '%', '@', '`', '\ud800']);
      return { text: text.slice(0, at) + b + text.slice(at + 1), op: `yaml: byte ${JSON.stringify(b)} at ${at}` };
    }
  }
}

/** Edits of a CSV (or TSV) text: a cell, a header, a column or rows dropped, rows repeated, truncation. */
export function mutateCsvText(text: string, rng: Rng, extra: readonly string[] = []): { text: string; op: string } {
  const lines = text.split('\n');
  const sep = lines[0].includes('\t') ? '\t' : ',';
  const body = lines.length > 1 ? 1 + rng.int(Math.max(1, lines.length - 1)) : 0;
  switch (rng.int(7)) {
    case 0:
    case 1: {
      const at = rng.next() < 0.2 ? 0 : body;
      const cells = lines[at].split(sep);
      const c = rng.int(cells.length);
      const v = rng.next() < 0.3 && extra.length ? pick(rng, extra) : String(pick(rng, [...HOSTILE_STRINGS, ...HOSTILE_NUMBERS.map(String)]));
      cells[c] = v;
      lines[at] = cells.join(sep);
      return { text: lines.join('\n'), op: `csv: line ${at + 1} cell ${c} = ${short(v)}` };
    }
    case 2: {
      const c = rng.int(lines[0].split(sep).length);
      return { text: lines.map((l) => l.split(sep).filter((_, i) => i !== c).join(sep)).join('\n'), op: `csv: column ${c} dropped` };
    }
    case 3: {
      const n = rng.int(lines.length);
      return { text: [lines[0], ...lines.slice(1).filter((_, i) => i % Math.max(1, n) !== 0)].join('\n'), op: `csv: every ${n}th row dropped` };
    }
    case 4: {
      const n = pick(rng, [2, 100, 20_000]);
      return { text: [...lines.slice(0, body + 1), ...Array.from({ length: n }, () => lines[body]), ...lines.slice(body + 1)].join('\n'), op: `csv: line ${body + 1} repeated ${n}×` };
    }
    case 5: {
      const cut = rng.int(text.length + 1);
      return { text: text.slice(0, cut), op: `csv: truncated at ${cut}` };
    }
    default: {
      const at = body;
      lines[at] = lines[at].split(sep).slice(0, rng.int(lines[at].split(sep).length)).join(sep);
      return { text: lines.join('\n'), op: `csv: line ${at + 1} cut short` };
    }
  }
}

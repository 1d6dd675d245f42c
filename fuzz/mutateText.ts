/** Mutators for delimited text (CSV/TSV) and JSON Lines: cells, headers, quotes, line ends, values and keys. */
import type { Rng } from '../src/core/rng.js';
import { INTERESTING_TEXT, LONG_SPACE, latin1, fromLatin1, u8s, pick, applyGeneric, type Bytes, type Context } from './mutateCommon.js';

function delimiterOf(s: string): string {
  const nl = s.indexOf('\n');
  const head = nl < 0 ? s : s.slice(0, nl);
  return head.includes('\t') && !head.includes(',') ? '\t' : ',';
}

const TEXT_OPS: Record<string, (lines: string[], rng: Rng, d: string) => string[]> = {
  cell(lines, rng, d) {
    const i = lines.length > 1 && rng.next() < 0.9 ? 1 + rng.int(lines.length - 1) : 0;
    const cells = lines[i].split(d);
    let v = u8s(pick(rng, INTERESTING_TEXT));
    if (rng.next() < 0.2) v = `"${v.replaceAll('"', '""')}"`;
    cells[rng.int(cells.length)] = v;
    lines[i] = cells.join(d);
    return lines;
  },
  header(lines, rng, d) {
    const cells = lines[0].split(d);
    const c = rng.int(cells.length);
    const r = rng.next();
    if (r < 0.3) cells[c] = cells[rng.int(cells.length)];
    else if (r < 0.5) cells.splice(c, 1);
    else if (r < 0.65) cells[c] = ` ${cells[c].toUpperCase()} `;
    else if (r < 0.8) cells.splice(c, 0, pick(rng, ['query_id', 'model_id', 'accuracy', 'task', 'sample_id', 'x|accuracy', 'm|total_cost', 'accuracy_decoded', 'energy_j', '']));
    else cells[c] = u8s(pick(rng, INTERESTING_TEXT));
    lines[0] = cells.join(d);
    return lines;
  },
  raggedcell(lines, rng, d) {
    const i = rng.int(lines.length);
    const cells = lines[i].split(d);
    if (rng.next() < 0.5 && cells.length > 1) cells.splice(rng.int(cells.length), 1);
    else cells.splice(rng.int(cells.length + 1), 0, u8s(pick(rng, INTERESTING_TEXT)));
    lines[i] = cells.join(d);
    return lines;
  },
  swapcells(lines, rng, d) {
    const a = rng.int(lines.length);
    const b = rng.int(lines.length);
    const ca = lines[a].split(d);
    const cb = a === b ? ca : lines[b].split(d);
    const i = rng.int(ca.length);
    const j = rng.int(cb.length);
    [ca[i], cb[j]] = [cb[j], ca[i]];
    lines[a] = ca.join(d);
    lines[b] = cb.join(d);
    return lines;
  },
  dupline(lines, rng) {
    const i = rng.int(lines.length);
    lines.splice(rng.int(lines.length + 1), 0, ...Array.from({ length: rng.next() < 0.9 ? 1 : 2 + rng.int(50) }, () => lines[i]));
    return lines;
  },
  delline(lines, rng) {
    lines.splice(rng.int(lines.length), 1);
    return lines;
  },
  swaplines(lines, rng) {
    const a = rng.int(lines.length);
    const b = rng.int(lines.length);
    [lines[a], lines[b]] = [lines[b], lines[a]];
    return lines;
  },
  blankline(lines, rng, d) {
    lines.splice(rng.int(lines.length + 1), 0, pick(rng, ['', ' ', '\r', d.repeat(3)]));
    return lines;
  },
  quote(lines, rng, d) {
    const i = rng.int(lines.length);
    const cells = lines[i].split(d);
    const c = rng.int(cells.length);
    const r = rng.next();
    if (r < 0.4) cells[c] = `"${cells[c]}${pick(rng, ['\n', d, '""', '\r\n', ''])}${cells[c]}"`;
    else if (r < 0.65) cells[c] = `"${cells[c]}`;
    else if (r < 0.9) cells[c] = `${cells[c]}"x`;
    else cells[c] = rng.next() < 0.5 ? `"${LONG_SPACE(rng)}"x` : `${LONG_SPACE(rng)}"x`;
    lines[i] = cells.join(d);
    return lines;
  },
  spread(lines, rng, d) {
    // Many rows that each name a new query and a new model: a small file describing a huge, nearly empty table.
    if (lines.length < 2) return lines;
    const head = lines[0].split(d).map((c) => c.trim().toLowerCase());
    const qi = Math.max(0, head.indexOf('query_id'));
    const mi = head.indexOf('model_id') >= 0 ? head.indexOf('model_id') : 1;
    const row = lines[1 + rng.int(lines.length - 1)].split(d);
    const k = 500 + rng.int(4000);
    for (let i = 0; i < k; i++) {
      const r = row.slice();
      r[qi] = `sq${i}`;
      if (mi < r.length) r[mi] = `sm${i}`;
      lines.push(r.join(d));
    }
    return lines;
  },
  lineends(lines, rng) {
    const r = rng.next();
    return lines.map((l) => (r < 0.5 ? l + '\r' : l.replace(/\r$/, '')));
  },
};

export function mutateDelimited(b: Bytes, rng: Rng, ctx: Context): Bytes {
  let s = latin1(b);
  const r = rng.next();
  if (r < 0.04) {
    ctx.ops.push('bom');
    return fromLatin1(u8s('\ufeff') + s);
  }
  if (r < 0.07) {
    ctx.ops.push('crlf');
    return fromLatin1(s.replaceAll('\n', rng.next() < 0.7 ? '\r\n' : '\r'));
  }
  const d = delimiterOf(s);
  const trailing = s.endsWith('\n');
  if (trailing) s = s.slice(0, -1);
  const lines = s.split('\n');
  const names = Object.keys(TEXT_OPS);
  const name = pick(rng, names);
  ctx.ops.push(`csv:${name}`);
  const out = TEXT_OPS[name](lines, rng, d);
  return fromLatin1(out.join('\n') + (trailing ? '\n' : ''));
}

const JSON_TOKENS: readonly string[] = [
  '1e400', '-1e400', '-0', '0', '1', '2', '-1', '0.5', '1e-400', '123456789012345678901234567890', '"1"', '"x"', '""', '" 1 "', '"NaN"',
  '"Infinity"', 'true', 'false', 'null', '[]', '[1]', '{}', '{"a":1}', '"\\u0000"', '"\\ud800"', '"' + 'x'.repeat(20000) + '"', 'NaN', '01',
];

export function mutateJsonl(b: Bytes, rng: Rng, ctx: Context): Bytes {
  const s = latin1(b);
  const lines = s.split('\n');
  const idx = lines.map((l, i) => (l.trim().startsWith('{') ? i : -1)).filter((i) => i >= 0);
  if (idx.length === 0 || rng.next() < 0.3) return mutateDelimited(b, rng, ctx);
  const i = pick(rng, idx);
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(Buffer.from(lines[i], 'latin1').toString('utf8')) as Record<string, unknown>;
  } catch {
    return applyGeneric(b, rng, ctx);
  }
  if (obj === null || typeof obj !== 'object') return applyGeneric(b, rng, ctx);
  const keys = Object.keys(obj);
  const r = rng.next();
  const HOLE = '\u0001hole\u0001';
  let raw: string | null = null;
  if (r < 0.55 && keys.length > 0) {
    ctx.ops.push('jsonl:value');
    obj[pick(rng, keys)] = HOLE;
    raw = pick(rng, JSON_TOKENS);
  } else if (r < 0.7 && keys.length > 0) {
    ctx.ops.push('jsonl:dropkey');
    delete obj[pick(rng, keys)];
  } else if (r < 0.85) {
    ctx.ops.push('jsonl:addkey');
    // defineProperty, so that '__proto__' becomes a key rather than the prototype.
    Object.defineProperty(obj, pick(rng, ['extra', 'accuracy', 'query_id', '__proto__', 'task', 'cost_usd', '']), { value: HOLE, enumerable: true, writable: true, configurable: true });
    raw = pick(rng, JSON_TOKENS);
  } else {
    ctx.ops.push('jsonl:renamekey');
    if (keys.length > 0) {
      const k = pick(rng, keys);
      obj[k.toUpperCase() + '_'] = obj[k];
      delete obj[k];
    }
  }
  let line = JSON.stringify(obj);
  if (raw !== null) line = line.replace(JSON.stringify(HOLE), raw);
  lines[i] = u8s(line);
  return fromLatin1(lines.join('\n'));
}

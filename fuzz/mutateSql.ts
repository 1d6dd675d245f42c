/** Mutators for pg_dump text: COPY cells, column lists and terminators. */
import type { Rng } from '../src/core/rng.js';
import { INTERESTING_TEXT, LONG_SPACE, latin1, fromLatin1, u8s, pick, applyGeneric, type Bytes, type Context } from './mutateCommon.js';

interface CopySpan {
  /** Line index of the COPY statement and of the terminator (or lines.length). */
  head: number;
  end: number;
}

function copySpans(lines: string[]): CopySpan[] {
  const spans: CopySpan[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^COPY\s/i.test(lines[i])) continue;
    let j = i + 1;
    while (j < lines.length && lines[j] !== '\\.') j++;
    spans.push({ head: i, end: j });
    i = j;
  }
  return spans;
}

const SQL_OPS: Record<string, (lines: string[], spans: CopySpan[], rng: Rng) => string[] | null> = {
  cell(lines, spans, rng) {
    const rows = spans.flatMap((s) => Array.from({ length: s.end - s.head - 1 }, (_, k) => s.head + 1 + k));
    if (rows.length === 0) return null;
    const i = pick(rng, rows);
    const cells = lines[i].split('\t');
    cells[rng.int(cells.length)] = u8s(pick(rng, INTERESTING_TEXT)).replaceAll('\n', rng.next() < 0.5 ? '\\n' : '\n');
    lines[i] = cells.join('\t');
    return lines;
  },
  fields(lines, spans, rng) {
    const rows = spans.flatMap((s) => Array.from({ length: s.end - s.head - 1 }, (_, k) => s.head + 1 + k));
    if (rows.length === 0) return null;
    const i = pick(rng, rows);
    const cells = lines[i].split('\t');
    if (rng.next() < 0.5 && cells.length > 1) cells.splice(rng.int(cells.length), 1);
    else cells.splice(rng.int(cells.length + 1), 0, pick(rng, ['', '\\N', '1']));
    lines[i] = cells.join('\t');
    return lines;
  },
  terminator(lines, spans, rng) {
    if (spans.length === 0) return null;
    const s = pick(rng, spans);
    const r = rng.next();
    if (r < 0.4 && s.end < lines.length) lines.splice(s.end, 1);
    else if (r < 0.7) lines.splice(s.head + 1 + rng.int(Math.max(1, s.end - s.head)), 0, '\\.');
    else if (s.end < lines.length) lines[s.end] = pick(rng, ['\\. ', '\\.\r', '\\', '.', '\\.\\.']);
    return lines;
  },
  header(lines, spans, rng) {
    if (spans.length === 0) return null;
    const s = pick(rng, spans);
    const h = lines[s.head];
    const m = /^(COPY\s+)(\S+)(\s*\()([^)]*)(\).*)$/i.exec(h);
    if (!m) return null;
    const cols = m[4].split(',').map((c) => c.trim());
    const r = rng.next();
    if (r < 0.2) cols.splice(rng.int(cols.length), 1);
    else if (r < 0.35) cols[rng.int(cols.length)] = cols[rng.int(cols.length)];
    else if (r < 0.5) cols[rng.int(cols.length)] = `"${cols[rng.int(cols.length)].replace(/"/g, '')}"`;
    else if (r < 0.6) cols.splice(rng.int(cols.length + 1), 0, pick(rng, ['accuracy', 'query_id', 'model_id', 'run_id', 'extra', '""']));
    else if (r < 0.75) {
      lines[s.head] = `${m[1]}${pick(rng, ['public.queries', 'public.models', 'public.pregenerated_results', 'public.query_features', '"public"."models"', 'other', 'public.', '""'])}${m[3]}${m[4]}${m[5]}`;
      return lines;
    } else if (r < 0.8) {
      lines[s.head] = `${m[1]}${m[2]} FROM stdin;`;
      return lines;
    } else if (r < 0.85) {
      // A long blank run somewhere in the statement.
      const spaces = [...h.matchAll(/ /g)].map((x) => x.index!);
      const at = spaces.length > 0 ? spaces[rng.int(spaces.length)] : h.length;
      lines[s.head] = h.slice(0, at) + LONG_SPACE(rng) + h.slice(at + (rng.next() < 0.5 ? 1 : h.length));
      return lines;
    } else {
      lines[s.head] = h.replace(/FROM\s+stdin/i, pick(rng, ['FROM STDIN', 'FROM stdout', 'TO stdout', 'FROM', 'FROM stdin WITH (FORMAT csv)']));
      return lines;
    }
    lines[s.head] = `${m[1]}${m[2]}${m[3]}${cols.join(', ')}${m[5]}`;
    return lines;
  },
  dupblock(lines, spans, rng) {
    if (spans.length === 0) return null;
    const s = pick(rng, spans);
    const block = lines.slice(s.head, Math.min(lines.length, s.end + 1));
    lines.splice(Math.min(lines.length, s.end + 1), 0, ...block);
    return lines;
  },
  duprow(lines, spans, rng) {
    const rows = spans.flatMap((s) => Array.from({ length: s.end - s.head - 1 }, (_, k) => s.head + 1 + k));
    if (rows.length === 0) return null;
    const i = pick(rng, rows);
    lines.splice(i, 0, lines[i]);
    return lines;
  },
  line(lines, _spans, rng) {
    const i = rng.int(lines.length);
    const r = rng.next();
    if (r < 0.4) lines.splice(i, 1);
    else if (r < 0.7) lines.splice(i, 0, lines[rng.int(lines.length)]);
    else lines.splice(i, 0, pick(rng, ['', 'COPY', 'COPY public.queries (query_id) FROM stdin;', '\\.', '-- x', '\t', 'SET x = 1;']));
    return lines;
  },
};

export function mutateSql(b: Bytes, rng: Rng, ctx: Context): Bytes {
  const s = latin1(b);
  const r = rng.next();
  if (r < 0.03) {
    ctx.ops.push('sql:crlf');
    return fromLatin1(s.replaceAll('\n', '\r\n'));
  }
  const lines = s.split('\n');
  const spans = copySpans(lines);
  const name = pick(rng, Object.keys(SQL_OPS));
  ctx.ops.push(`sql:${name}`);
  const out = SQL_OPS[name](lines, spans, rng);
  return out ? fromLatin1(out.join('\n')) : applyGeneric(b, rng, ctx);
}

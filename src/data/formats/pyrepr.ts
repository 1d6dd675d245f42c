/** RouterBench prompts: stringified Python lists of strings. */

/**
 * Decode a stringified Python list of strings (`"['line one\\n', 'two']"`) to its text, elements joined
 * by a newline. Anything that is not such a literal is returned unchanged.
 */
export function decodePythonStringList(s: string): string {
  const t = s.trim();
  if (t.length < 2 || t[0] !== '[' || t[t.length - 1] !== ']') return s;
  const parts: string[] = [];
  let i = 1;
  const end = t.length - 1;
  const skipWs = (): void => {
    while (i < end && /\s/.test(t[i])) i++;
  };
  skipWs();
  while (i < end) {
    const q = t[i];
    if (q !== "'" && q !== '"') return s;
    i++;
    // Unescaped runs are copied as slices and joined once: appending character by character leaves a
    // chain of thousands of small string pieces per prompt, which on a RouterBench-size file held ~1 GB.
    const pieces: string[] = [];
    const qc = q.charCodeAt(0);
    let run = i;
    for (;;) {
      while (i < end) {
        const cc = t.charCodeAt(i);
        if (cc === qc || cc === 0x5c) break;
        i++;
      }
      if (i >= end) return s;
      if (i > run) pieces.push(t.slice(run, i));
      if (t.charCodeAt(i) === qc) {
        i++;
        break;
      }
      const e = t[i + 1];
      i += 2;
      let out = '';
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '\\':
        case "'":
        case '"':
          out += e;
          break;
        case 'a':
          out += '\x07';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case '0':
          out += '\0';
          break;
        case 'x':
        case 'u':
        case 'U': {
          const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = t.slice(i, i + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) return s;
          const cp = parseInt(hex, 16);
          // Python rejects \U escapes above U+10FFFF: not a literal, so the text stays as written.
          if (cp > 0x10ffff) return s;
          out += String.fromCodePoint(cp);
          i += len;
          break;
        }
        default:
          // Python keeps unknown escapes literally.
          out += '\\' + (e ?? '');
      }
      pieces.push(out);
      run = i;
    }
    parts.push(pieces.join(''));
    skipWs();
    if (i < end && t[i] === ',') {
      i++;
      skipWs();
    } else if (i < end) return s;
  }
  return parts.join('\n');
}

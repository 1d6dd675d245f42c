/** Checks on the keys of a one-line JSON object that JSON.parse cannot make: nested values, repeated keys. */

/**
 * The key of the first value of a one-line JSON object that is itself an object or array (a bracket outside
 * strings, at depth 2, right after a key's colon), or null. Lines that do not start with `{`, and a bracket
 * anywhere else (the line is then not JSON), are left to the parser's own message. A key `flat` accepts may
 * hold an array of at most `maxItems` items without brackets inside it (an embedding's list of numbers).
 */
export function nestedKey(text: string, flat?: (key: string) => boolean, maxItems = 4096): string | null {
  const start = text.search(/\S/);
  if (text.charCodeAt(start) !== 123 || (text.indexOf('[') < 0 && text.indexOf('{', start + 1) < 0)) return null;
  let depth = 0;
  let str = -1;
  let lastStr = '';
  let key = '';
  // at depth 1, whether the last character outside strings and blanks was a key's colon
  let value = false;
  // the key of the flat array being read at depth 2, and its commas: past maxItems items it is named too,
  // before JSON.parse makes an array of millions of numbers from one long line
  let inFlat: string | null = null;
  let commas = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (str >= 0) {
      if (c === 92) i++;
      else if (c === 34) {
        lastStr = text.slice(str, i + 1);
        str = -1;
      }
      continue;
    }
    if (c === 32 || c === 9 || c === 13) continue;
    if (c === 34) str = i;
    else if (c === 58 && depth === 1) key = lastStr;
    else if (c === 123 || c === 91) {
      if (++depth === 2) {
        if (!value) return null;
        let name: string;
        try {
          name = String(JSON.parse(key));
        } catch {
          return key;
        }
        if (c === 91 && flat?.(name)) {
          inFlat = name;
          commas = 0;
        } else return name;
      } else if (inFlat !== null) return inFlat;
    } else if (c === 125 || c === 93) {
      if (--depth === 1) inFlat = null;
    } else if (c === 44 && inFlat !== null && ++commas >= maxItems) return inFlat;
    value = c === 58 && depth === 1;
  }
  return null;
}

/**
 * A key written twice in one flat JSON object (JSON.parse keeps the last value silently), or null. The colons
 * outside strings are counted first: as many as the parsed object has keys means none repeats, and the keys are
 * collected (a second pass) only when there are more.
 */
export function duplicateKey(text: string, keys: number): string | null {
  if (keyColons(text, null) === keys) return null;
  const written: string[] = [];
  keyColons(text, written);
  const seen = new Set<string>();
  for (const k of written) {
    const name = String(JSON.parse(k));
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return null;
}

/** Colons outside strings in a JSON text; with `keys`, the (quoted) string before each is pushed to it. */
function keyColons(text: string, keys: string[] | null): number {
  let n = 0;
  let str = -1;
  let from = 0;
  let to = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (str >= 0) {
      if (c === 92) i++;
      else if (c === 34) {
        from = str;
        to = i + 1;
        str = -1;
      }
    } else if (c === 34) str = i;
    else if (c === 58) {
      n++;
      if (keys !== null) keys.push(text.slice(from, to));
    }
  }
  return n;
}

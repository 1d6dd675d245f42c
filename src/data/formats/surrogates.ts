/** Escaped lone UTF-16 surrogates in a JSON Lines record (no character: UTF-8 output turns each into U+FFFD). */
import { DataError } from '../../core/errors.js';

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_ALL = new RegExp(LONE.source, 'g');

/** Refuse a key or string value holding a lone surrogate; distinct ids would become the same id once written. */
export function refuseLoneSurrogates(text: string, rec: Record<string, unknown>, file: string, line: number): void {
  // raw lines are valid UTF-8, so only a \uD8xx…\uDFxx escape can make one
  if (!SURROGATE_ESCAPE.test(text)) return;
  for (const k in rec) {
    const v = rec[k];
    const bad = LONE.exec(k) ?? (typeof v === 'string' ? LONE.exec(v) : null);
    if (bad === null) continue;
    const what = LONE.test(k) ? 'key' : 'value';
    throw new DataError(`${what} holds an escaped lone surrogate (\\u${bad[0].charCodeAt(0).toString(16)}), which is not a character`, file, line, k.replace(LONE_ALL, '\ufffd'));
  }
}

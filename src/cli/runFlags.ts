/**
 * Flags to a schema-validated configuration, generically: every field of the schema is read from the commander
 * option of the same name (`maxLatency` ← `--max-latency`), its string coerced by the field's type, and a bad
 * value reported as the flag the user typed. A new run setting therefore needs only its schema field and its
 * flag declaration.
 */
import type { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { flagName } from './errors.js';
import { parseList, parseNumber } from './parse.js';

type Parsers = Record<string, (raw: never) => unknown>;

/** The field's type under defaults, optionals and nullables. */
function baseType(s: z.ZodType): string {
  let t = s as unknown as { def: { type: string; innerType?: unknown } };
  while (t.def.innerType && ['default', 'optional', 'nullable', 'prefault', 'readonly'].includes(t.def.type)) t = t.def.innerType as typeof t;
  if (t.def.type === 'array') return `array:${(t.def as unknown as { element: { def: { type: string } } }).element.def.type}`;
  return t.def.type;
}

function coerce(flag: string, type: string, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw; // booleans, and repeatable flags that collect arrays
  if (type === 'number') return parseNumber(flag, raw);
  if (type === 'array:number') return parseList(raw).map((x) => parseNumber(flag, x));
  if (type.startsWith('array:')) return parseList(raw);
  return raw;
}

/**
 * The configuration the flags describe. `flagFor` renames fields whose flag differs (`params` ← `--param`);
 * `parsers` coerce the few values with a syntax of their own (e.g. `--features none`).
 */
export function configFromFlags<S extends z.ZodObject>(schema: S, flags: object, o: { flagFor?: Record<string, string>; parsers?: Parsers } = {}): z.output<S> {
  const given = flags as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  const typed: Record<string, string> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const attr = o.flagFor?.[key] ?? key;
    const v = given[attr];
    if (v === undefined) continue;
    const flag = flagName(attr);
    typed[key] = flag;
    const parse = o.parsers?.[key];
    raw[key] = parse ? parse(v as never) : coerce(flag, baseType(field), v);
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = String(issue.path[0] ?? '');
  const flag = typed[key] ?? flagName(key);
  const v = given[o.flagFor?.[key] ?? key];
  // a repeatable flag (--drift a --drift b) shows the one value at fault, and a field inside it is named
  const rest = issue.path.slice(1);
  const at = Array.isArray(v) && typeof rest[0] === 'number' && rest[0] < v.length && typeof v[0] === 'string' ? (rest.shift() as number) : -1;
  const shown = at >= 0 ? String((v as unknown[])[at]) : Array.isArray(v) ? v.join(',') : String(v);
  const field = rest.length > 0 ? `${rest.map(String).join('.')} ` : '';
  const what = issue.code === 'invalid_type' && issue.expected === 'number' ? 'must be a number' : issue.message;
  // too many repeats of a flag: their count, not every value joined (a thousand --drift specs)
  const got = Array.isArray(v) && at < 0 && rest.length === 0 && issue.code === 'too_big' ? String(v.length) : `'${shown}'`;
  const message = issue.code === 'invalid_value' && 'values' in issue ? `'${shown}' is not one of ${(issue.values as unknown[]).join(', ')}` : `${field}${what}, got ${got}`;
  throw new UsageError(`${flag}: ${message}`);
}

/**
 * Run `f`, naming a scenario setting its checks report by field (`drift[0]`, `feedbackDelay`, as an experiment
 * file writes them) as the flag that was typed instead (`--drift[0]`, `--feedback-delay`). A `SettingError`
 * passes through: the top-level handler words it by flag (userErrorText).
 */
export async function scenarioErrorsAsFlags<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const m = e instanceof UsageError ? /^(budget|drift|feedbackDelay|feedbackRate)(?=[:[])/.exec(e.message) : null;
    if (m) throw new UsageError(`${flagName(m[1])}${(e as Error).message.slice(m[1].length)}`);
    throw e;
  }
}

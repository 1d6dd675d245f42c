/**
 * A JavaScript caller of the library gets no type check: an argument of the wrong kind is a UsageError
 * naming it, worded as the request schemas word theirs, rather than a TypeError from deep inside.
 */
import { UsageError } from './errors.js';

type Kind = 'string' | 'boolean' | 'function' | 'object' | 'number' | 'array';

/** What a value is, in the schemas' words (`null`, `array`, `number`…). */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return Number.isNaN(value) ? 'NaN' : typeof value;
}

/** `value` is a plain object (a request or options), else a UsageError naming `name`. */
export function checkObject(value: unknown, name = '(request)'): asserts value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${name}: Invalid input: expected object, received ${kindOf(value)}`);
}

/** Whether `v` is of `kind` (an object is neither null nor an array; a number is not NaN). */
function isKind(v: unknown, kind: Kind): boolean {
  if (kind === 'object') return v !== null && typeof v === 'object' && !Array.isArray(v);
  if (kind === 'array') return Array.isArray(v);
  if (kind === 'number') return typeof v === 'number' && !Number.isNaN(v);
  return typeof v === kind;
}

/** Each named field, when present, is of its kind. */
export function checkFieldKinds(value: object, kinds: Record<string, Kind>, prefix = ''): void {
  for (const [field, kind] of Object.entries(kinds)) {
    const v = (value as Record<string, unknown>)[field];
    if (v === undefined) continue;
    if (!isKind(v, kind)) throw new UsageError(`${prefix}${field}: Invalid input: expected ${kind}, received ${kindOf(v)}`);
  }
}

/** Each named field is present and of its kind (what a result handed back to a writer must hold). */
export function checkRequiredKinds(value: object, kinds: Record<string, Kind>, prefix = ''): void {
  for (const [field, kind] of Object.entries(kinds)) {
    // an own field only: a key like "__proto__" or "constructor" is never read from the prototype
    const v = Object.hasOwn(value, field) ? (value as Record<string, unknown>)[field] : undefined;
    if (!isKind(v, kind)) throw new UsageError(`${prefix}${field}: Invalid input: expected ${kind}, received ${kindOf(v)}`);
  }
}

/** A non-empty string argument (a file, a source, a name), else a UsageError naming it. */
export function checkString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw new UsageError(`${name}: Invalid input: expected string, received ${kindOf(value)}`);
}

/** No key outside `known`, worded as the request schemas word it. */
export function checkKnownKeys(value: object, known: readonly string[], name = '(request)'): void {
  const extra = Object.keys(value).filter((k) => !known.includes(k));
  if (extra.length) throw new UsageError(`${name}: Unrecognized key${extra.length > 1 ? 's' : ''}: ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
}

/** An array of strings when present (a list of files or overrides), else a UsageError naming it. */
export function checkStringList(value: unknown, name: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new UsageError(`${name}: Invalid input: expected array, received ${kindOf(value)}`);
  value.forEach((v, i) => checkString(v, `${name}.${i}`));
}

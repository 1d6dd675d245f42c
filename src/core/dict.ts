/**
 * Records keyed by user-given names (model ids, tasks, families, metric keys). A plain `{}` would turn
 * `rec['__proto__'] = x` into a prototype change and answer `rec['constructor']` from Object.prototype; these
 * have no prototype, so every name is an ordinary own key and JSON.stringify writes them in insertion order.
 */

/** An empty record without a prototype. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The own entry `key` of `r`, or undefined: a name such as `constructor` never reaches the prototype. */
export function own<T>(r: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(r, key) ? r[key] : undefined;
}

/** A zod record of user-keyed values that keeps every key, `__proto__` included. */
import { z } from 'zod';
import { dict } from '../core/dict.js';

/**
 * `z.record(z.string(), value)`, except that a `__proto__` key (JSON.parse makes it an own key; zod drops it)
 * is validated and kept like any other, and the record has no prototype. Keys keep the input's order.
 */
export function ownRecord<V extends z.ZodType>(value: V): z.ZodType<Record<string, z.output<V>>, Record<string, z.input<V>>> {
  const plain = z.record(z.string(), value);
  return z.custom<Record<string, z.input<V>>>().transform((raw, ctx) => {
    const r = plain.safeParse(raw);
    const hasProto = typeof raw === 'object' && raw !== null && Object.hasOwn(raw, '__proto__');
    const proto = hasProto ? value.safeParse((raw as Record<string, unknown>)['__proto__']) : null;
    const issues = [...(proto && !proto.success ? proto.error.issues.map((i) => ({ ...i, path: ['__proto__', ...i.path] })) : []), ...(r.success ? [] : r.error.issues)];
    if (issues.length) {
      for (const i of issues) ctx.addIssue({ ...i, input: undefined } as never);
      return z.NEVER;
    }
    const out = dict<z.output<V>>();
    for (const k of Object.keys(raw)) out[k] = k === '__proto__' ? (proto!.data as z.output<V>) : (r.data as Record<string, z.output<V>>)[k];
    return out;
  }) as unknown as z.ZodType<Record<string, z.output<V>>, Record<string, z.input<V>>>;
}

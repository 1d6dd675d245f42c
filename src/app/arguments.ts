/**
 * Arguments a library caller hands back to the library: a loaded table, a run, an evaluation, a result or a
 * summary, and the writers' options. A JavaScript caller gets no type check, so each is checked for its kind and
 * the fields the callee reads, and a wrong one is a UsageError naming the argument and field (`run.prepared:
 * Invalid input: expected object, received undefined`), worded as the request schemas word theirs, before
 * anything is written, rather than a TypeError from deep inside a writer.
 */
import type { z } from 'zod';
import { UsageError } from '../core/errors.js';
import type { Inputs } from '../core/outputGuard.js';
import { checkFieldKinds, checkKnownKeys, checkObject, checkRequiredKinds, checkString, kindOf } from '../core/shape.js';
import type { PoolTable } from '../data/pool.js';

/**
 * A schema's first problem with `value`, as a UsageError naming the field: under the argument's name
 * (`record.config.runs: …`), or alone for a request or options (`(options)`), whose fields are named bare as
 * the request schemas name theirs (`runs: …`).
 */
export function checkWith(schema: z.ZodType, value: unknown, name: string): void {
  const r = schema.safeParse(value);
  if (r.success) return;
  const i = r.error.issues[0];
  const path = i.path.map(String);
  const at = path.length === 0 ? name : name.startsWith('(') ? path.join('.') : [name, ...path].join('.');
  throw new UsageError(`${at}: ${i.message}`);
}

function isColumn(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function columnKind(v: unknown): string {
  return isColumn(v) ? `${v.length} values` : kindOf(v);
}

/**
 * `value` is a loaded PoolTable (what loadTable resolves to): its counts agree with its models and every
 * column has one value per query or per cell, else a UsageError naming `name` and the field at fault.
 */
export function checkTable(value: unknown, name: string): asserts value is PoolTable {
  checkObject(value, name);
  checkRequiredKinds(value, { name: 'string', nQueries: 'number', nModels: 'number', models: 'array', queryIds: 'array', tasks: 'array', taskBounds: 'object' }, `${name}.`);
  const t = value as PoolTable;
  for (const f of ['nQueries', 'nModels'] as const) {
    if (!(Number.isSafeInteger(t[f]) && t[f] >= 0)) throw new UsageError(`${name}.${f}: must be an integer ≥ 0, got ${t[f]}`);
  }
  const Q = t.nQueries;
  const M = t.nModels;
  if (t.models.length !== M) throw new UsageError(`${name}.models: ${t.models.length} models, but ${name}.nModels is ${M}`);
  t.models.forEach((m, i) => {
    checkObject(m, `${name}.models.${i}`);
    checkRequiredKinds(m, { id: 'string' }, `${name}.models.${i}.`);
  });
  t.tasks.forEach((x, i) => checkString(x, `${name}.tasks.${i}`));
  if (!(t.taskBounds instanceof Map)) throw new UsageError(`${name}.taskBounds: Invalid input: expected Map, received object`);
  if (t.queryIds.length !== Q) throw new UsageError(`${name}.queryIds: Invalid input: expected ${Q} query ids (nQueries), received ${t.queryIds.length}`);
  if (t.queryText !== null && !(Array.isArray(t.queryText) && t.queryText.length === Q)) throw new UsageError(`${name}.queryText: Invalid input: expected ${Q} texts (nQueries) or null, received ${Array.isArray(t.queryText) ? `${(t.queryText as unknown[]).length} texts` : kindOf(t.queryText)}`);
  const per = (field: keyof PoolTable, n: number, what: string, nullable: boolean): void => {
    const v = t[field];
    if (nullable && v === null) return;
    if (!isColumn(v) || v.length !== n) throw new UsageError(`${name}.${field}: Invalid input: expected a column of ${n} values (${what})${nullable ? ' or null' : ''}, received ${columnKind(v)}`);
  };
  for (const f of ['queryTask', 'cluster', 'complexity'] as const) per(f, Q, 'nQueries', false);
  const cells = `nQueries × nModels = ${Q} × ${M}`;
  for (const f of ['present', 'accuracy', 'energyJ'] as const) per(f, Q * M, cells, false);
  for (const f of ['latencyS', 'inputTokens', 'outputTokens', 'costUsd'] as const) per(f, Q * M, cells, true);
  if (t.embedding !== undefined) {
    checkObject(t.embedding, `${name}.embedding`);
    const { dim, values } = t.embedding;
    if (!(Number.isSafeInteger(dim) && dim >= 1)) throw new UsageError(`${name}.embedding.dim: must be an integer ≥ 1, got ${String(dim)}`);
    if (!(values instanceof Float64Array && values.length === Q * dim)) throw new UsageError(`${name}.embedding.values: Invalid input: expected a Float64Array of ${Q * dim} values (nQueries × dim), received ${columnKind(values)}`);
  }
}

/** The inputs a writer is told of: file names (an absent one is skipped). */
export function checkInputs(v: unknown, name: string): asserts v is Inputs | undefined {
  if (v === undefined) return;
  if (!Array.isArray(v)) throw new UsageError(`${name}: Invalid input: expected array, received ${kindOf(v)}`);
  v.forEach((x, i) => {
    if (x !== undefined) checkString(x, `${name}.${i}`);
  });
}

/**
 * A writer's options: an object with only the known keys, each of its kind; `inputs`, when known, a list of
 * file names.
 */
export function checkWriterOptions(o: unknown, kinds: Record<string, 'boolean' | 'function' | 'array'>): void {
  checkObject(o, '(options)');
  checkKnownKeys(o, Object.keys(kinds), '(options)');
  checkFieldKinds(o, kinds);
  checkInputs((o as { inputs?: unknown }).inputs, 'inputs');
}

/** The directory a writer writes: a path. */
export function checkOutDir(v: unknown): asserts v is string {
  checkString(v, 'outDir');
  if (v === '') throw new UsageError('outDir: is empty; name the results directory');
}

/** A result's marker field (`kind: 'ope'`, `command: 'evaluate'`): a result of another call is named as such. */
export function checkMarker(value: object, field: string, expected: string, prefix: string): void {
  const v = Object.hasOwn(value, field) ? (value as Record<string, unknown>)[field] : undefined;
  if (v !== expected) throw new UsageError(`${prefix}${field}: Invalid input: expected "${expected}", received ${typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : kindOf(v)}`);
}

/** A progress callback, when given, is a function (it is first called once the data is loaded and the work started). */
export function checkProgress(v: unknown): void {
  if (v !== undefined && typeof v !== 'function') throw new UsageError(`progress: Invalid input: expected function, received ${kindOf(v)}`);
}

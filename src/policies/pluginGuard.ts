/**
 * Plugin policies run behind a guard; built-ins do not (their hot paths stay as they are). A plugin gets its
 * own copy of the allowed models, so changing the array cannot change what the engine offers next; an answer
 * that is not one of the offered models, or a propensity outside [0, 1], is a usage error (exit 2); an
 * exception from the plugin's code becomes a PluginError (exit 1) naming the policy, its module and the line.
 */
import { pathToFileURL } from 'node:url';
import { dict, own } from '../core/dict.js';
import { PluginError, UsageError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { pluginOrigin, type PluginOrigin } from './plugins.js';
import type { Params, Policy, PolicyFactory } from './policy.js';

const METHODS = ['select', 'update', 'addArm', 'removeArm'] as const;

/** What `fitted()` may report, as checkpoints read it back: a few settings named like parameters, each a number. */
export const FITTED_NAME = /^[A-Za-z][A-Za-z0-9]{0,31}$/;
export const MAX_FITTED = 8;

/** A value as a message shows it: NaN, undefined and strings stay recognisable. */
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || v === undefined || v === null || typeof v === 'boolean') return String(v);
  return `a ${typeof v}`;
}

/** `: message (at file:line:col)`, the location being the first frame inside the plugin's file. */
function reason(e: unknown, file: string | undefined): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (file === undefined || !(e instanceof Error) || typeof e.stack !== 'string') return msg;
  const url = pathToFileURL(file).href;
  // Node names the file by URL; a loader (a test runner's) may name it by path
  const line = e.stack.split('\n').find((l) => l.includes(url) || l.includes(`(${file}:`));
  const pos = line === undefined ? null : /:(\d+):(\d+)\)?\s*$/.exec(line);
  return pos ? `${msg} (at ${file}:${pos[1]}:${pos[2]})` : msg;
}

class GuardedPolicy implements Policy {
  readonly name: string;
  private readonly own: Int32Array;
  updateCost?: (q: number, arm: number, cost: number) => void;
  propensity?: (q: number, arms: Int32Array, n: number, m: number, mc: Rng) => number;
  dispose?: () => void;
  fitted?: () => Params;

  constructor(
    private readonly inner: Policy,
    name: string,
    private readonly who: string,
    private readonly file: string | undefined,
    nModels: number,
  ) {
    this.name = name;
    this.own = new Int32Array(nModels);
    if (typeof inner.updateCost === 'function') this.updateCost = (q, arm, cost) => this.call('updateCost', () => inner.updateCost!(q, arm, cost));
    if (typeof inner.dispose === 'function') this.dispose = () => this.call('dispose', () => inner.dispose!());
    if (typeof inner.fitted === 'function') this.fitted = () => this.checkFitted(this.call('fitted', () => inner.fitted!()));
    if (typeof inner.propensity === 'function') {
      this.propensity = (q, arms, n, m, mc) => {
        const p: unknown = this.call('propensity', () => inner.propensity!(q, this.copy(arms, n), n, m, mc));
        if (typeof p === 'number' && p >= 0 && p <= 1) return p;
        throw new UsageError(`${this.who}: propensity() returned ${shown(p)} for model ${m}; it must be a probability in [0, 1]`);
      };
    }
  }

  /**
   * A copy without a prototype of what fitted() returned, checked as a checkpoint reads it: an own key such as
   * '__proto__' (JSON.parse makes one) was lost from summary.json and made a resumed experiment refuse its checkpoint.
   */
  private checkFitted(f: unknown): Params {
    const bad = (why: string): never => {
      throw new UsageError(`${this.who}: fitted() returned ${why}; it must be an object of at most ${MAX_FITTED} settings named like parameters (a letter, then letters and digits, at most 32), each a number`);
    };
    if (typeof f !== 'object' || f === null || Array.isArray(f)) return bad(Array.isArray(f) ? 'an array' : shown(f));
    const keys = Object.keys(f);
    if (keys.length > MAX_FITTED) bad(`${keys.length} settings`);
    const out = dict<number>();
    for (const k of keys) {
      const v: unknown = own(f as Record<string, unknown>, k);
      if (!FITTED_NAME.test(k)) bad(`a setting named ${shown(k)}`);
      if (typeof v !== 'number') bad(`${shown(v)} for setting '${k}'`);
      out[k] = v as number;
    }
    return out;
  }

  private copy(arms: Int32Array, n: number): Int32Array {
    const own = this.own;
    for (let i = 0; i < n; i++) own[i] = arms[i];
    return own;
  }

  private failed(method: string, e: unknown): Error {
    return e instanceof UsageError ? e : new PluginError(`${this.who}: ${method}() threw: ${reason(e, this.file)}`);
  }

  private call<T>(method: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw this.failed(method, e);
    }
  }

  select(q: number, arms: Int32Array, n: number): number {
    // inline, not through call(): no closure per decision
    let m: unknown;
    try {
      m = this.inner.select(q, this.copy(arms, n), n);
    } catch (e) {
      throw this.failed('select', e);
    }
    // checked against the engine's array, which the plugin never saw
    for (let i = 0; i < n; i++) if (arms[i] === m) return m;
    throw new UsageError(`${this.who}: select() returned ${shown(m)}, which is not one of the ${n} models it was offered (arms[0..n), model indices)`);
  }

  update(q: number, arm: number, reward: number): void {
    try {
      this.inner.update(q, arm, reward);
    } catch (e) {
      throw this.failed('update', e);
    }
  }

  addArm(m: number): void {
    this.call('addArm', () => this.inner.addArm(m));
  }

  removeArm(m: number): void {
    this.call('removeArm', () => this.inner.removeArm(m));
  }
}

/**
 * `make()` (the factory's create) as is for a built-in factory; for a plugin, its policy behind the guard,
 * after checking that create returned an object with the methods the engine calls.
 */
export function guardedCreate(factory: PolicyFactory, nModels: number, make: () => Policy): Policy {
  const origin: PluginOrigin | undefined = pluginOrigin(factory);
  if (origin === undefined) return make();
  const who = `${origin.where}: policy '${factory.name}'`;
  let p: unknown;
  try {
    p = make();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new PluginError(`${who}: create() threw: ${reason(e, origin.file)}`);
  }
  const missing = typeof p === 'object' && p !== null ? METHODS.filter((k) => typeof (p as Record<string, unknown>)[k] !== 'function') : METHODS;
  if (missing.length > 0) throw new UsageError(`${who}: create() must return a policy object with ${METHODS.join(', ')} methods; ${typeof p === 'object' && p !== null ? `it has no ${missing.join(', ')}` : `it returned ${shown(p)}`}`);
  return new GuardedPolicy(p as Policy, factory.name, who, origin.file, nModels);
}

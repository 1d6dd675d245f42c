/**
 * Policy plugins: factories registered at run time, from code or from an ES module file. A module file is
 * loaded in worker threads too (the pool passes the loaded paths on), so a plugin runs the same on any
 * worker count; the main thread loads it on a worker thread first (loadOffThread). A plugin draws randomness
 * only from `env.rng`, seeded per run and policy name, so the same seed gives the same results.
 */
import { extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync, statSync } from 'node:fs';
import { isMainThread, Worker } from 'node:worker_threads';
import { UsageError } from '../core/errors.js';
import type { ProbeReply } from './pluginProbe.js';
import type { PolicyFactory } from './policy.js';

const NAME = /^[a-z][a-z0-9-]{0,63}$/;
/** What Node imports as JavaScript: an ES module (.mjs, or .js under "type": "module") or CommonJS (.cjs, .js). */
const MODULE_EXTENSIONS = ['.mjs', '.js', '.cjs'];
const registered: PolicyFactory[] = [];
const modules: string[] = [];
/** Each module's path as it was given, which messages name it by (worker threads load the same spelling). */
const spelled: string[] = [];
/** Where a plugin factory came from: how messages name it (`policy module 'x.mjs'`), and its file if any. */
export interface PluginOrigin {
  where: string;
  file?: string;
}
const origins = new WeakMap<PolicyFactory, PluginOrigin>();

/** Where a plugin factory came from, for the run-time guard's messages; undefined for a built-in. */
export function pluginOrigin(f: PolicyFactory): PluginOrigin | undefined {
  return origins.get(f);
}

/** Plugin factories in registration order. */
export function pluginFactories(): readonly PolicyFactory[] {
  return registered;
}

/** Absolute paths of the policy modules loaded so far (worker threads load the same ones). */
export function policyModules(): readonly string[] {
  return modules;
}

/** The loaded modules for a worker thread: each absolute path, and the path as given that messages show. */
export function policyModuleSources(): { path: string; as: string }[] {
  return modules.map((path, i) => ({ path, as: spelled[i] }));
}

/** Modules whose load on a worker thread succeeded: each is tried there once. */
const probed = new Set<string>();

/**
 * Import the module at `url` on a short-lived worker thread first (the compiled pluginProbe.js; from the
 * TypeScript sources, as other workers, there is none), awaited so this thread's event loop stays free: a
 * module whose top-level code never ends blocks that thread, and Ctrl-C or SIGTERM still reach this one.
 * Resolves to the import's error message, or null when it loaded (or the worker ended without a word, e.g.
 * by the module's process.exit: then the import here behaves as it always did).
 */
async function loadOffThread(url: string): Promise<string | null> {
  const here = import.meta.url;
  const script = here.endsWith('.js') ? fileURLToPath(new URL('./pluginProbe.js', here)) : null;
  if (script === null || !existsSync(script)) return null;
  let w: Worker;
  try {
    w = new Worker(script, { workerData: url });
  } catch {
    return null;
  }
  try {
    return await new Promise<string | null>((done) => {
      w.on('message', (m: ProbeReply) => done(m.ok ? null : m.message));
      w.on('error', () => done(null));
      w.on('exit', () => done(null));
    });
  } finally {
    // its timers or open handles must not keep the process alive
    await w.terminate();
  }
}

function checkFactory(f: unknown, where: string, taken: (name: string) => boolean): PolicyFactory {
  const bad = (why: string): never => {
    throw new UsageError(`${where}: ${why}`);
  };
  if (typeof f !== 'object' || f === null) return bad('a policy factory must be an object');
  const x = f as Partial<PolicyFactory>;
  if (typeof x.name !== 'string' || !NAME.test(x.name)) return bad(`policy name ${JSON.stringify(x.name)} must match ${NAME}`);
  const at = `${where}: policy '${x.name}'`;
  if (taken(x.name)) throw new UsageError(`${at}: the name is already taken`);
  if (typeof x.create !== 'function') throw new UsageError(`${at}: create must be a function`);
  if (typeof x.rewardIndependent !== 'boolean') throw new UsageError(`${at}: rewardIndependent must be true or false`);
  if (typeof x.hindsight !== 'boolean') throw new UsageError(`${at}: hindsight must be true or false`);
  if (x.budget !== undefined && typeof x.budget !== 'boolean') throw new UsageError(`${at}: budget must be true or false when given`);
  if (!Array.isArray(x.params) || x.params.length > 64) throw new UsageError(`${at}: params must be an array of at most 64 parameters`);
  const names = new Set<string>();
  for (const p of x.params) {
    if (typeof p?.name !== 'string' || !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(p.name) || names.has(p.name)) throw new UsageError(`${at}: bad or repeated parameter name ${JSON.stringify(p?.name)}`);
    names.add(p.name);
    const d = p.default;
    if (typeof d !== 'number' || !Number.isFinite(d)) throw new UsageError(`${at}: parameter '${p.name}' needs a finite default`);
    if ((p.min !== undefined && d < p.min) || (p.max !== undefined && d > p.max) || (p.positive && !(d > 0)) || (p.integer && !Number.isInteger(d))) throw new UsageError(`${at}: the default of '${p.name}' is outside its own bounds`);
  }
  return { description: '', contextual: false, ...x } as PolicyFactory;
}

/** Register a factory; `isBuiltin` guards the built-in names (the registry passes it in). */
export function registerPluginFactory(f: PolicyFactory, isBuiltin: (name: string) => boolean, where = 'registerPolicy'): void {
  const checked = checkFactory(f, where, (n) => isBuiltin(n) || registered.some((r) => r.name === n));
  origins.set(checked, { where });
  registered.push(checked);
}

/**
 * Load an ES module whose default export (or `policies` export) is a factory or an array of factories and
 * register them. Loading the same file twice is a no-op. Messages name it `as` (a worker thread, given the
 * absolute path, names it as the parent was given it).
 */
export async function loadPluginModule(file: string, isBuiltin: (name: string) => boolean, as = file): Promise<readonly PolicyFactory[]> {
  const abs = isAbsolute(file) ? file : resolve(file);
  const path = as;
  if (modules.includes(abs)) return registered;
  if (!existsSync(abs)) throw new UsageError(`policy module '${path}': no such file`);
  // Node would say 'Unknown file extension ".csv" for /abs/path' (or load a .json as data)
  const ext = extname(abs).toLowerCase();
  const what = statSync(abs).isDirectory() ? 'a directory, not a module file' : MODULE_EXTENSIONS.includes(ext) ? null : `not a JavaScript module (${ext === '' ? 'no extension' : `a ${ext} file`})`;
  if (what !== null) {
    throw new UsageError(`policy module '${path}': ${what}; give an ES module file (.mjs, or .js) that exports the policy factories, like examples/policies/softmax.mjs`);
  }
  let mod: { default?: unknown; policies?: unknown };
  const url = pathToFileURL(abs).href;
  // Node's message names the module by its absolute path or URL: name it as given
  const cannotLoad = (why: string): UsageError => new UsageError(`policy module '${path}': cannot load it: ${why.split(url).join(path).split(abs).join(path)}`);
  // worker threads load modules too, and are already off the main thread
  if (isMainThread && !probed.has(abs)) {
    const failed = await loadOffThread(url);
    if (failed !== null) throw cannotLoad(failed);
    probed.add(abs);
  }
  try {
    mod = (await import(url)) as typeof mod;
  } catch (e) {
    throw cannotLoad(String((e as Error)?.message ?? e));
  }
  const exported = mod.policies ?? mod.default;
  const list = Array.isArray(exported) ? exported : exported === undefined ? [] : [exported];
  if (list.length === 0) throw new UsageError(`policy module '${path}': exports no policy factory (export default a factory or an array of them)`);
  // check them all before registering any, so a bad module leaves the registry as it was
  const fresh: PolicyFactory[] = [];
  for (const f of list) fresh.push(checkFactory(f, `policy module '${path}'`, (n) => isBuiltin(n) || registered.some((r) => r.name === n) || fresh.some((r) => r.name === n)));
  for (const f of fresh) origins.set(f, { where: `policy module '${path}'`, file: abs });
  registered.push(...fresh);
  modules.push(abs);
  spelled.push(path);
  return registered;
}

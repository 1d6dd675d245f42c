/**
 * `runOpe` on a worker thread, for target policies from policy modules: a plugin call that never returns then
 * blocks that thread, and the main thread still hears Ctrl-C and SIGTERM. The worker gets the prepared log and
 * resolves the same policies, so the results are the same; without modules `runOpe` runs where it is called.
 */
import { resolvePolicies, type ResolvedPolicy } from '../../policies/registry.js';
import { offThreadScript, runPool, scriptBeside, type PoolInit } from '../../sim/workers.js';
import { RidgeFitError } from './ridge.js';
import { runOpe, type OpePolicyResult } from './run.js';
import type { OpeData } from './setup.js';

type OpeRunOptions = Parameters<typeof runOpe>[2];

export interface OpeInit extends PoolInit {
  kind: 'ope';
  data: OpeData;
  policies: string[];
  params: string[];
  options: OpeRunOptions;
}

/** A reward model that cannot be fitted crosses the thread as a result, keeping its model index. */
type OpeReply = { results: OpePolicyResult[] } | { ridge: number };

/** The worker's side. */
export function opeOnThread(init: OpeInit): Promise<OpeReply> {
  const policies = resolvePolicies(init.policies, init.params, init.data.models);
  try {
    return Promise.resolve({ results: runOpe(init.data, policies, init.options) });
  } catch (e) {
    if (e instanceof RidgeFitError) return Promise.resolve({ ridge: e.model });
    throw e;
  }
}

/**
 * The policies' results as `runOpe` gives them: on a worker thread when policy modules are loaded and the
 * compiled worker is there, else here. `policies` are resolved by the caller from `names` and `params`.
 */
export async function runOpeAnywhere(data: OpeData, policies: readonly ResolvedPolicy[], names: string[], params: string[], o: OpeRunOptions): Promise<OpePolicyResult[]> {
  const script = offThreadScript(false, () => scriptBeside(import.meta.url, './worker.js'));
  if (!script) return runOpe(data, policies, o);
  let reply: OpeReply | null = null;
  const init: OpeInit = { kind: 'ope', data, policies: names, params, options: o };
  await runPool<null, OpeReply>(script, init, [null], 1, (_, r) => (reply = r));
  const r = reply as OpeReply | null;
  if (r === null) throw new Error('the worker thread of ope gave no result');
  if ('ridge' in r) throw new RidgeFitError(r.ridge);
  return r.results;
}

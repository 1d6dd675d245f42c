/**
 * Adding routing policies from outside the package: `registerPolicy(factory)` from code (this thread), or
 * `loadPolicyModule(path)` for an ES module file, which worker threads load too. See docs/api.md.
 */
import { UsageError } from '../core/errors.js';
import { checkString } from '../core/shape.js';
import { loadPolicyModule as loadModule, policiesFromCode, registerPolicy as register } from '../policies/registry.js';
import type { PolicyFactory } from '../policies/policy.js';

/** Add a policy factory from code; it runs on the calling thread only. */
export function registerPolicy(factory: PolicyFactory): void {
  register(factory);
}

/** Load and register the policies of an ES module file; resolves to every plugin policy registered so far. */
export async function loadPolicyModule(path: string): Promise<readonly PolicyFactory[]> {
  checkString(path, 'path');
  // a copy: the registry's own list is not the caller's to change
  return [...(await loadModule(path))];
}

/**
 * Refuse worker threads (`setting` > 1) for a policy registered from code: a worker would report it as
 * an unknown policy, though the caller has just registered it.
 */
export function checkThreadBound(policies: readonly string[], threads: number, setting: string): void {
  if (threads <= 1) return;
  const bound = policies.find((p) => policiesFromCode().has(p));
  if (bound !== undefined) {
    throw new UsageError(`${setting}: policy '${bound}' was added with registerPolicy and runs on the calling thread only; set ${setting}: 1, or load it from an ES module file with loadPolicyModule (worker threads load those too)`);
  }
}

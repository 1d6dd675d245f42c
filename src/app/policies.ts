/** Adding a routing policy from outside the package. */
import { UsageError } from '../core/errors.js';
import { FACTORIES } from '../policies/registry.js';
import type { PolicyFactory } from '../policies/policy.js';

/**
 * Make a policy available by name to `simulate`, `runExperiment` and `evaluateRouterbench` in this process.
 * It runs on the calling thread only: worker threads load the built-in registry, so use `jobs: 1` /
 * `workers: 1` with a registered policy. Not part of the default policy set; name it to run it.
 */
export function registerPolicy(factory: PolicyFactory): void {
  const name = factory?.name;
  if (typeof name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`registerPolicy: the name must be lower-case letters, digits and '-', starting with a letter; got '${String(name)}'`);
  if (typeof factory.create !== 'function' || !Array.isArray(factory.params)) throw new UsageError(`registerPolicy: '${name}' needs create(env, params) and a params array`);
  if (FACTORIES.some((f) => f.name === name)) throw new UsageError(`registerPolicy: a policy named '${name}' is already registered`);
  // the registry is a module-level list; a registered factory is resolved by name like the built-in ones
  (FACTORIES as PolicyFactory[]).push(factory);
}

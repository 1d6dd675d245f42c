/**
 * Adding routing policies from outside the package: `registerPolicy(factory)` from code (this thread), or
 * `loadPolicyModule(path)` for an ES module file, which worker threads load too. See docs/api.md.
 */
export { loadPolicyModule, registerPolicy } from '../policies/registry.js';

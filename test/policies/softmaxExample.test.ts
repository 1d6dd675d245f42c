/** The documented plugin example (examples/policies/softmax.mjs) against the softmax formula it implements. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyModule, resolvePolicy } from '../../src/policies/registry.js';
import { contextsFromRows, makeEnv } from '../helpers/env.js';

const EXAMPLE = resolve(__dirname, '../../examples/policies/softmax.mjs');

describe('examples/policies/softmax.mjs', () => {
  it('loads as a plugin and picks each allowed model with probability ∝ exp(mean/τ)', async () => {
    await loadPolicyModule(EXAMPLE);
    const factory = resolvePolicy('softmax-example', []);
    expect(factory.params.map((p) => p.name)).toEqual(['temperature', 'initial']);
    const M = 4;
    const policy = factory.create(makeEnv(contextsFromRows([[1]]), M, 7), { temperature: 0.1, initial: 1 });
    // means: m0 0.2, m1 0.5, m2 0.6 (two updates), m3 untried → its `initial` 1 — but m3 is not allowed below
    policy.update(0, 0, 0.2);
    policy.update(0, 1, 0.5);
    policy.update(0, 2, 0.4);
    policy.update(0, 2, 0.8);
    const arms = Int32Array.from([0, 1, 2]);
    const n = 60_000;
    const counts = [0, 0, 0, 0];
    for (let t = 0; t < n; t++) counts[policy.select(0, arms, 3)]++;
    expect(counts[3]).toBe(0);
    const w = [0.2, 0.5, 0.6].map((m) => Math.exp(m / 0.1));
    const total = w.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 3; i++) {
      const p = w[i] / total;
      const sd = Math.sqrt((p * (1 - p)) / n);
      expect(Math.abs(counts[i] / n - p)).toBeLessThan(5 * sd);
    }
  });

  it('an untried model counts `initial`, so it is tried first when initial is high', async () => {
    await loadPolicyModule(EXAMPLE);
    const policy = resolvePolicy('softmax-example', []).create(makeEnv(contextsFromRows([[1]]), 2, 3), { temperature: 0.01, initial: 1 });
    policy.update(0, 0, 0.3);
    // exp((0.3 − 1)/0.01) ≈ e^-70: model 1 is chosen every time
    for (let t = 0; t < 1000; t++) expect(policy.select(0, Int32Array.from([0, 1]), 2)).toBe(1);
  });
});

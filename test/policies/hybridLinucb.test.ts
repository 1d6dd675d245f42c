/** Hybrid LinUCB and its model descriptors (docs/model.md §11.4) against the joint ridge solve. */
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policies/policy.js';
import { hybridLinucbFactory, MAX_HYBRID_SHARED, modelDescriptors } from '../../src/policies/hybridLinucb.js';
import { UsageError } from '../../src/core/errors.js';
import { ALL_EIGHT, contextsFromRows, makeEnv, mixedRows } from '../helpers/env.js';
import { inverse, matVec, maxRelDiff } from '../helpers/linalg.js';

const ALL = ALL_EIGHT;
const rows = mixedRows;

describe('hybrid-linucb', () => {
  /** Joint ridge over [z = φ(m) ⊗ x, x in model m's block]: the model hybrid LinUCB keeps in block form. */
  function joint(X: number[][], obs: { q: number; m: number; r: number }[], phi: number[][], M: number, reg: number, regModel: number) {
    const d = X[0].length;
    const nd = phi[0].length;
    const k = nd * d;
    const D = k + M * d;
    const feat = (q: number, m: number): number[] => {
      const f = new Array(D).fill(0);
      for (let j = 0; j < nd; j++) for (let i = 0; i < d; i++) f[j * d + i] = phi[m][j] * X[q][i];
      for (let i = 0; i < d; i++) f[k + m * d + i] = X[q][i];
      return f;
    };
    const A = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? (i < k ? reg : regModel) : 0)));
    const b = new Array(D).fill(0);
    for (const o of obs) {
      const f = feat(o.q, o.m);
      for (let i = 0; i < D; i++) {
        b[i] += o.r * f[i];
        for (let j = 0; j < D; j++) A[i][j] += f[i] * f[j];
      }
    }
    const Ainv = inverse(A);
    const w = matVec(Ainv, b);
    return {
      mean: (q: number, m: number) => feat(q, m).reduce((s, v, i) => s + v * w[i], 0),
      width: (q: number, m: number) => {
        const f = feat(q, m);
        return Math.sqrt(f.reduce((s, v, i) => s + v * f.reduce((t, u, j) => t + Ainv[i][j] * u, 0), 0));
      },
    };
  }

  it('estimates and widths equal the joint ridge solve, also after a model re-joins', () => {
    const X = rows(250, 5);
    const M = 4;
    const env = makeEnv(contextsFromRows(X), M);
    const p = hybridLinucbFactory.create(env, { alpha: 0.3, reg: 0.5, regModel: 0.8 }) as Policy & { score(q: number, m: number): { mean: number; width: number } };
    // φ(m) = [1, standardised log₁₀ size], sizes 1..4 B (population sd)
    const logs = [1, 2, 3, 4].map(Math.log10);
    const mu = logs.reduce((a, b) => a + b, 0) / 4;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mu) ** 2, 0) / 4);
    const phi = logs.map((v) => [1, (v - mu) / sd]);
    expect(maxRelDiff(Array.from(modelDescriptors(env.models).values), phi.flat())).toBeLessThan(1e-12);
    const obs: { q: number; m: number; r: number }[] = [];
    const reward = (q: number, m: number) => 0.2 + 0.1 * m + 0.3 * X[q][4] + ((q * 7) % 5) / 20;
    for (let q = 0; q < 200; q++) {
      const m = p.select(q, ALL, M);
      obs.push({ q, m, r: reward(q, m) });
      p.update(q, m, reward(q, m));
    }
    const ref = joint(X, obs, phi, M, 0.5, 0.8);
    for (let m = 0; m < M; m++) {
      const s = p.score(210, m);
      expect(s.mean).toBeCloseTo(ref.mean(210, m), 9);
      expect(s.width).toBeCloseTo(ref.width(210, m), 9);
    }
    // model 2 re-joins: its own block is forgotten, its past observations stay as shared-only evidence
    p.addArm(2);
    // reference: observations of model 2 keep their z but lose their per-model x
    const d = 5;
    const k = 2 * d;
    const D = k + M * d;
    const A = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? (i < k ? 0.5 : 0.8) : 0)));
    const b = new Array(D).fill(0);
    const feat = (q: number, m: number, own: boolean): number[] => {
      const f = new Array(D).fill(0);
      for (let j = 0; j < 2; j++) for (let i = 0; i < d; i++) f[j * d + i] = phi[m][j] * X[q][i];
      if (own) for (let i = 0; i < d; i++) f[k + m * d + i] = X[q][i];
      return f;
    };
    for (const o of obs) {
      const f = feat(o.q, o.m, o.m !== 2);
      for (let i = 0; i < D; i++) {
        b[i] += o.r * f[i];
        for (let j = 0; j < D; j++) A[i][j] += f[i] * f[j];
      }
    }
    const Ai = inverse(A);
    const w = matVec(Ai, b);
    const f = feat(220, 2, true);
    expect(p.score(220, 2).mean).toBeCloseTo(f.reduce((s, v, i) => s + v * w[i], 0), 9);
  });

  it('picks argmax of mean + α·width from the joint ridge solve, on a case the width decides and a 1% wider width would flip', () => {
    const X = rows(80, 13);
    const M = 3;
    // φ(m) = [1, standardised log₁₀ size], sizes 1..3 B (population sd)
    const logs = [1, 2, 3].map(Math.log10);
    const mu = logs.reduce((a, b) => a + b, 0) / 3;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mu) ** 2, 0) / 3);
    const phi = logs.map((v) => [1, (v - mu) / sd]);
    // model 0 often seen and good, model 1 seen twice and worse (so uncertain), model 2 in between
    const obs: { q: number; m: number; r: number }[] = [];
    for (let q = 0; q < 60; q++) {
      const m = q < 40 ? 0 : q < 42 ? 1 : 2;
      obs.push({ q, m, r: [0.7, 0.45, 0.5][m] + 0.2 * X[q][4] + ((q * 7) % 5) / 50 });
    }
    const ref = joint(X, obs, phi, M, 0.5, 1);
    const q = 70;
    const mean = [0, 1, 2].map((m) => ref.mean(q, m));
    const width = [0, 1, 2].map((m) => ref.width(q, m));
    const argmax = (v: number[]) => v.indexOf(Math.max(...v));
    // the best mean, and the α at which the first wider model overtakes it
    const a = argmax(mean);
    const crossings = [0, 1, 2].filter((m) => width[m] > width[a]).map((m) => (mean[a] - mean[m]) / (width[m] - width[a]));
    expect(crossings.length).toBeGreaterThan(0);
    const alphaStar = Math.min(...crossings);
    const ucb = (alpha: number, scale = 1) => argmax(mean.map((v, m) => v + alpha * scale * width[m]));
    const policyAt = (alpha: number) => {
      const p = hybridLinucbFactory.create(makeEnv(contextsFromRows(X), M), { alpha, reg: 0.5, regModel: 1 });
      for (const o of obs) p.update(o.q, o.m, o.r);
      return p;
    };
    // just past α*: the width decides (the mean alone picks a)
    const above = alphaStar * 1.004;
    expect(ucb(above)).not.toBe(a);
    expect(policyAt(above).select(q, ALL, M)).toBe(ucb(above));
    // just below α*: a wins, but widths 1% larger would hand the pick to the wider model
    const below = alphaStar * 0.996;
    expect(ucb(below)).toBe(a);
    expect(ucb(below, 1.01)).not.toBe(a);
    expect(policyAt(below).select(q, ALL, M)).toBe(a);
    // the margins dwarf the 1e-9 agreement of the block form with the joint solve
    for (const alpha of [above, below]) {
      const s = mean.map((v, m) => v + alpha * width[m]).sort((x, y) => y - x);
      expect(s[0] - s[1]).toBeGreaterThan(1e-5);
    }
  });

  it('descriptors from the models table: standardised priors, log prior energy and a one-hot family; unknowns are 0', () => {
    const models = [
      { id: 'a', name: 'a', paramsB: 1, family: 'f', priorAccuracy: 0.4, priorEnergyJ: 10 },
      { id: 'b', name: 'b', paramsB: 8, family: 'g', priorAccuracy: 0.6 },
      { id: 'c', name: 'c', paramsB: Number.NaN, family: 'f', priorAccuracy: 0.8, priorEnergyJ: 1000 },
      { id: 'd', name: 'd', paramsB: 64 },
    ];
    const desc = modelDescriptors(models);
    expect(desc.columns).toEqual(['bias', 'log10 params', 'prior accuracy', 'log prior energy', 'family f', 'family g']);
    // log₁₀ sizes 0, 0.903, 1.806 (c unknown): mean 0.903, population sd 0.737
    const l = [0, Math.log10(8), Math.log10(64)];
    const lm = (l[0] + l[1] + l[2]) / 3;
    const ls = Math.sqrt(l.reduce((a, v) => a + (v - lm) ** 2, 0) / 3);
    // priors 0.4, 0.6, 0.8: z = −1.2247, 0, 1.2247; log energies ln 10, ln 1000: z = −1, 1
    const za = Math.sqrt(1.5);
    const expected = [
      [1, (l[0] - lm) / ls, -za, -1, 1, 0],
      [1, (l[1] - lm) / ls, 0, 0, 0, 1],
      [1, 0, za, 1, 1, 0],
      [1, (l[2] - lm) / ls, 0, 0, 0, 0],
    ];
    const got = Array.from(desc.values);
    expected.flat().forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
  });

  it('with descriptors, a model that joins after the others were observed is scored by the joint ridge solve', () => {
    const X = rows(300, 11);
    const M = 4;
    const env = makeEnv(contextsFromRows(X), M);
    env.models = [
      { id: 'a', name: 'a', paramsB: 1, family: 'f', priorAccuracy: 0.3, priorEnergyJ: 5 },
      { id: 'b', name: 'b', paramsB: 3, family: 'g', priorAccuracy: 0.5, priorEnergyJ: 50 },
      { id: 'c', name: 'c', paramsB: 7, family: 'f', priorAccuracy: 0.7, priorEnergyJ: 20 },
      { id: 'new', name: 'new', paramsB: 9, family: 'g', priorAccuracy: 0.6 },
    ];
    env.initialArms = [0, 1, 2];
    const p = hybridLinucbFactory.create(env, { alpha: 0.2, reg: 0.3, regModel: 2 }) as Policy & { score(q: number, m: number): { mean: number; width: number } };
    const desc = modelDescriptors(env.models);
    const phi = [0, 1, 2, 3].map((m) => Array.from(desc.values.subarray(m * desc.width, (m + 1) * desc.width)));
    // rewards depend on the family and the prior, so the shared part has something to carry to the newcomer
    const reward = (q: number, m: number) => 0.1 + 0.5 * (env.models[m].priorAccuracy ?? 0.5) + (env.models[m].family === 'g' ? 0.2 * X[q][4] : 0) + ((q * 3) % 7) / 40;
    const three = Int32Array.from([0, 1, 2]);
    const obs: { q: number; m: number; r: number }[] = [];
    for (let q = 0; q < 240; q++) {
      const m = p.select(q, three, 3);
      obs.push({ q, m, r: reward(q, m) });
      p.update(q, m, reward(q, m));
    }
    p.addArm(3);
    const ref = joint(X, obs, phi, M, 0.3, 2);
    for (const q of [250, 260, 290]) {
      const s = p.score(q, 3);
      expect(s.mean).toBeCloseTo(ref.mean(q, 3), 9);
      expect(s.width).toBeCloseTo(ref.width(q, 3), 9);
      expect(s.mean).not.toBe(0);
    }
    // the descriptors matter: with the parameter count alone the newcomer's estimate differs
    const bare = hybridLinucbFactory.create({ ...env, models: env.models.map((m) => ({ id: m.id, name: m.name, paramsB: m.paramsB })) }, { alpha: 0.2, reg: 0.3, regModel: 2 }) as typeof p;
    for (const o of obs) bare.update(o.q, o.m, o.r);
    expect(Math.abs(bare.score(250, 3).mean - p.score(250, 3).mean)).toBeGreaterThan(1e-3);
  });

  it('a shared part over MAX_HYBRID_SHARED dimensions is refused before anything runs, naming both factors', () => {
    // 5 context dimensions: bias + log params + f families descriptors, k = 5·(2 + f)
    const X = rows(10, 3);
    const withFamilies = (f: number) => {
      const env = makeEnv(contextsFromRows(X), f);
      env.models = Array.from({ length: f }, (_, m) => ({ id: `m${m}`, name: `m${m}`, paramsB: m + 1, family: `fam${m}` }));
      return env;
    };
    const fits = Math.floor(MAX_HYBRID_SHARED / 5) - 2;
    expect(() => hybridLinucbFactory.create(withFamilies(fits), { alpha: 0.1, reg: 0.05, regModel: 1 })).not.toThrow();
    const over = () => hybridLinucbFactory.create(withFamilies(fits + 1), { alpha: 0.1, reg: 0.05, regModel: 1 });
    expect(over).toThrow(UsageError);
    expect(over).toThrow(new RegExp(`shared part would have ${5 * (fits + 3)} dimensions \\(${fits + 3} model descriptors × 5 context dimensions\\), more than ${MAX_HYBRID_SHARED}`));
  });

  it('a joining model starts from the shared estimate zᵀβ, not from zero', () => {
    const X = rows(300, 6);
    const env = makeEnv(contextsFromRows(X), 3);
    const p = hybridLinucbFactory.create(env, { alpha: 0, reg: 0.1, regModel: 1 }) as Policy & { score(q: number, m: number): { mean: number; width: number } };
    // models 0 and 1 (different sizes) both earn 0.7: the shared part learns the level, with no size slope
    for (let q = 0; q < 300; q++) p.update(q, q % 2, 0.7);
    // model 2 never played, yet its predicted reward is near the shared level
    expect(p.score(5, 2).mean).toBeGreaterThan(0.6);
    expect(p.score(5, 2).mean).toBeLessThan(0.8);
  });
});

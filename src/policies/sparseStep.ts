/**
 * A whole ridge update for a sparse row of up to four non-zeros (the paper's one-hot layout) in one WebAssembly
 * call (docs/model.md §5.6): A += s·xxᵀ, b += s·r·x and pred = θᵀx (when `pre`), then u = A⁻¹x, q = xᵀu,
 * cu = c·u with c = s/(1 + s·q), A⁻¹ −= cu·uᵀ (the module's rank1) and θ += g·u with g = s·(r − pred)/(1 + s·q).
 * The same operations in the same order as RidgeArms.updateSparse's scalar loops (linalg.addOuterSparse,
 * solveSparse, rankOneSym), so the same bits; u, cu and θ two lanes at a time.
 *
 * step(m, am, bb, th, u, cu, d, e0, e1, e2, e3, n, pre, v0, v1, v2, v3, s, r, pred): m, am, bb, th are the byte
 * addresses of the arm's A⁻¹, A, b and θ; e_k = 8·idx_k; non-zeros past n repeat the first with value 0
 * (solveSparse pads the same way); pred is used when pre is 0. Where some c·u_i is 0, the module's rank1skip
 * leaves the entries the scalar loop skips.
 */
import { CALL, ELSE, END, F64, F64X2_ADD, F64X2_EQ, F64X2_MUL, F64X2_SPLAT, F64_ADD, F64_DIV, F64_EQ, F64_MUL, F64_SUB, I32, I32_ADD, I32_GT_S, I32_MUL, I32_OR, I32_SHL, IF, V128, V128_ANY_TRUE, V128_CONST, VOID, get, set, type Code } from '../core/wasmOps.js';
import { f64, i32, ifThen, lanes, ldF, ldV, stV, stF } from './kernelCode.js';

const P = { M: 0, AM: 1, BB: 2, TH: 3, U: 4, CU: 5, D: 6, E: 7, N: 11, PRE: 12, V: 13, S: 17, RW: 18, PRED: 19 };
// locals after the 20 parameters: DB J ANY R0–R3 (i32), Q C G T SR VA PR (f64), VV0–VV3 ZERO VC VG (v128)
const X = { DB: 20, J: 21, ANY: 22, R: 23, Q: 27, C: 28, G: 29, T: 30, SR: 31, VA: 32, PR: 33, VV: 34, ZERO: 38, VC: 39, VG: 40 };
const at = (base: number): Code => [...get(base), ...get(X.J), I32_ADD];
/** base + e_k (an element of a vector) and base + e_k·d (the start of row idx_k). */
const elem = (base: number, k: number): Code => [...get(base), ...get(P.E + k), I32_ADD];
const row = (base: number, k: number): Code => [...get(base), ...get(P.E + k), ...get(P.D), I32_MUL, I32_ADD];
/** n > k, for the k-th non-zero. */
const has = (k: number): Code => [...get(P.N), ...i32(k), I32_GT_S];

/** A_ab += (s·v_a)·v_b for the pair (a, b) of the row's non-zeros (each pair its own element of A). */
const outerPair = (a: number, b: number): Code =>
  ifThen(has(b), [
    ...row(P.AM, a), ...get(P.E + b), I32_ADD,
    ...row(P.AM, a), ...get(P.E + b), I32_ADD, ...ldF(),
    ...get(X.VA), ...get(P.V + b), F64_MUL, F64_ADD, ...stF(),
  ]);
const addOuter: Code = [0, 1, 2, 3].flatMap((a) => ifThen(has(a), [...get(P.S), ...get(P.V + a), F64_MUL, ...set(X.VA), ...[0, 1, 2, 3].flatMap((b) => outerPair(a, b))]));
/** b_j += (s·r)·v_j and pred += θ_j·v_j, over the n real non-zeros in order. */
const bAndPred: Code = [0, 1, 2, 3].flatMap((j) =>
  ifThen(has(j), [
    ...elem(P.BB, j), ...elem(P.BB, j), ...ldF(), ...get(X.SR), ...get(P.V + j), F64_MUL, F64_ADD, ...stF(),
    ...get(X.PR), ...elem(P.TH, j), ...ldF(), ...get(P.V + j), F64_MUL, F64_ADD, ...set(X.PR),
  ]),
);

/** u_j = (((0 + v0·R0_j) + v1·R1_j) + v2·R2_j) + v3·R3_j. */
const solveVec: Code = [...at(P.U), ...get(X.ZERO), ...[0, 1, 2, 3].flatMap((k) => [...get(X.VV + k), ...at(X.R + k), ...ldV(), ...F64X2_MUL, ...F64X2_ADD]), ...stV()];
const solveOne: Code = [...at(P.U), ...f64(0), ...[0, 1, 2, 3].flatMap((k) => [...get(P.V + k), ...at(X.R + k), ...ldF(), F64_MUL, F64_ADD]), ...stF()];
/** q += v_k·u_{idx_k}, only over the n real non-zeros (as solveSparse's q loop). */
const qTerm = (k: number): Code => [...get(X.Q), ...get(P.V + k), ...elem(P.U, k), ...ldF(), F64_MUL, F64_ADD, ...set(X.Q)];
/** cu_j = c·u_j, and ANY |= (cu_j == 0). */
const cuVec: Code = [
  ...at(P.CU), ...get(X.VC), ...at(P.U), ...ldV(), ...F64X2_MUL, ...stV(),
  ...get(X.ANY), ...at(P.CU), ...ldV(), ...get(X.ZERO), ...F64X2_EQ, ...V128_ANY_TRUE, I32_OR, ...set(X.ANY),
];
const cuOne: Code = [
  ...get(X.C), ...at(P.U), ...ldF(), F64_MUL, ...set(X.T),
  ...at(P.CU), ...get(X.T), ...stF(),
  ...get(X.ANY), ...get(X.T), ...f64(0), F64_EQ, I32_OR, ...set(X.ANY),
];
/** θ_j += g·u_j. */
const thetaVec: Code = [...at(P.TH), ...at(P.TH), ...ldV(), ...get(X.VG), ...at(P.U), ...ldV(), ...F64X2_MUL, ...F64X2_ADD, ...stV()];
const thetaOne: Code = [...at(P.TH), ...at(P.TH), ...ldF(), ...get(X.G), ...at(P.U), ...ldF(), F64_MUL, F64_ADD, ...stF()];
/** rank1's and rank1skip's arguments (m, u, cu, d). */
const rankArgs: Code = [...get(P.M), ...get(P.U), ...get(P.CU), ...get(P.D)];
/** 1 + s·q. */
const denom: Code = [...f64(1), ...get(P.S), ...get(X.Q), F64_MUL, F64_ADD];

/** The body of `step`, given the function indices of the module's rank1 and rank1skip. */
export function sparseStepBody(rank1: number, rank1Skip: number): Code {
  return [
    3, 7, I32, 7, F64, 7, V128,
    ...get(P.D), ...i32(3), I32_SHL, ...set(X.DB),
    ...V128_CONST, ...new Array<number>(16).fill(0), ...set(X.ZERO),
    // A += s·xxᵀ, b += s·r·x, pred = θᵀx; or pred as given
    ...get(P.PRE), IF, VOID,
    ...get(P.S), ...get(P.RW), F64_MUL, ...set(X.SR),
    ...f64(0), ...set(X.PR),
    ...addOuter,
    ...bAndPred,
    ELSE,
    ...get(P.PRED), ...set(X.PR),
    END,
    // u = A⁻¹x
    ...[0, 1, 2, 3].flatMap((k) => [...row(P.M, k), ...set(X.R + k), ...get(P.V + k), ...F64X2_SPLAT, ...set(X.VV + k)]),
    ...i32(0), ...set(X.J),
    ...lanes(X.J, X.DB, solveVec, solveOne),
    ...f64(0), ...set(X.Q),
    ...qTerm(0),
    ...ifThen(has(1), qTerm(1)),
    ...ifThen(has(2), qTerm(2)),
    ...ifThen(has(3), qTerm(3)),
    // c = s/(1 + s·q), cu = c·u
    ...get(P.S), ...denom, F64_DIV, ...set(X.C),
    ...get(X.C), ...F64X2_SPLAT, ...set(X.VC),
    ...i32(0), ...set(X.ANY),
    ...i32(0), ...set(X.J),
    ...lanes(X.J, X.DB, cuVec, cuOne),
    // where some c·u_i is 0 the variant that leaves the entries the scalar loop skips
    ...get(X.ANY), IF, VOID, ...rankArgs, CALL, rank1Skip, ELSE, ...rankArgs, CALL, rank1, END,
    // g = s·(r − pred)/(1 + s·q), θ += g·u
    ...get(P.S), ...get(P.RW), ...get(X.PR), F64_SUB, F64_MUL, ...denom, F64_DIV, ...set(X.G),
    ...get(X.G), ...F64X2_SPLAT, ...set(X.VG),
    ...i32(0), ...set(X.J),
    ...lanes(X.J, X.DB, thetaVec, thetaOne),
    END,
  ];
}

/** The function type of `step` (parameters above, no result). */
export const SPARSE_STEP_TYPE = [0x60, 20, ...new Array<number>(13).fill(I32), F64, F64, F64, F64, F64, F64, F64, 0];

/** Numeric routines of the built-in pool generator: a bracketing root finder, the normal CDF and a median. */

/**
 * Root of a non-decreasing f on [lo, hi] by false position with the Illinois step (bracketing, so it also copes
 * with the step functions that token rounding produces). Stops once |f| ≤ fTol; returns the best point seen.
 */
export function solveIncreasing(f: (x: number) => number, lo: number, hi: number, fTol: number): number {
  let flo = f(lo);
  let fhi = f(hi);
  if (flo >= 0) return lo;
  if (fhi <= 0) return hi;
  let best = Math.abs(flo) < Math.abs(fhi) ? lo : hi;
  let bestF = Math.min(Math.abs(flo), Math.abs(fhi));
  let side = 0;
  for (let it = 0; it < 200; it++) {
    let x = (lo * fhi - hi * flo) / (fhi - flo);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    const fx = f(x);
    if (Math.abs(fx) < bestF) {
      best = x;
      bestF = Math.abs(fx);
    }
    if (bestF <= fTol || hi - lo <= 1e-12 * Math.max(1, Math.abs(hi))) break;
    if (fx < 0) {
      lo = x;
      flo = fx;
      if (side === -1) fhi /= 2;
      side = -1;
    } else {
      hi = x;
      fhi = fx;
      if (side === 1) flo /= 2;
      side = 1;
    }
  }
  return best;
}

export function meanPhi(u: Float64Array, scale: number, offset: number): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += phi(scale * u[i] + offset);
  return s / u.length;
}

/** Standard normal CDF via erfc (Chebyshev fit of Numerical Recipes §6.2, fractional error < 1.2e-7). */
export function phi(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Median (mean of the two middle values for even n); reorders `a` in place. */
export function median(a: Float64Array): number {
  const n = a.length;
  const k = (n - 1) >> 1;
  select(a, k);
  if (n % 2 === 1) return a[k];
  let next = Infinity;
  for (let i = k + 1; i < n; i++) if (a[i] < next) next = a[i];
  return 0.5 * (a[k] + next);
}

/** Quickselect: afterwards a[k] is the k-th smallest, a[0..k) ≤ a[k] ≤ a(k..n). */
function select(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // median-of-three pivot keeps near-sorted input linear
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

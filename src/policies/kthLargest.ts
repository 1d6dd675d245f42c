/**
 * The k-th largest of a run of similarities, for the exact neighbour search of knn (docs/model.md §5.9).
 * Cosine similarities lie in [−1, 1], so a histogram finds the bin that holds the k-th largest in one pass, and
 * a second pass keeps only that bin's values for an exact selection: the same value as a heap over all of
 * them (the k-th order statistic is one number), at a fraction of the work when k is large.
 */

/** Bins of the histogram over [−1, 1]. */
const BINS = 1024;
const counts = new Int32Array(BINS);
let bucket = new Float64Array(1024);

/** Histogram bin of x: non-decreasing in x, values outside [−1, 1] (round-off) in the end bins. */
function binOf(x: number): number {
  const t = (x + 1) * (BINS / 2);
  return t <= 0 ? 0 : t >= BINS - 1 ? BINS - 1 : t | 0;
}

/** The k-th largest of v[lo..hi); −∞ when there are at most k values. */
export function kthLargest(v: ArrayLike<number>, lo: number, hi: number, k: number, heap: Float64Array): number {
  const n = hi - lo;
  if (n <= k) return -Infinity;
  if (k <= 16 || n < 512) return heapKth(v, lo, hi, k, heap);
  counts.fill(0);
  for (let i = lo; i < hi; i++) {
    const x = v[i];
    // NaN has no place in the order: the heap's own rule decides then
    if (x !== x) return heapKth(v, lo, hi, k, heap);
    counts[binOf(x)]++;
  }
  let above = 0;
  let b = BINS - 1;
  while (above + counts[b] < k) above += counts[b--];
  const m = counts[b];
  if (bucket.length < m) bucket = new Float64Array(Math.max(m, 2 * bucket.length));
  let j = 0;
  for (let i = lo; i < hi; i++) if (binOf(v[i]) === b) bucket[j++] = v[i];
  // the (k − above)-th largest of that bin
  const need = k - above;
  if (need < m) return heapKth(bucket, 0, m, need, heap);
  let least = bucket[0];
  for (let i = 1; i < m; i++) if (bucket[i] < least) least = bucket[i];
  return least;
}

/** The k-th largest of v[lo..hi) (a min-heap of the k best so far); −∞ when there are at most k values. */
export function heapKth(v: ArrayLike<number>, lo: number, hi: number, k: number, heap: Float64Array): number {
  if (hi - lo <= k) return -Infinity;
  let size = 0;
  for (let i = lo; i < hi; i++) {
    const s = v[i];
    if (size < k) {
      // sift up
      let c = size++;
      while (c > 0) {
        const par = (c - 1) >> 1;
        if (heap[par] <= s) break;
        heap[c] = heap[par];
        c = par;
      }
      heap[c] = s;
    } else if (s > heap[0]) {
      // replace the root, sift down
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= k) break;
        const r = l + 1;
        const ch = r < k && heap[r] < heap[l] ? r : l;
        if (heap[ch] >= s) break;
        heap[c] = heap[ch];
        c = ch;
      }
      heap[c] = s;
    }
  }
  return heap[0];
}

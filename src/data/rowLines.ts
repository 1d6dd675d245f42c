/**
 * Row numbers → line numbers of a table being read (for messages), kept small.
 */
import { GrowI32 } from './grow.js';

/**
 * The line of each row, kept as runs: rows mostly follow one another a line apart, so a run (first row,
 * line − row) is stored only where that difference changes. Where runs are short (records spanning
 * lines, blank lines) it keeps every row's line instead, as a plain column.
 */
export class RowLines {
  private starts = new GrowI32(16);
  private deltas = new GrowI32(16);
  private dense: GrowI32 | null = null;
  private n = 0;

  push(line: number): void {
    if (this.dense) {
      this.dense.push(line);
      return;
    }
    const d = line - this.n;
    const runs = this.deltas.n;
    if (runs === 0 || this.deltas.a[runs - 1] !== d) {
      if (runs >= 1024 && runs > this.n >> 3) {
        // more than one run in eight rows: a line per row is cheaper
        const dense = new GrowI32(this.n + 1024);
        for (let r = 0; r < this.n; r++) dense.push(this.at(r));
        dense.push(line);
        this.starts.release();
        this.deltas.release();
        this.dense = dense;
        return;
      }
      this.starts.push(this.n);
      this.deltas.push(d);
    }
    this.n++;
  }

  at(r: number): number {
    if (this.dense) return this.dense.a[r];
    // the last run starting at or before r
    const s = this.starts.a;
    let lo = 0;
    let hi = this.starts.n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= r) lo = mid;
      else hi = mid - 1;
    }
    return r + this.deltas.a[lo];
  }

  release(): void {
    this.starts.release();
    this.deltas.release();
    this.dense?.release();
    this.dense = null;
    this.n = 0;
  }
}

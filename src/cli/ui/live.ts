/**
 * Live view of a running simulation or experiment: per policy progress, running mean final regret and the
 * most chosen models, with an overall ETA. An ink dashboard on a terminal; plain progress lines otherwise.
 */
export interface LiveRow {
  label: string;
  done: number;
  total: number;
  regretSum: number;
  selection: Map<string, number>;
}

export interface LiveSnapshot {
  title: string;
  rows: LiveRow[];
  done: number;
  total: number;
  elapsedMs: number;
}

/** Accumulates progress events; the views read snapshots of it. */
export class LiveStore {
  private readonly rows = new Map<string, LiveRow>();
  private doneAll = 0;
  private readonly start = Date.now();

  constructor(
    readonly title: string,
    private readonly totalAll: number,
    perLabel: Map<string, number>,
  ) {
    for (const [label, total] of perLabel) this.rows.set(label, { label, done: 0, total, regretSum: 0, selection: new Map() });
  }

  record(label: string, finalRegret: number, selection: Float64Array, modelIds: readonly string[]): void {
    const row = this.rows.get(label);
    this.doneAll++;
    if (!row) return;
    row.done++;
    row.regretSum += finalRegret;
    selection.forEach((n, m) => {
      if (n > 0) row.selection.set(modelIds[m], (row.selection.get(modelIds[m]) ?? 0) + n);
    });
  }

  snapshot(now = Date.now()): LiveSnapshot {
    return { title: this.title, rows: [...this.rows.values()], done: this.doneAll, total: this.totalAll, elapsedMs: now - this.start };
  }
}

export function bar(frac: number, width: number): string {
  const n = Math.round(Math.max(0, Math.min(1, frac)) * width);
  return '█'.repeat(n) + '░'.repeat(width - n);
}

export function formatEta(s: LiveSnapshot): string {
  if (s.done === 0) return 'ETA –';
  if (s.done >= s.total) return `done in ${(s.elapsedMs / 1000).toFixed(1)} s`;
  const rest = (s.elapsedMs / s.done) * (s.total - s.done);
  return `ETA ${(rest / 1000).toFixed(1)} s`;
}

export function topModels(sel: Map<string, number>, k: number): string {
  const total = [...sel.values()].reduce((a, b) => a + b, 0);
  if (!total) return '';
  return [...sel.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([id, n]) => `${id} ${Math.round((100 * n) / total)}%`)
    .join(', ');
}

/** Plain progress lines (no terminal): one line per 10% of the work. */
export class LineProgress {
  private last = -1;
  constructor(
    private readonly store: LiveStore,
    private readonly write: (s: string) => void,
  ) {}

  update(): void {
    const s = this.store.snapshot();
    const pct = Math.floor((100 * s.done) / Math.max(1, s.total));
    if (pct >= this.last + 10 || s.done === s.total) {
      this.last = pct;
      this.write(`${s.title}: ${s.done}/${s.total} replays (${pct}%) · ${formatEta(s)}\n`);
    }
  }

  stop(): void {}
}

/** The ink dashboard, redrawn at most ten times a second. */
export class InkProgress {
  private instance: { rerender(el: unknown): void; unmount(): void } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;

  private constructor(
    private readonly store: LiveStore,
    private readonly mod: typeof import('./dashboard.js'),
  ) {}

  static async start(store: LiveStore, stream: NodeJS.WriteStream): Promise<InkProgress> {
    const mod = await import('./dashboard.js');
    const p = new InkProgress(store, mod);
    p.instance = mod.mount(store.snapshot(), stream);
    p.timer = setInterval(() => p.flush(), 100);
    return p;
  }

  update(): void {
    this.dirty = true;
  }

  private flush(): void {
    if (!this.dirty || !this.instance) return;
    this.dirty = false;
    this.instance.rerender(this.mod.element(this.store.snapshot()));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.dirty = true;
    this.flush();
    this.instance?.unmount();
    this.instance = null;
  }
}

export type Progress = LineProgress | InkProgress;

/** Dashboard on a terminal (unless disabled), plain lines otherwise, or nothing. */
export async function startProgress(store: LiveStore, opts: { ui: boolean; progress: boolean; linesWithoutTty: boolean }): Promise<Progress | null> {
  if (!opts.progress) return null;
  const tty = process.stderr.isTTY === true;
  if (tty && opts.ui) return InkProgress.start(store, process.stderr);
  if (!tty && !opts.linesWithoutTty) return null;
  return new LineProgress(store, (s) => process.stderr.write(s));
}

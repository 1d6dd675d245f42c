/**
 * Live view of a running simulation or experiment: per policy progress, running mean final regret (per λ
 * cell for sweeps) and the most chosen models, with an overall ETA. An ink dashboard on a terminal; plain
 * progress lines otherwise.
 */
import { finalLine, formatEta, plural, type LiveRow, type LiveSnapshot } from './layout.js';

export { bar, formatEta, topModels, type LiveRow, type LiveSnapshot } from './layout.js';

/** Accumulates progress events; the views read snapshots of it. */
export class LiveStore {
  private readonly rows = new Map<string, LiveRow>();
  private doneAll = 0;
  private readonly start = Date.now();
  private replaysEnd: number | null = null;
  private phaseText: string | null = null;

  constructor(
    readonly title: string,
    private readonly totalAll: number,
    perLabel: Map<string, number>,
    /** Rows show the regret of their current group under this name (e.g. 'λ' for a sweep). */
    private readonly groupName: string | null = null,
  ) {
    for (const [label, total] of perLabel) this.rows.set(label, { label, done: 0, total, regretSum: 0, selection: new Map(), groups: new Map(), lastGroup: null });
  }

  record(label: string, finalRegret: number, selection: Float64Array, modelIds: readonly string[], group?: string): void {
    const row = this.rows.get(label);
    this.doneAll++;
    if (this.doneAll >= this.totalAll && this.replaysEnd === null) this.replaysEnd = Date.now();
    if (!row) return;
    row.done++;
    row.regretSum += finalRegret;
    if (group !== undefined) {
      const g = row.groups.get(group) ?? { n: 0, regretSum: 0 };
      g.n++;
      g.regretSum += finalRegret;
      row.groups.set(group, g);
      row.lastGroup = group;
    }
    selection.forEach((n, m) => {
      if (n > 0) row.selection.set(modelIds[m], (row.selection.get(modelIds[m]) ?? 0) + n);
    });
  }

  /** What runs after the replays (shown in the header), or null. */
  setPhase(text: string | null): void {
    this.phaseText = text;
  }

  snapshot(now = Date.now()): LiveSnapshot {
    return {
      title: this.title,
      rows: [...this.rows.values()],
      done: this.doneAll,
      total: this.totalAll,
      elapsedMs: now - this.start,
      replaysMs: this.replaysEnd === null ? null : this.replaysEnd - this.start,
      phase: this.phaseText,
      groupName: this.groupName,
    };
  }
}

/** Plain progress lines (no terminal): one line per 10% of the work, and one per phase. */
export class LineProgress {
  private last = -1;
  private lastPhase: string | null = null;
  constructor(
    private readonly store: LiveStore,
    private readonly write: (s: string) => void,
  ) {}

  update(): void {
    const s = this.store.snapshot();
    const pct = Math.floor((100 * s.done) / Math.max(1, s.total));
    if (pct >= this.last + 10 || (s.done === s.total && this.last < 100)) {
      this.last = pct;
      this.write(`${s.title}: ${s.done}/${plural(s.total, 'replay')} (${pct}%) · ${formatEta(s)}\n`);
    }
  }

  async phase(text: string): Promise<void> {
    this.store.setPhase(text);
    if (text !== this.lastPhase) this.write(`${this.store.title}: ${text}\n`);
    this.lastPhase = text;
  }

  stop(_summary = true): void {}
}

/** The ink dashboard, redrawn ten times a second (the clock moves even between replays). */
export class InkProgress {
  private instance: { rerender(el: unknown): void; unmount(): void } | null = null;
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly store: LiveStore,
    private readonly mod: typeof import('./dashboard.js'),
    private readonly stream: NodeJS.WriteStream,
  ) {}

  static async start(store: LiveStore, stream: NodeJS.WriteStream): Promise<InkProgress> {
    const mod = await import('./dashboard.js');
    const p = new InkProgress(store, mod, stream);
    p.instance = mod.mount(p.element(), stream);
    p.timer = setInterval(() => p.flush(), 100);
    return p;
  }

  private element(): unknown {
    return this.mod.element(this.store.snapshot(), this.stream.columns ?? 80, this.stream.rows ?? 24);
  }

  update(): void {}

  private flush(): void {
    this.instance?.rerender(this.element());
  }

  /** Show what runs now, and give the terminal a moment to draw it before work that blocks. */
  async phase(text: string): Promise<void> {
    this.store.setPhase(text);
    this.flush();
    await new Promise((r) => setTimeout(r, 40));
  }

  /** End the display: one summary line in its place, or nothing (`summary` false, e.g. on Ctrl-C). */
  stop(summary = true): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.instance) return;
    const s = this.store.snapshot();
    this.instance.rerender(summary ? this.mod.textElement(finalLine(s, this.stream.columns ?? 80)) : this.mod.textElement(''));
    this.instance.unmount();
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

/**
 * Live view of a running simulation or experiment: per policy progress, running mean final regret (per λ
 * cell for sweeps) and the most chosen models, with an overall ETA. An ink dashboard on a terminal; plain
 * progress lines otherwise.
 */
import { dashboardLines, finalLine, formatEta, type LiveRow, type LiveSnapshot } from './layout.js';
import { plural } from '../../report/terminalTable.js';

/** Accumulates progress events; the views read snapshots of it. */
export class LiveStore {
  private readonly rows = new Map<string, LiveRow>();
  private doneAll = 0;
  private readonly start = Date.now();
  private replaysEnd: number | null = null;
  private firstEnd: number | null = null;
  private phaseText: string | null = null;
  private keptAll = 0;

  constructor(
    readonly title: string,
    private readonly totalAll: number,
    perLabel: Map<string, number>,
    /** Rows show the regret of their current group under this name (e.g. 'λ' for a sweep). */
    private readonly groupName: string | null = null,
  ) {
    for (const [label, total] of perLabel) this.rows.set(label, { label, done: 0, total, regretSum: 0, selection: new Map(), groups: new Map(), lastGroup: null });
  }

  /** `kept`: a replay an interrupted run finished, shown but not timed (it took no time in this run). */
  record(label: string, finalRegret: number, selection: Float64Array, modelIds: readonly string[], group?: string, kept = false): void {
    const row = this.rows.get(label);
    this.doneAll++;
    if (kept) this.keptAll++;
    else if (this.firstEnd === null) this.firstEnd = Date.now();
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
      firstMs: this.firstEnd === null ? null : this.firstEnd - this.start,
      phase: this.phaseText,
      groupName: this.groupName,
      kept: this.keptAll,
    };
  }
}

/**
 * Plain progress lines (no terminal, or one that cannot redraw): a line per 10% of the work, at most one every
 * `gapMs` so a quick run is not a screenful of them, the last one always; and one per phase.
 */
export class LineProgress {
  private last = 0;
  private lastAt = -Infinity;
  private lastPhase: string | null = null;
  constructor(
    private readonly store: LiveStore,
    private readonly write: (s: string) => void,
    private readonly gapMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  update(): void {
    const s = this.store.snapshot();
    const pct = Math.floor((100 * s.done) / Math.max(1, s.total));
    const end = s.done >= s.total && this.last < 100;
    if (end || (pct >= this.last + 10 && this.now() - this.lastAt >= this.gapMs)) {
      this.last = end ? 100 : pct;
      this.lastAt = this.now();
      this.write(`${s.title}: ${s.done}/${plural(s.total, 'replay')} (${pct}%) · ${formatEta(s)}\n`);
    }
  }

  async phase(text: string): Promise<void> {
    this.store.setPhase(text);
    if (text !== this.lastPhase) this.write(`${this.store.title}: ${text}\n`);
    this.lastPhase = text;
  }

  private stopped = false;

  /** The summary the dashboard leaves (`summary` false, e.g. on Ctrl-C: none), once. */
  stop(summary = true): void {
    if (summary && !this.stopped) this.write(`${finalLine(this.store.snapshot(), Infinity)}\n`);
    this.stopped = true;
  }
}

/**
 * Whether the terminal can take the redrawn dashboard: not TERM=dumb (no cursor movement), and not under CI,
 * where ink draws nothing until the end (a blank screen for the whole run).
 */
export function redrawSupported(env: NodeJS.ProcessEnv): boolean {
  const set = (k: string): boolean => env[k] !== undefined && env[k] !== '0' && env[k] !== 'false';
  return env.TERM !== 'dumb' && !set('CI') && !set('CONTINUOUS_INTEGRATION');
}

/** NO_COLOR (any non-empty value, no-color.org): the dashboard without colour or dimming. */
export const noColor = (env: NodeJS.ProcessEnv): boolean => (env.NO_COLOR ?? '') !== '';

/**
 * Rows a frame of lines of these lengths takes once a terminal that reflows (tmux, VTE, iTerm2, kitty…) has
 * narrowed to `columns`: every line wider than the window now wraps.
 */
export function reflowedRows(lengths: readonly number[], columns: number): number {
  return lengths.reduce((n, l) => n + Math.max(1, Math.ceil(l / Math.max(1, columns))), 0);
}

/** The ink dashboard, redrawn ten times a second (the clock moves even between replays). */
export class InkProgress {
  private instance: import('./dashboard.js').Mounted | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Lengths of the lines last drawn, and the width they were drawn for. */
  private drawn: number[] = [];
  private drawnFor = 0;
  private readonly plain = noColor(process.env);

  private constructor(
    private readonly store: LiveStore,
    private readonly mod: typeof import('./dashboard.js'),
    private readonly stream: NodeJS.WriteStream,
  ) {}

  static async start(store: LiveStore, stream: NodeJS.WriteStream): Promise<InkProgress> {
    const mod = await import('./dashboard.js');
    const p = new InkProgress(store, mod, stream);
    // before ink's own handler, which erases only as many rows as it drew
    stream.prependListener('resize', p.beforeResize);
    p.instance = mod.mount(p.element(), stream);
    // after it: redraw at once for the new size rather than show the old layout cut
    stream.on('resize', p.afterResize);
    p.timer = setInterval(() => p.flush(), 100);
    return p;
  }

  private element(): unknown {
    const cols = this.stream.columns ?? 80;
    const lines = dashboardLines(this.store.snapshot(), cols, this.stream.rows ?? 24);
    this.drawn = lines.map((l) => l.reduce((n, seg) => n + seg.text.length, 0));
    this.drawnFor = cols;
    return this.mod.element(lines, this.plain);
  }

  /**
   * A narrower window re-wraps the lines already drawn, so the frame takes more rows than ink erases and stale
   * copies stay above the new one. Clear from the frame's first row down, then leave the cursor as many rows
   * below it as ink moves up, so ink's own erase ends on that first row.
   */
  private readonly beforeResize = (): void => {
    const cols = this.stream.columns ?? 80;
    if (!this.instance || cols >= this.drawnFor) return;
    const rows = reflowedRows(this.drawn, cols);
    const n = this.drawn.length;
    this.stream.write(`\x1b[${rows}A\r\x1b[J${n > 0 ? `\x1b[${n}B` : ''}`);
  };

  private readonly afterResize = (): void => this.flush();

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

  /**
   * End the display: one summary line in its place, or nothing (`summary` false, e.g. on Ctrl-C), the cursor
   * then on the dashboard's first row rather than under an empty line.
   */
  stop(summary = true): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stream.off('resize', this.beforeResize);
    this.stream.off('resize', this.afterResize);
    if (!this.instance) return;
    const s = this.store.snapshot();
    this.instance.rerender(this.mod.textElement(summary ? finalLine(s, this.stream.columns ?? 80) : ''));
    this.instance.unmount();
    this.instance = null;
    // an empty frame is drawn as one blank line: go back up onto it
    if (!summary) this.stream.write('\x1b[1A');
  }
}

export type Progress = LineProgress | InkProgress;

/** Dashboard on a terminal (unless disabled), plain lines otherwise, or nothing. */
export async function startProgress(store: LiveStore, opts: { ui: boolean; progress: boolean; linesWithoutTty: boolean }): Promise<Progress | null> {
  if (!opts.progress) return null;
  const tty = process.stderr.isTTY === true;
  if (tty && opts.ui && redrawSupported(process.env)) return InkProgress.start(store, process.stderr);
  // a terminal that cannot redraw gets the plain lines
  if (tty && opts.ui) return new LineProgress(store, (s) => process.stderr.write(s));
  if (!tty && !opts.linesWithoutTty) return null;
  return new LineProgress(store, (s) => process.stderr.write(s));
}

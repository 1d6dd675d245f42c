/**
 * Worker processes for the fuzzer. Each input is loaded in a child process so that a hung load can be killed,
 * a heap blow-up hits the child's own heap limit, and a crash — including V8's fatal errors, which take down
 * every thread of a process — costs only that child, which is then replaced.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError, runCase, DEFAULT_LIMITS, type Executor, type FailureReason, type FuzzCase, type Limits, type Outcome } from './harness.js';

type Failure = Extract<Outcome, { kind: 'failure' }>;

type FromChild = { type: 'result'; index: number; outcome: Outcome } | { type: 'stray'; index: number; reason: FailureReason; detail: string };

interface ChildInit {
  dir: string;
  limits: Limits;
}

const CHILD_ENV = 'GREENSERV_FUZZ_CHILD';

// ---- child side ---------------------------------------------------------------------------------------------

if (process.env[CHILD_ENV] && process.send) {
  const { dir, limits } = JSON.parse(process.env[CHILD_ENV]) as ChildInit;
  const send = (m: FromChild): void => {
    process.send!(m);
  };
  let current = -1;
  let last = -1;
  process.on('unhandledRejection', (reason) => {
    send({ type: 'stray', index: current >= 0 ? current : last, reason: 'unhandled-rejection', detail: describeError(reason) });
  });
  process.on('uncaughtException', (err) => {
    send({ type: 'stray', index: current >= 0 ? current : last, reason: 'crash', detail: `uncaught exception: ${describeError(err)}` });
    // State after an uncaught exception is unknown: let the parent start a fresh child.
    setImmediate(() => process.exit(70));
  });
  process.on('disconnect', () => process.exit(0));
  process.on('message', (c: FuzzCase) => {
    current = c.index;
    void runCase(dir, c, limits).then((outcome) => {
      // Give rejections left behind by this load a turn to surface before the result is reported.
      setImmediate(() =>
        setImmediate(() => {
          current = -1;
          last = c.index;
          send({ type: 'result', index: c.index, outcome });
        }),
      );
    });
  });
}

// ---- parent side ----------------------------------------------------------------------------------------------

interface Pending {
  c: FuzzCase;
  resolve: (o: Outcome) => void;
  timer: NodeJS.Timeout;
  stray: Failure | null;
  /** The child's resident memory when the input was sent. */
  baseRss: number;
}

interface Slot {
  child: ChildProcess;
  pending: Pending | null;
  last: FuzzCase | null;
  /** The tail of the child's stderr (V8 prints fatal errors there). */
  stderr: string;
  /** Set once the child was stopped on purpose or replaced. */
  retired: boolean;
}

/** Resident memory of a process in bytes, where the system exposes it (Linux); NaN elsewhere. */
function rssOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1]);
    return pages * 4096;
  } catch {
    return Number.NaN;
  }
}

const MiB = 2 ** 20;

/**
 * Why a child's memory breaks the limits while an input loads, or null. One input may grow the child by
 * `memoryLimitMb`; the child as a whole may not pass twice that plus 256 MiB (its heap limit plus room for
 * native buffers, which the heap limit does not cover).
 */
export function memoryBreach(baseRss: number, rss: number, limits: Limits): string | null {
  if (!Number.isFinite(rss)) return null;
  if (Number.isFinite(baseRss) && rss - baseRss > limits.memoryLimitMb * MiB) {
    return `this input grew the child's memory by ${Math.round((rss - baseRss) / MiB)} MiB (limit ${limits.memoryLimitMb} MiB per input)`;
  }
  const total = 2 * limits.memoryLimitMb + 256;
  if (rss > total * MiB) return `child memory reached ${Math.round(rss / MiB)} MiB while this input was loading (limit ${total} MiB)`;
  return null;
}

/** A child that holds more than this between inputs is replaced, so that one input's leftovers do not count against the next. */
export const recycleAbove = (limits: Limits): number => (limits.memoryLimitMb + 256) * MiB;

export class WorkerExecutor implements Executor {
  readonly slots: number;
  private readonly dir = mkdtempSync(join(tmpdir(), 'greenserv-fuzz-'));
  private readonly pool: Slot[] = [];
  private readonly watchdog: NodeJS.Timeout;
  /** Failures reported by a child after the case's result was already delivered. */
  onLate?: (c: FuzzCase, o: Failure) => void;

  constructor(
    jobs: number,
    private readonly limits: Limits = DEFAULT_LIMITS,
  ) {
    this.slots = Math.max(1, jobs);
    for (let i = 0; i < this.slots; i++) this.pool.push(this.spawn());
    // Native allocations (array buffers) are outside the heap limit: watch each child's resident memory too.
    this.watchdog = setInterval(() => this.checkRss(), 50);
    this.watchdog.unref();
  }

  private spawn(): Slot {
    const init: ChildInit = { dir: this.dir, limits: this.limits };
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, [CHILD_ENV]: JSON.stringify(init) },
      execArgv: [`--max-old-space-size=${this.limits.memoryLimitMb * 2}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const slot: Slot = { child, pending: null, last: null, stderr: '', retired: false };
    child.stderr!.on('data', (d: Buffer) => (slot.stderr = (slot.stderr + d.toString('utf8')).slice(-4000)));
    child.on('message', (m: FromChild) => this.onMessage(slot, m));
    child.on('error', (err) => this.fail(slot, 'crash', `child process error: ${describeError(err)}`));
    child.on('exit', (code, signal) => {
      if (slot.retired) return;
      // Let the last of stderr arrive before reading why the child died.
      setTimeout(() => {
        const tail = slot.stderr.trim().split('\n').filter((l) => l.trim() && !/^#\s*$/.test(l)).slice(0, 6).join(' | ');
        const oom = /heap out of memory|invalid size error|Invalid table size|allocation failed/i.test(slot.stderr);
        this.fail(slot, oom ? 'memory' : 'crash', `child exited (code ${code}, signal ${signal})${tail ? `: ${tail}` : ''}`);
      }, 20);
    });
    return slot;
  }

  private onMessage(slot: Slot, m: FromChild): void {
    const p = slot.pending;
    if (m.type === 'result') {
      if (!p || p.c.index !== m.index) return;
      clearTimeout(p.timer);
      slot.pending = null;
      slot.last = p.c;
      p.resolve(p.stray ?? m.outcome);
      return;
    }
    const failure: Failure = { kind: 'failure', reason: m.reason, detail: m.detail };
    if (p && p.c.index === m.index) p.stray = failure;
    else if (slot.last && slot.last.index === m.index) this.onLate?.(slot.last, failure);
  }

  /** Resolve the slot's pending case as a failure and replace its child. */
  private fail(slot: Slot, reason: FailureReason, detail: string): void {
    if (slot.retired) return;
    slot.retired = true;
    const p = slot.pending;
    slot.pending = null;
    slot.child.kill('SIGKILL');
    const i = this.pool.indexOf(slot);
    if (i >= 0) this.pool[i] = this.spawn();
    if (p) {
      clearTimeout(p.timer);
      p.resolve(p.stray ?? { kind: 'failure', reason, detail });
    }
  }

  private checkRss(): void {
    for (const slot of [...this.pool]) {
      if (!slot.pending) continue;
      const breach = memoryBreach(slot.pending.baseRss, rssOf(slot.child.pid), this.limits);
      if (breach) this.fail(slot, 'memory', breach);
    }
  }

  run(c: FuzzCase): Promise<Outcome> {
    let slot = this.pool.find((s) => !s.pending && !s.retired);
    if (!slot) return Promise.reject(new Error('no idle fuzz worker'));
    if (rssOf(slot.child.pid) > recycleAbove(this.limits)) {
      slot.retired = true;
      slot.child.kill('SIGKILL');
      const fresh = this.spawn();
      this.pool[this.pool.indexOf(slot)] = fresh;
      slot = fresh;
    }
    const s = slot;
    // A new child is still loading its modules: only the overall limit applies to its first input.
    const baseRss = s.last ? rssOf(s.child.pid) : Number.NaN;
    return new Promise<Outcome>((resolve) => {
      // The first case of a child also pays for loading the modules.
      const limit = this.limits.timeoutMs + (s.last ? 0 : 5000);
      // When this process was itself busy (making a large input), timers run before waiting messages are
      // read: give the child's result one turn of I/O before calling the case a hang.
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            if (s.pending === pending) this.fail(s, 'hang', `no result after ${this.limits.timeoutMs} ms`);
          }),
        limit,
      );
      const pending: Pending = { c, resolve, timer, stray: null, baseRss };
      s.pending = pending;
      s.child.send(c);
    });
  }


  async close(): Promise<void> {
    clearInterval(this.watchdog);
    for (const s of this.pool) {
      s.retired = true;
      s.child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

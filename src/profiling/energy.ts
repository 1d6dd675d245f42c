/**
 * Energy meters and per-request attribution for live profiling.
 *
 * - `nvml`: NVIDIA GPUs through `nvidia-smi` streaming samples (`-lms`). Uses the driver's cumulative
 *   `total_energy_consumption` counter (mJ, Volta and newer) when the GPU reports it; otherwise integrates
 *   `power.draw` samples (trapezoid rule) at ≥ 10 Hz.
 * - `rapl`: Intel/AMD CPU package (+ DRAM) energy from the Linux powercap `energy_uj` counters, with counter
 *   wrap-around at `max_energy_range_uj`.
 * - `none`: no measurement; energy is left empty (or estimated with --estimate-energy).
 *
 * Attribution: the meter is read at every request start and end and on a timer; the energy of each interval
 * between two readings is split equally among the requests in flight during it (idle intervals belong to
 * nobody). With concurrency 1 a request gets exactly the energy of its window.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export type MeterKind = 'nvml' | 'rapl' | 'none';
export const METER_KINDS: readonly MeterKind[] = ['nvml', 'rapl', 'none'];

/** The meter cannot run here (no tool, no device, no permission); the message says why and what to do. */
export class MeterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeterUnavailableError';
  }
}

export interface EnergyMeter {
  readonly kind: MeterKind;
  /** What is measured, e.g. "nvidia-smi total_energy_consumption counter, GPU 0 (NVIDIA A100)". */
  describe(): string;
  /** Check availability and begin sampling; throws MeterUnavailableError. */
  start(): Promise<void>;
  /** Cumulative joules since start, at this instant. */
  read(): number;
  /** Set when the meter broke while running (e.g. nvidia-smi exited). */
  readonly failure: string | null;
  stop(): Promise<void>;
  /** Notes for the run log (sampling rate achieved, counters used…). */
  notes(): string[];
}

const nowS = (): number => performance.now() / 1000;

// ---- none ---------------------------------------------------------------------------------------------------

export class NoMeter implements EnergyMeter {
  readonly kind = 'none' as const;
  readonly failure = null;
  describe(): string {
    return 'no energy meter';
  }
  async start(): Promise<void> {}
  read(): number {
    return Number.NaN;
  }
  async stop(): Promise<void> {}
  notes(): string[] {
    return [];
  }
}

// ---- RAPL / powercap ---------------------------------------------------------------------------------------------

export const DEFAULT_POWERCAP_DIR = '/sys/class/powercap';

interface RaplZone {
  path: string;
  name: string;
  maxRangeUj: number;
  lastUj: number;
  totalUj: number;
}

export interface RaplOptions {
  /** Powercap root; default $GREENSERV_POWERCAP_DIR or /sys/class/powercap. */
  dir?: string;
}

function readTrim(p: string): string {
  return readFileSync(p, 'utf8').trim();
}

export class RaplMeter implements EnergyMeter {
  readonly kind = 'rapl' as const;
  readonly failure: string | null = null;
  readonly dir: string;
  private zones: RaplZone[] = [];
  private wraps = 0;

  constructor(o: RaplOptions = {}) {
    this.dir = o.dir ?? process.env.GREENSERV_POWERCAP_DIR ?? DEFAULT_POWERCAP_DIR;
  }

  describe(): string {
    return `RAPL powercap counters ${this.zones.map((z) => `${z.name} (${z.path})`).join(', ')}`;
  }

  /** Top-level packages (not psys, which overlaps them) and DRAM sub-zones. */
  private discover(): { path: string; name: string }[] {
    if (!existsSync(this.dir)) {
      throw new MeterUnavailableError(`RAPL: ${this.dir} does not exist (powercap needs Linux with the intel_rapl driver; most VMs and containers have none)`);
    }
    const out: { path: string; name: string }[] = [];
    const entries = readdirSync(this.dir).filter((e) => /^(intel|amd)-rapl:\d+$/.test(e)).sort();
    for (const e of entries) {
      const p = join(this.dir, e);
      const name = existsSync(join(p, 'name')) ? readTrim(join(p, 'name')) : e;
      if (!name.startsWith('psys')) out.push({ path: p, name });
      for (const sub of readdirSync(p).filter((s) => new RegExp(`^${e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+$`).test(s)).sort()) {
        const sp = join(p, sub);
        const sn = existsSync(join(sp, 'name')) ? readTrim(join(sp, 'name')) : sub;
        if (sn === 'dram') out.push({ path: sp, name: `${name}/dram` });
      }
    }
    if (out.length === 0) throw new MeterUnavailableError(`RAPL: no package zones (intel-rapl:N) under ${this.dir}`);
    return out;
  }

  private readUj(path: string): number {
    let raw: string;
    try {
      raw = readTrim(join(path, 'energy_uj'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') {
        throw new MeterUnavailableError(
          `RAPL: cannot read ${join(path, 'energy_uj')}: permission denied (the counters are root-only since Linux 5.10; ` +
            `run as root or grant read access, e.g. sudo chmod a+r ${this.dir}/intel-rapl:*/energy_uj)`,
        );
      }
      throw new MeterUnavailableError(`RAPL: cannot read ${join(path, 'energy_uj')}: ${(e as Error).message}`);
    }
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) throw new MeterUnavailableError(`RAPL: ${join(path, 'energy_uj')} holds '${raw}', not a counter value`);
    return v;
  }

  async start(): Promise<void> {
    this.zones = this.discover().map((z) => {
      const rangeFile = join(z.path, 'max_energy_range_uj');
      const maxRangeUj = existsSync(rangeFile) ? Number(readTrim(rangeFile)) : Number.NaN;
      const uj = this.readUj(z.path);
      return { path: z.path, name: z.name, maxRangeUj, lastUj: uj, totalUj: 0 };
    });
  }

  read(): number {
    let total = 0;
    for (const z of this.zones) {
      const v = this.readUj(z.path);
      let d = v - z.lastUj;
      if (d < 0) {
        // the counter wrapped at max_energy_range_uj (sampling often enough to see at most one wrap)
        d = Number.isFinite(z.maxRangeUj) && z.maxRangeUj > 0 ? z.maxRangeUj - z.lastUj + v : v;
        this.wraps++;
      }
      z.totalUj += d;
      z.lastUj = v;
      total += z.totalUj;
    }
    return total / 1e6;
  }

  async stop(): Promise<void> {}

  notes(): string[] {
    return this.wraps > 0 ? [`RAPL counters wrapped ${this.wraps} time(s) (handled)`] : [];
  }
}

// ---- NVIDIA via nvidia-smi -------------------------------------------------------------------------------------

export interface NvmlOptions {
  /** nvidia-smi executable (default: `nvidia-smi` on PATH). */
  nvidiaSmi?: string;
  /** GPU indices to measure (default: all). */
  gpus?: number[];
  /** Samples per second, ≥ 10. */
  sampleHz?: number;
  /** Ignore the energy counter and integrate power (for comparison and tests). */
  forcePower?: boolean;
}

interface GpuState {
  index: number;
  counter0mJ: number | null;
  energyJ: number;
  lastPowerW: number;
  lastT: number;
  samples: number;
}

const NA = /^\[?(N\/A|Not Supported|Unknown Error|Not Available)\]?$/i;

function parseCsvLine(line: string): string[] {
  return line.split(',').map((s) => s.trim());
}

function runOnce(bin: string, args: string[], timeoutMs = 15_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export class NvmlMeter implements EnergyMeter {
  readonly kind = 'nvml' as const;
  failure: string | null = null;
  private readonly bin: string;
  private readonly hz: number;
  private mode: 'counter' | 'power' = 'counter';
  private powerField = 'power.draw';
  private gpus: GpuState[] = [];
  private names: string[] = [];
  private proc: ChildProcessByStdio<null, Readable, Readable> | null = null;
  private buf = '';
  private startedAt = 0;
  private stopping = false;

  constructor(private readonly o: NvmlOptions = {}) {
    this.bin = o.nvidiaSmi ?? 'nvidia-smi';
    this.hz = o.sampleHz ?? 10;
  }

  describe(): string {
    const what = this.mode === 'counter' ? 'total_energy_consumption counter' : `${this.powerField} sampled at ${this.hz} Hz, integrated`;
    return `nvidia-smi ${what}, GPU ${this.gpus.map((g, i) => `${g.index}${this.names[i] ? ` (${this.names[i]})` : ''}`).join(', ')}`;
  }

  private gpuArgs(): string[] {
    return this.o.gpus && this.o.gpus.length ? ['-i', this.o.gpus.join(',')] : [];
  }

  private async probe(fields: string): Promise<string[][]> {
    let r;
    try {
      r = await runOnce(this.bin, [`--query-gpu=${fields}`, '--format=csv,noheader,nounits', ...this.gpuArgs()]);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new MeterUnavailableError(`nvml: '${this.bin}' not found on PATH (no NVIDIA driver here?)`);
      throw new MeterUnavailableError(`nvml: cannot run '${this.bin}': ${(e as Error).message}`);
    }
    if (r.code !== 0) throw new MeterUnavailableError(`nvml: '${this.bin}' failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
    const rows = r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map(parseCsvLine);
    if (rows.length === 0) throw new MeterUnavailableError(`nvml: '${this.bin}' lists no GPU`);
    return rows;
  }

  async start(): Promise<void> {
    if (!(this.hz >= 10)) throw new MeterUnavailableError(`nvml: sampling rate ${this.hz} Hz is below the 10 Hz minimum`);
    // power.draw.instant is the unaveraged reading on newer drivers; older ones only know power.draw
    let rows: string[][];
    try {
      rows = await this.probe('index,name,power.draw.instant,total_energy_consumption');
      this.powerField = 'power.draw.instant';
    } catch (e) {
      if (e instanceof MeterUnavailableError && /not (a )?valid field|Invalid field/i.test(e.message)) {
        rows = await this.probe('index,name,power.draw,total_energy_consumption');
        this.powerField = 'power.draw';
      } else {
        throw e;
      }
    }
    const counterOk = rows.every((r) => r.length >= 4 && !NA.test(r[3]) && Number.isFinite(Number(r[3])));
    const powerOk = rows.every((r) => r.length >= 3 && !NA.test(r[2]) && Number.isFinite(Number(r[2])));
    if (!counterOk && !powerOk) throw new MeterUnavailableError(`nvml: the GPU reports neither an energy counter nor power draw (${rows.map((r) => r.join(', ')).join('; ')})`);
    this.mode = counterOk && !this.o.forcePower ? 'counter' : 'power';
    this.names = rows.map((r) => r[1]);
    const t = nowS();
    this.gpus = rows.map((r) => ({
      index: Number(r[0]),
      counter0mJ: null,
      energyJ: 0,
      lastPowerW: powerOk ? Number(r[2]) : 0,
      lastT: t,
      samples: 0,
    }));
    const period = Math.max(1, Math.round(1000 / this.hz));
    const proc = spawn(this.bin, [`--query-gpu=index,${this.powerField},total_energy_consumption`, '--format=csv,noheader,nounits', '-lms', String(period), ...this.gpuArgs()], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.startedAt = t;
    proc.stdout.on('data', (d: Buffer) => this.onData(d.toString()));
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('error', (e) => (this.failure = `nvidia-smi: ${e.message}`));
    proc.on('close', (code) => {
      if (!this.stopping) this.failure = `nvidia-smi stopped sampling (exit ${code})${stderr ? `: ${stderr.trim().slice(0, 200)}` : ''}`;
    });
    // wait for the first sample of every GPU so read() has a baseline
    const deadline = Date.now() + 5000;
    while (this.gpus.some((g) => g.samples === 0)) {
      if (this.failure) throw new MeterUnavailableError(`nvml: ${this.failure}`);
      if (Date.now() > deadline) {
        await this.stop();
        throw new MeterUnavailableError('nvml: nvidia-smi sent no samples within 5 s');
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) this.onSample(parseCsvLine(line), nowS());
    }
  }

  private onSample(f: string[], t: number): void {
    const g = this.gpus.find((x) => x.index === Number(f[0]));
    if (!g) return;
    const p = Number(f[1]);
    const powerW = Number.isFinite(p) ? p : g.lastPowerW;
    if (this.mode === 'counter') {
      const c = Number(f[2]);
      if (Number.isFinite(c)) {
        if (g.counter0mJ === null) g.counter0mJ = c;
        g.energyJ = (c - g.counter0mJ) / 1000;
      }
    } else if (g.samples > 0) {
      g.energyJ += ((g.lastPowerW + powerW) / 2) * (t - g.lastT);
    }
    g.lastPowerW = powerW;
    g.lastT = t;
    g.samples++;
  }

  read(): number {
    const t = nowS();
    let total = 0;
    // between samples, extend the last sample at the last power (at most one second, so a stall shows)
    for (const g of this.gpus) total += g.energyJ + g.lastPowerW * Math.min(1, Math.max(0, t - g.lastT));
    return total;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const p = this.proc;
    this.proc = null;
    if (p && p.exitCode === null) {
      await new Promise<void>((resolve) => {
        p.once('close', () => resolve());
        p.kill('SIGTERM');
        setTimeout(() => {
          p.kill('SIGKILL');
          resolve();
        }, 2000).unref();
      });
    }
  }

  notes(): string[] {
    const out: string[] = [];
    const elapsed = nowS() - this.startedAt;
    for (const g of this.gpus) {
      const rate = elapsed > 0 ? g.samples / elapsed : 0;
      if (this.mode === 'power' && elapsed > 2 && rate < 9.5) out.push(`GPU ${g.index}: only ${rate.toFixed(1)} samples/s reached (asked ${this.hz}); power integration is coarser`);
    }
    if (this.mode === 'power') out.push(`GPU energy integrated from ${this.powerField} samples (no energy counter)`);
    return out;
  }
}

// ---- attribution --------------------------------------------------------------------------------------------------

export interface WindowResult {
  /** Joules attributed to the request (NaN without a meter); never below 0. */
  energyJ: number;
  /** Mean number of requests in flight during the window (1 = alone). */
  concurrency: number;
  windowS: number;
  /** The idle-baseline subtraction took the attribution below 0, so it was clamped. */
  clamped: boolean;
}

export interface EnergyWindow {
  close(): WindowResult;
  /** Drop the window (a failed attempt): its share of energy is not reported. */
  discard(): void;
}

interface Live {
  energy: number;
  overlap: number;
  opened: number;
}

export interface AttributorOptions {
  /** Idle power subtracted over every in-flight interval (W), shared like the energy. */
  idleW?: number;
  sampleHz?: number;
  now?: () => number;
}

export class EnergyAttributor {
  private readonly active = new Set<Live>();
  private lastE = 0;
  private lastT = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly idleW: number;
  private readonly now: () => number;

  constructor(
    private readonly meter: EnergyMeter,
    private readonly o: AttributorOptions = {},
  ) {
    this.idleW = o.idleW ?? 0;
    this.now = o.now ?? nowS;
  }

  start(): void {
    this.lastE = this.meter.read();
    this.lastT = this.now();
    if (this.meter.kind !== 'none') {
      this.timer = setInterval(() => this.tick(), Math.max(10, Math.round(1000 / (this.o.sampleHz ?? 10))));
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Close the interval since the last reading and share it among the requests in flight. */
  tick(): void {
    const e = this.meter.read();
    const t = this.now();
    const dE = e - this.lastE;
    const dt = t - this.lastT;
    this.lastE = e;
    this.lastT = t;
    const n = this.active.size;
    if (n === 0 || !(dt >= 0)) return;
    const share = (dE - this.idleW * dt) / n;
    for (const w of this.active) {
      w.energy += share;
      w.overlap += n * dt;
    }
  }

  open(): EnergyWindow {
    this.tick();
    const w: Live = { energy: 0, overlap: 0, opened: this.now() };
    this.active.add(w);
    return {
      close: (): WindowResult => {
        this.tick();
        this.active.delete(w);
        const windowS = this.now() - w.opened;
        const measured = this.meter.kind !== 'none';
        return {
          energyJ: measured ? Math.max(0, w.energy) : Number.NaN,
          concurrency: windowS > 0 ? w.overlap / windowS : 1,
          windowS,
          clamped: measured && w.energy < 0,
        };
      },
      discard: (): void => {
        this.tick();
        this.active.delete(w);
      },
    };
  }
}

/** Mean power over `seconds` with nothing running (for --idle-baseline). */
export async function measureIdlePower(meter: EnergyMeter, seconds: number): Promise<number> {
  const e0 = meter.read();
  const t0 = nowS();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const e1 = meter.read();
  const dt = nowS() - t0;
  return dt > 0 ? (e1 - e0) / dt : 0;
}

export interface MeterChoice {
  kind: MeterKind;
  rapl?: RaplOptions;
  nvml?: NvmlOptions;
}

export function createMeter(c: MeterChoice): EnergyMeter {
  if (c.kind === 'nvml') return new NvmlMeter(c.nvml);
  if (c.kind === 'rapl') return new RaplMeter(c.rapl);
  return new NoMeter();
}

/**
 * Start the requested meter; when it is unavailable, use the fallback only if one was given (the message of
 * the first failure is passed to `warn`). Without a fallback the MeterUnavailableError propagates.
 */
export async function startMeter(primary: MeterChoice, fallback: MeterChoice | null, warn: (m: string) => void): Promise<EnergyMeter> {
  const m = createMeter(primary);
  try {
    await m.start();
    return m;
  } catch (e) {
    if (!(e instanceof MeterUnavailableError) || !fallback) throw e;
    warn(`${e.message}; falling back to --energy-fallback ${fallback.kind}`);
    const f = createMeter(fallback);
    await f.start();
    return f;
  }
}

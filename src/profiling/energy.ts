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
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MeterUnavailableError, nowS, type EnergyMeter, type MeterKind } from './meter.js';
import { NvmlMeter, type NvmlOptions } from './nvml.js';

// the meters live in their own files; this module is the one the rest of the code imports
export { METER_KINDS, MeterUnavailableError, type EnergyMeter, type MeterKind } from './meter.js';
export { NvmlMeter } from './nvml.js';

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

const DEFAULT_POWERCAP_DIR = '/sys/class/powercap';

interface RaplZone {
  path: string;
  name: string;
  maxRangeUj: number;
  lastUj: number;
  totalUj: number;
}

interface RaplOptions {
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
    if (!statSync(this.dir).isDirectory()) throw new MeterUnavailableError(`RAPL: ${this.dir} is not a directory (--powercap-dir names the powercap root)`);
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

interface AttributorOptions {
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
    // the window starts and ends at the readings that bound it, so with one request in flight its overlap
    // equals its length exactly (a separate clock read made concurrency come out as 0.999 under load)
    const w: Live = { energy: 0, overlap: 0, opened: this.lastT };
    this.active.add(w);
    return {
      close: (): WindowResult => {
        this.tick();
        this.active.delete(w);
        const windowS = this.lastT - w.opened;
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

/** Mean power over `seconds` with nothing running (for --idle-baseline); an abort ends the wait early. */
export async function measureIdlePower(meter: EnergyMeter, seconds: number, signal?: AbortSignal): Promise<number> {
  const e0 = meter.read();
  const t0 = nowS();
  await new Promise<void>((r) => {
    if (signal?.aborted) return r();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      r();
    };
    const t = setTimeout(done, seconds * 1000);
    signal?.addEventListener('abort', done, { once: true });
  });
  const e1 = meter.read();
  const dt = nowS() - t0;
  return dt > 0 ? (e1 - e0) / dt : 0;
}

export interface MeterChoice {
  kind: MeterKind;
  rapl?: RaplOptions;
  nvml?: NvmlOptions;
}

function createMeter(c: MeterChoice): EnergyMeter {
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

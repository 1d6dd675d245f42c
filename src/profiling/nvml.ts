/**
 * NVIDIA GPU energy through `nvidia-smi` streaming samples (`-lms`): the driver's cumulative
 * `total_energy_consumption` counter (mJ, Volta and newer) when the GPU reports it, otherwise `power.draw`
 * samples integrated with the trapezoid rule at ≥ 10 Hz.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { MeterUnavailableError, nowS, type EnergyMeter } from './meter.js';

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

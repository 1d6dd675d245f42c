import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnergyAttributor, MeterUnavailableError, NoMeter, NvmlMeter, RaplMeter, startMeter, type EnergyMeter } from '../../src/profiling/energy.js';
import { RAPL_MAX, fakeNvidiaSmi, fakePowercap, tempDir } from './helpers.js';

describe('RAPL (powercap)', () => {
  it('sums package and DRAM zones, ignores core sub-zones and psys', async () => {
    const pc = fakePowercap();
    const m = new RaplMeter({ dir: pc.dir });
    await m.start();
    expect(m.describe()).toMatch(/package-0.*package-0\/dram/);
    expect(m.describe()).not.toMatch(/psys/);
    expect(m.read()).toBe(0);
    pc.bump(1_500_000, 250_000);
    pc.bumpPsys(9_000_000);
    expect(m.read()).toBeCloseTo(1.75, 12);
  });

  it('handles counter wrap-around at max_energy_range_uj', async () => {
    const pc = fakePowercap(RAPL_MAX - 1_000_000);
    const m = new RaplMeter({ dir: pc.dir });
    await m.start();
    pc.bump(3_000_000); // wraps: new value 2,000,000
    expect(m.read()).toBeCloseTo(3, 9);
    pc.bump(500_000);
    expect(m.read()).toBeCloseTo(3.5, 9);
    expect(m.notes().join()).toMatch(/wrapped 1 time/);
  });

  it('finds the powercap root through GREENSERV_POWERCAP_DIR', async () => {
    const pc = fakePowercap();
    process.env.GREENSERV_POWERCAP_DIR = pc.dir;
    try {
      const m = new RaplMeter();
      expect(m.dir).toBe(pc.dir);
      await m.start();
    } finally {
      delete process.env.GREENSERV_POWERCAP_DIR;
    }
  });

  it('explains a missing powercap tree', async () => {
    await expect(new RaplMeter({ dir: join(tempDir(), 'nope') }).start()).rejects.toThrow(/does not exist.*intel_rapl/);
    await expect(new RaplMeter({ dir: tempDir() }).start()).rejects.toThrow(/no package zones/);
  });

  const isRoot = process.getuid?.() === 0;
  if (isRoot) console.warn('skipping the RAPL permission test: running as root, which can read any file');
  it.skipIf(isRoot)('explains unreadable counters (root-only since Linux 5.10)', async () => {
    const pc = fakePowercap();
    chmodSync(join(pc.dir, 'intel-rapl:0', 'energy_uj'), 0o000);
    await expect(new RaplMeter({ dir: pc.dir }).start()).rejects.toThrow(/permission denied.*root/);
  });
});

describe('NVML through nvidia-smi (fake script on PATH)', () => {
  let oldPath: string | undefined;
  const env = ['FAKE_NVSMI_MODE', 'FAKE_NVSMI_POWER', 'FAKE_NVSMI_INSTANT', 'FAKE_NVSMI_GPUS'];
  beforeEach(() => {
    oldPath = process.env.PATH;
    process.env.PATH = `${fakeNvidiaSmi()}:${oldPath}`;
  });
  afterEach(() => {
    process.env.PATH = oldPath;
    for (const k of env) delete process.env[k];
  });

  async function measure(m: NvmlMeter, ms: number): Promise<number> {
    await m.start();
    try {
      const e0 = m.read();
      await new Promise((r) => setTimeout(r, ms));
      return m.read() - e0;
    } finally {
      await m.stop();
    }
  }

  it('uses the total energy counter when the GPU has one', async () => {
    process.env.FAKE_NVSMI_POWER = '200';
    const m = new NvmlMeter({ sampleHz: 20 });
    const e = await measure(m, 600);
    expect(m.describe()).toMatch(/total_energy_consumption counter, GPU 0 \(Fake GPU 0\)/);
    expect(e).toBeGreaterThan(200 * 0.6 * 0.8);
    expect(e).toBeLessThan(200 * 0.6 * 1.2);
  });

  it('integrates power samples when there is no counter, and sums GPUs', async () => {
    process.env.FAKE_NVSMI_MODE = 'power';
    process.env.FAKE_NVSMI_POWER = '150';
    process.env.FAKE_NVSMI_GPUS = '2';
    const m = new NvmlMeter({ sampleHz: 20 });
    const e = await measure(m, 600);
    expect(m.describe()).toMatch(/power.draw.instant sampled at 20 Hz, integrated, GPU 0 .*, 1 /);
    expect(e).toBeGreaterThan(2 * 150 * 0.6 * 0.8);
    expect(e).toBeLessThan(2 * 150 * 0.6 * 1.2);
    expect(m.notes().join()).toMatch(/integrated from power.draw.instant/);
  });

  it('falls back to power.draw on drivers without power.draw.instant; honours -i', async () => {
    process.env.FAKE_NVSMI_INSTANT = '0';
    process.env.FAKE_NVSMI_GPUS = '3';
    const m = new NvmlMeter({ sampleHz: 10, gpus: [1] });
    await measure(m, 150);
    expect(m.describe()).toMatch(/GPU 1 \(Fake GPU 1\)$/);
  });

  it('reports a missing or broken nvidia-smi clearly', async () => {
    await expect(new NvmlMeter({ nvidiaSmi: 'no-such-nvidia-smi' }).start()).rejects.toThrow(/not found on PATH/);
    process.env.FAKE_NVSMI_MODE = 'fail';
    await expect(new NvmlMeter().start()).rejects.toThrow(/failed \(exit 9\).*could not communicate/);
    await expect(new NvmlMeter({ sampleHz: 5 }).start()).rejects.toThrow(/below the 10 Hz minimum/);
  });

  it('falls back only when a fallback is allowed', async () => {
    const warnings: string[] = [];
    process.env.FAKE_NVSMI_MODE = 'fail';
    await expect(startMeter({ kind: 'nvml' }, null, (w) => warnings.push(w))).rejects.toBeInstanceOf(MeterUnavailableError);
    const m = await startMeter({ kind: 'nvml' }, { kind: 'none' }, (w) => warnings.push(w));
    expect(m.kind).toBe('none');
    expect(warnings.join()).toMatch(/falling back to --energy-fallback none/);
  });
});

/** A meter driven by hand: energy and time advance only when the test says so. */
class ManualMeter implements EnergyMeter {
  readonly kind = 'rapl' as const;
  readonly failure = null;
  e = 0;
  describe(): string {
    return 'manual';
  }
  async start(): Promise<void> {}
  read(): number {
    return this.e;
  }
  async stop(): Promise<void> {}
  notes(): string[] {
    return [];
  }
}

describe('EnergyAttributor', () => {
  it('gives a lone request its window and splits overlapping intervals equally', () => {
    const m = new ManualMeter();
    let t = 0;
    const a = new EnergyAttributor(m, { now: () => t });
    a.start();
    m.e = 5;
    t = 1; // idle interval: nobody's
    const w1 = a.open();
    m.e += 10;
    t = 2;
    const w2 = a.open(); // w1 alone got 10 J
    m.e += 20;
    t = 3; // shared: 10 each
    const r1 = w1.close();
    m.e += 4;
    t = 5; // w2 alone: 4
    const r2 = w2.close();
    expect(r1.energyJ).toBeCloseTo(20, 12);
    expect(r2.energyJ).toBeCloseTo(14, 12);
    expect(r1.concurrency).toBeCloseTo(1.5, 12); // 1 s alone, 1 s with two
    expect(r2.concurrency).toBeCloseTo(4 / 3, 12);
    expect(r1.windowS).toBe(2);
  });

  it('a lone request has concurrency exactly 1 even when every clock read sees time move', () => {
    // a clock that advances on each read stands for a loaded machine between two reads of the same event
    const m = new ManualMeter();
    let t = 0;
    const a = new EnergyAttributor(m, { now: () => (t += 0.0137) });
    a.start();
    for (let i = 0; i < 20; i++) {
      const w = a.open();
      a.tick();
      m.e += 3;
      a.tick();
      const r = w.close();
      expect(r.concurrency).toBe(1);
      expect(r.windowS).toBeGreaterThan(0);
    }
  });

  it('property: the attributed energies add up to the energy of the busy intervals', () => {
    // events: open a window, close the oldest open one, or let time pass burning energy
    const step = fc.oneof(fc.constant({ k: 'open' as const }), fc.constant({ k: 'close' as const }), fc.record({ k: fc.constant('burn' as const), e: fc.double({ min: 0, max: 100, noNaN: true }), dt: fc.double({ min: 0.001, max: 2, noNaN: true }) }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const m = new ManualMeter();
        let t = 0;
        const a = new EnergyAttributor(m, { now: () => t });
        a.start();
        const open: ReturnType<typeof a.open>[] = [];
        let busy = 0;
        let attributed = 0;
        for (const s of steps) {
          if (s.k === 'open') open.push(a.open());
          else if (s.k === 'close') {
            if (open.length) attributed += open.shift()!.close().energyJ;
          } else {
            m.e += s.e;
            t += s.dt;
            if (open.length) busy += s.e;
          }
        }
        while (open.length) attributed += open.shift()!.close().energyJ;
        expect(attributed).toBeCloseTo(busy, 6);
      }),
      { numRuns: 300 },
    );
  });

  it('subtracts the idle baseline and clamps below zero', () => {
    const m = new ManualMeter();
    let t = 0;
    const a = new EnergyAttributor(m, { now: () => t, idleW: 10 });
    a.start();
    const w = a.open();
    m.e = 50;
    t = 2;
    expect(w.close()).toMatchObject({ energyJ: 30, clamped: false });
    const w2 = a.open();
    m.e += 5;
    t = 3;
    expect(w2.close()).toMatchObject({ energyJ: 0, clamped: true });
  });

  it('a discarded window (failed attempt) leaves its share unreported; no meter gives NaN', () => {
    const m = new ManualMeter();
    let t = 0;
    const a = new EnergyAttributor(m, { now: () => t });
    a.start();
    const w = a.open();
    m.e = 8;
    t = 1;
    w.discard();
    const w2 = a.open();
    m.e += 2;
    t = 2;
    expect(w2.close().energyJ).toBe(2);
    const n = new EnergyAttributor(new NoMeter());
    n.start();
    expect(Number.isNaN(n.open().close().energyJ)).toBe(true);
    n.stop();
    rmSync(tempDir(), { recursive: true });
  });
});

/** What every energy meter is: its kind, its interface and the error for a meter that cannot run here. */

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

export const nowS = (): number => performance.now() / 1000;

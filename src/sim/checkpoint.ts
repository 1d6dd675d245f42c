/**
 * Checkpoints of interrupted experiment runs: every finished job is appended as one JSON line (arrays as
 * base64 of their raw bytes, so numbers come back bit for bit). A resumed run skips the recorded jobs and
 * produces the same results as an uninterrupted one.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../data/errors.js';
import type { RunMetrics } from './engine.js';
import type { Job, JobResult } from './experiment.js';

export interface CheckpointState {
  schemaVersion: 1;
  experimentFile: string;
  configSha256: string;
  runs: number;
  out: string;
  charts: boolean;
  totalJobs: number;
}

function b64(a: Float64Array | Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function f64(s: string): Float64Array {
  const b = Buffer.from(s, 'base64');
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function i32(s: string): Int32Array {
  const b = Buffer.from(s, 'base64');
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function partialDir(out: string): string {
  return `${out.replace(/\/+$/, '')}.partial`;
}

export class Checkpoint {
  private readonly file: string;

  constructor(
    readonly dir: string,
    state: CheckpointState,
    fresh: boolean,
  ) {
    this.file = join(dir, 'jobs.ndjson');
    if (fresh) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
      writeFileSync(this.file, '');
    }
  }

  append(r: JobResult): void {
    const m = r.metrics;
    const line = {
      job: r.job,
      metrics: { ...m, selection: b64(m.selection) },
      stepRegret: b64(r.stepRegret),
      chosen: b64(r.chosen),
    };
    // one write per line: a line cut by a crash is dropped on load
    appendFileSync(this.file, JSON.stringify(line) + '\n');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  static load(dir: string): { state: CheckpointState; results: JobResult[] } {
    const stateFile = join(dir, 'state.json');
    if (!existsSync(stateFile)) throw new DataError('not a checkpoint directory (state.json is missing)', dir);
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as CheckpointState;
    const results: JobResult[] = [];
    const file = join(dir, 'jobs.ndjson');
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let o: { job: Job; metrics: Omit<RunMetrics, 'selection'> & { selection: string }; stepRegret: string; chosen: string };
      try {
        o = JSON.parse(line);
      } catch {
        continue;
      }
      results.push({ job: o.job, metrics: { ...o.metrics, selection: f64(o.metrics.selection) }, stepRegret: f64(o.stepRegret), chosen: i32(o.chosen) });
    }
    return { state, results };
  }
}

/**
 * Experiment jobs on worker threads of the compiled build give the results of the inline run, reported in job
 * order. An e2e file: each worker thread imports the whole library.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const DIST = resolve(__dirname, '../../dist/src');
const built = existsSync(resolve(DIST, 'sim/workers.js')) && existsSync(resolve(DIST, 'sim/worker.js'));
if (!built) console.warn('skipping the worker-thread check: dist/ is not built (npm run build)');

it.skipIf(!built)('experiment jobs give the same results on 1 and 2 workers, in job order', async () => {
  const pool = (await import(resolve(DIST, 'sim/workers.js'))) as typeof import('../../src/sim/workers.js');
  const exp = (await import(resolve(DIST, 'sim/experiment.js'))) as typeof import('../../src/sim/experiment.js');
  const conf = (await import(resolve(DIST, 'sim/experimentConfig.js'))) as typeof import('../../src/sim/experimentConfig.js');
  const load = (await import(resolve(DIST, 'data/load.js'))) as typeof import('../../src/data/load.js');
  expect(pool.workerScript()).toMatch(/worker\.js$/);
  const cfg = conf.parseExperiment(readFileSync(resolve(__dirname, '../../experiments/x0-warmup.yaml'), 'utf8'), 'x0-warmup');
  const table = await load.loadTable(cfg.dataset);
  const jobs = exp.expandJobs(cfg, 2);
  const seen: number[] = [];
  const inline = await pool.runJobs(new exp.ExperimentContext(table, cfg), { source: cfg.dataset }, jobs, 1);
  const threads = await pool.runJobs(new exp.ExperimentContext(table, cfg), { source: cfg.dataset }, jobs, 2, (_r, done) => seen.push(done));
  expect(seen).toEqual(jobs.map((_, i) => i + 1));
  expect(threads.map((r) => r.metrics.finalRegret)).toEqual(inline.map((r) => r.metrics.finalRegret));
  expect(threads.map((r) => Array.from(r.chosen))).toEqual(inline.map((r) => Array.from(r.chosen)));
});

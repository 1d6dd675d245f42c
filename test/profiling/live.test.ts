import { existsSync, readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTable } from '../../src/data/load.js';
import { NoMeter, RaplMeter } from '../../src/profiling/energy.js';
import { LIVE_COLUMNS, runLiveProfile, sideFiles } from '../../src/profiling/live.js';
import { OpenAIClient } from '../../src/profiling/openai.js';
import { readProfilingQueries } from '../../src/profiling/queries.js';
import { runSimulation } from '../../src/sim/run.js';
import { FIXTURE, answerFor, writePromptFile } from './fixtures.js';
import { fakePowercap, startFakeServer, tempDir, type FakeServer } from './helpers.js';

let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function readRows(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('live profiling against a local OpenAI-compatible server', () => {
  it('scores, measures (fake RAPL) and writes a long table that loadTable and runSimulation accept', async () => {
    const dir = tempDir();
    const pc = fakePowercap();
    // each request burns exactly 2.5 J in the package and 0.5 J in DRAM while it is being served
    server = await startFakeServer({ answer: (p) => answerFor(p), during: () => pc.bump(2_500_000, 500_000), delayMs: 20 });
    const queries = await readProfilingQueries([writePromptFile(dir)]);
    const out = join(dir, 'live.csv');
    const meter = new RaplMeter({ dir: pc.dir });
    await meter.start();
    const client = new OpenAIClient({ baseUrl: server.url, model: 'tiny-1b', retries: 0 });
    const res = await runLiveProfile({ queries, modelId: 'tiny-1b', paramsB: 1, client, meter, out });
    expect(res).toMatchObject({ total: 6, alreadyDone: 0, written: 6, failed: [], interrupted: false, fatal: null });

    // request body: raw prompt, per-task generation settings, temperature 0
    const byId = new Map(server.requests.map((r) => [FIXTURE.find((f) => f.processed_input === r.prompt)!.id, r]));
    expect(byId.get('mmlu_1')!.path).toBe('/v1/completions');
    expect(byId.get('mmlu_1')!.body).toMatchObject({ model: 'tiny-1b', max_tokens: 1, stop: ['\n'], temperature: 0 });
    expect(byId.get('gsm8k_1')!.body).toMatchObject({ max_tokens: 256, stop: ['####'] });
    expect(byId.get('cnn_dailymail_1')!.body).toMatchObject({ max_tokens: 128, stop: ['####', '\n\n\n'] });

    const text = readFileSync(out, 'utf8');
    expect(text.split('\n')[0]).toBe(LIVE_COLUMNS.join(','));
    const rows = readRows(out);
    expect(rows.map((r) => r.query_id)).toEqual(FIXTURE.map((f) => f.id));
    for (const f of FIXTURE) {
      const r = rows.find((x) => x.query_id === f.id)!;
      expect(r.model_id).toBe('tiny-1b');
      expect(r.task).toBe(f.dataset);
      if (Number.isNaN(f.accuracy)) {
        expect(Number(r.accuracy)).toBeGreaterThan(0.4);
        expect(Number(r.accuracy)).toBeLessThan(1);
      } else expect(Number(r.accuracy)).toBe(f.accuracy);
      // package + DRAM, not the core sub-zone (inside the package) nor psys
      expect(Number(r.energy_j)).toBeCloseTo(3, 9);
      expect(Number(r.latency_s)).toBeGreaterThan(0.01);
      expect(Number(r.input_tokens)).toBe(Math.ceil(f.processed_input.length / 4));
      expect(Number(r.output_tokens)).toBeGreaterThan(0);
    }

    const side = sideFiles(out);
    const log = readFileSync(side.requests, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // each invocation's run record carries the log's schema version
    expect(log[0]).toMatchObject({ type: 'run', schemaVersion: 1, model_id: 'tiny-1b' });
    const reqs = log.filter((l) => l.type === 'request');
    expect(reqs).toHaveLength(6);
    expect(reqs.find((r) => r.query_id === 'winogrande_1')).toMatchObject({ extracted: 'B', energy_source: 'rapl', concurrency: 1 });
    expect(reqs.find((r) => r.query_id === 'gsm8k_2')).toMatchObject({ extracted: '-5', accuracy: 1 });
    expect(reqs[0].estimated_energy_j).toBeGreaterThan(0);

    // the table loads as a long CSV (with its side files) and simulates
    const table = await loadTable(out, { queries: side.queries, models: side.models });
    expect(table.nQueries).toBe(6);
    expect(table.models).toEqual([{ id: 'tiny-1b', name: 'tiny-1b', paramsB: 1 }]);
    expect(table.tasks.sort()).toEqual(['cnn_dailymail', 'gsm8k', 'mmlu', 'winogrande']);
    expect(Number.isFinite(table.complexity[0])).toBe(true);
    const sim = await runSimulation(table, { policies: ['random', 'largest', 'best-static', 'linucb', 'thompson'], params: [], lambda: 0.5, runs: 2, seed: 3, semantics: 'paper', features: ['task', 'cluster', 'complexity'] });
    expect(sim.result.metrics).toHaveLength(5);
    for (const per of sim.result.metrics) for (const r of per) expect(Number.isFinite(r.finalRegret)).toBe(true);
    // and also without side files (task column in the table)
    const bare = await loadTable(out);
    expect(bare.nQueries).toBe(6);
  });

  it('resumes: a second run sends only the missing queries; a half-written last row is repaired', async () => {
    const dir = tempDir();
    server = await startFakeServer({ answer: (p) => answerFor(p) });
    const all = await readProfilingQueries([writePromptFile(dir)]);
    const out = join(dir, 'resume.csv');
    const client = new OpenAIClient({ baseUrl: server.url, model: 'm', retries: 0 });
    const first = await runLiveProfile({ queries: all.slice(0, 3), modelId: 'm', client, meter: new NoMeter(), out });
    expect(first.written).toBe(3);
    appendFileSync(out, 'gsm8k_1,m,gsm8k,1,,0.1'); // a crash mid-row
    const second = await runLiveProfile({ queries: all, modelId: 'm', client, meter: new NoMeter(), out });
    expect(second).toMatchObject({ alreadyDone: 3, written: 3, repaired: true });
    expect(server.requests).toHaveLength(6);
    const rows = readRows(out);
    expect(rows.map((r) => r.query_id).sort()).toEqual(FIXTURE.map((f) => f.id).sort());
    expect(rows.every((r) => r.energy_j === '')).toBe(true);
    // a third run has nothing to do
    const third = await runLiveProfile({ queries: all, modelId: 'm', client, meter: new NoMeter(), out });
    expect(third).toMatchObject({ alreadyDone: 6, written: 0 });
    expect(server.requests).toHaveLength(6);
    // another model appends to the same table
    const other = await runLiveProfile({ queries: all, modelId: 'other', client, meter: new NoMeter(), out });
    expect(other.written).toBe(6);
    const t = await loadTable(out, { queries: sideFiles(out).queries, models: sideFiles(out).models });
    expect(t.models.map((m) => m.id)).toEqual(['m', 'other']);
  });

  it('with concurrency, splits each interval among the requests in flight and conserves the total', async () => {
    const dir = tempDir();
    const pc = fakePowercap();
    let burned = 0;
    server = await startFakeServer({
      answer: (p) => answerFor(p),
      delayMs: 150,
      during: () => {
        pc.bump(1_000_000);
        burned += 1;
      },
    });
    const queries = await readProfilingQueries([writePromptFile(dir)]);
    const meter = new RaplMeter({ dir: pc.dir });
    await meter.start();
    const out = join(dir, 'conc.csv');
    const res = await runLiveProfile({ queries, modelId: 'm', client: new OpenAIClient({ baseUrl: server.url, model: 'm', retries: 0 }), meter, out, concurrency: 3 });
    expect(res.written).toBe(6);
    expect(server.inFlightMax).toBeGreaterThan(1);
    const total = readRows(out).reduce((s, r) => s + Number(r.energy_j), 0);
    expect(total).toBeCloseTo(burned, 6);
    const reqs = readFileSync(sideFiles(out).requests, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'request');
    expect(Math.max(...reqs.map((r) => r.concurrency))).toBeGreaterThan(1.5);
  });

  it('fills energy from the estimation model when nothing is measured and --estimate-energy is on', async () => {
    const dir = tempDir();
    server = await startFakeServer({ answer: (p) => answerFor(p) });
    const queries = await readProfilingQueries([writePromptFile(dir)]);
    const out = join(dir, 'est.csv');
    await runLiveProfile({ queries, modelId: 'm', paramsB: 7, estimateEnergy: true, client: new OpenAIClient({ baseUrl: server.url, model: 'm' }), meter: new NoMeter(), out });
    const rows = readRows(out);
    expect(rows.every((r) => Number(r.energy_j) > 0)).toBe(true);
    const reqs = readFileSync(sideFiles(out).requests, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'request');
    expect(reqs.every((r) => r.energy_source === 'estimate')).toBe(true);
    expect(existsSync(sideFiles(out).models)).toBe(true);
    expect(readFileSync(sideFiles(out).models, 'utf8')).toMatch(/^model_id,name,params_b\nm,m,7\n$/);
  });
});

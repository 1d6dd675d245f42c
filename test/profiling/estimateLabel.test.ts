/** Live energy filled by --estimate-energy is flagged as estimated in the printed profile, as in table mode. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sideFiles } from '../../src/profiling/live.js';
import { FIXTURE, answerFor, writePromptFile } from './fixtures.js';
import { runCli, startFakeServer, tempDir, type FakeServer } from './helpers.js';

let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** (query, model) pairs whose logged energy_source is 'estimate', counted per model. */
function estimatedPerModel(out: string): Map<string, number> {
  const n = new Map<string, number>();
  for (const l of readFileSync(sideFiles(out).requests, 'utf8').trim().split('\n')) {
    const r = JSON.parse(l) as { type: string; model_id: string; energy_source: string | null };
    if (r.type === 'request' && r.energy_source === 'estimate') n.set(r.model_id, (n.get(r.model_id) ?? 0) + 1);
  }
  return n;
}

describe('live profile: estimated energy is labelled', () => {
  it('counts estimated cells per model across runs, marks the model and says so on the summary line', async () => {
    const dir = tempDir();
    server = await startFakeServer({ answer: (p) => answerFor(p) });
    const prompts = writePromptFile(dir);
    const out = join(dir, 'runs', 't.csv');
    const base = ['--endpoint', server.url, '--queries', prompts, '--out', out, '--energy', 'none', '--no-progress'];
    // first half estimated, then resumed: the earlier rows must still count as estimated
    const half = Math.floor(FIXTURE.length / 2);
    const a = await runCli([...base, '--model', 'est', '--params-b', '7', '--estimate-energy', '--limit', String(half)]);
    expect(a.code).toBe(0);
    const b = await runCli([...base, '--model', 'est', '--params-b', '7', '--estimate-energy']);
    expect(b.code).toBe(0);
    // a second model without an estimate: its empty energy is not an estimate
    const c = await runCli([...base, '--model', 'plain', '--json']);
    expect(c.code).toBe(0);
    const logged = estimatedPerModel(out);
    expect(logged.get('est')).toBe(FIXTURE.length);
    const profile = (JSON.parse(c.stdout) as { profile: { models: { id: string; estimatedEnergyCells: number }[] } }).profile;
    const cells = Object.fromEntries(profile.models.map((m) => [m.id, m.estimatedEnergyCells]));
    expect(cells).toEqual({ est: logged.get('est'), plain: 0 });
    // the terminal run that estimated says so, rather than only "no energy meter"
    expect(b.stdout.split('\n')[0]).toMatch(/energy: no energy meter; energy_j estimated/);
    expect(b.stdout).toMatch(/^est\*\s/m);
  });
});

/**
 * Scenario fields of an experiment YAML that do not fit the table (docs/model.md §11) are refused before the
 * run starts: exit 2, the file, the line and the field named, and no results or checkpoint directory.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const HEAD = 'name: bad\nruns: 1\narms:\n  - policy: linucb\n';

describe('experiment scenario fields against the table', () => {
  it('a drift, budget or delay the table cannot take exits 2 at the field, and writes neither the results nor a checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-scen-x-'));
    // [YAML body after HEAD, line of the field, field, message]; the built-in pool has 2,500 queries and no dollar costs
    const cases: [string, number, string, RegExp][] = [
      ['drift:\n  - step: 10\n    model: nope\n    accuracy: -0.1\n', 7, 'drift.0.model', /unknown model 'nope'; models: qwen2\.5-0\.5b/],
      ['drift:\n  - {step: 99999, model: phi-4-mini-4b, accuracy: -0.1}\n', 6, 'drift.0.step', /step must be an integer in 0\.\.2499/],
      ['drift:\n  - {step: 5, model: phi-4-mini-4b, energy: 2}\n  - step: 10\n    model: phi-4-mini-4b\n    task: nope\n    accuracy: 0.1\n', 9, 'drift.1.task', /unknown task 'nope'; tasks: mmlu/],
      ['drift:\n  - {step: 5, model: phi-4-mini-4b, energy: 2, over: 100}\n  - {step: 50, model: phi-4-mini-4b, accuracy: 0.1}\n', 7, 'drift.1.step', /before the previous change has finished ramping in \(step 105\)/],
      ['drift:\n  - {step: 5, model: phi-4-mini-4b, usd: 2}\n', 6, 'drift.0.usd', /no dollar cost to change/],
      ['budget: usd=0.01\n', 5, 'budget', /dataset 'greenserv-pool' has no cost_usd values to budget/],
      ['feedbackDelay: "2499"\n', 5, 'feedbackDelay', /a delay of 2499 steps delivers no label on a stream of 2500 steps/],
      ['feedbackDelay: uniform:50-5\n', 5, 'feedbackDelay', /uniform:<a>-<b> needs a ≤ b \(a = 50 > b = 5\)/],
      ['feedbackDelay: "2000000"\n', 5, 'feedbackDelay', /at most 1000000 steps/],
      // pool models the table lacks are caught the same way
      ['pool:\n  initial: [qwen2.5-7b, nope]\n', 6, 'pool.initial.1', /unknown model 'nope'; models: qwen2\.5-0\.5b/],
      ['pool:\n  events:\n    - step: 10\n      remove: [llama-3.1-8b]\n      add: [gemma-3-12b, nope]\n', 9, 'pool.events.0.add.1', /unknown model 'nope'/],
    ];
    for (const [body, line, field, msg] of cases) {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, HEAD + body);
      const out = join(dir, 'X');
      const r = await cli(['experiment', 'run', file, '--out', out, '--no-progress', '--no-charts']);
      expect(r.code, body).toBe(2);
      const at = `${file}:${line} (field '${field}'): `.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(r.stderr, body).toMatch(new RegExp(`^greenserv: error: ${at}`));
      expect(r.stderr, body).toMatch(msg);
      expect(readdirSync(dir), body).toEqual(['bad.yaml']);
    }
  });

  it('a budgeted arm without budget: names the arm; the same config with a budget then runs (no checkpoint was left to refuse it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-scen-x-'));
    const file = join(dir, 'b.yaml');
    const out = join(dir, 'X');
    writeFileSync(file, 'name: bad\nruns: 1\narms:\n  - policy: linucb\n  - policy: budgeted-thompson\n');
    const r = await cli(['experiment', 'run', file, '--out', out, '--no-progress', '--no-charts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:5 (field 'arms.1.policy'): policy 'budgeted-thompson' needs a budget`);
    expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false);
    writeFileSync(file, 'name: bad\nruns: 1\nbudget: energy=0.05\narms:\n  - policy: linucb\n  - policy: budgeted-thompson\n');
    const ok = await cli(['experiment', 'run', file, '--out', out, '--no-progress', '--no-charts']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('under a split the drift step is checked against the test stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-scen-x-'));
    const file = join(dir, 's.yaml');
    writeFileSync(file, 'name: bad\nruns: 1\nsplit: 0.5\narms:\n  - policy: linucb\n  - policy: train-best-static\ndrift:\n  - {step: 2000, model: phi-4-mini-4b, accuracy: -0.1}\n');
    const r = await cli(['experiment', 'run', file, '--out', join(dir, 'X'), '--no-progress', '--no-charts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:8 (field 'drift.0.step'): step must be an integer in 0..1249`);
    expect(readdirSync(dir)).toEqual(['s.yaml']);
  });
});

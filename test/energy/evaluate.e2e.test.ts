import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { accuracyOf, handJPerPrompt, IDS, writeRouterbenchCsv } from '../helpers/energyTable.js';

const RB = resolve(__dirname, '../../../shared/data/routerbench');
const haveRb = existsSync(join(RB, 'arc_challenge_test.csv'));
if (!haveRb) console.warn(`skipping evaluate --cost energy on real RouterBench data: ${RB} not found (shared reference data is absent)`);

const FAST = ['--lambdas', '0,0.5,1', '--runs', '2', '--policies', 'linucb,random', '--no-charts', '--no-progress', '--jobs', '1'];

describe('evaluate --routerbench --cost energy', () => {
  it('routes on modelled joules and prints energy AIQ, J per correct answer and savings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-eve-'));
    const src = writeRouterbenchCsv(dir);
    const out = join(dir, 'e');
    const r = await cli(['evaluate', '--routerbench', src, '--cost', 'energy', '--energy-model', 'gpu=B200,batch=64', ...FAST, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/energy axis: modelled J per prompt \(B200, batch 64/);
    expect(r.stdout).toMatch(/router +energy AIQ +peak acc +J\/prompt @peak +J\/correct @peak/);
    expect(r.stdout).toMatch(/model +energy AIQ .* 90 % band J\/prompt\n/);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.reward.cost).toBe('energy');
    expect(s.energy.energyModel).toMatchObject({ gpu: 'B200', batch: 64, tokenizer: 'cl100k', inFittedRange: true });
    expect(s.energy.tokens).toEqual({ inputFromTable: 0, inputCounted: 36, outputFromTable: 0, outputCounted: 36, outputAssumed: 0 });
    // each model's cost point is its hand-priced mean J per prompt; the best (70B) model is the reference
    for (let m = 0; m < IDS.length; m++) {
      const j = await handJPerPrompt(m, 'B200', 64);
      expect(s.baselines.models[m].points.all.cost).toBeCloseTo(j, 6);
    }
    const ref = s.energy.metrics.reference;
    expect(ref.model).toBe('big-70B-chat');
    expect(ref.accuracy).toBeCloseTo(accuracyOf(2), 12);
    expect(ref.jPerCorrect).toBeCloseTo((await handJPerPrompt(2, 'B200', 64)) / accuracyOf(2), 6);
    const zero = s.energy.metrics.routers.find((x: { name: string }) => x.name === 'zero router');
    expect(zero.atReference.savedJPerPrompt).toBe(0);
    expect(readFileSync(join(out, 'runs.csv'), 'utf8').split('\n')[0]).toBe('policy,lambda,run,seed,family,queries,energy_j,quality,misses');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<section id="evaluate-energy">[\s\S]*Reference: the best single model, big-70B-chat/);
    expect(html).toContain('<td>zero router</td>');
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).config).toMatchObject({ cost: 'energy', energyModel: 'gpu=B200,batch=64' });

    // without --cost energy: dollars, no energy block, the USD columns
    const usd = await cli(['evaluate', '--routerbench', src, ...FAST, '--out', join(dir, 'u')]);
    expect(usd.code).toBe(0);
    expect(usd.stdout).not.toMatch(/energy axis/);
    expect(readFileSync(join(dir, 'u', 'report.html'), 'utf8')).not.toContain('evaluate-energy');
    const su = JSON.parse(readFileSync(join(dir, 'u', 'summary.json'), 'utf8'));
    expect(su.reward.cost).toBe('usd');
    expect(su.energy).toBeUndefined();
    // the 6-digit costs are stored as float32 (datasets/README.md, storage)
    expect(su.baselines.models[0].points.all.cost).toBeCloseTo(Math.fround(0.001), 12);
    expect(readFileSync(join(dir, 'u', 'runs.csv'), 'utf8').split('\n')[0]).toContain(',cost_usd,');
  });

  it('refuses --cost energy without a model, a model without --cost energy and a bad spec: exit 2, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-eve-'));
    const src = writeRouterbenchCsv(dir);
    const out = join(dir, 'e');
    for (const [extra, msg] of [
      [['--cost', 'energy'], /--cost energy needs --energy-model gpu=/],
      [['--energy-model', 'gpu=H100,batch=32'], /--energy-model applies to --cost energy only/],
      [['--cost', 'energy', '--energy-model', 'gpu=V100,batch=32'], /--energy-model: 'V100' is not one of H100, B200, A100/],
      [['--cost', 'joules'], /--cost.*'joules'/],
    ] as [string[], RegExp][]) {
      const r = await cli(['evaluate', '--routerbench', src, ...extra, ...FAST, '--out', out]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a source without response text is refused with the way out, which then evaluates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-eve-'));
    const pkl = resolve(__dirname, '../fixtures/routerbench_small_pd1_p2.pkl');
    const r = await cli(['evaluate', '--routerbench', pkl, '--cost', 'energy', '--energy-model', 'gpu=H100,batch=32', ...FAST, '--out', join(dir, 'e')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/greenserv: error: .*routerbench_small_pd1_p2\.pkl: query '[^']+', model '[^']+': no output_tokens and no response text to count; write a table with tokens first: greenserv energy attach <source> --assume-output-tokens <n>/);
    expect(existsSync(join(dir, 'e'))).toBe(false);
    const t = join(dir, 't.parquet');
    expect((await cli(['energy', 'attach', pkl, '--gpu', 'H100', '--batch', '32', '--assume-output-tokens', '100', '--out', t])).code).toBe(0);
    const ok = await cli(['evaluate', '--routerbench', t, '--cost', 'energy', '--energy-model', 'gpu=H100,batch=32', ...FAST, '--out', join(dir, 'e')]);
    expect(ok.code).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'e', 'summary.json'), 'utf8'));
    expect(s.energy.tokens.outputAssumed).toBe(0);
    expect(s.energy.tokens.outputFromTable).toBeGreaterThan(0);
  });

  it.skipIf(!haveRb)('runs on the RouterBench files in ../shared (the API models at their documented assumed sizes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-eve-'));
    const r = await cli(['evaluate', '--routerbench', RB, '--cost', 'energy', '--energy-model', 'gpu=H100,batch=32', ...FAST, '--out', join(dir, 'e')]);
    expect(r.code).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'e', 'summary.json'), 'utf8'));
    const e = s.energy;
    expect(e.tokens.outputCounted).toBe(e.tokens.inputCounted);
    expect(e.models.find((m: { id: string }) => m.id === 'gpt-4-1106-preview').sizeFrom).toBe('assumption: not disclosed');
    expect(e.metrics.reference.model).toBe('gpt-4-1106-preview');
    const oracle = e.metrics.routers.find((x: { kind: string }) => x.kind === 'oracle');
    expect(oracle.atReference.savedPct).toBeGreaterThan(0);
    for (const x of e.metrics.routers) if (x.peak.accuracy > 0) expect(x.peak.jPerCorrect).toBeCloseTo(x.peak.jPerPrompt / x.peak.accuracy, 9);
  });
});

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { handJPerPrompt, writeRouterbenchCsv as writeTable } from '../helpers/energyTable.js';

describe('energy sensitivity', () => {
  it('re-prices the same tokens for every GPU × batch and ranks the routers by energy AIQ', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sens-'));
    const src = writeTable(dir);
    const out = join(dir, 'sens');
    const args = ['energy', 'sensitivity', src, '--gpus', 'H100,B200', '--batches', '8,64', '--policies', 'linucb,random', '--lambdas', '0,0.5,1', '--runs', '2'];
    const r = await cli([...args, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(join(out, 'sensitivity.json'), 'utf8'));
    expect(j.schemaVersion).toBe(1);
    expect(j.command).toBe('energy sensitivity');
    expect(j.settings.map((s: { gpu: string; batch: number }) => `${s.gpu}/${s.batch}`)).toEqual(['H100/8', 'H100/64', 'B200/8', 'B200/64']);
    // the best single model is the 70B one; its energy is the hand-priced token counts
    for (const s of j.settings) {
      expect(s.energy.reference.model).toBe('big-70B-chat');
      const big = s.energy.routers.find((x: { name: string }) => x.name === 'big-70B-chat');
      expect(big.peak.jPerPrompt).toBeCloseTo(await handJPerPrompt(2, s.gpu, s.batch), 6);
      const tiny = s.energy.routers.find((x: { name: string }) => x.name === 'tiny-7B-chat');
      expect(tiny.peak.jPerPrompt).toBeCloseTo(await handJPerPrompt(0, s.gpu, s.batch), 6);
      const moe = s.energy.routers.find((x: { name: string }) => x.name === 'mistralai/mixtral-8x7b-chat');
      expect(moe.peak.jPerPrompt).toBeCloseTo(await handJPerPrompt(1, s.gpu, s.batch), 6);
      const aiqs = s.ranking.map((n: string) => s.energy.routers.find((x: { name: string }) => x.name === n).aiq);
      expect(aiqs).toEqual([...aiqs].sort((a: number, b: number) => b - a));
    }
    const md = readFileSync(join(out, 'sensitivity.md'), 'utf8');
    expect(r.stdout).toContain(md);
    expect(md).toMatch(/\| B200 \| 64 \| big-70B-chat \|/);
    expect(md).toContain(j.rankingStable ? 'Ranking identical in every setting' : 'Ranking changes between settings');
    // same seed, same bytes
    expect((await cli([...args, '--out', join(dir, 'again')])).code).toBe(0);
    expect(readFileSync(join(dir, 'again', 'sensitivity.json'))).toEqual(readFileSync(join(out, 'sensitivity.json')));
  });

  it('rejects a bad GPU, batch size or source with exit 2 and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sens-'));
    const src = writeTable(dir);
    const out = join(dir, 'sens');
    for (const [extra, msg] of [
      [['--gpus', 'H100,V100'], /--gpus: 'V100' is not one of H100, B200, A100/],
      [['--batches', '8,0'], /--batches: each batch size must be a number from 1 to 65536, got '0'/],
      [['--batches', '8,8'], /--batches: a batch size is listed twice/],
    ] as [string[], RegExp][]) {
      const r = await cli(['energy', 'sensitivity', src, ...extra, '--runs', '1', '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(existsSync(out)).toBe(false);
    }
    writeFileSync(join(dir, 'bad.csv'), 'sample_id,prompt\n1,x\n');
    const bad = await cli(['energy', 'sensitivity', join(dir, 'bad.csv'), '--runs', '1', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/greenserv: error: .*bad\.csv.*not a RouterBench table/);
    expect(existsSync(out)).toBe(false);
  });
});

const RB = resolve(__dirname, '../../../shared/data/routerbench');
const haveRb = existsSync(join(RB, 'arc_challenge_test.csv'));
if (!haveRb) console.warn(`skipping the README sensitivity row check: ${RB} not found (shared reference data is absent)`);

describe('the sensitivity table in the README', () => {
  it.skipIf(!haveRb)('its H100, batch 32 row is what the command computes on ../shared', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sens-'));
    const r = await cli(['energy', 'sensitivity', RB, '--gpus', 'H100', '--batches', '32', '--out', join(dir, 's')]);
    expect(r.code).toBe(0);
    const row = (text: string): string | undefined => text.split('\n').find((l) => l.startsWith('| H100 | 32 | gpt-4'));
    const computed = row(readFileSync(join(dir, 's', 'sensitivity.md'), 'utf8'));
    expect(computed).toBeDefined();
    expect(row(readFileSync(resolve(__dirname, '../../README.md'), 'utf8'))).toBe(computed);
  });
});

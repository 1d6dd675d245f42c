import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnergyModelFlag } from '../../src/data/energy/flag.js';
import { UsageError } from '../../src/core/errors.js';
import { userErrorText } from '../../src/cli/errors.js';
// the command lines go through main() in this process (the file is in the isolated project): the agreement checked
// is the commands', and a child per command would mostly import the library
import { cliInProcess as cli } from '../helpers/cli.js';
import { thrown } from '../helpers/errors.js';

function toyRouterbench(dir: string): string {
  const models = ['tiny-7B-chat', 'big-70B-chat'];
  let s = ['sample_id', 'prompt', 'eval_name', ...models, ...models.map((m) => `${m}|model_response`), ...models.map((m) => `${m}|total_cost`)].join(',') + '\n';
  for (let i = 0; i < 40; i++) {
    const prompt = `"['Question ${i}: ${'why '.repeat(i % 7)}?']"`;
    s += [`q.${i}`, prompt, i % 2 ? 'fam-a' : 'fam-b', String(i % 3 === 0 ? 1 : 0), String(i % 4 === 0 ? 0 : 1), `"['${'ok '.repeat(1 + (i % 5))}']"`, `"['${'sure '.repeat(2 + (i % 3))}']"`, '0.0001', '0.001'].join(',') + '\n';
  }
  const f = join(dir, 'toy.csv');
  writeFileSync(f, s);
  return f;
}

describe('--energy-model', () => {
  it('parses gpu, batch, models and tokenizer and names the option on errors', () => {
    expect(parseEnergyModelFlag('gpu=h100,batch=32')).toEqual({ gpu: 'H100', batch: 32, models: undefined, tokenizer: 'cl100k' });
    expect(parseEnergyModelFlag('batch=8, gpu=A100, models=s.csv, tokenizer=o200k')).toEqual({ gpu: 'A100', batch: 8, models: 's.csv', tokenizer: 'o200k' });
    for (const bad of ['gpu=H100', 'gpu=H100,batch=32,color=red', 'gpu=H100,batch=x', 'gpu=H100,batch=', 'gpu=H100,gpu=B200,batch=8', 'gpu=TPU,batch=8']) {
      expect(() => parseEnergyModelFlag(bad), bad).toThrow(UsageError);
      expect(() => parseEnergyModelFlag(bad), bad).toThrow(/^energyModel[: ]/);
      expect(userErrorText(thrown(() => parseEnergyModelFlag(bad))), bad).toMatch(/^--energy-model[: ]/);
    }
  });

  it('an unknown tokenizer is refused when the spec is parsed, listing the accepted names, as a bad gpu is', () => {
    // it used to pass parsing and fail only once a table was loaded, as '--tokenizer' (a flag simulate does not have)
    for (const bad of ['gpu=H100,batch=32,tokenizer=zz', 'gpu=H100,batch=32,tokenizer=', 'gpu=H100,batch=32,tokenizer=CL100K']) {
      const tok = bad.slice(bad.indexOf('tokenizer=') + 'tokenizer='.length);
      const e = thrown(() => parseEnergyModelFlag(bad));
      expect(e, bad).toBeInstanceOf(UsageError);
      expect(e.message, bad).toBe(`energyModel: '${tok}' is not one of cl100k, o200k`);
      expect(userErrorText(e), bad).toBe(`--energy-model: '${tok}' is not one of cl100k, o200k`);
    }
    expect(parseEnergyModelFlag('gpu=H100,batch=32,tokenizer=o200k').tokenizer).toBe('o200k');
  });

  it('a batch that is not a decimal number and an empty models= are refused, not read as 16 or ignored', () => {
    // Number('0x10') was 16 (energy attach --batch 0x10 is refused), and models= was dropped without a word
    const cases: [string, string][] = [
      ['gpu=H100,batch=0x10', "energyModel batch must be a number from 1 to 65536, got '0x10'"],
      ['gpu=H100,batch=0b1000', "energyModel batch must be a number from 1 to 65536, got '0b1000'"],
      ['gpu=H100,batch=8,models=', 'energyModel: models is empty'],
      ['gpu=H100,batch=8,models= ', 'energyModel: models is empty'],
    ];
    for (const [spec, message] of cases) {
      const e = thrown(() => parseEnergyModelFlag(spec));
      expect(e, spec).toBeInstanceOf(UsageError);
      expect(e.message, spec).toBe(message);
      expect(userErrorText(e), spec).toBe(message.replace(/^energyModel/, '--energy-model'));
    }
    // decimals as --batch takes them still parse
    expect(parseEnergyModelFlag('gpu=H100,batch=1e1').batch).toBe(10);
    expect(parseEnergyModelFlag('gpu=H100,batch= 7.5 ').batch).toBe(7.5);
  });

  it('a part of the spec megabytes long is shown by its start', () => {
    const long = 'a'.repeat(1_000_000);
    for (const spec of [`gpu=H100,batch=8,${long}`, `gpu=${long},batch=8`, `gpu=H100,batch=8,tokenizer=${long}`, `gpu=H100,batch=${long}`]) {
      const e = thrown(() => parseEnergyModelFlag(spec));
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message.length, spec.slice(0, 30)).toBeLessThan(300);
      expect(e.message).toContain(`${'a'.repeat(80)}…`);
    }
  });

  it('an unknown tokenizer in --energy-model is exit 2 naming the flag, before any data is read or anything written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-emflag-'));
    const want = "greenserv: error: --energy-model: 'zz' is not one of cl100k, o200k\n";
    const spec = 'gpu=H100,batch=32,tokenizer=zz';
    // the data does not exist: the spec is refused first
    const absent = join(dir, 'absent.csv');
    for (const args of [
      ['simulate', '--data', absent, '--energy-model', spec, '--out', join(dir, 'r'), '--no-progress'],
      ['simulate', '--energy-model', spec, '--out', join(dir, 'r'), '--no-progress', '--runs', '1', '--policies', 'random'],
      ['evaluate', '--routerbench', absent, '--cost', 'energy', '--energy-model', spec, '--out', join(dir, 'r')],
      ['profile-models', '--data', absent, '--energy-model', spec, '--out', join(dir, 'r')],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(want);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('simulate --energy-model scores exactly as simulate on the table energy attach writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-emflag-'));
    const src = toyRouterbench(dir);
    const common = ['--runs', '2', '--policies', 'random,smallest,linucb', '--no-progress', '--json'];
    const direct = await cli(['simulate', '--data', src, '--energy-model', 'gpu=B200,batch=64', '--out', join(dir, 'r1'), ...common]);
    expect(direct.stderr).not.toMatch(/error/);
    expect(direct.code).toBe(0);
    const out = join(dir, 'att.csv');
    expect((await cli(['energy', 'attach', src, '--gpu', 'B200', '--batch', '64', '--out', out])).code).toBe(0);
    const viaFile = await cli(['simulate', '--data', out, '--queries', join(dir, 'att.queries.csv'), '--models', join(dir, 'att.models.csv'), '--out', join(dir, 'r2'), ...common]);
    expect(viaFile.code).toBe(0);
    const a = JSON.parse(direct.stdout);
    const b = JSON.parse(viaFile.stdout);
    expect(a.dataset.sha256).toBe(b.dataset.sha256);
    expect(a.policies).toEqual(b.policies);
    expect(a.policies.find((p: { name: string }) => p.name === 'random').energyWh.mean).toBeGreaterThan(0);
  });

  it('a bad spec is exit 2 before anything is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-emflag-'));
    const src = toyRouterbench(dir);
    const r = await cli(['simulate', '--data', src, '--energy-model', 'gpu=H100', '--out', join(dir, 'r'), '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/greenserv: error: --energy-model: needs gpu=<H100\|B200\|A100> and batch=<n>/);
    expect(readdirSync(dir)).toEqual(['toy.csv']);
  });
});

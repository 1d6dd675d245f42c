import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { userErrorText } from '../../src/cli/errors.js';
import { energySensitivity, evaluateRouterbench, profileTable, UsageError } from '../../src/app/index.js';
import { handJPerPrompt, writeRouterbenchCsv } from '../helpers/energyTable.js';

const FAST = { lambdas: [0, 1], runs: 1, policies: ['linucb'], jobs: 1 };

describe('library: energy on RouterBench tables', () => {
  it('evaluateRouterbench with cost energy carries the energy block; a missing or stray energyModel names the field', async () => {
    const src = writeRouterbenchCsv(mkdtempSync(join(tmpdir(), 'gs-apie-')));
    const ev = await evaluateRouterbench({ source: src, cost: 'energy', energyModel: 'gpu=H100,batch=16', ...FAST });
    expect(ev.energy).not.toBeNull();
    expect(ev.energy!.energyModel).toMatchObject({ gpu: 'H100', batch: 16 });
    const ref = ev.energy!.metrics.reference;
    expect(ref.model).toBe('big-70B-chat');
    expect(ref.jPerPrompt).toBeCloseTo(await handJPerPrompt(2, 'H100', 16), 6);
    expect((ev.result.summary as { energy?: unknown }).energy).toBe(ev.energy);
    const usd = await evaluateRouterbench({ source: src, ...FAST });
    expect(usd.energy).toBeNull();
    await expect(evaluateRouterbench({ source: src, cost: 'energy', ...FAST })).rejects.toThrow(/^energyModel: cost 'energy' needs an energy model/);
    await expect(evaluateRouterbench({ source: src, energyModel: 'gpu=H100,batch=16', ...FAST })).rejects.toBeInstanceOf(UsageError);
  });

  it('an energyModel with an unknown tokenizer is refused when the request is checked, naming the field, before any data is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-apie-'));
    const absent = join(dir, 'absent.csv');
    const refused = new UsageError("energyModel: 'zz' is not one of cl100k, o200k");
    const energyModel = 'gpu=H100,batch=32,tokenizer=zz';
    // a DataError (the file) came first: the tokenizer was only looked at once the table was loaded
    await expect(evaluateRouterbench({ source: absent, cost: 'energy', energyModel, ...FAST })).rejects.toThrow(refused);
    await expect(profileTable({ data: absent, energyModel })).rejects.toThrow(refused);
    // on the built-in table it was 'tokenizer: …', a field profileTable does not have, after the output directory was opened
    await expect(profileTable({ energyModel, out: join(dir, 'out') })).rejects.toThrow(refused);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('energySensitivity rejects an unknown GPU and a repeated batch before loading anything', async () => {
    await expect(energySensitivity({ source: '/nonexistent', gpus: ['X100' as 'H100'] })).rejects.toThrow(/^gpus: 'X100' is not one of/);
    // the command names the same setting by its flag
    const e = (await energySensitivity({ source: '/nonexistent', gpus: ['H100', 'H100'] }).catch((x: Error) => x)) as Error;
    expect([e.message, userErrorText(e)]).toEqual(['gpus: a GPU is listed twice', '--gpus: a GPU is listed twice']);
    await expect(energySensitivity({ source: '/nonexistent', batches: [8, 8] })).rejects.toThrow(/a batch size is listed twice/);
  });

  it('energySensitivity loads policyModules first, and scores a setting as evaluateRouterbench with that energy model does', async () => {
    const src = writeRouterbenchCsv(mkdtempSync(join(tmpdir(), 'gs-apie-')));
    const req = { source: src, lambdas: [0, 1], runs: 1, jobs: 1, policyModules: [resolve(__dirname, '../../examples/policies/softmax.mjs')], policies: ['softmax-example', 'linucb'] };
    const s = await energySensitivity({ ...req, gpus: ['B200'], batches: [8] });
    expect(s.config.policies).toEqual(['softmax-example', 'linucb']);
    const ev = await evaluateRouterbench({ ...req, cost: 'energy', energyModel: 'gpu=B200,batch=8' });
    expect(s.settings[0].energy).toEqual(ev.energy!.metrics);
    // so do the evaluation fields it applies, embed contexts of a chosen dimension among them
    const embed = { ...req, features: ['embed' as const], embedDim: 4 };
    const se = await energySensitivity({ ...embed, gpus: ['B200'], batches: [8] });
    expect(se.settings[0].energy).toEqual((await evaluateRouterbench({ ...embed, cost: 'energy', energyModel: 'gpu=B200,batch=8' })).energy!.metrics);
  });

  it('energySensitivity refuses the evaluation fields it does not apply, naming the field, before loading anything', async () => {
    const fields: Record<string, unknown> = { cost: 'energy', energyModel: 'gpu=H100,batch=8', split: 0.5, splits: 2, train: 't.csv', budget: 'usd=0.01', drift: [{ step: 1, model: 'm', accuracy: -0.1 }], feedbackDelay: '5', feedbackRate: 0.5 };
    for (const [field, value] of Object.entries(fields)) {
      await expect(energySensitivity({ source: '/nonexistent', [field]: value } as never)).rejects.toThrow(new RegExp(`^${field}: energy sensitivity does not apply it`));
    }
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { energySensitivity, evaluateRouterbench, UsageError } from '../../src/app/index.js';
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

  it('energySensitivity rejects an unknown GPU and a repeated batch before loading anything', async () => {
    await expect(energySensitivity({ source: '/nonexistent', gpus: ['X100' as 'H100'] })).rejects.toThrow(/--gpus: 'X100' is not one of/);
    await expect(energySensitivity({ source: '/nonexistent', batches: [8, 8] })).rejects.toThrow(/a batch size is listed twice/);
  });
});

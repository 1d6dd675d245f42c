/**
 * Warnings that name a setting name it as the caller wrote it: the library's field (`features`,
 * `estimateEnergy`) to a library caller, the flag (`--features`, `--estimate-energy`) on the command line.
 */
import { describe, expect, it } from 'vitest';
import { contextFeatures } from '../../src/app/evaluate.js';
import { profileTable } from '../../src/app/profile.js';
import { flagName } from '../../src/cli/errors.js';
import { warn as cliWarn } from '../../src/cli/say.js';
import { warnSetting, wordedWarn } from '../../src/core/errors.js';
import { randomTable } from '../helpers/table.js';
import { runCli } from '../profiling/helpers.js';

describe('warnSetting', () => {
  it('words by field for a plain callback, by the callback\'s own naming otherwise', () => {
    const got: string[] = [];
    const plain = (m: string): void => void got.push(m);
    warnSetting(plain, (n) => `${n('maxLatency')} is ignored`);
    warnSetting(wordedWarn(plain, flagName), (n) => `${n('maxLatency')} is ignored`);
    warnSetting(undefined, (n) => `${n('maxLatency')} is ignored`);
    expect(got).toEqual(['maxLatency is ignored', '--max-latency is ignored']);
    // the command's warning sink is one that names flags
    expect((cliWarn as unknown as { wording: typeof flagName }).wording).toBe(flagName);
  });
});

describe('library and command wording of the same warning', () => {
  it('contextFeatures: a table without cluster values or prompt text', () => {
    const t = randomTable(3, 12, 3);
    t.cluster.fill(-1);
    const got: string[] = [];
    const plain = (m: string): void => void got.push(m);
    expect(contextFeatures(t, ['task', 'cluster'], 'thresholds', plain)).toEqual(['task']);
    expect(contextFeatures(t, ['task', 'cluster'], 'thresholds', wordedWarn(plain, flagName))).toEqual(['task']);
    const text = 'the table has no cluster values and no prompt text to compute them from; using task';
    expect(got).toEqual([`features: ${text}`, `--features: ${text}`]);
  });

  it('profileTable estimateEnergy on a table whose every cell is measured; profile-models --estimate-energy', async () => {
    const got: string[] = [];
    await profileTable({ estimateEnergy: true, warn: (m) => void got.push(m) });
    // a batch size alone asks for the estimate too
    await profileTable({ estimateBatch: 4, warn: (m) => void got.push(m) });
    expect(got).toEqual(Array(2).fill('estimateEnergy: every cell already has a measured energy; nothing estimated'));
    const r = await runCli(['--estimate-energy']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('greenserv: warning: --estimate-energy: every cell already has a measured energy; nothing estimated');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSizesFile } from '../../src/data/energy/sizes.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-sizes-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('--models sizes file', () => {
  it('reads total, active and precision, active defaulting to the total', () => {
    const m = readSizesFile(file('ok.csv', 'model,total_params_b,active_params_b,precision\ngpt-4-1106-preview,1000,200,fp8\nclaude-v2,100\n'));
    expect(m.get('gpt-4-1106-preview')).toMatchObject({ totalB: 1000, activeB: 200, precision: 'fp8' });
    expect(m.get('claude-v2')).toMatchObject({ totalB: 100, activeB: 100, precision: 'bf16' });
  });

  it('a misspelt or unknown column is refused naming file, line 1 and the column, not ignored', () => {
    const f = file('typo.csv', 'model,total_params_b,active_param_b\ngpt-4-1106-preview,1000,200\n');
    expect(() => readSizesFile(f)).toThrow(`${f}:1 (column 'active_param_b'): unknown column 'active_param_b' (expected model, total_params_b, active_params_b, precision)`);
  });

  it('a column given twice is refused (the second would be ignored)', () => {
    const f = file('twice.csv', 'model,total_params_b,Total_Params_B\nclaude-v2,100,50\n');
    expect(() => readSizesFile(f)).toThrow(`${f}:1 (column 'total_params_b'): column 'total_params_b' appears twice`);
  });
});

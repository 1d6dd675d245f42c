/** `report` on the directory of a series of splits points to a split's own directory. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rebuildReport } from '../../src/report/rebuild.js';

describe('report on a series of splits', () => {
  it('names a split directory to give instead; a directory of anything else is not a results directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-splits-'));
    await expect(rebuildReport(dir, () => {})).rejects.toThrow(`${dir}: not a results directory: summary.json is missing`);
    writeFileSync(join(dir, 'splits.csv'), 'split,draw,dir\n');
    mkdirSync(join(dir, 'split-0.5'));
    mkdirSync(join(dir, 'split-0.3'));
    await expect(rebuildReport(dir, () => {})).rejects.toThrow(`${dir}: a series of splits: each split has its own results and report.html; give one split's directory, e.g. ${join(dir, 'split-0.3')}`);
  });
});

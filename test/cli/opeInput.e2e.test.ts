/**
 * `greenserv ope` on inputs at the edge of the input bounds (docs/limits.md): the limits its messages name
 * can be raised on its own command line, and nothing is written when one is exceeded.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-ope-input-'));

describe('ope input bounds', () => {
  it('--max-decompressed and --max-line-bytes bound the log and can be raised', async () => {
    // 200 rows with a repetitive note, one of them 300 KB long: ~320 KB inflated from about 1 KB
    const rows = Array.from({ length: 200 }, (_, i) => `q${i},m${i % 2},0.5,${i % 3 === 0 ? 1 : 0},${'x'.repeat(i === 0 ? 300_000 : 60)}`);
    const log = join(dir, 'log.csv.gz');
    writeFileSync(log, gzipSync('query_id,model_id,propensity,accuracy,note\n' + rows.join('\n') + '\n'));
    const out = join(dir, 'out');
    const args = ['ope', '--logs', log, '--policies', 'random', '--bootstrap', '20', '--out', out];

    let r = await cli([...args, '--max-decompressed', '4K']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/log\.csv\.gz: gzip data inflates beyond 4096 bytes .*--max-decompressed/);
    expect(existsSync(out)).toBe(false);

    // the record bound is checked as input is buffered (docs/limits.md), so the long row is well past it
    r = await cli([...args, '--max-line-bytes', '100K']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/log\.csv\.gz:2: record is longer than 102400 bytes.*--max-line-bytes/);
    expect(existsSync(out)).toBe(false);

    r = await cli([...args, '--max-decompressed', '1M', '--max-line-bytes', '1M']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('200 decisions × 2 models');
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
  });
});

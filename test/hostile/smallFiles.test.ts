/**
 * Small user files read whole (task model, queries, bounds): devices, directories, oversize files and
 * failed reads are the user's problem, named, and bounded before anything is read.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { readFileBounded } from '../../src/core/readFile.js';
import { readBoundsFile } from '../../src/data/formats/bounds.js';
import { readQueries } from '../../src/features/queries.js';
import { loadTaskModel } from '../../src/features/taskClassifier.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-small-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bounded whole-file reads', () => {
  it('refuses a device, a directory, a missing file and a file over the bound, naming it', () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, 'x'.repeat(2048));
    mkdirSync(join(dir, 'd'));
    expect(() => readFileBounded('/dev/zero', 'task model')).toThrow(/\/dev\/zero: is not a regular file/);
    expect(() => readFileBounded(join(dir, 'd'), 'task model')).toThrow(/is a directory, expected task model/);
    expect(() => readFileBounded(join(dir, 'none.json'), 'task model')).toThrow(/none\.json: file not found/);
    expect(() => readFileBounded(big, 'bounds file', 1024)).toThrow(/2048 bytes, more than the 1024 a bounds file may have/);
    expect(readFileBounded(big, 'bounds file', 4096).length).toBe(2048);
  });

  it('every reader of a small file goes through the bound (a device never blocks or fills memory)', async () => {
    expect(() => loadTaskModel('/dev/zero')).toThrow(DataError);
    await expect(readBoundsFile('/dev/zero')).rejects.toThrow(/is not a regular file/);
    expect(() => readQueries('/dev/zero')).toThrow(/is not a regular file/);
  });
});

describe('a YAML/JSON bounds file is a config file', () => {
  it('refuses a NUL in a comment at its line and column, and still reads tab and CRLF', async () => {
    const bad = join(dir, 'b.yaml');
    writeFileSync(bad, 'mmlu:\n  ept_min: 0.1\n  ept_max: 0.9 # x\u0000\n');
    await expect(readBoundsFile(bad)).rejects.toThrow(/b\.yaml:3: control character U\+0000 \(NUL\) at column 19/);
    const ok = join(dir, 'ok.yaml');
    writeFileSync(ok, 'mmlu:\r\n  ept_min: 0.1\r\n  ept_max:\t0.9\r\n');
    const b = await readBoundsFile(ok);
    expect(b.get('mmlu')).toEqual({ eptMin: 0.1, eptMax: 0.9 });
  });
});

/**
 * Small user files read whole (task model, queries, bounds): devices, directories, oversize files and
 * failed reads are the user's problem, named, and bounded before anything is read.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { readFileBounded } from '../../src/core/readFile.js';
import { readLoadTestA100, readMlEnergy } from '../../src/data/energy/fit.js';
import { readSizesFile } from '../../src/data/energy/sizes.js';
import { readBoundsFile } from '../../src/data/formats/bounds.js';
import { readQueries } from '../../src/features/queries.js';
import { loadTaskModel } from '../../src/features/taskClassifier.js';

const BIN = resolve(__dirname, '../../bin/greenserv');
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
    expect(() => readSizesFile('/dev/zero')).toThrow(/\/dev\/zero: is not a regular file/);
    expect(() => readMlEnergy('/dev/zero')).toThrow(/\/dev\/zero: is not a regular file/);
    expect(() => readLoadTestA100('/dev/zero')).toThrow(/\/dev\/zero: is not a regular file/);
    expect(() => readSizesFile(join(dir, 'none.csv'))).toThrow(/none\.csv: file not found/);
  });

  it('a socket (open fails with ENXIO, as /dev/tty does without a terminal) is the user\'s problem, named', async () => {
    const sock = join(dir, 'queries.sock');
    const server = createServer();
    await new Promise<void>((ok) => server.listen(sock, ok));
    try {
      expect(() => readFileBounded(sock, 'queries file')).toThrow(/cannot read queries file '.*queries\.sock': no such device or address/);
    } finally {
      server.close();
    }
  });

  it.skipIf(process.platform === 'win32')('a FIFO with no writer is refused at once, not waited on (built CLI)', () => {
    const fifo = join(dir, 'queries.fifo');
    spawnSync('mkfifo', [fifo]);
    const r = spawnSync(process.execPath, [BIN, 'features', fifo], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`greenserv: error: ${fifo}: is not a regular file`);
  });

  it.skipIf(process.platform === 'win32')('energy fit and energy attach --models refuse a FIFO at once (built CLI)', () => {
    const fifo = join(dir, 'sizes.fifo');
    spawnSync('mkfifo', [fifo]);
    for (const args of [['energy', 'fit', '--mlenergy', fifo, '--loadtest', fifo], ['energy', 'attach', fifo, '--gpu', 'H100', '--batch', '8', '--models', fifo, '--out', join(dir, 'a.csv')]]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`greenserv: error: ${fifo}: is not a regular file`);
    }
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

import { tmpdir } from 'node:os';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PREFIX } from './globalTmp.js';

// The global setup (test/setup/globalTmp.ts) gives each run its own temporary directory and removes it at the
// end; the scratch directories the tests make therefore land inside it, not in the system's /tmp.
describe('test temporary directory', () => {
  it('is the run-scoped directory the global setup made', () => {
    expect(basename(tmpdir()).startsWith(PREFIX)).toBe(true);
    expect(process.env['TMPDIR']).toBe(tmpdir());
    // made by the setup, before any test ran
    expect(statSync(tmpdir()).isDirectory()).toBe(true);
  });
});

/**
 * Commands the CLI prints for users to run next (resume, merge, simulate a profiled table, the help texts) are
 * written `greenserv …`: README says `npx greenserv` is only for a checkout without `npm link`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('hints name the command one way', () => {
  it('no source file prints `npx greenserv`', () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').map((l, i) => [`${f.slice(SRC.length + 1)}:${i + 1}`, l] as const)).filter(([, l]) => /npx greenserv/.test(l));
    expect(found.map(([at]) => at)).toEqual([]);
  });
});

/**
 * docs/limits.md tells users where to raise a bound: "`MAX_X` in `src/…`". Each such constant must be
 * declared in the file named, or the advice leads nowhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

describe('docs/limits.md', () => {
  const text = readFileSync(join(ROOT, 'docs/limits.md'), 'utf8');
  const named = [...text.matchAll(/`([A-Z][A-Z0-9_]+)` in `(src\/[^`]+\.ts)`/g)].map((m) => [m[1], m[2]] as const);

  it('names constants (so the check has something to check)', () => {
    expect(named.length).toBeGreaterThan(15);
  });

  it('every constant it names is declared in the file it names', () => {
    const wrong = named.filter(([name, file]) => {
      const path = join(ROOT, file);
      return !existsSync(path) || !new RegExp(`\\bconst ${name}\\b`).test(readFileSync(path, 'utf8'));
    });
    expect(wrong.map(([n, f]) => `${n} in ${f}`)).toEqual([]);
  });
});

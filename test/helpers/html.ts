import { expect } from 'vitest';

/**
 * What a page needs for assistive technology: a lang, one h1 opening the outline and no heading level skipped
 * on the way down, and every header cell saying which cells it heads.
 */
export function expectAccessibleStructure(html: string): void {
  expect(html).toMatch(/^<!doctype html>\s*<html lang="en">/);
  const levels = [...html.matchAll(/<h([1-6])\b/g)].map((m) => Number(m[1]));
  expect(levels[0], 'first heading').toBe(1);
  expect(levels.filter((l) => l === 1)).toHaveLength(1);
  levels.forEach((l, i) => {
    if (i > 0) expect(l, `heading ${i}: h${levels[i - 1]} → h${l}`).toBeLessThanOrEqual(levels[i - 1] + 1);
  });
  const th = [...html.matchAll(/<th(?=[\s>])[^>]*>/g)].map((m) => m[0]);
  expect(th.length).toBeGreaterThan(0);
  for (const t of th) expect(t).toMatch(/\sscope="col"/);
}

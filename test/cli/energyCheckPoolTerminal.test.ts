/**
 * `energy check-pool` and `energy fit` on a terminal: their tables were markdown up to 87 characters wide
 * whatever the terminal; now they fit its width with every figure kept, and piped they stay the markdown.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerEnergyCommand, textTable } from '../../src/cli/energy.js';

async function checkPool(width: number): Promise<string> {
  let out = '';
  const program = new Command().exitOverride();
  registerEnergyCommand(program, { out: (s) => void (out += s), err: () => {}, width });
  await program.parseAsync(['node', 'greenserv', 'energy', 'check-pool']);
  return out;
}

/** The figures of the cells: the headers' own numbers (the GPU, the batch, the band's 90 %) left out. */
const figures = (s: string): string[] => (s.replace(/modelled Wh \(A100, batch 1\)|90 % band/g, '').match(/-?\d+(\.\d+)?( %)?/g) ?? []).sort();

describe('energy check-pool on a terminal', () => {
  it('fits 60, 80 and 120 columns with the figures of the piped markdown', async () => {
    const piped = await checkPool(Infinity);
    const rows = piped.split('\n').filter((l) => /^\| [a-z]/.test(l) && !l.startsWith('| model'));
    expect(rows).toHaveLength(16);
    expect(piped.split('\n')[1]).toBe('|---|---|---|---|---|---|');
    for (const width of [60, 80, 120]) {
      const text = await checkPool(width);
      expect(text.split('\n').filter((l) => [...l].length > width)).toEqual([]);
      expect(text).not.toMatch(/^\|/m);
      expect(figures(text)).toEqual(figures(piped));
    }
  });

  it('textTable: markdown when piped, aligned columns on a terminal', () => {
    expect(textTable(['a', 'b'], [['x', '1.5'], ['yy', '10']], Infinity)).toBe('| a | b |\n|---|---|\n| x | 1.5 |\n| yy | 10 |\n');
    const t = textTable(['a', 'b'], [['x', '1.5'], ['yy', '10']], 80).split('\n');
    // numbers right-aligned under their header
    expect(t.find((l) => l.startsWith('x'))!.endsWith('1.5')).toBe(true);
    expect(t.find((l) => l.startsWith('yy'))!.endsWith(' 10')).toBe(true);
  });
});

/**
 * Every `--help` fits terminals 60, 80 and 120 columns wide: commander left descriptions unwrapped beside long
 * terms on narrow terminals and never broke a grammar string such as --drift's.
 */
import type { Command, Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/index.js';

function all(c: Command): Command[] {
  return [c, ...c.commands.flatMap(all)];
}

function helpAt(c: Command, width: number): string {
  c.configureHelp({ ...(c.configureHelp() as Partial<Help>), helpWidth: width });
  return c.helpInformation();
}

const name = (c: Command): string => (c.parent ? `${name(c.parent)} ${c.name()}` : c.name());

describe('--help at terminal widths', () => {
  for (const width of [60, 80, 120]) {
    it(`every command's help fits ${width} columns`, async () => {
      const long: string[] = [];
      for (const full of [false, true]) {
        for (const c of all(await buildProgram([], full))) {
          for (const line of helpAt(c, width).split('\n')) if ([...line].length > width) long.push(`${name(c)}: ${line}`);
        }
      }
      expect(long).toEqual([]);
    });
  }

  it('a description too wide beside its term goes under it, every word kept', async () => {
    const sim = (await buildProgram(['node', 'greenserv', 'simulate'])).commands.find((c) => c.name() === 'simulate')!;
    const text = helpAt(sim, 60);
    expect(text).toMatch(/\n {2}--drift <spec>\n {6}drift event, repeatable:\n {6}step=<n>,model=<id>\[,task=<name>\]/);
    const words = (s: string): string => s.replace(/\s+/g, '');
    const drift = sim.options.find((o) => o.long === '--drift')!.description;
    expect(words(text)).toContain(words(drift));
  });
});

import { describe, expect, it } from 'vitest';
import { renderAttach } from '../../src/cli/energy.js';
import type { AttachResult } from '../../src/data/energy/attach.js';

const model = (id: string, totalJ: number, lowJ: number, highJ: number, source = 'model card') => ({ id, size: { totalB: 13, activeB: 13, source }, eOut: 0.3, eIn: 0.0368, cells: 380, totalJ, lowJ, highJ });
const tokens = { inputFromTable: 0, inputCounted: 3, outputFromTable: 0, outputCounted: 3, outputAssumed: 0 };
const widest = (s: string): number => Math.max(...s.split('\n').map((l) => l.length));

describe('energy attach: the terminal table', () => {
  it('prints the energy and its 90 % band in one unit per column, named in the header', () => {
    const r = { models: [model('a', 5004, 2522.7, 10008), model('b', 2848.3, 1438.1, 5652), model('c', 900, 450, 1800)], tokens } as unknown as AttachResult;
    const t = renderAttach(r, 'H100', 32, 'cl100k');
    expect(t).toMatch(/^model .* energy Wh +90 % band Wh$/m);
    expect(t).toMatch(/^a .* 1\.39 +0\.70–2\.78$/m);
    // below 1 Wh, still in Wh: no row in J beside rows in Wh
    expect(t).toMatch(/^b .* 0\.79 +0\.40–1\.57$/m);
    expect(t).toMatch(/^c .* 0\.25 +0\.13–0\.50$/m);
    expect(t).not.toMatch(/\d J\b/);
    // a table whose bands all stay below 1 Wh is in J
    const small = renderAttach({ models: [model('c', 900, 450, 1800)], tokens } as unknown as AttachResult, 'H100', 32, 'cl100k');
    expect(small).toMatch(/^model .* energy J +90 % band J$/m);
    expect(small).toMatch(/^c .* 900\.0 +450\.0–1800\.0$/m);
  });

  it('fits an 80-column terminal: counts and J per token give way, an assumed size is starred with a note', () => {
    const long = 'meta/code-llama-instruct-34b-chat';
    const r = { models: [model(long, 13320, 6732, 26496), model('gpt-4-1106-preview', 110628, 55836, 219528, 'assumption: not disclosed')], tokens } as unknown as AttachResult;
    const piped = renderAttach(r, 'H100', 32, 'cl100k');
    expect(widest(piped)).toBeGreaterThan(120);
    expect(piped).toMatch(/^model +total B +active B +size from +J\/out-tok +J\/in-tok +cells +energy Wh +90 % band Wh$/m);
    expect(piped).toContain('assumption: not disclosed');
    expect(piped).not.toContain('*');
    const tty = renderAttach(r, 'H100', 32, 'cl100k', 79);
    expect(widest(tty)).toBeLessThanOrEqual(79);
    expect(tty).toMatch(/^model +total B +active B +energy Wh +90 % band Wh$/m);
    expect(tty).toMatch(/^gpt-4-1106-preview\* .* 30\.73 +15\.51–60\.98$/m);
    expect(tty).toMatch(/^meta\/code-llama-instruct-34b-chat +13 +13 +3\.70 +1\.87–7\.36$/m);
    expect(tty).toContain('\n* size assumed (not disclosed by its maker); --models <csv> sets it\n');
  });
});

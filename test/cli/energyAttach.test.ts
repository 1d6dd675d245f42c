import { describe, expect, it } from 'vitest';
import { renderAttach } from '../../src/cli/energy.js';
import type { AttachResult } from '../../src/data/energy/attach.js';

const model = (id: string, totalJ: number, lowJ: number, highJ: number) => ({ id, size: { totalB: 13, activeB: 13, source: 'model card' }, eOut: 0.3, eIn: 0.0368, cells: 380, totalJ, lowJ, highJ });

describe('energy attach: the terminal table', () => {
  it('prints each 90 % band in one unit, that of its high end', () => {
    const r = { models: [model('a', 5004, 2522.7, 10008), model('b', 2848.3, 1438.1, 5652), model('c', 900, 450, 1800)], tokens: { inputFromTable: 0, inputCounted: 3, outputFromTable: 0, outputCounted: 3, outputAssumed: 0 } } as unknown as AttachResult;
    const t = renderAttach(r, 'H100', 32, 'cl100k');
    expect(t).toMatch(/^ {2}a .* 1\.39 Wh +0\.70 Wh – 2\.78 Wh$/m);
    expect(t).toMatch(/^ {2}b .* 2848\.3 J +0\.40 Wh – 1\.57 Wh$/m);
    expect(t).toMatch(/^ {2}c .* 900\.0 J +450\.0 J – 1800\.0 J$/m);
  });
});

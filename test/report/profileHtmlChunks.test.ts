/** profile.html written in pieces (profileHtmlChunks) is the page profileHtml makes of the whole section. */
import { describe, expect, it } from 'vitest';
import { makePoolTable } from '../../src/data/pool.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { profileHtml, profileHtmlChunks, profileReportSection, renderProfileCharts } from '../../src/report/profile.js';

describe('profileHtmlChunks', () => {
  it('joins to profileHtml of the section, with names that look like markup', async () => {
    // ids that, unescaped, would be a header cell, close the style or look like a scroll hint
    const ids = ['<th>x', '</style>', 'class="scroll-hint sh77"', 'plain'];
    const M = ids.length;
    const t = makePoolTable({
      name: '</style><th class="scroll-hint sh9">',
      queryIds: ['q0', 'q1'],
      queryTasks: ['<th', 'b'],
      models: ids.map((id, m) => ({ id, name: id, paramsB: m + 1 })),
      accuracy: Float64Array.from({ length: 2 * M }, (_, k) => (k % 3 === 0 ? 1 : 0.5)),
      energyJ: Float64Array.from({ length: 2 * M }, (_, k) => 1 + k),
      present: new Uint8Array(2 * M).fill(1),
    });
    const p = await buildProfile(t, { lambda: 0.5 });
    const charts = await renderProfileCharts(p);
    const whole = profileHtml(p, profileReportSection(p, charts));
    expect([...profileHtmlChunks(p, charts)].join('')).toBe(whole);
    // the hint rule of the charts' width went into the style, and header cells got their scope
    expect(whole).toMatch(/@media \(max-width:\d+px\)\{\.sh\d+\{display:block\}\}<\/style>/);
    expect(whole).toContain('<th scope="col">');
  });
});

import { describe, expect, it } from 'vitest';
import { chartSvg } from '../../src/report/html.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { profileReportSection } from '../../src/report/profile.js';
import { randomTable } from '../helpers/table.js';

const svg = (w: number): string => `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="300" viewBox="0 0 ${w} 300"><rect/></svg>`;

describe('profile.html charts on the shared text scale', () => {
  it('a chart wider than 914 px keeps at least 0.7 of its width on a phone (its text stays at 7.7 px or more); narrower ones keep 640 px', () => {
    expect(chartSvg(svg(1310))).toMatch(/^<svg style="width:1638px;min-width:917px"/);
    expect(chartSvg(svg(900))).toMatch(/^<svg style="width:1125px;min-width:640px"/);
  });

  it('the Pareto chart and the heatmap are drawn through chartSvg, not shrunk to a phone\'s width', async () => {
    const profile = await buildProfile(randomTable(3, 8, 4), { lambda: 0.5, cost: 'energy' });
    const charts = { pareto: { svg: svg(693) }, heatmap: { svg: svg(1310) } } as unknown as Parameters<typeof profileReportSection>[1];
    const html = profileReportSection(profile, charts);
    const figs = [...html.matchAll(/<figure><svg([^>]*)>/g)].map((m) => m[1]);
    expect(figs).toHaveLength(2);
    expect(figs[0]).toMatch(/^ style="width:866px;min-width:640px"/);
    expect(figs[1]).toMatch(/^ style="width:1638px;min-width:917px"/);
  });
});

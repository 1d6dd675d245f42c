/**
 * The profile scatter's model labels, as drawn: no two overlap. Boxes come from the rendered SVG (each text's
 * left-baseline anchor) and the DejaVu Sans advance widths at the drawn size, not from the placer's estimate.
 */
import { describe, expect, it } from 'vitest';
import { loadTable } from '../../src/data/load.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { paretoChartSpec } from '../../src/report/profileCharts.js';
import { renderChart } from '../../src/report/render.js';
import { dejaVuWidth } from '../../src/report/textWidth.js';

/** The label boxes of a rendered scatter: [x0, x1] by the text's width, [y − ascent, y + descent] at 10 px. */
function labelBoxes(svg: string, ids: string[]): { id: string; x0: number; x1: number; y0: number; y1: number }[] {
  const out = [];
  for (const m of svg.matchAll(/<text [^>]*transform="translate\(([-\d.]+),([-\d.]+)\)"[^>]*font-size="10px"[^>]*>([^<]+)<\/text>/g)) {
    const id = m[3];
    if (!ids.includes(id)) continue;
    const x = Number(m[1]);
    const y = Number(m[2]);
    out.push({ id, x0: x, x1: x + dejaVuWidth(id, 10), y0: y - 7.6, y1: y + 2.4 });
  }
  return out;
}

describe('profile scatter labels', () => {
  it('no two model labels overlap on the built-in pool (two dominated models nearly share a point)', async () => {
    const p = await buildProfile(await loadTable('greenserv-pool'), { lambda: 0.5, cost: 'energy' });
    const ids = p.models.map((m) => m.id);
    const boxes = labelBoxes((await renderChart(paretoChartSpec(p), 1, 't')).svg, ids);
    expect(boxes.map((b) => b.id).sort()).toEqual([...ids].sort());
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        const overlap = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
        expect(overlap, `${a.id} and ${b.id}`).toBe(false);
      }
    }
  });
});

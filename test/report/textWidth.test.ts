import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Resvg } from '@resvg/resvg-js';
import { dejaVuWidth, vegaTextWidth } from '../../src/report/textWidth.js';
import { opeChartSpec } from '../../src/report/ope.js';
import { renderChart } from '../../src/report/render.js';
import type { OpeSummary } from '../../src/metrics/ope/summary.js';
import { opeSummaryOf } from '../helpers/opeSummary.js';

const DIR = '/usr/share/fonts/truetype/dejavu';
const have = existsSync(`${DIR}/DejaVuSans.ttf`) && existsSync(`${DIR}/DejaVuSans-Bold.ttf`);

/** Right edge (px) of what resvg draws of an SVG with a transparent background, at 2× zoom then scaled back. */
function inkRightOf(svg: string): number {
  const png = new Resvg(svg, { font: { fontFiles: [`${DIR}/DejaVuSans.ttf`, `${DIR}/DejaVuSans-Bold.ttf`], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: 2 } }).render();
  // (pixels is a copy on every read)
  const px = png.pixels;
  let right = 0;
  for (let y = 0; y < png.height; y++) for (let x = png.width - 1; x >= right; x--) if (px[(y * png.width + x) * 4 + 3] > 0) right = x + 1;
  return right / 2;
}

/** Right edge (px) of the ink of `text` drawn by resvg in DejaVu Sans from x = 0. */
function inkRight(text: string, size: number, bold: boolean): number {
  const esc = text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return inkRightOf(`<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(size * text.length * 1.2) + 10}" height="${size * 2}"><text x="0" y="${size * 1.5}" font-family="DejaVu Sans" font-size="${size}"${bold ? ' font-weight="bold"' : ''}>${esc}</text></svg>`);
}

describe.skipIf(!have)('text widths', () => {
  const texts = ['linear-epsilon-greedy', 'sliding-window-linucb', 'Cumulative regret, λ = 0.5 (mean, 95% CI over 2 runs)', 'query 1250: phi-4-mini-4b: accuracy −0.3', 'WWW mmm iii 0123456789', 'bar: quartiles equal · y axis does not start at 0', '±1.5 × 10² … ≥ 0', 'mistralai/mixtral-8x7b-chat'];
  it('are never narrower than resvg draws the text, and at most half an em wider', () => {
    for (const size of [9, 10, 11, 12, 14]) {
      for (const bold of [false, true]) {
        for (const t of texts) {
          const ink = inkRight(t, size, bold);
          const w = dejaVuWidth(t, size, bold);
          // (a glyph's ink may poke a fraction of a px past its advance, and edge pixels are partly covered)
          expect(w, `${t} @${size}${bold ? ' bold' : ''}`).toBeGreaterThanOrEqual(ink - 0.6);
          expect(w - ink, `${t} @${size}${bold ? ' bold' : ''}`).toBeLessThanOrEqual(0.5 * size);
        }
      }
    }
  });

  it('as Vega asks: default size 11, bold weights, never wider than a width limit', () => {
    expect(vegaTextWidth({}, 'abc')).toBeCloseTo(dejaVuWidth('abc', 11), 9);
    expect(vegaTextWidth({ fontSize: 14, fontWeight: 'bold' }, ' title ')).toBeCloseTo(dejaVuWidth('title', 14, true), 9);
    expect(vegaTextWidth({ fontSize: 14, fontWeight: 700 }, 'title')).toBeCloseTo(dejaVuWidth('title', 14, true), 9);
    expect(vegaTextWidth({ fontSize: 11, limit: 30 }, 'a long legend label')).toBe(30);
    expect(vegaTextWidth({ fontSize: 11 }, null)).toBe(0);
  });

  it('a chart is as wide as what it draws: no blank band right of a long title', async () => {
    const summary = opeSummaryOf(['reward'], ['dm'], [
      { name: 'random', params: {}, method: 'distribution', unbiased: true, diagnostics: null, kept: null, truth: { reward: 0.6 }, estimates: [{ metric: 'reward', estimator: 'dm', value: 0.61, lo: 0.5, hi: 0.7, sd: 0.05, param: null }] },
    ] as unknown as OpeSummary['policies']);
    const { svg } = await renderChart(opeChartSpec(summary), 1, 't');
    const width = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)![1]);
    // without the white background, the ink's right edge is within a few px of the chart's
    const ink = inkRightOf(svg.replace(/<rect width="[\d.]+" height="[\d.]+" fill="white"\/>/, ''));
    expect(ink).toBeLessThanOrEqual(width);
    expect(width - ink).toBeLessThan(20);
  });
});

/** Selection heatmaps of pools whose model ids are long and share a prefix (hub ids with quantisation tags). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileTable } from '../../src/app/index.js';
import { selectionSpec } from '../../src/report/chartsTime.js';
import { heatmapChartSpec } from '../../src/report/profileCharts.js';
import { renderChart } from '../../src/report/render.js';
import { dejaVuWidth } from '../../src/report/textWidth.js';

/** The y-axis label texts of a rendered heatmap (right-aligned texts left of the plot), in drawing order. */
function axisTexts(svg: string): string[] {
  return [...svg.matchAll(/<text text-anchor="end" transform="translate\(-\d+,[^"]*\)"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

function heatmap(models: string[]): ReturnType<typeof selectionSpec> {
  const share = [models.map(() => 1 / models.length)];
  return selectionSpec({ title: 't', sel: { windowStart: [0], share } as never, models, inPool: [models.map(() => true)], Q: 25, window: 25, events: [] });
}

describe('selection heatmap model labels', () => {
  it('long ids that share a prefix keep head and tail, each label distinct and within 180 px', async () => {
    const models = Array.from({ length: 12 }, (_, i) => `huggingface.co/very-long-organisation-name/instruct-model-with-a-very-long-name-${i}:q4_K_M`);
    const texts = axisTexts((await renderChart(heatmap(models), 1, 't')).svg);
    expect(texts).toHaveLength(12);
    expect(new Set(texts).size).toBe(12);
    for (const t of texts) {
      expect(dejaVuWidth(t, 11)).toBeLessThanOrEqual(180);
      const [head, tail] = t.split('…');
      const id = models.find((m) => m.startsWith(head) && m.endsWith(tail));
      expect(id, t).toBeDefined();
      // the tail says which model it is: its number and tag
      expect(tail).toMatch(/-\d+:q4_K_M$/);
    }
  });

  it('a cut never splits an emoji into a lone surrogate; ids that fit are drawn whole', async () => {
    const models = ['org/Modèl-with-a-rather-long-name-and-suffix-🚀🚀🚀🚀-1', 'org/Modèl-with-a-rather-long-name-and-suffix-🚀🚀🚀🚀-2', 'small-1b', 'meta/code-llama-instruct-34b-chat'];
    const texts = axisTexts((await renderChart(heatmap(models), 1, 't')).svg);
    expect(texts).toContain('small-1b');
    // 192 px: wider than 180, cut in the middle to 'meta/code-llam…truct-34b-chat'-like text, not at its end
    const meta = texts.find((t) => t.startsWith('meta/'))!;
    expect(meta.endsWith('34b-chat')).toBe(true);
    for (const t of texts) expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(t)).toBe(false);
    expect(new Set(texts).size).toBe(4);
  });
});

describe('profile heatmap model labels', () => {
  it('long ids sharing a prefix stay distinct on both panels', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `huggingface.co/very-long-organisation-name/instruct-model-with-a-very-long-name-${i}:q4_K_M`);
    const dir = mkdtempSync(join(tmpdir(), 'gs-heat-'));
    const f = join(dir, 'pairs.csv');
    const rows = ids.flatMap((id, m) => ['q1', 'q2'].map((q, k) => `${q},${id},${(m + k) % 2},${1 + m}`));
    writeFileSync(f, 'query_id,model_id,accuracy,energy_j\n' + rows.join('\n') + '\n');
    const p = await profileTable({ data: f });
    const texts = axisTexts((await renderChart(heatmapChartSpec(p), 1, 't')).svg).filter((t) => t.startsWith('huggingface'));
    // one label per model on each of the two panels
    expect(texts).toHaveLength(12);
    expect(new Set(texts).size).toBe(6);
    for (const t of texts) expect(t).toMatch(/^huggingface\.c.*….*-\d:q4_K_M$/);
  });
});

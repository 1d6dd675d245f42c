/**
 * Headless chart rendering: Vega-Lite spec → Vega → SVG (no browser, no display) → PNG via resvg.
 * Text uses fonts found on the system (DejaVu/Lato/Liberation on Debian); the SVG names a font stack so
 * the inline charts of report.html render the same in a browser.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { escHtml } from '../core/escape.js';
import { vegaTextWidth } from './textWidth.js';

export const CHART_FONT = 'DejaVu Sans, Lato, Liberation Sans, Arial, Helvetica, sans-serif';

/** Vega-Lite config shared by every chart: paper-size fonts and a neutral theme. */
const CHART_CONFIG = {
  font: CHART_FONT,
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  title: { fontSize: 14, anchor: 'start' as const },
  view: { stroke: '#bbbbbb' },
  background: 'white',
};

export interface RenderedChart {
  svg: string;
  png: Uint8Array;
}

const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/truetype/lato', '/usr/share/fonts/truetype/liberation', '/usr/share/fonts/TTF', '/Library/Fonts', 'C:\\Windows\\Fonts'];
const WANTED = /^(DejaVuSans(-Bold)?\.ttf|Lato-(Regular|Bold)\.ttf|LiberationSans-(Regular|Bold)\.ttf)$/;
let fontFiles: string[] | null = null;

/** A few known sans-serif files; scanning every system font for each chart would dominate render time. */
function findFonts(): string[] {
  if (fontFiles === null) {
    fontFiles = [];
    for (const d of FONT_DIRS) {
      if (!existsSync(d)) continue;
      // sorted: the order fonts are given to the renderer must not depend on how a file system lists a folder
      for (const f of readdirSync(d).sort()) if (WANTED.test(f)) fontFiles.push(join(d, f));
    }
  }
  return fontFiles;
}

/**
 * Vega numbers gradient and clip ids with a process-wide counter, so the same chart would get different
 * ids on a second render; renumber them from 0 under a per-chart prefix (stable, and unique inside report.html).
 */
function stableIds(svg: string, prefix: string): string {
  const map = new Map<string, string>();
  const safe = prefix.replace(/[^A-Za-z0-9_-]/g, '_');
  svg.replace(/\bid="([^"]+)"/g, (_m, id: string) => {
    if (!map.has(id)) map.set(id, `${safe}-${map.size}`);
    return '';
  });
  if (map.size === 0) return svg;
  return svg.replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${map.get(id)}"`).replace(/url\(#([^)]+)\)/g, (m, id: string) => (map.has(id) ? `url(#${map.get(id)})` : m));
}

/** The words of a spec's title and subtitle, one sentence each. */
export function specTitleText(spec: TopLevelSpec): string {
  const t = (spec as { title?: unknown }).title;
  const words = (v: unknown): string => (Array.isArray(v) ? v.join(' ') : typeof v === 'string' ? v : '');
  if (typeof t === 'string' || Array.isArray(t)) return words(t);
  if (t && typeof t === 'object') {
    const o = t as { text?: unknown; subtitle?: unknown };
    return [words(o.text), words(o.subtitle)].filter((x) => x).join('. ');
  }
  return '';
}

/**
 * Name an SVG for screen readers: one image (role img) labelled with what it shows, and an SVG <title> that
 * viewers show as a tooltip; Vega's own output carries no name.
 */
export function labelSvg(svg: string, label: string): string {
  if (!label) return svg;
  const e = escHtml(label);
  return svg.replace(/^<svg\b([^>]*)>/, `<svg$1 role="img" aria-label="${e}"><title>${e}</title>`);
}

/** Keys of a compiled Vega spec whose strings are expressions. */
const EXPRESSION_KEYS = new Set(['expr', 'signal', 'update', 'test', 'init']);
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;

/**
 * The spec with each string literal in an expression that names an Object member ("constructor", "toString")
 * split into a concatenation. Vega's expression parser looks a string's value up in a plain object and takes
 * such a string for a variable, so a label or task of that name (which Vega-Lite puts into sort and order
 * expressions) stopped the chart; other expressions are left as they are.
 */
export function safeLiterals<T>(spec: T): T {
  const fix = (expr: string): string =>
    expr.replace(STRING_LITERAL, (lit) => {
      const q = lit[0];
      const body = lit.slice(1, -1);
      return body.length > 1 && !body.includes('\\') && (body in Object.prototype || body === '__proto__') ? `(${q}${body.slice(0, -1)}${q}+${q}${body.slice(-1)}${q})` : lit;
    });
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return EXPRESSION_KEYS.has(key) ? fix(v) : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    // a data set's values hold data, not expressions
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: k === 'values' ? x : walk(x, k), enumerable: true, writable: true, configurable: true });
    return out;
  };
  return walk(spec, '') as T;
}

export async function renderChart(spec: TopLevelSpec, scale = 2, idPrefix = 'chart'): Promise<RenderedChart> {
  const [vega, vl, { Resvg }] = await Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]);
  // lay text out at the widths it is drawn with (Vega's estimate without a canvas is 0.8 em a character)
  (vega as unknown as { textMetrics: { width: unknown } }).textMetrics.width = vegaTextWidth;
  const full = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  // vega-lite's warnings go to the console; charts are checked in tests instead
  const compiled = vl.compile(full, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(safeLiterals(compiled)), { renderer: 'none' });
  // a character XML forbids (a control character in a label of a hand-made summary) would stop the PNG renderer
  const svg = labelSvg(stableIds(await view.toSVG(), idPrefix), specTitleText(spec)).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
  view.finalize();
  const files = findFonts();
  const font = files.length ? { fontFiles: files, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } : { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' };
  const png = new Resvg(svg, { font, fitTo: { mode: 'zoom', value: scale } })
    .render()
    .asPng();
  return { svg, png };
}

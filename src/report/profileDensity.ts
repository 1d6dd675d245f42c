/**
 * Shaded cells for a scatter of more models than a chart can show one by one: the plot is cut into square
 * cells of CELL_PX pixels, and each cell holding models of one status becomes one rectangle counting them.
 */

import type { ModelProfile } from '../metrics/profile.js';

/** Models a Pareto chart draws one mark each for at most; beyond, all but the front are shaded cells. */
export const MAX_PARETO_MARKS = 1000;

/** Side of a density cell in pixels of the plot. */
export const CELL_PX = 10;

export interface DensityPoint {
  /** Position in the plot, pixels from the left and from the top. */
  px: number;
  py: number;
  status: string;
}

export interface DensityCell {
  status: string;
  /** Column and row of the cell, from the left and from the top. */
  col: number;
  row: number;
  count: number;
}

/** Occupied cells of a width × height plot, by status (in order of first appearance), then column, then row. */
export function densityCells(points: readonly DensityPoint[], width: number, height: number): DensityCell[] {
  const cols = Math.max(1, Math.ceil(width / CELL_PX));
  const rows = Math.max(1, Math.ceil(height / CELL_PX));
  const counts = new Map<string, Uint32Array>();
  for (const p of points) {
    let grid = counts.get(p.status);
    if (!grid) counts.set(p.status, (grid = new Uint32Array(cols * rows)));
    // a point on the far edge belongs to the last cell
    const c = Math.min(cols - 1, Math.max(0, Math.floor(p.px / CELL_PX)));
    const r = Math.min(rows - 1, Math.max(0, Math.floor(p.py / CELL_PX)));
    grid[c * rows + r]++;
  }
  const out: DensityCell[] = [];
  for (const [status, grid] of counts) {
    for (let k = 0; k < grid.length; k++) if (grid[k] > 0) out.push({ status, col: Math.floor(k / rows), row: k % rows, count: grid[k] });
  }
  return out;
}

interface PlotFrame {
  W: number;
  H: number;
  /** log10 of the cost axis's ends, and the accuracy axis's ends. */
  lx0: number;
  lx1: number;
  y0: number;
  y1: number;
  px: (cost: number) => number;
  py: (accuracy: number) => number;
}

type Enc = Record<string, unknown>;

/**
 * The shaded-cell layer of a Pareto chart for the models not in `drawn` (indices into `models`, whose costs
 * are `costs`), the front's staircase (drawn apart from the marks, which may not include it) and a subtitle.
 */
export function densityLayers(
  models: readonly ModelProfile[],
  costs: readonly number[],
  drawn: readonly number[],
  f: PlotFrame,
): { subtitle: string[]; line: { cost: number; accuracy: number }[]; cells: (x: Enc, yScale: Enc, color: Enc) => Enc } {
  const isDrawn = new Uint8Array(models.length);
  for (const i of drawn) isDrawn[i] = 1;
  const rest: DensityPoint[] = [];
  const line: { cost: number; accuracy: number }[] = [];
  models.forEach((m, i) => {
    if (m.pareto) line.push({ cost: costs[i], accuracy: m.accuracy.mean! });
    if (!isDrawn[i]) rest.push({ px: f.px(costs[i]), py: f.py(m.accuracy.mean!), status: m.pareto ? 'Pareto front' : 'dominated' });
  });
  const cells = densityCells(rest, f.W, f.H);
  let most = 1;
  for (const c of cells) if (c.count > most) most = c.count;
  const cost = (px: number): number => 10 ** (f.lx0 + (Math.min(px, f.W) / f.W) * (f.lx1 - f.lx0));
  const acc = (py: number): number => f.y0 + ((f.H - Math.min(py, f.H)) / f.H) * (f.y1 - f.y0);
  const values = cells.map((c) => ({
    status: c.status,
    models: c.count,
    e0: cost(c.col * CELL_PX),
    e1: cost((c.col + 1) * CELL_PX),
    a0: acc((c.row + 1) * CELL_PX),
    a1: acc(c.row * CELL_PX),
    // one model a faint cell, the fullest cell solid: on a log scale, so that a few models still show
    shade: most > 1 ? 0.2 + (0.8 * Math.log(c.count)) / Math.log(most) : 0.6,
  }));
  const n = rest.length.toLocaleString('en-US');
  const subtitle = [
    drawn.length ? `models named: the Pareto front; the other ${n} are shaded cells,` : `the front: the dashed staircase; all ${n} models are shaded cells,`,
    'the darker the more models in the cell (profile.csv has every model)',
  ];
  return {
    subtitle,
    line,
    cells: (x, yScale, color) => ({
      data: { values },
      mark: { type: 'rect' },
      encoding: {
        x: { ...x, field: 'e0' },
        x2: { field: 'e1' },
        y: { field: 'a0', type: 'quantitative', scale: yScale },
        y2: { field: 'a1' },
        color,
        opacity: { field: 'shade', type: 'quantitative', scale: null, legend: null },
        tooltip: [
          { field: 'status', title: 'models' },
          { field: 'models', title: 'models in cell' },
        ],
      },
    }),
  };
}

/**
 * Energy outputs on routing tables: the terminal table of `evaluate --cost energy` and the markdown of
 * `energy sensitivity` (docs/energy-model.md).
 */
import type { EnergyMetrics, RouterEnergy } from '../metrics/energy.js';
import type { SensitivitySetting, SensitivitySummary } from '../metrics/energySensitivity.js';
import { escHtml as esc } from '../core/escape.js';
import { fmt, plural, renderTableFit, wrapAt } from './terminalTable.js';
import { fractionPct as pct, percentText } from './percent.js';

/** Joules with a unit that keeps 3 significant digits readable (J, kJ). */
function fmtJ(j: number | null | undefined): string {
  if (j === null || j === undefined || !Number.isFinite(j)) return '–';
  if (Math.abs(j) >= 1e4) return `${(j / 1e3).toFixed(1)} kJ`;
  return `${j.toPrecision(3)} J`;
}

const signedPct = (x: number | null | undefined): string => percentText(x, true);

function routerRow(r: RouterEnergy): string[] {
  const a = r.atReference;
  const v = r.vsModelsAtPeak;
  return [
    r.name,
    r.aiqSd === null ? fmt(r.aiq, 3) : `${fmt(r.aiq, 3)} ± ${fmt(r.aiqSd, 3)}`,
    pct(r.peak.accuracy),
    fmtJ(r.peak.jPerPrompt),
    fmtJ(r.peak.jPerCorrect),
    v ? signedPct(v.savedPct) : '–',
    a ? fmtJ(a.jPerPrompt) : 'not reached',
    a ? fmtJ(a.jPerCorrect) : '–',
    a ? signedPct(a.savedPct) : '–',
  ];
}

/**
 * Routers and baselines, then the single models, on the energy axis. `bands`: each model's total energy and its
 * 90 % band (decode spread of the fit, prefill utilisation), shown per prompt beside the model.
 */
export function energyEvaluateTable(e: EnergyMetrics, setting: { gpu: string; batch: number }, bands?: readonly { id: string; totalJ: number; lowJ: number; highJ: number }[], width = Infinity): string {
  const ref = e.reference;
  const head =
    `energy axis: modelled J per prompt (${setting.gpu}, batch ${setting.batch}; docs/energy-model.md). ` +
    `Reference: the best single model, ${ref.model} (accuracy ${pct(ref.accuracy)}, ${fmtJ(ref.jPerPrompt)} per prompt, ${fmtJ(ref.jPerCorrect)} per correct answer)`;
  const headers = ['router', 'energy AIQ', 'peak acc', 'J/prompt @peak', 'J/correct @peak', 'saved vs models @peak', 'J/prompt @ref acc', 'J/correct @ref acc', 'saved @ref acc'];
  const right = headers.map((_, j) => j > 0);
  // a narrow terminal drops the per-correct-answer columns, then those at the reference accuracy (often 'not
  // reached'), then the saving at peak: J/prompt at peak stays longest
  const drop = [7, 4, 6, 8, 5, 3];
  const routers = renderTableFit(headers, e.routers.filter((r) => r.kind !== 'model').map(routerRow), right, width, drop);
  const band = (r: RouterEnergy): string => {
    const b = bands?.find((x) => x.id === r.name);
    const j = r.peak.jPerPrompt;
    return b && j !== null && b.totalJ > 0 ? `${fmtJ((j * b.lowJ) / b.totalJ)} – ${fmtJ((j * b.highJ) / b.totalJ)}` : '–';
  };
  const mHeaders = ['model', ...headers.slice(1), ...(bands ? ['90 % band J/prompt'] : [])];
  const models = renderTableFit(mHeaders, e.routers.filter((r) => r.kind === 'model').map((r) => [...routerRow(r), ...(bands ? [band(r)] : [])]), mHeaders.map((_, j) => j > 0), width, [...(bands ? [9] : []), ...drop]);
  const note =
    '@peak: the router\'s most accurate λ; "saved vs models": against the cheapest mix of single models with that accuracy. ' +
    '@ref acc: the cheapest point of the router\'s hull at the reference accuracy, and what it saves against the reference model (docs/model.md §10). ± : sd over runs.';
  return `${wrapAt(head, ' ', width)}\n\n${routers}\n\n${models}\n${wrapAt(note, ' ', width)}\n`;
}

/** The report.html section of an evaluation on modelled energy: the terminal table's columns as HTML. */
export function energyReportSection(e: EnergyMetrics, setting: { gpu: string; batch: number }): string {
  const ref = e.reference;
  const heads = ['router', 'energy AIQ', 'peak accuracy', 'J/prompt @peak', 'J/correct @peak', 'saved vs models @peak', 'J/prompt @ref accuracy', 'J/correct @ref accuracy', 'saved @ref accuracy'];
  const rows = e.routers.map((r) => `<tr>${routerRow(r).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`);
  return (
    '<section id="evaluate-energy">\n<h2>Energy: modelled J per prompt</h2>\n' +
    `<p class="note">${esc(setting.gpu)}, batch ${setting.batch} (docs/energy-model.md). Reference: the best single model, ${esc(ref.model)} ` +
    `(accuracy ${pct(ref.accuracy)}, ${esc(fmtJ(ref.jPerPrompt))} per prompt, ${esc(fmtJ(ref.jPerCorrect))} per correct answer). ` +
    '@peak: the router\'s most accurate λ; "saved vs models": against the cheapest mix of single models with that accuracy; @ref accuracy: the cheapest point of its hull at the reference accuracy (docs/model.md §10).</p>\n' +
    `<div class="wide"><table><tr>${heads.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>\n${rows.join('\n')}\n</table></div>\n</section>`
  );
}

/** What the sensitivity markdown needs (the app's result has more). */
interface SensitivityReport extends SensitivitySummary {
  dataset: { name: string; queries: number; models: number };
  config: { policies: string[]; lambdas: number[]; runs: number; seed: number; aiqMode: string };
  settings: SensitivitySetting[];
}

function mdRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** How the sensitivity report is laid out: markdown (sensitivity.md) or a terminal of some width. */
interface Layout {
  title: (t: string) => string;
  para: (t: string) => string;
  /** `right[j]`: column j holds numbers */
  table: (headers: string[], rows: string[][], right: boolean[]) => string[];
}

const MARKDOWN: Layout = {
  title: (t) => `# ${t}`,
  para: (t) => t,
  table: (headers, rows, right) => [mdRow(headers), mdRow(right.map((x) => (x ? '---:' : '---'))), ...rows.map(mdRow)],
};

export function renderSensitivityMarkdown(r: SensitivityReport): string {
  return renderSensitivity(r, MARKDOWN);
}

/** The report for a terminal `width` wide: its tables fit (renderTableFit), markdown's pipes would not; piped (no width), markdown. */
export function sensitivityTerminal(r: SensitivityReport, width: number): string {
  if (!Number.isFinite(width)) return renderSensitivityMarkdown(r);
  return renderSensitivity(r, {
    title: (t) => wrapAt(t, ' ', width),
    para: (t) => wrapAt(t, ' ', width),
    table: (headers, rows, right) => renderTableFit(headers, rows, right, width, []).split('\n'),
  });
}

function renderSensitivity(r: SensitivityReport, out: Layout): string {
  const names = r.routers.map((x) => x.name);
  const lines: string[] = [];
  lines.push(out.title(`Energy sensitivity: ${r.dataset.name}`));
  lines.push('');
  lines.push(
    out.para(
    `${r.dataset.queries.toLocaleString('en-US')} prompts × ${r.dataset.models} models; λ ${r.config.lambdas.join(', ')}; ${r.config.runs} runs from seed ${r.config.seed}; AIQ ${r.config.aiqMode}. ` +
      'Energy AIQ per setting (rank among the routers and the zero router; 4 decimals so near-ties show as such).',
    ),
  );
  lines.push('');
  const t1: string[][] = [];
  const batchCell = (s: SensitivitySetting): string => `${s.batch}${s.inFittedRange ? '' : ' (extrapolated)'}`;
  const find = (s: SensitivitySetting, n: string): RouterEnergy | undefined => s.energy.routers.find((y) => y.name === n);
  for (const s of r.settings) {
    const cells = names.map((n) => {
      const x = find(s, n);
      const rank = s.ranking.indexOf(n) + 1;
      return x ? `${fmt(x.aiq, 4)}${rank > 0 ? ` (${rank})` : ''}` : '–';
    });
    t1.push([s.gpu, batchCell(s), s.energy.reference.model, fmtJ(s.energy.reference.jPerCorrect), ...cells]);
  }
  lines.push(...out.table(['GPU', 'batch', 'best single model', 'its J/correct', ...names], t1, [false, true, false, true, ...names.map(() => true)]));
  lines.push('');
  lines.push(out.para('Energy saved: at the best single model\'s accuracy ("n/r": never reached) · against the cheapest mix of single models at the router\'s own peak accuracy.'));
  lines.push('');
  const t2: string[][] = [];
  for (const s of r.settings) {
    const cells = names.map((n) => {
      const x = find(s, n);
      if (!x) return '–';
      return `${x.atReference ? signedPct(x.atReference.savedPct) : 'n/r'} · ${x.vsModelsAtPeak ? signedPct(x.vsModelsAtPeak.savedPct) : '–'}`;
    });
    t2.push([s.gpu, batchCell(s), ...cells]);
  }
  lines.push(...out.table(['GPU', 'batch', ...names], t2, [false, true, ...names.map(() => true)]));
  lines.push('');
  const t3: string[][] = [];
  const rangeOf = (x: { min: number | null; max: number | null }): string => (x.max === null ? 'n/r' : `${x.min === null ? 'n/r' : signedPct(x.min)} … ${signedPct(x.max)}`);
  for (const x of r.routers) {
    const rank = x.rank.min === 0 ? '–' : x.rank.min === x.rank.max ? String(x.rank.min) : `${x.rank.min}–${x.rank.max}`;
    t3.push([x.name, `${fmt(x.aiq.min, 4)} … ${fmt(x.aiq.max, 4)}`, rank, rangeOf(x.savedPct), x.vsModelsPct.max === null ? '–' : rangeOf(x.vsModelsPct), `${x.reachesReference} of ${plural(r.settings.length, 'setting')}`]);
  }
  const h3 = ['router', 'energy AIQ range', 'rank range', 'saved at best model accuracy', 'saved vs models at own peak', 'reaches the best model in'];
  lines.push(...out.table(h3, t3, h3.map((_, j) => j > 0)));
  lines.push('');
  lines.push(out.para(`Ranking ${r.rankingStable ? 'identical in every setting' : 'changes between settings'}; best single model: ${r.referenceModels.join(', ')}.`));
  return lines.join('\n') + '\n';
}

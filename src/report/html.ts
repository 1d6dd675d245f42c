/** report.html: one self-contained file (inline SVG and CSS, no script, no network). */
import { fmt } from './terminalTable.js';
import type { ExperimentSummary } from '../metrics/experiment.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}


function pFmt(p: number): string {
  return p < 0.001 ? p.toExponential(2) : p.toFixed(4);
}

/** Strip the XML prolog so an SVG can be inlined in HTML. */
export function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

export const REPORT_CSS = `body{font-family:"DejaVu Sans",Lato,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ddd;padding:.3em .6em;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:.9em}
figure{margin:1.5em 0}figcaption{font-size:.9em;color:#444}pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:.8em}
.sig{font-weight:bold}`;

export interface ReportInput {
  summary: ExperimentSummary;
  charts: { name: string; title: string; svg: string }[];
  configText: string;
  manifest: unknown;
  /** Extra HTML sections (e.g. a model profile) appended before the configuration. */
  extraSections?: string[];
}

export function experimentReport(inp: ReportInput): string {
  const s = inp.summary;
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(s.title ?? s.name)}</title><style>${REPORT_CSS}</style></head><body>`);
  parts.push(`<h1>${esc(s.title ?? s.name)}</h1>`);
  parts.push(
    `<p class="note">Dataset <b>${esc(s.dataset.name)}</b> (${s.dataset.queries} queries × ${s.dataset.models} models, sha256 ${s.dataset.sha256.slice(0, 12)}…) · ` +
      `${s.runs} runs from seed ${s.seed} · ${esc(s.semantics)} semantics · oracle over the ${esc(s.oracle)} pool · λ ∈ {${s.lambdas.join(', ')}}</p>`,
  );
  for (const lambda of s.lambdas) {
    const cells = s.cells.filter((c) => c.lambda === lambda);
    parts.push(`<h2>Results at λ = ${lambda}</h2><table><tr><th>policy</th><th>final regret (mean ± sd)</th><th>95% CI</th><th>accuracy</th><th>energy (Wh)</th><th>mean reward</th></tr>`);
    for (const c of cells) {
      parts.push(
        `<tr><td>${esc(c.label)}</td><td>${fmt(c.finalRegret.mean, 2)} ± ${fmt(c.finalRegret.sd, 2)}</td><td>[${fmt(c.finalRegret.ci95[0], 1)}, ${fmt(c.finalRegret.ci95[1], 1)}]</td>` +
          `<td>${fmt(c.accuracy.mean, 4)}</td><td>${fmt(c.energyWh.mean, 1)} ± ${fmt(c.energyWh.sd, 1)}</td><td>${fmt(c.reward.mean, 4)}</td></tr>`,
      );
    }
    parts.push('</table>');
    const sig = s.significance.filter((p) => p.lambda === lambda);
    if (sig.length) {
      parts.push(
        `<details><summary>Pairwise Mann–Whitney U on final regret (two-sided, Benjamini–Hochberg corrected, α = 0.05): ${sig.filter((p) => p.significant).length} of ${sig.length} pairs differ</summary><table><tr><th>pair</th><th>U</th><th>p</th><th>p (BH)</th><th>method</th></tr>`,
      );
      for (const p of sig) {
        parts.push(`<tr${p.significant ? ' class="sig"' : ''}><td>${esc(p.a)} vs ${esc(p.b)}</td><td>${fmt(p.u, 1)}</td><td>${pFmt(p.p)}</td><td>${pFmt(p.pAdjusted)}</td><td>${p.method}</td></tr>`);
      }
      parts.push('</table></details>');
    }
  }
  if (s.comparison && s.comparison.rows.length) {
    parts.push(
      `<h2>Published figures</h2><p class="note">Source: ${esc(s.comparison.source)} (reference semantics: ${esc(s.comparison.semantics)}). ` +
        `Ours come from the built-in replica, which is calibrated on per-model aggregates only; gaps are expected and reported as they are.</p>` +
        `<table><tr><th>policy</th><th>λ</th><th>metric</th><th>ours</th><th>published</th><th>gap</th></tr>`,
    );
    for (const r of s.comparison.rows) {
      parts.push(`<tr><td>${esc(r.label)}</td><td>${r.lambda}</td><td>${r.metric}</td><td>${fmt(r.ours, 4)}</td><td>${fmt(r.published, 4)}</td><td>${fmt(r.gapPct, 1)}%</td></tr>`);
    }
    parts.push('</table>');
  }
  if (inp.charts.length) {
    parts.push('<h2>Charts</h2>');
    for (const c of inp.charts) parts.push(`<figure id="${esc(c.name)}">${inlineSvg(c.svg)}<figcaption>${esc(c.title)}</figcaption></figure>`);
  }
  for (const extra of inp.extraSections ?? []) parts.push(extra);
  parts.push(`<h2>Configuration</h2><pre>${esc(inp.configText)}</pre>`);
  parts.push(`<h2>Manifest</h2><pre>${esc(JSON.stringify(inp.manifest, null, 2))}</pre>`);
  parts.push('</body></html>\n');
  return parts.join('\n');
}

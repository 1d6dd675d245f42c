/**
 * Each target against the logging policy (docs/ope.md, "Better than the logging policy?"): the difference of
 * an estimate from the observed mean as a table cell, and one verdict line per target, shared by the
 * terminal and report.html.
 */
import type { OpeSummary, OpeSummaryPolicy } from '../metrics/ope/summary.js';
import { diffVerdict } from '../metrics/ope/trust.js';
import { fmt } from './terminalTable.js';

type Estimate = OpeSummaryPolicy['estimates'][number];

/** A signed figure: +0.0123, -0.0040; one that rounds to 0 unsigned (– when not finite). */
export function signed(x: number | undefined, digits = 4): string {
  const t = fmt(x, digits);
  if (!/[1-9]/.test(t)) return t.replace(/^-/, '');
  return x! > 0 ? `+${t}` : t;
}

/** `+0.0123 [+0.0050, +0.0200]`, or '' for an estimate without a difference (a summary written before it). */
export function diffCell(e: Estimate | undefined): string {
  const d = e?.vsLogged;
  return d ? `${signed(d.value)} [${signed(d.lo)}, ${signed(d.hi)}]` : '';
}

const WHERE = { better: 'above 0', worse: 'below 0', indistinguishable: 'includes 0' } as const;

/** Why a policy's differences are no evidence, from what evidenceOf leaves out. */
function noEvidence(p: OpeSummaryPolicy): string {
  if (p.flags && p.flags.length > 0) return `its estimates are flagged (${p.flags.join(', ')}), so their differences are not evidence`;
  if (p.method === 'replay' && !p.unbiased) return 'replay on logs that are not uniformly random is biased';
  const rw = p.estimates.filter((e) => e.metric === 'reward');
  if (rw.every((e) => e.estimator === 'dm')) return "dm alone: its interval holds the reward model fixed and is too narrow";
  return 'every interval is flagged (outside-range) or undefined';
}

/** `a`, `a and b`, `a, b and c`. */
const listed = (xs: string[]): string => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

/** One line: the policy, its verdict, and the estimates it rests on. */
export function verdictLine(p: OpeSummaryPolicy): string | null {
  const v = p.verdict;
  if (!v) return null;
  if (v.result === 'no-evidence') return `${p.name}: no evidence either way: ${noEvidence(p)}.`;
  const ev = v.estimators.map((name) => p.estimates.find((e) => e.metric === 'reward' && e.estimator === name)!);
  // the figure shown: dr's when it counts (the docs' best guide), else the first
  const shown = ev.find((e) => e.estimator === 'dr') ?? ev[0];
  const fig = `${shown.estimator} ${diffCell(shown)}`;
  if (ev.length === 1) return `${p.name}: ${v.result === 'indistinguishable' ? 'not distinguishable from' : `${v.result} than`} the logging policy at 95% (${fig}: its interval ${WHERE[v.result]}).`;
  if (v.result === 'indistinguishable') {
    // grouped by where each interval lies: intervals on both sides of 0 read as the disagreement they are
    const where = ev.map((e) => WHERE[diffVerdict(e.vsLogged!.lo, e.vsLogged!.hi)]);
    const sides = [WHERE.indistinguishable, WHERE.better, WHERE.worse]
      .map((w) => ({ w, names: ev.filter((_, i) => where[i] === w).map((e) => e.estimator) }))
      .filter((g) => g.names.length > 0);
    // one side only is every interval including 0 (all above or all below would be a verdict)
    const why = sides.length === 1 ? `every interval of ${listed(sides[0].names)} includes 0` : `the intervals disagree: ${sides.map((g) => `${listed(g.names)} ${g.w}`).join('; ')}`;
    return `${p.name}: not distinguishable from the logging policy at 95% (${fig}; ${why}).`;
  }
  return `${p.name}: ${v.result} than the logging policy at 95% (${fig}; every interval of ${listed(v.estimators)} ${WHERE[v.result]}).`;
}

/** The heading and a line per target; none for a summary without verdicts. */
export function verdictLines(s: OpeSummary): string[] {
  const lines = s.policies.map(verdictLine).filter((l): l is string => l !== null);
  if (lines.length === 0) return [];
  const head = 'Against the logging policy (reward: estimate − observed, paired 95% interval; unflagged estimates other than dm):';
  const tail = s.logs.propensity === 'estimated' ? ['Propensities are estimated: IPS and DR, and so these verdicts, inherit their error.'] : [];
  return [head, ...lines, ...tail];
}

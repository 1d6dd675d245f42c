/**
 * The trust part of the ope outputs (docs/ope.md, "Trusting an estimate"): the flag codes of each estimate,
 * the logging policy's observed row and the notes under the table, shared by the terminal and report.html.
 */
import type { OpeSummary, OpeSummaryPolicy } from '../metrics/ope/summary.js';
import { estimateFlags, MIN_ESS, MIN_SUPPORT, policyFlags, type EstimateFlag, type OpeTrustCriteria, type PolicyFlag } from '../metrics/ope/trust.js';
import { fmt } from './terminalTable.js';

type Estimate = OpeSummaryPolicy['estimates'][number];

const CODE: Record<PolicyFlag | EstimateFlag, string> = { 'low-ess': 'ESS', 'low-support': 'sup', 'outside-range': 'CI' };

/** The summary's criteria; one written before them gets today's, and no range check for a logged reward (its range was not kept). */
function trustCriteria(s: OpeSummary): OpeTrustCriteria {
  if (s.trust) return s.trust;
  const range: [number, number] = s.rewardSource === 'logged' ? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY] : [0, 1];
  return { minEss: MIN_ESS, minSupport: MIN_SUPPORT, rewardRange: range };
}

function policyFlagsOf(s: OpeSummary, p: OpeSummaryPolicy): PolicyFlag[] {
  return p.flags ?? policyFlags(p, trustCriteria(s));
}

function estimateFlagsOf(s: OpeSummary, e: Estimate): EstimateFlag[] {
  return e.flags ?? estimateFlags(e, trustCriteria(s).rewardRange);
}

/**
 * The flags column of a reward estimate: its policy's flags, then its own ('' when none). dm weighs no decision,
 * so a low ESS is not its flag; low support is (it extrapolates there).
 */
export function flagCell(s: OpeSummary, p: OpeSummaryPolicy, e: Estimate): string {
  const flags = [...policyFlagsOf(s, p).filter((f) => !(f === 'low-ess' && e.estimator === 'dm')), ...estimateFlagsOf(s, e)];
  return flags.length === 0 ? '' : `! ${flags.map((f) => CODE[f]).join(' ')}`;
}

/** The observed row's name and values: the logged decisions' own means (null for a summary without them). */
export function observedRow(s: OpeSummary): { name: string; estimator: string; reward: number; accuracy?: number; energy?: number; n: number } | null {
  const o = s.observed;
  if (!o || o.reward === undefined) return null;
  return { name: 'logged policy', estimator: 'observed', reward: o.reward, accuracy: o.accuracy, energy: o.energy_j, n: s.logs.decisions };
}

/** Up to 4 decimals without trailing zeros: a range reads [0, 1] or [0.1799, 0.9963]. */
function short(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toFixed(4))) : '–';
}

function pct(x: number): string {
  return `${(100 * x).toFixed(x >= 0.1 ? 0 : 1)}%`;
}

/**
 * The notes under the table, as plain text: what the observed row is, the units, then one line per kind of
 * flag naming the policies it hits with their figures, or a line saying nothing was flagged.
 */
export function trustNotes(s: OpeSummary): string[] {
  const c = trustCriteria(s);
  const n = s.logs.decisions;
  const notes: string[] = [];
  const obs = observedRow(s);
  if (obs) notes.push(`observed: the logging policy's own mean over the ${n} logged decisions, measured, not estimated: the value to beat.`);
  notes.push(`reward, accuracy and J/decision are means per decision, not totals (J/decision: joules; a total over the log is ${n} × it).`);
  const ess: string[] = [];
  const sup: string[] = [];
  const ci: string[] = [];
  for (const p of s.policies) {
    const pf = policyFlagsOf(s, p);
    if (pf.includes('low-ess')) ess.push(p.method === 'replay' ? `${p.name} kept ${p.kept}` : `${p.name} ${fmt(p.diagnostics?.ess, 0)}`);
    if (pf.includes('low-support')) sup.push(`${p.name} ${pct(p.diagnostics!.supportShare)}`);
    for (const e of p.estimates) if (e.metric === 'reward' && estimateFlagsOf(s, e).length > 0) ci.push(`${p.name} ${e.estimator}`);
  }
  if (ess.length > 0)
    notes.push(`! ESS: ${ess.join(', ')} of ${n} decisions: effective sample size (Kish, (Σw)²/Σw²; replay: decisions kept) below ${c.minEss}. Their weighted estimates (all but dm) rest on a handful of decisions: neither they nor their intervals can be trusted.`);
  if (sup.length > 0) notes.push(`! sup: ${sup.join(', ')} of the target's choices are models logged for that task (below ${pct(c.minSupport)}): IPS and DR cannot see the rest, DM extrapolates to it.`);
  const [lo, hi] = c.rewardRange.map(short);
  const range = s.rewardSource === 'logged' ? `the range of the logged rewards [${lo}, ${hi}]` : `the reward range [${lo}, ${hi}], where no policy's value can lie`;
  if (ci.length > 0) notes.push(`! CI: ${ci.join(', ')}: the 95% interval reaches outside ${range}: a few large importance weights dominate it.`);
  if (ess.length + sup.length + ci.length === 0) notes.push(`No estimate flagged: every ESS ≥ ${c.minEss}, support ≥ ${pct(c.minSupport)}, every interval within the reward range.`);
  if (s.estimators.includes('dm')) notes.push(`dm: its interval holds the reward model fixed, so it is too narrow.`);
  notes.push('Criteria: docs/ope.md, "Trusting an estimate".');
  return notes;
}

/**
 * One colour per policy in every chart of every report: the shipped policies have fixed colours, so linucb is
 * the same red in X1, X3 and X4; other labels (feature sets, custom arms) take the spare colours in order.
 */

export const POLICY_COLOURS: Readonly<Record<string, string>> = {
  'epsilon-greedy': '#4c78a8',
  'linear-epsilon-greedy': '#f58518',
  linucb: '#e45756',
  thompson: '#72b7b2',
  random: '#54a24b',
  largest: '#c9a227',
  smallest: '#b279a2',
  'most-accurate': '#ff9da6',
  // the reference's "accuracy" baseline is the most accurate single model
  accuracy: '#ff9da6',
  'best-static': '#9d755d',
  oracle: '#333333',
};

/** Colours no shipped policy uses and far from theirs (most distinct first), for the other labels. */
const SPARE = ['#7570b3', '#e7298a', '#bcbd22', '#17becf', '#7f7f7f', '#1b9e77', '#08306b', '#a6761d', '#d62728', '#393b79', '#637939', '#843c39', '#5254a3', '#8c564b'];

/**
 * Colour of each distinct label. A label that names a shipped policy gets that policy's colour; else the
 * arm's policy colour when no other label already shows it; else the next spare colour.
 */
export function policyColours(arms: { label: string; policy?: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  const labels = [...new Map(arms.map((a) => [a.label, a.policy ?? a.label])).entries()];
  for (const [label] of labels) {
    const c = POLICY_COLOURS[label];
    if (c) {
      out.set(label, c);
      used.add(c);
    }
  }
  let spare = 0;
  for (const [label, policy] of labels) {
    if (out.has(label)) continue;
    const c = POLICY_COLOURS[policy];
    if (c && !used.has(c)) {
      out.set(label, c);
      used.add(c);
      continue;
    }
    while (spare < SPARE.length && used.has(SPARE[spare])) spare++;
    const pick = SPARE[spare % SPARE.length] ?? SPARE[0];
    spare++;
    out.set(label, pick);
    used.add(pick);
  }
  return out;
}

/** A Vega-Lite colour scale for the labels a chart shows, in the given order. */
export function colourScale(colours: Map<string, string>, labels: string[]): { domain: string[]; range: string[] } {
  return { domain: labels, range: labels.map((l) => colours.get(l) ?? '#7f7f7f') };
}

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

/**
 * Greys and blacks other marks use: the single models and their labels, the zero router, the oracle's frontier
 * and point, rules and the "not in the pool" cells. No policy takes one, so a policy never looks like them.
 */
export const RESERVED_COLOURS = ['#888888', '#7f7f7f', '#999999', '#222222', '#111111', '#bdbdbd', '#555555', '#666666', '#000000'];

/**
 * Colours for the other labels, in the order they are taken: hues the shipped colours leave free (violet, olive,
 * magenta, navy, sky, rust, …) at a lightness that reads as a line, a marker and a text label on white. In
 * CIEDE2000 from every shipped colour, every reserved grey and the spares before it, the first five are at least
 * 17 away (a --split run's fifteen policies stay apart), the first nine at least 16 and all at least 12.
 */
export const SPARE_COLOURS = ['#7e2fd4', '#616119', '#e6197f', '#1f3f8f', '#15aadd', '#a8390a', '#0b7a3e', '#a98ef0', '#fb56f9', '#9a4057', '#98a605', '#965e03', '#6b5292', '#e5845d'];
const SPARE = SPARE_COLOURS;

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

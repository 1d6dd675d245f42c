/**
 * What each chart of a simulate or experiment report shows and how to read it, for a reader new to bandit
 * routing: the chart titles name the chart but not the terms (regret, selection share, Pareto front).
 */
const READING: [RegExp, string][] = [
  [
    /^cumulative-regret/,
    'Regret is the reward a policy loses against the oracle, which picks the best model for every query in hindsight; each line adds it up query by query, so lower is better and a line that flattens has learned which models to use. Bands: 95% confidence interval of the mean over runs. Dashed vertical rules, where drawn, mark events in the stream.',
  ],
  [
    /^moving-average-regret/,
    "The regret of each query (the reward lost against the oracle), averaged over the last queries of a sliding window: lower is better, and a falling line is a policy still learning. A level line near another's routes about as well at that point of the stream.",
  ],
  [
    /^selection-/,
    "One row per model, one column per window of queries: the darker a cell, the larger the share of that window's queries the policy sent to that model. Spread-out colour is exploration; one or two dark rows are a policy that has settled on those models.",
  ],
  [
    /^accuracy-vs-energy/,
    "Each coloured mark is a policy at its mean accuracy and its total energy over the stream. Grey dots, where drawn, are the single models; the dashed staircase joins those that no other model beats on both accuracy and energy (the static Pareto front). Up and to the left is better: more accuracy for less energy.",
  ],
  [
    /^final-regret-box/,
    'Each dot is one run (one order of the queries) and its regret at the end of the stream; the box spans the middle half of the runs and its bar is the median. Lower is better; a tall box means the outcome depends on the order the queries arrive in.',
  ],
  [
    /^lambda-sweep-/,
    'λ weighs energy against accuracy in the reward (0: accuracy alone counts, 1: energy alone); one box per λ and policy, over its runs. The chart shows how much accuracy each policy gives up, or energy it saves, as λ grows.',
  ],
  [
    /^budget-adherence/,
    'Each line is a policy\'s running mean, from the start of the stream, of the budgeted quantity (under a latency budget, the share of queries so far above the limit); the black dashed rule is the budget (5 % for a latency budget). A policy that keeps to its budget ends at or under the rule; early excursions above it are the price of learning.',
  ],
  [
    /^event-\d+-regret/,
    'Moving-average regret in the queries around an event (the vertical rule), such as a model getting worse: a policy that adapts climbs at the rule and falls back soon after; one that does not stays higher. The table under the chart sums the regret after the event.',
  ],
];

/** How to read the chart with this name, or undefined for a chart this list does not know. */
export function chartReading(name: string): string | undefined {
  return READING.find(([re]) => re.test(name))?.[1];
}

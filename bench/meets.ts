/**
 * The `meetsTargets` entries of the datasets, features and split sections of `npm run bench` (docs/outputs.md),
 * from a section's figures and its module (passed in, so the bench still loads each section only when run).
 */
export function sectionMeets(key: string, figures: Record<string, unknown>, mod: Record<string, unknown>): Record<string, boolean> {
  const r = figures as Record<string, number>;
  if (key === 'split') return { splitSweep: r.meetsTarget === 1 };
  if (key === 'features') return { 'features.embed': r['features.embed.qps'] >= (mod.FEATURE_TARGETS as { embedQps: number }).embedQps };
  if (key !== 'datasets') return {};
  const t = mod.DATASET_TARGETS as Record<string, number>;
  const out: Record<string, boolean> = {};
  for (const f of ['arrow', 'parquet', 'csv']) out[`datasets.${f}`] = r[`datasets.${f}.loadSeconds`] < t[`${f}Seconds`] && r[`datasets.${f}.peakOverTable`] < t.peakOverTable;
  return out;
}

/**
 * Contexts of a run from its feature choice (docs/features.md): the paper's one-hot blocks, `embed` (a text
 * embedding computed in-process) or `embedding` (vectors given with the data). Unsupervised fits (IDF,
 * PCA) use only the train rows when a split gives them.
 */
import { UsageError } from '../core/errors.js';
import type { Semantics } from '../core/semantics.js';
import type { PoolTable } from '../data/pool.js';
import { type ComplexityBinning, type ContextSet, encodeContexts, type FeatureName, ALL_FEATURES } from './context.js';
import { contextsFromEmbeddings, embedContexts, pcaMaxDim } from './embed.js';

/** Dense context kinds: each replaces the one-hot blocks and is given alone. */
export const DENSE_FEATURES = ['embed', 'embedding'] as const;
export type ContextFeature = FeatureName | (typeof DENSE_FEATURES)[number];
export const CONTEXT_FEATURES: readonly ContextFeature[] = [...ALL_FEATURES, ...DENSE_FEATURES];

/**
 * Widest dense context a run takes (docs/limits.md): the linear policies keep d×d matrices per model, so
 * d = 4096 would need gigabytes; 512 keeps them at about 2 MB a model.
 */
export const MAX_DENSE_DIM = 512;

export interface ContextSpec {
  layout: Semantics;
  features: readonly ContextFeature[];
  binning?: ComplexityBinning;
  /** `embed` output dimension (default 64). */
  embedDim?: number;
  /** Seeds the `embed` projection (and PCA). */
  embedSeed?: number;
  /** How messages name the settings: as the flags (`--features`, `--embed-dim`, default) or as config fields. */
  naming?: 'flags' | 'fields';
}

/**
 * A feature choice the table cannot give; `setting` says which one to change (`features` or `embedDim`), so a
 * config file can point at its field.
 */
export class ContextError extends UsageError {
  constructor(
    message: string,
    readonly setting: 'features' | 'embedDim',
  ) {
    super(message);
  }
}

/** Which dense kind the features ask for, or null for one-hot; a dense kind must be the only feature. */
export function denseKind(features: readonly string[], naming: ContextSpec['naming'] = 'flags'): 'embed' | 'embedding' | null {
  const dense = features.filter((f) => (DENSE_FEATURES as readonly string[]).includes(f));
  if (dense.length === 0) return null;
  if (features.length !== 1) throw new ContextError(`${naming === 'fields' ? '' : '--features '}${dense[0]} replaces the one-hot blocks: give it alone (got ${features.join(',')})`, 'features');
  return dense[0] as 'embed' | 'embedding';
}

/**
 * Contexts for every row of `t`. `fitRows` (the train part) is what `embed` fits its IDF and PCA on; all
 * rows when absent.
 */
export function contextsFor(t: PoolTable, spec: ContextSpec, fitRows?: Int32Array): ContextSet {
  const fields = spec.naming === 'fields';
  const kind = denseKind(spec.features, spec.naming);
  if (kind === null) return encodeContexts(t, { layout: spec.layout, features: spec.features as FeatureName[], binning: spec.binning });
  if (kind === 'embedding') {
    const what = fields ? 'embedding' : '--features embedding';
    if (!t.embedding) throw new ContextError(`${what}: '${t.name}' has no embedding column (a wide table's embedding list column or emb_0…emb_n columns, or a long table's emb_0…emb_n columns in its queries file; datasets/README.md#user-embeddings)`, 'features');
    if (t.embedding.dim > MAX_DENSE_DIM) throw new ContextError(`${what}: '${t.name}' has ${t.embedding.dim}-dimensional embeddings; runs take at most ${MAX_DENSE_DIM} (see docs/limits.md; reduce them first)`, 'features');
    return contextsFromEmbeddings(t.embedding.values, { dim: t.embedding.dim, file: t.name });
  }
  const texts = t.queryText;
  const embed = fields ? 'embed' : '--features embed';
  if (!texts) throw new ContextError(`${embed} needs query text; '${t.name}' has none (${fields ? 'give queries: a file with a text column' : 'give --queries with a text column'})`, 'features');
  const missing = texts.findIndex((x) => x === null);
  if (missing >= 0) throw new ContextError(`${embed} needs query text; query '${t.queryIds[missing]}' of '${t.name}' has none`, 'features');
  const dim = spec.embedDim ?? 64;
  const nFit = fitRows ? fitRows.length : t.nQueries;
  if (dim > pcaMaxDim(nFit)) {
    // refused, not capped, so that a run's contexts have the width it was asked for (docs/features.md)
    const max = pcaMaxDim(nFit);
    const part = fitRows ? `${nFit} train ${nFit === 1 ? 'query' : 'queries'}` : `all ${nFit} ${nFit === 1 ? 'query' : 'queries'}`;
    const fix = max > 0 ? `use ${fields ? 'embedDim:' : '--embed-dim'} ${max} or less${fitRows ? ', or a larger train part' : ''}` : 'it needs at least 2';
    throw new ContextError(`${fields ? 'embedDim' : '--embed-dim'} ${dim}: the PCA of ${embed} is fitted on ${part}, which give at most ${max} components (one fewer than the queries); ${fix} (docs/features.md#dense-contexts)`, 'embedDim');
  }
  return embedContexts(texts as string[], { dim, seed: spec.embedSeed ?? 0, reduce: 'pca', ...(fitRows ? { train: Array.from(fitRows) } : {}) });
}

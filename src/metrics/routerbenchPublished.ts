/**
 * Numbers transcribed from publications, kept apart from the code that compares against them.
 * Sources: GreenServ (arXiv 2601.17551) §7.3.6 Table 1; RouterBench (arXiv 2403.12031) §3, whose
 * routerbench_0shot.pkl defines the full 0-shot set.
 */

export interface PublishedRow {
  policy: string;
  label: string;
  aiq: number;
  peakAccuracy: number;
  avgAccuracy: number;
}

/** How summary.json names the source of PUBLISHED_TABLE1. */
export const PUBLISHED_TABLE1_SOURCE = 'GreenServ (arXiv 2601.17551) Table 1';

/** GreenServ Table 1 (paper §7.3.6): full RouterBench 0-shot set, 9 tasks; "ε-greedy" is the contextual one. */
export const PUBLISHED_TABLE1: readonly PublishedRow[] = [
  { policy: 'linear-epsilon-greedy', label: 'ε-greedy (contextual)', aiq: 0.637, peakAccuracy: 0.754, avgAccuracy: 0.692 },
  { policy: 'thompson', label: 'Thompson sampling', aiq: 0.624, peakAccuracy: 0.695, avgAccuracy: 0.663 },
  { policy: 'linucb', label: 'LinUCB', aiq: 0.607, peakAccuracy: 0.757, avgAccuracy: 0.717 },
];

/** Prompts and models of the full RouterBench 0-shot set (routerbench_0shot.pkl). */
export const ROUTERBENCH_0SHOT = {
  prompts: 36497,
  models: [
    'WizardLM/WizardLM-13B-V1.2',
    'claude-instant-v1',
    'claude-v1',
    'claude-v2',
    'gpt-3.5-turbo-1106',
    'gpt-4-1106-preview',
    'meta/code-llama-instruct-34b-chat',
    'meta/llama-2-70b-chat',
    'mistralai/mistral-7b-chat',
    'mistralai/mixtral-8x7b-chat',
    'zero-one-ai/Yi-34B-Chat',
  ],
} as const;

import { describe, expect, it } from 'vitest';
import type { ByFamily, EvaluateSummary } from '../../src/metrics/routerbench.js';
import { EVALUATE_AIQ_FAMILIES_PER_TABLE, EVALUATE_FAMILIES_INLINE, EVALUATE_MODEL_FAMILIES_PER_TABLE, evaluateReportHtml, evaluateReportSection } from '../../src/report/evaluate.js';
import { expectAccessibleStructure } from '../helpers/html.js';

/** The full RouterBench's families (more than fit as columns of an 800-px window). */
const NINE = ['mmlu', 'hellaswag', 'gsm8k', 'mbpp', 'arc-challenge', 'winogrande', 'mt-bench', 'rag', 'consensus_summary'];
const MODELS = ['gpt-4-1106-preview', 'meta/code-llama-instruct-34b-chat', 'mistralai/mistral-7b-chat'];
const POLICIES = ['linucb', 'random'];

/** A summary with the given families; every number distinct (row r, family k): AIQ 0.r0k, a model's quality 0.5rk. */
function summary(fams: string[]): EvaluateSummary {
  const by = (r: number): ByFamily => ({ mean: 0.5, byFamily: Object.fromEntries(fams.map((f, k) => [f, r / 10 + (k + 1) / 1000])) });
  const cq = (m: number) => Object.fromEntries([...fams.map((f, k) => [f, { cost: (m + 1) * 1e-4 + k * 1e-6, quality: 0.5 + m / 10 + k / 100 }]), ['all', { cost: 0.001, quality: 0.7 }]]);
  return {
    schemaVersion: 1,
    command: 'evaluate',
    dataset: { name: 'rb', source: null, queries: 100 * fams.length, models: MODELS.length, sha256: 'ab'.repeat(32), missingCells: 0, families: fams.map((name) => ({ name, queries: 100, evalNames: [name] })) },
    lambdas: [0, 0.5, 1],
    runs: 1,
    seed: 40,
    runSeeds: [40],
    semantics: 'paper',
    contexts: { features: ['task'], d: fams.length },
    reward: { cost: 'usd', costScale: 'linear', normalisation: 'min-max per family' },
    aiqMode: 'paper',
    policies: POLICIES.map((name, r) => ({ name, params: {}, aiq: by(r + 1), peakAccuracy: 0.8, peakLambda: 0, avgAccuracy: 0.7, cpt50: { mean: 5, byFamily: {} }, cpt80: { mean: 40, byFamily: {} }, apgr: { mean: 0.7, byFamily: {} }, misses: 0, points: [] })),
    baselines: {
      oracle: { aiq: by(5), pointAiq: by(6), points: { all: { cost: 0.001, quality: 0.99 } } },
      zeroRouter: { aiq: by(4), cpt50: { mean: 4, byFamily: {} }, cpt80: { mean: 30, byFamily: {} }, apgr: { mean: 0.8, byFamily: {} }, hull: {} },
      models: MODELS.map((id, m) => ({ id, name: id, aiq: by(7 + m), points: cq(m) })),
    },
    published: { source: 'Table 1', comparable: false, note: 'the source is a subset', rows: [] },
  } as unknown as EvaluateSummary;
}

interface Table {
  headers: string[];
  rows: string[][];
}

const text = (h: string): string => h.replace(/<[^>]*>/g, '').trim();

/** Every table of the section: its header cells and its rows' cells as text, in order. */
function tables(html: string): Table[] {
  return [...html.matchAll(/<table[^>]*>([\s\S]*?)<\/table>/g)].map(([, body]) => ({
    headers: [...body.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((m) => text(m[1])),
    rows: [...body.matchAll(/<tr><td[\s\S]*?<\/tr>/g)].map((r) => [...r[0].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => text(m[1]))),
  }));
}

const ROUTERS = ['LinUCB (linucb)', 'random', 'zero router (single models and their mixtures)', 'oracle, hindsight frontier', 'oracle point (best quality, cheapest among ties)'];
const ROUTER_COLS = ['router', 'AIQ (mean)', 'peak accuracy (λ)', 'average accuracy', 'CPT(50%)', 'CPT(80%)', 'APGR'];
const MODEL_COLS = ['model', 'cost per prompt (USD)', 'quality', 'AIQ'];

describe('evaluateReportSection with many eval families', () => {
  it('puts the per-family columns in stacked tables, the row labels repeated in each, so an 800-px window needs no sideways scroll', () => {
    const html = evaluateReportSection(summary(NINE));
    expectAccessibleStructure(evaluateReportHtml(summary(NINE)));
    const t = tables(html);
    // router table, AIQ by family in 5 + 4, model table, cost / quality by family in 3 + 3 + 3
    expect(t.map((x) => x.headers)).toEqual([
      ROUTER_COLS,
      ['router', 'AIQ mmlu', 'AIQ hellaswag', 'AIQ gsm8k', 'AIQ mbpp', 'AIQ arc-challenge'],
      ['router', 'AIQ winogrande', 'AIQ mt-bench', 'AIQ rag', 'AIQ consensus_summary'],
      MODEL_COLS,
      ['model', 'mmlu cost / quality', 'hellaswag cost / quality', 'gsm8k cost / quality'],
      ['model', 'mbpp cost / quality', 'arc-challenge cost / quality', 'winogrande cost / quality'],
      ['model', 'mt-bench cost / quality', 'rag cost / quality', 'consensus_summary cost / quality'],
    ]);
    expect([EVALUATE_AIQ_FAMILIES_PER_TABLE, EVALUATE_MODEL_FAMILIES_PER_TABLE]).toEqual([5, 3]);
    // the same rows, in the same order, in every table of a kind
    for (const x of t.slice(0, 3)) expect(x.rows.map((r) => r[0])).toEqual(ROUTERS);
    for (const x of t.slice(3)) expect(x.rows.map((r) => r[0])).toEqual(MODELS);
    // the cells: AIQ per family (LinUCB is row 1: 0.1 + (k + 1)/1000), a model's cost / quality per family
    expect(t[1].rows[0]).toEqual(['LinUCB (linucb)', '0.101', '0.102', '0.103', '0.104', '0.105']);
    expect(t[2].rows[4]).toEqual(['oracle point (best quality, cheapest among ties)', '0.606', '0.607', '0.608', '0.609']);
    expect(t[6].rows[2]).toEqual(['mistralai/mistral-7b-chat', '0.000306 / 0.760', '0.000307 / 0.770', '0.000308 / 0.780']);
    expect(t[0].rows[0]).toEqual(['LinUCB (linucb)', '0.500', '80.0% (0)', '70.0%', '5.0%', '40.0%', '0.700']);
    // router names wrap in the router tables (compact type), model ids stay on one line; every table in a .wide box
    expect(html.match(/<div class="wide"><table class="compact"><tr><th class="text"[^>]*>router<\/th>/g)).toHaveLength(3);
    expect(html.match(/<div class="wide"><table><tr><th>model<\/th>/g)).toHaveLength(4);
    // the stacked tables follow their table, each after a line saying what they hold
    expect(html.indexOf('AIQ per eval family (9 families):')).toBeLessThan(html.indexOf('AIQ mmlu'));
    expect(html.indexOf('Cost per prompt (USD) / quality per eval family:')).toBeLessThan(html.indexOf('mmlu cost / quality'));
    expect(html.indexOf('AIQ consensus_summary')).toBeLessThan(html.indexOf('<th>model</th>'));
  });

  it(`keeps up to ${EVALUATE_FAMILIES_INLINE} families as columns of the router and model tables`, () => {
    const t = tables(evaluateReportSection(summary(['winogrande', 'arc-challenge'])));
    expect(t.map((x) => x.headers)).toEqual([
      ['router', 'AIQ (mean)', 'AIQ winogrande', 'AIQ arc-challenge', ...ROUTER_COLS.slice(2)],
      [...MODEL_COLS, 'winogrande cost / quality', 'arc-challenge cost / quality'],
    ]);
    expect(t[0].rows.map((r) => r[0])).toEqual(ROUTERS);
    expect(t[0].rows[0].slice(0, 4)).toEqual(['LinUCB (linucb)', '0.500', '0.101', '0.102']);
  });

  it('three families already go to a stacked table of their own', () => {
    const t = tables(evaluateReportSection(summary(['mmlu', 'hellaswag', 'gsm8k'])));
    expect(t.map((x) => x.headers[1])).toEqual(['AIQ (mean)', 'AIQ mmlu', 'cost per prompt (USD)', 'mmlu cost / quality']);
    expect(t[1].headers).toEqual(['router', 'AIQ mmlu', 'AIQ hellaswag', 'AIQ gsm8k']);
  });
});

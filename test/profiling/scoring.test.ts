import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyStops,
  extractChoice,
  extractFinalNumber,
  optionLetters,
  parseNumeric,
  rouge1,
  rougeL,
  scoreCompletion,
  unigramSetRecall,
} from '../../src/profiling/scoring.js';

const MC_PROMPT = 'Choose the correct answer. Respond with a single letter.\nQuestion:\nWhich is a prime?\nOptions:\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer:\n';
const WINO_PROMPT = 'Choose the correct answer. Respond with a single letter.\nContext:\nThe trophy did not fit in the suitcase because _ was too big.\nOptions:\nA. trophy\nB. suitcase\nAnswer:\n';

describe('multiple-choice letter extraction', () => {
  it('finds the offered option letters in the prompt', () => {
    expect(optionLetters(MC_PROMPT)).toEqual(['A', 'B', 'C', 'D']);
    expect(optionLetters(WINO_PROMPT)).toEqual(['A', 'B']);
    expect(optionLetters('no options here')).toEqual(['A', 'B', 'C', 'D']);
  });

  const cases: [string, string | null][] = [
    ['C', 'C'],
    [' C', 'C'],
    ['C.', 'C'],
    ['(C)', 'C'],
    ['**C**', 'C'],
    ['c', 'C'],
    ['C) 7', 'C'],
    ['C. 7 is the only prime among the options.', 'C'],
    ['The answer is C.', 'C'],
    ['Answer: C', 'C'],
    ['The correct answer is (C) because 7 has no divisors other than 1 and itself.', 'C'],
    ['A prime has two divisors; 7 qualifies, so the answer is C.', 'C'],
    ['Looking at A and B, both are even. Answer: C', 'C'],
    ['I believe the correct option is C', 'C'],
    ['7', null],
    ['', null],
    ['The number seven.', null],
  ];
  for (const [text, want] of cases) {
    it(`${JSON.stringify(text)} → ${want}`, () => {
      expect(extractChoice(text, optionLetters(MC_PROMPT))).toBe(want);
    });
  }

  it('ignores letters the prompt does not offer (Winogrande has only A and B)', () => {
    const letters = optionLetters(WINO_PROMPT);
    expect(extractChoice('A', letters)).toBe('A');
    expect(extractChoice('C', letters)).toBeNull();
    expect(extractChoice('D) none of these. Answer: B', letters)).toBe('B');
  });
});

describe('GSM8K final number', () => {
  const cases: [string, number | null][] = [
    ['Kim raises 320 + 430 = 750 dollars. Sarah raises 300 and Maryam 300 + 400 = 700.\nTotal: 750 + 430 + 700 + 300 = 2180\nAnswer: 2,180 ', 2180],
    ['She sells 16 - 3 - 4 = 9 eggs for $2 each, so she makes 9 * 2 = $18 every day.\nAnswer: $18 ', 18],
    ['Step 1: 12 - 4 = 8\nStep 2: 8 * 3 = 24\n\nAnswer: 24', 24],
    ['The temperature falls from 3 to -5 degrees.\nAnswer: -5', -5],
    ['The balance is −12 dollars after the purchase.', -12],
    ['So the final answer is \\boxed{42}.', 42],
    ['Half of 7 is 3.5, so the answer is 3.5 hours.', 3.5],
    ['The house cost 80,000 and repairs 50,000; the profit is 70,000.\n#### 70000', 70000],
    ['A total of 1,234,567 people attended.', 1234567],
    ['10 - 3 = 7', 7],
    ['Answer:\n\nJohn has 5 apples left.', 5],
    ['I cannot solve this.', null],
  ];
  for (const [text, want] of cases) {
    it(`${JSON.stringify(text.slice(0, 40))}… → ${want}`, () => {
      expect(extractFinalNumber(text)).toBe(want);
    });
  }

  it('property: a formatted final answer reads back as its number (separators, sign, decimals, $)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: 0, max: 99 }),
        fc.boolean(),
        fc.constantFrom('Answer: ', 'The answer is ', '#### ', 'So the total is '),
        (whole, cents, dollars, lead) => {
          const v = whole + (whole < 0 ? -cents : cents) / 100;
          const abs = Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
          const text = `First 12 - 5 = 7 and 3 * 4 = 12.\n${lead}${v < 0 ? '-' : ''}${dollars ? '$' : ''}${abs}.`;
          const got = extractFinalNumber(text);
          expect(got).not.toBeNull();
          expect(Math.abs(got! - v)).toBeLessThan(1e-9 * Math.max(1, Math.abs(v)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parses references with separators and signs', () => {
    expect(parseNumeric('40,000')).toBe(40000);
    expect(parseNumeric('-3')).toBe(-3);
    expect(parseNumeric('18')).toBe(18);
    expect(parseNumeric('0.5')).toBe(0.5);
    expect(parseNumeric('18 eggs')).toBeNull();
  });

  it('18.0 matches 18, 2,280 matches 2280, a negative matches a negative reference', () => {
    const spec = (reference: string) => ({ extraction: 'numeric' as const, metric: 'exact_match' as const, reference, prompt: '' });
    expect(scoreCompletion(spec('18'), 'She has 18.0 eggs left.\nAnswer: 18.0').accuracy).toBe(1);
    expect(scoreCompletion(spec('2280'), 'Answer: 2,280').accuracy).toBe(1);
    expect(scoreCompletion(spec('40,000'), 'Answer: 40000 ').accuracy).toBe(1);
    expect(scoreCompletion(spec('-7'), 'The net change is -7.\nAnswer: -7').accuracy).toBe(1);
    expect(scoreCompletion(spec('7'), 'Answer: -7').accuracy).toBe(0);
    expect(scoreCompletion(spec('7'), '').accuracy).toBe(0);
  });

  it('reference mode keeps the reference code rules: no minus sign, 18.0 ≠ 18, commas dropped only from the answer', () => {
    const spec = (reference: string) => ({ extraction: 'numeric' as const, metric: 'exact_match' as const, reference, prompt: '' });
    const ref = { mode: 'reference' as const };
    expect(scoreCompletion(spec('18'), 'so 18.0 eggs', ref).accuracy).toBe(0);
    expect(scoreCompletion(spec('18'), 'Answer: 18', ref).accuracy).toBe(1);
    expect(scoreCompletion(spec('-7'), 'Answer: -7', ref).accuracy).toBe(0);
    expect(scoreCompletion(spec('40,000'), 'Answer: 40,000', ref).accuracy).toBe(0);
  });
});

describe('ROUGE', () => {
  it('matches the published rouge-score example', () => {
    const target = 'The quick brown fox jumps over the lazy dog';
    const pred = 'The quick brown dog jumps on the log.';
    const r1 = rouge1(pred, target);
    expect(r1.precision).toBeCloseTo(0.75, 12);
    expect(r1.recall).toBeCloseTo(6 / 9, 12);
    expect(r1.f1).toBeCloseTo(0.7058823529411765, 12);
    const rl = rougeL(pred, target);
    expect(rl.precision).toBeCloseTo(0.625, 12);
    expect(rl.recall).toBeCloseTo(5 / 9, 12);
    expect(rl.f1).toBeCloseTo(0.5882352941176471, 12);
  });

  it('scores a realistic summary against highlights; identical text scores 1, empty 0', () => {
    const ref = 'The city council approved a new budget on Monday .\nIt includes funding for two new parks and road repairs .';
    const good = 'The city council approved a new budget on Monday. The plan funds two new parks and road repairs across the city.';
    const bad = 'A football match was postponed because of heavy rain.';
    const spec = { extraction: 'raw' as const, metric: 'rouge' as const, reference: ref, prompt: '' };
    const g = scoreCompletion(spec, good).accuracy;
    const b = scoreCompletion(spec, bad).accuracy;
    expect(g).toBeGreaterThan(0.6);
    expect(b).toBeLessThan(0.15);
    expect(scoreCompletion(spec, ref).accuracy).toBeCloseTo(1, 12);
    expect(scoreCompletion(spec, '').accuracy).toBe(0);
    expect(scoreCompletion(spec, good, { summaryMetric: 'rougeL' }).accuracy).toBeLessThanOrEqual(g);
    // the reference code's metric is unigram-set recall over whitespace tokens
    expect(unigramSetRecall('the cat sat', 'the cat is here')).toBeCloseTo(0.5, 12);
  });
});

describe('stop sequences', () => {
  it('cuts at the first stop', () => {
    expect(applyStops('Answer: 18 #### more', ['####'])).toBe('Answer: 18 ');
    expect(applyStops('B\nC', ['\n'])).toBe('B');
    expect(applyStops('text\n\n\nnext ####', ['####', '\n\n\n'])).toBe('text');
    expect(applyStops('plain', [])).toBe('plain');
  });
});

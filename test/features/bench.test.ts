import { describe, expect, it } from 'vitest';
import { syntheticPrompts } from '../../bench/features.js';

describe('features benchmark prompts', () => {
  it('generates prompts shaped like the five tasks', () => {
    const p = syntheticPrompts(10);
    expect(p.map((x) => x.task).slice(0, 5)).toEqual(['mmlu', 'hellaswag', 'winogrande', 'gsm8k', 'cnn_dailymail']);
    expect(syntheticPrompts(10)).toEqual(p);
  });
});

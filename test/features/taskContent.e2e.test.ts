import { describe, expect, it } from 'vitest';
import {
  INSTRUCTION_POOL,
  INSTRUCTION_TASK_FEATURES,
  augmentExamples,
  contentOf,
  contentParts,
  stratifiedSplit,
  taskPredictor,
  trainTaskModel,
} from '../../src/features/taskClassifier.js';
import { HAVE_PROMPTS, realPrompts, warnIfNoPrompts } from './helpers.js';
import { HAVE_ROUTERBENCH, ROUTERBENCH_DIR, VARIANTS, blankSentence, lastQuery, rewrite, routerbenchWinogrande, unpyList } from './outOfTemplate.js';

warnIfNoPrompts('out-of-template task classifier accuracy');
if (!HAVE_ROUTERBENCH) console.warn(`[features] skipping RouterBench Winogrande accuracy: ${ROUTERBENCH_DIR} not found`);

const MMLU = 'Choose the correct answer. Respond with a single letter.\nQuestion:\nWhat is 2+2?\nOptions:\nA. 3\nB. 4\nAnswer:\n';

describe('content of a prompt', () => {
  it('drops the instruction, headers and option markers, keeps question and options', () => {
    expect(contentParts(MMLU)).toEqual({ body: ['What is 2+2?'], options: ['3', '4'] });
    expect(contentOf(MMLU)).toBe('What is 2+2?\n3\n4\n\u00a7 two options');
    // no header: nothing is taken for an instruction
    expect(contentOf('Natalia sold 48 clips.\nHow many?')).toBe('Natalia sold 48 clips.\nHow many?');
    expect(contentOf('Question: Why?\n(a) yes\n[B] no\n2) maybe')).toBe('Why?\nyes\nno\nmaybe\n\u00a7 three options');
    expect(contentOf('x'.repeat(5000), 100)).toHaveLength(100);
    // a long passage is cut, its options are kept
    expect(contentOf(`Context:\n${'w '.repeat(3000)}\nA. yes\nB. no`, 100)).toBe(`${'w '.repeat(50)}\nyes\nno\n\u00a7 two options`);
  });

  it('augments with pool instructions, deterministically for a seed', () => {
    const ex = [{ text: MMLU, label: 'mmlu' }, { text: 'Question:\nHow many eggs?\nAnswer:\n', label: 'gsm8k' }];
    const a = augmentExamples(ex, 3, 1);
    expect(a).toHaveLength(8);
    expect(a[0]).toEqual({ text: 'What is 2+2?\n3\n4\n\u00a7 two options', label: 'mmlu' });
    for (const e of a.slice(1, 4)) {
      const first = e.text.split('\n')[0];
      expect(first === 'What is 2+2?' || INSTRUCTION_POOL.includes(first)).toBe(true);
      expect(e.text).toContain('What is 2+2?');
    }
    expect(augmentExamples(ex, 3, 1)).toEqual(a);
    expect(augmentExamples(ex, 3, 2)).not.toEqual(a);
  });
});

function accuracy(predict: (t: string) => string, items: { text: string; label: string }[]): number {
  return items.filter((x) => predict(x.text) === x.label).length / items.length;
}

describe.skipIf(!HAVE_PROMPTS)('task classifier out of template (real prompts, 80/20 split, seed 42)', () => {
  const rows = HAVE_PROMPTS ? realPrompts().map((r) => ({ text: r.text, label: r.task! })) : [];
  const split = stratifiedSplit(rows.map((r) => r.label), 0.2, 42);
  const train = split.train.map((i) => rows[i]);
  const test = split.test.map((i) => rows[i]);

  it('content model: ≥ 95% on held-out prompts without their template, ~100% with it', () => {
    const model = trainTaskModel(train);
    const predict = taskPredictor(model);
    const inTemplate = accuracy(predict, test);
    const figures: Record<string, string> = { 'in-template': `${(100 * inTemplate).toFixed(1)}% of ${test.length}` };
    const pooled: { text: string; label: string }[] = [];
    for (const v of VARIANTS) {
      const items = test.map((r) => ({ text: rewrite(r.text, v), label: r.label }));
      pooled.push(...items);
      figures[v] = `${(100 * accuracy(predict, items)).toFixed(1)}% of ${items.length}`;
    }
    if (HAVE_ROUTERBENCH) {
      // RouterBench's Winogrande is the same validation split: leave out sentences the model trained on
      const trained = new Set(train.filter((r) => r.label === 'winogrande').map((r) => blankSentence(contentParts(r.text).body.join('\n'))));
      const items = routerbenchWinogrande()
        .filter((q) => !trained.has(blankSentence(q)))
        .map((q) => ({ text: q, label: 'winogrande' }));
      pooled.push(...items);
      figures['routerbench-winogrande'] = `${(100 * accuracy(predict, items)).toFixed(1)}% of ${items.length}`;
    }
    const oot = accuracy(predict, pooled);
    figures['out-of-template, pooled'] = `${(100 * oot).toFixed(1)}% of ${pooled.length}`;
    console.table(figures);
    expect(inTemplate).toBeGreaterThanOrEqual(0.98);
    expect(oot).toBeGreaterThanOrEqual(0.95);
  }, 60_000);

  it('instruction model (spec §3.1 features) fails out of template, so the measurement can fail', () => {
    const predict = taskPredictor(trainTaskModel(train, { features: INSTRUCTION_TASK_FEATURES }));
    const items = test.map((r) => ({ text: rewrite(r.text, 'question-only'), label: r.label }));
    const acc = accuracy(predict, items);
    console.log(`instruction model, question-only: ${(100 * acc).toFixed(1)}%`);
    expect(acc).toBeLessThan(0.9);
  }, 60_000);
});

describe('RouterBench prompt cells', () => {
  it('unwrap the Python list literal and take the last query', () => {
    const cell = "['Q1?\\nA) x\\nAnswer:\\nA\\n\\nWhat\\'s _ here?\\nA) a\\nB) b\\nAnswer:']";
    const s = unpyList(cell);
    expect(s).toBe("Q1?\nA) x\nAnswer:\nA\n\nWhat's _ here?\nA) a\nB) b\nAnswer:");
    expect(lastQuery(s)).toBe("What's _ here?\nA) a\nB) b\nAnswer:");
    expect(blankSentence(lastQuery(s))).toBe("What's _ here?");
  });
});

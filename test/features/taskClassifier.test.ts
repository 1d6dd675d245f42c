import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import {
  DEFAULT_TASK_FEATURES,
  INSTRUCTION_TASK_FEATURES,
  TASK_MODEL_FORMAT,
  TASK_MODEL_VERSION,
  confusionMatrix,
  instructionOf,
  predictProba,
  predictTask,
  stratifiedSplit,
  taskFeatures,
  taskInput,
  taskModelFromJson,
  taskModelToJson,
  taskPredictor,
  trainTaskModel,
} from '../../src/features/taskClassifier.js';
import { HAVE_PROMPTS, realPrompts, warnIfNoPrompts } from './helpers.js';

warnIfNoPrompts('task classifier accuracy on the real prompts');

/** Small labelled set with the paper's instruction lines and varied bodies. */
function toyExamples(): { text: string; label: string }[] {
  const bodies = ['the river flooded the town', 'a farmer sells apples', 'the council voted on taxes', 'a robot learns to walk',
    'students study for exams', 'the team won the final', 'a storm hit the coast', 'prices rose in march'];
  const choose = 'Choose the correct answer. Respond with a single letter.';
  const solve = "Solve this step by step. Provide your final answer in the format 'Answer: <answer> ####'.";
  const out: { text: string; label: string }[] = [];
  for (const b of bodies) {
    out.push({ label: 'mmlu', text: `${choose}\nQuestion:\nWhy ${b}?\nOptions:\nA. x\nB. y\nAnswer:\n` });
    out.push({ label: 'gsm8k', text: `${solve}\nQuestion:\nIf ${b} 3 times, how many?\n\nAnswer:\n` });
    out.push({ label: 'winogrande', text: `${choose}\nContext:\nSam said _ ${b}.\nOptions:\nA. Sam\nB. Kim\nAnswer:\n` });
  }
  return out;
}

describe('instruction (spec §3.1)', () => {
  it('takes the first three lines, at most 200 characters', () => {
    expect(instructionOf('a\nb\nc\nd\ne')).toBe('a\nb\nc');
    expect(instructionOf('one line')).toBe('one line');
    expect(instructionOf('x'.repeat(500))).toHaveLength(200);
    expect(instructionOf('a\r\nb\r\nc\r\nd')).toBe('a\nb\nc');
    // 200 code points, not UTF-16 units
    expect(Array.from(instructionOf('😀'.repeat(300)))).toHaveLength(200);
  });

  it('gives unit-norm features for any text, empty for empty text', () => {
    expect(taskFeatures('').idx).toHaveLength(0);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (t) => {
        const v = taskFeatures(t);
        const n2 = v.val.reduce((s, x) => s + x * x, 0);
        return v.idx.length === 0 || Math.abs(n2 - 1) < 1e-9;
      }),
      { numRuns: 200 },
    );
  });
});

describe('multinomial logistic regression', () => {
  const ex = toyExamples();
  const model = trainTaskModel(ex);

  it('separates the training tasks and is deterministic', () => {
    for (const e of ex) expect(predictTask(model, e.text)).toBe(e.label);
    expect(model.labels).toEqual(['gsm8k', 'mmlu', 'winogrande']);
    const again = trainTaskModel([...ex].reverse());
    expect(Array.from(again.weights)).toEqual(Array.from(model.weights));
    expect(Array.from(again.bias)).toEqual(Array.from(model.bias));
  });

  it('trains on what prediction reads: a long prompt keeps its options after its body is cut', () => {
    // bodies of 1,200+ characters from one vocabulary for both labels: only the options (and the line naming
    // their number, which contentOf appends after cutting the body) tell 'mc' from 'open'. Reading the content
    // copy through contentOf a second time cut body and options together to 1,000 characters, so training
    // never saw the options that prediction reads
    const rng = new Rng(11);
    const vocab = ['river', 'town', 'farmer', 'apples', 'council', 'taxes', 'robot', 'storm', 'coast', 'prices', 'march', 'team'];
    const prompt = (mc: boolean): string => {
      const words = Array.from({ length: 200 }, () => vocab[rng.int(vocab.length)]).join(' ');
      return `Question:\n${words}\n${mc ? 'Options:\nA. alpha\nB. bravo\nC. charlie\nD. delta\n' : ''}Answer:\n`;
    };
    const make = (n: number): { text: string; label: string }[] =>
      Array.from({ length: n }, (_, i) => ({ label: i % 2 === 0 ? 'mc' : 'open', text: prompt(i % 2 === 0) }));
    const m = trainTaskModel(make(40), { augment: 0 });
    const predict = taskPredictor(m);
    for (const e of make(40)) expect(predict(e.text)).toBe(e.label);
  });

  it('batch predictor agrees with predictTask; probabilities sum to 1', () => {
    const p = taskPredictor(model);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (t) => {
        const label = p(t);
        const pr = predictProba(model, t);
        const sum = pr.reduce((a, b) => a + b, 0);
        return label === predictTask(model, t) && model.labels.includes(label) && Math.abs(sum - 1) < 1e-9;
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips through its JSON document', () => {
    const doc = JSON.parse(JSON.stringify(taskModelToJson(model)));
    expect(doc.format).toBe(TASK_MODEL_FORMAT);
    expect(doc.schemaVersion).toBe(TASK_MODEL_VERSION);
    expect('version' in doc).toBe(false);
    expect(doc.features).toEqual(DEFAULT_TASK_FEATURES);
    const back = taskModelFromJson(doc, 'm.json');
    expect(Array.from(back.weights)).toEqual(Array.from(model.weights));
    for (const e of ex) expect(predictTask(back, e.text)).toBe(e.label);
  });

  it('reads a file written with the field named version (before schemaVersion) as the same model', () => {
    const { schemaVersion, ...rest } = JSON.parse(JSON.stringify(taskModelToJson(model)));
    const back = taskModelFromJson({ ...rest, version: schemaVersion }, 'old.json');
    expect(Array.from(back.weights)).toEqual(Array.from(model.weights));
    expect(back.features).toEqual(model.features);
  });

  it('reads a version-1 file as an instruction model', () => {
    const inst = trainTaskModel(ex, { features: INSTRUCTION_TASK_FEATURES });
    const doc = JSON.parse(JSON.stringify(taskModelToJson(inst)));
    delete doc.schemaVersion;
    doc.version = 1;
    for (const k of ['input', 'contentChars', 'foldDigits']) delete doc.features[k];
    const back = taskModelFromJson(doc, 'v1.json');
    expect(back.features).toEqual(INSTRUCTION_TASK_FEATURES);
    for (const e of ex) expect(predictTask(back, e.text)).toBe(predictTask(inst, e.text));
    // the same text read as content would score differently: the version decides what is read
    expect(taskInput(ex[0].text, back.features)).toBe(instructionOf(ex[0].text));
  });

  it('rejects malformed model documents with a DataError naming the file', () => {
    const good = taskModelToJson(model);
    const bad: [unknown, RegExp][] = [
      [null, /not a JSON object/],
      [{ ...good, format: 'other' }, /not a task model/],
      [{ ...good, schemaVersion: 99 }, /schemaVersion 99/],
      [(({ schemaVersion: _, ...old }) => ({ ...old, version: 99 }))(good), /model version 99/],
      [{ ...good, labels: [] }, /labels/],
      [{ ...good, bias: [1] }, /bias/],
      [{ ...good, features: { ...good.features, hashBits: 40 } }, /hashBits/],
      [{ ...good, features: { ...good.features, input: 'whole' } }, /input "whole"/],
      [{ ...good, features: { ...good.features, foldDigits: 1 } }, /foldDigits/],
      [{ ...good, weights: { ...good.weights, data: 'AAAA' } }, /bytes/],
    ];
    for (const [doc, msg] of bad) {
      expect(() => taskModelFromJson(doc, 'model.json')).toThrow(DataError);
      expect(() => taskModelFromJson(doc, 'model.json')).toThrow(msg);
      expect(() => taskModelFromJson(doc, 'model.json')).toThrow(/^model\.json: /);
    }
  });

  it('refuses to train on nothing', () => {
    expect(() => trainTaskModel([])).toThrow(DataError);
  });
});

describe('stratified split and confusion matrix', () => {
  it('holds out the same share of every label, reproducibly', () => {
    const labels = [...Array(50).fill('a'), ...Array(30).fill('b')] as string[];
    const s = stratifiedSplit(labels, 0.2, 7);
    expect(s.test.filter((i) => labels[i] === 'a')).toHaveLength(10);
    expect(s.test.filter((i) => labels[i] === 'b')).toHaveLength(6);
    expect(new Set([...s.train, ...s.test]).size).toBe(80);
    expect(stratifiedSplit(labels, 0.2, 7)).toEqual(s);
    expect(stratifiedSplit(labels, 0.2, 8)).not.toEqual(s);
  });
  it('counts truth by row, prediction by column', () => {
    expect(confusionMatrix(['a', 'b'], ['a', 'a', 'b'], ['a', 'b', 'b'])).toEqual([[1, 1], [0, 1]]);
  });
});

describe.skipIf(!HAVE_PROMPTS)('task classifier on the 2,500 real prompts', () => {
  // the content model's figures are in taskContent.e2e.test.ts
  it('instruction model reaches ≥ 98% held-out accuracy (80/20 stratified split, seed 42)', () => {
    const rows = realPrompts().map((r) => ({ text: r.text, label: r.task! }));
    const { train, test } = stratifiedSplit(rows.map((r) => r.label), 0.2, 42);
    const model = trainTaskModel(train.map((i) => rows[i]), { features: INSTRUCTION_TASK_FEATURES });
    const predict = taskPredictor(model);
    const truth = test.map((i) => rows[i].label);
    const pred = test.map((i) => predict(rows[i].text));
    const m = confusionMatrix(model.labels, truth, pred);
    const acc = pred.filter((p, j) => p === truth[j]).length / test.length;
    console.log(`held-out accuracy ${(100 * acc).toFixed(2)}% on ${test.length} prompts (train ${train.length}); ` +
      `JSON model ${(JSON.stringify(taskModelToJson(model)).length / 1024).toFixed(0)} KiB`);
    console.table(Object.fromEntries(model.labels.map((l, i) => [l, Object.fromEntries(model.labels.map((c, j) => [c, m[i][j]]))])));
    expect(acc).toBeGreaterThanOrEqual(0.98);
    model.labels.forEach((_, i) => expect(m[i][i]).toBeGreaterThanOrEqual(98));
  });
});

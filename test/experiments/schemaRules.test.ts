/**
 * experiments/schema.json against the loader: a JSON Schema validator (ajv, draft 2020-12) and parseExperiment
 * accept and refuse the same files, the rules across fields included, so an editor flags what a run refuses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/sim/experimentConfig.js';

const EXP = resolve(__dirname, '../../experiments');
// the committed file, as an editor reads it (experiments.e2e checks it is the generated one)
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(join(EXP, 'schema.json'), 'utf8')));

const schemaAccepts = (yaml: string): boolean => validate(parseYaml(yaml)) === true;
const loaderAccepts = (yaml: string): boolean => {
  try {
    parseExperiment(yaml, 'x.yaml');
    return true;
  } catch {
    return false;
  }
};

const ARMS = 'arms:\n  - policy: linucb\n';
const WITH_TBS = 'arms:\n  - policy: linucb\n  - policy: train-best-static\n';

describe('experiments/schema.json and parseExperiment agree', () => {
  it('on every shipped experiment', () => {
    const files = readdirSync(EXP).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(join(EXP, f), 'utf8');
      expect(schemaAccepts(text), f).toBe(true);
      expect(loaderAccepts(text), f).toBe(true);
    }
  });

  it.each([
    ['a plain file', `name: x\n${ARMS}`, true],
    ['split and train together', `name: x\nsplit: 0.5\ntrain: t.csv\n${WITH_TBS}`, false],
    ['splits without split', `name: x\nsplits: 3\n${ARMS}`, false],
    ['splits: 1 without split', `name: x\nsplits: 1\n${ARMS}`, true],
    ['splits with split', `name: x\nsplit: 0.5\nsplits: 3\n${WITH_TBS}`, true],
    ['a split without a train-best-static arm', `name: x\nsplit: 0.5\n${ARMS}`, false],
    ['a train table without a train-best-static arm', `name: x\ntrain: t.csv\n${ARMS}`, false],
    ['a train table with one', `name: x\ntrain: t.csv\n${WITH_TBS}`, true],
    ['a λ listed twice', `name: x\nlambdas: [0.5, 0.2, 0.5]\n${ARMS}`, false],
    ['a train share listed twice', `name: x\nsplit: [0.3, 0.5, 0.3]\n${WITH_TBS}`, false],
    ['a series of distinct shares', `name: x\nsplit: [0.3, 0.5]\n${WITH_TBS}`, true],
    ['each budget kind', `name: x\nbudget: energy=0.05\n${ARMS}`, true],
    ['a budget of latency, spaced', `name: x\nbudget: " latency = 2 "\n${ARMS}`, true],
    ['a budget of an unknown kind', `name: x\nbudget: watts=1\n${ARMS}`, false],
    ['a budget with no value', `name: x\nbudget: usd=\n${ARMS}`, false],
    ['a delay in steps, as a string', `name: x\nfeedbackDelay: "12"\n${ARMS}`, true],
    ['a uniform delay', `name: x\nfeedbackDelay: uniform:5-50\n${ARMS}`, true],
    ['a geometric delay', `name: x\nfeedbackDelay: geometric:20\n${ARMS}`, true],
    ['a delay of an unknown form', `name: x\nfeedbackDelay: poisson:20\n${ARMS}`, false],
    ['embed alone', `name: x\nfeatures: [embed]\n${ARMS}`, true],
    ['embed beside a one-hot feature', `name: x\nfeatures: [embed, task]\n${ARMS}`, false],
    ['embed and embedding together', `name: x\nfeatures: [embedding, embed]\n${ARMS}`, false],
    ['a bias-only experiment', `name: x\nfeatures: []\n${ARMS}`, true],
    ["an arm's embedding alone", 'name: x\narms:\n  - {policy: linucb, features: [embedding]}\n', true],
    ["an arm's embedding beside a one-hot feature", 'name: x\narms:\n  - {policy: linucb, features: [task, embedding]}\n', false],
  ])('%s', (_what, yaml, ok) => {
    expect(loaderAccepts(yaml)).toBe(ok);
    expect(schemaAccepts(yaml)).toBe(ok);
  });

  it('except a label used twice, which only the loader can see (the documented gap)', () => {
    const yaml = 'name: x\narms:\n  - policy: linucb\n  - policy: thompson\n    label: linucb\n';
    expect(loaderAccepts(yaml)).toBe(false);
    expect(schemaAccepts(yaml)).toBe(true);
  });
});

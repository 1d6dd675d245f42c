/**
 * Mistakes a first experiment file makes: a misspelt field, a command-line option written as a field. Each is
 * refused at its line with what was probably meant.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareExperiment } from '../../src/app/experimentPrepare.js';
import { initialPool } from '../../src/report/experimentOutputs.js';
import { parseExperiment } from '../../src/sim/experimentConfig.js';
import { throwsDataError } from '../helpers/errors.js';

/** The message of the DataError parsing `text` must throw. */
const message = (text: string): string => throwsDataError(() => parseExperiment(text, 'm.yaml')).message;

describe('misspelt fields', () => {
  it('a top-level field suggests the one meant and lists the fields', () => {
    const m = message('name: m\nlamdas: [0.5]\narms: [{policy: linucb}]\n');
    expect(m).toMatch(/^m\.yaml:2 \(field 'lamdas'\): Unrecognized key: "lamdas" \(did you mean 'lambdas'\?\); fields here: name, title, /);
    expect(m).toContain('eventWindow, pool, expected');
  });

  it('a nested field suggests among the fields of its own object', () => {
    expect(message('name: m\narms:\n  - policy: linucb\n    parms: {alpha: 0.3}\n')).toBe(
      "m.yaml:4 (field 'arms.0.parms'): Unrecognized key: \"parms\" (did you mean 'params'?); fields here: policy, module, label, params, features",
    );
    expect(message('name: m\narms: [{policy: linucb}]\npool:\n  exlude: [a]\n')).toMatch(/^m\.yaml:4 \(field 'pool\.exlude'\): .*did you mean 'exclude'.*fields here: initial, exclude, events$/);
    expect(message('name: m\narms: [{policy: linucb}]\ndrift:\n  - {step: 1, model: a, acuracy: -0.1}\n')).toMatch(/field 'drift\.0\.acuracy'\): .*did you mean 'accuracy'/);
    expect(message('name: m\narms: [{policy: linucb}]\nexpected: {source: s, values: [{lambda: 0.5, label: a, regret: 1}]}\n')).toMatch(/field 'expected\.values\.0\.regret'\): .*fields here: lambda, label, finalRegret/);
  });

  it('a command-line option written as a field says where it belongs', () => {
    expect(message('name: m\nworkers: 2\narms: [{policy: linucb}]\n')).toBe(
      "m.yaml:2 (field 'workers'): Unrecognized key: \"workers\": --workers is an option of `experiment run`, not a field of the file",
    );
  });
});

describe('anchors, aliases and merge keys', () => {
  it('a merge key copies the fields of the anchored arm, and fields written beside it win', () => {
    const cfg = parseExperiment('name: m\narms:\n  - &a {policy: linucb, params: {alpha: 0.3}}\n  - <<: *a\n    label: two\n  - <<: *a\n    label: three\n    params: {alpha: 2}\n', 'm.yaml');
    expect(cfg.arms).toEqual([
      { policy: 'linucb', params: { alpha: 0.3 } },
      { policy: 'linucb', params: { alpha: 0.3 }, label: 'two' },
      { policy: 'linucb', params: { alpha: 2 }, label: 'three' },
    ]);
  });

  it('the report reads a merged pool as the run did', () => {
    const text = 'name: m\narms: [{policy: linucb}]\npool:\n  <<: {exclude: [b]}\n';
    expect(initialPool(text, ['a', 'b', 'c'])).toEqual(['a', 'c']);
  });
});

describe('files an experiment names', () => {
  it('a policy module that is missing or not a module is refused at its arm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-module-'));
    writeFileSync(join(dir, 'one.mjs'), 'export default 1;\n');
    const file = join(dir, 'm.yaml');
    const text = (module: string): string => `name: m\narms:\n  - policy: linucb\n  - policy: mine\n    module: ${module}\n`;
    await expect(prepareExperiment(file, text('nope.mjs'))).rejects.toThrow(`${file}:5 (field 'arms.1.module'): policy module '${join(dir, 'nope.mjs')}': no such file`);
    await expect(prepareExperiment(file, text('one.mjs'))).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5 \\(field 'arms\\.1\\.module'\\): policy module`));
  });
});

describe('empty paths', () => {
  it('an empty dataset, queries or models path is refused at its field (it would name the YAML file’s directory)', () => {
    for (const field of ['dataset', 'queries', 'models']) {
      expect(message(`name: m\n${field}: ""\narms: [{policy: linucb}]\n`)).toMatch(new RegExp(`^m\\.yaml:2 \\(field '${field}'\\): must name a`));
    }
  });
});

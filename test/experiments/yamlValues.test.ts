/**
 * Values a YAML file naturally writes: a delay as a plain number, a λ listed twice, a huge count. Each is taken
 * as meant or refused with the reason (the bound, the repeat) at its field.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/app/experiment.js';
import { simulate } from '../../src/app/simulate.js';
import { parseExperiment } from '../../src/sim/experimentConfig.js';
import { throwsDataError } from '../helpers/errors.js';

const yaml = (line: string): string => `name: v\nruns: 1\n${line}\narms:\n  - policy: linucb\n`;

/** The message of the DataError parsing `text` must throw. */
const message = (text: string): string => throwsDataError(() => parseExperiment(text, 'v.yaml')).message;

describe('YAML values', () => {
  it('a C0 control character other than tab, LF or CR is refused at its line, even in a comment', () => {
    const ok = yaml('seed: 3');
    expect(message(ok.replace('seed: 3', 'seed: 3 # a \u0000 comment'))).toBe(
      'v.yaml:3: control character U+0000 (NUL) at column 13: a config file may hold tab, line feed and carriage return, no other control character (not even in a comment)',
    );
    expect(message(ok.replace('seed: 3', 'seed: 3\r\ntitle: "a\u001b[2Jb"'))).toMatch(/^v\.yaml:4: control character U\+001B at column 10: /);
    // tab, CRLF and CR line ends stay allowed
    expect(parseExperiment(ok.replace('seed: 3', 'seed: 3\t# tabbed').replace(/\n/g, '\r\n'), 'v.yaml').seed).toBe(3);
  });

  it('a file that is not a mapping of settings (empty, a list, a data file) is named as not an experiment', () => {
    expect(message('')).toBe('v.yaml:1: not an experiment: expected a YAML mapping of settings (name:, dataset:, arms:, …, as in the shipped experiments), got an empty document');
    expect(message('- policy: linucb\n')).toMatch(/^v\.yaml:1: not an experiment: .*, got a list$/);
    expect(message('query_id,model_id,accuracy\nq1,m1,1\n')).toMatch(/^v\.yaml:1: not an experiment: .*, got a single string value$/);
  });

  it('split: a list too long, an entry that is no share, or a value neither share nor list is told why, at its field', () => {
    const shares = Array.from({ length: 21 }, (_, i) => (i + 1) / 25);
    const tbs = (line: string): string => yaml(line).replace('policy: linucb', 'policy: train-best-static');
    expect(parseExperiment(tbs(`split: [${shares.slice(0, 20).join(', ')}]`), 'v.yaml').split).toHaveLength(20);
    expect(message(tbs(`split: [${shares.join(', ')}]`))).toBe("v.yaml:3 (field 'split'): at most 20 (see docs/limits.md)");
    expect(message(tbs('split: [0.5, "x"]'))).toBe("v.yaml:3 (field 'split.1'): Invalid input: expected number, received string");
    expect(message(tbs('split: "x"'))).toBe("v.yaml:3 (field 'split'): must be a train share in (0, 1), or a list of them");
  });

  it('feedbackDelay: a whole number is the fixed delay; other numbers are told why', () => {
    expect(parseExperiment(yaml('feedbackDelay: 5'), 'v.yaml').feedbackDelay).toBe('5');
    expect(parseExperiment(yaml('feedbackDelay: 0'), 'v.yaml').feedbackDelay).toBe('0');
    expect(parseExperiment(yaml('feedbackDelay: "geometric:20"'), 'v.yaml').feedbackDelay).toBe('geometric:20');
    expect(message(yaml('feedbackDelay: 2.5'))).toBe("v.yaml:3 (field 'feedbackDelay'): a delay in steps must be a whole number ≥ 0");
    expect(message(yaml('feedbackDelay: -3'))).toBe("v.yaml:3 (field 'feedbackDelay'): a delay in steps must be a whole number ≥ 0");
    expect(message(yaml('feedbackDelay: 1e20'))).toBe("v.yaml:3 (field 'feedbackDelay'): at most 1000000 steps (see docs/limits.md)");
    expect(message(yaml('feedbackDelay: true'))).toMatch(/^v\.yaml:3 \(field 'feedbackDelay'\): expected <steps>, uniform:<a>-<b> or geometric:<mean>/);
    expect(message(yaml('feedbackDelay: "uniform:9-2"'))).toBe("v.yaml:3 (field 'feedbackDelay'): uniform:<a>-<b> needs a ≤ b (a = 9 > b = 2)");
  });

  it('feedbackDelay: 5 replays exactly as feedbackDelay: "5", and as the library given the number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-yamlv-'));
    const run = async (v: string): Promise<number[]> => {
      const f = join(dir, `d${v.length}.yaml`);
      writeFileSync(f, `name: d\nruns: 2\nseed: 3\nfeedbackDelay: ${v}\narms:\n  - policy: linucb\n  - policy: thompson\n`);
      const { summary } = await runExperiment(f, { out: join(dir, `out${v.length}`), charts: false, workers: 1 });
      return summary.cells.map((c) => c.finalRegret.mean);
    };
    const num = await run('50');
    expect(num).toEqual(await run('"50"'));
    const lib = await simulate({ policies: ['linucb', 'thompson'], runs: 2, seed: 3, feedbackDelay: 50 });
    expect(lib.policies.map((p) => p.finalRegret.mean)).toEqual(num);
    // and the delay matters: without it linucb's regret differs
    const none = await simulate({ policies: ['linucb'], runs: 2, seed: 3 });
    expect(none.policies[0].finalRegret.mean).not.toBe(num[0]);
  }, 60_000);

  it('a λ listed twice is refused at lambdas, naming both places', () => {
    expect(message(yaml('lambdas: [0.5, 0.5, 0.5]'))).toBe("v.yaml:3 (field 'lambdas'): λ 0.5 is listed twice (lambdas.0 and lambdas.1); list each λ once");
    expect(message('name: v\nlambdas:\n  - 0.2\n  - 0.5\n  - 0.2\narms:\n  - policy: linucb\n')).toBe("v.yaml:3 (field 'lambdas'): λ 0.2 is listed twice (lambdas.0 and lambdas.2); list each λ once");
    expect(parseExperiment(yaml('lambdas: [0.2, 0.5, 0.8]'), 'v.yaml').lambdas).toEqual([0.2, 0.5, 0.8]);
  });

  it('counts far past their bound are told the bound, not that they are no integer', () => {
    expect(message(yaml('eventWindow: 1e18'))).toBe("v.yaml:3 (field 'eventWindow'): at most 10000000 (see docs/limits.md)");
    expect(message(yaml('embedDim: 1e20'))).toBe("v.yaml:3 (field 'embedDim'): at most 512 (see docs/limits.md)");
    expect(message('name: v\nruns: 1e18\narms:\n  - policy: linucb\n')).toBe("v.yaml:2 (field 'runs'): at most 10000 (see docs/limits.md)");
    expect(message(yaml('split: 0.5\nsplits: 1e30'))).toBe("v.yaml:4 (field 'splits'): at most 10000 (see docs/limits.md)");
    // below the bound the integer rule still speaks
    expect(message(yaml('eventWindow: 2.5'))).toBe("v.yaml:3 (field 'eventWindow'): must be an integer ≥ 1");
    expect(message(yaml('embedDim: 0'))).toBe("v.yaml:3 (field 'embedDim'): must be an integer ≥ 1");
    expect(parseExperiment(yaml('eventWindow: 10000000'), 'v.yaml').eventWindow).toBe(10_000_000);
  });
});

/** YAML policy parameters: checked where they are written, applied as numbers (no `policy.param=value` round trip). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareExperiment } from '../../src/app/experimentPrepare.js';
import { loadTable } from '../../src/data/load.js';
import { resolvePolicies } from '../../src/policies/registry.js';
import { ExperimentContext } from '../../src/sim/experiment.js';
import { parseExperiment } from '../../src/sim/experimentConfig.js';
import { throwsDataError } from '../helpers/errors.js';

const yaml = (params: string): string => `name: p\nruns: 1\narms:\n  - policy: random\n  - policy: thompson\n  - policy: linucb\n    params: ${params}\n`;

/** The message of the DataError parsing `text` must throw. */
const message = (text: string): string => throwsDataError(() => parseExperiment(text, 'x3.yaml')).message;

describe('experiment arm parameters', () => {
  it('an out-of-range value names the file and the field as written', () => {
    expect(message(yaml('{alpha: -0.5}'))).toBe("x3.yaml:7 (field 'arms.2.params.alpha'): must be ≥ 0");
    expect(message(yaml('{reg: 0}'))).toBe("x3.yaml:7 (field 'arms.2.params.reg'): must be > 0");
  });

  it('a whole-number parameter given a fraction is refused at its field; the flag refuses it too', () => {
    const knn = (params: string): string => `name: p\nsplit: 0.5\narms:\n  - policy: train-best-static\n  - policy: knn\n    params: ${params}\n`;
    expect(message(knn('{k: 2.5}'))).toBe("x3.yaml:6 (field 'arms.1.params.k'): must be a whole number, got 2.5");
    expect(message(knn('{k: 3, weighting: 0.5}'))).toBe("x3.yaml:6 (field 'arms.1.params.weighting'): must be a whole number, got 0.5");
    expect(() => parseExperiment(knn('{k: 3, weighting: 1}'), 'x3.yaml')).not.toThrow();
    expect(() => resolvePolicies(['sliding-window-linucb'], ['sliding-window-linucb.window=20.5'], [])).toThrow("parameter override 'sliding-window-linucb.window=20.5': window must be a whole number");
    expect(() => resolvePolicies(['predictive'], ['predictive.target=1'], [])).not.toThrow();
  });

  it('an unknown parameter names the field and lists the valid ones', () => {
    expect(message(yaml('{alpah: 0.2}'))).toBe("x3.yaml:7 (field 'arms.2.params.alpah'): policy 'linucb' has no parameter 'alpah'; valid parameters: alpha, reg");
    expect(message('name: p\narms:\n  - policy: random\n    params: {x: 1}\n')).toBe("x3.yaml:4 (field 'arms.0.params.x'): policy 'random' has no parameter 'x'; valid parameters: (none)");
  });

  it('applies the values as given, equal to the same override on the command line', async () => {
    const table = await loadTable('greenserv-pool');
    const alpha = 0.1 + 0.2; // not a short decimal: a string round trip would have to be exact
    const ctx = new ExperimentContext(table, parseExperiment(yaml(`{alpha: ${alpha}, reg: 0.25}`), 'x3.yaml'));
    const [flag] = resolvePolicies(['linucb'], [`linucb.alpha=${alpha}`, 'linucb.reg=0.25'], table.models);
    expect(ctx.arms[2].params).toEqual({ alpha: 0.30000000000000004, reg: 0.25 });
    expect(Object.keys(ctx.arms[2].params)).toEqual(Object.keys(flag.params));
    expect(ctx.arms[2].params).toEqual(flag.params);
    // the other arms keep their defaults
    expect(ctx.arms[1].params).toEqual(resolvePolicies(['thompson'], [], table.models)[0].params);
  });
  it("a plugin arm's params are checked against its module's declarations, at the field", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-armparams-'));
    try {
      writeFileSync(
        join(dir, 'first.mjs'),
        "export default { name: 'first-offered', description: '', contextual: false, rewardIndependent: true, hindsight: false,\n  params: [{ name: 'rate', default: 0.5, min: 0, max: 1, description: '' }],\n  create: () => ({ select: (q, arms) => arms[0], update() {}, addArm() {}, removeArm() {} }) };\n",
      );
      const file = join(dir, 'x.yaml');
      const text = (params: string): string => `name: p\nruns: 1\narms:\n  - policy: random\n  - policy: first-offered\n    module: first.mjs\n    params: ${params}\n`;
      const refused = async (params: string): Promise<string> => prepareExperiment(file, text(params)).then(() => 'no error', (e: Error) => e.message);
      expect(await refused('{rate: 2}')).toBe(`${file}:7 (field 'arms.1.params.rate'): must be ≤ 1`);
      expect(await refused('{rat: 0.2}')).toBe(`${file}:7 (field 'arms.1.params.rat'): policy 'first-offered' has no parameter 'rat'; valid parameters: rate`);
      const ok = await prepareExperiment(file, text('{rate: 0.25}'));
      expect(ok.ctx.arms[1].params).toEqual({ rate: 0.25 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

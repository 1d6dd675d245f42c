/**
 * Library calls hand what the command would print as a warning to the request's `warn`, and print nothing
 * themselves: a program embedding greenserv owns its stderr. (Isolated project: it spies on stderr.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { energySensitivity, evaluateRouterbench, runExperiment, simulate } from '../../src/app/index.js';
import { writeRouterbenchCsv } from '../helpers/energyTable.js';

/** A directory with one RouterBench table and a pickle that holds no DataFrame, which evaluate skips with a warning. */
function mixedDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'gs-libwarn-'));
  writeRouterbenchCsv(d);
  // protocol 2: EMPTY_DICT, STOP
  writeFileSync(join(d, 'model.pkl'), Buffer.from([0x80, 0x02, 0x7d, 0x2e]));
  return d;
}
const SKIPPED = /skipping .*model\.pkl: pickle: the pickle holds a dict, expected a pandas DataFrame/;
/** A RouterBench pickle whose loader warns about a skipped row and merged cells. */
const PKL = resolve(__dirname, '../fixtures/routerbench_small_pd1_p2.pkl');
const FAST = { lambdas: [0.5], runs: 1, policies: ['random'], jobs: 1 };

let stderr: MockInstance;
beforeEach(() => {
  stderr = vi.spyOn(process.stderr, 'write');
});
afterEach(() => stderr.mockRestore());

describe('library warnings go to the request, never to stderr', () => {
  it('evaluateRouterbench: to warn when given, dropped when not', async () => {
    const d = mixedDir();
    const said: string[] = [];
    await evaluateRouterbench({ source: d, ...FAST, warn: (m) => said.push(m) });
    expect(said).toEqual([expect.stringMatching(SKIPPED)]);
    await evaluateRouterbench({ source: d, ...FAST });
    expect(stderr).not.toHaveBeenCalled();
  });

  it('energySensitivity: to warn when given, dropped when not', async () => {
    const d = mixedDir();
    const said: string[] = [];
    const req = { source: d, ...FAST, gpus: ['H100' as const], batches: [8] };
    await energySensitivity({ ...req, warn: (m) => said.push(m) });
    expect(said).toEqual([expect.stringMatching(SKIPPED)]);
    await energySensitivity(req);
    expect(stderr).not.toHaveBeenCalled();
  });

  it("simulate: the loader's warnings reach warn; the request's other fields are still checked", async () => {
    const said: string[] = [];
    await simulate({ data: PKL, runs: 1, policies: ['random'], warn: (m) => said.push(m) });
    expect(said).toEqual(expect.arrayContaining([expect.stringMatching(/1 row\(s\) with every correctness cell empty skipped/), expect.stringMatching(/their 2 filled cell\(s\) were merged/)]));
    await simulate({ data: PKL, runs: 1, policies: ['random'] });
    expect(stderr).not.toHaveBeenCalled();
    await expect(simulate({ data: PKL, runs: 1, lamda: 0.5 } as never)).rejects.toThrow(/Unrecognized key: "lamda"/);
  });

  it("runExperiment: the data's loader warnings reach warn", async () => {
    const d = mkdtempSync(join(tmpdir(), 'gs-libwarn-'));
    const file = join(d, 'x.yaml');
    writeFileSync(file, `name: x\ndataset: ${PKL}\nlambdas: [0.5]\ncost: usd\nruns: 1\narms:\n  - policy: random\n`);
    const said: string[] = [];
    await runExperiment(file, { out: join(d, 'out'), warn: (m) => said.push(m) });
    expect(said).toEqual(expect.arrayContaining([expect.stringMatching(/1 row\(s\) with every correctness cell empty skipped/)]));
    expect(stderr).not.toHaveBeenCalled();
  });
});

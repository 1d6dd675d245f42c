/**
 * The files and JSON of live profiling (`profile-models --endpoint`) against docs/profile-models.md, "Output and
 * resuming" and the `--json` option: every field written is documented and every documented field is written.
 * A local fake server and a fake powercap tree stand in for the model server and the meter.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sideFiles } from '../../src/profiling/live.js';
import { answerFor, writePromptFile } from '../profiling/fixtures.js';
import { fakePowercap, runCli, startFakeServer, tempDir, type CliResult, type FakeServer } from '../profiling/helpers.js';
import { braceFields, columns, csvHeader, type Json, section } from '../helpers/docTables.js';

const PROFILE = readFileSync(resolve(__dirname, '../..', 'docs/profile-models.md'), 'utf8');
const output = section(PROFILE, '### Output and resuming').replace(/\s+/g, ' ');
const jsonCell = PROFILE.split('\n').find((l) => l.startsWith('| `--lambda`, `--cost`, `--json`'))!;

let server: FakeServer;
let r: CliResult;
const dir = tempDir('gs-outdoc-live-');
const out = join(dir, 'live.csv');
const side = sideFiles(out);

beforeAll(async () => {
  writePromptFile(dir);
  const pc = fakePowercap();
  // one query refused (HTTP 400) so that `failed[]` has an entry; the others burn 2 J each
  server = await startFakeServer({
    answer: (p) => (p.includes('planet') ? { status: 400, body: '{"error":{"message":"maximum context length exceeded"}}' } : answerFor(p)),
    during: () => pc.bump(2_000_000),
  });
  r = await runCli(['--endpoint', server.url, '--model', 'tiny', '--model-id', 'tiny-1b', '--params-b', '1', '--queries', join(dir, 'prompts.csv'), '--out', out, '--energy', 'rapl', '--powercap-dir', pc.dir, '--retries', '0', '--json', '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => server.close());

/** The `{…}` literal that follows `after` in `text`. */
const literal = (text: string, after: string): string => {
  const i = text.indexOf(after);
  expect(i, `'${after}' in the doc`).toBeGreaterThanOrEqual(0);
  return /`(\{[^`]+\})`/.exec(text.slice(i))![1];
};
const keysOf = (o: unknown): string[] => Object.keys(o as Json);
const records = (): Json[] => readFileSync(side.requests, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Json);

describe('docs/profile-models.md: live profiling outputs', () => {
  it('the table and its .queries.csv and .models.csv have the documented columns', () => {
    expect(csvHeader(out)).toEqual(columns(/a `\.csv` in the long format: `([^`]+)`/.exec(output)![1]));
    expect(csvHeader(side.queries)).toEqual(columns(/`<stem>\.queries\.csv` — `([^`]+)`/.exec(output)![1]));
    expect(csvHeader(side.models)).toEqual(columns(/`<stem>\.models\.csv` — `([^`]+)`/.exec(output)![1]));
  });

  it('requests.jsonl: the run record and each request record have the documented fields and values', () => {
    const [run, ...reqs] = records();
    expect(keysOf(run)).toEqual(braceFields(literal(output, 'one `run` record per invocation')).all);
    expect(run).toMatchObject({ type: 'run', schemaVersion: 1, model_id: 'tiny-1b', pending: 6 });
    expect(new Date(run.started as string).toISOString()).toBe(run.started);
    const request = braceFields(literal(output, 'one `request` record per row')).all;
    expect(reqs).toHaveLength(5);
    for (const q of reqs) {
      expect(keysOf(q)).toEqual(request);
      expect(q.type).toBe('request');
      // the sources the doc lists
      expect(['nvml', 'rapl', 'estimate', null]).toContain(q.energy_source);
      expect(typeof q.concurrency).toBe('number');
      expect(typeof q.window_s).toBe('number');
    }
  });

  it('--json prints the documented object: live with its nested fields, and profile as profile.json has it', () => {
    const j = JSON.parse(r.stdout) as Json;
    const top = literal(jsonCell, '`--json`:');
    expect(keysOf(j)).toEqual(braceFields(top).all);
    expect(j.schemaVersion).toBe(1);
    const liveLit = top.slice(top.indexOf('live:') + 5);
    const l = j.live as Json;
    expect(keysOf(l)).toEqual(braceFields(liveLit).all);
    for (const k of ['sideFiles', 'failed']) {
      const inner = braceFields(literal(jsonCell, `\`${k}`)).all;
      for (const x of k === 'failed' ? (l.failed as Json[]) : [l.sideFiles]) expect(keysOf(x), k).toEqual(inner);
    }
    expect(l).toMatchObject({ table: out, sideFiles: side, total: 6, alreadyDone: 0, written: 5 });
    expect(l.failed).toEqual([{ id: 'mmlu_1', message: expect.stringMatching(/HTTP 400/) as unknown }]);
    expect(typeof l.meter).toBe('string');
    // `profile` as in profile.json: its documented top-level fields, in order
    const files = section(PROFILE, '### Files (`--out`)');
    const jsonText = /`profile\.json` — ([\s\S]*?)\. Non-finite/.exec(files)![1];
    const profileTop = [...jsonText.replace(/\([^()]*(\([^()]*\)[^()]*)*\)/g, '').matchAll(/`(\w+)(\[\])?`/g)].map((m) => m[1]);
    expect(keysOf(j.profile)).toEqual(profileTop);
  });
});

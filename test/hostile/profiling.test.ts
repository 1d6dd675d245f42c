/** Live profiling never modifies an --out file it cannot prove is its own table. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LIVE_COLUMNS, openLiveTable, sideFiles } from '../../src/profiling/live.js';
import { writePromptFile, answerFor } from '../profiling/fixtures.js';
import { runCli, startFakeServer, tempDir, type FakeServer } from '../profiling/helpers.js';

const HEADER = LIVE_COLUMNS.join(',');
let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('live --out that is not a greenserv table is refused and left byte-identical', () => {
  const foreign: [string, string][] = [
    ['a user CSV without a trailing newline', 'id,score\nq1,0.5\nq2,0.7'],
    ['a one-line file', 'just one line'],
    ['our column names in another case', HEADER.toUpperCase() + '\nq,m,t,1,2,3,4,5\n'],
    ['our header with an extra column', HEADER + ',note\nq,m,t,1,2,3,4,5,x\n'],
    ['our header and an unterminated line with too many fields', `${HEADER}\nq,m,t,1,2,3,4,5\nq2,m,t,1,2,3,4,5,6,7`],
  ];
  for (const [what, content] of foreign) {
    it(what, async () => {
      const dir = tempDir();
      const out = join(dir, 'mine.csv');
      writeFileSync(out, content);
      await expect(openLiveTable(out)).rejects.toThrow(/mine\.csv.*(not a greenserv live table|not a row greenserv wrote)/);
      expect(readFileSync(out, 'utf8')).toBe(content);
    });
  }

  it('CLI: exit 2 naming the file, no request sent, no side file written', async () => {
    const dir = tempDir();
    server = await startFakeServer({ answer: (p) => answerFor(p) });
    writePromptFile(dir);
    const out = join(dir, 'results.csv');
    const content = 'model,accuracy\nllama,0.61';
    writeFileSync(out, content);
    const r = await runCli(['--endpoint', server.url, '--model', 'm', '--queries', join(dir, 'prompts.csv'), '--out', out, '--energy', 'none']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${out}:1: exists and is not a greenserv live table (its first line 'model,accuracy'`);
    expect(readFileSync(out, 'utf8')).toBe(content);
    expect(server.requests).toHaveLength(0);
    const side = sideFiles(out);
    for (const f of [side.requests, side.queries, side.models]) expect(existsSync(f)).toBe(false);
  });

  it('repairs only what greenserv wrote: a header cut before its newline, an unterminated partial row', async () => {
    const dir = tempDir();
    const a = join(dir, 'a.csv');
    writeFileSync(a, HEADER);
    expect(await openLiveTable(a)).toMatchObject({ rows: 0, repaired: false });
    expect(readFileSync(a, 'utf8')).toBe(HEADER + '\n');
    const b = join(dir, 'b.csv');
    writeFileSync(b, `${HEADER}\nq1,m,mmlu,1,2,0.5,10,1\nq2,m,mm`);
    const o = await openLiveTable(b);
    expect(o).toMatchObject({ rows: 1, repaired: true, removed: 'q2,m,mm' });
    expect([...o.done]).toEqual(['q1\u0000m']);
    expect(readFileSync(b, 'utf8')).toBe(`${HEADER}\nq1,m,mmlu,1,2,0.5,10,1\n`);
    // quoted ids may hold commas: still a prefix of one of our rows
    const c = join(dir, 'c.csv');
    writeFileSync(c, `${HEADER}\n"q,1",m,mmlu,1,2,0.5,10,1\n"q,2","m,x",mmlu,1,2,0.5,1`);
    expect(await openLiveTable(c)).toMatchObject({ rows: 1, repaired: true, removed: '"q,2","m,x",mmlu,1,2,0.5,1' });
  });

  for (const which of ['queries', 'models', 'requests'] as const) {
    it(`a foreign ${which} side file: refused before anything is written`, async () => {
      const dir = tempDir();
      server = await startFakeServer({ answer: (p) => answerFor(p) });
      writePromptFile(dir);
      const out = join(dir, 'run.csv');
      const side = sideFiles(out);
      const content = which === 'requests' ? '{"note": "my own log"}\n' : 'id,comment\nx,keep me\n';
      writeFileSync(side[which], content);
      const r = await runCli(['--endpoint', server.url, '--model', 'm', '--queries', join(dir, 'prompts.csv'), '--out', out, '--energy', 'none']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${side[which]}:1: exists and is not a greenserv`);
      expect(readFileSync(side[which], 'utf8')).toBe(content);
      expect(existsSync(out)).toBe(false);
      expect(server.requests).toHaveLength(0);
    });
  }
});

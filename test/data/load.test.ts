import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTable, resolveFormat } from '../../src/data/load.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import { energyPerToken } from '../../src/data/pool.js';
import { SHARED, scratch } from './formats/helpers.js';

const s = scratch();
const RECOVERED = join(SHARED, 'greenserv', 'recovered_pairs_lambda0p5.csv');
const haveRecovered = existsSync(RECOVERED);
if (!haveRecovered) console.warn(`skipping recovered-pairs test: ${RECOVERED} not found (shared reference data is absent)`);

describe('loadTable dispatch', () => {
  it('loads the built-in pool by name', async () => {
    const a = await loadTable('greenserv-pool');
    const b = await loadTable('builtin:greenserv-pool');
    expect(a.nQueries).toBe(2500);
    expect(a.nModels).toBe(16);
    expect(b).toBe(a);
  });

  it('rejects an unknown --format', async () => {
    await expect(loadTable(s.write('x.csv', 'query_id,model_id,accuracy\na,m,1\n'), { format: 'xlsx' })).rejects.toBeInstanceOf(UsageError);
    // names of Object's own members are not formats either (they were a TypeError, exit 1)
    for (const format of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(() => resolveFormat('x.csv', format), format).toThrow(UsageError);
      expect(() => resolveFormat('x.csv', format), format).toThrow(`unknown format '${format}' (expected one of: `);
    }
  });

  it('refuses an option it does not know (a misspelt queries file would be dropped without a word)', async () => {
    const f = s.write('opts.csv', 'query_id,model_id,accuracy\na,m,1\n');
    await expect(loadTable(f, { qeries: 'q.csv' } as never)).rejects.toThrow('(options): Unrecognized key: "qeries"');
    // every documented option is known (values that change nothing here)
    const t = await loadTable(f, { queries: undefined, models: undefined, format: 'csv', bounds: undefined, offline: false, warn: () => {}, hub: {} });
    expect(t.nQueries).toBe(1);
  });

  it('sniffs content when the extension says nothing', async () => {
    expect(resolveFormat(s.write('noext', 'query_id,model_id,accuracy\na,m,1\n'))).toBe('csv');
    expect(resolveFormat(s.write('noext2', '{"query_id":"a"}\n'))).toBe('jsonl');
    expect(resolveFormat(s.write('noext3', 'query_id,model_id\n', true))).toBe('csv');
    expect(resolveFormat(s.write('noext4', '--\n-- PostgreSQL database dump\n', true))).toBe('sql');
    const t = await loadTable(s.write('pairs.data', 'query_id,model_id,accuracy\na,m,1\n'));
    expect(t.nQueries).toBe(1);
  });

  it('--format overrides the extension', async () => {
    const t = await loadTable(s.write('pairs.txt', 'query_id\tmodel_id\taccuracy\na\tm\t1\n'), { format: 'tsv' });
    expect(t.nQueries).toBe(1);
  });
});

describe('real data: recovered GreenServ pairs', () => {
  it.skipIf(!haveRecovered)('loads as a partial table (cnn rows have no decoded accuracy)', async () => {
    const warnings: string[] = [];
    const t = await loadTable(RECOVERED, { warn: (m) => warnings.push(m) });
    expect(t.nModels).toBe(16);
    expect(t.nQueries).toBe(2000);
    expect(t.tasks).toEqual(['mmlu', 'gsm8k', 'hellaswag', 'winogrande']);
    let present = 0;
    for (const p of t.present) present += p;
    expect(present).toBe(21088 - 4097);
    expect(present).toBeLessThan(t.nQueries * t.nModels);
    expect(warnings.join('\n')).toMatch(/4097 row\(s\) without decoded accuracy/);
    // qwen2.5-3b is complete (spec §8); its winogrande accuracy is 0.638.
    const m = t.models.findIndex((x) => x.id === 'qwen2.5-3b');
    const w = t.tasks.indexOf('winogrande');
    let sum = 0;
    let n = 0;
    for (let q = 0; q < t.nQueries; q++) {
      if (t.queryTask[q] !== w) continue;
      const i = q * t.nModels + m;
      expect(t.present[i]).toBe(1);
      sum += t.accuracy[i];
      n++;
      expect(energyPerToken(t, i)).toBeGreaterThan(0);
    }
    expect(n).toBe(500);
    expect(sum / n).toBeCloseTo(0.638, 3);
  });
});

describe('bounds files', () => {
  it('do not leak into the shared built-in table', async () => {
    const bounds = s.write('b.csv', 'task,ept_min,ept_max\nmmlu,0.5,0.6\n');
    const warnings: string[] = [];
    const t = await loadTable('greenserv-pool', { bounds, warn: (m) => warnings.push(m) });
    expect(t.taskBounds.get('mmlu')).toEqual({ eptMin: 0.5, eptMax: 0.6 });
    expect(warnings.join()).toMatch(/no bounds for task\(s\) gsm8k/);
    const again = await loadTable('greenserv-pool');
    expect(again.taskBounds.get('mmlu')).not.toEqual({ eptMin: 0.5, eptMax: 0.6 });
  });

  it('reject bad bounds', async () => {
    const { DataError } = await import('../../src/core/errors.js');
    await expect(loadTable('greenserv-pool', { bounds: s.write('bad.csv', 'task,ept_min,ept_max\nmmlu,0.9,0.1\n') })).rejects.toBeInstanceOf(DataError);
    await expect(loadTable('greenserv-pool', { bounds: s.write('bad.yaml', 'mmlu: 3\n') })).rejects.toBeInstanceOf(DataError);
    // a file that is not YAML (a README given by mistake): one line naming the file and the line, no excerpt
    const md = s.write('notes.md', '# Notes\n\nSome text: with a colon\nand more text\n');
    const e = (await loadTable('greenserv-pool', { bounds: md }).catch((x: unknown) => x)) as DataError;
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toMatch(/^\S*notes\.md:\d+: not valid YAML\/JSON: [^\n]+$/);
  });
});

describe('content sniffing of gzipped binary formats', () => {
  it('finds a gzipped pickle without its extension', async () => {
    const { readFileSync } = await import('node:fs');
    const { gzipSync } = await import('node:zlib');
    const { fileURLToPath } = await import('node:url');
    const pkl = readFileSync(fileURLToPath(new URL('../fixtures/routerbench_small_pd1_p2.pkl', import.meta.url)));
    const f = s.write('frame.bin', gzipSync(pkl));
    expect(resolveFormat(f)).toBe('pickle');
    expect((await loadTable(f)).nQueries).toBe(4);
  });
});

describe('ids and names must be printable', () => {
  const s = scratch();
  const HEAD = 'query_id,model_id,accuracy,energy_j,task\n';
  it.each([
    ['model id', 'q0,b,1,2,mmlu\nq1,\u001b[31mred\u001b]0;pwn\u0007,1,2,mmlu\nq1,b,0,1,mmlu\n', /model id "\\u001b\[31mred\\u001b\]0;pwn\\u0007" contains a control character/, 3, 'model_id'],
    ['query id', 'q\u009b1,a,1,2,mmlu\n', /query id "q\\u009b1" contains a control character/, 2, 'query_id'],
    ['task', 'q0,a,1,2,mmlu\nq1,a,1,2,mm\u0008lu\n', /task "mm\\blu" contains a control character/, 3, 'task'],
  ])('a %s with a control character is refused, shown escaped, naming the file, line and column', async (_what, rows, msg, line, column) => {
    const f = s.write(`ctl-${_what.replace(' ', '-')}.csv`, HEAD + rows);
    const e = await loadTable(f).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message.startsWith(`${f}:${line} (column '${column}'): `)).toBe(true);
    expect((e as Error).message).toMatch(msg);
    // the message itself carries no control character
    expect(/[\u0000-\u001f\u007f-\u009f]/.test((e as Error).message)).toBe(false);
  });

  it('printable unicode ids load', async () => {
    const f = s.write('unicode.csv', HEAD + 'q–1,modèle-α,1,2,mmlu\n');
    expect((await loadTable(f)).models[0].id).toBe('modèle-α');
  });
});

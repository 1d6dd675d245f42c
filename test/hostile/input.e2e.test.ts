/**
 * Hostile input files: decompression bombs, endless lines and fields, devices, overflowing numbers and
 * invalid UTF-8 ids. Every case must end with a DataError naming the file (and line/field), exit 2 from the
 * CLI and nothing written, in bounded time and memory. All inputs are built here, in a temp dir.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadTable } from '../../src/data/load.js';
import { readBoundsFile } from '../../src/data/formats/bounds.js';
import { peekContent } from '../../src/data/formats/input.js';
import { scratch, dataError } from '../data/formats/helpers.js';
import { cliInProcess } from '../helpers/cli.js';

const s = scratch();
const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/greenserv');
const FIXTURE_SQL = readFileSync(join(ROOT, 'test/fixtures/greenserv_small.sql'), 'utf8');
const MiB = 1024 * 1024;

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 * MiB });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** A gzipped long CSV whose body inflates to `mib` MiB of zeros (a few kB compressed). */
function csvBomb(name: string, mib: number): string {
  return s.write(name, Buffer.concat([Buffer.from('query_id,model_id,accuracy\n'), Buffer.alloc(mib * MiB, 0x30)]), true);
}

const ENV_KEYS = ['GREENSERV_MAX_DECOMPRESSED', 'GREENSERV_MAX_LINE_BYTES'] as const;
const saved = ENV_KEYS.map((k) => process.env[k]);
afterEach(() => {
  ENV_KEYS.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
});

// Through the built binary where memory, devices and the environment of a fresh process matter; the refusals
// of a parsed number or option value through main() in this process (the same checks, no Node start per case).
describe('hostile input through the CLI', () => {
  it('a gzip bomb beyond --max-decompressed: exit 2, the file and the limit named, nothing written', async () => {
    const f = csvBomb('bomb.csv.gz', 4);
    const out = join(s.dir, 'out-bomb');
    const r = await cli(['simulate', '--data', f, '--out', out, '--no-progress', '--max-decompressed', '1M']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`greenserv: error: ${f}: gzip data inflates beyond 1048576 bytes`);
    expect(r.stderr).toMatch(/--max-decompressed/);
    expect(existsSync(out)).toBe(false);
  });

  it('a .pkl.gz bomb is capped too (limit from the environment)', async () => {
    const f = s.write('frame.pkl.gz', Buffer.concat([Buffer.from([0x80, 0x04]), Buffer.alloc(3 * MiB)]), true);
    const out = join(s.dir, 'out-pkl');
    const r = await cli(['simulate', '--data', f, '--out', out, '--no-progress'], { GREENSERV_MAX_DECOMPRESSED: '2x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/frame\.pkl\.gz: gzip data inflates beyond \d+ bytes/);
    expect(existsSync(out)).toBe(false);
  });

  it('1e309 in a CSV cell: exit 2 naming line and column, nothing written', async () => {
    const f = s.write('overflow.csv', 'query_id,model_id,accuracy,energy_j\nq1,a,1,2\nq1,b,0,1e309\n');
    const out = join(s.dir, 'out-inf');
    const r = await cliInProcess(['simulate', '--data', f, '--out', out, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`greenserv: error: ${f}:3 (column 'energy_j'): '1e309' is too large for a number`);
    expect(existsSync(out)).toBe(false);
  });

  it('1e309 in a pg_dump value: exit 2 naming line and column', async () => {
    const f = s.write('overflow.sql', FIXTURE_SQL.replace('1\t2.5\t0.05\t120', '1\t1e309\t0.05\t120'));
    const line = FIXTURE_SQL.split('\n').findIndex((l) => l.includes('1\t2.5\t0.05\t120')) + 1;
    const out = join(s.dir, 'out-sql');
    const r = await cliInProcess(['simulate', '--data', f, '--out', out, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:${line} (column 'energy_consumption'): '1e309' is too large`);
    expect(existsSync(out)).toBe(false);
  });

  it('/dev/zero as --data is refused as not a regular file', async () => {
    const out = join(s.dir, 'out-zero');
    const r = await cli(['simulate', '--data', '/dev/zero', '--out', out, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('greenserv: error: /dev/zero: is not a regular file');
    expect(existsSync(out)).toBe(false);
  });

  it.skipIf(!existsSync('/proc/self/mem'))('a file whose read fails (EIO from /proc/self/mem) is exit 2 naming it, not an internal error', async () => {
    const out = join(s.dir, 'out-mem');
    const r = await cli(['simulate', '--data', '/proc/self/mem', '--out', out, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("greenserv: error: cannot read '/proc/self/mem': input/output error [EIO]");
    expect(existsSync(out)).toBe(false);
  });

  it('a bad --max-decompressed / --max-line-bytes value is a usage error', async () => {
    const r = await cliInProcess(['datasets', 'validate', 'greenserv-pool', '--max-line-bytes', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-line-bytes: 'lots' is not a size in bytes/);
    const r2 = await cliInProcess(['datasets', 'validate', 'greenserv-pool', '--max-decompressed', '0.5x']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--max-decompressed: ratio '0\.5x' must be at least 1x/);
  });

  it('sniffing an extension-less gzip bomb inflates only a bounded prefix (peak memory)', async () => {
    // About 1 MB of gzip members of zeros behind a CSV header: inflating the whole prefix would need 1 GiB.
    const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
    const members = Array.from({ length: 63 }, () => member);
    const f = s.write('bomb-noext', Buffer.concat([gzipSync(Buffer.concat([Buffer.from('query_id,model_id,accuracy\n'), Buffer.alloc(16 * MiB)]), { level: 9 }), ...members]));
    const mod = join(ROOT, 'dist/src/data/formats/input.js');
    const script = `import(${JSON.stringify(mod)}).then((m) => { const b = m.peekContent(${JSON.stringify(f)}, 65536); console.log(b.length, b.subarray(0, 8).toString('latin1'), /VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]); })`;
    // the child's own peak (VmHWM, kB): maxRSS would carry over the peak of the process that started it
    const { stdout } = await run(process.execPath, ['-e', script]);
    const [len, head, maxRssKb] = stdout.trim().split(' ');
    expect(Number(len)).toBe(65536);
    expect(head).toBe('query_id');
    expect(Number(maxRssKb)).toBeLessThan(200 * 1024);
  });
});

describe('hostile input, in process', () => {
  it('the decompression cap applies to streamed text (CSV, JSONL, SQL) and gives the compressed size', async () => {
    process.env.GREENSERV_MAX_DECOMPRESSED = '1M';
    const f = csvBomb('b2.csv.gz', 2);
    await dataError(loadTable(f), { message: /gzip data inflates beyond 1048576 bytes \(\d+ bytes compressed\)/ });
    const j = s.write('b.jsonl.gz', '{"query_id":"q","model_id":"m","accuracy":1}\n'.repeat(50_000), true);
    await dataError(loadTable(j), { message: /inflates beyond 1048576/ });
    const q = s.write('b.sql.gz', FIXTURE_SQL + `-- ${'-'.repeat(2 * MiB)}\n`, true);
    await dataError(loadTable(q), { message: /b\.sql\.gz: gzip data inflates beyond 1048576/ });
    // A ratio: the same file loads with a generous one.
    process.env.GREENSERV_MAX_DECOMPRESSED = '10000x';
    expect((await loadTable(j)).nQueries).toBe(1);
  });

  it('a JSON Lines or SQL line over the line cap names its line', async () => {
    process.env.GREENSERV_MAX_LINE_BYTES = '64K';
    const j = s.write('long.jsonl', `{"query_id":"q","model_id":"m","accuracy":1}\n{"query_id":"${'x'.repeat(100_000)}"}\n`);
    await dataError(loadTable(j), { line: 2, message: /line is longer than 65536 bytes.*--max-line-bytes/ });
    const q = s.write('long.sql', `-- dump\nCOPY public.models (model_id) FROM stdin;\n${'y'.repeat(100_000)}\n\\.\n`);
    await dataError(loadTable(q), { line: 3, message: /line is longer than 65536 bytes/ });
    // Under a higher cap a long but well-formed line loads.
    process.env.GREENSERV_MAX_LINE_BYTES = '1M';
    const ok = s.write('long-ok.jsonl', `{"query_id":"q","model_id":"m","accuracy":1}\n{"query_id":"${'x'.repeat(100_000)}","model_id":"m","accuracy":0}\n`);
    expect((await loadTable(ok)).nQueries).toBe(2);
  });

  it('a JSON Lines value nested deep is refused before the line is parsed into a tree (time and memory)', async () => {
    // the config fuzzer's (seed 23, ope 98): 10,001 arrays 3,000 deep on one 60 MB line took 16 s and 1.9 GB
    const deep = '['.repeat(3000) + ']'.repeat(3000);
    const nested = `{"query_id":"q2","model_id":"m","task":"mmlu","text":"a [b] {c}","output_tokens":[${Array(200).fill(deep).join(',')}],"accuracy":1}`;
    const f = s.write('nested.jsonl', `{"query_id":"q1","model_id":"m","task":"mmlu","text":"[x] {y}","output_tokens":1,"accuracy":1}\n${nested}\n`);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      await dataError(loadTable(f), { line: 2, column: 'output_tokens', message: /nested values are not supported/ });
      expect(parse.mock.calls.some((c) => c[0] === nested)).toBe(false);
    } finally {
      parse.mockRestore();
    }
    // brackets inside strings are text, not nesting
    const ok = s.write('brackets.jsonl', `{"query_id":"q1","model_id":"m","task":"mmlu","text":"[x] {y} \\" [","accuracy":1}\n`);
    expect((await loadTable(ok)).nQueries).toBe(1);
    // a bracket where no value starts is not nesting: the line is not JSON, and the parser says so
    const broken = s.write('broken.jsonl', `{"query_id":"q1","model_id":"m","task":"mmlu","accuracy":t[2J1}\n`);
    await dataError(loadTable(broken), { line: 1, message: /invalid JSON/ });
  });

  it('an endless CSV field (a regular file of zeros) is cut at the record cap', async () => {
    process.env.GREENSERV_MAX_LINE_BYTES = '256K';
    const f = s.write('zeros.csv', Buffer.alloc(2 * MiB));
    await dataError(loadTable(f, { format: 'csv' }), { line: 1, message: /record is longer than 262144 bytes/ });
    const q = s.write('quoted.csv', `query_id,model_id,accuracy\nq1,m1,1\n"${'z'.repeat(400_000)}`);
    await dataError(loadTable(q), { line: 3, message: /record is longer than 262144 bytes/ });
  });

  it('a bounds file that is a device is refused', async () => {
    await expect(readBoundsFile('/dev/zero')).rejects.toThrow(/\/dev\/zero: is not a regular file/);
  });

  it('overflowing numbers are rejected in JSON Lines and in side files', async () => {
    const j = s.write('inf.jsonl', '{"query_id":"q","model_id":"m","accuracy":1,"energy_j":1e309}\n');
    await dataError(loadTable(j), { line: 1, column: 'energy_j', message: /Infinity is not allowed/ });
    const pairs = s.write('p.csv', 'query_id,model_id,accuracy\nq1,m1,1\n');
    const models = s.write('m.csv', 'model_id,params_b\nm1,-1e400\n');
    await dataError(loadTable(pairs, { models }), { line: 2, column: 'params_b', message: /too large for a number/ });
    // Underflow is a finite number (zero), not an error.
    const tiny = s.write('tiny.csv', 'query_id,model_id,accuracy,energy_j\nq1,m1,1,1e-400\n');
    expect((await loadTable(tiny)).energyJ[0]).toBe(0);
  });

  it('Arrow/Parquet table metadata with an overflowing bound is not used', async () => {
    const { loadColumnar } = await import('../../src/data/formats/columnar.js');
    const cols = [['q1', 'q2'], ['m', 'm'], [1, 0], [10, 30], [5, 5], [5, 5]];
    const src = (bounds: string) => ({
      file: 't.arrow',
      columns: ['query_id', 'model_id', 'accuracy', 'energy_j', 'input_tokens', 'output_tokens'],
      nRows: 2,
      column: (i: number) => cols[i],
      metadata: new Map([['greenserv', `{"version":1,"models":[{"id":"m","name":"M","paramsB":1e309}],"taskBounds":{"all":${bounds}}}`]]),
    });
    const warnings: string[] = [];
    const bad = await loadColumnar(src('[1e309, 2]'), { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(["t.arrow: ignoring unreadable 'greenserv' metadata"]);
    // Bounds computed from the data instead: energy per token 1 and 3 J.
    expect(bad.taskBounds.get('all')).toEqual({ eptMin: 1, eptMax: 3 });
    const good = await loadColumnar(src('[0.5, 4]'));
    expect(good.taskBounds.get('all')).toEqual({ eptMin: 0.5, eptMax: 4 });
    expect(good.models[0]).toEqual({ id: 'm', name: 'M', paramsB: Number.NaN });
  });

  it('an Arrow field without a name (apache-arrow reads it as null) is an unnamed column, not a TypeError', async () => {
    // a long table from the loader fuzzer (seed 24, input 9752): columns renamed, one of them to nothing
    const bytes = gunzipSync(
      Buffer.from(
      'H4sIAAAAAAACA71WTWgTURCeze8aQ7toqVGK5KBSwZT8GL20ZguCBQVtDraHSrtN1kZJajb9TcSerOhJ6UHQk+DFk3iSHHooelIU' +
      'PIjiseBBrNJeejRx3tt522TNRg/FKV9n583O7Hyzb+dlMJ2+OBIDqKO8AIAuMCUIPXAI9qPtwWuAKDSJS+HKAzIESAOYawEIYYSM' +
      'awHKN4TwNQS7wVnCNq00+CRbHqsYXoHpk3kFwGtmYsSMuJEwThpJ4xSzGc9qG56KI899nBPLH6JnQhu+0j/ylR204Cu1iGH5tHwe' +
      'LD5SI59uvO5EHiaftZ1C3Qpn8me9Msbvbcjf2abeqE07rU+QfkB6y3b/lu3+sI2osEfJXrT5F23+D2SrYt+4mv05V3N8zuZn4ofm' +
      'PkALG/7id7KlNvnEe3YR3AQPwUsA6x0DHEQcRcQRZxDnESOILKKIuIW4h5jSCwUtkojET0/GjAV9Ot6XjET7kpPR/+2A3ZStlNDr' +
      'la7n59a/p/AfXm2mljeGq4eXN1I32XLlo3Vfmq0Of7Psx49QvhjqVSZ3NJXbbxZMe2lWff8O5cS8aR+rqAkuV0y7zzC32SWK/zRh' +
      '6vmcWvPvDsOBwOenxYGAOsQJetXX271j91/9JH5u1eT3lXh71ePo3e710PbvUA2e4FfqB2/Heqqb8m6K74T0Eq2/JHuF9BNJTLfm' +
      '/btC+jJpNn/EnA7iNOngk0e2ZulZmp+jtLfFfKvavn8xD9Yc5v4aFWBp+n67avW6h77dZ+jLIoKIVbRvIy7QjFP4hAc+GVkVCj2j' +
      'h+Y8m+l7EDNaoZjXx69l6dnZGucnscbKyJXmrERxbhGX12b16Ux5fIbiHvK+uKDfIYb1QZ/WS1Pl8euC51uKKbaICVOMlsnMlbRM' +
      'eac7Plz30bnoQk4hPmXEicY4HqFcdCZ6xTsYxeewTohzLdhwro2Z71UK8z6F8A4zJ1BOW31ewalwI6vnd9oHq5hHwS7L2PkDPI/C' +
      '4/tb5OihHMacXio35PDwP+aTrd8aQW6zc8wv9hSv9S4SGOS/aX4DMzwEWdoIAAA=',
        'base64',
      ),
    );
    await dataError(loadTable(s.write('nameless.arrow', bytes)), { message: /nameless\.arrow/ });
  });

  it('ids that are not UTF-8 are refused instead of merging (CSV long and wide, JSONL, side files, pg_dump)', async () => {
    const bytes = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    const long = s.write('ids.csv', bytes('query_id,model_id,accuracy\nq', [0xff], ',m1,1\nq', [0xfe], ',m1,0\n'));
    await dataError(loadTable(long), { line: 2, column: 'query_id', message: /not valid UTF-8/ });
    const model = s.write('mids.csv', bytes('query_id,model_id,accuracy\nq1,m', [0xc3], ',1\n'));
    await dataError(loadTable(model), { line: 2, column: 'model_id', message: /not valid UTF-8/ });
    const wide = s.write('wide.csv', bytes('sample_id,eval_name,m1,m1|total_cost\ns', [0xff], ',arc,1,0.1\n'));
    await dataError(loadTable(wide), { line: 2, column: 'sample_id', message: /not valid UTF-8/ });
    const jsonl = s.write('ids.jsonl', bytes('{"query_id":"q1","model_id":"m","accuracy":1}\n{"query_id":"q', [0xff], '","model_id":"m","accuracy":1}\n'));
    await dataError(loadTable(jsonl), { line: 2, message: /not valid UTF-8/ });
    const pairs = s.write('p2.csv', 'query_id,model_id,accuracy\nq1,m1,1\n');
    const queries = s.write('q2.csv', bytes('query_id,task\nq', [0xe2, 0x82], ',t\n'));
    await dataError(loadTable(pairs, { queries }), { line: 2, column: 'query_id', message: /not valid UTF-8/ });
    const sql = s.write('ids.sql', FIXTURE_SQL.replace('1\t1\tqwen2.5-0.5b\t1', '1\t1\tqwen2.5-0.5b\\377\t1'));
    await dataError(loadTable(sql), { column: 'model_id', message: /escaped bytes are not valid UTF-8/ });
    // Valid multi-byte ids stay distinct and load.
    const ok = s.write('ok.csv', 'query_id,model_id,accuracy\nqé,m1,1\nqè,m1,0\n');
    expect((await loadTable(ok)).queryIds).toEqual(['qé', 'qè']);
  });

  it('a header with very many unknown columns gets a summarised warning', async () => {
    const n = 200_000;
    const header = ['sample_id', 'm1', 'm1|total_cost', ...Array.from({ length: n }, (_, i) => `x|foo${i}`)].join(',');
    const row = ['s1', '1', '0.1', ...new Array<string>(n).fill('')].join(',');
    const warnings: string[] = [];
    const t = await loadTable(s.write('wide-many.csv', `${header}\n${row}\n`), { warn: (m) => warnings.push(m) });
    expect(t.nQueries).toBe(1);
    const w = warnings.find((m) => m.includes('ignoring column(s)'))!;
    expect(w).toMatch(/x\|foo0, x\|foo1, .*x\|foo9 and 199990 more$/);
    expect(w.length).toBeLessThan(400);
  });
});

describe('messages stay short', () => {
  it('a duplicate 100,000-character column name is shown by its start', async () => {
    const long = 'x'.repeat(100_000);
    const d = await dataError(loadTable(s.write('dup.csv', `query_id,model_id,accuracy,${long},${long}\nq,m,1,,\n`)), { line: 1, message: /duplicate column name 'x{40}…'/ });
    expect(d.column).toBe(long);
    expect(d.message.length).toBeLessThan(300);
  });
});

describe('peekContent', () => {
  it('returns the first bytes of a gzipped file, also when they are incompressible', () => {
    const rnd = Buffer.alloc(300_000);
    for (let i = 0; i < rnd.length; i++) rnd[i] = (i * 2654435761) >>> 24;
    const f = s.write('rnd.bin', rnd, true);
    expect(peekContent(f, 100_000).equals(rnd.subarray(0, 100_000))).toBe(true);
    expect(peekContent(s.write('short.bin', Buffer.from('abc'), true), 64).toString()).toBe('abc');
  });
});

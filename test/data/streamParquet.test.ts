/**
 * `datasets convert --stream`: a long text table becomes a long-layout Parquet (or Arrow) file row group by row group;
 * loaded back it is the same table (same hash); a bad row names file, line and column and leaves nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { loadTable } from '../../src/data/load.js';
import { tableSha256 } from '../../src/data/pool.js';
import { streamLongTable, streamLongToParquet } from '../../src/data/formats/streamParquet.js';
import { arrowSink } from '../../src/data/formats/streamArrow.js';
import { tableFromIPC } from 'apache-arrow';
import { datasetsInProcess } from '../helpers/cli.js';
import { column } from '../helpers/table.js';

const BIN = resolve(__dirname, '../../bin/greenserv');

/** 1,200 queries × 5 models with empty optional cells and a missing pair. */
function longCsv(): string {
  const rows = ['query_id,model_id,task,accuracy,energy_j,latency_s,cost_usd'];
  for (let q = 0; q < 1200; q++) {
    for (let m = 0; m < 5; m++) {
      if (q === 7 && m === 3) continue;
      const acc = m === 4 ? ((q * 13) % 10) / 10 : (q + m) % 3 === 0 ? 1 : 0;
      rows.push([`q${q}`, `model-${m}`, ['mmlu', 'gsm8k', 'other'][q % 3], acc, (2.5 + ((q * m) % 17) * 0.125).toString(), q % 11 === 0 ? '' : (0.1 * (m + 1)).toFixed(2), (1e-5 * (m + 1)).toString()].join(','));
    }
  }
  return rows.join('\n') + '\n';
}

describe('streamLongToParquet', () => {
  it('writes row groups of the given size that load as the same table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-stream-'));
    const csv = join(dir, 't.csv');
    writeFileSync(csv, longCsv());
    const pq = join(dir, 't.parquet');
    const r = await streamLongToParquet(csv, 'csv', pq, { rowGroup: 1000 });
    expect(r.rows).toBe(1200 * 5 - 1);
    expect(r.rowGroups).toBe(6);
    const bytes = readFileSync(pq);
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([1000, 1000, 1000, 1000, 1000, 999]);
    const [a, b] = [await loadTable(csv), await loadTable(pq)];
    expect(b.nQueries).toBe(1200);
    expect(Number.isNaN(column(b, 'latencyS')[0])).toBe(true);
    expect(b.present[7 * 5 + 3]).toBe(0);
    expect(tableSha256(b)).toBe(tableSha256(a));
    expect(readdirSync(dir).sort()).toEqual(['t.csv', 't.parquet']);
  });

  it.each([
    ['a bad number', (s: string) => s.replace('q5,model-2,other,0,', 'q5,model-2,other,0,abc'), /t\.csv:\d+ \(column 'energy_j'\)/],
    ['accuracy out of range', (s: string) => s.replace('q5,model-2,other,0,', 'q5,model-2,other,7,'), /t\.csv:\d+ \(column 'accuracy'\)/],
    ['an empty id', (s: string) => s.replace('q5,model-2,', 'q5,,'), /t\.csv:\d+ \(column 'model_id'\): model_id is empty/],
    ['no accuracy column', (s: string) => s.replace(',accuracy,', ',acc,'), /t\.csv:1 \(column 'accuracy'\): missing required column 'accuracy'/],
  ])('%s: names file, line and column and writes nothing', async (_what, edit, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-stream-bad-'));
    const csv = join(dir, 't.csv');
    writeFileSync(csv, edit(longCsv()));
    const e = await streamLongToParquet(csv, 'csv', join(dir, 't.parquet'), { rowGroup: 500 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message).toMatch(message);
    expect(readdirSync(dir)).toEqual(['t.csv']);
  });

  it.each([
    ['file', 't.arrow', false],
    ['stream', 't.arrows', true],
  ] as const)('to the Arrow IPC %s format: one record batch per row group, the same table loaded back', async (_what, name, stream) => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-stream-arrow-'));
    const csv = join(dir, 't.csv');
    writeFileSync(csv, longCsv());
    const out = join(dir, name);
    const r = await streamLongTable(csv, 'csv', out, (tmp, ids, metrics) => arrowSink(tmp, ids, metrics, stream), { rowGroup: 1000 });
    expect(r.rowGroups).toBe(6);
    const back = tableFromIPC(readFileSync(out));
    expect(back.batches.map((b) => b.numRows)).toEqual([1000, 1000, 1000, 1000, 1000, 999]);
    expect(back.schema.metadata.get('greenserv.layout')).toBe('long');
    expect(back.getChild('latency_s')!.get(0)).toBeNull();
    const [a, b] = [await loadTable(csv), await loadTable(out)];
    expect(b.nQueries).toBe(1200);
    expect(b.present[7 * 5 + 3]).toBe(0);
    expect(tableSha256(b)).toBe(tableSha256(a));
    expect(readdirSync(dir).sort()).toEqual([name, 't.csv'].sort());
    // a bad row leaves nothing, as for Parquet
    writeFileSync(csv, longCsv().replace('q1100,model-2,other,0,', 'q1100,model-2,other,0,abc'));
    const e = await streamLongTable(csv, 'csv', join(dir, `bad-${name}`), (tmp, ids, metrics) => arrowSink(tmp, ids, metrics, stream), { rowGroup: 1000 }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/t\.csv:\d+ \(column 'energy_j'\)/);
    expect(readdirSync(dir).sort()).toEqual([name, 't.csv'].sort());
  });

  // the two conversions through the datasets command in this process (a child would mostly import the library);
  // the refusal through the built CLI, for its exit code and message
  it('the CLI flag converts to Parquet and Arrow, and refuses another destination', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-stream-cli-'));
    const csv = join(dir, 't.csv');
    writeFileSync(csv, longCsv());
    const ok = await datasetsInProcess('convert', csv, join(dir, 't.parquet'), '--stream');
    expect(ok.err).toBe('');
    expect(ok.out).toMatch(/rows in 1 row group; long layout: query_id, model_id, task, accuracy, energy_j, latency_s, cost_usd/);
    const arrow = await datasetsInProcess('convert', csv, join(dir, 't.arrow'), '--stream');
    expect(arrow.out).toMatch(/rows in 1 record batch; long layout/);
    const bad = spawnSync(process.execPath, [BIN, 'datasets', 'convert', csv, join(dir, 't.jsonl'), '--stream'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^greenserv: error: --stream writes Parquet or Arrow/);
    expect(existsSync(join(dir, 't.jsonl'))).toBe(false);
  });
});

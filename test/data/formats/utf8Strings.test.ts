import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { loadTable } from '../../../src/data/load.js';
import { writeTable } from '../../../src/data/formats/write.js';
import { arrowSource } from '../../../src/data/formats/arrow.js';
import { loadColumnar } from '../../../src/data/formats/columnar.js';
import { scratch, dataError } from './helpers.js';

const s = scratch();

/** Replace `from` (same length) in a file's bytes (values and Parquet statistics); short ids are stored uncompressed. */
function patch(file: string, from: string, to: Buffer): void {
  const b = readFileSync(file);
  let n = 0;
  for (let at = b.indexOf(Buffer.from(from)); at >= 0; at = b.indexOf(Buffer.from(from), at + 1), n++) to.copy(b, at);
  expect(n).toBeGreaterThan(0);
  writeFileSync(file, b);
}

// four queries; the 3rd and 4th ids become byte strings that both decode to 'q' + U+FFFD + U+FFFD
const CSV = 'query_id,model_id,accuracy\nq1x,m,1\nq2x,m,0\nqAZ,m,1\nqBZ,m,1\n';

describe('Arrow and Parquet strings that are not UTF-8', () => {
  it('arrow: refused naming the row and column, not merged into one query', async () => {
    const t = await loadTable(s.write('u.csv', CSV));
    const f = `${s.dir}/u.arrow`;
    await writeTable(t, f);
    expect((await loadTable(f)).nQueries).toBe(4);
    patch(f, 'qAZ', Buffer.from([0x71, 0xff, 0xfe]));
    patch(f, 'qBZ', Buffer.from([0x71, 0xfe, 0xff]));
    await dataError(loadTable(f), { line: 3, column: 'query_id', message: /not valid UTF-8/ });
  });

  it('parquet (long layout, as pandas writes it): refused naming the row and column', async () => {
    const buf = parquetWriteBuffer({
      codec: 'UNCOMPRESSED',
      columnData: [
        { name: 'query_id', data: ['q1x', 'q2x', 'qAZ', 'qBZ'], type: 'STRING' },
        { name: 'model_id', data: ['m', 'm', 'm', 'm'], type: 'STRING' },
        { name: 'accuracy', data: [1, 0, 1, 1], type: 'DOUBLE' },
      ],
    });
    const f = s.write('u.parquet', new Uint8Array(buf));
    expect((await loadTable(f)).nQueries).toBe(4);
    patch(f, 'qAZ', Buffer.from([0x71, 0xff, 0xfe]));
    patch(f, 'qBZ', Buffer.from([0x71, 0xfe, 0xff]));
    await dataError(loadTable(f), { line: 3, column: 'query_id', message: /not valid UTF-8/ });
  });

  it('arrow read in row slices: the row counts from the file start', async () => {
    const t = await loadTable(s.write('v.csv', CSV));
    const f = `${s.dir}/v.arrow`;
    await writeTable(t, f);
    patch(f, 'qBZ', Buffer.from([0x71, 0xc3, 0x28]));
    await dataError(loadColumnar(arrowSource(f, 2)), { line: 4, column: 'query_id', message: /not valid UTF-8/ });
  });

  it('a real U+FFFD (valid UTF-8) stays an ordinary character', async () => {
    const t = await loadTable(s.write('w.csv', 'query_id,model_id,accuracy\nq\ufffd,m,1\nq2,m,0\n'));
    for (const ext of ['arrow', 'parquet']) {
      const f = `${s.dir}/w.${ext}`;
      await writeTable(t, f);
      expect((await loadTable(f)).queryIds).toEqual(['q\ufffd', 'q2']);
    }
  });
});

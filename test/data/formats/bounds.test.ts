import { describe, expect, it } from 'vitest';
import { readBoundsFile } from '../../../src/data/formats/bounds.js';
import { dataError, scratch } from './helpers.js';

const s = scratch();

describe('bounds files: a bad pair names its line and column', () => {
  it('CSV: min above max names ept_max, a negative min names ept_min, an empty cell names its column', async () => {
    const head = 'task,ept_min,ept_max\nmmlu,0.005,0.7\n';
    await dataError(readBoundsFile(s.write('b1.csv', head + 'gsm8k,19,0.009\n')), { line: 3, column: 'ept_max', message: /task 'gsm8k': need 0 ≤ min ≤ max, got 19 \/ 0.009/ });
    await dataError(readBoundsFile(s.write('b2.csv', head + 'gsm8k,-1,2\n')), { line: 3, column: 'ept_min', message: /need 0 ≤ min ≤ max/ });
    await dataError(readBoundsFile(s.write('b3.csv', head + 'gsm8k,1,\n')), { line: 3, column: 'ept_max', message: /task 'gsm8k': ept_max is empty/ });
    await dataError(readBoundsFile(s.write('b4.csv', head + 'gsm8k,,2\n')), { line: 3, column: 'ept_min', message: /task 'gsm8k': ept_min is empty/ });
    // a good file reads as written
    expect([...(await readBoundsFile(s.write('ok.csv', head))).entries()]).toEqual([['mmlu', { eptMin: 0.005, eptMax: 0.7 }]]);
  });

  it('YAML: a bad pair names the task as the field', async () => {
    await dataError(readBoundsFile(s.write('b.yaml', 'mmlu: {ept_min: 0.7, ept_max: 0.005}\n')), { column: 'mmlu', message: /need 0 ≤ min ≤ max/ });
  });
});

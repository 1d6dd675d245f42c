/**
 * A crafted input file must not drive the terminal through greenserv's messages: what an error quotes from a
 * cell is shown with its control characters escaped (needs a build: `npx tsc -p tsconfig.json`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../../bin/greenserv');
const dir = mkdtempSync(join(tmpdir(), 'gs-terminal-'));

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Any character a terminal acts on, other than the line feed (listed independently of core/escape.ts). */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('messages quoting hostile cells', () => {
  it('a CSV number cell with an OSC title sequence and a bell: exit 2, shown escaped, nothing written', () => {
    const f = join(dir, 'osc.csv');
    writeFileSync(f, 'query_id,model_id,task,accuracy,energy_j\nq1,m1,mmlu,1,2\nq2,m1,mmlu,abc\u001b]0;pwned\u0007,2\n');
    const out = join(dir, 'out-osc');
    const r = run(['simulate', '--data', f, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:3 (column 'accuracy'): 'abc\\u001b]0;pwned\\u0007' is not a number`);
    expect(ACTIVE.test(r.stderr + r.stdout)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('a JSON Lines row whose parse error quotes raw bytes (clear screen, C1 CSI, right-to-left override)', () => {
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, '{"query_id":"q1","model_id":"m1","task":"mmlu","accuracy":1}\n{"query_id":"q2","model_id":"m1","task":"mmlu","accuracy":t\u001b[2J\u009b\u202e1}\n');
    const r = run(['simulate', '--data', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.jsonl:2: invalid JSON/);
    expect(r.stderr).toContain('\\u001b[2J');
    expect(ACTIVE.test(r.stderr)).toBe(false);
  });

  it('features refuses a query id with an escape sequence, as the table loaders do, before printing anything', () => {
    const f = join(dir, 'queries.csv');
    writeFileSync(f, 'query_id,text,task\nq1,hello there,mmlu\nq\u001b[2J2,what is 2+2,gsm8k\n');
    const r = run(['features', f]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${f}:3 (column 'query_id'): query id "q\\u001b[2J2" contains a control character`);
    expect(ACTIVE.test(r.stderr)).toBe(false);
  });

  it('a baseline whose metric key and description hold escapes: the regress table and its JSON show them escaped', () => {
    const base = join(dir, 'baselines');
    mkdirSync(base);
    const src = readFileSync(resolve(__dirname, '../../results/baselines/x1-builtin.json'), 'utf8');
    const key = 'epsilon-greedy.accuracy\u001b[2J\u001b]0;pwn\u0007';
    const evil = src.replace('"epsilon-greedy.accuracy"', JSON.stringify(key)).replace('"description": "', '"description": "\\u009b31m');
    expect(evil).not.toBe(src);
    writeFileSync(join(base, 'x1-builtin.json'), evil);
    const table = run(['regress', '--baseline', base, '--out', join(dir, 'regress.json')]);
    expect(table.stdout).toContain('epsilon-greedy.accuracy\\u001b[2J\\u001b]0;pwn\\u0007');
    expect(ACTIVE.test(table.stdout + table.stderr)).toBe(false);
    const json = run(['regress', '--baseline', base, '--json', '--out', join(dir, 'regress2.json')]);
    expect(ACTIVE.test(json.stdout)).toBe(false);
    // the escapes are JSON's own: the printed document decodes to the key as the file holds it
    expect(json.stdout).toContain(key.slice(0, 23));
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain(JSON.stringify(key).slice(1, -1));
  });
});

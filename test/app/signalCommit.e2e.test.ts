/**
 * A SIGINT or SIGTERM that arrives while a command writes its results synchronously must stop the commit:
 * the process ends by the signal and the target directory never appears. The child signals itself from
 * inside the writing (a patched write of summary.json), so the signal is pending exactly then.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = resolve(__dirname, '../../dist/src');
const url = (p: string): string => pathToFileURL(join(DIST, p)).href;

/** A child that writes a results directory and signals itself while writing `summary.json`. */
function childScript(commit: 'settled' | 'plain' | 'evaluate'): string {
  return `
import { AtomicDir, atomicFs } from '${url('core/atomic.js')}';
const [out, sig, source] = process.argv.slice(2);
const write = atomicFs.writeFileSync;
atomicFs.writeFileSync = (p, ...rest) => {
  if (String(p).endsWith('summary.json')) process.kill(process.pid, sig);
  return write(p, ...rest);
};
${
  commit === 'evaluate'
    ? `const { evaluateRouterbench, writeEvaluateResults } = await import('${url('app/evaluate.js')}');
const ev = await evaluateRouterbench({ source, lambdas: [0, 1], runs: 1, policies: ['random', 'static:b'], features: ['task'], jobs: 1 });
await writeEvaluateResults(out, ev, { charts: false });`
    : `const dir = new AtomicDir(out);
dir.write('summary.json', '{}');
dir.write('runs.csv', 'a\\n');
${commit === 'settled' ? 'await dir.commitSettled();' : 'dir.commit();'}`
}
console.log('committed');
`;
}

function runChild(commit: 'settled' | 'plain' | 'evaluate', sig: NodeJS.Signals): { dir: string; status: number | null; signal: NodeJS.Signals | null; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gs-sigcommit-'));
  writeFileSync(join(dir, 'child.mjs'), childScript(commit));
  const csv = join(dir, 'rb.csv');
  const rows = ['sample_id,prompt,eval_name,a,b,a|total_cost,b|total_cost'];
  for (let i = 0; i < 40; i++) rows.push(`q${i},"prompt ${i}",${i % 2 ? 'arc' : 'mmlu-x'},${i % 3 ? 1 : 0},${i % 4 ? 0 : 1},0.002,0.001`);
  writeFileSync(csv, rows.join('\n') + '\n');
  const r = spawnSync(process.execPath, [join(dir, 'child.mjs'), join(dir, 'out'), sig, csv], { cwd: dir, encoding: 'utf8' });
  return { dir, status: r.status, signal: r.signal, stdout: r.stdout };
}

describe('a signal while results are written', () => {
  it('with a plain commit the signal is lost: the results appear and the process goes on (why commitSettled exists)', () => {
    const r = runChild('plain', 'SIGINT');
    expect(r.stdout).toContain('committed');
    expect(existsSync(join(r.dir, 'out', 'summary.json'))).toBe(true);
  });

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig}: commitSettled lets the signal end the process first, and nothing is written`, () => {
      const r = runChild('settled', sig);
      expect(r.signal).toBe(sig);
      expect(r.stdout).not.toContain('committed');
      expect(readdirSync(r.dir).sort()).toEqual(['child.mjs', 'rb.csv']);
    });
  }

  it('evaluate: a signal during the final write leaves no results directory and no temporary', () => {
    const r = runChild('evaluate', 'SIGINT');
    expect(r.signal).toBe('SIGINT');
    expect(r.stdout).not.toContain('committed');
    expect(readdirSync(r.dir).sort()).toEqual(['child.mjs', 'rb.csv']);
  });
});

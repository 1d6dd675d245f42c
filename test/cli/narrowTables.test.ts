/**
 * Result tables on narrow terminals with model ids and policy names 60–70 characters long: every line fits the
 * width, each policy's row (or record) is found by its possibly cut name, and its numbers are summary.json's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { experimentTable, registerExperimentCommand } from '../../src/cli/experiment.js';
import { registerSimulateCommand } from '../../src/cli/simulate.js';
import type { ExperimentSummary } from '../../src/metrics/experiment.js';
import type { Summary } from '../../src/metrics/summary.js';
import { summaryTable } from '../../src/report/terminalTable.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-narrow-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeEach(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

// ids that share a 50-character prefix: a cut keeping only the head would make them read the same
const MODELS = ['7b-00', '13b-01', '70b-02'].map((s) => `organisation-with-a-long-name/model-family-variant-instruct-${s}`.padEnd(64, 'x') + s);
const POLICIES = ['random', 'linucb', ...MODELS.slice(0, 2).map((m) => `static:${m}`)];
const data = join(tmp, 'long.csv');

async function run(register: (p: Command) => void, args: string[]): Promise<void> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(program);
  await program.parseAsync(['node', 'greenserv', ...args]);
}

beforeAll(() => {
  const lines = ['query_id,model_id,task,accuracy,energy_j,latency_s,input_tokens,output_tokens'];
  for (let q = 0; q < 120; q++) MODELS.forEach((m, k) => lines.push(`q${q},${m},${q % 2 ? 'gsm8k' : 'mmlu'},${(q * 7 + k * 3) % 5 < 2 + k ? 1 : 0},${(k + 1) * 40 + (q % 13)},${k + 1},100,${50 + 10 * k}`));
  writeFileSync(data, lines.join('\n') + '\n');
});

/** The lines that belong to policy `name`: its record, or the one table row whose name cell it could be cut to. */
function linesOf(text: string, name: string): string[] {
  const could = (cell: string): boolean => {
    const [a, b] = cell.split('…');
    return b === undefined ? cell === name : name.length > cell.length && name.startsWith(a) && name.endsWith(b);
  };
  const lines = text.split('\n');
  const rec = lines.flatMap((l, i) => (l.startsWith('policy: ') && could(l.slice(8)) ? [i] : []));
  if (rec.length > 0) {
    expect(rec).toHaveLength(1);
    const end = lines.findIndex((l, i) => i > rec[0] && !l.startsWith('  '));
    return lines.slice(rec[0], end < 0 ? undefined : end);
  }
  const rows = lines.filter((l) => {
    const m = /^(\S+)/.exec(l);
    return m !== null && could(m[1]);
  });
  expect(rows, `one row for ${name}`).toHaveLength(1);
  return rows;
}

function fits(text: string, width: number): void {
  expect(text.split('\n').filter((l) => l.length > width)).toEqual([]);
}

describe('result tables with 60–70 character names on narrow terminals', () => {
  it('simulate: every line fits 40/56/80 and every policy shows its summary.json numbers', async () => {
    const dir = join(tmp, 'sim');
    await run(registerSimulateCommand, ['simulate', '--data', data, '--policies', POLICIES.join(','), '--runs', '2', '--steps', 'none', '--no-progress', '--out', dir]);
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    expect(s.policies.map((p) => p.name)).toEqual(POLICIES);
    for (const w of [40, 56, 80]) {
      const text = summaryTable(s, w);
      fits(text, w);
      for (const p of s.policies) {
        const mine = linesOf(text, p.name).join('\n');
        expect(mine).toContain(`${p.finalRegret.mean.toFixed(1)} ± ${p.finalRegret.sd.toFixed(1)}`);
        expect(mine).toContain(p.accuracy.mean.toFixed(4));
        expect(mine).toContain(p.energyWh.mean.toFixed(1));
      }
    }
    // at 40 nothing short of records fits: each number on its own line under its name
    expect(summaryTable(s, 40)).toContain(`\n  accuracy: ${s.policies[0].accuracy.mean.toFixed(4)}\n`);
    // wide enough, the table prints whole, as before
    expect(summaryTable(s, Infinity)).toContain(`static:${MODELS[0]} `);
  });

  it('experiment run: the results and scenario tables fit 40/56/80 with the numbers of summary.json', async () => {
    const yaml = join(tmp, 'long.yaml');
    const arms = POLICIES.map((p) => `  - policy: "${p}"`);
    writeFileSync(yaml, ['name: narrow', `dataset: ${data}`, 'runs: 2', 'seed: 40', 'lambdas: [0.5]', 'budget: energy=0.02', 'feedbackDelay: "3"', 'arms:', ...arms, ''].join('\n'));
    const dir = join(tmp, 'exp');
    await run(registerExperimentCommand, ['experiment', 'run', yaml, '--out', dir, '--workers', '1', '--no-charts', '--no-progress']);
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as ExperimentSummary;
    expect(s.cells).toHaveLength(POLICIES.length);
    for (const w of [40, 56, 80]) {
      const text = experimentTable(s, w);
      fits(text, w);
      // the results table: the part before the scenario tables
      const results = text.slice(0, text.indexOf('\nBudget: '));
      for (const c of s.cells) {
        const mine = linesOf(results, c.label).join('\n');
        expect(mine).toContain(`${c.finalRegret.mean.toFixed(1)} ± ${c.finalRegret.sd.toFixed(1)}`);
        expect(mine).toContain(c.accuracy.mean.toFixed(4));
      }
      const budget = text.slice(text.indexOf('\nBudget: '), text.indexOf('\nFeedback: '));
      for (const c of s.scenario!.budget!.cells) expect(linesOf(budget, c.label).join('\n')).toContain(c.final.mean.toFixed(4));
    }
  });
});

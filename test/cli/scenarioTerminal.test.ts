/**
 * The scenario tables that `simulate` and `experiment run` print under the results table (budget with its
 * hindsight references, regret after each event, labels delivered), run in this process: every number printed
 * is the one the run wrote to summary.json, formatted here independently.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { experimentList, experimentTable, registerExperimentCommand } from '../../src/cli/experiment.js';
import type { ExperimentSummary } from '../../src/metrics/experiment.js';
import { registerSimulateCommand } from '../../src/cli/simulate.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-scen-term-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let out: string[] = [];
beforeEach(() => {
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

async function run(register: (p: Command) => void, args: string[]): Promise<string> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(program);
  await program.parseAsync(['node', 'greenserv', ...args]);
  return out.join('');
}

type MS = { mean: number; sd: number };
interface Scenario {
  budget: { kind: string; limit: number; unit: string; reference: { bestStatic: { model: string; accuracy: number; value: number } | null; bestMixture: { a: string; b: string; weightB: number; accuracy: number } | null }; cells: { lambda: number; label: string; final: MS; overshoot: MS; accuracy: MS; within5pct: number }[] };
  events: { window: number; list: { step: number; what: string }[]; cells: { lambda: number; label: string; event: number; regretAfter: MS; excessAfter?: MS }[]; bestStatic: { lambda: number; event: number; model: string; regret: MS }[] };
  feedback: { delay: string; rate: number; cells: { lambda: number; label: string; delivered: MS; unlabelled: MS }[] };
}

const pm = (x: MS, signed = false): string => `${signed && x.mean >= 0 ? '+' : ''}${x.mean.toFixed(1)} ± ${x.sd.toFixed(1)}`;
/** The printed text from the line starting with `head` to the end of the table after it. */
function section(text: string, head: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(head));
  expect(i, head).toBeGreaterThanOrEqual(0);
  const rule = lines.findIndex((l, j) => j > i && l.startsWith('─'));
  const end = lines.findIndex((l, j) => j > rule && l === '');
  return lines.slice(i, end).join('\n');
}
const row = (text: string, ...lead: string[]): string[] =>
  text
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/))
    .find((c) => lead.every((x, k) => c[k] === x))!;

/** Check every scenario number printed against summary.json's scenario section; `multi`: a λ column leads. */
function checkScenario(text: string, sc: Scenario, queries: number, multi: boolean): void {
  const lead = (c: { lambda: number; label: string }): string[] => (multi ? [String(c.lambda), c.label] : [c.label]);
  // budget: one row per cell, then the hindsight references
  const b = section(text, 'Budget: ');
  expect(b.split('\n')[0]).toBe(`Budget: ${sc.budget.kind} ${sc.budget.limit} ${sc.budget.unit}`);
  for (const c of sc.budget.cells) {
    const pct = 100 * c.overshoot.mean;
    expect(row(b, ...lead(c))).toEqual([...lead(c), c.final.mean.toFixed(4), `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`, c.accuracy.mean.toFixed(4), `${Math.round(100 * c.within5pct)} %`]);
  }
  const st = sc.budget.reference.bestStatic!;
  expect(text).toContain(`  best single model within the budget: ${st.model}, accuracy ${st.accuracy.toFixed(4)} at ${st.value.toFixed(4)} Wh per query\n`);
  const mx = sc.budget.reference.bestMixture!;
  expect(mx.a).not.toBe(mx.b);
  expect(text).toContain(`  best two-model mixture within it: ${mx.a} + ${Math.round(100 * mx.weightB)} % ${mx.b}, accuracy ${mx.accuracy.toFixed(4)}\n`);
  // events: one block per event, a row per cell of that event
  expect(text).toContain(`Events: regret summed over the ${sc.events.window} steps from each event, mean ± sd over runs\n`);
  sc.events.list.forEach((e, k) => {
    const cut = e.step + sc.events.window > queries ? ` (window cut to ${queries - e.step} steps by the stream's end)` : '';
    const blk = section(text, `event ${k + 1} at step ${e.step} — ${e.what}${cut}`);
    for (const r of sc.events.bestStatic.filter((x) => x.event === k)) expect(blk).toContain(`  best fixed model${multi ? ` at λ = ${r.lambda}` : ''}: ${r.model}, regret ${pm(r.regret)}\n`);
    const mine = sc.events.cells.filter((c) => c.event === k);
    expect(mine.length).toBeGreaterThan(0);
    for (const c of mine) expect(row(blk, ...lead(c))).toEqual([...lead(c), pm(c.regretAfter), pm(c.excessAfter!, true)]);
  });
  // feedback: every decision of a run is delivered or unlabelled, so the share is delivered / stream length
  const f = section(text, 'Feedback: ');
  expect(f.split('\n')[0]).toBe(`Feedback: delay ${sc.feedback.delay}, rate ${sc.feedback.rate}; labels per run, mean ± sd over runs`);
  for (const c of sc.feedback.cells) {
    expect(c.delivered.mean + c.unlabelled.mean).toBeCloseTo(queries, 9);
    expect(row(f, ...lead(c))).toEqual([...lead(c), pm(c.delivered), `${((100 * c.delivered.mean) / queries).toFixed(1)} %`, pm(c.unlabelled)]);
  }
}

describe('scenario tables on the terminal', () => {
  const scenarioArgs = ['--budget', 'energy=0.05', '--drift', 'step=1250,model=phi-4-mini-4b,accuracy=-0.3', '--drift', 'step=2200,model=gemma-3-12b,energy=2', '--feedback-delay', '5', '--feedback-rate', '0.5'];

  it('simulate prints the numbers summary.json holds; --json prints summary.json unchanged', async () => {
    const dir = join(tmp, 'sim');
    const text = await run(registerSimulateCommand, ['simulate', '--runs', '2', '--policies', 'budgeted-linucb,linucb', '--lambda', '0', ...scenarioArgs, '--steps', 'none', '--no-progress', '--out', dir]);
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const sc = s.scenario as Scenario;
    expect(sc.events.list).toHaveLength(2);
    expect(sc.events.cells).toHaveLength(4);
    checkScenario(text, sc, s.dataset.queries, false);
    // the scenario tables come after the results table, before the results line
    expect(text.indexOf('\nBudget: ')).toBeGreaterThan(text.indexOf('\nlinucb '));
    expect(text.indexOf('\nresults: ')).toBeGreaterThan(text.indexOf('\nFeedback: '));
    out = [];
    const json = await run(registerSimulateCommand, ['simulate', '--runs', '2', '--policies', 'budgeted-linucb,linucb', '--lambda', '0', ...scenarioArgs, '--steps', 'none', '--no-progress', '--json', '--out', join(tmp, 'sim-json')]);
    expect(json).toBe(readFileSync(join(tmp, 'sim-json', 'summary.json'), 'utf8'));
    expect(json).not.toMatch(/Events:|Feedback:|hindsight/);
  });

  it('experiment run prints them per λ × arm, from its summary.json', async () => {
    const yaml = join(tmp, 'scen.yaml');
    writeFileSync(
      yaml,
      [
        'name: scen-term',
        'dataset: greenserv-pool',
        'semantics: paper',
        'runs: 2',
        'seed: 40',
        'lambdas: [0, 0.5]',
        'budget: energy=0.05',
        'drift:',
        '  - {step: 1250, model: phi-4-mini-4b, accuracy: -0.3}',
        'feedbackDelay: "5"',
        'feedbackRate: 0.5',
        'pool:',
        '  exclude: [gemma-3-12b]',
        '  events:',
        '    - {step: 800, remove: [llama-3.1-8b], add: [gemma-3-12b]}',
        'arms:',
        '  - policy: budgeted-linucb',
        '  - policy: linucb',
        '',
      ].join('\n'),
    );
    const dir = join(tmp, 'exp');
    const text = await run(registerExperimentCommand, ['experiment', 'run', yaml, '--out', dir, '--workers', '1', '--no-charts', '--no-progress']);
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const sc = s.scenario as Scenario;
    // the pool event and the drift, in step order
    expect(sc.events.list.map((e) => e.step)).toEqual([800, 1250]);
    expect(sc.events.cells).toHaveLength(2 * 2 * 2);
    checkScenario(text, sc, s.dataset.queries, true);
    expect(text).not.toContain('not measured');
  });

  it('an experiment with pool events but no event windows (X4) lists the events and says how to measure them', () => {
    const ms = { mean: 1, sd: 0, ci95: [1, 1] };
    const cell = { lambda: 0.5, label: 'linucb', finalRegret: ms, accuracy: ms, energyWh: ms, reward: ms };
    const base = { name: 'x', dataset: { name: 'd', queries: 2500 }, runs: 1, seed: 40, semantics: 'repo', lambdas: [0.5], cells: [cell], events: [{ step: 1000, remove: ['llama-3.1-8b'], add: ['gemma-3-12b'] }] };
    const text = experimentTable(base as unknown as ExperimentSummary);
    expect(text).toContain('\nEvents:\nevent 1 at step 1000 — −llama-3.1-8b +gemma-3-12b\n(regret after each event not measured: set eventWindow: in the experiment to have it)\n');
    // with event windows the scenario's events table replaces the list
    const withWindows = { ...base, scenario: { budget: null, events: { window: 500, list: [{ step: 1000, what: '−llama-3.1-8b +gemma-3-12b' }], cells: [{ lambda: 0.5, label: 'linucb', event: 0, regretAfter: { mean: 71.14, sd: 4.3 } }], curves: [] } } };
    const t2 = experimentTable(withWindows as unknown as ExperimentSummary);
    expect(t2).not.toContain('not measured');
    expect(t2).toContain('event 1 at step 1000 — −llama-3.1-8b +gemma-3-12b\n');
    expect(row(t2, 'linucb', '71.1 ± 4.3')).toEqual(['linucb', '71.1 ± 4.3']);
  });
});

describe('experiment list', () => {
  it('on 80 columns a long title continues under itself, broken between words', () => {
    const wide = experimentList();
    expect(wide).toContain('x4-adaptability            X4 — adaptability: the pool changes at query 1000 (paper Fig. 7)\n');
    const narrow = experimentList(79);
    for (const line of narrow.split('\n')) expect(line.length, line).toBeLessThanOrEqual(79);
    expect(narrow).toContain('x4-adaptability            X4 — adaptability: the pool changes at query 1000\n                           (paper Fig. 7)\n');
    // the same titles, only broken
    expect(narrow.replace(/\n {27}/g, ' ')).toBe(wide);
  });

  it('keeps a number with its % sign: the X8 title breaks before "30 %", not inside it', () => {
    const narrow = experimentList(79);
    expect(narrow).toContain('x8-delayed-feedback        X8 — feedback delayed by ~50 steps and given for\n                           30 % of queries\n');
    expect(narrow).not.toMatch(/^ +% /m);
  });
});

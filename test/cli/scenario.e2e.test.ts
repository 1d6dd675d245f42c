/** Scenario flags of `greenserv simulate` (docs/model.md §11) through the built binary. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const base = ['simulate', '--runs', '2', '--no-progress', '--lambda', '0'];

describe('simulate scenario flags', () => {
  it('bad scenario values exit 2 naming the flag, and write nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-scen-'));
    const cases: [string[], RegExp][] = [
      [['--budget', 'energy=abc'], /--budget: the energy budget must be a finite number > 0, got 'energy=abc'/],
      [['--budget', 'watts=3'], /--budget: expected energy=<Wh per query>.*got 'watts=3'/],
      [['--feedback-delay', '2000000'], /--feedback-delay: at most 1000000 steps \(see docs\/limits\.md\), got '2000000'/],
      [['--feedback-delay', 'uniform:50-5'], /--feedback-delay: uniform:<a>-<b> needs a ≤ b \(a = 50 > b = 5\), got 'uniform:50-5'/],
      [['--feedback-delay', '2499'], /--feedback-delay: a delay of 2499 steps delivers no label on a stream of 2500 steps/],
      [['--drift', 'garbage'], /--drift: 'garbage' is not key=value; expected step=<n>,model=<id>/],
      [['--drift', 'step=5,model=phi-4-mini-4b,accuracy=0.1,accuracy=0.2'], /--drift: accuracy is given twice in 'step=5,model=phi-4-mini-4b,accuracy=0\.1,accuracy=0\.2'/],
      [['--drift', 'model=phi-4-mini-4b,accuracy=0.1'], /--drift: step=… is missing/],
      [['--budget', 'power=3'], /--budget: /],
      [['--feedback-delay', 'poisson:3'], /--feedback-delay: expected <steps>, uniform:<a>-<b> or geometric:<mean>/],
      [['--feedback-rate', '0'], /--feedback-rate: must be in \(0, 1\]/],
      [['--feedback-rate', '1.5'], /--feedback-rate: must be in \(0, 1\]/],
      [['--drift', 'step=5,model=nope,accuracy=0.1'], /--drift\[0\] \(step 5\): unknown model 'nope'/],
      [['--drift', 'step=5,model=phi-4-mini-4b'], /--drift: give at least one of accuracy, energy, usd or latency/],
      [['--drift', 'step=5,model=phi-4-mini-4b,speed=2'], /--drift: .*speed/],
      [['--drift', 'step=5,model=phi-4-mini-4b,energy=2', '--drift', 'step=9,model=phi-4-mini-4b,accuracy=x'], /--drift: accuracy must be a number, got 'step=9,model=phi-4-mini-4b,accuracy=x'/],
      [['--drift', 'step=99999,model=phi-4-mini-4b,accuracy=0.1'], /step must be an integer in 0\.\.2499/],
      // what the table lacks is named as the flag too, not as the setting of an experiment file
      [['--budget', 'usd=0.001'], /error: --budget: dataset 'greenserv-pool' has no cost_usd values to budget/],
      [['--drift', 'step=5,model=phi-4-mini-4b,usd=2'], /error: --drift\[0\] \(step 5\): the dataset has no dollar cost to change/],
      [['--policies', 'budgeted-linucb'], /policy 'budgeted-linucb' needs a budget: add --budget energy=/],
    ];
    for (const [args, msg] of cases) {
      const out = join(dir, 'x');
      const r = await cli([...base, '--policies', 'linucb', ...args, '--out', out]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^greenserv: error: /);
      expect(r.stderr).toMatch(msg);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a budget, drift and late feedback run: summary.scenario and manifest record them; same seed, same bytes; a default run has no scenario', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-scen-'));
    const args = [...base, '--policies', 'budgeted-thompson,linucb', '--budget', 'energy=0.05', '--drift', 'step=1000,model=phi-4-mini-4b,energy=3,over=100', '--feedback-delay', 'uniform:1-20', '--feedback-rate', '0.5'];
    const a = await cli([...args, '--out', join(dir, 'a')]);
    expect(a.code, a.stderr).toBe(0);
    const b = await cli([...args, '--out', join(dir, 'b')]);
    expect(b.code).toBe(0);
    const sa = readFileSync(join(dir, 'a', 'summary.json'), 'utf8');
    expect(readFileSync(join(dir, 'b', 'summary.json'), 'utf8')).toBe(sa);
    const s = JSON.parse(sa);
    const bud = s.scenario.budget;
    expect(bud).toMatchObject({ kind: 'energy', limit: 0.05, unit: 'Wh per query' });
    expect(bud.cells.map((c: { label: string }) => c.label)).toEqual(['budgeted-thompson', 'linucb']);
    expect(Math.abs(bud.cells[0].overshoot.mean)).toBeLessThan(0.05);
    expect(bud.cells[1].overshoot.mean).toBeGreaterThan(0.5);
    // the terminal shows the same adherence under the results table
    expect(a.stdout).toContain('Budget: energy 0.05 Wh per query');
    const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
    for (const c of bud.cells) expect(a.stdout).toMatch(new RegExp(`${c.label}\\s+${c.final.mean.toFixed(4)}\\s+\\${pct(c.overshoot.mean)}\\s+${c.accuracy.mean.toFixed(4)}\\s+${Math.round(100 * c.within5pct)} %`));
    expect(s.scenario.events.list).toEqual([{ step: 1000, what: 'phi-4-mini-4b: energy ×3 over 100 steps' }]);
    expect(s.scenario.feedback.delay).toBe('uniform:1-20');
    for (const c of s.scenario.feedback.cells) expect(c.delivered.mean + c.unlabelled.mean).toBe(2500);
    const m = JSON.parse(readFileSync(join(dir, 'a', 'manifest.json'), 'utf8'));
    expect(m.config).toMatchObject({ budget: 'energy=0.05', feedbackDelay: 'uniform:1-20', feedbackRate: 0.5, drift: [{ step: 1000, model: 'phi-4-mini-4b', energy: 3, over: 100 }] });
    // the report rebuilds with the scenario charts
    const rep = await cli(['report', join(dir, 'a')]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(existsSync(join(dir, 'a', 'charts', 'budget-adherence.svg'))).toBe(true);
    expect(existsSync(join(dir, 'a', 'charts', 'event-1-regret.svg'))).toBe(true);
    const d = await cli([...base, '--policies', 'linucb', '--steps', 'none', '--out', join(dir, 'd')]);
    expect(d.code).toBe(0);
    const sd = JSON.parse(readFileSync(join(dir, 'd', 'summary.json'), 'utf8'));
    expect(sd.scenario).toBeUndefined();
    const md = readFileSync(join(dir, 'd', 'manifest.json'), 'utf8');
    expect(md).not.toMatch(/budget|drift|feedback/);
    // without a step trace the post-event regret is the same, from the regret recorded per step
    const drift = [...base, '--policies', 'linucb,discounted-linucb', '--drift', 'step=1000,model=phi-4-mini-4b,accuracy=-0.3'];
    const e = await cli([...drift, '--steps', 'none', '--out', join(dir, 'e')]);
    const f = await cli([...drift, '--out', join(dir, 'f')]);
    expect([e.code, f.code], e.stderr + f.stderr).toEqual([0, 0]);
    const se = readFileSync(join(dir, 'e', 'summary.json'), 'utf8');
    expect(JSON.parse(se).scenario.events.cells).toHaveLength(2);
    expect(se).toBe(readFileSync(join(dir, 'f', 'summary.json'), 'utf8'));
    expect(existsSync(join(dir, 'e', 'steps.csv'))).toBe(false);
  });
});

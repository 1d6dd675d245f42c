/**
 * `energy sensitivity` on a terminal: its report printed sensitivity.md's pipe tables, up to 150 characters wide,
 * whatever the terminal. Now every line fits the width and every figure is still there; the file keeps markdown.
 */
import { describe, expect, it } from 'vitest';
import { renderSensitivityMarkdown, sensitivityTerminal } from '../../src/report/energy.js';

type Report = Parameters<typeof sensitivityTerminal>[0];
const NAMES = ['linear-epsilon-greedy', 'linucb', 'thompson', 'random', 'zero router', 'oracle (hindsight frontier)'];
const range = (min: number | null, max: number | null) => ({ min, max });

function report(): Report {
  const setting = (batch: number, k: number) => ({
    gpu: 'H100',
    batch,
    inFittedRange: batch <= 32,
    ranking: NAMES.slice(0, 5),
    energy: {
      reference: { model: 'gpt-4-1106-preview', jPerPrompt: 373, accuracy: 0.91, jPerCorrect: 410 + k },
      routers: NAMES.map((name, i) => ({ name, aiq: 0.5 + i / 20 + k / 1000, atReference: i > 3 ? { savedPct: 96.8 } : null, vsModelsAtPeak: i < 5 ? { savedPct: -73.5 + i } : null })),
    },
  });
  return {
    dataset: { name: 'routerbench (arc_challenge_test.csv + arc_challenge_train.csv + winograde_test.csv)', queries: 2737, models: 11 },
    config: { lambdas: [0, 0.5, 1], runs: 1, seed: 40, aiqMode: 'paper' },
    settings: [setting(8, 1), setting(32, 2), setting(128, 3)],
    rankingStable: true,
    referenceModels: ['gpt-4-1106-preview'],
    routers: NAMES.map((name, i) => ({ name, aiq: range(0.5, 0.6), rank: i < 5 ? range(i + 1, i + 1) : range(0, 0), savedPct: range(null, null), vsModelsPct: range(-73.9, -73.5), reachesReference: 0 })),
  } as unknown as Report;
}

describe('energy sensitivity on a terminal', () => {
  for (const width of [60, 80, 120]) {
    it(`fits ${width} columns, no markdown pipes, every figure kept`, () => {
      const text = sensitivityTerminal(report(), width);
      expect(text.split('\n').filter((l) => [...l].length > width)).toEqual([]);
      expect(text).not.toMatch(/^\|/m);
      expect(text).not.toMatch(/^# /m);
      const figures = (s: string): string[] => (s.match(/[-+]?\d+(\.\d+)?%?/g) ?? []).sort();
      expect(figures(text)).toEqual(figures(renderSensitivityMarkdown(report())));
    });
  }
});

it('piped (no width), it stays the markdown of sensitivity.md', () => {
  expect(sensitivityTerminal(report(), Infinity)).toBe(renderSensitivityMarkdown(report()));
});

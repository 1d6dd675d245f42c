import { defineConfig } from 'vitest/config';

// `npm test`: everything but the slow end-to-end files (*.e2e.test.ts), which `npm run test:e2e` runs
// (CI runs both). Three workers on two cores: most CLI tests wait on child processes, so a third worker
// keeps both cores busy (two measured the same wall time, within this machine's noise).
//
// `unit`: in-process tests of the library that leave no global state behind (no module mocks, spies,
// environment changes or policy plugins), so the files of one worker share its module cache instead of
// importing everything again per file. `isolated`: the rest, one module cache per file; and, under the unit
// folders, the files that register policy plugins (a registered plugin would otherwise reach the worker
// threads another file's experiments start) or spy, mock or change the environment.
const UNIT = [
  ...['policies', 'metrics', 'sim', 'features', 'core', 'report', 'architecture', 'energy', 'data', 'experiments'].map((d) => `test/${d}/**/*.test.ts`),
  // files of the other folders that leave no global state either: they call the library, build the program
  // without running it, or spawn the CLI (each file here saves a worker start and a fresh import of the library)
  ...['app/energy', 'app/evaluateScenario', 'app/regressOptions', 'app/runConfig', 'app/scenario', 'app/settingNames', 'app/warnWording', 'cli/energyCheckPoolTerminal', 'cli/energySensitivityTerminal', 'cli/helpWidth', 'cli/ope', 'hostile/memberNames', 'hostile/reward', 'bench/only', 'bench/large', 'cli/comparisonMedian', 'cli/docs-help', 'cli/energyAttach', 'cli/hints', 'cli/liveDisplay', 'cli/outputsDocLive', 'cli/regressBaseline', 'cli/regressTable', 'cli/routerbenchColumns', 'fuzz/pickleBombs', 'hostile/printable', 'hostile/profiling', 'profiling/estimate', 'profiling/live', 'profiling/openai', 'profiling/queries', 'profiling/scoring', 'scripts/profileCategories', 'setup/globalTmp'].map((f) => `test/${f}.test.ts`),
];
const PLUGINS = ['test/policies/plugins.test.ts', 'test/policies/softmaxExample.test.ts', 'test/sim/simulateWorkerSpool.test.ts'];
/** Files under UNIT's folders that spy, mock or change the environment: isolated. */
const STATEFUL = ['test/data/formats/convert.test.ts', 'test/energy/fit.test.ts', 'test/energy/flag.test.ts', 'test/data/formats/hub.test.ts', 'test/data/limits.test.ts', 'test/experiments/checkpoint.test.ts'];
const E2E = ['test/**/*.e2e.test.ts', 'node_modules/**'];

export default defineConfig({
  test: {
    globalSetup: ['test/setup/globalTmp.ts'],
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT, exclude: [...E2E, ...PLUGINS, ...STATEFUL], isolate: false } },
      { extends: true, test: { name: 'isolated', include: ['test/**/*.test.ts'], exclude: [...E2E, ...UNIT] } },
      { extends: true, test: { name: 'isolated-in-unit-folders', include: [...PLUGINS, ...STATEFUL], exclude: E2E } },
    ],
  },
});

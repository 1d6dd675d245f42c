import { defineConfig } from 'vitest/config';

// `npm test`: everything but the slow end-to-end files (*.e2e.test.ts), which `npm run test:e2e` runs
// (CI runs both). Three workers on two cores: most CLI tests wait on child processes, so a third worker
// keeps both cores busy (81 s against 95 s with two, measured on the 2-core machine). Files share their
// worker's module cache (isolate: false): loading the sources once per worker instead of once per file takes
// a third off the run (60–69 s against 85–96 s); a test that needs a module's first-call state imports a
// fresh copy (vi.resetModules).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.e2e.test.ts', 'node_modules/**'],
    maxWorkers: 3,
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

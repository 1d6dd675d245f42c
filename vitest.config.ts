import { defineConfig } from 'vitest/config';

// `npm test`: everything but the slow end-to-end files (*.e2e.test.ts), which `npm run test:e2e` runs
// (CI runs both). Three workers on two cores: most CLI tests wait on child processes, so a third worker
// keeps both cores busy (81 s against 95 s with two, measured on the 2-core machine).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.e2e.test.ts', 'node_modules/**'],
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

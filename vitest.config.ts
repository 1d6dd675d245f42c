import { defineConfig } from 'vitest/config';

// `npm test`: everything but the slow end-to-end files (*.e2e.test.ts), which `npm run test:e2e` runs
// (CI runs both). Two workers: most CLI tests wait on child processes, so both cores stay busy.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.e2e.test.ts', 'node_modules/**'],
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

import { defineConfig } from 'vitest/config';

// The slow end-to-end files: whole experiments, resume after SIGINT, terminal sessions, report rebuilds,
// signals and hostile output directories against the CLI,
// energy attach round trips, the task classifier trained on the real prompts, the checks of shard merges and
// profile-models against live fake servers, evaluate sweeps on the shared RouterBench rows and simulate's
// determinism through the built binary, experiment split series, checkpoint resumes through the CLI, whole
// scenario experiments, the documented outputs of whole commands, start-up, empty paths given to options, the
// network time limits, hostile input files, the cost columns and simulate's options through the CLI, and the short
// fuzz run (moved out of `npm test` to keep it within its time).
export default defineConfig({
  test: {
    globalSetup: ['test/setup/globalTmp.ts'],
    include: ['test/**/*.e2e.test.ts'],
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

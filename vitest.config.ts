import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // Most test time is waiting (HTTP round trips, subprocesses, Postgres commits), not CPU: three files at
    // a time on this 2-core machine take the suite from ~8 to ~5 minutes. Each test has its own schema.
    maxWorkers: 3,
    // Every subprocess the tests start (the CLI, worker processes, NDJSON connectors) shares Node's
    // compile cache: each skips stripping and compiling ~300 TypeScript modules again (~0.5 s of CPU).
    env: { NODE_COMPILE_CACHE: resolve(import.meta.dirname, 'node_modules/.cache/node-compile-cache') },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The summary line CI reads ("N passed, N failed") comes from our reporter after vitest's own.
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});

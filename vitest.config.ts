import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The summary line CI reads ("N passed, N failed") comes from our reporter after vitest's own.
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});

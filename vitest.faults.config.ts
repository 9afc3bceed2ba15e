import { defineConfig } from 'vitest/config';

/**
 * The fault tests: run after the main suite, alone and one file at a time, because one of them restarts the
 * machine's PostgreSQL. No shared global set-up: its template-database connection would not survive the restart,
 * so each test creates and migrates its own database (test/faults/support.ts).
 */
export default defineConfig({
  // graphql@16 ships CJS and ESM copies; Pothos and Yoga load the CJS one, so ours must too (one realm).
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/faults/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    hookTimeout: 60_000,
    testTimeout: 120_000,
  },
});

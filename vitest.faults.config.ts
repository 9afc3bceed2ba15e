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
    // Also the tests that run servers and CLIs as processes on PGlite (never PostgreSQL): alone, they do not slow others.
    include: ['test/faults/**/*.test.ts', 'test/fuzz/nested.test.ts', 'test/data-folder.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    hookTimeout: 60_000,
    testTimeout: 120_000,
  },
});

import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql@16 ships CJS and ESM copies; Pothos and Yoga load the CJS one, so ours must too (one realm).
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    // The fault tests restart PostgreSQL: they run afterwards, alone (vitest.faults.config.ts, `npm test`), with the
    // tests that start servers and CLIs as processes of their own on PGlite (their CPU would slow the others' answers).
    exclude: [...configDefaults.exclude, 'test/faults/**', 'test/fuzz/nested.test.ts', 'test/data-folder.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    hookTimeout: 60_000,
    testTimeout: 30_000,
  },
});

import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql@16 ships CJS and ESM copies; Pothos and Yoga load the CJS one, so ours must too (one realm).
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    // The fault tests restart PostgreSQL: they run afterwards, alone (vitest.faults.config.ts, `npm test`).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    hookTimeout: 60_000,
    testTimeout: 30_000,
  },
});

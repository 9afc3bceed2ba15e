import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql@16 ships CJS and ESM copies; Pothos and Yoga load the CJS one, so ours must too (one realm).
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    hookTimeout: 60_000,
    testTimeout: 30_000,
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The dashboard's build: one page whose assets the gateway serves under /-/dashboard/ (src/http/dashboard.ts).
 * Preact's JSX through Vite's own transform (no Babel, so no @preact/preset-vite): the app needs no HMR plugin.
 */
export default defineConfig({
  root: here('.'),
  base: '/-/dashboard/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    // Browsers of the last two years; no legacy bundle.
    target: 'es2022',
    assetsInlineLimit: 0,
  },
  logLevel: 'warn',
});

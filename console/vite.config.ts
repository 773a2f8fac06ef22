import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The console builds into dist/public, which src/console/console.module.ts serves at `/`.
 * `npm run console:dev` proxies the API to a master on CONSOLE_API (default localhost:8070).
 */
export default defineConfig({
  root: __dirname,
  base: '/',
  publicDir: resolve(__dirname, 'public'),
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: resolve(__dirname, '..', 'dist', 'public'),
    emptyOutDir: true,
    // The polyfill would be bundled anyway; nothing inline, so a strict CSP holds.
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    proxy: Object.fromEntries(
      ['/api', '/docs-json'].map((path) => [
        path,
        { target: process.env.CONSOLE_API ?? 'http://localhost:8070', changeOrigin: true },
      ]),
    ),
  },
});

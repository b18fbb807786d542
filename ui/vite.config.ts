import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The webview loads the built files from inside the app binary; the dev
// server is only for `npm run dev` with the app's dev build.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: 'safari15',
    outDir: 'dist',
    emptyOutDir: true,
    // No inlined data: URLs: the CSP forbids them.
    assetsInlineLimit: 0,
  },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});

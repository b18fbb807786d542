import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Every file of the build, for the service worker to keep (sw.js).
function precacheList(): Plugin {
  return {
    name: 'gatecare-precache-list',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((f) => !f.endsWith('.html'));
      files.push('manifest.webmanifest', 'icon-192.png', 'icon-512.png');
      this.emitFile({ type: 'asset', fileName: 'precache.json', source: JSON.stringify(files.sort()) });
    },
  };
}

// The merchant page: served by central under /merchant/ from
// ui/dist-web/merchant (central's `web_dir` is ui/dist-web).
export default defineConfig({
  root: 'src/merchant',
  base: '/merchant/',
  plugins: [svelte({ configFile: '../../svelte.config.js' }), precacheList()],
  // A new release registers a new service worker, which keeps the new files.
  define: { __MERCHANT_RELEASE__: JSON.stringify(Date.now().toString(36)) },
  clearScreen: false,
  build: {
    target: 'es2022',
    outDir: '../../dist-web/merchant',
    emptyOutDir: true,
    // No inlined data: URLs or scripts: the page's CSP allows neither.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});

import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Central's pages, one build each (`--mode merchant`, `--mode pass`):
// served under /merchant/ and /pass/ from ui/dist-web (central's
// `web_dir`). They share the service worker and icons (src/web-public).

const MERCHANT_MANIFEST = {"name": "Gatecare vouchers · 代金券", "short_name": "Gatecare", "description": "Check and redeem airline care vouchers, online or offline.", "start_url": "./", "scope": "./", "display": "standalone", "background_color": "#f3f4f6", "theme_color": "#0b3d6b", "icons": [{"src": "icon-192.png", "sizes": "192x192", "type": "image/png"}, {"src": "icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable"}]};

// Every file of the build, for the service worker to keep (sw.js), and the
// merchant page's web app manifest.
function pageFiles(page: string): Plugin {
  return {
    name: 'gatecare-page-files',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((f) => !f.endsWith('.html'));
      files.push('icon-192.png', 'icon-512.png');
      if (page === 'merchant') {
        this.emitFile({ type: 'asset', fileName: 'manifest.webmanifest', source: JSON.stringify(MERCHANT_MANIFEST, null, 2) });
        files.push('manifest.webmanifest');
      }
      this.emitFile({ type: 'asset', fileName: 'precache.json', source: JSON.stringify(files.sort()) });
    },
  };
}

export default defineConfig(({ mode }) => {
  const page = mode === 'pass' ? 'pass' : 'merchant';
  return {
    root: `src/${page}`,
    base: `/${page}/`,
    publicDir: '../web-public',
    plugins: [svelte({ configFile: '../../svelte.config.js' }), pageFiles(page)],
    // A new release registers a new service worker, which keeps the new files.
    define: { __WEB_RELEASE__: JSON.stringify(Date.now().toString(36)) },
    clearScreen: false,
    build: {
      target: 'es2022',
      outDir: `../../dist-web/${page}`,
      emptyOutDir: true,
      // No inlined data: URLs or scripts: the pages' CSPs allow neither.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
    },
  };
});

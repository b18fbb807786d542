// The service worker of central's pages (the merchant's, the passenger's
// copy): each page and its WebAssembly keep working with the network down.
// The build lists every file of a release in precache.json; a new release
// is a new cache, and the page's old ones are dropped. The API is never
// cached: redemptions and lists go to central or fail.
const RELEASE = new URL(self.location.href).searchParams.get('r') || 'dev';
const PAGE = new URL(self.registration.scope).pathname.split('/').filter(Boolean).pop() || 'root';
const CACHE = `gatecare-${PAGE}-${RELEASE}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const files = await (await fetch('precache.json', { cache: 'no-store' })).json();
      await cache.addAll(['./', ...files]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(`gatecare-${PAGE}-`) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.includes('/api/')) return;
  if (url.pathname.includes('/assets/')) {
    // Hashed names: a file never changes, the cache answers first.
    event.respondWith(caches.match(event.request).then((hit) => hit || fetch(event.request)));
    return;
  }
  // The page itself: central's copy when it answers (a new release), else ours.
  event.respondWith(
    (async () => {
      try {
        const fresh = await fetch(event.request, { signal: AbortSignal.timeout(4000) });
        if (fresh.ok) {
          const cache = await caches.open(CACHE);
          await cache.put(event.request, fresh.clone());
        }
        return fresh;
      } catch {
        const hit = await caches.match(event.request, { ignoreSearch: true });
        return hit || (await caches.match('./')) || Response.error();
      }
    })(),
  );
});

// coi-sw.js - a service-worker shim for static hosting that cannot set headers:
// it re-serves every same-origin response with Cross-Origin-Opener-Policy and
// Cross-Origin-Embedder-Policy, which makes the page cross-origin isolated (and
// SharedArrayBuffer available) after one reload.  Registered by index.html
// only when the page is not isolated already.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (e) => {
    const req = e.request;
    if (req.cache === 'only-if-cached' && req.mode !== 'same-origin') {
        return;
    }
    e.respondWith((async () => {
        const res = await fetch(req);
        if (res.status === 0 || new URL(req.url).origin !== self.location.origin) {
            return res;
        }
        const headers = new Headers(res.headers);
        headers.set('Cross-Origin-Opener-Policy', 'same-origin');
        headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
        headers.set('Cross-Origin-Resource-Policy', 'same-origin');
        return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
    })());
});

// Isoloir — the phone page's service worker (scope /porte-a-porte/): keeps the page, its script and its
// style on the phone, so the page opens without signal. Network first (a new version, or the login page
// when the session is over, comes from the server); the copy kept when the network fails. The API is
// never cached: the turfs and the visits live in the page's storage (app.js).
'use strict';
const CACHE = 'isoloir-terrain-v1';
const SHELL = ['/porte-a-porte/', '/porte-a-porte/app.js', '/porte-a-porte/style.css'];

async function keep(path) {
  const response = await fetch(path, { credentials: 'same-origin', redirect: 'manual' });
  if (response.ok && response.type === 'basic') await (await caches.open(CACHE)).put(path, response);
}

self.addEventListener('install', (event) => {
  event.waitUntil(Promise.all(SHELL.map(keep)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !SHELL.includes(url.pathname)) return;
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok && response.type === 'basic' && !response.redirected) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
    }
    return response;
  }).catch(() => caches.match(url.pathname).then((kept) => kept || Response.error())));
});

/* Cityviz Enfance service worker.
 *
 * Caches only what is the same for everyone: the app shell (offline page, manifest, icons) and
 * the hashed build files under /assets/ (immutable). Pages are always fetched from the network
 * (they are small, and their data arrives over the websocket, which a service worker never
 * sees); when the network is down a page request gets the French offline page. Personal data,
 * files (/fichiers/…, /agenda/…), the session endpoints, payments and every non-GET request go
 * straight to the network and are never stored.
 */
const VERSION = "cvz-v1";
const SHELL = ["/offline.html", "/manifest.webmanifest", "/favicon.ico",
               "/icons/icon-192.png", "/icons/icon-512.png", "/icons/icon-maskable-512.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== VERSION).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

function isHashedAsset(url) {
  return url.pathname.startsWith("/assets/") && /-[A-Za-z0-9_-]{6,}\.(js|css|woff2?)$/.test(url.pathname);
}

async function cacheFirst(request) {
  const cache = await caches.open(VERSION);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") cache.put(request, response.clone());
  return response;
}

async function pageOrOffline(request) {
  try {
    return await fetch(request);
  } catch (error) {
    return (await caches.match("/offline.html")) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(pageOrOffline(request));
  } else if (isHashedAsset(url)) {
    event.respondWith(cacheFirst(request));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
  /* Anything else (files, session, API, websocket…) is left to the network, never cached. */
});

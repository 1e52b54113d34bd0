// The rest of Scout's service worker (src/server/pwa.rs prepends VERSION and SHELL).
//
// - The app shell (the build's CSS, JS, WASM, icons, manifest) is precached under this
//   build's version; a new build installs beside it and waits until the page's "Update
//   available" toast asks it to take over (message "skip-waiting"), then the old caches go.
// - Pages are network-first. Listing pages, Favorites and Home are kept (the last
//   MAX_LISTINGS listings opened; every listing on Favorites with its medium photo). When the
//   network fails, or is slower than NETWORK_TIMEOUT_MS and a kept copy exists, the kept copy
//   is shown read-only (no hydration) with an "Offline: shown as of …" mark; a page never
//   kept gets the offline page, which lists what can be opened.
// - Photos (/media/) are cache-first: their URLs never change content.
// - Signing out or deleting the account empties the kept pages and photos.
// - Push: shows alert messages (RFC 8291-encrypted by the server; the browser decrypts them
//   before this runs) and opens the listing when one is tapped.
/* global VERSION, SHELL */

const SHELL_CACHE = `scout-shell-${VERSION}`;
const PAGES = "scout-pages";
const MEDIA = "scout-media";
const MAX_LISTINGS = 50;
const MAX_MEDIA = 400;
const MAX_FAVORITES = 60;
const NETWORK_TIMEOUT_MS = 3000;
const SAVED_AT = "x-scout-saved-at";
const TITLE = "x-scout-title";
const FORGETTING = ["/api/accounts/sign_out", "/api/accounts/delete"];

const TEXT = {
  en: {
    offlineMark: (when) => `You're offline. This page is shown as it was on ${when}.`,
    offlineTitle: "You're offline · Scout",
    offlineHeading: "You're offline",
    offlineKept: "These pages are kept on this device and open without a connection:",
    offlineNothing:
      "Nothing is kept on this device yet. Listings you open and your favorites are kept here, so you can read them without a connection.",
    offlineRetry: "Try again",
    savedOn: (when) => `kept ${when}`,
    home: "Home",
    favorites: "Your favorites",
  },
  bg: {
    offlineMark: (when) => `Няма връзка. Страницата е показана такава, каквато беше на ${when}.`,
    offlineTitle: "Няма връзка · Scout",
    offlineHeading: "Няма връзка с интернет",
    offlineKept: "Тези страници са запазени на устройството и се отварят и без връзка:",
    offlineNothing:
      "Все още няма запазени страници. Обявите, които отваряте, и любимите ви се пазят тук, за да ги четете и без връзка.",
    offlineRetry: "Опитай отново",
    savedOn: (when) => `запазено ${when}`,
    home: "Начало",
    favorites: "Любими",
  },
};

const text = (lang) => TEXT[lang] || TEXT.en;

self.addEventListener("install", (event) => {
  // `cache: "reload"`: straight from the server, never from the HTTP cache
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })))),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("scout-shell-") && name !== SHELL_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "skip-waiting") {
    self.skipWaiting();
  } else if (data.type === "opened" && typeof data.url === "string") {
    // a page the router opened without a navigation (hydrated links), or the first page,
    // which loaded before this worker was in control
    const url = new URL(data.url, self.location.origin);
    if (url.origin === self.location.origin && kind(url)) event.waitUntil(keepFresh(url));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && FORGETTING.includes(url.pathname)) {
    event.respondWith(forgetAfter(request));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(page(event, url));
  } else if (url.pathname.startsWith("/media/")) {
    event.respondWith(photo(request, url));
  } else if (SHELL.includes(url.pathname + url.search)) {
    event.respondWith(caches.match(request, { cacheName: SHELL_CACHE }).then((hit) => hit || fetch(request)));
  }
});

/// Which pages are kept: a listing, Favorites, Home; null for the rest.
function kind(url) {
  if (/^\/listings\/[^/]+$/.test(url.pathname)) return "listing";
  if (url.pathname === "/favorites") return "favorites";
  if (url.pathname === "/" && !url.search) return "home";
  return null;
}

/// A kept page's key: its path (a listing opened from a search carries the way back in its
/// query; offline it is the same listing).
function key(url) {
  return new URL(url.pathname, self.location.origin).href;
}

async function forgetAfter(request) {
  const response = await fetch(request);
  if (response.ok || response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
    await caches.delete(PAGES);
    await caches.delete(MEDIA);
  }
  return response;
}

async function page(event, url) {
  const kept = kind(url);
  const network = fetch(event.request);
  if (kept) {
    event.waitUntil(
      network
        .then((response) => (response.ok && response.type === "basic" ? store(url, response.clone()) : null))
        .catch(() => null),
    );
  }
  try {
    return await (kept ? withTimeout(network, NETWORK_TIMEOUT_MS) : network);
  } catch (error) {
    const copy = await keptCopy(url);
    if (copy) return copy;
    if (error && error.timeout) {
      // slow, and nothing kept: keep waiting for the network
      try {
        return await network;
      } catch (_) {
        /* offline after all */
      }
    }
    return offlinePage(url);
  }
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject({ timeout: true }), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/// Fetches a page again unless it was kept in the last minute.
async function keepFresh(url) {
  const cache = await caches.open(PAGES);
  const hit = await cache.match(key(url));
  const savedAt = hit && Number(hit.headers.get(SAVED_AT));
  if (savedAt && Date.now() - savedAt < 60_000) return;
  try {
    const response = await fetch(url.pathname + url.search, { credentials: "same-origin" });
    if (response.ok && response.type === "basic" && !response.redirected) await store(url, response);
  } catch (_) {
    /* offline: nothing to refresh */
  }
}

/// Keeps a page: its HTML with the time it was kept and its title, then what it needs
/// offline (a listing's medium photos; every listing on Favorites).
async function store(url, response) {
  const html = await response.text();
  const headers = new Headers(response.headers);
  headers.set(SAVED_AT, String(Date.now()));
  const title = (html.match(/<title>([^<]*)<\/title>/i) || [])[1] || url.pathname;
  headers.set(TITLE, encodeURIComponent(decodeEntities(title)));
  headers.delete("content-length");
  headers.delete("content-encoding");
  const cache = await caches.open(PAGES);
  await cache.put(key(url), new Response(html, { status: 200, headers }));
  const what = kind(url);
  if (what === "listing") {
    await keepPhotos(html);
    await trimListings(cache);
  } else if (what === "favorites") {
    const ids = [...new Set([...html.matchAll(/href="(\/listings\/[^"?#/]+)"/g)].map((m) => m[1]))];
    for (const path of ids.slice(0, MAX_FAVORITES)) {
      await keepFresh(new URL(path, self.location.origin));
    }
  }
}

/// A listing's photos at the medium width (960 px), whatever width the page showed.
async function keepPhotos(html) {
  const bases = new Set();
  for (const m of html.matchAll(/\/media\/([^"\s,]+)\/\d+\.webp/g)) bases.add(m[1]);
  const cache = await caches.open(MEDIA);
  for (const base of [...bases].slice(0, 24)) {
    const url = `/media/${base}/960.webp`;
    if (await cache.match(url)) continue;
    try {
      const response = await fetch(url);
      if (response.ok) await cache.put(url, response);
    } catch (_) {
      return;
    }
  }
  await trim(cache, MAX_MEDIA);
}

async function trimListings(cache) {
  const listings = [];
  for (const request of await cache.keys()) {
    if (kind(new URL(request.url)) !== "listing") continue;
    const hit = await cache.match(request);
    listings.push({ request, savedAt: Number(hit && hit.headers.get(SAVED_AT)) || 0 });
  }
  listings.sort((a, b) => b.savedAt - a.savedAt);
  for (const old of listings.slice(MAX_LISTINGS)) await cache.delete(old.request);
}

async function trim(cache, max) {
  const keys = await cache.keys();
  for (const request of keys.slice(0, Math.max(0, keys.length - max))) await cache.delete(request);
}

async function photo(request, url) {
  const cache = await caches.open(MEDIA);
  const hit = await cache.match(request);
  if (hit) return hit;
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(request, response.clone());
      if (Math.random() < 0.05) await trim(cache, MAX_MEDIA);
    }
    return response;
  } catch (error) {
    // offline: the same photo at another width, if one is kept
    const m = url.pathname.match(/^(\/media\/.+)\/\d+\.webp$/);
    if (m) {
      for (const width of [960, 320, 1920]) {
        const other = await cache.match(`${m[1]}/${width}.webp`);
        if (other) return other;
      }
    }
    throw error;
  }
}

/// The kept copy, read-only: the scripts that would hydrate it are taken out (its server
/// functions can't be reached) and a mark says it is offline and as of when.
async function keptCopy(url) {
  const cache = await caches.open(PAGES);
  const hit = await cache.match(key(url));
  if (!hit) return null;
  const html = await hit.text();
  const lang = (html.match(/<html[^>]*\blang="([a-z]{2})/i) || [])[1] || "en";
  const savedAt = new Date(Number(hit.headers.get(SAVED_AT)) || Date.now());
  const mark =
    `<div role="status" class="sticky top-0 z-40 border-b border-amber-300 bg-amber-50 px-4 py-2 text-center text-sm font-medium text-amber-950">` +
    `${escape(text(lang).offlineMark(when(savedAt, lang)))}</div>`;
  const body = html
    .replace(/<script\b(?![^>]*\bsrc="\/pwa\.js)[^>]*>[\s\S]*?<\/script>/gi, "")
    .replace(/<link\b[^>]*\brel="(?:modulepreload|preload)"[^>]*>/gi, "")
    .replace(/<body\b[^>]*>/i, (open) => open + mark);
  const headers = new Headers(hit.headers);
  headers.set("x-scout-offline", "1");
  return new Response(body, { status: 200, headers });
}

async function offlinePage(url) {
  const cache = await caches.open(PAGES);
  const lang = (self.navigator.language || "en").slice(0, 2) === "bg" ? "bg" : "en";
  const t = text(lang);
  const entries = [];
  for (const request of await cache.keys()) {
    const hit = await cache.match(request);
    if (!hit) continue;
    const target = new URL(request.url);
    const what = kind(target);
    const title = decodeURIComponent(hit.headers.get(TITLE) || "") || target.pathname;
    const label = what === "home" ? t.home : what === "favorites" ? t.favorites : title.replace(/ · Scout$/, "");
    entries.push({ path: target.pathname, label, savedAt: Number(hit.headers.get(SAVED_AT)) || 0, what });
  }
  const order = { home: 0, favorites: 1, listing: 2 };
  entries.sort((a, b) => order[a.what] - order[b.what] || b.savedAt - a.savedAt);
  const css = SHELL.find((u) => u.endsWith(".css"));
  const list = entries.length
    ? `<p class="mt-3 text-slate-700">${escape(t.offlineKept)}</p><ul class="mt-4 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">${entries
        .map(
          (e) =>
            `<li><a class="block px-4 py-3 hover:bg-slate-50" href="${escape(e.path)}"><span class="font-medium text-emerald-800 underline">${escape(e.label)}</span> <span class="block text-sm text-slate-600">${escape(t.savedOn(when(new Date(e.savedAt), lang)))}</span></a></li>`,
        )
        .join("")}</ul>`
    : `<p class="mt-3 text-slate-700">${escape(t.offlineNothing)}</p>`;
  const body = `<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(t.offlineTitle)}</title>${css ? `<link rel="stylesheet" href="${css}">` : ""}<link rel="icon" href="/favicon.svg" type="image/svg+xml"></head><body class="min-h-screen bg-slate-50 text-slate-900 antialiased"><header class="border-b border-slate-200 bg-white"><div class="mx-auto max-w-6xl px-4 py-3"><a href="/" class="text-xl font-extrabold tracking-tight text-emerald-800">Scout</a></div></header><main id="main" class="mx-auto max-w-xl px-4 py-10"><h1 class="text-2xl font-bold">${escape(t.offlineHeading)}</h1>${list}<p class="mt-6"><a class="rounded-lg bg-emerald-700 px-4 py-2 font-semibold text-white hover:bg-emerald-800" href="${escape(url.pathname + url.search)}">${escape(t.offlineRetry)}</a></p></main></body></html>`;
  return new Response(body, {
    status: 200,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-scout-offline": "1" },
  });
}

function when(date, lang) {
  return date.toLocaleString(lang === "bg" ? "bg-BG" : "en-GB", {
    day: "numeric",
    month: "long",
    hour: "2-digit",
    minute: "2-digit",
  });
}

function escape(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function decodeEntities(s) {
  return s
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (_) {
    data = { title: "Scout", body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "Scout", {
      body: data.body || "",
      icon: data.icon || "/icons/icon-192.png",
      tag: data.tag,
      data: { url: data.url || "/inbox" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || "/inbox", self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const w of windows) {
        if (w.url === url.href && "focus" in w) return w.focus();
      }
      return self.clients.openWindow(url.href);
    }),
  );
});

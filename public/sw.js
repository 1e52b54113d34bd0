// Scout's service worker: shows alert push messages (RFC 8291-encrypted by the server; the
// browser decrypts them before this runs) and opens the listing when one is tapped.
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
      icon: data.icon || "/favicon.svg",
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

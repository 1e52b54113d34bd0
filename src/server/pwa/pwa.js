// Scout on this device, loaded by every page (src/server/pwa.rs serves it as /pwa.js):
// registers the service worker, shows "Update available" when a new build's worker is
// waiting, tells the worker which page the router opened (so it can keep it for offline
// reading), and offers to install Scout: on the second visit or after saving an alert, once,
// dismissible for good; on iOS Safari, which has no install prompt, it says how.
(() => {
  if (!("serviceWorker" in navigator)) return;
  const lang = document.documentElement.lang === "bg" ? "bg" : "en";
  const TEXT = {
    en: {
      update: "A new version of Scout is available.",
      reload: "Reload",
      install: "Install Scout on this device: alerts open in a tap and listings you opened stay readable offline.",
      installButton: "Install",
      notNow: "Not now",
      never: "Don't ask again",
      ios: "To install Scout, tap Share, then “Add to Home Screen”.",
      gotIt: "Got it",
    },
    bg: {
      update: "Има нова версия на Scout.",
      reload: "Презареди",
      install: "Инсталирайте Scout на устройството: известията се отварят с едно докосване, а отворените обяви остават достъпни и без връзка.",
      installButton: "Инсталирай",
      notNow: "Не сега",
      never: "Не питай повече",
      ios: "За да инсталирате Scout, докоснете „Сподели“, после „Добави към началния екран“.",
      gotIt: "Разбрах",
    },
  }[lang];
  const store = {
    get: (k) => {
      try {
        return localStorage.getItem(k);
      } catch (_) {
        return null;
      }
    },
    set: (k, v) => {
      try {
        localStorage.setItem(k, v);
      } catch (_) {
        /* private mode: no memory, no harm */
      }
    },
  };

  // --- the worker and its updates
  let updating = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // only when the person asked for the new version (the first install also takes control)
    if (updating) window.location.reload();
  });
  const tell = (worker, message) => worker && worker.postMessage(message);
  // "keep this page for offline reading", told to the active worker once there is one
  const opened = () => navigator.serviceWorker.ready.then((r) => tell(r.active, { type: "opened", url: location.href }));
  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then((registration) => {
      if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        if (!worker) return;
        worker.addEventListener("statechange", () => {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
        });
      });
      // a page that loaded before the worker was in control: let it keep this one too
      if (!navigator.serviceWorker.controller) opened();
    })
    .catch(() => {
      /* no worker (private mode, blocked): Scout works as a plain site */
    });
  // pages the router opens without a navigation
  const pushState = history.pushState;
  history.pushState = function (...args) {
    const result = pushState.apply(this, args);
    setTimeout(opened, 0);
    return result;
  };

  function bar(id, message, actions) {
    document.getElementById(id)?.remove();
    const box = document.createElement("div");
    box.id = id;
    box.setAttribute("role", "status");
    box.className =
      "fixed inset-x-2 bottom-20 z-50 mx-auto flex max-w-xl flex-wrap items-center gap-3 rounded-xl border border-slate-300 bg-white px-4 py-3 text-sm text-slate-900 shadow-lg sm:bottom-4";
    const p = document.createElement("p");
    p.className = "min-w-0 flex-1";
    p.textContent = message;
    box.append(p);
    for (const [label, primary, onClick] of actions) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.className = primary
        ? "rounded-lg bg-emerald-700 px-3 py-1.5 font-semibold text-white hover:bg-emerald-800"
        : "rounded-lg px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-100";
      b.addEventListener("click", () => onClick(box));
      box.append(b);
    }
    document.body.append(box);
    return box;
  }

  function offerUpdate(worker) {
    bar("scout-update", TEXT.update, [
      [
        TEXT.reload,
        true,
        (box) => {
          updating = true;
          box.remove();
          tell(worker, { type: "skip-waiting" });
        },
      ],
    ]);
  }

  // --- installing
  const DISMISSED = "scout.install.dismissed";
  const VISITS = "scout.visits";
  const standalone = matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  try {
    if (!sessionStorage.getItem("scout.visit")) {
      sessionStorage.setItem("scout.visit", "1");
      store.set(VISITS, String(Number(store.get(VISITS) || 0) + 1));
    }
  } catch (_) {
    /* no storage: counted as a first visit */
  }
  let deferred = null;
  const ios = /iphone|ipad|ipod/i.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  const wanted = () => !standalone && !store.get(DISMISSED);
  function offerInstall() {
    if (!wanted() || document.getElementById("scout-install")) return;
    if (deferred) {
      bar("scout-install", TEXT.install, [
        [
          TEXT.installButton,
          true,
          async (box) => {
            box.remove();
            const prompt = deferred;
            deferred = null;
            prompt.prompt();
            const choice = await prompt.userChoice.catch(() => null);
            if (choice && choice.outcome === "dismissed") store.set(DISMISSED, "1");
          },
        ],
        [TEXT.notNow, false, (box) => box.remove()],
        [
          TEXT.never,
          false,
          (box) => {
            store.set(DISMISSED, "1");
            box.remove();
          },
        ],
      ]);
    } else if (ios) {
      bar("scout-install", TEXT.ios, [
        [
          TEXT.gotIt,
          true,
          (box) => {
            store.set(DISMISSED, "1");
            box.remove();
          },
        ],
      ]);
    }
  }
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    deferred = event;
    if (Number(store.get(VISITS) || 0) >= 2) offerInstall();
  });
  window.addEventListener("appinstalled", () => {
    store.set(DISMISSED, "1");
    document.getElementById("scout-install")?.remove();
  });
  if (ios && Number(store.get(VISITS) || 0) >= 2) offerInstall();
  // saving an alert is a moment the app earns its place on the home screen
  document.addEventListener("submit", (event) => {
    const action = event.target && event.target.getAttribute && event.target.getAttribute("action");
    if (action && action.endsWith("/api/alerts/create")) setTimeout(offerInstall, 1500);
  });
})();

//! Scout as an installed app. The service worker (`/sw.js`) is versioned with the build: the
//! server prepends the build's version and the app shell it precaches (the content-hashed
//! CSS, JS and WASM under `/pkg`, the manifest, the icons) to `pwa/sw.js`, so a new build is a
//! new worker and the page offers "Update available". `/pwa.js` is the page's side: it
//! registers the worker on every page, shows that offer and the install prompt. The manifest
//! and the icons are static files (`public/manifest.webmanifest`, `public/icons/`).

use axum::{
    Router,
    extract::RawQuery,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    path::Path,
    sync::{Mutex, OnceLock},
};

use super::state::AppState;

const WORKER: &str = include_str!("pwa/sw.js");
const PAGE_SCRIPT: &str = include_str!("pwa/pwa.js");

/// Files outside `/pkg` the worker keeps with the shell (they are in `public/`).
const STATIC_SHELL: [&str; 5] = [
    "/manifest.webmanifest",
    "/favicon.svg",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
    "/icons/apple-touch-icon.png",
];

/// This build's service worker and its version.
#[derive(Debug)]
pub struct Build {
    /// Changes whenever a file of the shell, the worker or the page script changes.
    pub version: String,
    /// The worker as served: the version and the shell's URLs, then `pwa/sw.js`.
    worker: String,
    /// The app's module (`/pkg/scout.<hash>.js`) and its WASM, which the page loads to hydrate.
    pub script: String,
    pub wasm: String,
}

impl Build {
    /// Reads the shell from the site's folder. A file's name carries its content hash in a
    /// release build (cargo-leptos `hash-files`); length and modification time cover a debug
    /// build, which has no hashes. `app` is cargo-leptos's output name (`scout`).
    pub fn read(site_root: &str, pkg_dir: &str, app: &str) -> Build {
        let mut files: Vec<(String, u64, u64)> =
            std::fs::read_dir(Path::new(site_root).join(pkg_dir))
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|entry| {
                    let name = entry.file_name().into_string().ok()?;
                    // the browser asks for the plain file and the server picks the encoding;
                    // TypeScript declarations are for no browser
                    if [".br", ".gz", ".ts"].iter().any(|s| name.ends_with(s)) {
                        return None;
                    }
                    let meta = entry.metadata().ok().filter(|m| m.is_file())?;
                    let modified = meta
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_secs());
                    Some((name, meta.len(), modified))
                })
                .collect();
        files.sort();
        let mut hash = Sha256::new();
        hash.update(WORKER);
        hash.update(PAGE_SCRIPT);
        for (name, len, modified) in &files {
            hash.update(format!("{name}\0{len}\0{modified}\0"));
        }
        for path in STATIC_SHELL {
            if let Ok(bytes) =
                std::fs::read(Path::new(site_root).join(path.trim_start_matches('/')))
            {
                hash.update(bytes);
            }
        }
        let version = hex::encode(&hash.finalize()[..6]);
        let mut shell: Vec<String> = files
            .iter()
            .map(|(name, ..)| format!("/{pkg_dir}/{name}"))
            .collect();
        shell.extend(STATIC_SHELL.iter().map(|p| (*p).to_string()));
        shell.push(format!("/pwa.js?v={version}"));
        let worker = format!(
            "// Scout's service worker, build {version}\nconst VERSION = {};\nconst SHELL = {};\n{WORKER}",
            json_string(&version),
            serde_json::to_string(&shell).unwrap_or_else(|_| "[]".into()),
        );
        // `scout.<hash>.js` and `.wasm`, not a page's chunk (`split_*.wasm`, `chunk_*.wasm`)
        // nor the chunks' loader (`__wasm_split.<hash>.js`)
        let named = |suffix: &str| {
            let prefix = format!("{app}.");
            files
                .iter()
                .find(|(name, ..)| name.starts_with(&prefix) && name.ends_with(suffix))
                .map_or_else(
                    || format!("/{pkg_dir}/{app}{suffix}"),
                    |(name, ..)| format!("/{pkg_dir}/{name}"),
                )
        };
        Build {
            version,
            worker,
            script: named(".js"),
            wasm: named(".wasm"),
        }
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The build a site's folder holds, read once per process (tests serve several folders).
pub fn build(options: &leptos::config::LeptosOptions) -> &'static Build {
    static BUILDS: OnceLock<Mutex<HashMap<String, &'static Build>>> = OnceLock::new();
    let key = format!("{}\0{}", options.site_root, options.site_pkg_dir);
    let mut builds = BUILDS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    builds.entry(key).or_insert_with(|| {
        Box::leak(Box::new(Build::read(
            &options.site_root,
            &options.site_pkg_dir,
            &options.output_name,
        )))
    })
}

/// `/sw.js` and `/pwa.js`: outside the session layer (no session read or written).
pub fn routes(state: &AppState) -> Router<AppState> {
    let build = build(&state.leptos_options);
    Router::new()
        .route("/sw.js", get(move || async move { worker(build) }))
        .route(
            "/pwa.js",
            get(move |RawQuery(query): RawQuery| async move { page_script(build, query) }),
        )
}

fn javascript(body: String, cache: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}

/// The browser checks the worker for updates on every navigation: never from a cache.
fn worker(build: &Build) -> Response {
    javascript(build.worker.clone(), "no-cache")
}

/// Pages ask for `/pwa.js?v=<version>`: that URL's content never changes.
fn page_script(build: &Build, query: Option<String>) -> Response {
    let current = query.as_deref() == Some(&format!("v={}", build.version));
    javascript(
        PAGE_SCRIPT.to_string(),
        if current {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        },
    )
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;

    /// A site folder of its own for each test, under the system's temporary folder.
    struct Site(std::path::PathBuf);

    impl Site {
        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Site {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn site(files: &[(&str, &str)]) -> Site {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("scout-pwa-{}-{n}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        for (name, body) in files {
            std::fs::write(dir.join("pkg").join(name), body).unwrap();
        }
        Site(dir)
    }

    #[test]
    fn the_worker_precaches_the_builds_shell_and_not_its_compressed_copies() {
        let dir = site(&[
            ("scout.1a2b.css", "css"),
            ("scout.1a2b.css.br", "br"),
            ("scout.3c4d.js", "js"),
            ("scout.3c4d.js.gz", "gz"),
            ("scout.5e6f_bg.wasm", "wasm"),
        ]);
        let build = Build::read(dir.path().to_str().unwrap(), "pkg", "scout");
        let head = build.worker.lines().take(3).collect::<Vec<_>>().join("\n");
        assert!(head.contains("/pkg/scout.1a2b.css\""), "{head}");
        assert!(head.contains("/pkg/scout.3c4d.js\""), "{head}");
        assert!(head.contains("/pkg/scout.5e6f_bg.wasm\""), "{head}");
        assert!(!head.contains(".br\""), "{head}");
        assert!(!head.contains(".gz\""), "{head}");
        assert!(
            head.contains(&format!("/pwa.js?v={}", build.version)),
            "{head}"
        );
        assert!(build.worker.contains("addEventListener(\"fetch\""));
    }

    #[test]
    fn the_page_loads_the_apps_module_and_the_worker_keeps_every_pages_chunk() {
        // a split build's folder: the chunks and their loader sort before the app's files
        let dir = site(&[
            ("__wasm_split.9a8b.js", "loader"),
            ("chunk_0_a1b2.3c3c.wasm", "shared"),
            ("scout.3c4d.js", "js"),
            ("scout.5e6f.wasm", "wasm"),
            ("split_SearchRoute_View.7d7d.wasm", "search page"),
        ]);
        let build = Build::read(dir.path().to_str().unwrap(), "pkg", "scout");
        assert_eq!(build.script, "/pkg/scout.3c4d.js");
        assert_eq!(build.wasm, "/pkg/scout.5e6f.wasm");
        let head = build.worker.lines().take(3).collect::<Vec<_>>().join("\n");
        for file in [
            "__wasm_split.9a8b.js",
            "chunk_0_a1b2.3c3c.wasm",
            "split_SearchRoute_View.7d7d.wasm",
        ] {
            assert!(head.contains(&format!("/pkg/{file}\"")), "{file}: {head}");
        }
    }

    #[test]
    fn a_new_build_is_a_new_version() {
        let dir = site(&[("scout.1a2b.css", "css"), ("scout.3c4d.js", "js")]);
        let root = dir.path().to_str().unwrap();
        let first = Build::read(root, "pkg", "scout");
        assert_eq!(
            first.version,
            Build::read(root, "pkg", "scout").version,
            "same files"
        );
        std::fs::rename(
            dir.path().join("pkg/scout.1a2b.css"),
            dir.path().join("pkg/scout.9f9f.css"),
        )
        .unwrap();
        let second = Build::read(root, "pkg", "scout");
        assert_ne!(first.version, second.version);
        // a debug build has no hashes in its names: the content counts
        std::fs::write(dir.path().join("pkg/scout.3c4d.js"), "js, changed").unwrap();
        assert_ne!(second.version, Build::read(root, "pkg", "scout").version);
    }

    #[test]
    fn only_the_current_page_script_is_immutable() {
        let dir = site(&[]);
        let build = Build::read(dir.path().to_str().unwrap(), "pkg", "scout");
        let cache = |q: Option<String>| {
            page_script(&build, q).headers()[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .to_string()
        };
        assert!(cache(Some(format!("v={}", build.version))).contains("immutable"));
        assert_eq!(cache(Some("v=old".into())), "no-cache");
        assert_eq!(cache(None), "no-cache");
        assert_eq!(worker(&build).headers()[header::CACHE_CONTROL], "no-cache");
    }
}

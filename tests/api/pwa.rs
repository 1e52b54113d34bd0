//! Scout as an installed app, over HTTP: every page links the manifest and loads the page
//! script with the CSP nonce; the service worker is served fresh (never from a cache) with
//! this build's shell; the preload links carry no nonce in `crossorigin` (invalid HTML).

use axum::{body::Body, http::Request};
use http::{StatusCode, header};
use scout::server::config::Config;
use sqlx::PgPool;

use crate::helpers::spawn_app_with_site;

/// A site folder as a release build leaves it: hashed assets, their compressed copies, the
/// files of `public/`.
fn release_site() -> std::path::PathBuf {
    let site = std::env::temp_dir().join(format!("scout-pwa-site-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/scout.d.Jk0.ts"), "declare").unwrap();
    for name in ["scout.AbC123.css", "scout.DeF456.js", "scout.GhI789.wasm"] {
        std::fs::write(site.join("pkg").join(name), name).unwrap();
        std::fs::write(site.join("pkg").join(format!("{name}.br")), "br").unwrap();
    }
    let public = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("public");
    std::fs::copy(
        public.join("manifest.webmanifest"),
        site.join("manifest.webmanifest"),
    )
    .unwrap();
    site
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

#[sqlx::test]
async fn pages_link_the_manifest_and_load_the_app_without_a_nonce_in_crossorigin(pool: PgPool) {
    let site = release_site();
    let app = spawn_app_with_site(pool, Config::for_tests(), site.to_str().unwrap()).await;
    let page = app.send(get("/search")).await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap();
    let body = &page.body;
    assert!(
        body.contains(r#"<link rel="manifest" href="/manifest.webmanifest">"#),
        "{body}"
    );
    assert!(body.contains(r#"<link rel="apple-touch-icon" href="/icons/apple-touch-icon.png">"#));
    // the app's module and WASM by their hashed names, preloaded
    assert!(
        body.contains(r#"<link rel="modulepreload" href="/pkg/scout.DeF456.js">"#),
        "{body}"
    );
    assert!(
        body.contains(
            r#"href="/pkg/scout.GhI789.wasm" as="fetch" type="application/wasm" crossorigin"#
        ),
        "{body}"
    );
    assert!(body.contains(&format!(r#"<script type="module" nonce="{nonce}">import init, {{ hydrate }} from "/pkg/scout.DeF456.js";"#)), "{body}");
    assert!(
        !body.contains(&format!("crossorigin=\"{nonce}\"")),
        "{body}"
    );
    // the page script, by this build's version, with the nonce
    let version = body
        .split("/pwa.js?v=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    assert!(
        body.contains(&format!(
            r#"<script src="/pwa.js?v={version}" defer nonce="{nonce}"></script>"#
        )),
        "{body}"
    );

    let script = app.send(get(&format!("/pwa.js?v={version}"))).await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        script.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(script.body.contains("serviceWorker"));

    let worker = app.send(get("/sw.js")).await;
    assert_eq!(worker.status, StatusCode::OK);
    assert_eq!(worker.headers[header::CACHE_CONTROL], "no-cache");
    assert!(
        worker.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        worker
            .body
            .contains(&format!("const VERSION = \"{version}\";")),
        "{}",
        worker.body
    );
    let shell = worker
        .body
        .lines()
        .find_map(|l| l.strip_prefix("const SHELL = "))
        .and_then(|l| l.strip_suffix(';'))
        .unwrap();
    let shell: Vec<String> = serde_json::from_str(shell).unwrap();
    for url in [
        "/pkg/scout.AbC123.css",
        "/pkg/scout.DeF456.js",
        "/pkg/scout.GhI789.wasm",
        "/manifest.webmanifest",
    ] {
        assert!(shell.contains(&url.to_string()), "{shell:?}");
    }
    assert!(
        !shell
            .iter()
            .any(|u| u.ends_with(".br") || u.ends_with(".ts")),
        "{shell:?}"
    );
    assert!(shell.contains(&format!("/pwa.js?v={version}")));

    let manifest = app.send(get("/manifest.webmanifest")).await;
    assert_eq!(manifest.status, StatusCode::OK);
    assert_eq!(
        manifest.headers[header::CONTENT_TYPE],
        "application/manifest+json"
    );
    let manifest: serde_json::Value = serde_json::from_str(&manifest.body).unwrap();
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], "/");
    let _ = std::fs::remove_dir_all(site);
}

/// A PNG's (IHDR chunk) or a JPEG's (start-of-frame segment) width and height.
fn size(bytes: &[u8]) -> String {
    let be16 = |at: usize| usize::from(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
    if &bytes[1..4] == b"PNG" {
        let be32 = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        return format!("{}x{}", be32(16), be32(20));
    }
    assert_eq!(be16(0), 0xffd8, "neither a PNG nor a JPEG");
    let mut at = 2;
    while at + 9 < bytes.len() {
        if (0xffc0..=0xffc2).contains(&be16(at)) {
            return format!("{}x{}", be16(at + 7), be16(at + 5));
        }
        at += 2 + be16(at + 2);
    }
    panic!("no start-of-frame segment")
}

#[test]
fn every_icon_and_screenshot_the_manifest_names_is_in_public_at_its_size() {
    let public = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("public");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(public.join("manifest.webmanifest")).unwrap(),
    )
    .unwrap();
    let mut images = Vec::new();
    for list in ["icons", "screenshots"] {
        images.extend(manifest[list].as_array().unwrap().iter().cloned());
    }
    for shortcut in manifest["shortcuts"].as_array().unwrap() {
        images.extend(shortcut["icons"].as_array().unwrap().iter().cloned());
    }
    for image in images {
        let src = image["src"].as_str().unwrap();
        let bytes = std::fs::read(public.join(src.trim_start_matches('/'))).unwrap();
        if image["sizes"] != "any" {
            assert_eq!(image["sizes"].as_str().unwrap(), size(&bytes), "{src}");
        }
    }
}

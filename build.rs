//! Compiles the translations (`locales/<locale>.json`) into the typed `i18n` module that
//! `src/i18n.rs` includes: one key per string, so code naming a key no file has does not
//! compile, and a key or argument one language lacks fails the build here.

use leptos_i18n_parser::parse_locales::{
    options::{Config, ParseOptions},
    parse_locales,
};
use std::{error::Error, path::PathBuf};

/// Bulgarian first: a visitor whose browser names neither language gets it.
const DEFAULT_LOCALE: &str = "bg";
const OTHER_LOCALES: &[&str] = &["en"];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=locales");
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let mut cfg = Config::new(DEFAULT_LOCALE)?;
    for locale in OTHER_LOCALES {
        cfg = cfg.add_locale(locale)?;
    }
    // interpolations as plain strings too (emails, push, server errors), not only as views
    let cfg = cfg.parse_options(ParseOptions::default().interpolate_display(true));
    let parsed = parse_locales(Some(manifest_dir), cfg)?;
    for file in parsed.tracked_files.iter().flatten() {
        println!("cargo::rerun-if-changed={file}");
    }
    // The parser only warns about a key one locale lacks (the page would show the default
    // language's words) or has too many of: here each is an error.
    let mut problems: Vec<String> = parsed.diag.errors().iter().map(|e| e.to_string()).collect();
    problems.extend(parsed.diag.warnings().iter().map(|w| w.to_string()));
    if !problems.is_empty() {
        for problem in &problems {
            println!("cargo::error=translations: {problem}");
        }
        return Err(format!("{} problem(s) in locales/", problems.len()).into());
    }
    let code = leptos_i18n_codegen::gen_code(&parsed, None, false, None, false)?;
    let dir = PathBuf::from(std::env::var("OUT_DIR")?).join("i18n");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("mod.rs"), code.to_string())?;
    Ok(())
}

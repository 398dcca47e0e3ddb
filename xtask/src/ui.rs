//! The web UI in `ui/`: its npm dependencies, its production build into `ui/dist` (which the
//! desktop crate embeds) and its Vitest suite.

use std::{fs, path::Path, process::Command, time::SystemTime};

use anyhow::{Context, Result};

use crate::process;

/// Runs `npm ci` when `node_modules` is missing or older than `package-lock.json`.
///
/// npm records what it installed in `node_modules/.package-lock.json`; a lock file newer than
/// that record means someone changed the dependencies since the last install.
pub fn ensure_deps(root: &Path) -> Result<()> {
    ensure_npm_deps(&root.join("ui"), "UI")
}

/// [`ensure_deps`] for any directory with a committed `package-lock.json`.
pub fn ensure_npm_deps(dir: &Path, what: &str) -> Result<()> {
    let lock = modified(&dir.join("package-lock.json")).with_context(|| {
        format!("{}/package-lock.json is missing; it is committed, so check out the repo fully", dir.display())
    })?;
    match modified(&dir.join("node_modules/.package-lock.json")) {
        Some(installed) if installed >= lock => {
            eprintln!("{what} dependencies: up to date");
            Ok(())
        }
        _ => npm(dir, &["ci", "--no-audit", "--no-fund"]),
    }
}

/// `npm run build`: type-checks and bundles the UI into `ui/dist`.
pub fn build(root: &Path) -> Result<()> {
    npm(&root.join("ui"), &["run", "build"])
}

/// `npm test`: the Vitest suite, once.
pub fn test(root: &Path) -> Result<()> {
    npm(&root.join("ui"), &["test"])
}

fn npm(dir: &Path, args: &[&str]) -> Result<()> {
    if process::which("npm").is_none() {
        anyhow::bail!("npm is not on PATH; install Node.js 20.19 or newer with npm");
    }
    process::run(Command::new("npm").current_dir(dir).args(args))
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|meta| meta.modified()).ok()
}

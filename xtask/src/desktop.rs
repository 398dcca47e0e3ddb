//! Building and launching the desktop binary.

use std::{
    env,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{bail, Result};

use crate::process;

/// Which cargo profile to build the desktop binary with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Debug,
    Release,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

/// Builds the desktop binary and returns its path.
pub fn build(root: &Path, profile: Profile) -> Result<PathBuf> {
    let mut args = vec!["build", "--package", "vrooli-desktop"];
    if profile == Profile::Release {
        args.push("--release");
    }
    process::cargo(root, &args)?;
    Ok(target_dir(root).join(profile.name()).join("vrooli-desktop"))
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, else `target/`).
pub fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Fails early, in one line, when there is no display to open a window on.
pub fn require_display() -> Result<()> {
    let has = |name| env::var_os(name).is_some_and(|value| !value.is_empty());
    if !has("DISPLAY") && !has("WAYLAND_DISPLAY") {
        bail!(
            "no display (DISPLAY and WAYLAND_DISPLAY are unset); run it on a virtual one: xvfb-run -a cargo xtask run"
        );
    }
    Ok(())
}

/// Runs the app in the foreground until its window closes.
pub fn launch(binary: &Path) -> Result<()> {
    process::run(&mut Command::new(binary))
}

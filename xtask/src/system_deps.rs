//! The Debian packages the desktop app builds and is tested with.
//!
//! Checked with `dpkg -s`; as root the missing ones are installed with apt-get, otherwise the
//! exact `sudo apt-get install …` line is printed and the task fails.

use std::process::Command;

use anyhow::{bail, Result};

use crate::process;

/// Build: what tauri/wry link against. Test: the virtual display, D-Bus session and WebDriver
/// the desktop smoke test drives the app with.
const PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    "libssl-dev",
    "libxdo-dev",
    "xvfb",
    "xauth",
    "dbus-daemon",
    // The device token lives in the OS keyring: the keyring crate speaks to a
    // Secret Service over D-Bus (libdbus), and the sync tests run a private
    // gnome-keyring.
    "libdbus-1-dev",
    "gnome-keyring",
    // The sync server's PostgreSQL backend is tested against a private
    // cluster (initdb/pg_ctl from /usr/lib/postgresql/<version>/bin).
    "postgresql",
    "webkit2gtk-driver",
    // Reactions are emoji; a bare machine has no font for them, and the
    // window (and its screenshots) would show empty boxes.
    "fonts-noto-color-emoji",
];

pub fn ensure() -> Result<()> {
    let missing: Vec<&str> = PACKAGES.iter().copied().filter(|package| !installed(package)).collect();
    if missing.is_empty() {
        eprintln!("system packages: all {} present", PACKAGES.len());
        return Ok(());
    }
    let list = missing.join(" ");
    if !is_root() {
        bail!("missing system packages; install them with:\n  sudo apt-get install -y {list}");
    }
    eprintln!("system packages: installing {list}");
    process::run(Command::new("apt-get").arg("update"))?;
    process::run(
        Command::new("apt-get").env("DEBIAN_FRONTEND", "noninteractive").args(["install", "-y"]).args(&missing),
    )
}

/// `dpkg -s` also succeeds for a removed package whose config files remain, so read the status.
fn installed(package: &str) -> bool {
    process::output(Command::new("dpkg").args(["-s", package]))
        .is_some_and(|status| status.contains("Status: install ok installed"))
}

fn is_root() -> bool {
    process::output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

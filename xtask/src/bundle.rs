//! `cargo xtask bundle`: the `.deb`, built by the Tauri CLI (npm `@tauri-apps/cli`, pinned in
//! `ui/package.json`) from `tauri.conf.json`, with a release build of the app (`--debug`: a
//! debug build, which reuses most of the test build and takes a minute or two instead of five).
//!
//! `--check` then proves the package: its contents list holds the binary, the desktop file and
//! an icon in every size; it installs with `dpkg -i`; the installed binary starts under Xvfb on
//! a fresh data dir, loads its embedded UI and answers the UI's first command (seen in its
//! log); and it is removed again with `dpkg -r`. `cargo xtask test` runs it with `--debug`.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};

use crate::{desktop, process, smoke, smoke::ProcessGroup, system_deps, ui};

/// What the installed package must hold (paths as `dpkg-deb -c` lists them, without `./`).
const BINARY: &str = "usr/bin/vrooli-desktop";
const DESKTOP_FILE: &str = "usr/share/applications/Vrooli.desktop";
/// hicolor sizes from `tauri.conf.json`'s icon list; the Tauri CLI files `128x128@2x.png` as
/// `256x256@2`.
const ICON_SIZES: &[&str] =
    &["16x16", "24x24", "32x32", "48x48", "64x64", "128x128", "256x256", "256x256@2", "512x512"];
const STARTUP: Duration = Duration::from_secs(60);

pub fn run(root: &Path, check: bool, profile: desktop::Profile) -> Result<()> {
    system_deps::ensure()?;
    ui::ensure_deps(root)?;
    let started = Instant::now();
    let deb = build(root, profile)?;
    eprintln!("bundle: {} in {:.0}s", deb.display(), started.elapsed().as_secs_f64());
    if check {
        let started = Instant::now();
        check_contents(&deb)?;
        install_and_launch(&deb)?;
        eprintln!("bundle: checked in {:.0}s", started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// Builds the UI, then the `.deb`; returns the package's path.
fn build(root: &Path, profile: desktop::Profile) -> Result<PathBuf> {
    ui::build(root)?;
    let cli = root.join("ui/node_modules/.bin/tauri");
    ensure!(cli.is_file(), "{} is missing; `npm ci` in ui/ installs it", cli.display());
    let mut args = vec!["build", "--bundles", "deb", "--ci"];
    if profile == desktop::Profile::Debug {
        args.push("--debug");
    }
    process::run(Command::new(&cli).current_dir(root).args(&args))?;
    let dir = desktop::target_dir(root).join(profile.name()).join("bundle/deb");
    let newest = fs::read_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "deb"))
        .max_by_key(|path| fs::metadata(path).and_then(|m| m.modified()).ok());
    newest.with_context(|| format!("the Tauri CLI left no .deb in {}", dir.display()))
}

fn dpkg_deb(args: &[&str], deb: &Path) -> Result<String> {
    let mut command = Command::new("dpkg-deb");
    command.args(args).arg(deb);
    process::output(&mut command).with_context(|| format!("`{}` failed", process::describe(&command)))
}

fn check_contents(deb: &Path) -> Result<()> {
    let listing = dpkg_deb(&["--contents"], deb)?;
    let paths: Vec<&str> = listing
        .lines()
        .filter_map(|line| line.split_whitespace().last())
        .map(|path| path.trim_start_matches("./"))
        .collect();
    let has = |wanted: &str| paths.contains(&wanted);
    ensure!(has(BINARY), "the package holds no {BINARY}");
    ensure!(has(DESKTOP_FILE), "the package holds no {DESKTOP_FILE}");
    for size in ICON_SIZES {
        let icon = format!("usr/share/icons/hicolor/{size}/apps/vrooli-desktop.png");
        ensure!(has(&icon), "the package holds no {icon}");
    }
    eprintln!("bundle: contents hold {BINARY}, {DESKTOP_FILE} and icons {}", ICON_SIZES.join(", "));
    Ok(())
}

/// Installs the package, starts the installed app on a virtual display until it has answered
/// its first command, then removes the package again.
fn install_and_launch(deb: &Path) -> Result<()> {
    let mut field = Command::new("dpkg-deb");
    field.arg("--field").arg(deb).arg("Package");
    let package = process::output(&mut field).context("cannot read the package's name")?.trim().to_owned();
    process::run(Command::new("dpkg").arg("-i").arg(deb))?;
    let launched = launch_installed();
    let removed = process::run(Command::new("dpkg").args(["-r", &package]));
    launched?;
    removed
}

fn launch_installed() -> Result<()> {
    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let log_path = scratch.path().join("app.log");
    let mut command = smoke::under_xvfb(&scratch.path().join("Xauthority"), &log_path)?;
    command
        .arg("/usr/bin/vrooli-desktop")
        .env("VROOLI_DATA_DIR", scratch.path().join("data"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::null());
    let group = ProcessGroup::spawn(command)?;
    let started = Instant::now();
    loop {
        let log = fs::read_to_string(&log_path).unwrap_or_default();
        if let Some(line) = log.lines().find(|l| l.contains("first workspace command answered")) {
            eprintln!("bundle: the installed app answered its UI: {}", line.trim());
            break;
        }
        if log.contains("vrooli desktop stopped") || started.elapsed() > STARTUP {
            drop(group);
            bail!("the installed app did not answer its UI within {STARTUP:?}; its log:\n{log}");
        }
        thread::sleep(Duration::from_millis(200));
    }
    drop(group);
    Ok(())
}

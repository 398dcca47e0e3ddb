//! `cargo xtask`: the project's developer commands, in Rust so they run the same everywhere.
//!
//! Every external command is printed before it runs. `test` is what CI runs (`.ci/run`).

mod bundle;
mod codegen;
mod desktop;
mod desktop_bench;
mod e2e;
mod online;
mod process;
mod smoke;
mod system_deps;
mod ui;
mod webdriver;
mod x11_screenshot;

use std::{path::PathBuf, process::ExitCode, time::Instant};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Developer tasks for the Vrooli workspace")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Install what is missing, build the UI and the desktop app, and open it on the default
    /// data dir (`VROOLI_DATA_DIR` overrides it).
    Run,
    /// Everything CI checks: fmt, clippy, Rust tests, UI tests, the desktop tests in a real
    /// window and the `.deb` (debug build) installed and launched.
    Test,
    /// Only the desktop tests of `test`: the scenarios in the real window, screenshots and
    /// speed figures (builds the UI and the app first).
    Smoke {
        /// Test a release build (for speed figures as users would see them).
        #[arg(long)]
        release: bool,
    },
    /// Build the `.deb` with the Tauri CLI (release build); with `--check`, also check its
    /// contents, install it with `dpkg -i`, start the installed app under Xvfb and remove it.
    Bundle {
        #[arg(long)]
        check: bool,
        /// Package a debug build (what `cargo xtask test` checks; much quicker to build).
        #[arg(long)]
        debug: bool,
    },
    /// `cargo bench --workspace`, passing extra arguments through (after `npm ci` in
    /// `bench/automerge-repo`, the sync bench's automerge-repo peer), then the desktop's figures
    /// on a large data dir (`bench-desktop`; `VROOLI_BENCH_DESKTOP=0` skips them).
    Bench {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The desktop's startup, paint, chat-opening and memory figures: the release app in a real
    /// window on a data dir of a million messages, beside an empty one.
    BenchDesktop,
    /// Regenerate code from `spec/`; with `--check`, fail if the committed output is stale.
    Codegen {
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Run => run(),
        Task::Test => test(),
        Task::Smoke { release } => smoke(release),
        Task::Bundle { check, debug } => repo_root().and_then(|root| {
            bundle::run(&root, check, if debug { desktop::Profile::Debug } else { desktop::Profile::Release })
        }),
        Task::Bench { args } => bench(&args),
        Task::BenchDesktop => repo_root().and_then(|root| desktop_bench::run(&root)),
        Task::Codegen { check } => codegen::run(check),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root: the parent of this crate's directory.
///
/// `cargo run` (which `cargo xtask` is) sets `CARGO_MANIFEST_DIR` for the running binary too;
/// that one wins over the compile-time value, because two checkouts sharing one
/// `CARGO_TARGET_DIR` share one xtask binary, which would otherwise work on whichever checkout
/// built it last.
fn repo_root() -> Result<PathBuf> {
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.parent().map(PathBuf::from).context("xtask/ has no parent directory")
}

fn run() -> Result<()> {
    desktop::require_display()?;
    let root = repo_root()?;
    system_deps::ensure()?;
    ui::ensure_deps(&root)?;
    ui::build(&root)?;
    let binary = desktop::build(&root, desktop::Profile::Debug)?;
    desktop::launch(&binary)
}

/// Steps run in order; the first failure stops the run and is named in the error.
fn test() -> Result<()> {
    let root = repo_root()?;
    let mut steps = Steps::default();
    steps.run("system packages", system_deps::ensure)?;
    steps.run("UI dependencies", || ui::ensure_deps(&root))?;
    // The desktop crate embeds ui/dist at compile time, so the UI is built before any cargo step.
    steps.run("UI build", || ui::build(&root))?;
    steps.run("cargo fmt", || process::cargo(&root, &["fmt", "--all", "--", "--check"]))?;
    steps.run("cargo clippy", || {
        process::cargo(&root, &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])
    })?;
    steps.run("cargo test", || process::cargo(&root, &["test", "--workspace"]))?;
    steps.run("UI tests (vitest)", || ui::test(&root))?;
    steps.run("desktop tests (e2e)", || smoke::run(&root, desktop::Profile::Debug))?;
    steps.run("desktop bundle (.deb: contents, dpkg -i, launch, dpkg -r)", || {
        bundle::run(&root, true, desktop::Profile::Debug)
    })?;
    steps.summary();
    Ok(())
}

fn smoke(release: bool) -> Result<()> {
    let root = repo_root()?;
    system_deps::ensure()?;
    ui::ensure_deps(&root)?;
    ui::build(&root)?;
    smoke::run(&root, if release { desktop::Profile::Release } else { desktop::Profile::Debug })
}

fn bench(args: &[String]) -> Result<()> {
    let root = repo_root()?;
    // The sync bench runs the same pull through automerge-repo on Node: its packages, as locked.
    if process::which("npm").is_some() {
        ui::ensure_npm_deps(&root.join("bench/automerge-repo"), "automerge-repo bench")?;
    } else {
        eprintln!("npm is not on PATH: the sync bench will skip its automerge-repo comparison");
    }
    let mut cargo_args = vec!["bench", "--workspace"];
    cargo_args.extend(args.iter().map(String::as_str));
    process::cargo(&root, &cargo_args)?;
    if std::env::var("VROOLI_BENCH_DESKTOP").is_ok_and(|v| v == "0") {
        return Ok(());
    }
    desktop_bench::run(&root)
}

/// Times each step and prints a summary, so a slow step is visible in CI logs.
#[derive(Default)]
struct Steps {
    done: Vec<(&'static str, f64)>,
}

impl Steps {
    fn run(&mut self, name: &'static str, step: impl FnOnce() -> Result<()>) -> Result<()> {
        eprintln!("\n==> {name}");
        let start = Instant::now();
        let result = step();
        let seconds = start.elapsed().as_secs_f64();
        match result {
            Ok(()) => {
                eprintln!("<== {name}: ok in {seconds:.1}s");
                self.done.push((name, seconds));
                Ok(())
            }
            Err(error) => {
                self.summary();
                Err(error.context(format!("step `{name}` failed after {seconds:.1}s")))
            }
        }
    }

    fn summary(&self) {
        eprintln!("\nstep durations:");
        for (name, seconds) in &self.done {
            eprintln!("  {seconds:>7.1}s  {name}");
        }
    }
}

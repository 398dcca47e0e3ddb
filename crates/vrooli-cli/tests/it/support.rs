//! Running the `vrooli` binary on temporary data dirs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

/// The `vrooli` command on `dir`, with the environment's data dir removed.
pub fn command(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vrooli"));
    command.arg("--data-dir").arg(dir).env_remove("VROOLI_DATA_DIR").env_remove("RUST_LOG");
    command
}

pub fn vrooli(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().unwrap()
}

pub fn json(output: &Output) -> Json {
    assert!(output.status.success(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

pub fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The one stderr line of a failed command (exit `code`), without the `vrooli: ` prefix.
pub fn error_line(output: &Output, code: i32) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}, stderr: {stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr.trim_end().strip_prefix("vrooli: ").unwrap_or_else(|| panic!("no prefix: {stderr}")).to_string()
}

/// One device: a data dir the binary runs on.
pub struct Device {
    dir: tempfile::TempDir,
}

impl Device {
    pub fn new() -> Device {
        Device { dir: tempfile::tempdir().unwrap() }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs a verb that must succeed, returning its `--json` output.
    pub fn run(&self, args: &[&str]) -> Json {
        let mut all = args.to_vec();
        all.push("--json");
        json(&vrooli(self.path(), &all))
    }

    /// Runs a verb as given (no `--json` added).
    pub fn raw(&self, args: &[&str]) -> Output {
        vrooli(self.path(), args)
    }

    /// Runs a verb that must succeed and returns the `id` it printed.
    pub fn id(&self, args: &[&str]) -> String {
        self.run(args)["id"].as_str().unwrap().to_string()
    }

    pub fn export(&self) -> String {
        stdout(&self.raw(&["export", "--json"]))
    }

    /// Writes a bundle of everything into `into` and returns its path.
    pub fn bundle(&self, into: &Path, name: &str) -> PathBuf {
        let path = into.join(name);
        self.run(&["bundle", "export", "--out", path.to_str().unwrap()]);
        path
    }

    /// Imports a bundle and returns (documents offered, changed).
    pub fn import(&self, bundle: &Path) -> (u64, u64) {
        let report = self.run(&["bundle", "import", bundle.to_str().unwrap()]);
        (report["documents"].as_u64().unwrap(), report["changed"].as_u64().unwrap())
    }

    pub fn assert_healthy(&self) {
        let report = self.run(&["doctor"]);
        assert_eq!(report["healthy"], true, "{report}");
    }
}

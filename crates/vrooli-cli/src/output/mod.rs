//! What the CLI prints: transport types at the edge, built explicitly from
//! domain values and shown as JSON (`--json`) or text. Ids are strings in
//! JSON, so 64-bit values survive JavaScript readers.

pub mod account;
pub mod chat;
pub mod docs;
pub mod resource;
pub mod run;
pub mod store;
pub mod team;

use std::fmt::Display;
use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;
use vrooli_core::CoreError;
use vrooli_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error(transparent)]
    Client(#[from] vrooli_client::ClientError),
    #[error("reading the password from stdin failed: {0}")]
    Stdin(std::io::Error),
    #[error("{action} {path}: {source}")]
    File { action: &'static str, path: PathBuf, source: std::io::Error },
    /// `doctor` found rows that differ from a fresh projection (listed on stdout).
    #[error("doctor found {0} table(s) whose rows differ from their documents")]
    Unhealthy(usize),
    #[error("writing output failed: {0}")]
    Output(#[from] serde_json::Error),
    #[error("writing to stdout failed: {0}")]
    Stdout(std::io::Error),
}

impl CliError {
    /// The error on one line, whatever it wraps.
    pub fn one_line(&self) -> String {
        self.to_string().replace(['\n', '\r'], " ")
    }
}

/// Prints `value` as pretty JSON or as its text form.
pub fn print<T: Serialize + Display>(json: bool, value: &T) -> Result<(), CliError> {
    if json {
        let mut text = serde_json::to_string_pretty(value)?;
        text.push('\n');
        print_str(&text)
    } else {
        print_str(&value.to_string())
    }
}

/// Writes `text` to stdout. A reader that went away (`vrooli … | head`) is
/// not an error: the command did its work, and nobody wants the rest.
pub fn print_str(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Stdout(e)),
        _ => Ok(()),
    }
}

/// Text shown on one line: newlines become `⏎`, long text is cut.
pub fn one_line(text: &str, max_chars: usize) -> String {
    let flat = text.replace('\n', "⏎");
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let mut cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

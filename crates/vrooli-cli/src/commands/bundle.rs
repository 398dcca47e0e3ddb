//! `vrooli bundle export|import`: documents exchanged by file.
//!
//! A bundle is written to a temporary file in the target's directory,
//! flushed to disk and renamed over the target, so a reader (or a crash)
//! sees the old file or the whole new one, never a part.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use vrooli_core::DocId;

use super::Context;
use crate::output::docs::{BundleExported, BundleImported};
use crate::output::{self, CliError};

#[derive(Subcommand)]
pub enum BundleCommand {
    /// Write every document (or one) to FILE.
    Export {
        /// Where to write it (replaced whole if it exists).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Only this document (e.g. chat:123).
        #[arg(long, value_name = "DOC_ID", value_parser = super::doc_id)]
        doc: Option<DocId>,
    },
    /// Merge the documents of FILE; importing the same file again changes nothing.
    Import {
        /// A file written by `bundle export`.
        file: PathBuf,
    },
}

pub fn run(ctx: &Context, command: &BundleCommand) -> Result<(), CliError> {
    match command {
        BundleCommand::Export { out, doc } => {
            let bytes = ctx.workspace()?.export_bundle(*doc)?;
            write_atomically(out, &bytes)?;
            let report = BundleExported {
                path: out.display().to_string(),
                bytes: bytes.len(),
                only: doc.map(|d| d.to_string()),
            };
            output::print(ctx.json, &report)
        }
        BundleCommand::Import { file } => {
            let bytes = std::fs::read(file).map_err(|source| file_error("reading", file, source))?;
            let report = ctx.workspace()?.import_bundle(&bytes)?;
            output::print(ctx.json, &BundleImported::new(file.display().to_string(), report))
        }
    }
}

fn file_error(action: &'static str, path: &Path, source: std::io::Error) -> CliError {
    CliError::File { action, path: path.to_path_buf(), source }
}

/// Replaces `path` with `bytes` all at once: temp file, fsync, rename, fsync of the directory.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let writing = |source| file_error("writing", path, source);
    let mut temp = tempfile::Builder::new().prefix(".vrooli-bundle-").tempfile_in(dir).map_err(writing)?;
    temp.write_all(bytes).map_err(writing)?;
    temp.as_file().sync_all().map_err(writing)?;
    temp.persist(path).map_err(|e| writing(e.error))?;
    // The rename is durable once the directory entry is; not every platform
    // can open a directory for that, and the file itself is already whole.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

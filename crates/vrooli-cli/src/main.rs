//! `vrooli`: scripting and tests over the same store the desktop app uses.
//!
//! Exit codes: 0 ok, 1 the command failed (one line on stderr), 2 bad usage.

mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "vrooli", version, about = "The Vrooli workspace from the command line")]
struct Cli {
    /// Data directory holding vrooli.db (default: the desktop app's per-user data dir).
    #[arg(long, global = true, env = "VROOLI_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,

    /// Log more to stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or migrate DIR/vrooli.db and print its path; running it again keeps all data.
    Init,
    /// Rows per table.
    Stats,
    /// Full-text search over messages and names of chats, resources, teams and comments.
    Search {
        /// Words to find; the last one also matches as a prefix.
        query: String,
        /// At most this many hits.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let result = match &cli.command {
        Command::Init => commands::init(cli.data_dir.clone(), cli.json),
        Command::Stats => commands::stats(cli.data_dir.clone(), cli.json),
        Command::Search { query, limit } => commands::search(cli.data_dir.clone(), query, *limit, cli.json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("vrooli: {}", error.one_line());
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}

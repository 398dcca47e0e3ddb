//! `vrooli`: scripting and tests over the same store the desktop app uses.
//!
//! Exit codes: 0 ok, 1 the command failed (one line on stderr), 2 bad usage.
//! Each area's verbs live in `commands/<area>.rs` (arguments and the call into
//! `vrooli-core` or the store) and `output/<area>.rs` (what is printed).

mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vrooli_core::DocId;

use commands::Context;

#[derive(Parser)]
#[command(name = "vrooli", version, about = "The Vrooli workspace from the command line")]
struct Cli {
    /// Data directory holding vrooli.db (default: the desktop app's per-user data dir).
    #[arg(long, global = true, env = "VROOLI_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Machine-readable JSON on stdout (ids as strings).
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
    /// Chats and their messages.
    #[command(subcommand)]
    Chat(commands::chat::ChatCommand),
    /// Resources and their versions.
    #[command(subcommand)]
    Resource(commands::resource::ResourceCommand),
    /// Runs, their steps, inputs/outputs and status.
    #[command(subcommand)]
    Run(commands::run::RunCommand),
    /// Every chat, resource and run row as canonical JSON (byte-identical on converged devices).
    Export,
    /// The changes of one document (ids like chat:ID, messages:CHAT:BUCKET, resource:ID, run:ID;
    /// `chat show`, `resource show` and `run show` print them).
    History {
        /// The document, e.g. chat:123.
        #[arg(value_parser = commands::doc_id)]
        doc: DocId,
    },
    /// One document as JSON, now or as it was at some heads.
    Show {
        /// The document, e.g. chat:123.
        #[arg(value_parser = commands::doc_id)]
        doc: DocId,
        /// Comma-separated change hashes (from `vrooli history`): show the document as it was then.
        #[arg(long, value_name = "HEADS")]
        at: Option<String>,
    },
    /// Offline exchange of documents by file.
    #[command(subcommand)]
    Bundle(commands::bundle::BundleCommand),
    /// Re-project every document and compare with the stored rows; exit 1 on any difference.
    Doctor,
    /// This device's account on a sync server.
    #[command(subcommand)]
    Account(commands::account::AccountCommand),
    /// Exchange every document with the sync server once (exit 0 when everything is exchanged),
    /// or with --watch stay connected and apply the server's pushes until interrupted.
    Sync(commands::account::SyncArgs),
    /// Teams on the sync server: create, invite, accept or decline, remove members.
    #[command(subcommand)]
    Team(commands::team::TeamCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let ctx = Context { data_dir: cli.data_dir, json: cli.json };
    let result = match &cli.command {
        Command::Init => commands::store::init(&ctx),
        Command::Stats => commands::store::stats(&ctx),
        Command::Search { query, limit } => commands::store::search(&ctx, query, *limit),
        Command::Chat(command) => commands::chat::run(&ctx, command),
        Command::Resource(command) => commands::resource::run(&ctx, command),
        Command::Run(command) => commands::run::run(&ctx, command),
        Command::Export => commands::docs::export(&ctx),
        Command::History { doc } => commands::docs::history(&ctx, doc),
        Command::Show { doc, at } => commands::docs::show(&ctx, doc, at.as_deref()),
        Command::Bundle(command) => commands::bundle::run(&ctx, command),
        Command::Doctor => commands::docs::doctor(&ctx),
        Command::Account(command) => commands::account::run(&ctx, command),
        Command::Sync(args) => commands::account::sync(&ctx, args),
        Command::Team(command) => commands::team::run(&ctx, command),
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

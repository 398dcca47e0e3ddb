//! `vrooli-server --listen 127.0.0.1:8787 --data-dir DIR`: serves the sync
//! API until SIGTERM or Ctrl-C, then finishes the requests in flight.
//! `--database-url postgres://…` keeps the data in PostgreSQL instead, which
//! several servers may share.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use vrooli_server::Storage;

/// mimalloc, not glibc's malloc: freeing an argon2 hash's 19 MiB block raises glibc's mmap
/// threshold to that size, after which every arena kept up to ~57 MB of freed memory. In the sync
/// bench's 200-device run the server held ~35 MB live and 414 MB resident with glibc; 68 MB with
/// mimalloc, at the same CPU and delivery times.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "vrooli-server", version, about = "The Vrooli sync server")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: String,
    /// Directory of the embedded database (server.db), when no --database-url is given.
    #[arg(long, env = "VROOLI_SERVER_DATA_DIR", default_value = "vrooli-server-data")]
    data_dir: PathBuf,
    /// A PostgreSQL database (postgres://user@host:port/db) to use instead of
    /// the embedded one; several servers may share it.
    #[arg(long, env = "VROOLI_SERVER_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: logs written to files stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).init();
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vrooli-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let storage = match args.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Storage::Postgres(url),
        Some(_) => {
            eprintln!("vrooli-server: --database-url must start with postgres:// or postgresql://");
            return ExitCode::from(2);
        }
        None => Storage::Sqlite(args.data_dir),
    };
    match runtime.block_on(vrooli_server::serve(&args.listen, storage)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrooli-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

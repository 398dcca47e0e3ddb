//! `vrooli-server --listen 127.0.0.1:8787 --data-dir DIR`: serves the sync
//! API until SIGTERM or Ctrl-C, then finishes the requests in flight.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(name = "vrooli-server", version, about = "The Vrooli sync server")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: String,
    /// Directory of the embedded database (server.db).
    #[arg(long, env = "VROOLI_SERVER_DATA_DIR", default_value = "vrooli-server-data")]
    data_dir: PathBuf,
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vrooli-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(vrooli_server::serve(&args.listen, &args.data_dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrooli-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

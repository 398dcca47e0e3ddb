//! `vrooli account …` and `vrooli sync`: the device's account on a sync
//! server. The device token lives in the OS keyring (or `VROOLI_TOKEN`),
//! never in a file; what is kept in the data dir is the server, the email
//! and the ids, which are not secrets.

use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Subcommand;
use vrooli_client::account::{self as device_account, device_name};
use vrooli_client::sync::{sync_once, Progress};
use vrooli_client::{spawn_sync, Api, ClientError, SyncConfig, SyncStatus};
use vrooli_core::Workspace;
use vrooli_protocol::wire::Credentials;

use super::Context;
use crate::output::account::{AccountStatus, DeviceList, StatusShown, SyncDone};
use crate::output::{self, CliError};

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Create an account on a server and sign this device in.
    Register(SignIn),
    /// Sign this device in to an existing account.
    Login(SignIn),
    /// Sign this device out (the server revokes its token); local data stays.
    Logout,
    /// Server, email, device, last sync and pending changes (documents the server has not
    /// acknowledged yet).
    Status,
    /// The account's signed-in devices.
    Devices,
    /// Sign another device out.
    Revoke {
        /// A device id from `vrooli account devices`.
        device: String,
    },
}

#[derive(clap::Args)]
pub struct SignIn {
    /// The server, e.g. http://127.0.0.1:8787.
    #[arg(long)]
    server: String,
    #[arg(long)]
    email: String,
    /// Read the password from the first line of stdin (so it stays out of the shell history).
    #[arg(long, required = true)]
    password_stdin: bool,
    /// A name for this device in the list of devices (default: the host name).
    #[arg(long)]
    device_name: Option<String>,
}

/// Two workers: a sync keeps its next request going while it merges the last answer.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Client(ClientError::Unreachable { server: "-".into(), reason: e.to_string() }))
}

fn read_password() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(CliError::Stdin)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// The signed-in account: server, email, user id and token.
pub use vrooli_client::account::SignedIn as Signed;

pub fn signed_in(ws: &Workspace) -> Result<Signed, CliError> {
    Ok(device_account::signed_in(ws)?)
}

pub fn run(ctx: &Context, command: &AccountCommand) -> Result<(), CliError> {
    let rt = runtime()?;
    let mut ws = ctx.workspace()?;
    match command {
        AccountCommand::Register(args) | AccountCommand::Login(args) => {
            let api = Api::new(&args.server)?;
            // Fail before the server opens a session this device could not keep.
            device_account::check_keyring(&ws, &api, &args.email)?;
            let credentials = Credentials {
                email: args.email.clone(),
                password: read_password()?,
                device_name: device_name(args.device_name.as_deref()),
            };
            let session = rt.block_on(async {
                if matches!(command, AccountCommand::Register(_)) {
                    api.register(&credentials).await
                } else {
                    api.login(&credentials).await
                }
            })?;
            device_account::remember(&mut ws, &api, &session)?;
            output::print(ctx.json, &AccountStatus::of(&ws, true)?)
        }
        AccountCommand::Logout => {
            let signed = signed_in(&ws)?;
            if let Err(e) = rt.block_on(signed.api.logout(&signed.token)) {
                // Signed out here all the same; the token stays valid on the server until revoked.
                tracing::warn!(error = %e, "the server could not be told");
            }
            device_account::forget(&mut ws, &signed)?;
            output::print(ctx.json, &AccountStatus::of(&ws, false)?)
        }
        AccountCommand::Status => {
            let signed = signed_in(&ws).is_ok();
            output::print(ctx.json, &AccountStatus::of(&ws, signed)?)
        }
        AccountCommand::Devices => {
            let signed = signed_in(&ws)?;
            let devices = rt.block_on(signed.api.devices(&signed.token))?;
            output::print(ctx.json, &DeviceList(devices))
        }
        AccountCommand::Revoke { device } => {
            let signed = signed_in(&ws)?;
            rt.block_on(signed.api.revoke(&signed.token, device))?;
            let devices = rt.block_on(signed.api.devices(&signed.token))?;
            output::print(ctx.json, &DeviceList(devices))
        }
    }
}

#[derive(clap::Args)]
pub struct SyncArgs {
    /// Stay connected: sync after local changes (by any process on this data dir), when the
    /// server pushes a change, and periodically; print one status line per change (JSON lines
    /// with --json) until interrupted (Ctrl-C: exit 0).
    #[arg(long)]
    watch: bool,
}

/// `vrooli sync`: once, with a progress bar on a terminal; or `--watch`.
pub fn sync(ctx: &Context, args: &SyncArgs) -> Result<(), CliError> {
    if args.watch {
        return watch(ctx);
    }
    let rt = runtime()?;
    let ws = ctx.workspace()?;
    let signed = signed_in(&ws)?;
    let ws = Mutex::new(ws);
    let bar = (!ctx.json && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} syncing {pos}/{len} documents {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let report = rt.block_on(sync_once(&ws, &signed.api, &signed.token, &signed.user, |p: Progress| {
        if let Some(bar) = &bar {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
            bar.set_message(format!("(round {}, {} B up, {} B down)", p.round, p.bytes_sent, p.bytes_received));
        }
    }));
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    output::print(ctx.json, &SyncDone::from(report?))
}

/// `vrooli sync --watch`: the background sync task, its status printed.
fn watch(ctx: &Context) -> Result<(), CliError> {
    let rt = runtime()?;
    let ws = ctx.workspace()?;
    let signed = signed_in(&ws)?;
    let ws = Arc::new(Mutex::new(ws));
    rt.block_on(async {
        // Other `vrooli` processes write to this data dir without telling us: look every second.
        let config = SyncConfig { other_writers_every: Some(Duration::from_secs(1)), ..SyncConfig::default() };
        let handle = spawn_sync(ws, signed.account(), config);
        let mut status = handle.status();
        let mut shown = StatusShown::default();
        let first = status.borrow_and_update().clone();
        shown.show(ctx.json, &first)?;
        let interrupted = interrupted();
        tokio::pin!(interrupted);
        loop {
            tokio::select! {
                () = &mut interrupted => break,
                changed = status.changed() => {
                    let current = status.borrow_and_update().clone();
                    shown.show(ctx.json, &current)?;
                    if changed.is_err() {
                        // The task ends by itself only when the server signed this device out.
                        return Err(match current {
                            SyncStatus::Error { code, message } => {
                                ClientError::Server { status: 401, code, message, field: None }
                            }
                            _ => ClientError::SignedOut,
                        }
                        .into());
                    }
                }
            }
        }
        // A session in flight is left to finish briefly; every step it takes is atomic anyway.
        if tokio::time::timeout(Duration::from_secs(5), handle.stop()).await.is_err() {
            tracing::info!("stopped without waiting for the session in flight");
        }
        Ok(())
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn interrupted() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

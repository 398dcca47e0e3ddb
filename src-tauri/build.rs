//! Build script of the desktop shell.
//!
//! `tauri-build` reads `tauri.conf.json` and `capabilities/`, writes the ACL schemas to `gen/`,
//! and, through the app manifest below, turns each app command into an `allow-…`/`deny-…`
//! permission so a capability must grant it by name: no command is reachable by default.
use std::{error::Error, fs, path::Path};

/// Every `#[tauri::command]` registered in `src-tauri/bindings.rs`; a command missing here is
/// denied at run time, which the desktop smoke test (`cargo xtask test`) would catch.
const APP_COMMANDS: &[&str] = &[
    "row_counts",
    "list_chats",
    "get_chat",
    "create_chat",
    "post_message",
    "edit_message",
    "delete_message",
    "react",
    "mark_chat_read",
    "list_resources",
    "get_resource",
    "create_resource",
    "add_version",
    "set_version_name",
    "set_version_notes",
    "tag_resource",
    "list_runs",
    "get_run",
    "create_run",
    "set_run_status",
    "add_run_step",
    "add_run_io",
    "search",
    "document_history",
    "document_at",
    "get_settings",
    "set_theme",
    "get_account",
    "sign_in",
    "sign_out",
    "list_devices",
    "revoke_device",
    "get_sync_status",
    "sync_now",
    "list_teams",
    "create_team",
    "invite_member",
    "answer_invite",
    "remove_member",
];

/// Embedded in place of the real UI when `ui/dist` has not been built yet.
const PLACEHOLDER_PAGE: &str = "<!doctype html><meta charset=\"utf-8\"><title>Vrooli</title>\
<p>The UI has not been built. Run <code>cargo xtask run</code>.</p>\n";

fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    ensure_frontend_dist(Path::new("ui/dist"))?;
    let manifest = tauri_build::AppManifest::new().commands(APP_COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))?;
    Ok(())
}

/// `tauri::generate_context!` refuses to compile when `frontendDist` is missing, which would
/// break `cargo check`/`cargo test` of the whole workspace on a fresh clone. Embedding a
/// placeholder page instead keeps the Rust workspace buildable on its own; the xtask always
/// builds the real UI first, and the smoke test fails if the placeholder is what ships.
fn ensure_frontend_dist(dist: &Path) -> std::io::Result<()> {
    println!("cargo:rerun-if-changed={}", dist.display());
    if dist.join("index.html").exists() {
        return Ok(());
    }
    println!("cargo:warning=ui/dist is missing; embedding a placeholder page (cargo xtask run builds the UI)");
    fs::create_dir_all(dist)?;
    fs::write(dist.join("index.html"), PLACEHOLDER_PAGE)
}

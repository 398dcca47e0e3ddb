//! The command registry and the TypeScript bindings generated from it.
//!
//! `ui/src/api/bindings.ts` is generated from [`builder`] and committed; the test below fails
//! when it drifts. Regenerate it with `VROOLI_UPDATE_BINDINGS=1 cargo test -p vrooli-desktop
//! bindings`.

use tauri_specta::{collect_commands, collect_events, Builder};

use crate::{commands, events};

/// Every command the UI may call and every event it hears. Adding a command here also needs it
/// in `APP_COMMANDS` of `src-tauri/build.rs` and in a capability under `capabilities/`.
pub fn builder() -> Builder<tauri::Wry> {
    use commands::{account, chat, docs, resource, run, search, settings, store, teams};
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            store::row_counts,
            chat::list_chats,
            chat::get_chat,
            chat::create_chat,
            chat::post_message,
            chat::edit_message,
            chat::delete_message,
            chat::react,
            chat::mark_chat_read,
            resource::list_resources,
            resource::get_resource,
            resource::create_resource,
            resource::add_version,
            resource::set_version_name,
            resource::set_version_notes,
            resource::tag_resource,
            run::list_runs,
            run::get_run,
            run::create_run,
            run::set_run_status,
            run::add_run_step,
            run::add_run_io,
            search::search,
            docs::document_history,
            docs::document_at,
            settings::get_settings,
            settings::set_theme,
            account::get_account,
            account::sign_in,
            account::sign_out,
            account::list_devices,
            account::revoke_device,
            account::get_sync_status,
            account::sync_now,
            teams::list_teams,
            teams::create_team,
            teams::invite_member,
            teams::answer_invite,
            teams::remove_member,
        ])
        .events(collect_events![events::DocumentsChanged, events::SyncStatusChanged])
        // Commands only serialise their output, so one type per Rust type is enough; with
        // phases on, `CommandError` would also get a `_Deserialize` twin the UI never sees.
        .disable_serde_phases()
}

#[cfg(test)]
mod tests {
    use std::{env, fs, path::PathBuf};

    use specta_typescript::Typescript;

    use super::builder;

    /// Where the bindings live, relative to the repository root.
    const BINDINGS_PATH: &str = "ui/src/api/bindings.ts";

    fn export_typescript(path: &std::path::Path) {
        builder().export(Typescript::default(), path).unwrap();
    }

    /// Every registered command is also in the build script's app manifest (`APP_COMMANDS`),
    /// or the ACL would deny it at run time.
    #[test]
    fn every_command_has_a_permission() {
        let manifest = include_str!("build.rs");
        let bindings = fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH)).unwrap();
        for line in bindings.lines() {
            if let Some(start) = line.find("__TAURI_INVOKE(\"") {
                let rest = &line[start + "__TAURI_INVOKE(\"".len()..];
                let name = &rest[..rest.find('"').unwrap()];
                assert!(manifest.contains(&format!("\"{name}\"")), "{name} is missing from APP_COMMANDS in build.rs");
            }
        }
    }

    #[test]
    fn committed_bindings_match_the_commands() {
        let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
        if env::var_os("VROOLI_UPDATE_BINDINGS").is_some() {
            export_typescript(&committed);
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("bindings.ts");
        export_typescript(&fresh);

        let expected = fs::read_to_string(&fresh).unwrap();
        let actual = fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            expected == actual,
            "{BINDINGS_PATH} is out of date with the Tauri commands; regenerate it with \
             `VROOLI_UPDATE_BINDINGS=1 cargo test -p vrooli-desktop bindings` and commit it"
        );
    }
}

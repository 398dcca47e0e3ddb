//! The command registry and the TypeScript bindings generated from it.
//!
//! `ui/src/api/bindings.ts` is generated from [`builder`] and committed; the test below fails
//! when it drifts. Regenerate it with `VROOLI_UPDATE_BINDINGS=1 cargo test -p vrooli-desktop
//! bindings`.

use tauri_specta::{collect_commands, Builder};

use crate::commands;

/// Every command the UI may call. Adding one here also needs it in `APP_COMMANDS` of
/// `src-tauri/build.rs` and in a capability under `capabilities/`.
pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![commands::store::row_counts])
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

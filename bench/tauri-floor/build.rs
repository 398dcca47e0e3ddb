//! Build script of the bench's empty Tauri app: `tauri-build` reads its `tauri.conf.json`.
fn main() {
    tauri_build::build();
}

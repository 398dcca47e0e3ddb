//! How WebKitGTK draws the window, chosen before GTK starts.
//!
//! WebKitGTK composites pages with OpenGL. Without a GPU that GL is Mesa's software rasteriser
//! (llvmpipe), and compositing then costs more than it saves. Measured here under Xvfb with the
//! desktop bench (`cargo xtask bench-desktop`, 1M messages): the web process's resident memory
//! 251 MB → 178 MB, opening a 50,000-message chat to its first painted rows 156 ms → 106 ms,
//! first contentful paint 90 ms → 59 ms. So when the machine has no GPU render node, the app
//! draws without compositing. A value the user set for `WEBKIT_DISABLE_COMPOSITING_MODE` wins.

use std::path::Path;

/// The variable WebKitGTK reads; any value turns compositing off.
const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Where Linux lists GPU render nodes (`renderD128`, …).
const DRI_DIR: &str = "/dev/dri";

/// Whether to turn compositing off: only when the user has not decided and there is no GPU.
pub fn compositing_off(user_choice: Option<&str>, has_render_node: bool) -> bool {
    user_choice.is_none() && !has_render_node
}

/// Whether `dir` holds a GPU render node.
fn has_render_node(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .is_ok_and(|entries| entries.flatten().any(|entry| entry.file_name().to_string_lossy().starts_with("renderD")))
}

/// Applies the choice to this process, whose children (WebKit's processes) inherit it.
/// Returns whether compositing was turned off, for the log.
///
/// Must run first in `main`, before any other thread exists: the environment is process-wide
/// and not synchronised.
pub fn choose() -> bool {
    if !cfg!(target_os = "linux") {
        return false;
    }
    let user_choice = std::env::var(DISABLE_COMPOSITING).ok();
    let off = compositing_off(user_choice.as_deref(), has_render_node(Path::new(DRI_DIR)));
    if off {
        std::env::set_var(DISABLE_COMPOSITING, "1");
    }
    off
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compositing_stays_on_with_a_gpu_and_follows_the_user_when_set() {
        assert!(compositing_off(None, false));
        assert!(!compositing_off(None, true));
        assert!(!compositing_off(Some("0"), false));
        assert!(!compositing_off(Some("1"), true));
    }

    #[test]
    fn a_render_node_is_found_by_its_name() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        assert!(!has_render_node(dir.path()));
        assert!(!has_render_node(&dir.path().join("missing")));
        std::fs::write(dir.path().join("card0"), b"")?;
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("renderD128"), b"")?;
        assert!(has_render_node(dir.path()));
        Ok(())
    }
}

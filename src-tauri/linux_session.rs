//! What the app does about the Linux desktop session before GTK starts: how WebKit should draw
//! on this machine, and starting the desktop portal early.
//!
//! Both are about startup time and memory on machines without a GPU, measured in
//! `cargo xtask bench-desktop` (figures in ARCHITECTURE.md, "Desktop startup").

use std::{fs, path::Path};

/// What [`choose_renderer`] decided, to log once tracing is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    /// A GPU render node opens: WebKit's default (GPU compositing) stays.
    Gpu,
    /// No GPU: WebKit draws on the CPU without compositing.
    Cpu,
    /// The user set WebKit's variable: theirs stands.
    AsConfigured,
}

/// Decides how WebKit draws, before WebKit reads its environment.
///
/// Without a GPU, OpenGL here is Mesa's llvmpipe, which draws on the CPU anyway: WebKit's
/// GPU compositing then only adds OpenGL work and memory to its web process (~70 MB more
/// resident there, measured under Xvfb). So when no render node under `/dev/dri` opens, WebKit
/// is told not to composite, with its documented switch `WEBKIT_DISABLE_COMPOSITING_MODE`; a
/// value the user set wins. (Also telling GDK not to probe GLX, `GDK_GL=disable`, saved no
/// time in the median and made one start in three wait ~500 ms for the page: not done.)
///
/// Must run before any other thread exists: it sets an environment variable.
pub fn choose_renderer() -> Renderer {
    const WEBKIT: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os(WEBKIT).is_some() {
        return Renderer::AsConfigured;
    }
    if has_render_node(Path::new("/dev/dri")) {
        return Renderer::Gpu;
    }
    std::env::set_var(WEBKIT, "1");
    Renderer::Cpu
}

/// Whether a DRM render node in `dir` opens for reading and writing (as a GPU client needs);
/// a node that exists but this user may not open is no GPU for this app.
fn has_render_node(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else { return false };
    entries.flatten().any(|entry| {
        entry.file_name().to_string_lossy().starts_with("renderD")
            && fs::OpenOptions::new().read(true).write(true).open(entry.path()).is_ok()
    })
}

/// Asks the session bus, on a thread of its own, to start the desktop portal now.
///
/// GtkApplication's start-up looks up the portal's Inhibit interface with a blocking call.
/// Where the portal is not yet running (a session that has not needed it yet), that call waits
/// for D-Bus to start it: ~75 ms of the main thread before the window exists. Asked for at
/// process start, the portal starts while the app opens its workspace and GTK initialises;
/// where it already runs, this is one round trip off the main thread. Failures only mean GTK
/// will wait as before, so they are logged at debug and otherwise ignored.
pub fn warm_desktop_portal() {
    use gio::prelude::*;
    let spawned = std::thread::Builder::new().name("portal-warmup".into()).spawn(|| {
        let started = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE).and_then(|bus| {
            bus.call_sync(
                Some("org.freedesktop.DBus"),
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "StartServiceByName",
                Some(&("org.freedesktop.portal.Desktop", 0u32).to_variant()),
                None,
                gio::DBusCallFlags::NONE,
                5_000,
                gio::Cancellable::NONE,
            )
        });
        if let Err(error) = started {
            tracing::debug!(%error, "the desktop portal was not started early");
        }
    });
    if let Err(error) = spawned {
        tracing::debug!(%error, "cannot start the portal warm-up thread");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_render_nodes_has_no_gpu() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("card0"), b"").unwrap();
        assert!(!has_render_node(dir.path()));
        assert!(!has_render_node(&dir.path().join("missing")));
    }

    #[test]
    fn a_render_node_that_opens_is_a_gpu() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("renderD128"), b"").unwrap();
        assert!(has_render_node(dir.path()));
    }
}

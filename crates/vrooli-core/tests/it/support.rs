//! Devices for tests: a workspace each, in its own temporary data dir.

use vrooli_core::Workspace;
use vrooli_store::DataDir;

pub struct Device {
    pub ws: Workspace,
    _dir: tempfile::TempDir,
}

/// The user the test devices belong to, unless a test signs one in as someone else.
pub const ME: i64 = 7_000_000;

/// A device nobody signed in to: its first write creates its own local user.
pub fn unsigned_device() -> Device {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(&DataDir::at(dir.path())).unwrap();
    Device { ws, _dir: dir }
}

/// A device of [`ME`]: devices of one user may edit each other's messages.
pub fn device() -> Device {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(&DataDir::at(dir.path())).unwrap();
    ws.adopt_account(ME, "me@example.com").unwrap();
    Device { ws, _dir: dir }
}

/// Sends everything `from` has to `to`.
pub fn send(from: &Device, to: &mut Device) {
    let bundle = from.ws.export_bundle(None).unwrap();
    to.ws.import_bundle(&bundle).unwrap();
}

/// Both ways: afterwards both devices hold the same documents.
pub fn sync(a: &mut Device, b: &mut Device) {
    send(a, b);
    send(b, a);
}

pub fn assert_converged(a: &Device, b: &Device) {
    let (ea, eb) = (a.ws.export_json().unwrap(), b.ws.export_json().unwrap());
    assert_eq!(ea, eb, "the two devices' exports differ");
}

pub fn message_text(d: &Device, id: i64) -> Option<String> {
    d.ws.store().get::<vrooli_model::entities::ChatMessage>(id).unwrap().map(|m| m.text)
}

/// A clock tests move by hand; clones share the time.
#[derive(Clone)]
pub struct TestClock(pub std::sync::Arc<std::sync::atomic::AtomicI64>);

impl TestClock {
    pub fn at(micros: i64) -> Self {
        TestClock(std::sync::Arc::new(std::sync::atomic::AtomicI64::new(micros)))
    }

    pub fn advance(&self, micros: i64) {
        self.0.fetch_add(micros, std::sync::atomic::Ordering::SeqCst);
    }
}

impl vrooli_model::Clock for TestClock {
    fn now(&self) -> vrooli_model::Timestamp {
        vrooli_model::Timestamp::from_micros(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// A device whose time the test sets.
pub fn device_at(clock: &TestClock) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open_with_clock(&DataDir::at(dir.path()), Box::new(clock.clone())).unwrap();
    ws.adopt_account(ME, "me@example.com").unwrap();
    Device { ws, _dir: dir }
}

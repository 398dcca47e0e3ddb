//! Shared builders for the store's tests.

use vrooli_store::{DataDir, Store};

pub fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&DataDir::at(dir.path())).unwrap();
    (dir, store)
}

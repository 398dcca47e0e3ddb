//! One function per verb: resolve the data dir, call the store, print.

use std::path::PathBuf;

use vrooli_store::{latest_migration, DataDir, Store, StoreError};

use crate::output::{self, CliError};

fn open(data_dir: Option<PathBuf>) -> Result<Store, StoreError> {
    Store::open(&DataDir::resolve(data_dir)?)
}

pub fn init(data_dir: Option<PathBuf>, json: bool) -> Result<(), CliError> {
    let dir = DataDir::resolve(data_dir)?;
    let existed = dir.database_path().exists();
    let store = Store::open(&dir)?;
    let report = output::InitReport {
        path: store.path().display().to_string(),
        created: !existed,
        schema: latest_migration(),
        device_id: store.device_id().to_string(),
    };
    output::print(json, &report)
}

pub fn stats(data_dir: Option<PathBuf>, json: bool) -> Result<(), CliError> {
    let store = open(data_dir)?;
    let counts = store.row_counts()?;
    output::print(json, &output::StatsReport::from(counts))
}

pub fn search(data_dir: Option<PathBuf>, query: &str, limit: u32, json: bool) -> Result<(), CliError> {
    let store = open(data_dir)?;
    let hits = store.search(query, limit)?;
    output::print(json, &output::SearchReport::from(hits))
}

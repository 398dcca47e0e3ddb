//! `init`, `stats`, `search`: the store itself.

use vrooli_store::{latest_migration, Store};

use super::Context;
use crate::output::{self, CliError};

pub fn init(ctx: &Context) -> Result<(), CliError> {
    let dir = ctx.dir()?;
    let existed = dir.database_path().exists();
    let store = Store::open(&dir)?;
    let report = output::store::InitReport {
        path: store.path().display().to_string(),
        created: !existed,
        schema: latest_migration(),
        device_id: store.device_id().to_string(),
    };
    output::print(ctx.json, &report)
}

pub fn stats(ctx: &Context) -> Result<(), CliError> {
    let counts = ctx.store()?.row_counts()?;
    output::print(ctx.json, &output::store::StatsReport::from(counts))
}

pub fn search(ctx: &Context, query: &str, limit: u32) -> Result<(), CliError> {
    let hits = ctx.store()?.search(query, limit)?;
    output::print(ctx.json, &output::store::SearchReport::from(hits))
}

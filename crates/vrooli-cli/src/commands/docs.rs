//! The documents themselves: `export`, `history`, `show` and `doctor`.

use vrooli_core::DocId;

use super::Context;
use crate::output::docs::{DoctorOutput, History};
use crate::output::{self, CliError};

/// Prints the canonical export. It is JSON whether or not `--json` is given:
/// it exists to be compared byte for byte.
pub fn export(ctx: &Context) -> Result<(), CliError> {
    let mut json = ctx.workspace()?.export_json()?;
    json.push('\n');
    output::print_str(&json)
}

pub fn history(ctx: &Context, doc: &DocId) -> Result<(), CliError> {
    let ws = ctx.workspace()?;
    let changes = ws.history(doc)?;
    let heads = ws.heads(doc)?;
    output::print(ctx.json, &History::new(doc, heads, changes))
}

/// Prints the document as JSON (with or without `--json`).
pub fn show(ctx: &Context, doc: &DocId, at: Option<&str>) -> Result<(), CliError> {
    let value = ctx.workspace()?.show_document(doc, at)?;
    let mut json = serde_json::to_string_pretty(&value)?;
    json.push('\n');
    output::print_str(&json)
}

/// Prints the report; any difference also fails the command (exit 1).
pub fn doctor(ctx: &Context) -> Result<(), CliError> {
    let report = ctx.workspace()?.doctor()?;
    let differences = report.differences.len();
    output::print(ctx.json, &DoctorOutput::from(report))?;
    match differences {
        0 => Ok(()),
        n => Err(CliError::Unhealthy(n)),
    }
}

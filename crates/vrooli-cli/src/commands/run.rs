//! `vrooli run …`: create, step, io, status (documents, through the
//! workspace); show and list (the projection, through the store).

use clap::Subcommand;
use vrooli_model::entities::{Run, RunIo, RunStep};
use vrooli_model::enums::RunStatus;
use vrooli_store::{Order, Value};

use super::{all, found, Context};
use crate::output::run::{IoView, RunList, RunSummary, RunView, StepView};
use crate::output::{self, CliError};

#[derive(Subcommand)]
pub enum RunCommand {
    /// Create a run (Scheduled), optionally of a resource version.
    Create {
        #[arg(long)]
        name: String,
        /// The resource version it runs.
        #[arg(long, value_name = "VERSION_ID")]
        version: Option<i64>,
    },
    /// Record a step, at the next position.
    Step {
        /// The run (from `run create` or `run list`).
        run_id: i64,
        #[arg(long)]
        name: String,
        /// The routine node the step runs.
        #[arg(long, value_name = "NODE_ID")]
        node: String,
    },
    /// Record an input or output of a node.
    Io {
        /// The run (from `run create` or `run list`).
        run_id: i64,
        /// The node's name.
        #[arg(long, value_name = "NAME")]
        node: String,
        /// The input's name.
        #[arg(long, value_name = "NAME")]
        input: String,
        /// The value, as JSON.
        #[arg(long, value_name = "JSON", value_parser = json_text)]
        data: String,
    },
    /// Move a run to another status (Scheduled, InProgress, Paused, Completed, Failed, Cancelled).
    Status {
        /// The run (from `run create` or `run list`).
        run_id: i64,
        /// The status to move to.
        #[arg(value_name = "TO_STATUS", value_parser = run_status)]
        to: RunStatus,
    },
    /// A run with its steps in order and its inputs/outputs.
    Show {
        /// The run (from `run list`).
        run_id: i64,
    },
    /// Runs, newest first.
    List {
        /// Only runs in this status.
        #[arg(long, value_name = "STATUS", value_parser = run_status)]
        status: Option<RunStatus>,
    },
}

fn run_status(text: &str) -> Result<RunStatus, vrooli_model::catalogue::UnknownVariant> {
    text.parse()
}

/// Keeps the text as given, once it parses as JSON.
fn json_text(text: &str) -> Result<String, serde_json::Error> {
    serde_json::from_str::<serde_json::Value>(text).map(|_| text.to_string())
}

pub fn run(ctx: &Context, command: &RunCommand) -> Result<(), CliError> {
    match command {
        RunCommand::Create { name, version } => {
            let run = ctx.workspace()?.create_run(name, *version)?;
            output::print(ctx.json, &RunSummary::from(run))
        }
        RunCommand::Step { run_id, name, node } => {
            let step = ctx.workspace()?.add_run_step(*run_id, name, node)?;
            output::print(ctx.json, &StepView::from(step))
        }
        RunCommand::Io { run_id, node, input, data } => {
            let io = ctx.workspace()?.add_run_io(*run_id, node, input, data)?;
            output::print(ctx.json, &IoView::from(io))
        }
        RunCommand::Status { run_id, to } => {
            let run = ctx.workspace()?.set_run_status(*run_id, *to)?;
            output::print(ctx.json, &RunSummary::from(run))
        }
        RunCommand::Show { run_id } => {
            let store = ctx.store()?;
            let run = found(store.get::<Run>(*run_id)?, "run", *run_id)?;
            let by_run = [("runId", Value::Integer(*run_id))];
            let steps = all::<RunStep>(&store, &by_run, Order::OldestFirst)?;
            let io = all::<RunIo>(&store, &by_run, Order::OldestFirst)?;
            output::print(ctx.json, &RunView::new(run, steps, io))
        }
        RunCommand::List { status } => {
            let filters: Vec<(&str, Value)> =
                status.iter().map(|s| ("status", Value::Text(s.as_str().to_string()))).collect();
            let runs = all::<Run>(&ctx.store()?, &filters, Order::NewestFirst)?;
            output::print(ctx.json, &RunList { runs: runs.into_iter().map(RunSummary::from).collect() })
        }
    }
}

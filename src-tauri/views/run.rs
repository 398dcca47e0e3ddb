//! Runs: the list (optionally in one status) and one run with its steps as a timeline, its
//! inputs/outputs and the statuses it may move to.

use serde::{Deserialize, Serialize};
use specta::Type;
use vrooli_model::entities::{Run, RunIo, RunStep};
use vrooli_model::enums::RunStatus;
use vrooli_model::Value;
use vrooli_store::{Order, Store, StoreError};

use super::{all, found, id, time};

/// A run's status at the boundary (the domain's `RunStatus` stays free of serde and specta).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
pub enum RunState {
    Scheduled,
    InProgress,
    Paused,
    Completed,
    Failed,
    Cancelled,
}

impl From<RunStatus> for RunState {
    fn from(status: RunStatus) -> Self {
        match status {
            RunStatus::Scheduled => RunState::Scheduled,
            RunStatus::InProgress => RunState::InProgress,
            RunStatus::Paused => RunState::Paused,
            RunStatus::Completed => RunState::Completed,
            RunStatus::Failed => RunState::Failed,
            RunStatus::Cancelled => RunState::Cancelled,
        }
    }
}

impl From<RunState> for RunStatus {
    fn from(state: RunState) -> Self {
        match state {
            RunState::Scheduled => RunStatus::Scheduled,
            RunState::InProgress => RunStatus::InProgress,
            RunState::Paused => RunStatus::Paused,
            RunState::Completed => RunStatus::Completed,
            RunState::Failed => RunStatus::Failed,
            RunState::Cancelled => RunStatus::Cancelled,
        }
    }
}

/// The statuses a run in `from` may move to, from `vrooli-core`'s state machine, so the UI
/// offers only legal moves (the core still checks every change itself).
pub fn allowed_from(from: RunState) -> Vec<RunState> {
    vrooli_core::allowed_run_transitions(from.into()).iter().map(|s| RunState::from(*s)).collect()
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub id: String,
    pub name: String,
    pub status: RunState,
    pub resource_version_id: Option<String>,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    /// Milliseconds from start to end (pauses included).
    pub time_elapsed: Option<i32>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Run> for RunSummary {
    fn from(r: Run) -> Self {
        RunSummary {
            id: id(r.id),
            name: r.name,
            status: r.status.into(),
            resource_version_id: r.resource_version_id.map(id),
            started_at: r.started_at.map(time),
            completed_at: r.completed_at.map(time),
            time_elapsed: r.time_elapsed,
            created_at: time(r.created_at),
            updated_at: time(r.updated_at),
        }
    }
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    pub id: String,
    pub order: i32,
    pub name: String,
    pub node_id: String,
    /// InProgress, Completed or Skipped.
    pub status: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct IoView {
    pub id: String,
    pub node_name: String,
    pub input_name: String,
    /// JSON text, as recorded.
    pub data: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RunDetail {
    pub run: RunSummary,
    /// The statuses it may move to now; empty once it has ended.
    pub allowed: Vec<RunState>,
    /// By order: the timeline.
    pub steps: Vec<StepView>,
    /// Oldest first.
    pub io: Vec<IoView>,
}

/// Runs, newest first; only those in `status` when given.
pub fn list(store: &Store, status: Option<RunState>) -> Result<Vec<RunSummary>, StoreError> {
    let filters: Vec<(&str, Value)> =
        status.iter().map(|s| ("status", Value::Text(RunStatus::from(*s).as_str().to_owned()))).collect();
    Ok(all::<Run>(store, &filters, Order::NewestFirst)?.into_iter().map(RunSummary::from).collect())
}

pub fn detail(store: &Store, run_id: i64) -> Result<RunDetail, StoreError> {
    let run = found(store.get::<Run>(run_id)?, "run", run_id)?;
    let by_run = [("runId", Value::Integer(run_id))];
    let mut steps = all::<RunStep>(store, &by_run, Order::OldestFirst)?;
    steps.sort_by_key(|s| (s.order, s.id));
    let io = all::<RunIo>(store, &by_run, Order::OldestFirst)?;
    let run = RunSummary::from(run);
    Ok(RunDetail {
        allowed: allowed_from(run.status),
        run,
        steps: steps
            .into_iter()
            .map(|s| StepView {
                id: id(s.id),
                order: s.order,
                name: s.name,
                node_id: s.node_id,
                status: s.status.as_str().to_owned(),
                started_at: s.started_at.map(time),
                completed_at: s.completed_at.map(time),
            })
            .collect(),
        io: io
            .into_iter()
            .map(|io| IoView {
                id: id(io.id),
                node_name: io.node_name,
                input_name: io.node_input_name,
                data: io.data,
                created_at: time(io.created_at),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use vrooli_core::Workspace;
    use vrooli_store::DataDir;

    use super::*;

    const ALL: [RunState; 6] = [
        RunState::Scheduled,
        RunState::InProgress,
        RunState::Paused,
        RunState::Completed,
        RunState::Failed,
        RunState::Cancelled,
    ];

    /// Paths from Scheduled to each status, through legal moves only.
    fn path_to(target: RunState) -> &'static [RunState] {
        use RunState::*;
        match target {
            Scheduled => &[],
            InProgress => &[InProgress],
            Paused => &[InProgress, Paused],
            Completed => &[InProgress, Completed],
            Failed => &[InProgress, Failed],
            Cancelled => &[Cancelled],
        }
    }

    #[test]
    fn the_offered_moves_are_exactly_the_ones_the_core_accepts() {
        let dir = tempfile::tempdir().unwrap();
        let mut workspace = Workspace::open(&DataDir::at(dir.path())).unwrap();
        for from in ALL {
            for to in ALL {
                let run = workspace.create_run("probe", None).unwrap();
                for step in path_to(from) {
                    workspace.set_run_status(run.id, (*step).into()).unwrap();
                }
                let accepted = workspace.set_run_status(run.id, to.into()).is_ok();
                assert_eq!(accepted, allowed_from(from).contains(&to), "{from:?} → {to:?}");
            }
        }
    }
}

//! Runs: one document per run (`run:ID`) holding the run (`run`), its steps
//! (`steps` by id) and its inputs/outputs (`io` by id). Every write and every
//! merge projects the whole (small) aggregate again from the document.
//!
//! The status follows a state machine, checked on every local change
//! ([`CoreError::IllegalTransition`] lists the allowed targets):
//!
//! ```text
//! Scheduled ──► InProgress ◄──► Paused
//!     │            │  │           │
//!     │            │  └► Completed | Failed
//!     └────────────┴──────────────┴──► Cancelled
//! ```
//!
//! Merge rules:
//! - the document keeps the status under `run.status` and, in the map
//!   `run.statusAt`, when each status was entered (`InProgress`: the first
//!   start only, so a pause and resume keep `startedAt`);
//! - two devices changing the status concurrently leave conflicting values of
//!   `status`; the projection reads them all and picks by rank, the same on
//!   every device: a terminal status beats a non-terminal one, and
//!   **Failed > Cancelled > Completed > Paused > InProgress > Scheduled** —
//!   the worse outcome is the one reported (a failure anywhere is never
//!   hidden by a completion elsewhere), and a pause anywhere holds the run;
//! - the times follow from the resolved status: `startedAt` is when the run
//!   entered InProgress (the earliest, if two devices started it
//!   concurrently), NULL while Scheduled or if it was never started;
//!   `completedAt` is when it entered the resolved terminal status (the
//!   earliest, if several devices did), NULL otherwise; `timeElapsed` is
//!   `completedAt − startedAt` in milliseconds (pauses included), clamped to
//!   the model's 0…86,400,000, NULL without both times. None of the three is
//!   stored in the document;
//! - steps and inputs/outputs are keyed by their own ids: concurrent adds
//!   all survive.
//!
//! A run's version and user, and a step's version, follow `refs`: the
//! version is NULL until its resource document is on this device; the user
//! is this device's user, a placeholder elsewhere. A step's `resourceInId`
//! (the UUID of the routine holding the node, in the upstream app) has no
//! counterpart here: it is the nil UUID.

use std::collections::HashSet;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value as AmValue};
use vrooli_model::entities::{Resource, ResourceVersion, Run, RunIo, RunStep, Schedule, Team};
use vrooli_model::enums::{RunStatus, RunStepStatus};
use vrooli_model::{Entity, Operation, TableDef, Timestamp, Value};
use vrooli_store::StoreError;

use crate::doc_id::DocId;
use crate::error::CoreError;
use crate::fields::{collection, decode, inconsistent, invalid, map_at, read_row, validate, write_row, Layout};
use crate::refs;
use crate::workspace::{int, Tx, Workspace};

/// The status and its times are resolved at projection, never written column by column.
static RUN: Layout = Layout {
    table: Run::TABLE,
    text: &[],
    counters: &[],
    derived: &["status", "startedAt", "completedAt", "timeElapsed"],
};
static STEP: Layout = Layout { table: RunStep::TABLE, text: &[], counters: &[], derived: &[] };
static IO: Layout = Layout { table: RunIo::TABLE, text: &[], counters: &[], derived: &[] };

/// `timeElapsed` bounds in the model, in milliseconds.
const MAX_ELAPSED_MS: i64 = 86_400_000;
/// A step's `resourceInId` when nothing names the routine: the nil UUID.
const NO_ROUTINE: &str = "00000000-0000-0000-0000-000000000000";

/// The statuses `from` may change to: the run state machine, for callers
/// that offer only legal moves (the core still checks every change).
pub fn allowed_from(from: RunStatus) -> &'static [RunStatus] {
    use RunStatus::*;
    match from {
        Scheduled => &[InProgress, Cancelled],
        InProgress => &[Paused, Completed, Failed, Cancelled],
        Paused => &[InProgress, Cancelled],
        Completed | Failed | Cancelled => &[],
    }
}

fn is_terminal(status: RunStatus) -> bool {
    matches!(status, RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled)
}

/// Which of concurrent statuses wins: the highest rank.
fn rank(status: RunStatus) -> u8 {
    match status {
        RunStatus::Scheduled => 0,
        RunStatus::InProgress => 1,
        RunStatus::Paused => 2,
        RunStatus::Completed => 3,
        RunStatus::Cancelled => 4,
        RunStatus::Failed => 5,
    }
}

struct Maps {
    run: ObjId,
    steps: ObjId,
    io: ObjId,
}

fn maps<D: ReadDoc>(doc: &D, id: &DocId) -> Result<Maps, CoreError> {
    Ok(Maps { run: collection(doc, id, "run")?, steps: collection(doc, id, "steps")?, io: collection(doc, id, "io")? })
}

fn not_found(id: i64) -> CoreError {
    CoreError::NotFound { entity: "run", id: id.to_string() }
}

fn set(table: &TableDef, row: &mut [Value], column: &str, value: Value) {
    if let Some(i) = table.column_index(column) {
        row[i] = value;
    }
}

impl Workspace {
    /// Creates a Scheduled run, owned by this device's user, optionally of a
    /// resource version (which must exist here and not be deleted).
    pub fn create_run(&mut self, name: &str, version_id: Option<i64>) -> Result<Run, CoreError> {
        self.transact(|t| {
            if let Some(v) = version_id {
                let version = t.w.get::<ResourceVersion>(v)?.ok_or_else(|| {
                    CoreError::Store(StoreError::MissingParent {
                        entity: "run",
                        field: "resourceVersionId".into(),
                        parent: "resource_version",
                        id: v.to_string(),
                    })
                })?;
                let root_deleted = t.w.get::<Resource>(version.root_id)?.is_none_or(|r| r.is_deleted);
                if version.is_deleted || root_deleted {
                    return Err(invalid("run", "resourceVersionId", "deleted", "names a deleted resource version"));
                }
            }
            let user = refs::local_user(t)?;
            let now = t.now();
            let run = Run {
                id: t.next_id(),
                created_at: now,
                updated_at: now,
                name: name.into(),
                status: RunStatus::Scheduled,
                resource_version_id: version_id,
                user_id: Some(user),
                ..Default::default()
            };
            let row = run.clone().into_values();
            validate(Run::TABLE, &row, Operation::Insert)?;
            let id = DocId::Run(run.id);
            let mut doc = t.take_doc(&id, true)?.ok_or_else(|| inconsistent(&id, "not created"))?;
            t.change(&mut doc, format!("create run {}", run.id), |tx| {
                let m = maps(tx, &id)?;
                write_row(tx, &m.run, &RUN, &row)?;
                tx.put(&m.run, "status", RunStatus::Scheduled.as_str())?;
                let at = tx.put_object(&m.run, "statusAt", ObjType::Map)?;
                tx.put(&at, RunStatus::Scheduled.as_str(), now.to_string())?;
                Ok(())
            })?;
            project(t, &id, &doc, run.id)?;
            t.put_doc(id, doc)?;
            t.w.get::<Run>(run.id)?.ok_or_else(|| not_found(run.id))
        })
    }

    /// Adds a step (InProgress, started now) for the node `node_id` (a UUID).
    pub fn add_run_step(&mut self, run_id: i64, name: &str, node_id: &str) -> Result<RunStep, CoreError> {
        self.transact(|t| {
            let id = DocId::Run(run_id);
            let mut doc = t.take_doc(&id, false)?.ok_or_else(|| not_found(run_id))?;
            let m = maps(&doc, &id)?;
            let order = i32::try_from(doc.length(&m.steps)).unwrap_or(i32::MAX);
            let step = RunStep {
                id: t.next_id(),
                name: name.into(),
                node_id: node_id.into(),
                order,
                resource_in_id: NO_ROUTINE.into(),
                started_at: Some(t.now()),
                status: RunStepStatus::InProgress,
                run_id,
                ..Default::default()
            };
            let row = step.clone().into_values();
            validate(RunStep::TABLE, &row, Operation::Insert)?;
            t.change(&mut doc, format!("add step {} to run {run_id}", step.id), |tx| {
                let obj = tx.put_object(&m.steps, step.id.to_string(), ObjType::Map)?;
                write_row(tx, &obj, &STEP, &row)
            })?;
            project(t, &id, &doc, run_id)?;
            t.put_doc(id, doc)?;
            Ok(step)
        })
    }

    /// Records one input or output of a node.
    pub fn add_run_io(
        &mut self,
        run_id: i64,
        node_name: &str,
        input_name: &str,
        data: &str,
    ) -> Result<RunIo, CoreError> {
        self.transact(|t| {
            let id = DocId::Run(run_id);
            let mut doc = t.take_doc(&id, false)?.ok_or_else(|| not_found(run_id))?;
            let m = maps(&doc, &id)?;
            let now = t.now();
            let io = RunIo {
                id: t.next_id(),
                created_at: now,
                updated_at: now,
                data: data.into(),
                node_input_name: input_name.into(),
                node_name: node_name.into(),
                run_id,
            };
            let row = io.clone().into_values();
            validate(RunIo::TABLE, &row, Operation::Insert)?;
            t.change(&mut doc, format!("add io {} to run {run_id}", io.id), |tx| {
                let obj = tx.put_object(&m.io, io.id.to_string(), ObjType::Map)?;
                write_row(tx, &obj, &IO, &row)
            })?;
            project(t, &id, &doc, run_id)?;
            t.put_doc(id, doc)?;
            Ok(io)
        })
    }

    /// Moves a run to another status, if the state machine allows it.
    pub fn set_run_status(&mut self, run_id: i64, to: RunStatus) -> Result<Run, CoreError> {
        self.transact(|t| transition(t, run_id, to))
    }
}

/// Moves a run to `to` inside an open transaction (also used when a
/// resource's deletion cancels its runs).
pub(crate) fn transition(t: &mut Tx<'_, '_>, run_id: i64, to: RunStatus) -> Result<Run, CoreError> {
    let current = t.w.get::<Run>(run_id)?.ok_or_else(|| not_found(run_id))?;
    let allowed = allowed_from(current.status);
    if !allowed.contains(&to) {
        let allowed = if allowed.is_empty() {
            "none, it has ended".to_string()
        } else {
            allowed.iter().map(RunStatus::as_str).collect::<Vec<_>>().join(", ")
        };
        return Err(CoreError::IllegalTransition {
            run: run_id,
            from: current.status.to_string(),
            to: to.to_string(),
            allowed,
        });
    }
    let id = DocId::Run(run_id);
    let mut doc = t.take_doc(&id, false)?.ok_or_else(|| inconsistent(&id, "missing"))?;
    let m = maps(&doc, &id)?;
    let now = t.now();
    t.change(&mut doc, format!("run {run_id}: {} → {to}", current.status), |tx| {
        tx.put(&m.run, "status", to.as_str())?;
        let at = match map_at(tx, &m.run, "statusAt")? {
            Some(at) => at,
            None => tx.put_object(&m.run, "statusAt", ObjType::Map)?,
        };
        let first_start = to == RunStatus::InProgress && tx.get(&at, to.as_str())?.is_some();
        if !first_start {
            tx.put(&at, to.as_str(), now.to_string())?;
        }
        tx.put(&m.run, "updatedAt", now.to_string())?;
        Ok(())
    })?;
    project(t, &id, &doc, run_id)?;
    t.put_doc(id, doc)?;
    t.w.get::<Run>(run_id)?.ok_or_else(|| not_found(run_id))
}

/// The status the document's (possibly conflicting) `status` values resolve to.
fn resolved_status(doc: &Automerge, id: &DocId, run: &ObjId) -> Result<RunStatus, CoreError> {
    let mut best = None;
    for (value, _) in doc.get_all(run, "status")? {
        let status = match &value {
            AmValue::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(text) => text.parse::<RunStatus>().ok(),
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| inconsistent(id, format!("run status {value:?} is not a RunStatus")))?;
        if best.is_none_or(|b| rank(status) > rank(b)) {
            best = Some(status);
        }
    }
    Ok(best.unwrap_or(RunStatus::Scheduled))
}

/// When the run entered `status`: the earliest of concurrent entries.
fn entered(doc: &Automerge, id: &DocId, run: &ObjId, status: RunStatus) -> Result<Option<Timestamp>, CoreError> {
    let Some(at) = map_at(doc, run, "statusAt")? else { return Ok(None) };
    let mut earliest: Option<Timestamp> = None;
    for (value, _) in doc.get_all(&at, status.as_str())? {
        let time = match &value {
            AmValue::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(text) => Timestamp::parse(text),
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| inconsistent(id, format!("statusAt.{status} is not a timestamp")))?;
        earliest = Some(earliest.map_or(time, |e| e.min(time)));
    }
    Ok(earliest)
}

/// Re-projects a whole run document: the run with its resolved status and
/// times, its steps and its inputs/outputs, deleting rows the document no
/// longer has.
pub(crate) fn project(t: &mut Tx<'_, '_>, id: &DocId, doc: &Automerge, run_id: i64) -> Result<(), CoreError> {
    let m = maps(doc, id)?;
    refs::clear_waits(t, id)?;
    let mut row = read_row(doc, &m.run, &RUN)?;
    if int(Run::TABLE, &row, "id") != Some(run_id) {
        return Err(inconsistent(id, "the run map does not hold this run"));
    }
    let status = resolved_status(doc, id, &m.run)?;
    let started = if status == RunStatus::Scheduled { None } else { entered(doc, id, &m.run, RunStatus::InProgress)? };
    let completed = if is_terminal(status) { entered(doc, id, &m.run, status)? } else { None };
    set(Run::TABLE, &mut row, "status", Value::Text(status.as_str().into()));
    let mut run = decode::<Run>(id, &RUN, row)?;
    run.started_at = started;
    run.completed_at = completed;
    run.time_elapsed = match (started, completed) {
        (Some(s), Some(c)) => {
            let ms = (c.as_micros() - s.as_micros()).div_euclid(1000).clamp(0, MAX_ELAPSED_MS);
            Some(i32::try_from(ms).unwrap_or(i32::MAX))
        }
        _ => None,
    };
    if let Some(user) = run.user_id {
        refs::ensure_user(t, user)?;
    }
    if let Some(team) = run.team_id {
        if !refs::present(t, Team::TABLE, team)? {
            run.team_id = None;
        }
    }
    if let Some(schedule) = run.schedule_id {
        if !refs::present(t, Schedule::TABLE, schedule)? {
            run.schedule_id = None;
        }
    }
    if let Some(version) = run.resource_version_id {
        if !refs::present_or_wait(t, id, ResourceVersion::TABLE, version)? {
            run.resource_version_id = None;
        }
    }
    t.w.put_row(Run::TABLE, run.into_values())?;

    let version_col = RunStep::TABLE.column_index("resourceVersionId");
    for (map, layout) in [(&m.steps, &STEP), (&m.io, &IO)] {
        let table = layout.table;
        let mut rows = Vec::new();
        for key in doc.keys(map).collect::<Vec<_>>() {
            let Some(obj) = map_at(doc, map, &key)? else { continue };
            let mut row = read_row(doc, &obj, layout)?;
            if int(table, &row, "id").map(|i| i.to_string()) != Some(key.clone())
                || int(table, &row, "runId") != Some(run_id)
            {
                return Err(inconsistent(id, format!("{} {key} does not belong to this run", table.name)));
            }
            if table.name == RunStep::TABLE.name {
                if let Some(col) = version_col {
                    if let Some(version) = row[col].as_i64() {
                        if !refs::present_or_wait(t, id, ResourceVersion::TABLE, version)? {
                            row[col] = Value::Null;
                        }
                    }
                }
            }
            rows.push(row);
        }
        let present: HashSet<i64> = rows.iter().filter_map(|r| int(table, r, "id")).collect();
        for stale in t.ids_where(table.name, "runId", run_id)? {
            if !present.contains(&stale) {
                t.w.delete_if_exists(table, stale)?;
            }
        }
        for row in rows {
            let row_id = int(table, &row, "id").unwrap_or_default();
            if let Some(existing) = t.w.get_row(table, row_id)? {
                if int(table, &existing, "runId") != Some(run_id) {
                    return Err(inconsistent(id, format!("{} {row_id} belongs to another run", table.name)));
                }
            }
            t.w.put_row(table, row)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_statuses_outrank_the_others() {
        for a in RunStatus::ALL {
            for b in RunStatus::ALL {
                if is_terminal(*a) && !is_terminal(*b) {
                    assert!(rank(*a) > rank(*b), "{a} must beat {b}");
                }
            }
        }
        assert!(rank(RunStatus::Failed) > rank(RunStatus::Cancelled));
        assert!(rank(RunStatus::Cancelled) > rank(RunStatus::Completed));
    }

    #[test]
    fn ended_runs_go_nowhere() {
        for s in [RunStatus::Completed, RunStatus::Failed, RunStatus::Cancelled] {
            assert!(allowed_from(s).is_empty());
        }
        assert_eq!(allowed_from(RunStatus::Scheduled), [RunStatus::InProgress, RunStatus::Cancelled]);
    }
}

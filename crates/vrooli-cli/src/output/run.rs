//! What the `run` verbs print: a run, its steps in order and its inputs/outputs.

use std::fmt::{self, Display};

use serde::Serialize;
use vrooli_core::DocId;
use vrooli_model::entities::{Run, RunIo, RunStep};
use vrooli_model::Timestamp;

use super::one_line;

fn or_dash<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "-".to_string(), ToString::to_string)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub id: String,
    pub doc_id: String,
    pub name: String,
    pub status: &'static str,
    pub resource_version_id: Option<String>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    /// Milliseconds from start to end (pauses included).
    pub time_elapsed: Option<i32>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<Run> for RunSummary {
    fn from(r: Run) -> Self {
        RunSummary {
            id: r.id.to_string(),
            doc_id: DocId::Run(r.id).to_string(),
            name: r.name,
            status: r.status.as_str(),
            resource_version_id: r.resource_version_id.map(|v| v.to_string()),
            started_at: r.started_at,
            completed_at: r.completed_at,
            time_elapsed: r.time_elapsed,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl RunSummary {
    fn line(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>20}  {:<10} {}  version {}  started {}  completed {}",
            self.id,
            self.status,
            one_line(&self.name, 60),
            or_dash(&self.resource_version_id),
            or_dash(&self.started_at),
            or_dash(&self.completed_at)
        )
    }
}

impl Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "run {} {:?}: {} (document {})", self.id, self.name, self.status, self.doc_id)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    pub id: String,
    pub run_id: String,
    pub order: i32,
    pub name: String,
    pub node_id: String,
    pub status: &'static str,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub time_elapsed: Option<i32>,
}

impl From<RunStep> for StepView {
    fn from(s: RunStep) -> Self {
        StepView {
            id: s.id.to_string(),
            run_id: s.run_id.to_string(),
            order: s.order,
            name: s.name,
            node_id: s.node_id,
            status: s.status.as_str(),
            started_at: s.started_at,
            completed_at: s.completed_at,
            time_elapsed: s.time_elapsed,
        }
    }
}

impl Display for StepView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "step {} #{} {:?} (node {}) of run {}: {}",
            self.id, self.order, self.name, self.node_id, self.run_id, self.status
        )
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IoView {
    pub id: String,
    pub run_id: String,
    pub node_name: String,
    pub input_name: String,
    /// JSON text, as given.
    pub data: String,
    pub created_at: Timestamp,
}

impl From<RunIo> for IoView {
    fn from(io: RunIo) -> Self {
        IoView {
            id: io.id.to_string(),
            run_id: io.run_id.to_string(),
            node_name: io.node_name,
            input_name: io.node_input_name,
            data: io.data,
            created_at: io.created_at,
        }
    }
}

impl Display for IoView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "io {} of run {}: {}.{} = {}",
            self.id,
            self.run_id,
            self.node_name,
            self.input_name,
            one_line(&self.data, 200)
        )
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    #[serde(flatten)]
    pub run: RunSummary,
    /// By `order`.
    pub steps: Vec<StepView>,
    /// Oldest first.
    pub io: Vec<IoView>,
}

impl RunView {
    pub fn new(run: Run, mut steps: Vec<RunStep>, io: Vec<RunIo>) -> Self {
        steps.sort_by_key(|s| (s.order, s.id));
        RunView {
            run: RunSummary::from(run),
            steps: steps.into_iter().map(StepView::from).collect(),
            io: io.into_iter().map(IoView::from).collect(),
        }
    }
}

impl Display for RunView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.run;
        writeln!(f, "run {} {:?}: {}  document {}", r.id, r.name, r.status, r.doc_id)?;
        writeln!(
            f,
            "version {}  created {}  started {}  completed {}  elapsed {} ms",
            or_dash(&r.resource_version_id),
            r.created_at,
            or_dash(&r.started_at),
            or_dash(&r.completed_at),
            or_dash(&r.time_elapsed)
        )?;
        writeln!(f, "{} step(s):", self.steps.len())?;
        for s in &self.steps {
            writeln!(f, "  #{:<3} {:<11} {} (node {})  {}", s.order, s.status, s.name, s.node_id, s.id)?;
        }
        writeln!(f, "{} input/output(s):", self.io.len())?;
        for io in &self.io {
            writeln!(f, "  {}.{} = {}", io.node_name, io.input_name, one_line(&io.data, 200))?;
        }
        Ok(())
    }
}

#[derive(Serialize)]
pub struct RunList {
    /// Newest first.
    pub runs: Vec<RunSummary>,
}

impl Display for RunList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.runs.is_empty() {
            return writeln!(f, "no runs");
        }
        for r in &self.runs {
            r.line(f)?;
        }
        Ok(())
    }
}

//! `vrooli doctor`: re-project every document from scratch and compare with
//! the stored rows. Runs in a transaction that is always rolled back.

use crate::doc_store;
use crate::error::CoreError;
use crate::export::{export, AGGREGATE_TABLES};
use crate::genesis::genesis_actor;
use crate::merge::{project_all, project_woken};
use crate::workspace::Workspace;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoctorReport {
    pub documents: usize,
    /// One line per table whose rows differ from a fresh projection.
    pub differences: Vec<String>,
}

impl Workspace {
    pub fn doctor(&mut self) -> Result<DoctorReport, CoreError> {
        self.clear_cache();
        self.rehearse(|t| {
            let before = export(t.w.transaction())?;
            let mut ids = doc_store::all_ids(t.w.transaction())?;
            ids.sort_by_key(|id| (id.merge_rank(), *id));
            for table in AGGREGATE_TABLES.iter().rev() {
                t.w.transaction().execute(&format!("DELETE FROM \"{table}\""), [])?;
            }
            for id in &ids {
                let doc = doc_store::load(t.w.transaction(), id, &genesis_actor())?
                    .ok_or_else(|| CoreError::NotFound { entity: "document", id: id.to_string() })?;
                project_all(t, id, &doc)?;
            }
            project_woken(t)?;
            let after = export(t.w.transaction())?;
            let mut differences = Vec::new();
            for (table, stored) in &before {
                let fresh = after.get(table).cloned().unwrap_or_default();
                if *stored != fresh {
                    let stored_ids: Vec<_> = stored.iter().map(|r| r.get("id").cloned()).collect();
                    let fresh_ids: Vec<_> = fresh.iter().map(|r| r.get("id").cloned()).collect();
                    let missing = fresh_ids.iter().filter(|id| !stored_ids.contains(id)).count();
                    let extra = stored_ids.iter().filter(|id| !fresh_ids.contains(id)).count();
                    let changed = stored
                        .iter()
                        .filter(|r| fresh_ids.contains(&r.get("id").cloned()) && !fresh.contains(r))
                        .count();
                    differences
                        .push(format!("{table}: {missing} rows missing, {extra} rows extra, {changed} rows differ"));
                }
            }
            Ok(DoctorReport { documents: ids.len(), differences })
        })
    }
}

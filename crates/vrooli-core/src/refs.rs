//! References from a document's rows to rows outside it.
//!
//! A projected row may name rows that are not part of its aggregate: a
//! resource its owner (a user or a team), a resource tag its `tag` row, a run
//! its resource version and user, a relation another resource's version. Every
//! device must project the same rows from the same documents, and the foreign
//! keys must hold on each, so every such reference follows one of three rules:
//!
//! - **Owners and users** (`resource.ownedByUserId`, `createdById`,
//!   `ownedByTeamId`, `run.userId`): there are no accounts yet. Each device
//!   has one local user, "Me", created on first need and remembered in
//!   `local_meta` (`user_id`); it owns what this device creates. Other
//!   devices have no row for that user, so projection creates a placeholder
//!   ("Unknown user", or "Unknown team") with that id, a public id derived
//!   from the id and times taken from the id: the same row on every device
//!   that needs it, and the owner column keeps its value everywhere.
//! - **Tags** (`resource_tag.tagTag` → `tag.tag`): the tag row is created
//!   when missing. Tag rows are local (their ids differ between devices);
//!   the projected `resource_tag` rows name the tag by its text and agree.
//! - **Rows of other documents** (a run's or step's version, a relation's
//!   target version, a resource's `parentId`): while the row is not on this
//!   device the reference is left out (NULL, or no relation row) and the
//!   document is recorded as waiting for it (`doc_wait`). When the row
//!   arrives, the waiting documents are projected again, so the end result
//!   does not depend on the order documents arrive in.
//!
//! References to rows no document ever brings (pull requests, schedules, a
//! run's team) are projected only if the row exists here, else NULL.

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};
use vrooli_model::entities::{Tag, Team, User};
use vrooli_model::{Entity, Id, PublicId, TableDef, Timestamp};

use crate::doc_id::DocId;
use crate::error::CoreError;
use crate::workspace::Tx;

/// The `local_meta` key holding the local user's id.
pub(crate) const LOCAL_USER_KEY: &str = "user_id";
const LOCAL_USER_NAME: &str = "Me";
const PLACEHOLDER_USER_NAME: &str = "Unknown user";

/// A public id that follows from a row's kind and id alone, so a placeholder
/// is the same row on every device.
pub(crate) fn derived_public_id(kind: &str, id: i64) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let digest = Sha256::digest(format!("vrooli placeholder {kind} {id}").as_bytes());
    digest.iter().take(PublicId::LEN).map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect()
}

/// The time an id was made: a placeholder's `createdAt`, the same everywhere.
fn id_time(id: i64) -> Timestamp {
    Timestamp::from_micros(Id::new(id).unix_millis().saturating_mul(1000))
}

pub(crate) fn user_row(id: i64, name: &str) -> User {
    let at = id_time(id);
    User {
        id,
        public_id: derived_public_id("user", id),
        created_at: at,
        updated_at: at,
        last_login_attempt: at,
        name: name.into(),
        ..Default::default()
    }
}

/// This device's user, created on first need.
pub(crate) fn local_user(t: &mut Tx<'_, '_>) -> Result<i64, CoreError> {
    let stored: Option<String> =
        t.w.transaction()
            .prepare_cached("SELECT value FROM local_meta WHERE key = ?1")?
            .query_row([LOCAL_USER_KEY], |r| r.get(0))
            .optional()?;
    let id = match stored.and_then(|s| s.parse::<i64>().ok()) {
        Some(id) => id,
        None => {
            let id = t.next_id();
            t.w.transaction()
                .prepare_cached("INSERT OR REPLACE INTO local_meta (key, value) VALUES (?1, ?2)")?
                .execute(params![LOCAL_USER_KEY, id.to_string()])?;
            id
        }
    };
    if t.w.get_row(User::TABLE, id)?.is_none() {
        t.w.put_row(User::TABLE, user_row(id, LOCAL_USER_NAME).into_values())?;
    }
    Ok(id)
}

/// Makes sure a user row with this id exists, creating the placeholder.
pub(crate) fn ensure_user(t: &mut Tx<'_, '_>, id: i64) -> Result<(), CoreError> {
    if t.user_known(id) {
        return Ok(());
    }
    if !t.w.exists(User::TABLE, id)? {
        t.w.put_row(User::TABLE, user_row(id, PLACEHOLDER_USER_NAME).into_values())?;
    }
    Ok(())
}

/// Makes sure a team row with this id exists, creating the placeholder.
pub(crate) fn ensure_team(t: &mut Tx<'_, '_>, id: i64) -> Result<(), CoreError> {
    if !t.w.exists(Team::TABLE, id)? {
        let at = id_time(id);
        let team =
            Team { id, public_id: derived_public_id("team", id), created_at: at, updated_at: at, ..Default::default() };
        t.w.put_row(Team::TABLE, team.into_values())?;
    }
    Ok(())
}

/// Makes sure the `tag` row for `tag` exists.
pub(crate) fn ensure_tag(t: &mut Tx<'_, '_>, tag: &str, created_by: Option<i64>) -> Result<(), CoreError> {
    let exists =
        t.w.transaction()
            .prepare_cached("SELECT 1 FROM tag WHERE tag = ?1")?
            .query_row([tag], |_| Ok(()))
            .optional()?
            .is_some();
    if !exists {
        let now = t.now();
        let row = Tag {
            id: t.next_id(),
            created_at: now,
            updated_at: now,
            tag: tag.into(),
            created_by_id: created_by,
            ..Default::default()
        };
        t.w.put_row(Tag::TABLE, row.into_values())?;
    }
    Ok(())
}

/// Whether the row exists here; if not, `doc` waits for it.
pub(crate) fn present_or_wait(
    t: &mut Tx<'_, '_>,
    doc: &DocId,
    table: &'static TableDef,
    id: i64,
) -> Result<bool, CoreError> {
    if t.w.get_row(table, id)?.is_some() {
        return Ok(true);
    }
    t.w.transaction()
        .prepare_cached("INSERT OR IGNORE INTO doc_wait (targetTable, targetId, docId) VALUES (?1, ?2, ?3)")?
        .execute(params![table.name, id, doc.to_string()])?;
    Ok(false)
}

/// Whether the row exists here (for rows no document brings: no waiting).
pub(crate) fn present(t: &Tx<'_, '_>, table: &'static TableDef, id: i64) -> Result<bool, CoreError> {
    Ok(t.w.get_row(table, id)?.is_some())
}

/// Forgets what `doc` waited for; its projection records it again.
pub(crate) fn clear_waits(t: &mut Tx<'_, '_>, doc: &DocId) -> Result<(), CoreError> {
    t.w.transaction().prepare_cached("DELETE FROM doc_wait WHERE docId = ?1")?.execute([doc.to_string()])?;
    Ok(())
}

/// A row just arrived: wake the documents waiting for it.
pub(crate) fn arrived(t: &mut Tx<'_, '_>, table: &'static TableDef, id: i64) -> Result<(), CoreError> {
    let waiting = {
        let mut stmt =
            t.w.transaction()
                .prepare_cached("DELETE FROM doc_wait WHERE targetTable = ?1 AND targetId = ?2 RETURNING docId")?;
        let rows = stmt.query_map(params![table.name, id], |r| r.get::<_, String>(0))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    for doc in waiting {
        t.wake(doc.parse()?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_public_ids_are_valid_and_stable() {
        let a = derived_public_id("user", 42);
        assert!(PublicId::is_valid(&a), "{a}");
        assert_eq!(a, derived_public_id("user", 42));
        assert_ne!(a, derived_public_id("user", 43));
        assert_ne!(a, derived_public_id("team", 42));
    }
}

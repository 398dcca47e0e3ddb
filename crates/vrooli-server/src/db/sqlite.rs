//! The SQLite backend: one embedded file (WAL) and one connection. Calls
//! run on the blocking pool, one at a time: each is a short transaction,
//! and serialising them keeps every document's merge atomic.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use vrooli_protocol::docs::access_parent;

use super::{
    access_doc, decide, first_owner, AccountRow, Caller, DbError, DeviceRow, DocAccess, DocIntent, DocOwner,
    DocReaders, InviteRow, MemberRow, Merged, Step, TeamRow,
};
use crate::auth::{now_millis, MAX_FAILED_LOGINS};
use crate::workers::Workers;

const SCHEMA: &[&str] = &[
    // Version 1.
    "CREATE TABLE account (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        last_failed_at INTEGER,
        locked_until INTEGER
    ) STRICT;
    CREATE TABLE device (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
    ) STRICT;
    CREATE INDEX device_account ON device (account_id);
    CREATE TABLE document (
        id TEXT PRIMARY KEY,
        owner_kind TEXT NOT NULL CHECK (owner_kind IN ('user', 'team')),
        owner_id INTEGER NOT NULL,
        data BLOB NOT NULL,
        seq INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX document_owner_seq ON document (owner_kind, owner_id, seq);",
    // Version 2: teams.
    "CREATE TABLE team (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created_by INTEGER NOT NULL REFERENCES account (id),
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE member (
        team_id INTEGER NOT NULL REFERENCES team (id) ON DELETE CASCADE,
        account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
        is_admin INTEGER NOT NULL DEFAULT 0,
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (team_id, account_id)
    ) STRICT;
    CREATE INDEX member_account ON member (account_id);
    CREATE TABLE invite (
        team_id INTEGER NOT NULL REFERENCES team (id) ON DELETE CASCADE,
        email TEXT NOT NULL,
        will_be_admin INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('Pending', 'Accepted', 'Declined')),
        invited_by INTEGER NOT NULL REFERENCES account (id),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (team_id, email)
    ) STRICT;
    CREATE INDEX invite_email ON invite (email);",
    // Version 3: readers besides the owner (a chat's participants and pending
    // invitees), derived from the document at each merge.
    "CREATE TABLE doc_reader (
        doc_id TEXT NOT NULL,
        account_id INTEGER NOT NULL,
        PRIMARY KEY (doc_id, account_id)
    ) STRICT;
    CREATE INDEX doc_reader_account ON doc_reader (account_id);",
];

#[derive(Clone)]
pub struct Sqlite {
    conn: Arc<Mutex<Connection>>,
    /// The one thread calls run on, in order: the connection serves one at a time anyway.
    thread: Workers,
    /// Copies the log into the database, so no request's commit does it (which held the
    /// connection, and so every other request, for the copy and its fsync). Kept for its
    /// thread: the connection's WAL hook nudges it.
    _checkpointer: Arc<Option<vrooli_wal::Checkpointer>>,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite, DbError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = SCHEMA.len() as i64;
        if version > known {
            return Err(DbError::SchemaTooNew { found: version, known });
        }
        let tx = conn.transaction()?;
        for (i, sql) in SCHEMA.iter().enumerate().skip(version.max(0) as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit()?;
        let checkpointer = Arc::new(vrooli_wal::Checkpointer::start(path, &mut conn));
        let thread = Workers::start("sqlite", 1).map_err(|e| DbError::Task(format!("starting its thread: {e}")))?;
        Ok(Sqlite { conn: Arc::new(Mutex::new(conn)), thread, _checkpointer: checkpointer })
    }

    /// Runs `f` on the connection, on its thread (off the async threads), after the calls
    /// before it.
    pub async fn call<T: Send + 'static, E: From<DbError> + Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E> {
        let conn = self.conn.clone();
        self.thread
            .run(move || {
                // Only this thread locks it, but a test may hold it too.
                let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
                f(&mut conn)
            })
            .await
            .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }
}

pub fn account_by_email(conn: &Connection, email: &str) -> Result<Option<AccountRow>, DbError> {
    Ok(conn
        .query_row("SELECT id, email, password_hash, locked_until FROM account WHERE email = ?1", [email], |r| {
            Ok(AccountRow { id: r.get(0)?, email: r.get(1)?, password_hash: r.get(2)?, locked_until: r.get(3)? })
        })
        .optional()?)
}

/// Creates an account; `None` if the email is taken.
pub fn create_account(conn: &Connection, id: i64, email: &str, password_hash: &str) -> Result<Option<i64>, DbError> {
    let inserted = conn.execute(
        "INSERT INTO account (id, email, password_hash, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (email) DO NOTHING",
        params![id, email, password_hash, now_millis()],
    )?;
    Ok((inserted == 1).then_some(id))
}

/// Records a wrong password; returns the lock end if the account is now locked.
pub fn record_failed_login(conn: &Connection, account: i64, lock_millis: i64) -> Result<Option<i64>, DbError> {
    let now = now_millis();
    let failed: i64 = conn.query_row(
        "UPDATE account SET failed_logins = failed_logins + 1, last_failed_at = ?2 WHERE id = ?1 RETURNING failed_logins",
        params![account, now],
        |r| r.get(0),
    )?;
    if failed >= MAX_FAILED_LOGINS {
        let until = now + lock_millis;
        conn.execute("UPDATE account SET locked_until = ?2, failed_logins = 0 WHERE id = ?1", params![account, until])?;
        return Ok(Some(until));
    }
    Ok(None)
}

pub fn record_good_login(conn: &Connection, account: i64) -> Result<(), DbError> {
    conn.execute("UPDATE account SET failed_logins = 0, locked_until = NULL WHERE id = ?1", [account])?;
    Ok(())
}

pub fn create_device(
    conn: &Connection,
    id: i64,
    account: i64,
    name: &str,
    token_hash: &str,
    expires_at: i64,
) -> Result<(), DbError> {
    let now = now_millis();
    conn.execute(
        "INSERT INTO device (id, account_id, name, token_hash, created_at, last_seen_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
        params![id, account, name, token_hash, now, expires_at],
    )?;
    Ok(())
}

/// The live session a token hash belongs to, noting that it was seen.
pub fn caller_by_token(conn: &Connection, token_hash: &str) -> Result<Option<Caller>, DbError> {
    let now = now_millis();
    let caller = conn
        .query_row(
            "SELECT a.id, d.id, a.email, d.expires_at, d.last_seen_at FROM device d JOIN account a ON a.id = d.account_id
             WHERE d.token_hash = ?1 AND d.revoked_at IS NULL AND d.expires_at > ?2",
            params![token_hash, now],
            |r| {
                let caller = Caller { user_id: r.get(0)?, device_id: r.get(1)?, email: r.get(2)?, expires_at: r.get(3)? };
                Ok((caller, r.get::<_, i64>(4)?))
            },
        )
        .optional()?;
    if let Some((caller, last_seen)) = &caller {
        // Written at most once a minute: a busy device is not a write per request.
        if now - last_seen > 60_000 {
            conn.execute("UPDATE device SET last_seen_at = ?2 WHERE id = ?1", params![caller.device_id, now])?;
        }
    }
    Ok(caller.map(|(c, _)| c))
}

pub fn devices(conn: &Connection, account: i64) -> Result<Vec<DeviceRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id, name, created_at, last_seen_at, expires_at, revoked_at FROM device WHERE account_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([account], |r| {
            Ok(DeviceRow {
                id: r.get(0)?,
                name: r.get(1)?,
                created_at: r.get(2)?,
                last_seen_at: r.get(3)?,
                expires_at: r.get(4)?,
                revoked_at: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Revokes one of the account's devices; `false` if it has no such device.
pub fn revoke_device(conn: &Connection, account: i64, device: i64) -> Result<bool, DbError> {
    let n = conn.execute(
        "UPDATE device SET revoked_at = coalesce(revoked_at, ?3) WHERE id = ?1 AND account_id = ?2",
        params![device, account, now_millis()],
    )?;
    Ok(n == 1)
}

fn owner(conn: &Connection, id: &str) -> Result<Option<DocOwner>, DbError> {
    Ok(conn
        .query_row("SELECT owner_kind, owner_id FROM document WHERE id = ?1", [id], |r| {
            Ok(DocOwner::from_row(&r.get::<_, String>(0)?, r.get(1)?))
        })
        .optional()?)
}

/// The accounts stored as reading `doc` besides its owner.
fn doc_readers(conn: &Connection, doc: &str) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT account_id FROM doc_reader WHERE doc_id = ?1 ORDER BY account_id")?;
    let rows = stmt.query_map([doc], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(rows)
}

fn set_doc_readers(conn: &Connection, doc: &str, readers: &[i64]) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM doc_reader WHERE doc_id = ?1")?.execute([doc])?;
    let mut insert = conn.prepare_cached("INSERT OR IGNORE INTO doc_reader (doc_id, account_id) VALUES (?1, ?2)")?;
    for account in readers {
        insert.execute(params![doc, account])?;
    }
    Ok(())
}

/// Gives a chat's message buckets new sequence numbers, after the chat let
/// someone in: their devices' cursors may already be past the buckets'
/// numbers, and a bucket's `changed` listing is how they learn it exists.
fn resequence_buckets(conn: &Connection, chat: &str) -> Result<(), DbError> {
    let Some(number) = chat.strip_prefix("chat:") else { return Ok(()) };
    let buckets = {
        let mut stmt = conn.prepare_cached("SELECT id FROM document WHERE id LIKE ?1 ORDER BY id")?;
        let rows = stmt.query_map([format!("messages:{number}:%")], |r| r.get::<_, String>(0))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    for bucket in buckets {
        conn.prepare_cached("UPDATE document SET seq = (SELECT max(seq) FROM document) + 1 WHERE id = ?1")?
            .execute([bucket])?;
    }
    Ok(())
}

/// `(allowed, manages)` for `user` on document `id` owned by `owner`; see [`decide`].
fn access(conn: &Connection, id: &str, owner: DocOwner, user: i64) -> Result<(bool, bool), DbError> {
    let membership = match owner {
        DocOwner::Team(team) => membership(conn, team, user)?,
        DocOwner::User(_) => None,
    };
    let reader = conn
        .prepare_cached("SELECT 1 FROM doc_reader WHERE doc_id = ?1 AND account_id = ?2")?
        .exists(params![access_doc(id), user])?;
    Ok(decide(owner, user, membership, reader))
}

/// See [`super::Db::merge_documents`]. Each document is its own IMMEDIATE
/// transaction, and the connection's mutex keeps other calls out meanwhile.
pub fn merge_documents<P, T, E, F>(
    conn: &mut Connection,
    user: i64,
    docs: Vec<DocIntent<P>>,
    mut merge: F,
) -> Result<Vec<Merged<T>>, E>
where
    E: From<DbError>,
    F: FnMut(DocAccess<P>) -> Result<Step<T>, E>,
{
    let mut out = Vec::with_capacity(docs.len());
    for DocIntent { id, claimed, payload } in docs {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(DbError::from)?;
        let stored = tx
            .query_row("SELECT owner_kind, owner_id, data, seq FROM document WHERE id = ?1", [&id], |r| {
                Ok((DocOwner::from_row(&r.get::<_, String>(0)?, r.get(1)?), r.get::<_, Vec<u8>>(2)?, r.get(3)?))
            })
            .optional()
            .map_err(DbError::from)?;
        let (owner, data, mut seq) = match stored {
            Some((owner, data, seq)) => (owner, Some(data), seq),
            None => {
                let parent = access_parent(&id).map(|p| owner(&tx, &p)).transpose()?.flatten();
                (first_owner(parent, claimed, user), None, 0)
            }
        };
        let (allowed, manages) = access(&tx, &id, owner, user)?;
        let before = doc_readers(&tx, &id)?;
        let readers = before.clone();
        let step = merge(DocAccess { id: id.clone(), owner, allowed, manages, readers, data, payload })?;
        let stored = step.store.is_some();
        if let Some(data) = step.store {
            seq = tx
                .query_row("SELECT coalesce(max(seq), 0) + 1 FROM document", [], |r| r.get(0))
                .map_err(DbError::from)?;
            tx.execute(
                "INSERT INTO document (id, owner_kind, owner_id, data, seq, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, seq = excluded.seq, updated_at = excluded.updated_at",
                params![id, owner.kind(), owner.id(), data, seq, now_millis()],
            )
            .map_err(DbError::from)?;
            if let Some(readers) = &step.readers {
                set_doc_readers(&tx, &id, readers)?;
                if readers.iter().any(|r| !before.contains(r)) {
                    resequence_buckets(&tx, &id)?;
                }
            }
        }
        tx.commit().map_err(DbError::from)?;
        out.push(Merged { value: step.value, stored, seq });
    }
    Ok(out)
}

/// See [`super::Db::readers`].
pub fn readers(conn: &Connection, ids: &[String]) -> Result<Vec<DocReaders>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row = conn
            .query_row("SELECT owner_kind, owner_id, seq FROM document WHERE id = ?1", [id], |r| {
                Ok((DocOwner::from_row(&r.get::<_, String>(0)?, r.get(1)?), r.get::<_, i64>(2)?))
            })
            .optional()?;
        let Some((owner, seq)) = row else { continue };
        let mut accounts = match owner {
            DocOwner::User(id) => vec![id],
            DocOwner::Team(team) => team_members(conn, team)?,
        };
        accounts.extend(doc_readers(conn, &access_doc(id))?);
        accounts.sort_unstable();
        accounts.dedup();
        out.push(DocReaders { id: id.clone(), seq, accounts });
    }
    Ok(out)
}

/// The documents `?1` may read, as `(id, seq)`, each part answerable from an index: their
/// own, their teams', those they read as a reader (a chat header by id), and that chat's
/// message buckets (`messages:CHAT:…`, by an id range: ids hold only digits and colons, and
/// `;` sorts right after `:`). One `OR` over all four made every sync request scan every
/// document. `{seq}` filters each part (e.g. `AND d.seq > ?2`).
///
/// The user is written `+?1`: as a bare parameter beside `ORDER BY`, SQLite (built with
/// STAT4) compiled the statement again whenever the next caller was another user.
fn readable(seq: &str) -> String {
    format!(
        "SELECT d.id, d.seq FROM document d WHERE d.owner_kind = 'user' AND d.owner_id = +?1 {seq}
         UNION SELECT d.id, d.seq FROM member m JOIN document d ON d.owner_kind = 'team' AND d.owner_id = m.team_id
             WHERE m.account_id = +?1 {seq}
         UNION SELECT d.id, d.seq FROM doc_reader r JOIN document d ON d.id = r.doc_id WHERE r.account_id = +?1 {seq}
         UNION SELECT d.id, d.seq FROM doc_reader r JOIN document d
             ON d.id > 'messages:' || substr(r.doc_id, 6) || ':' AND d.id < 'messages:' || substr(r.doc_id, 6) || ';'
             WHERE r.account_id = +?1 AND r.doc_id LIKE 'chat:%' {seq}"
    )
}

/// The limit is written into the statement: bound, SQLite recompiled it at every use, as
/// rusqlite clears a cached statement's bindings when it goes back to the cache.
fn changed_sql(limit: usize) -> String {
    format!("{} ORDER BY 2 LIMIT {limit}", readable("AND d.seq > ?2"))
}

/// Documents the user may read that changed after `cursor`, oldest change
/// first, at most `limit`; and the newest sequence number among them all.
pub fn changed_since(
    conn: &Connection,
    user: i64,
    cursor: i64,
    limit: usize,
) -> Result<(Vec<(String, i64)>, i64), DbError> {
    let mut stmt = conn.prepare_cached(&changed_sql(limit))?;
    let docs = stmt
        .query_map(params![user, cursor], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<(String, i64)>, _>>()?;
    // Every readable change past the cursor is listed, so the newest is the last one (when the
    // list is whole); only with nothing listed is the newest looked up (it may be below the
    // cursor, e.g. a device that last synced with a server since restored from a backup).
    let newest = match docs.last() {
        Some((_, seq)) if docs.len() < limit => *seq,
        _ => conn
            .prepare_cached(&format!("SELECT coalesce(max(seq), 0) FROM ({})", readable("")))?
            .query_row([user], |r| r.get(0))?,
    };
    Ok((docs, newest))
}

/// Whether the account is a member (and an admin) of the team: `None` if not a member.
pub fn membership(conn: &Connection, team: i64, account: i64) -> Result<Option<bool>, DbError> {
    Ok(conn
        .query_row("SELECT is_admin FROM member WHERE team_id = ?1 AND account_id = ?2", [team, account], |r| {
            r.get::<_, i64>(0)
        })
        .optional()?
        .map(|admin| admin != 0))
}

pub fn team_members(conn: &Connection, team: i64) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT account_id FROM member WHERE team_id = ?1 ORDER BY account_id")?;
    let rows = stmt.query_map([team], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(rows)
}

/// Creates a team with its creator as its first admin.
pub fn create_team(conn: &mut Connection, id: i64, name: &str, creator: i64) -> Result<(), DbError> {
    let tx = conn.transaction()?;
    let now = now_millis();
    tx.execute(
        "INSERT INTO team (id, name, created_by, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, name, creator, now],
    )?;
    tx.execute(
        "INSERT INTO member (team_id, account_id, is_admin, joined_at) VALUES (?1, ?2, 1, ?3)",
        params![id, creator, now],
    )?;
    tx.commit()?;
    Ok(())
}

/// The teams the account belongs to, with members (and, for admins, pending invites).
pub fn teams_of(conn: &Connection, account: i64) -> Result<Vec<TeamRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT t.id, t.name, t.created_at, m.is_admin FROM team t JOIN member m ON m.team_id = t.id
         WHERE m.account_id = ?1 ORDER BY t.id",
    )?;
    let teams = stmt
        .query_map([account], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)? != 0))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(teams.len());
    for (id, name, created_at, admin) in teams {
        let mut stmt = conn.prepare_cached(
            "SELECT m.account_id, a.email, m.is_admin, m.joined_at FROM member m JOIN account a ON a.id = m.account_id
             WHERE m.team_id = ?1 ORDER BY m.joined_at, m.account_id",
        )?;
        let members = stmt
            .query_map([id], |r| {
                Ok(MemberRow {
                    account: r.get(0)?,
                    email: r.get(1)?,
                    is_admin: r.get::<_, i64>(2)? != 0,
                    joined_at: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let invites = if admin { pending_invites(conn, "i.team_id = ?1", id.to_string())? } else { Vec::new() };
        out.push(TeamRow { id, name, created_at, members, invites });
    }
    Ok(out)
}

fn pending_invites(conn: &Connection, condition: &str, value: String) -> Result<Vec<InviteRow>, DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT i.team_id, t.name, i.email, i.will_be_admin, i.status, a.email, i.created_at
         FROM invite i JOIN team t ON t.id = i.team_id JOIN account a ON a.id = i.invited_by
         WHERE {condition} AND i.status = 'Pending' ORDER BY i.created_at"
    ))?;
    let rows = stmt
        .query_map([value], |r| {
            Ok(InviteRow {
                team_id: r.get(0)?,
                team_name: r.get(1)?,
                email: r.get(2)?,
                will_be_admin: r.get::<_, i64>(3)? != 0,
                status: r.get(4)?,
                invited_by: r.get(5)?,
                created_at: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Pending invites addressed to an email.
pub fn invites_for(conn: &Connection, email: &str) -> Result<Vec<InviteRow>, DbError> {
    pending_invites(conn, "i.email = ?1", email.to_string())
}

/// Invites (again) an email to a team.
pub fn invite(conn: &Connection, team: i64, email: &str, admin: bool, by: i64) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO invite (team_id, email, will_be_admin, status, invited_by, created_at)
         VALUES (?1, ?2, ?3, 'Pending', ?4, ?5)
         ON CONFLICT (team_id, email) DO UPDATE SET status = 'Pending', will_be_admin = excluded.will_be_admin,
             invited_by = excluded.invited_by, created_at = excluded.created_at",
        params![team, email, admin, by, now_millis()],
    )?;
    Ok(())
}

/// Answers the account's pending invite; `false` if there is none.
pub fn answer_invite(
    conn: &mut Connection,
    team: i64,
    account: i64,
    email: &str,
    accept: bool,
) -> Result<bool, DbError> {
    let tx = conn.transaction()?;
    let admin: Option<i64> = tx
        .query_row(
            "SELECT will_be_admin FROM invite WHERE team_id = ?1 AND email = ?2 AND status = 'Pending'",
            params![team, email],
            |r| r.get(0),
        )
        .optional()?;
    let Some(admin) = admin else { return Ok(false) };
    let status = if accept { "Accepted" } else { "Declined" };
    tx.execute("UPDATE invite SET status = ?3 WHERE team_id = ?1 AND email = ?2", params![team, email, status])?;
    if accept {
        tx.execute(
            "INSERT OR IGNORE INTO member (team_id, account_id, is_admin, joined_at) VALUES (?1, ?2, ?3, ?4)",
            params![team, account, admin, now_millis()],
        )?;
    }
    tx.commit()?;
    Ok(true)
}

/// Removes a member; `false` if they were not one.
pub fn remove_member(conn: &Connection, team: i64, account: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM member WHERE team_id = ?1 AND account_id = ?2", [team, account])? == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn the_changed_documents_query_is_compiled_once_for_every_caller() {
        use rusqlite::StatementStatus;
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(&dir.path().join("p.db")).unwrap();
        let conn = db.conn.lock().unwrap();
        for i in 0..50 {
            conn.execute(
                "INSERT INTO document (id, owner_kind, owner_id, data, seq, updated_at) VALUES (?1, 'user', ?2, x'00', ?3, 0)",
                params![format!("chat:{i}"), i % 5, i + 1],
            )
            .unwrap();
        }
        for call in 0..20 {
            let (docs, newest) = changed_since(&conn, call % 5, call, 2_000).unwrap();
            assert!(docs.iter().all(|(_, seq)| *seq > call), "only changes past the cursor");
            assert_eq!(newest, docs.last().map_or(newest, |d| d.1));
        }
        // The cached statement changed_since ran: compiled once (its first run), not per user.
        let stmt = conn.prepare_cached(&changed_sql(2_000)).unwrap();
        assert!(stmt.get_status(StatementStatus::RePrepare) <= 1, "{}", stmt.get_status(StatementStatus::RePrepare));
    }

    #[test]
    fn migrates_an_empty_database_and_one_of_version_1() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = Sqlite::open(&dir.path().join("fresh.db")).unwrap();
        let fresh = fresh.conn.lock().unwrap();
        assert_eq!(fresh.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).unwrap(), 3);

        // A database as the first release left it, with an account in it.
        let old = dir.path().join("old.db");
        {
            let conn = Connection::open(&old).unwrap();
            conn.execute_batch(SCHEMA[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            create_account(&conn, 7, "ann@example.com", "hash").unwrap();
        }
        let upgraded = Sqlite::open(&old).unwrap();
        let upgraded = upgraded.conn.lock().unwrap();
        assert_eq!(tables(&upgraded), tables(&fresh));
        assert_eq!(account_by_email(&upgraded, "ann@example.com").unwrap().map(|a| a.id), Some(7));
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(Sqlite::open(&path), Err(DbError::SchemaTooNew { found: 99, known: 3 })));
    }
}

//! The PostgreSQL backend: several server processes ("nodes") share one
//! database. Requests use a small pool; each node keeps one more connection
//! that LISTENs for the others' notifications.
//!
//! Concurrency across nodes:
//! - A document's merge is one transaction that loads it `FOR UPDATE`, so
//!   two nodes merging into the same document take turns, each on top of
//!   the other's result. A document not stored yet has no row to lock: its
//!   creators take a transaction-scoped advisory lock on its id instead and
//!   look again, so only the first creates it.
//! - Change numbers come from the `document_seq` sequence, taken under one
//!   more advisory lock held until commit, so they become visible in their
//!   order: a device that has seen number N has seen every change below N.
//! - Lock-out counts wrong passwords in the account row, so it holds across
//!   nodes; rate limits stay per node.
//! - Migrations take an advisory lock: nodes starting together migrate once.
//!
//! `Row::get` panics only when a query's column types disagree with
//! [`SCHEMA`]: a bug every integration test would hit, never bad input.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};
use vrooli_protocol::docs::access_parent;

use super::{
    access_doc, decide, first_owner, AccountRow, Caller, DbError, DeviceRow, DocAccess, DocIntent, DocOwner,
    DocReaders, InviteRow, MemberRow, Merged, Step, TeamRow,
};
use crate::auth::{now_millis, MAX_FAILED_LOGINS};

/// The same tables as the SQLite backend's, version for version.
const SCHEMA: &[&str] = &[
    // Version 1.
    "CREATE TABLE account (
        id BIGINT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        failed_logins BIGINT NOT NULL DEFAULT 0,
        last_failed_at BIGINT,
        locked_until BIGINT
    );
    CREATE TABLE device (
        id BIGINT PRIMARY KEY,
        account_id BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT
    );
    CREATE INDEX device_account ON device (account_id);
    CREATE SEQUENCE document_seq;
    CREATE TABLE document (
        id TEXT PRIMARY KEY,
        owner_kind TEXT NOT NULL CHECK (owner_kind IN ('user', 'team')),
        owner_id BIGINT NOT NULL,
        data BYTEA NOT NULL,
        seq BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE INDEX document_owner_seq ON document (owner_kind, owner_id, seq);",
    // Version 2: teams.
    "CREATE TABLE team (
        id BIGINT PRIMARY KEY,
        name TEXT NOT NULL,
        created_by BIGINT NOT NULL REFERENCES account (id),
        created_at BIGINT NOT NULL
    );
    CREATE TABLE member (
        team_id BIGINT NOT NULL REFERENCES team (id) ON DELETE CASCADE,
        account_id BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
        is_admin BOOLEAN NOT NULL DEFAULT FALSE,
        joined_at BIGINT NOT NULL,
        PRIMARY KEY (team_id, account_id)
    );
    CREATE INDEX member_account ON member (account_id);
    CREATE TABLE invite (
        team_id BIGINT NOT NULL REFERENCES team (id) ON DELETE CASCADE,
        email TEXT NOT NULL,
        will_be_admin BOOLEAN NOT NULL DEFAULT FALSE,
        status TEXT NOT NULL CHECK (status IN ('Pending', 'Accepted', 'Declined')),
        invited_by BIGINT NOT NULL REFERENCES account (id),
        created_at BIGINT NOT NULL,
        PRIMARY KEY (team_id, email)
    );
    CREATE INDEX invite_email ON invite (email);",
    // Version 3: readers besides the owner (a chat's participants and pending
    // invitees), derived from the document at each merge.
    "CREATE TABLE doc_reader (
        doc_id TEXT NOT NULL,
        account_id BIGINT NOT NULL,
        PRIMARY KEY (doc_id, account_id)
    );
    CREATE INDEX doc_reader_account ON doc_reader (account_id);",
];

/// Advisory lock keys (the two-int key space, apart from documents' one-bigint keys).
const LOCK_CLASS: i32 = 0x7672_6f6f; // "vroo"
const MIGRATION_LOCK: i32 = 1;
const SEQUENCE_LOCK: i32 = 2;

/// The connections a node's request handlers share.
const POOL_SIZE: usize = 16;

/// A database error's detail: tokio-postgres's own `Display` says only "db error".
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

pub struct Postgres {
    pool: Pool,
    config: tokio_postgres::Config,
}

/// Notifications from every node, as (channel, payload); `recv` returns
/// `None` once the connection is gone (the caller reconnects).
pub struct Listener {
    _client: tokio_postgres::Client,
    rx: mpsc::UnboundedReceiver<(String, String)>,
}

impl Listener {
    pub async fn recv(&mut self) -> Option<(String, String)> {
        self.rx.recv().await
    }
}

/// The channels every node listens on; see `events`.
pub const CHANNELS: &[&str] = &["vrooli_docs", "vrooli_teams", "vrooli_signout"];

impl Postgres {
    pub async fn connect(url: &str) -> Result<Postgres, DbError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| DbError::Url(describe(&e)))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("vrooli-server");
        let manager =
            Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| DbError::Pool(e.to_string()))?;
        let db = Postgres { pool, config };
        db.migrate().await?;
        Ok(db)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, DbError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => DbError::Postgres(e),
            e => DbError::Pool(e.to_string()),
        })
    }

    async fn migrate(&self) -> Result<(), DbError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1, $2)", &[&LOCK_CLASS, &MIGRATION_LOCK]).await?;
        let exists: bool = tx.query_one("SELECT to_regclass('vrooli_schema') IS NOT NULL", &[]).await?.get(0);
        if !exists {
            tx.batch_execute("CREATE TABLE vrooli_schema (version BIGINT NOT NULL)").await?;
        }
        let version: i64 = tx.query_one("SELECT coalesce(max(version), 0) FROM vrooli_schema", &[]).await?.get(0);
        let known = SCHEMA.len() as i64;
        if version > known {
            return Err(DbError::SchemaTooNew { found: version, known });
        }
        for (i, sql) in SCHEMA.iter().enumerate().skip(version.max(0) as usize) {
            tx.batch_execute(sql).await?;
            tx.execute("DELETE FROM vrooli_schema", &[]).await?;
            tx.execute("INSERT INTO vrooli_schema (version) VALUES ($1)", &[&(i as i64 + 1)]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A dedicated connection, LISTENing on [`CHANNELS`].
    pub async fn listen(&self) -> Result<Listener, DbError> {
        let (client, mut connection) = self.config.connect(NoTls).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            // The connection delivers notifications only to whoever polls it.
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(AsyncMessage::Notification(n)) => {
                        if tx.send((n.channel().to_string(), n.payload().to_string())).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %describe(&e), "the LISTEN connection failed");
                        break;
                    }
                }
            }
        });
        let listen: String = CHANNELS.iter().map(|c| format!("LISTEN {c};")).collect();
        client.batch_execute(&listen).await?;
        Ok(Listener { _client: client, rx })
    }

    pub async fn notify(&self, channel: &str, payload: &str) -> Result<(), DbError> {
        self.client().await?.execute("SELECT pg_notify($1, $2)", &[&channel, &payload]).await?;
        Ok(())
    }

    pub async fn health(&self) -> Result<(), DbError> {
        self.client().await?.query_one("SELECT 1", &[]).await?;
        Ok(())
    }

    pub async fn account_by_email(&self, email: &str) -> Result<Option<AccountRow>, DbError> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT id, email, password_hash, locked_until FROM account WHERE email = $1", &[&email])
            .await?;
        Ok(row.map(|r| AccountRow { id: r.get(0), email: r.get(1), password_hash: r.get(2), locked_until: r.get(3) }))
    }

    pub async fn create_account(&self, id: i64, email: &str, hash: &str) -> Result<Option<i64>, DbError> {
        let inserted = self
            .client()
            .await?
            .execute(
                "INSERT INTO account (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (email) DO NOTHING",
                &[&id, &email, &hash, &now_millis()],
            )
            .await?;
        Ok((inserted == 1).then_some(id))
    }

    pub async fn record_failed_login(&self, account: i64, lock_millis: i64) -> Result<Option<i64>, DbError> {
        let now = now_millis();
        let mut client = self.client().await?;
        // The UPDATE locks the row until commit: wrong passwords on several nodes all count.
        let tx = client.transaction().await?;
        let failed: i64 = tx
            .query_one(
                "UPDATE account SET failed_logins = failed_logins + 1, last_failed_at = $2 WHERE id = $1
                 RETURNING failed_logins",
                &[&account, &now],
            )
            .await?
            .get(0);
        let mut locked = None;
        if failed >= MAX_FAILED_LOGINS {
            let until = now + lock_millis;
            tx.execute("UPDATE account SET locked_until = $2, failed_logins = 0 WHERE id = $1", &[&account, &until])
                .await?;
            locked = Some(until);
        }
        tx.commit().await?;
        Ok(locked)
    }

    pub async fn record_good_login(&self, account: i64) -> Result<(), DbError> {
        self.client()
            .await?
            .execute("UPDATE account SET failed_logins = 0, locked_until = NULL WHERE id = $1", &[&account])
            .await?;
        Ok(())
    }

    pub async fn create_device(
        &self,
        id: i64,
        account: i64,
        name: &str,
        token_hash: &str,
        expires_at: i64,
    ) -> Result<(), DbError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO device (id, account_id, name, token_hash, created_at, last_seen_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $5, $6)",
                &[&id, &account, &name, &token_hash, &now_millis(), &expires_at],
            )
            .await?;
        Ok(())
    }

    pub async fn caller_by_token(&self, token_hash: &str) -> Result<Option<Caller>, DbError> {
        let now = now_millis();
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT a.id, d.id, a.email, d.expires_at, d.last_seen_at FROM device d JOIN account a ON a.id = d.account_id
                 WHERE d.token_hash = $1 AND d.revoked_at IS NULL AND d.expires_at > $2",
            )
            .await?;
        let Some(row) = client.query_opt(&statement, &[&token_hash, &now]).await? else { return Ok(None) };
        let caller = Caller { user_id: row.get(0), device_id: row.get(1), email: row.get(2), expires_at: row.get(3) };
        let last_seen: i64 = row.get(4);
        // Written at most once a minute: a busy device is not a write per request.
        if now - last_seen > 60_000 {
            client.execute("UPDATE device SET last_seen_at = $2 WHERE id = $1", &[&caller.device_id, &now]).await?;
        }
        Ok(Some(caller))
    }

    pub async fn devices(&self, account: i64) -> Result<Vec<DeviceRow>, DbError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, name, created_at, last_seen_at, expires_at, revoked_at FROM device
                 WHERE account_id = $1 ORDER BY id",
                &[&account],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| DeviceRow {
                id: r.get(0),
                name: r.get(1),
                created_at: r.get(2),
                last_seen_at: r.get(3),
                expires_at: r.get(4),
                revoked_at: r.get(5),
            })
            .collect())
    }

    pub async fn revoke_device(&self, account: i64, device: i64) -> Result<bool, DbError> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE device SET revoked_at = coalesce(revoked_at, $3) WHERE id = $1 AND account_id = $2",
                &[&device, &account, &now_millis()],
            )
            .await?;
        Ok(n == 1)
    }

    /// See [`super::Db::merge_documents`] and this module's story.
    pub async fn merge_documents<P, T, E, F>(
        &self,
        user: i64,
        docs: Vec<DocIntent<P>>,
        mut merge: F,
    ) -> Result<Vec<Merged<T>>, E>
    where
        E: From<DbError>,
        F: FnMut(DocAccess<P>) -> Result<Step<T>, E>,
    {
        const LOAD: &str = "SELECT owner_kind, owner_id, data, seq FROM document WHERE id = $1 FOR UPDATE";
        let mut client = self.client().await?;
        let mut out = Vec::with_capacity(docs.len());
        for DocIntent { id, claimed, payload } in docs {
            let tx = client.transaction().await.map_err(DbError::from)?;
            let mut row = tx.query_opt(LOAD, &[&id]).await.map_err(DbError::from)?;
            if row.is_none() {
                tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&id])
                    .await
                    .map_err(DbError::from)?;
                row = tx.query_opt(LOAD, &[&id]).await.map_err(DbError::from)?;
            }
            let (owner, data, mut seq) = match row {
                Some(r) => (DocOwner::from_row(r.get(0), r.get(1)), Some(r.get::<_, Vec<u8>>(2)), r.get::<_, i64>(3)),
                None => {
                    let parent = match access_parent(&id) {
                        Some(parent) => tx
                            .query_opt("SELECT owner_kind, owner_id FROM document WHERE id = $1", &[&parent])
                            .await
                            .map_err(DbError::from)?
                            .map(|r| DocOwner::from_row(r.get(0), r.get(1))),
                        None => None,
                    };
                    (first_owner(parent, claimed, user), None, 0)
                }
            };
            let membership = match owner {
                DocOwner::User(_) => None,
                DocOwner::Team(team) => tx
                    .query_opt("SELECT is_admin FROM member WHERE team_id = $1 AND account_id = $2", &[&team, &user])
                    .await
                    .map_err(DbError::from)?
                    .map(|r| r.get::<_, bool>(0)),
            };
            let reader = tx
                .query_opt("SELECT 1 FROM doc_reader WHERE doc_id = $1 AND account_id = $2", &[&access_doc(&id), &user])
                .await
                .map_err(DbError::from)?
                .is_some();
            let (allowed, manages) = decide(owner, user, membership, reader);
            let readers: Vec<i64> = tx
                .query("SELECT account_id FROM doc_reader WHERE doc_id = $1 ORDER BY account_id", &[&id])
                .await
                .map_err(DbError::from)?
                .into_iter()
                .map(|r| r.get(0))
                .collect();
            // Automerge's load, merge and save are CPU work: keep them off the
            // async threads (the server always runs the multi-threaded runtime).
            let before = readers.clone();
            let access = DocAccess { id: id.clone(), owner, allowed, manages, readers, data, payload };
            let step = tokio::task::block_in_place(|| merge(access))?;
            let stored = step.store.is_some();
            if let Some(data) = step.store {
                tx.execute("SELECT pg_advisory_xact_lock($1, $2)", &[&LOCK_CLASS, &SEQUENCE_LOCK])
                    .await
                    .map_err(DbError::from)?;
                seq = tx
                    .query_one(
                        "INSERT INTO document (id, owner_kind, owner_id, data, seq, updated_at)
                         VALUES ($1, $2, $3, $4, nextval('document_seq'), $5)
                         ON CONFLICT (id) DO UPDATE SET data = excluded.data, seq = excluded.seq,
                             updated_at = excluded.updated_at
                         RETURNING seq",
                        &[&id, &owner.kind(), &owner.id(), &data, &now_millis()],
                    )
                    .await
                    .map_err(DbError::from)?
                    .get(0);
                if let Some(readers) = &step.readers {
                    tx.execute("DELETE FROM doc_reader WHERE doc_id = $1", &[&id]).await.map_err(DbError::from)?;
                    tx.execute(
                        "INSERT INTO doc_reader (doc_id, account_id) SELECT $1, unnest($2::BIGINT[])
                         ON CONFLICT DO NOTHING",
                        &[&id, readers],
                    )
                    .await
                    .map_err(DbError::from)?;
                    // Someone let in may have a cursor past the chat's buckets'
                    // numbers: number them again (under the sequence lock
                    // taken above) so they appear in that device's `changed`.
                    if let Some(number) =
                        id.strip_prefix("chat:").filter(|_| readers.iter().any(|r| !before.contains(r)))
                    {
                        tx.execute(
                            "UPDATE document SET seq = nextval('document_seq') WHERE id LIKE $1",
                            &[&format!("messages:{number}:%")],
                        )
                        .await
                        .map_err(DbError::from)?;
                    }
                }
            }
            tx.commit().await.map_err(DbError::from)?;
            out.push(Merged { value: step.value, stored, seq });
        }
        Ok(out)
    }

    pub async fn changed_since(
        &self,
        user: i64,
        cursor: i64,
        limit: usize,
    ) -> Result<(Vec<(String, i64)>, i64), DbError> {
        // As the SQLite backend's: own, teams', read as a reader (a chat header by id), and
        // that chat's buckets by prefix (ids hold no LIKE wildcards); a union of parts that
        // each use an index rather than one OR that scans every document.
        fn readable(seq: &str) -> String {
            format!(
                "SELECT d.id, d.seq FROM document d WHERE d.owner_kind = 'user' AND d.owner_id = $1 {seq}
                 UNION SELECT d.id, d.seq FROM member m JOIN document d
                     ON d.owner_kind = 'team' AND d.owner_id = m.team_id WHERE m.account_id = $1 {seq}
                 UNION SELECT d.id, d.seq FROM doc_reader r JOIN document d ON d.id = r.doc_id
                     WHERE r.account_id = $1 {seq}
                 UNION SELECT d.id, d.seq FROM doc_reader r JOIN document d
                     ON d.id LIKE 'messages:' || substr(r.doc_id, 6) || ':%'
                     WHERE r.account_id = $1 AND r.doc_id LIKE 'chat:%' {seq}"
            )
        }
        let client = self.client().await?;
        let statement = client.prepare_cached(&format!("{} ORDER BY 2 LIMIT $3", readable("AND d.seq > $2"))).await?;
        let docs: Vec<(String, i64)> = client
            .query(&statement, &[&user, &cursor, &(limit as i64)])
            .await?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        // As the SQLite backend's: the last listed is the newest when the list is whole.
        let newest = match docs.last() {
            Some((_, seq)) if docs.len() < limit => *seq,
            _ => {
                let statement = client
                    .prepare_cached(&format!("SELECT coalesce(max(seq), 0) FROM ({}) readable", readable("")))
                    .await?;
                client.query_one(&statement, &[&user]).await?.get(0)
            }
        };
        Ok((docs, newest))
    }

    pub async fn readers(&self, ids: &[String]) -> Result<Vec<DocReaders>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT d.id, d.seq, CASE WHEN d.owner_kind = 'user' THEN d.owner_id ELSE m.account_id END
                 FROM document d LEFT JOIN member m ON d.owner_kind = 'team' AND m.team_id = d.owner_id
                 WHERE d.id = ANY($1) ORDER BY d.id",
                &[&ids],
            )
            .await?;
        let mut out: Vec<DocReaders> = Vec::new();
        for r in rows {
            let (id, seq, account): (String, i64, Option<i64>) = (r.get(0), r.get(1), r.get(2));
            if out.last().is_none_or(|last| last.id != id) {
                out.push(DocReaders { id, seq, accounts: Vec::new() });
            }
            if let (Some(last), Some(account)) = (out.last_mut(), account) {
                last.accounts.push(account);
            }
        }
        // Readers besides the owner are stored under the document whose
        // access each follows (a bucket's chat).
        let access: Vec<String> = out.iter().map(|d| access_doc(&d.id)).collect();
        let extra =
            client.query("SELECT doc_id, account_id FROM doc_reader WHERE doc_id = ANY($1)", &[&access]).await?;
        for (doc, access) in out.iter_mut().zip(&access) {
            doc.accounts.extend(extra.iter().filter(|r| r.get::<_, &str>(0) == access).map(|r| r.get::<_, i64>(1)));
            doc.accounts.sort_unstable();
            doc.accounts.dedup();
        }
        Ok(out)
    }

    pub async fn membership(&self, team: i64, account: i64) -> Result<Option<bool>, DbError> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT is_admin FROM member WHERE team_id = $1 AND account_id = $2", &[&team, &account])
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    pub async fn team_members(&self, team: i64) -> Result<Vec<i64>, DbError> {
        let rows = self
            .client()
            .await?
            .query("SELECT account_id FROM member WHERE team_id = $1 ORDER BY account_id", &[&team])
            .await?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    pub async fn create_team(&self, id: i64, name: &str, creator: i64) -> Result<(), DbError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let now = now_millis();
        tx.execute(
            "INSERT INTO team (id, name, created_by, created_at) VALUES ($1, $2, $3, $4)",
            &[&id, &name, &creator, &now],
        )
        .await?;
        tx.execute(
            "INSERT INTO member (team_id, account_id, is_admin, joined_at) VALUES ($1, $2, TRUE, $3)",
            &[&id, &creator, &now],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn teams_of(&self, account: i64) -> Result<Vec<TeamRow>, DbError> {
        let client = self.client().await?;
        let teams = client
            .query(
                "SELECT t.id, t.name, t.created_at, m.is_admin FROM team t JOIN member m ON m.team_id = t.id
                 WHERE m.account_id = $1 ORDER BY t.id",
                &[&account],
            )
            .await?;
        let mut out = Vec::with_capacity(teams.len());
        for t in teams {
            let (id, admin): (i64, bool) = (t.get(0), t.get(3));
            let members = client
                .query(
                    "SELECT m.account_id, a.email, m.is_admin, m.joined_at FROM member m
                     JOIN account a ON a.id = m.account_id WHERE m.team_id = $1 ORDER BY m.joined_at, m.account_id",
                    &[&id],
                )
                .await?
                .into_iter()
                .map(|r| MemberRow { account: r.get(0), email: r.get(1), is_admin: r.get(2), joined_at: r.get(3) })
                .collect();
            let invites = if admin { pending_invites(&client, "i.team_id = $1", &id).await? } else { Vec::new() };
            out.push(TeamRow { id, name: t.get(1), created_at: t.get(2), members, invites });
        }
        Ok(out)
    }

    pub async fn invites_for(&self, email: &str) -> Result<Vec<InviteRow>, DbError> {
        let client = self.client().await?;
        pending_invites(&client, "i.email = $1", &email).await
    }

    pub async fn invite(&self, team: i64, email: &str, admin: bool, by: i64) -> Result<(), DbError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO invite (team_id, email, will_be_admin, status, invited_by, created_at)
                 VALUES ($1, $2, $3, 'Pending', $4, $5)
                 ON CONFLICT (team_id, email) DO UPDATE SET status = 'Pending', will_be_admin = excluded.will_be_admin,
                     invited_by = excluded.invited_by, created_at = excluded.created_at",
                &[&team, &email, &admin, &by, &now_millis()],
            )
            .await?;
        Ok(())
    }

    pub async fn answer_invite(&self, team: i64, account: i64, email: &str, accept: bool) -> Result<bool, DbError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "SELECT will_be_admin FROM invite WHERE team_id = $1 AND email = $2 AND status = 'Pending' FOR UPDATE",
                &[&team, &email],
            )
            .await?;
        let Some(row) = row else { return Ok(false) };
        let admin: bool = row.get(0);
        let status = if accept { "Accepted" } else { "Declined" };
        tx.execute("UPDATE invite SET status = $3 WHERE team_id = $1 AND email = $2", &[&team, &email, &status])
            .await?;
        if accept {
            tx.execute(
                "INSERT INTO member (team_id, account_id, is_admin, joined_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&team, &account, &admin, &now_millis()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn remove_member(&self, team: i64, account: i64) -> Result<bool, DbError> {
        let n = self
            .client()
            .await?
            .execute("DELETE FROM member WHERE team_id = $1 AND account_id = $2", &[&team, &account])
            .await?;
        Ok(n == 1)
    }
}

async fn pending_invites(
    client: &tokio_postgres::Client,
    condition: &str,
    value: &(dyn tokio_postgres::types::ToSql + Sync),
) -> Result<Vec<InviteRow>, DbError> {
    let rows = client
        .query(
            &format!(
                "SELECT i.team_id, t.name, i.email, i.will_be_admin, i.status, a.email, i.created_at
                 FROM invite i JOIN team t ON t.id = i.team_id JOIN account a ON a.id = i.invited_by
                 WHERE {condition} AND i.status = 'Pending' ORDER BY i.created_at"
            ),
            &[value],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| InviteRow {
            team_id: r.get(0),
            team_name: r.get(1),
            email: r.get(2),
            will_be_admin: r.get(3),
            status: r.get(4),
            invited_by: r.get(5),
            created_at: r.get(6),
        })
        .collect())
}

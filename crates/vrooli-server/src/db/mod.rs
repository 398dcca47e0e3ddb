//! The server's storage behind one small API, with two backends:
//!
//! - `sqlite`: an embedded SQLite file (WAL), the default. One process; calls
//!   run one at a time on the blocking pool, which keeps every merge atomic.
//! - `postgres`: a PostgreSQL database that several server processes share.
//!   A document's merge runs in one transaction holding its row lock
//!   (`SELECT … FOR UPDATE`), so merges from different nodes never lose
//!   each other's changes; changes are numbered by a PostgreSQL sequence, in
//!   commit order.
//!
//! Both keep the same tables with the same meanings (accounts, devices,
//! documents with a global sequence, the readers a document has besides its
//! owner, teams, members, invites) and answer
//! every method alike; the integration tests run the same checks on both.
//! Handlers see only [`Db`]; no SQL lives outside this module.

mod postgres;
mod sqlite;

use std::path::Path;

use vrooli_protocol::wire::Owner;

pub use postgres::Listener;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database: {}", postgres::describe(.0))]
    Postgres(#[from] tokio_postgres::Error),
    #[error("database pool: {0}")]
    Pool(String),
    #[error("database url: {0}")]
    Url(String),
    #[error("the database schema is version {found}, newer than this server's {known}: upgrade the server")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the database task failed: {0}")]
    Task(String),
}

/// Who owns a document, as stored: its access follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocOwner {
    User(i64),
    Team(i64),
}

impl DocOwner {
    /// The wire's owner, if its id is a number.
    pub fn from_wire(owner: &Owner) -> Option<DocOwner> {
        match owner {
            Owner::User(id) => id.parse().ok().map(DocOwner::User),
            Owner::Team(id) => id.parse().ok().map(DocOwner::Team),
        }
    }

    fn from_row(kind: &str, id: i64) -> DocOwner {
        if kind == "team" {
            DocOwner::Team(id)
        } else {
            DocOwner::User(id)
        }
    }

    fn kind(self) -> &'static str {
        match self {
            DocOwner::User(_) => "user",
            DocOwner::Team(_) => "team",
        }
    }

    fn id(self) -> i64 {
        match self {
            DocOwner::User(id) | DocOwner::Team(id) => id,
        }
    }
}

/// The document whose access rules `id` follows: a message bucket's chat,
/// else the document itself. Readers beyond the owner are stored under it.
fn access_doc(id: &str) -> String {
    vrooli_protocol::docs::access_parent(id).unwrap_or_else(|| id.to_string())
}

/// What a caller may do with a document: `(allowed, manages)`. The owner
/// (the user, or a member of the owning team) and the document's readers
/// (a chat's participants and pending invitees) may read and write it; only
/// the owning user or an admin of the owning team may change who else reads
/// it. `membership` is the caller's in the owning team (`Some(is_admin)`).
fn decide(owner: DocOwner, user: i64, membership: Option<bool>, reader: bool) -> (bool, bool) {
    let (owns, manages) = match owner {
        DocOwner::User(id) => (id == user, id == user),
        DocOwner::Team(_) => (membership.is_some(), membership == Some(true)),
    };
    (owns || reader, manages)
}

/// The owner a document gets when it first arrives: its access parent's (a
/// chat's message buckets follow the chat), else the one the device
/// claimed, else the device's user.
fn first_owner(parent: Option<DocOwner>, claimed: Option<DocOwner>, user: i64) -> DocOwner {
    parent.or(claimed).unwrap_or(DocOwner::User(user))
}

pub struct AccountRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub locked_until: Option<i64>,
}

/// An authenticated device.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub device_id: i64,
    pub email: String,
    /// When the session ends, Unix milliseconds.
    pub expires_at: i64,
}

pub struct DeviceRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

/// A pending invite: team id and name, email, will be admin, status, inviter's email, time.
pub struct InviteRow {
    pub team_id: i64,
    pub team_name: String,
    pub email: String,
    pub will_be_admin: bool,
    pub status: String,
    pub invited_by: String,
    pub created_at: i64,
}

pub struct MemberRow {
    pub account: i64,
    pub email: String,
    pub is_admin: bool,
    pub joined_at: i64,
}

pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub members: Vec<MemberRow>,
    pub invites: Vec<InviteRow>,
}

/// A document a sync request offers, with what the caller needs beside it.
pub struct DocIntent<P> {
    pub id: String,
    /// The owner the device claims, used only if the document is new.
    pub claimed: Option<DocOwner>,
    pub payload: P,
}

/// A document as the merge sees it, its row locked until the merge returns.
pub struct DocAccess<P> {
    pub id: String,
    pub owner: DocOwner,
    /// Whether the caller may read and write it.
    pub allowed: bool,
    /// Whether the caller may change who else reads it (see [`decide`]).
    pub manages: bool,
    /// The accounts that read it besides its owner, as stored before this merge.
    pub readers: Vec<i64>,
    /// The stored state; `None` for a new document.
    pub data: Option<Vec<u8>>,
    pub payload: P,
}

/// What a merge decided: its answer, and the new state to store, if any.
pub struct Step<T> {
    pub value: T,
    pub store: Option<Vec<u8>>,
    /// The accounts that read the stored state besides its owner (a chat
    /// header's participants and pending invitees), replacing those stored;
    /// `None` keeps them.
    pub readers: Option<Vec<i64>>,
}

/// One merged document: the merge's answer, whether a new state was stored, and the
/// document's sequence number as this merge left it (0 when there is no stored document).
pub struct Merged<T> {
    pub value: T,
    pub stored: bool,
    pub seq: i64,
}

/// Who may read a document now, and the sequence number of its last change.
pub struct DocReaders {
    pub id: String,
    pub seq: i64,
    pub accounts: Vec<i64>,
}

/// Where the data lives; chosen once at start.
pub enum Db {
    Sqlite(sqlite::Sqlite),
    Postgres(Box<postgres::Postgres>),
}

impl Db {
    /// Opens (creating and migrating) the SQLite file at `path`.
    pub fn open_sqlite(path: &Path) -> Result<Db, DbError> {
        Ok(Db::Sqlite(sqlite::Sqlite::open(path)?))
    }

    /// Connects to PostgreSQL at `url` (`postgres://…`) and migrates it.
    /// Several servers may do this at once: migrations take a lock.
    pub async fn connect_postgres(url: &str) -> Result<Db, DbError> {
        Ok(Db::Postgres(Box::new(postgres::Postgres::connect(url).await?)))
    }

    /// A connection that receives other nodes' notifications; `None` for a
    /// backend that only one process uses.
    pub async fn listen(&self) -> Result<Option<Listener>, DbError> {
        match self {
            Db::Sqlite(_) => Ok(None),
            Db::Postgres(db) => Ok(Some(db.listen().await?)),
        }
    }

    /// Sends a notification to every node (including this one) once the
    /// current transactions commit; `false` if the backend has no nodes to
    /// tell and the caller must deliver it itself.
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<bool, DbError> {
        match self {
            Db::Sqlite(_) => Ok(false),
            Db::Postgres(db) => db.notify(channel, payload).await.map(|()| true),
        }
    }

    /// Whether the database answers.
    pub async fn health(&self) -> Result<(), DbError> {
        match self {
            Db::Sqlite(db) => db.call(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?)).await,
            Db::Postgres(db) => db.health().await,
        }
    }

    pub async fn account_by_email(&self, email: &str) -> Result<Option<AccountRow>, DbError> {
        let email = email.to_string();
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::account_by_email(c, &email)).await,
            Db::Postgres(db) => db.account_by_email(&email).await,
        }
    }

    /// Creates an account; `None` if the email is taken.
    pub async fn create_account(&self, id: i64, email: &str, hash: &str) -> Result<Option<i64>, DbError> {
        let (email, hash) = (email.to_string(), hash.to_string());
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::create_account(c, id, &email, &hash)).await,
            Db::Postgres(db) => db.create_account(id, &email, &hash).await,
        }
    }

    /// Records a wrong password; returns the lock end if the account is now locked.
    pub async fn record_failed_login(&self, account: i64, lock_millis: i64) -> Result<Option<i64>, DbError> {
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::record_failed_login(c, account, lock_millis)).await,
            Db::Postgres(db) => db.record_failed_login(account, lock_millis).await,
        }
    }

    pub async fn record_good_login(&self, account: i64) -> Result<(), DbError> {
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::record_good_login(c, account)).await,
            Db::Postgres(db) => db.record_good_login(account).await,
        }
    }

    pub async fn create_device(
        &self,
        id: i64,
        account: i64,
        name: &str,
        token_hash: &str,
        expires_at: i64,
    ) -> Result<(), DbError> {
        let (name, token_hash) = (name.to_string(), token_hash.to_string());
        match self {
            Db::Sqlite(db) => {
                db.call(move |c| sqlite::create_device(c, id, account, &name, &token_hash, expires_at)).await
            }
            Db::Postgres(db) => db.create_device(id, account, &name, &token_hash, expires_at).await,
        }
    }

    /// The live session a token hash belongs to, noting that it was seen.
    pub async fn caller_by_token(&self, token_hash: &str) -> Result<Option<Caller>, DbError> {
        let token_hash = token_hash.to_string();
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::caller_by_token(c, &token_hash)).await,
            Db::Postgres(db) => db.caller_by_token(&token_hash).await,
        }
    }

    pub async fn devices(&self, account: i64) -> Result<Vec<DeviceRow>, DbError> {
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::devices(c, account)).await,
            Db::Postgres(db) => db.devices(account).await,
        }
    }

    /// Revokes one of the account's devices; `false` if it has no such device.
    pub async fn revoke_device(&self, account: i64, device: i64) -> Result<bool, DbError> {
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::revoke_device(c, account, device)).await,
            Db::Postgres(db) => db.revoke_device(account, device).await,
        }
    }

    /// Merges documents one by one, in the given order: for each, loads it
    /// with its row locked, works out its owner and whether `user` may
    /// access it, calls `merge`, stores what `merge` returns under the next
    /// sequence number, and commits. An error from `merge` rolls back that
    /// document and stops; the documents before it stay merged.
    pub async fn merge_documents<P, T, E, F>(
        &self,
        user: i64,
        docs: Vec<DocIntent<P>>,
        merge: F,
    ) -> Result<Vec<Merged<T>>, E>
    where
        P: Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnMut(DocAccess<P>) -> Result<Step<T>, E> + Send + 'static,
    {
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::merge_documents(c, user, docs, merge)).await,
            Db::Postgres(db) => db.merge_documents(user, docs, merge).await,
        }
    }

    /// Documents the user may read that changed after `cursor`, oldest change
    /// first, at most `limit`; and the newest sequence number among them all.
    pub async fn changed_since(
        &self,
        user: i64,
        cursor: i64,
        limit: usize,
    ) -> Result<(Vec<(String, i64)>, i64), DbError> {
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::changed_since(c, user, cursor, limit)).await,
            Db::Postgres(db) => db.changed_since(user, cursor, limit).await,
        }
    }

    /// For each stored document of `ids`: who may read it and its sequence number.
    pub async fn readers(&self, ids: Vec<String>) -> Result<Vec<DocReaders>, DbError> {
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::readers(c, &ids)).await,
            Db::Postgres(db) => db.readers(&ids).await,
        }
    }

    /// Whether the account is a member (and an admin) of the team: `None` if not a member.
    pub async fn membership(&self, team: i64, account: i64) -> Result<Option<bool>, DbError> {
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::membership(c, team, account)).await,
            Db::Postgres(db) => db.membership(team, account).await,
        }
    }

    /// The accounts of a team's members.
    pub async fn team_members(&self, team: i64) -> Result<Vec<i64>, DbError> {
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::team_members(c, team)).await,
            Db::Postgres(db) => db.team_members(team).await,
        }
    }

    /// Creates a team with its creator as its first admin.
    pub async fn create_team(&self, id: i64, name: &str, creator: i64) -> Result<(), DbError> {
        let name = name.to_string();
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::create_team(c, id, &name, creator)).await,
            Db::Postgres(db) => db.create_team(id, &name, creator).await,
        }
    }

    /// The teams the account belongs to, with members (and, for admins, pending invites).
    pub async fn teams_of(&self, account: i64) -> Result<Vec<TeamRow>, DbError> {
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::teams_of(c, account)).await,
            Db::Postgres(db) => db.teams_of(account).await,
        }
    }

    /// Pending invites addressed to an email.
    pub async fn invites_for(&self, email: &str) -> Result<Vec<InviteRow>, DbError> {
        let email = email.to_string();
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::invites_for(c, &email)).await,
            Db::Postgres(db) => db.invites_for(&email).await,
        }
    }

    /// Invites (again) an email to a team.
    pub async fn invite(&self, team: i64, email: &str, admin: bool, by: i64) -> Result<(), DbError> {
        let email = email.to_string();
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::invite(c, team, &email, admin, by)).await,
            Db::Postgres(db) => db.invite(team, &email, admin, by).await,
        }
    }

    /// Answers the account's pending invite; `false` if there is none.
    pub async fn answer_invite(&self, team: i64, account: i64, email: &str, accept: bool) -> Result<bool, DbError> {
        let email = email.to_string();
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::answer_invite(c, team, account, &email, accept)).await,
            Db::Postgres(db) => db.answer_invite(team, account, &email, accept).await,
        }
    }

    /// Removes a member; `false` if they were not one.
    pub async fn remove_member(&self, team: i64, account: i64) -> Result<bool, DbError> {
        match self {
            Db::Sqlite(db) => db.call(move |c| sqlite::remove_member(c, team, account)).await,
            Db::Postgres(db) => db.remove_member(team, account).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners() {
        assert_eq!(DocOwner::from_wire(&Owner::Team("7".into())), Some(DocOwner::Team(7)));
        assert_eq!(DocOwner::from_wire(&Owner::User("x".into())), None);
        let (parent, claimed) = (Some(DocOwner::Team(1)), Some(DocOwner::User(2)));
        assert_eq!(first_owner(parent, claimed, 3), DocOwner::Team(1));
        assert_eq!(first_owner(None, claimed, 3), DocOwner::User(2));
        assert_eq!(first_owner(None, None, 3), DocOwner::User(3));
    }

    #[test]
    fn access_decisions() {
        // The owning user does everything; another user nothing, unless a reader.
        assert_eq!(decide(DocOwner::User(1), 1, None, false), (true, true));
        assert_eq!(decide(DocOwner::User(1), 2, None, false), (false, false));
        assert_eq!(decide(DocOwner::User(1), 2, None, true), (true, false));
        // A team's members read and write; only its admins manage readers.
        assert_eq!(decide(DocOwner::Team(5), 2, Some(true), false), (true, true));
        assert_eq!(decide(DocOwner::Team(5), 2, Some(false), false), (true, false));
        assert_eq!(decide(DocOwner::Team(5), 2, None, false), (false, false));
        assert_eq!(decide(DocOwner::Team(5), 2, None, true), (true, false));
        assert_eq!(access_doc("messages:12:4"), "chat:12");
        assert_eq!(access_doc("chat:12"), "chat:12");
    }
}

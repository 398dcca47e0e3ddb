//! Create, get, update, delete and list for every table.
//!
//! Rows are `Vec<Value>` in catalogue column order; typed entities convert to
//! and from that, so one code path serves all 66 tables. Every write goes
//! through a [`Writer`] inside one immediate transaction: validate, then
//! write, and on any error the transaction rolls back and nothing changes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rusqlite::{params_from_iter, Connection, OptionalExtension, Transaction, TransactionBehavior};
use vrooli_model::validate::validate_row;
use vrooli_model::{Clock, Entity, Id, IdGenerator, Operation, PublicId, SystemClock, TableDef, Timestamp, Value};

use crate::data_dir::DataDir;
use crate::error::StoreError;
use crate::open::{connect, device_identity, largest_id, prepare_schema};
use crate::row::{default_value, read_row, Param};
use vrooli_wal::Checkpointer;

pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 1000;

/// An open database. Not `Sync`: share it behind a mutex, or open one per thread.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    ids: IdGenerator,
    clock: Box<dyn Clock>,
    device_id: String,
    /// Copies the write-ahead log into the database off the write path. Kept for its
    /// thread: the connection's WAL hook nudges it.
    _checkpointer: Option<Checkpointer>,
}

impl Store {
    /// Opens `DIR/vrooli.db`, creating the directory and the database and
    /// migrating it to the newest schema. Opening again keeps every row.
    pub fn open(dir: &DataDir) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir.path())
            .map_err(|source| StoreError::CreateDataDir { path: dir.path().to_path_buf(), source })?;
        Self::open_path(&dir.database_path())
    }

    pub fn open_path(path: &Path) -> Result<Store, StoreError> {
        Self::open_with(path, Box::new(SystemClock), None)
    }

    /// Opens with a chosen clock, and optionally migrates only up to `target`
    /// (for tests of upgrades from an older schema).
    pub fn open_with(path: &Path, clock: Box<dyn Clock>, target: Option<i32>) -> Result<Store, StoreError> {
        let mut conn = connect(path)?;
        prepare_schema(&mut conn, path, target)?;
        let identity = device_identity(&conn)?;
        let ids = IdGenerator::with_floor(identity.node, largest_id(&conn)?);
        tracing::debug!(path = %path.display(), device = %identity.device_id, "opened store");
        // Checkpoints off the commits; see `vrooli_wal`.
        let checkpointer = Checkpointer::start(path, &mut conn);
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            ids,
            clock,
            device_id: identity.device_id,
            _checkpointer: checkpointer,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This data dir's device id, made on first open.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// A value of this device's local state (`local_meta`): sync cursor,
    /// account server and email — never secrets.
    pub fn local(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row("SELECT value FROM local_meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// Sets (or with `None` removes) a value of this device's local state.
    pub fn set_local(&mut self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        match value {
            Some(v) => self.conn.execute("INSERT OR REPLACE INTO local_meta (key, value) VALUES (?1, ?2)", [key, v])?,
            None => self.conn.execute("DELETE FROM local_meta WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    /// The connection, for reads and introspection. Writes go through [`Store::write`].
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one immediate transaction: all of its writes land, or none.
    /// The error type is the caller's, so layers above the store keep their own errors.
    pub fn write<T, E: From<StoreError>>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T, E>) -> Result<T, E> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
        let result = {
            let mut writer = Writer { tx: &tx, ids: &mut self.ids, clock: self.clock.as_ref() };
            f(&mut writer)?
        };
        crate::search::apply_queue(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(result)
    }

    /// Runs `f` in a transaction that is always rolled back: for checks that
    /// rebuild state to compare it (`vrooli doctor`) without changing anything.
    pub fn rehearse<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
        let result = f(&mut Writer { tx: &tx, ids: &mut self.ids, clock: self.clock.as_ref() });
        tx.rollback().map_err(StoreError::from)?;
        result
    }

    pub fn insert<E: Entity>(&mut self, entity: E) -> Result<E, StoreError> {
        self.write(|w| w.insert(entity))
    }

    /// Inserts all rows in one transaction; the first invalid row aborts them all.
    pub fn insert_all<E: Entity>(&mut self, entities: Vec<E>) -> Result<Vec<E>, StoreError> {
        self.write(|w| entities.into_iter().map(|e| w.insert(e)).collect())
    }

    pub fn update<E: Entity>(&mut self, entity: E) -> Result<E, StoreError> {
        self.write(|w| w.update(entity))
    }

    pub fn delete<E: Entity>(&mut self, id: i64) -> Result<(), StoreError> {
        self.write(|w| w.delete_row(E::TABLE, id))
    }

    pub fn get<E: Entity>(&self, id: i64) -> Result<Option<E>, StoreError> {
        get_row(&self.conn, E::TABLE, id)?.map(|v| E::from_values(v).map_err(StoreError::from)).transpose()
    }

    pub fn list<E: Entity>(&self, query: &ListQuery) -> Result<Page<E>, StoreError> {
        let page = list_rows(&self.conn, E::TABLE, query)?;
        let items = page.items.into_iter().map(E::from_values).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, has_next_page: page.has_next_page, next_cursor: page.next_cursor })
    }

    /// A row of any table by catalogue name.
    pub fn get_row(&self, table: &str, id: i64) -> Result<Option<Vec<Value>>, StoreError> {
        get_row(&self.conn, table_def(table)?, id)
    }

    pub fn list_rows(&self, table: &str, query: &ListQuery) -> Result<Page<Vec<Value>>, StoreError> {
        list_rows(&self.conn, table_def(table)?, query)
    }

    /// SQLite's query plan for a page of `table`, one line per step: for
    /// diagnostics and for tests that pin down which index a list uses.
    pub fn list_plan(&self, table: &str, query: &ListQuery) -> Result<Vec<String>, StoreError> {
        let table = table_def(table)?;
        let (sql, params) = list_sql(table, query, query.limit.unwrap_or(DEFAULT_PAGE_SIZE))?;
        let mut stmt = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let lines = stmt.query_map(params_from_iter(params.iter().map(Param)), |r| r.get::<_, String>(3))?;
        Ok(lines.collect::<Result<_, _>>()?)
    }
}

/// Looks a table up by its catalogue name.
pub fn table_def(name: &str) -> Result<&'static TableDef, StoreError> {
    vrooli_model::table(name).ok_or_else(|| StoreError::UnknownTable(name.to_string()))
}

/// Writes inside one transaction. Obtained from [`Store::write`].
pub struct Writer<'a> {
    tx: &'a Transaction<'a>,
    ids: &'a mut IdGenerator,
    clock: &'a dyn Clock,
}

impl Writer<'_> {
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A fresh id from this device's generator.
    pub fn next_id(&mut self) -> Id {
        self.ids.next(self.clock.now())
    }

    /// The open transaction, for crates that keep their own tables beside the model.
    pub fn transaction(&self) -> &Transaction<'_> {
        self.tx
    }

    pub fn insert<E: Entity>(&mut self, entity: E) -> Result<E, StoreError> {
        let values = self.insert_row(E::TABLE, entity.into_values())?;
        Ok(E::from_values(values)?)
    }

    pub fn update<E: Entity>(&mut self, entity: E) -> Result<E, StoreError> {
        let values = self.update_row(E::TABLE, entity.into_values())?;
        Ok(E::from_values(values)?)
    }

    pub fn get<E: Entity>(&self, id: i64) -> Result<Option<E>, StoreError> {
        get_row(self.tx, E::TABLE, id)?.map(|v| E::from_values(v).map_err(StoreError::from)).transpose()
    }

    /// Inserts a row, filling what the store owns: an id when it is 0 or
    /// missing, a public id when empty, `createdAt`/`updatedAt` when unset, and
    /// catalogue defaults for missing required columns. Returns the row stored.
    pub fn insert_row(&mut self, table: &'static TableDef, mut values: Vec<Value>) -> Result<Vec<Value>, StoreError> {
        let shape_ok = values.len() == table.columns.len();
        if shape_ok {
            let now = self.clock.now();
            for (column, value) in table.columns.iter().zip(values.iter_mut()) {
                let unset = match value {
                    Value::Null => true,
                    Value::Integer(0) => column.primary_key,
                    Value::Text(s) => {
                        (column.name == "publicId" && s.is_empty())
                            || (column.default_now || column.auto_updated) && is_unset_timestamp(s)
                    }
                    _ => false,
                };
                if !unset {
                    continue;
                }
                if column.primary_key {
                    *value = Value::Integer(self.ids.next(now).get());
                } else if column.name == "publicId" {
                    *value = Value::Text(PublicId::generate(&mut rand::rng()));
                } else if column.default_now || column.auto_updated {
                    *value = Value::Text(now.to_string());
                } else if let (false, Some(default)) = (column.nullable, column.default_sql) {
                    *value = default_value(default);
                }
            }
        }
        validate_row(table, &values, Operation::Insert)?;
        let sql = &statements(table).insert;
        let result = self.tx.prepare_cached(sql)?.execute(params_from_iter(values.iter().map(Param)));
        match result {
            Ok(_) => Ok(values),
            Err(e) => Err(self.explain(table, &values, e)),
        }
    }

    /// Replaces a row (found by its id), keeping `createdAt` and stamping `updatedAt`.
    pub fn update_row(&mut self, table: &'static TableDef, mut values: Vec<Value>) -> Result<Vec<Value>, StoreError> {
        validate_row(table, &values, Operation::Update)?;
        let id = values.first().and_then(Value::as_i64).unwrap_or_default();
        let Some(current) = get_row(self.tx, table, id)? else {
            return Err(StoreError::NotFound { entity: table.name, id });
        };
        let now = self.clock.now();
        for ((column, value), old) in table.columns.iter().zip(values.iter_mut()).zip(current) {
            if column.name == "createdAt" {
                *value = old;
            } else if column.auto_updated {
                *value = Value::Text(now.to_string());
            }
        }
        let sql = &statements(table).update;
        // Parameters: every column but the id, then the id for the WHERE clause.
        let params = values.iter().skip(1).chain(values.first()).map(Param);
        match self.tx.prepare_cached(sql)?.execute(params_from_iter(params)) {
            Ok(_) => Ok(values),
            Err(e) => Err(self.explain(table, &values, e)),
        }
    }

    /// Changes some columns of a row by catalogue name.
    pub fn patch_row(
        &mut self,
        table: &'static TableDef,
        id: i64,
        changes: Vec<(String, Value)>,
    ) -> Result<Vec<Value>, StoreError> {
        let Some(mut values) = get_row(self.tx, table, id)? else {
            return Err(StoreError::NotFound { entity: table.name, id });
        };
        for (column, value) in changes {
            let i = table
                .column_index(&column)
                .filter(|i| *i != 0)
                .ok_or(StoreError::UnknownColumn { table: table.name, column })?;
            values[i] = value;
        }
        self.update_row(table, values)
    }

    /// Writes a row exactly as given — no ids, timestamps or defaults filled
    /// in — inserting it or replacing the stored one. Projections use this:
    /// a row must be a pure function of its document, identical on every
    /// device. Returns whether anything changed; an identical row is not
    /// rewritten, so triggers and indexes see no write.
    pub fn put_row(&mut self, table: &'static TableDef, values: Vec<Value>) -> Result<bool, StoreError> {
        let id = values.first().and_then(Value::as_i64).unwrap_or_default();
        let current = get_row(self.tx, table, id)?;
        let op = if current.is_some() { Operation::Update } else { Operation::Insert };
        validate_row(table, &values, op)?;
        let result = match current {
            Some(current) if current == values => return Ok(false),
            Some(_) => {
                let params = values.iter().skip(1).chain(values.first()).map(Param);
                self.tx.prepare_cached(&statements(table).update)?.execute(params_from_iter(params))
            }
            None => {
                self.tx.prepare_cached(&statements(table).insert)?.execute(params_from_iter(values.iter().map(Param)))
            }
        };
        match result {
            Ok(_) => Ok(true),
            Err(e) => Err(self.explain(table, &values, e)),
        }
    }

    /// Deletes a row if it exists; returns whether it did.
    pub fn delete_if_exists(&mut self, table: &'static TableDef, id: i64) -> Result<bool, StoreError> {
        Ok(self.tx.prepare_cached(&statements(table).delete)?.execute([id])? > 0)
    }

    /// Whether a row with this id exists: a key lookup, without reading the row.
    pub fn exists(&self, table: &'static TableDef, id: i64) -> Result<bool, StoreError> {
        Ok(self.tx.prepare_cached(&statements(table).exists)?.exists([id])?)
    }

    /// Reads a row inside the transaction.
    pub fn get_row(&self, table: &'static TableDef, id: i64) -> Result<Option<Vec<Value>>, StoreError> {
        get_row(self.tx, table, id)
    }

    /// Deletes a row; its children follow the foreign keys' on-delete rules.
    pub fn delete_row(&mut self, table: &'static TableDef, id: i64) -> Result<(), StoreError> {
        let changed = self.tx.prepare_cached(&statements(table).delete)?.execute([id])?;
        if changed == 0 {
            return Err(StoreError::NotFound { entity: table.name, id });
        }
        Ok(())
    }

    /// Turns a constraint failure into an error naming the field and the rule.
    /// Runs only on the error path, so valid writes pay nothing for it.
    fn explain(&self, table: &'static TableDef, values: &[Value], error: rusqlite::Error) -> StoreError {
        let Some(code) = error.sqlite_error().map(|e| e.extended_code) else {
            return error.into();
        };
        let message = error.to_string();
        match code {
            rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => self.missing_parent(table, values).unwrap_or(error.into()),
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                let fields = message
                    .split_once(": ")
                    .map(|(_, cols)| cols.split(", ").map(|c| c.rsplit('.').next().unwrap_or(c).to_string()).collect())
                    .unwrap_or_default();
                StoreError::Conflict { entity: table.name, fields }
            }
            rusqlite::ffi::SQLITE_CONSTRAINT_CHECK => check_failure(table, &message).unwrap_or(error.into()),
            _ => error.into(),
        }
    }

    fn missing_parent(&self, table: &'static TableDef, values: &[Value]) -> Option<StoreError> {
        for fk in table.foreign_keys {
            let keys: Vec<&Value> =
                fk.columns.iter().filter_map(|c| table.column_index(c)).map(|i| &values[i]).collect();
            if keys.iter().any(|v| v.is_null()) {
                continue;
            }
            let condition: Vec<String> =
                fk.references_columns.iter().enumerate().map(|(i, c)| format!("\"{c}\" = ?{}", i + 1)).collect();
            let sql = format!("SELECT 1 FROM \"{}\" WHERE {}", fk.references_table, condition.join(" AND "));
            let exists = self
                .tx
                .query_row(&sql, params_from_iter(keys.iter().map(|v| Param(v))), |_| Ok(()))
                .optional()
                .ok()?
                .is_some();
            if !exists {
                let id = keys
                    .iter()
                    .map(|v| match v {
                        Value::Integer(i) => i.to_string(),
                        Value::Text(s) => s.clone(),
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                let parent = vrooli_model::table(fk.references_table).map_or("row", |t| t.name);
                return Some(StoreError::MissingParent { entity: table.name, field: fk.columns.join(","), parent, id });
            }
        }
        None
    }
}

fn is_unset_timestamp(s: &str) -> bool {
    // `Timestamp::UNSET` as stored; compared on every insert, so kept as a literal.
    const UNSET_TEXT: &str = "1970-01-01T00:00:00.000000Z";
    s.is_empty() || s == UNSET_TEXT
}

/// Maps `CHECK constraint failed: ck_<table>_<column>_<rule>` back to a field and rule.
fn check_failure(table: &'static TableDef, message: &str) -> Option<StoreError> {
    let name = message.rsplit(": ").next()?.trim();
    let rest = name.strip_prefix("ck_")?.strip_prefix(table.name)?.strip_prefix('_')?;
    let column = table
        .columns
        .iter()
        .filter(|c| rest.starts_with(c.name) && rest[c.name.len()..].starts_with('_'))
        .max_by_key(|c| c.name.len())?;
    let rule = &rest[column.name.len() + 1..];
    let check = column.checks.iter().find(|c| c.rule() == rule);
    Some(StoreError::Invalid(vrooli_model::ValidationError::single(
        table.name,
        column.name,
        check.map_or("check", |c| c.rule()),
        check.map_or_else(|| format!("breaks the rule {rule}"), |c| format!("must be {}", c.describe())),
    )))
}

pub(crate) fn get_row(conn: &Connection, table: &'static TableDef, id: i64) -> Result<Option<Vec<Value>>, StoreError> {
    let mut stmt = conn.prepare_cached(&statements(table).select_by_id)?;
    let row = stmt.query_row([id], |r| read_row(r, table.columns.len())).optional()?;
    Ok(row)
}

/// Newest first (by createdAt, then id) or oldest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// A page request: equality filters, an order, a size and where to continue.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filters: Vec<(String, Value)>,
    pub order: Order,
    /// Rows per page; `None` means [`DEFAULT_PAGE_SIZE`]. At most [`MAX_PAGE_SIZE`].
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
}

impl ListQuery {
    pub fn filter(mut self, column: &str, value: Value) -> Self {
        self.filters.push((column.to_string(), value));
        self
    }

    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.after = cursor;
        self
    }

    pub fn order(mut self, order: Order) -> Self {
        self.order = order;
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    /// Pass back as [`ListQuery::after`] for the next page.
    pub next_cursor: Option<String>,
}

/// The SELECT of one page (fetching one row more than `limit`) and its parameters.
fn list_sql(table: &'static TableDef, query: &ListQuery, limit: u32) -> Result<(String, Vec<Value>), StoreError> {
    let mut conditions = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    for (column, value) in &query.filters {
        if table.column(column).is_none() {
            return Err(StoreError::UnknownColumn { table: table.name, column: column.clone() });
        }
        if value.is_null() {
            conditions.push(format!("\"{column}\" IS NULL"));
        } else {
            params.push(value.clone());
            conditions.push(format!("\"{column}\" = ?{}", params.len()));
        }
    }
    // Rows are ordered by creation time, ties broken by id, where the table
    // has createdAt: the catalogue's (parent, createdAt) indexes then serve
    // "newest of a chat" without sorting. Elsewhere by id, which is time-ordered too.
    let by_created = table.column("createdAt").is_some();
    let key = if by_created { "(\"createdAt\", \"id\")" } else { "\"id\"" };
    let cursor = query.after.as_deref().map(|c| parse_cursor(c, by_created)).transpose()?;
    let (comparison, direction) = match query.order {
        Order::NewestFirst => ("<", "DESC"),
        Order::OldestFirst => (">", "ASC"),
    };
    if let Some(cursor) = cursor {
        let placeholders: Vec<String> = cursor
            .into_iter()
            .map(|v| {
                params.push(v);
                format!("?{}", params.len())
            })
            .collect();
        conditions.push(format!("{key} {comparison} ({})", placeholders.join(", ")));
    }
    let where_clause =
        if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
    let order_by = if by_created {
        format!("\"createdAt\" {direction}, \"id\" {direction}")
    } else {
        format!("\"id\" {direction}")
    };
    // One row more than the page tells whether another page follows.
    let sql = format!(
        "SELECT {} FROM \"{}\"{where_clause} ORDER BY {order_by} LIMIT {}",
        statements(table).columns,
        table.name,
        limit + 1
    );
    Ok((sql, params))
}

pub(crate) fn list_rows(
    conn: &Connection,
    table: &'static TableDef,
    query: &ListQuery,
) -> Result<Page<Vec<Value>>, StoreError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let (sql, params) = list_sql(table, query, limit)?;
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut items = stmt
        .query_map(params_from_iter(params.iter().map(Param)), |r| read_row(r, table.columns.len()))?
        .collect::<Result<Vec<_>, _>>()?;
    let has_next_page = items.len() > limit as usize;
    items.truncate(limit as usize);
    let created = table.column_index("createdAt");
    let next_cursor = match (has_next_page, items.last()) {
        (true, Some(last)) => {
            let id = last.first().and_then(Value::as_i64).unwrap_or_default();
            match created.and_then(|i| last[i].as_str()) {
                Some(at) => Some(format!("{at}_{id}")),
                None => Some(id.to_string()),
            }
        }
        _ => None,
    };
    Ok(Page { items, has_next_page, next_cursor })
}

/// The SQL of one table's basic statements, built once per process.
#[derive(Clone)]
struct Statements {
    columns: String,
    insert: String,
    update: String,
    select_by_id: String,
    exists: String,
    delete: String,
}

fn statements(table: &'static TableDef) -> Cow<'static, Statements> {
    static ALL: OnceLock<HashMap<&'static str, Statements>> = OnceLock::new();
    let all = ALL.get_or_init(|| vrooli_model::TABLES.iter().map(|t| (t.name, Statements::new(t))).collect());
    // Every TableDef comes from the catalogue, so the lookup does not miss; a
    // table defined elsewhere gets its statements built on the spot.
    match all.get(table.name) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(Statements::new(table)),
    }
}

impl Statements {
    fn new(table: &TableDef) -> Statements {
        let names: Vec<String> = table.columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
        let columns = names.join(", ");
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let sets: Vec<String> = names.iter().skip(1).enumerate().map(|(i, n)| format!("{n} = ?{}", i + 1)).collect();
        let t = table.name;
        Statements {
            insert: format!("INSERT INTO \"{t}\" ({columns}) VALUES ({})", placeholders.join(", ")),
            update: format!("UPDATE \"{t}\" SET {} WHERE \"id\" = ?{}", sets.join(", "), names.len()),
            select_by_id: format!("SELECT {columns} FROM \"{t}\" WHERE \"id\" = ?1"),
            exists: format!("SELECT 1 FROM \"{t}\" WHERE \"id\" = ?1"),
            delete: format!("DELETE FROM \"{t}\" WHERE \"id\" = ?1"),
            columns,
        }
    }
}

/// A cursor is the last row's `createdAt_id` (or just its id, for tables
/// without createdAt): opaque to callers, stable under inserts and deletes.
fn parse_cursor(cursor: &str, by_created: bool) -> Result<Vec<Value>, StoreError> {
    let invalid = || StoreError::InvalidCursor(cursor.to_string());
    if by_created {
        let (at, id) = cursor.rsplit_once('_').ok_or_else(invalid)?;
        Timestamp::parse(at).ok_or_else(invalid)?;
        Ok(vec![Value::Text(at.to_string()), Value::Integer(id.parse().map_err(|_| invalid())?)])
    } else {
        Ok(vec![Value::Integer(cursor.parse().map_err(|_| invalid())?)])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn unset_timestamp_literal_matches_the_model() {
        assert!(super::is_unset_timestamp(&vrooli_model::Timestamp::UNSET.to_string()));
    }
}

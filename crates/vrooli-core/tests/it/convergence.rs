//! Convergence: 3–5 devices apply random operations from every workspace
//! verb — chats, resources, runs — exchange bundles in random partial orders
//! (everything, or one document, from one device to another), then exchange
//! fully until quiescent. Afterwards every device must hold the same
//! documents at the same heads, export byte-identical rows, find nothing with
//! `doctor` (the projection equals one made from scratch), and keep the
//! model's invariants (no dangling foreign key, one latest version per
//! resource, unique version indexes, a legal run status with matching times).
//!
//! Operations name their targets by [`Index`] into what the acting device
//! has at that moment (its chats, messages, versions, runs), so every
//! generated case runs and shrinks well. Several operations act on one target
//! from several devices that have not seen each other's change (concurrent
//! edits, versions, transitions). Devices share one [`TestClock`] per case
//! that the operations advance, sometimes by more than an hour, so messages
//! land in different buckets.
//!
//! `VROOLI_CONVERGENCE_CASES` sets the number of cases (default 1,000).
//! Device and public ids come from the operating system's randomness, so a
//! failing case replays the same operations but not always the same
//! conflict winners.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;
use serde_json::Value as Json;
use vrooli_core::{bundle, CoreError, DocId, Workspace};
use vrooli_model::entities::{ChatMessage, ChatTranslation, ResourceTranslation, ResourceVersion};
use vrooli_model::enums::RunStatus;
use vrooli_store::{DataDir, ListQuery, Store, Value};

use crate::support::{assert_converged, device, message_text, send, sync, Device, TestClock};

const DEFAULT_CASES: u32 = 1_000;
const MAX_DEVICES: usize = 5;
const LANGUAGES: [&str; 3] = ["en", "de", "fr"];
const EMOJIS: &[&str] = &["👍", "🎉", "❤️"];
const RESOURCE_TYPES: [&str; 3] = ["Routine", "Note", "Project"];
/// Labels that collide often: the same label offline on two devices, and
/// labels whose order differs from their creation order.
const LABELS: [&str; 6] = ["1.0.0", "1.0.1", "1.1.0", "2.0.0", "v2", "draft"];
const TAGS: [&str; 3] = ["ai", "ops", "writing"];
const RELATIONS: [&str; 2] = ["calls", "uses"];
const NODES: [&str; 2] = ["123e4567-e89b-12d3-a456-426614174000", "9b2f0c1e-4a7d-4e3b-8c5f-2d6e1a0b9c8d"];
const HOUR_MICROS: i64 = 3_600_000_000;
/// Full exchange rounds before the devices must agree: one gives everyone
/// everything, so a second is already a failure to converge.
const MAX_ROUNDS: usize = 3;

fn config() -> Config {
    let cases = std::env::var("VROOLI_CONVERGENCE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_CASES);
    Config { cases, ..Config::default() }
}

/// One step of a case. Device numbers are taken modulo the case's device
/// count; `at: Vec<usize>` means each of those devices does it, concurrently,
/// to the target picked on the first of them.
#[derive(Debug, Clone)]
enum Op {
    CreateChat { at: usize, name: String, language: usize },
    NameChat { at: Vec<usize>, chat: Index, language: usize, edits: Vec<TextEdit>, description: Option<String> },
    Post { at: usize, chat: Index, text: String, reply_to: Option<Index> },
    EditMessage { at: Vec<usize>, message: Index, edits: Vec<TextEdit> },
    DeleteMessage { at: usize, message: Index },
    React { at: Vec<usize>, message: Index, emoji: usize, take_back: bool },
    CreateResource { at: usize, kind: usize, name: String, language: usize },
    AddVersion { at: Vec<usize>, resource: Index, labels: Vec<usize>, complete: bool, private: bool },
    NameVersion { at: Vec<usize>, version: Index, language: usize, edits: Vec<TextEdit>, description: Option<String> },
    EditNotes { at: Vec<usize>, version: Index, edits: Vec<TextEdit> },
    DeleteVersion { at: usize, version: Index },
    Tag { at: Vec<usize>, resource: Index, tag: usize },
    Relate { at: usize, from: Index, to: Index, kind: usize },
    DeleteResource { at: usize, resource: Index },
    CreateRun { at: usize, name: String, version: Option<Index> },
    AddStep { at: Vec<usize>, run: Index, name: String, node: usize },
    AddIo { at: usize, run: Index, node: String, input: String, data: String },
    SetStatus { at: Vec<usize>, run: Index, to: Vec<usize> },
    Advance { micros: i64 },
    SendAll { from: usize, to: usize },
    SendOne { from: usize, to: usize, doc: Index },
}

/// A change to a text, applied to whatever text the device has.
#[derive(Debug, Clone)]
enum TextEdit {
    Insert { at: Index, word: String },
    Remove { at: Index, len: usize },
    Replace(String),
}

impl TextEdit {
    fn apply(&self, text: &str) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        match self {
            TextEdit::Insert { at, word } => {
                let at = at.index(chars.len() + 1);
                chars.splice(at..at, word.chars());
            }
            TextEdit::Remove { at, len } => {
                if !chars.is_empty() {
                    let start = at.index(chars.len());
                    let end = (start + len).min(chars.len());
                    chars.drain(start..end);
                }
            }
            TextEdit::Replace(new) => return new.clone(),
        }
        chars.into_iter().collect()
    }
}

fn device_no() -> impl Strategy<Value = usize> {
    0..MAX_DEVICES
}

/// One to three devices acting on one target.
fn devices_no() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(device_no(), 1..=3)
}

fn words() -> impl Strategy<Value = String> {
    "[a-z]{1,6}( [a-z]{1,6}){0,4}"
}

/// Mostly short names, sometimes near the model's 128-character limit, so
/// concurrent renames can add up beyond it.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![6 => words(), 1 => "[a-z]{100,128}"]
}

fn text_edit() -> impl Strategy<Value = TextEdit> {
    prop_oneof![
        3 => (any::<Index>(), " ?[a-z]{1,8} ?").prop_map(|(at, word)| TextEdit::Insert { at, word }),
        2 => (any::<Index>(), 1usize..12).prop_map(|(at, len)| TextEdit::Remove { at, len }),
        1 => name().prop_map(TextEdit::Replace),
    ]
}

/// One edit per possible concurrent device.
fn text_edits() -> impl Strategy<Value = Vec<TextEdit>> {
    proptest::collection::vec(text_edit(), 3)
}

fn chat_ops() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (device_no(), name(), 0..LANGUAGES.len())
            .prop_map(|(at, name, language)| Op::CreateChat { at, name, language }),
        2 => (devices_no(), any::<Index>(), 0..LANGUAGES.len(), text_edits(), proptest::option::of(words()))
            .prop_map(|(at, chat, language, edits, description)| Op::NameChat { at, chat, language, edits, description }),
        5 => (device_no(), any::<Index>(), words(), proptest::option::weighted(0.3, any::<Index>()))
            .prop_map(|(at, chat, text, reply_to)| Op::Post { at, chat, text, reply_to }),
        3 => (devices_no(), any::<Index>(), text_edits())
            .prop_map(|(at, message, edits)| Op::EditMessage { at, message, edits }),
        1 => (device_no(), any::<Index>()).prop_map(|(at, message)| Op::DeleteMessage { at, message }),
        2 => (devices_no(), any::<Index>(), 0..EMOJIS.len(), proptest::bool::weighted(0.3))
            .prop_map(|(at, message, emoji, take_back)| Op::React { at, message, emoji, take_back }),
    ]
}

fn resource_ops() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (device_no(), 0..RESOURCE_TYPES.len(), name(), 0..LANGUAGES.len())
            .prop_map(|(at, kind, name, language)| Op::CreateResource { at, kind, name, language }),
        3 => (devices_no(), any::<Index>(), proptest::collection::vec(0..LABELS.len(), 3), any::<bool>(), any::<bool>())
            .prop_map(|(at, resource, labels, complete, private)| Op::AddVersion { at, resource, labels, complete, private }),
        2 => (devices_no(), any::<Index>(), 0..LANGUAGES.len(), text_edits(), proptest::option::of(words()))
            .prop_map(|(at, version, language, edits, description)| Op::NameVersion { at, version, language, edits, description }),
        1 => (devices_no(), any::<Index>(), text_edits())
            .prop_map(|(at, version, edits)| Op::EditNotes { at, version, edits }),
        1 => (device_no(), any::<Index>()).prop_map(|(at, version)| Op::DeleteVersion { at, version }),
        1 => (devices_no(), any::<Index>(), 0..TAGS.len())
            .prop_map(|(at, resource, tag)| Op::Tag { at, resource, tag }),
        1 => (device_no(), any::<Index>(), any::<Index>(), 0..RELATIONS.len())
            .prop_map(|(at, from, to, kind)| Op::Relate { at, from, to, kind }),
        1 => (device_no(), any::<Index>()).prop_map(|(at, resource)| Op::DeleteResource { at, resource }),
    ]
}

fn run_ops() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (device_no(), words(), proptest::option::weighted(0.7, any::<Index>()))
            .prop_map(|(at, name, version)| Op::CreateRun { at, name, version }),
        2 => (devices_no(), any::<Index>(), words(), 0..NODES.len())
            .prop_map(|(at, run, name, node)| Op::AddStep { at, run, name, node }),
        1 => (device_no(), any::<Index>(), "[a-z]{1,8}", "[a-z]{1,8}", words())
            .prop_map(|(at, run, node, input, data)| Op::AddIo { at, run, node, input, data }),
        4 => (devices_no(), any::<Index>(), proptest::collection::vec(0..RunStatus::ALL.len(), 3))
            .prop_map(|(at, run, to)| Op::SetStatus { at, run, to }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => chat_ops(),
        4 => resource_ops(),
        3 => run_ops(),
        1 => prop_oneof![4 => 0..10_000_000i64, 1 => HOUR_MICROS..3 * HOUR_MICROS]
            .prop_map(|micros| Op::Advance { micros }),
        2 => (device_no(), device_no()).prop_map(|(from, to)| Op::SendAll { from, to }),
        2 => (device_no(), device_no(), any::<Index>()).prop_map(|(from, to, doc)| Op::SendOne { from, to, doc }),
    ]
}

/// A whole case: how many devices, when the clock starts, and the operations
/// (always starting with a chat on one device and a resource on another, so
/// most operations find something to act on).
#[derive(Debug, Clone)]
struct Case {
    devices: usize,
    start_micros: i64,
    ops: Vec<Op>,
}

fn case() -> impl Strategy<Value = Case> {
    (3..=MAX_DEVICES, 0..(30 * 24 * HOUR_MICROS), proptest::collection::vec(op(), 3..=25)).prop_map(
        |(devices, offset, mut ops)| {
            ops.insert(0, Op::CreateChat { at: 0, name: "general".into(), language: 0 });
            ops.insert(1, Op::CreateResource { at: 1, kind: 0, name: "Summarise".into(), language: 0 });
            // 2025-06-15T00:00:00Z plus up to thirty days.
            Case { devices, start_micros: 1_749_945_600_000_000 + offset, ops }
        },
    )
}

/// A device: a workspace in its own temporary data dir.
struct Replica {
    ws: Workspace,
    _dir: tempfile::TempDir,
}

/// Where the devices' data dirs go: memory when the system has it. On this
/// kind of machine the disk's flushes made the test several times slower,
/// and durability is not what it tests.
fn scratch_root() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// A migrated database without a device identity, made once per test run.
/// Migrating costs ~35 ms in a debug build, which over thousands of devices
/// would dominate the test; each copy of this file makes its own identity
/// (device id, id node) when it is first opened.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir_in(scratch_root()).unwrap();
        let data = DataDir::at(dir.path());
        let store = Store::open(&data).unwrap();
        store.connection().execute("DELETE FROM local_meta", []).unwrap();
        drop(store); // the last connection closing folds the WAL into the file
        (dir, data.database_path())
    });
    path
}

/// Devices for one case, each with its own id node: two devices that drew
/// the same node would make the same ids in the same millisecond (a 1 in
/// 16,384 chance per pair, so it would show up in a thousand cases).
fn replicas(n: usize, clock: &TestClock) -> Vec<Replica> {
    let mut replicas: Vec<Replica> = Vec::with_capacity(n);
    let mut nodes = Vec::with_capacity(n);
    while replicas.len() < n {
        let dir = tempfile::tempdir_in(scratch_root()).unwrap();
        let data = DataDir::at(dir.path());
        std::fs::copy(template(), data.database_path()).unwrap();
        let mut ws = Workspace::open_with_clock(&data, Box::new(clock.clone())).unwrap();
        // Devices of one user: each may edit and delete the others' messages.
        ws.adopt_account(crate::support::ME, "me@example.com").unwrap();
        let d = Replica { ws, _dir: dir };
        let node = ids(&d, "SELECT CAST(value AS INTEGER) FROM local_meta WHERE key = 'id_node'");
        if !nodes.contains(&node) {
            nodes.push(node);
            replicas.push(d);
        }
    }
    replicas
}

fn ids(d: &Replica, sql: &str) -> Vec<i64> {
    let conn = d.ws.store().connection();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

/// The ids of a table's rows on a device (optionally `WHERE …`), in id order.
fn rows_of(d: &Replica, table: &str, filter: &str) -> Vec<i64> {
    let filter = if filter.is_empty() { String::new() } else { format!("WHERE {filter}") };
    ids(d, &format!("SELECT id FROM \"{table}\" {filter} ORDER BY id"))
}

fn pick(ids: &[i64], index: &Index) -> Option<i64> {
    (!ids.is_empty()).then(|| ids[index.index(ids.len())])
}

/// The documents a device holds, from a bundle of all of them.
fn doc_ids(d: &Replica) -> Vec<DocId> {
    let bundle = d.ws.export_bundle(None).unwrap();
    bundle::decode(&bundle).unwrap().into_iter().map(|(id, _)| id).collect()
}

/// Each distinct device of `at` that has row `id` of `table`, with its place in `at`.
fn holders(devices: &[Replica], at: &[usize], table: &str, id: i64) -> Vec<(usize, usize)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (k, at) in at.iter().enumerate() {
        let i = at % devices.len();
        if seen.insert(i) && !rows_of(&devices[i], table, &format!("id = {id}")).is_empty() {
            out.push((k, i));
        }
    }
    out
}

/// Whether a refused local write is one the workspace is meant to refuse:
/// an illegal run transition, a second live version with one label, deleting
/// the last live version, a run of a deleted version, a text edited past the
/// model's length limits.
fn expected_refusal(op: &Op, e: &CoreError) -> bool {
    let rule = match e {
        CoreError::Store(s) => s.rule(),
        _ => None,
    };
    match op {
        Op::SetStatus { .. } => e.code() == "illegal_transition",
        Op::AddVersion { .. } => e.code() == "conflict" && e.field().as_deref() == Some("versionLabel"),
        Op::DeleteVersion { .. } => rule == Some("last_version"),
        Op::CreateRun { .. } => rule == Some("deleted"),
        Op::NameChat { .. } | Op::NameVersion { .. } | Op::EditMessage { .. } | Op::EditNotes { .. } => {
            matches!(rule, Some("max_length" | "min_length"))
        }
        _ => false,
    }
}

/// Does one local write (on one device, or on several concurrently) and
/// returns the writes the workspace refused, for the caller to judge.
fn act(devices: &mut [Replica], op: &Op) -> Vec<CoreError> {
    let n = devices.len();
    let mut refused = Vec::new();
    let mut keep = |result: Result<(), CoreError>| refused.extend(result.err());
    match op {
        Op::CreateChat { at, name, language } => {
            keep(devices[at % n].ws.create_chat(name, LANGUAGES[*language]).map(drop));
        }
        Op::NameChat { at, chat, language, edits, description } => {
            let Some(chat) = pick(&rows_of(&devices[at[0] % n], "chat", ""), chat) else { return refused };
            let language = LANGUAGES[*language];
            for (k, i) in holders(devices, at, "chat", chat) {
                let d = &mut devices[i];
                let query = ListQuery::default()
                    .filter("chatId", Value::Integer(chat))
                    .filter("language", Value::Text(language.into()));
                let current = d.ws.store().list::<ChatTranslation>(&query).unwrap().items;
                let current = current.first().and_then(|t| t.name.as_deref()).unwrap_or("chat");
                let name = edits[k].apply(current);
                keep(d.ws.set_chat_translation(chat, language, &name, description.as_deref()).map(drop));
            }
        }
        Op::Post { at, chat, text, reply_to } => {
            let d = &mut devices[at % n];
            let Some(chat) = pick(&rows_of(d, "chat", ""), chat) else { return refused };
            let parent = reply_to.and_then(|i| pick(&rows_of(d, "chat_message", &format!("chatId = {chat}")), &i));
            keep(d.ws.post_message(chat, text, "en", parent).map(drop));
        }
        Op::EditMessage { at, message, edits } => {
            let Some(message) = pick(&rows_of(&devices[at[0] % n], "chat_message", ""), message) else {
                return refused;
            };
            for (k, i) in holders(devices, at, "chat_message", message) {
                let d = &mut devices[i];
                let current = d.ws.store().get::<ChatMessage>(message).unwrap().unwrap().text;
                keep(d.ws.edit_message(message, &edits[k].apply(&current)).map(drop));
            }
        }
        Op::React { at, message, emoji, take_back } => {
            let Some(message) = pick(&rows_of(&devices[at[0] % n], "chat_message", ""), message) else {
                return refused;
            };
            for (_, i) in holders(devices, at, "chat_message", message) {
                let d = &mut devices[i];
                if *take_back {
                    keep(d.ws.unreact(message, EMOJIS[*emoji]));
                } else {
                    keep(d.ws.react(message, EMOJIS[*emoji]).map(drop));
                }
            }
        }
        Op::DeleteMessage { at, message } => {
            let d = &mut devices[at % n];
            let Some(message) = pick(&rows_of(d, "chat_message", ""), message) else { return refused };
            keep(d.ws.delete_message(message));
        }
        Op::CreateResource { at, kind, name, language } => {
            keep(devices[at % n].ws.create_resource(RESOURCE_TYPES[*kind], name, LANGUAGES[*language]).map(drop));
        }
        Op::AddVersion { at, resource, labels, complete, private } => {
            let Some(resource) = pick(&rows_of(&devices[at[0] % n], "resource", ""), resource) else {
                return refused;
            };
            for (k, i) in holders(devices, at, "resource", resource) {
                let notes = format!("notes of {}", LABELS[labels[k]]);
                keep(
                    devices[i].ws.add_version(resource, LABELS[labels[k]], *complete, *private, Some(&notes)).map(drop),
                );
            }
        }
        Op::NameVersion { at, version, language, edits, description } => {
            let Some(version) = pick(&rows_of(&devices[at[0] % n], "resource_version", ""), version) else {
                return refused;
            };
            let language = LANGUAGES[*language];
            for (k, i) in holders(devices, at, "resource_version", version) {
                let d = &mut devices[i];
                let query = ListQuery::default()
                    .filter("resourceVersionId", Value::Integer(version))
                    .filter("language", Value::Text(language.into()));
                let current = d.ws.store().list::<ResourceTranslation>(&query).unwrap().items;
                let name = edits[k].apply(current.first().map_or("version", |t| t.name.as_str()));
                keep(d.ws.set_version_translation(version, language, &name, description.as_deref()).map(drop));
            }
        }
        Op::EditNotes { at, version, edits } => {
            let Some(version) = pick(&rows_of(&devices[at[0] % n], "resource_version", ""), version) else {
                return refused;
            };
            for (k, i) in holders(devices, at, "resource_version", version) {
                let d = &mut devices[i];
                let current = d.ws.store().get::<ResourceVersion>(version).unwrap().unwrap().version_notes;
                let notes = edits[k].apply(current.as_deref().unwrap_or(""));
                keep(d.ws.set_version_notes(version, (!notes.is_empty()).then_some(notes.as_str())).map(drop));
            }
        }
        Op::DeleteVersion { at, version } => {
            let d = &mut devices[at % n];
            let Some(version) = pick(&rows_of(d, "resource_version", ""), version) else { return refused };
            keep(d.ws.delete_version(version));
        }
        Op::Tag { at, resource, tag } => {
            let Some(resource) = pick(&rows_of(&devices[at[0] % n], "resource", ""), resource) else {
                return refused;
            };
            for (_, i) in holders(devices, at, "resource", resource) {
                keep(devices[i].ws.tag_resource(resource, TAGS[*tag]).map(drop));
            }
        }
        Op::Relate { at, from, to, kind } => {
            let d = &mut devices[at % n];
            let versions = rows_of(d, "resource_version", "");
            let (Some(from), Some(to)) = (pick(&versions, from), pick(&versions, to)) else { return refused };
            keep(d.ws.relate_versions(from, to, RELATIONS[*kind], &["step"]).map(drop));
        }
        Op::DeleteResource { at, resource } => {
            let d = &mut devices[at % n];
            let Some(resource) = pick(&rows_of(d, "resource", ""), resource) else { return refused };
            keep(d.ws.delete_resource(resource));
        }
        Op::CreateRun { at, name, version } => {
            let d = &mut devices[at % n];
            let version = version.and_then(|v| pick(&rows_of(d, "resource_version", ""), &v));
            keep(d.ws.create_run(name, version).map(drop));
        }
        Op::AddStep { at, run, name, node } => {
            let Some(run) = pick(&rows_of(&devices[at[0] % n], "run", ""), run) else { return refused };
            for (_, i) in holders(devices, at, "run", run) {
                keep(devices[i].ws.add_run_step(run, name, NODES[*node]).map(drop));
            }
        }
        Op::AddIo { at, run, node, input, data } => {
            let d = &mut devices[at % n];
            let Some(run) = pick(&rows_of(d, "run", ""), run) else { return refused };
            keep(d.ws.add_run_io(run, node, input, data).map(drop));
        }
        Op::SetStatus { at, run, to } => {
            let Some(run) = pick(&rows_of(&devices[at[0] % n], "run", ""), run) else { return refused };
            for (k, i) in holders(devices, at, "run", run) {
                keep(devices[i].ws.set_run_status(run, RunStatus::ALL[to[k]]).map(drop));
            }
        }
        Op::Advance { .. } | Op::SendAll { .. } | Op::SendOne { .. } => {}
    }
    refused
}

/// Moves the clock or sends a bundle from one device to another.
fn exchange(devices: &mut [Replica], clock: &TestClock, op: &Op) -> Result<(), TestCaseError> {
    let n = devices.len();
    match op {
        Op::Advance { micros } => clock.advance(*micros),
        Op::SendAll { from, to } => {
            let (from, to) = (from % n, to % n);
            if from != to {
                let bundle = devices[from].ws.export_bundle(None).unwrap();
                import(&mut devices[to], &bundle)?;
            }
        }
        Op::SendOne { from, to, doc } => {
            let (from, to) = (from % n, to % n);
            let docs = doc_ids(&devices[from]);
            if from == to || docs.is_empty() {
                return Ok(());
            }
            let doc = docs[doc.index(docs.len())];
            let bundle = devices[from].ws.export_bundle(Some(doc)).unwrap();
            let to = &mut devices[to];
            match doc {
                // A bucket holding messages of a chat this device does not
                // have yet is refused whole (its rows would point at no
                // chat); a full bundle always carries the header first.
                DocId::Messages { chat, .. } if rows_of(to, "chat", &format!("id = {chat}")).is_empty() => {
                    let before = to.ws.export_json().unwrap();
                    if let Err(refused) = to.ws.import_bundle(&bundle) {
                        prop_assert_eq!(refused.code(), "missing_parent", "{}", refused);
                        prop_assert!(to.ws.export_json().unwrap() == before, "a refused import changed rows");
                    }
                }
                _ => {
                    import(to, &bundle)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Imports `bundle` into `to`; returns how many documents changed.
fn import(to: &mut Replica, bundle: &[u8]) -> Result<usize, TestCaseError> {
    to.ws
        .import_bundle(bundle)
        .map(|r| r.changed)
        .map_err(|e| TestCaseError::fail(format!("import failed: {e} ({})", e.code())))
}

/// Every document a device holds, with its heads.
fn state(d: &Replica) -> BTreeMap<DocId, Vec<String>> {
    doc_ids(d).into_iter().map(|id| (id, d.ws.heads(&id).unwrap())).collect()
}

/// Everyone sends everything to everyone, round after round, until
/// quiescent: every device holds the same documents at the same heads, so
/// any further import would change nothing (a merge that brings no change is
/// a no-op). Returns that common state.
fn exchange_fully(devices: &mut [Replica]) -> Result<BTreeMap<DocId, Vec<String>>, TestCaseError> {
    for _ in 0..MAX_ROUNDS {
        for from in 0..devices.len() {
            let bundle = devices[from].ws.export_bundle(None).unwrap();
            for (to, device) in devices.iter_mut().enumerate() {
                if to != from {
                    import(device, &bundle)?;
                }
            }
        }
        let first = state(&devices[0]);
        if devices[1..].iter().all(|d| state(d) == first) {
            return Ok(first);
        }
    }
    let states: Vec<_> = devices.iter().map(state).collect();
    Err(TestCaseError::fail(format!("no agreement after {MAX_ROUNDS} full exchange rounds: {states:#?}")))
}

fn text(row: &BTreeMap<String, Json>, column: &str) -> Option<String> {
    row.get(column).and_then(Json::as_str).map(str::to_string)
}

/// The model's invariants in one device's exported rows, and its foreign keys.
fn check_invariants(d: &Replica, which: usize, export: &str) -> Result<(), TestCaseError> {
    let conn = d.ws.store().connection();
    let dangling: Vec<String> = conn
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |r| {
            Ok(format!("{}({:?}) -> {}", r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    prop_assert!(dangling.is_empty(), "device {}: dangling foreign keys {:?}", which, dangling);

    let tables: BTreeMap<String, Vec<BTreeMap<String, Json>>> = serde_json::from_str(export).unwrap();
    let rows = |table: &str| tables.get(table).cloned().unwrap_or_default();

    let mut indexes = BTreeSet::new();
    let mut latest: BTreeMap<String, usize> = BTreeMap::new();
    for v in rows("resource_version") {
        let root = text(&v, "rootId").unwrap();
        let index = v["versionIndex"].as_i64().unwrap();
        prop_assert!(
            indexes.insert((root.clone(), index)),
            "device {}: version index {} twice in {}",
            which,
            index,
            root
        );
        *latest.entry(root).or_default() += usize::from(v["isLatest"] == Json::Bool(true));
    }
    for (root, count) in &latest {
        prop_assert_eq!(*count, 1, "device {}: resource {} has {} latest versions", which, root, count);
    }

    for run in rows("run") {
        let status: RunStatus = text(&run, "status").unwrap().parse().unwrap();
        let (started, completed, elapsed) =
            (!run["startedAt"].is_null(), !run["completedAt"].is_null(), !run["timeElapsed"].is_null());
        let terminal = matches!(status, RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled);
        prop_assert_eq!(completed, terminal, "device {}: run {:?} completedAt vs status", which, run);
        prop_assert!(status != RunStatus::Scheduled || !started, "device {}: scheduled run started {:?}", which, run);
        prop_assert_eq!(elapsed, started && completed, "device {}: run {:?} timeElapsed", which, run);
    }

    let chat_of: BTreeMap<String, String> =
        rows("chat_message").iter().map(|m| (text(m, "id").unwrap(), text(m, "chatId").unwrap())).collect();
    for m in rows("chat_message") {
        if let Some(parent) = text(&m, "parentId") {
            prop_assert_eq!(
                chat_of.get(&parent),
                chat_of.get(&text(&m, "id").unwrap()),
                "device {}: reply across chats",
                which
            );
        }
    }
    Ok(())
}

fn check_converged(devices: &mut [Replica], agreed: &BTreeMap<DocId, Vec<String>>) -> Result<(), TestCaseError> {
    let export = devices[0].ws.export_json().unwrap();
    for (i, d) in devices.iter().enumerate().skip(1) {
        let other = d.ws.export_json().unwrap();
        prop_assert!(other == export, "device {}'s export differs from device 0's:\n{}\n---\n{}", i, other, export);
    }
    // Quiescent: one more exchange changes nothing.
    let bundle = devices[0].ws.export_bundle(None).unwrap();
    prop_assert_eq!(import(&mut devices[1], &bundle)?, 0, "a further import changed documents");
    prop_assert_eq!(&state(&devices[1]), agreed);
    for (i, d) in devices.iter_mut().enumerate() {
        let report = d.ws.doctor().unwrap();
        prop_assert!(report.differences.is_empty(), "device {}: doctor found {:?}", i, report.differences);
        prop_assert_eq!(report.documents, agreed.len());
        check_invariants(d, i, &export)?;
    }
    Ok(())
}

fn run_case(case: &Case) -> Result<(), TestCaseError> {
    let clock = TestClock::at(case.start_micros);
    let mut devices = replicas(case.devices, &clock);
    for op in &case.ops {
        exchange(&mut devices, &clock, op)?;
        for e in act(&mut devices, op) {
            prop_assert!(expected_refusal(op, &e), "{:?} failed: {} ({})", op, e, e.code());
        }
    }
    let agreed = exchange_fully(&mut devices)?;
    check_converged(&mut devices, &agreed)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn devices_converge_after_random_operations_and_exchanges(case in case()) {
        run_case(&case)?;
    }
}

// Merges of valid edits that leave a text outside the model's limits: the
// projection fits the text (cut to the limit, `…` when it must not be
// empty), the same on both devices, instead of refusing the import.

/// Two devices sharing a chat named "general".
fn shared_chat() -> (Device, Device, i64) {
    let mut a = device();
    let mut b = device();
    let chat = a.ws.create_chat("general", "en").unwrap().id;
    send(&a, &mut b);
    (a, b, chat)
}

fn chat_name(d: &Device, chat: i64) -> String {
    let query = ListQuery::default().filter("chatId", Value::Integer(chat));
    let names = d.ws.store().list::<ChatTranslation>(&query).unwrap().items;
    names[0].name.clone().unwrap()
}

#[test]
fn two_renames_that_each_delete_part_of_a_name_converge() {
    let (mut a, mut b, chat) = shared_chat();
    a.ws.set_chat_translation(chat, "en", "g", None).unwrap(); // deletes "eneral"
    b.ws.set_chat_translation(chat, "en", "eneral", None).unwrap(); // deletes "g"
    sync(&mut a, &mut b);
    assert_eq!(chat_name(&a, chat), "…", "the merged name is empty");
    assert_converged(&a, &b);
    a.ws.set_chat_translation(chat, "en", "renamed", None).unwrap();
    assert_eq!(chat_name(&a, chat), "renamed", "the next rename replaces it");
}

#[test]
fn two_long_renames_converge() {
    let (mut a, mut b, chat) = shared_chat();
    a.ws.set_chat_translation(chat, "en", &"a".repeat(100), None).unwrap();
    b.ws.set_chat_translation(chat, "en", &"b".repeat(100), None).unwrap();
    sync(&mut a, &mut b);
    assert_eq!(chat_name(&a, chat).chars().count(), 128, "the merged name is cut to the limit");
    assert_converged(&a, &b);
}

#[test]
fn two_edits_that_each_delete_part_of_a_message_converge() {
    let (mut a, mut b, chat) = shared_chat();
    let m = a.ws.post_message(chat, "hi", "en", None).unwrap();
    sync(&mut a, &mut b);
    a.ws.edit_message(m.id, "h").unwrap();
    b.ws.edit_message(m.id, "i").unwrap();
    sync(&mut a, &mut b);
    assert_eq!(message_text(&a, m.id).as_deref(), Some("…"), "the merged text is empty");
    assert_converged(&a, &b);
}

//! Each kind of rule: a bad write is refused with an error naming the entity,
//! the field and the rule, and the database is left exactly as it was.

use proptest::prelude::*;
use vrooli_model::entities::*;
use vrooli_model::{Entity, Value};
use vrooli_store::{Store, StoreError};

use crate::support::*;

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    chat: i64,
    user: i64,
}

fn fixture() -> Fixture {
    let (dir, mut store) = temp_store();
    let chat = insert_valid(&mut store, "chat")[0].as_i64().unwrap();
    let user = insert_valid(&mut store, "user")[0].as_i64().unwrap();
    Fixture { _dir: dir, store, chat, user }
}

/// Runs a write that must fail, and checks the error and that nothing changed.
fn refused<T: std::fmt::Debug>(
    store: &mut Store,
    write: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    code: &str,
    entity: &str,
    field: &str,
    rule: &str,
) -> StoreError {
    let before = snapshot(store);
    let error = write(store).expect_err("the write must be refused");
    assert_eq!(error.code(), code, "{error}");
    assert_eq!(error.field().as_deref(), Some(field), "{error}");
    assert_eq!(error.rule(), Some(rule), "{error}");
    let text = error.to_string();
    assert!(text.contains(entity), "message names the entity: {text}");
    assert!(text.contains(field.split(',').next().unwrap()), "message names the field: {text}");
    assert_eq!(snapshot(store), before, "nothing changed after: {text}");
    error
}

fn message(chat: i64, text: &str) -> ChatMessage {
    ChatMessage { chat_id: chat, language: "en".into(), text: text.into(), ..Default::default() }
}

#[test]
fn max_length() {
    let mut f = fixture();
    let m = message(f.chat, &"x".repeat(32_769));
    let e = refused(&mut f.store, |s| s.insert(m), "invalid", "chat_message", "text", "max_length");
    assert!(e.to_string().contains("at most 32768 characters"), "{e}");
    // Characters, not bytes: 32,768 two-byte characters fit.
    f.store.insert(message(f.chat, &"é".repeat(32_768))).unwrap();
}

#[test]
fn enum_value() {
    let mut f = fixture();
    let mut values = Run { name: "r".into(), user_id: Some(f.user), ..Default::default() }.into_values();
    let i = Run::TABLE.column_index("status").unwrap();
    values[i] = Value::Text("Running".into());
    let e =
        refused(&mut f.store, |s| s.write(|w| w.insert_row(Run::TABLE, values)), "invalid", "run", "status", "enum");
    assert!(e.to_string().contains("Scheduled, InProgress, Paused"), "{e}");
}

#[test]
fn required_field() {
    let mut f = fixture();
    let mut values = message(f.chat, "hi").into_values();
    values[ChatMessage::TABLE.column_index("chatId").unwrap()] = Value::Null;
    refused(
        &mut f.store,
        |s| s.write(|w| w.insert_row(ChatMessage::TABLE, values)),
        "invalid",
        "chat_message",
        "chatId",
        "required",
    );
    let empty = message(f.chat, "");
    refused(&mut f.store, |s| s.insert(empty), "invalid", "chat_message", "text", "min_length");
}

#[test]
fn owner_is_a_user_xor_a_team() {
    let mut f = fixture();
    let team = insert_valid(&mut f.store, "team")[0].as_i64().unwrap();
    let both = Resource { owned_by_user_id: Some(f.user), owned_by_team_id: Some(team), ..Default::default() };
    let e =
        refused(&mut f.store, |s| s.insert(both), "invalid", "resource", "ownedByUserId,ownedByTeamId", "exclusive");
    assert!(e.to_string().contains("only one of"), "{e}");
    let neither = Resource::default();
    let e =
        refused(&mut f.store, |s| s.insert(neither), "invalid", "resource", "ownedByUserId,ownedByTeamId", "exclusive");
    assert!(e.to_string().contains("exactly one of"), "{e}");
    f.store.insert(Resource { owned_by_team_id: Some(team), ..Default::default() }).unwrap();
}

#[test]
fn missing_parent() {
    let mut f = fixture();
    let orphan = message(f.chat + 999_999, "hi");
    let e = refused(&mut f.store, |s| s.insert(orphan), "missing_parent", "chat_message", "chatId", "foreign_key");
    assert!(e.to_string().contains("no chat with id"), "{e}");
    let reply = ChatMessage { parent_id: Some(42), ..message(f.chat, "re") };
    refused(&mut f.store, |s| s.insert(reply), "missing_parent", "chat_message", "parentId", "foreign_key");
}

#[test]
fn language_code() {
    let mut f = fixture();
    let long = ChatMessage { language: "engl".into(), ..message(f.chat, "hi") };
    refused(&mut f.store, |s| s.insert(long), "invalid", "chat_message", "language", "max_length");
    for bad in ["EN", "e", "e1", "é"] {
        let m = ChatMessage { language: bad.into(), ..message(f.chat, "hi") };
        refused(&mut f.store, |s| s.insert(m), "invalid", "chat_message", "language", "language");
    }
    for good in ["en", "eng"] {
        f.store.insert(ChatMessage { language: good.into(), ..message(f.chat, "hi") }).unwrap();
    }
}

#[test]
fn handle_format() {
    let mut f = fixture();
    let mut user: User = f.store.get(f.user).unwrap().unwrap();
    user.handle = Some("has-hyphen".into());
    refused(&mut f.store, |s| s.update(user.clone()), "invalid", "user", "handle", "handle");
    user.handle = Some("ok_handle".into());
    f.store.update(user).unwrap();
}

#[test]
fn json_validity() {
    let mut f = fixture();
    let mut values = message(f.chat, "hi").into_values();
    values[ChatMessage::TABLE.column_index("config").unwrap()] = Value::Text("{oops".into());
    refused(
        &mut f.store,
        |s| s.write(|w| w.insert_row(ChatMessage::TABLE, values)),
        "invalid",
        "chat_message",
        "config",
        "json",
    );
}

#[test]
fn numeric_bounds() {
    let mut f = fixture();
    let run = Run { name: "r".into(), user_id: Some(f.user), time_elapsed: Some(86_400_001), ..Default::default() };
    refused(&mut f.store, |s| s.insert(run), "invalid", "run", "timeElapsed", "range");
    let negative = Run { name: "r".into(), user_id: Some(f.user), time_elapsed: Some(-1), ..Default::default() };
    refused(&mut f.store, |s| s.insert(negative), "invalid", "run", "timeElapsed", "range");
    f.store
        .insert(Run { name: "r".into(), user_id: Some(f.user), time_elapsed: Some(86_400_000), ..Default::default() })
        .unwrap();
    let score = ChatMessage { score: 1001, ..message(f.chat, "hi") };
    refused(&mut f.store, |s| s.insert(score), "invalid", "chat_message", "score", "range");
    f.store.insert(ChatMessage { score: -1000, ..message(f.chat, "hi") }).unwrap();
    let counter = Resource { owned_by_user_id: Some(f.user), views: -1, ..Default::default() };
    refused(&mut f.store, |s| s.insert(counter), "invalid", "resource", "views", "range");
}

#[test]
fn embedding_dimensions() {
    let mut f = fixture();
    let t =
        ChatTranslation { chat_id: f.chat, language: "en".into(), embedding: Some(vec![0.5; 3]), ..Default::default() };
    refused(&mut f.store, |s| s.insert(t), "invalid", "chat_translation", "embedding", "vector");
    let ok = ChatTranslation {
        chat_id: f.chat,
        language: "en".into(),
        embedding: Some(vec![0.5; 1536]),
        ..Default::default()
    };
    let stored = f.store.insert(ok).unwrap();
    let back: ChatTranslation = f.store.get(stored.id).unwrap().unwrap();
    assert_eq!(back.embedding.unwrap()[1535], 0.5);
}

#[test]
fn unique_groups() {
    let mut f = fixture();
    let p = ChatParticipants { chat_id: f.chat, user_id: f.user, ..Default::default() };
    f.store.insert(p.clone()).unwrap();
    let e = refused(&mut f.store, |s| s.insert(p), "conflict", "chat_participants", "chatId,userId", "unique");
    assert!(e.to_string().contains("already"), "{e}");
}

#[test]
fn a_failed_write_rolls_back_the_whole_transaction() {
    let mut f = fixture();
    let chat = f.chat;
    refused(
        &mut f.store,
        |s| {
            s.write(|w| {
                w.insert(message(chat, "first"))?;
                w.insert(message(chat, ""))
            })
        },
        "invalid",
        "chat_message",
        "text",
        "min_length",
    );
}

/// Writes a value with raw SQL, bypassing validation: does the database take it?
fn database_accepts(store: &Store, column: &str, value: &str) -> bool {
    let sql = format!("UPDATE \"user\" SET \"{column}\" = ?1 WHERE id = (SELECT min(id) FROM \"user\")");
    store.connection().execute(&sql, [value]).is_ok()
}

/// The validator and the database's CHECKs agree on every value, so the
/// database is a faithful backstop and the validator never refuses what the
/// schema allows. (Text with NUL characters is the validator's alone to
/// refuse: SQLite's length() stops at the first NUL.)
#[test]
fn validator_and_database_agree() {
    let (_dir, mut store) = temp_store();
    insert_valid(&mut store, "user");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(512));
    let strategy = (
        prop_oneof![Just("handle"), Just("name"), Just("theme")],
        prop_oneof!["[a-zA-Z0-9_\\-é \\x00]{0,18}", ".{0,130}", "[a-z_]{250,260}"],
    );
    runner
        .run(&strategy, |(column, value)| {
            let def = User::TABLE.column(column).unwrap();
            let v = Value::Text(value.clone());
            let checks_pass = def.checks.iter().all(|c| c.holds(&v));
            let has_nul = value.contains('\0');
            let mut row = store
                .get::<User>(store.list::<User>(&Default::default()).unwrap().items[0].id)
                .unwrap()
                .unwrap()
                .into_values();
            row[User::TABLE.column_index(column).unwrap()] = v;
            let validator_accepts =
                vrooli_model::validate::validate_row(User::TABLE, &row, vrooli_model::Operation::Update).is_ok();
            prop_assert_eq!(validator_accepts, checks_pass && !has_nul, "{} = {:?}", column, value);
            if !has_nul {
                prop_assert_eq!(
                    validator_accepts,
                    database_accepts(&store, column, &value),
                    "{} = {:?}",
                    column,
                    value
                );
            }
            Ok(())
        })
        .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn language_rule(lang in "[a-zA-Z0-9]{0,4}") {
        let (_dir, mut store) = temp_store();
        let chat = insert_valid(&mut store, "chat")[0].as_i64().unwrap();
        let result = store.insert(ChatMessage { language: lang.clone(), ..message(chat, "hi") });
        let expected = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase());
        prop_assert_eq!(result.is_ok(), expected, "{:?}", lang);
    }
}

//! Full-text search stays in step with every write, in the same transaction.

use vrooli_model::entities::*;
use vrooli_store::ListQuery;

use crate::support::*;

#[test]
fn messages_and_translations_are_found_and_follow_edits_and_deletes() {
    let (_dir, mut store) = temp_store();
    let chat = insert_valid(&mut store, "chat")[0].as_i64().unwrap();
    let team = insert_valid(&mut store, "team")[0].as_i64().unwrap();
    let m = store
        .insert(ChatMessage {
            chat_id: chat,
            language: "en".into(),
            text: "The quick brown fox".into(),
            ..Default::default()
        })
        .unwrap();
    store
        .insert(TeamTranslation {
            team_id: team,
            language: "en".into(),
            name: "Fox Hunters".into(),
            ..Default::default()
        })
        .unwrap();

    let hits = store.search("fox", 10).unwrap();
    let kinds: Vec<&str> = hits.iter().map(|h| h.kind).collect();
    assert!(kinds.contains(&"message") && kinds.contains(&"team"), "{kinds:?}");
    let hit = hits.iter().find(|h| h.kind == "message").unwrap();
    assert_eq!((hit.id, hit.parent_id), (m.id, Some(chat)));
    assert_eq!(hit.snippet_marked("[", "]"), "The quick brown [fox]");
    assert_eq!(store.search("qui", 10).unwrap().len(), 1, "the last word matches as a prefix");

    let edited = store.update(ChatMessage { text: "A lazy dog".into(), ..m.clone() }).unwrap();
    assert!(store.search("quick", 10).unwrap().is_empty(), "old text leaves the index");
    assert_eq!(store.search("lazy", 10).unwrap()[0].id, edited.id);

    // A cascade (deleting the chat) removes its messages from the index too.
    store.delete::<Chat>(chat).unwrap();
    assert!(store.list::<ChatMessage>(&ListQuery::default()).unwrap().items.is_empty());
    assert!(store.search("lazy", 10).unwrap().is_empty());
    assert_eq!(store.search("\"unbalanced", 10).unwrap().len(), 0, "user text is never FTS syntax");
    assert_eq!(store.search("  ", 10).unwrap_err().code(), "invalid_query");
}

/// Every index agrees with its table (FTS5's own check), and nothing is left queued.
fn assert_indexes_in_step(store: &vrooli_store::Store) {
    let conn = store.connection();
    for source in vrooli_model::rules::SEARCH_SOURCES {
        let fts = source.fts_table();
        conn.execute(&format!(r#"INSERT INTO "{fts}" ("{fts}", rank) VALUES ('integrity-check', 1)"#), [])
            .unwrap_or_else(|e| panic!("{fts} is out of step with {}: {e}", source.table));
    }
    let queued: i64 = conn.query_row(r#"SELECT count(*) FROM "search_queue""#, [], |r| r.get(0)).unwrap();
    assert_eq!(queued, 0, "index writes left queued after a commit");
}

#[test]
fn many_writes_to_one_row_in_one_transaction_leave_the_index_as_the_last_one() {
    let (_dir, mut store) = temp_store();
    let chat = insert_valid(&mut store, "chat")[0].as_i64().unwrap();
    let other = insert_valid(&mut store, "chat")[0].as_i64().unwrap();
    let kept = store
        .write(|w| {
            // Added, edited twice and removed, all before the index is written.
            let gone = w.insert(ChatMessage {
                chat_id: chat,
                language: "en".into(),
                text: "walrus one".into(),
                ..Default::default()
            })?;
            let gone = w.update(ChatMessage { text: "walrus two".into(), ..gone })?;
            w.update(ChatMessage { text: "walrus three".into(), ..gone.clone() })?;
            let kept = w.insert(ChatMessage {
                chat_id: other,
                language: "en".into(),
                text: "narwhal first".into(),
                ..Default::default()
            })?;
            let kept = w.update(ChatMessage { text: "narwhal final".into(), ..kept })?;
            // A cascade takes the first chat's message with it.
            w.delete_row(vrooli_model::table("chat").unwrap(), chat)?;
            Ok::<_, vrooli_store::StoreError>(kept)
        })
        .unwrap();
    assert_indexes_in_step(&store);
    assert!(store.search("walrus", 10).unwrap().is_empty(), "the removed row left no words");
    assert!(store.search("first", 10).unwrap().is_empty(), "an edit's old words are gone");
    let hits = store.search("narwhal final", 10).unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [kept.id]);

    // A failed transaction queues nothing and indexes nothing.
    let failed = store.write(|w| {
        w.insert(ChatMessage { chat_id: other, language: "en".into(), text: "orca".into(), ..Default::default() })?;
        Err::<(), _>(vrooli_store::StoreError::InvalidQuery("rolled back".into()))
    });
    assert!(failed.is_err());
    assert!(store.search("orca", 10).unwrap().is_empty());
    assert_indexes_in_step(&store);
}

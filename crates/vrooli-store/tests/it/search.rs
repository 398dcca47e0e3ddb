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

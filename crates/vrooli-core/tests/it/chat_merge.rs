//! Each merge rule of chats, as a named, deterministic test.

use vrooli_model::entities::{ChatMessage, ChatTranslation};
use vrooli_store::ListQuery;

use crate::support::*;

fn shared_chat() -> (Device, Device, i64) {
    let mut a = device();
    let mut b = device();
    let chat = a.ws.create_chat("Plans", "en").unwrap();
    send(&a, &mut b);
    (a, b, chat.id)
}

#[test]
fn two_devices_posting_into_the_same_new_bucket_both_keep_their_messages() {
    let (mut a, mut b, chat) = shared_chat();
    let ma = a.ws.post_message(chat, "from a", "en", None).unwrap();
    let mb = b.ws.post_message(chat, "from b", "en", None).unwrap();
    sync(&mut a, &mut b);
    for d in [&a, &b] {
        assert_eq!(message_text(d, ma.id).as_deref(), Some("from a"));
        assert_eq!(message_text(d, mb.id).as_deref(), Some("from b"));
    }
    assert_converged(&a, &b);
}

#[test]
fn concurrent_edits_of_one_message_both_survive() {
    let (mut a, mut b, chat) = shared_chat();
    let m = a.ws.post_message(chat, "hello world", "en", None).unwrap();
    sync(&mut a, &mut b);
    a.ws.edit_message(m.id, "alpha hello world").unwrap();
    b.ws.edit_message(m.id, "hello world beta").unwrap();
    sync(&mut a, &mut b);
    assert_eq!(message_text(&a, m.id).as_deref(), Some("alpha hello world beta"));
    let merged = a.ws.store().get::<ChatMessage>(m.id).unwrap().unwrap();
    assert_eq!(merged.version_index, 2, "both edits count");
    assert_converged(&a, &b);
}

#[test]
fn concurrent_translations_in_one_language_make_one_row() {
    let (mut a, mut b, chat) = shared_chat();
    a.ws.set_chat_translation(chat, "de", "Pläne", None).unwrap();
    b.ws.set_chat_translation(chat, "de", "Planung", Some("b")).unwrap();
    sync(&mut a, &mut b);
    let rows =
        a.ws.store()
            .list::<ChatTranslation>(&ListQuery::default().filter("language", vrooli_model::Value::Text("de".into())))
            .unwrap();
    assert_eq!(rows.items.len(), 1);
    assert_converged(&a, &b);
}

#[test]
fn delete_wins_over_a_concurrent_edit_and_replies_stay() {
    let (mut a, mut b, chat) = shared_chat();
    let parent = a.ws.post_message(chat, "parent", "en", None).unwrap();
    let reply = a.ws.post_message(chat, "reply", "en", Some(parent.id)).unwrap();
    sync(&mut a, &mut b);
    a.ws.delete_message(parent.id).unwrap();
    b.ws.edit_message(parent.id, "parent, edited").unwrap();
    sync(&mut a, &mut b);
    for d in [&a, &b] {
        assert_eq!(message_text(d, parent.id), None, "deleted everywhere");
        let r = d.ws.store().get::<ChatMessage>(reply.id).unwrap().unwrap();
        assert_eq!(r.parent_id, None, "the reply stays, without its parent");
    }
    assert_converged(&a, &b);
}

#[test]
fn a_reply_that_arrives_before_its_parent_gets_it_back() {
    let clock = TestClock::at(1_750_000_000_000_000);
    let mut a = device_at(&clock);
    let mut b = device_at(&clock);
    let chat = a.ws.create_chat("Plans", "en").unwrap().id;
    send(&a, &mut b);
    let parent = a.ws.post_message(chat, "parent", "en", None).unwrap();
    clock.advance(2 * 3_600_000_000); // two hours on: the reply lands in another bucket
    let reply = a.ws.post_message(chat, "reply", "en", Some(parent.id)).unwrap();
    let reply_doc = vrooli_core::DocId::messages_of(chat, reply.id);
    assert_ne!(reply_doc, vrooli_core::DocId::messages_of(chat, parent.id));

    b.ws.import_bundle(&a.ws.export_bundle(Some(reply_doc)).unwrap()).unwrap();
    let early = b.ws.store().get::<ChatMessage>(reply.id).unwrap().unwrap();
    assert_eq!(early.parent_id, None, "no parent row yet");
    send(&a, &mut b);
    let late = b.ws.store().get::<ChatMessage>(reply.id).unwrap().unwrap();
    assert_eq!(late.parent_id, Some(parent.id), "the parent is back once it arrived");
    assert_converged(&a, &b);
}

#[test]
fn importing_a_bundle_twice_changes_nothing() {
    let (mut a, mut b, chat) = shared_chat();
    a.ws.post_message(chat, "once", "en", None).unwrap();
    let bundle = a.ws.export_bundle(None).unwrap();
    let first = b.ws.import_bundle(&bundle).unwrap();
    assert!(first.changed >= 1);
    let export = b.ws.export_json().unwrap();
    let again = b.ws.import_bundle(&bundle).unwrap();
    assert_eq!(again.changed, 0);
    assert_eq!(b.ws.export_json().unwrap(), export);
}

#[test]
fn a_damaged_bundle_is_refused_and_changes_nothing() {
    let (mut a, mut b, chat) = shared_chat();
    a.ws.post_message(chat, "payload", "en", None).unwrap();
    let bundle = a.ws.export_bundle(None).unwrap();
    let before = b.ws.export_json().unwrap();
    let mut corrupted = bundle.clone();
    let middle = corrupted.len() / 2;
    corrupted[middle] ^= 0x55;
    assert_eq!(b.ws.import_bundle(&corrupted).unwrap_err().code(), "corrupt_bundle");
    assert_eq!(b.ws.import_bundle(&bundle[..bundle.len() - 10]).unwrap_err().code(), "corrupt_bundle");
    assert_eq!(b.ws.import_bundle(b"not a bundle at all").unwrap_err().code(), "not_a_bundle");
    assert_eq!(b.ws.export_json().unwrap(), before);
}

#[test]
fn doctor_finds_nothing_after_edits_and_merges() {
    let (mut a, mut b, chat) = shared_chat();
    let m = a.ws.post_message(chat, "x", "en", None).unwrap();
    b.ws.post_message(chat, "y", "en", None).unwrap();
    sync(&mut a, &mut b);
    a.ws.edit_message(m.id, "xx").unwrap();
    let report = a.ws.doctor().unwrap();
    assert!(report.documents >= 2);
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    // A row changed behind the documents' back is reported.
    a.ws.store().connection().execute("UPDATE chat_message SET text = 'tampered' WHERE id = ?1", [m.id]).unwrap();
    let report = a.ws.doctor().unwrap();
    assert_eq!(report.differences.len(), 1, "{:?}", report.differences);
    assert!(report.differences[0].starts_with("chat_message"));
}

#[test]
fn history_lists_changes_and_time_travel_shows_the_past() {
    let (mut a, _b, chat) = shared_chat();
    let m = a.ws.post_message(chat, "first", "en", None).unwrap();
    let doc = vrooli_core::DocId::messages_of(chat, m.id);
    let heads = a.ws.heads(&doc).unwrap().join(",");
    a.ws.edit_message(m.id, "second").unwrap();
    let history = a.ws.history(&doc).unwrap();
    let messages: Vec<&str> = history.iter().map(|c| c.message.as_str()).collect();
    assert_eq!(messages, ["genesis", &format!("post message {}", m.id), &format!("edit message {}", m.id)]);
    assert_eq!(history[1].device, a.ws.device_id());
    let past = a.ws.show_document(&doc, Some(&heads)).unwrap();
    assert_eq!(past["messages"][m.id.to_string()]["text"], "first");
    let now = a.ws.show_document(&doc, None).unwrap();
    assert_eq!(now["messages"][m.id.to_string()]["text"], "second");
    assert_eq!(a.ws.show_document(&doc, Some("zz")).unwrap_err().code(), "invalid_heads");
}

#[test]
fn a_document_not_grown_from_the_genesis_change_is_refused() {
    use automerge::transaction::Transactable;
    let mut b = device();
    let before = b.ws.export_json().unwrap();
    let mut foreign = automerge::Automerge::new();
    foreign.transact(|tx| tx.put_object(automerge::ROOT, "chat", automerge::ObjType::Map).map(|_| ())).unwrap();
    let bundle = vrooli_core::bundle::encode(&[(vrooli_core::DocId::Chat(5), foreign.save())]);
    assert_eq!(b.ws.import_bundle(&bundle).unwrap_err().code(), "inconsistent_document");
    assert_eq!(b.ws.export_json().unwrap(), before);
    assert!(b.ws.documents().unwrap().is_empty(), "nothing stored");
}

#[test]
fn a_message_names_its_author_and_only_the_author_edits_or_deletes_it() {
    let (mut ann, mut bob) = (device(), unsigned_device());
    bob.ws.adopt_account(ME + 1, "bob@example.com").unwrap();
    let chat = ann.ws.create_chat("Plans", "en").unwrap();
    assert_eq!(chat.creator_id, Some(ME));
    let m = ann.ws.post_message(chat.id, "ann's words", "en", None).unwrap();
    assert_eq!(m.user_id, Some(ME));
    send(&ann, &mut bob);
    let on_bob = bob.ws.store().get::<ChatMessage>(m.id).unwrap().unwrap();
    assert_eq!(on_bob.user_id, Some(ME), "the author travels with the message");
    assert!(bob.ws.store().get::<vrooli_model::entities::User>(ME).unwrap().is_some(), "a row for the author");

    let before = bob.ws.export_json().unwrap();
    let edit = bob.ws.edit_message(m.id, "bob's words").unwrap_err();
    assert_eq!(edit.code(), "forbidden");
    assert!(edit.to_string().contains("author"), "{edit}");
    assert_eq!(bob.ws.delete_message(m.id).unwrap_err().code(), "forbidden");
    assert_eq!(bob.ws.export_json().unwrap(), before, "refused writes change nothing");

    // Bob's own reply is his to edit; another device of Ann's may edit hers.
    let reply = bob.ws.post_message(chat.id, "bob's reply", "en", Some(m.id)).unwrap();
    bob.ws.edit_message(reply.id, "bob's reply, edited").unwrap();
    let mut ann_laptop = device();
    send(&ann, &mut ann_laptop);
    ann_laptop.ws.edit_message(m.id, "ann's words, from her laptop").unwrap();
    sync(&mut ann, &mut ann_laptop);
    assert_eq!(message_text(&ann, m.id).as_deref(), Some("ann's words, from her laptop"));
}

#[test]
fn what_a_device_wrote_before_signing_in_stays_its_own() {
    let mut d = unsigned_device();
    let chat = d.ws.create_chat("Notes", "en").unwrap();
    let early = d.ws.post_message(chat.id, "before the account", "en", None).unwrap();
    d.ws.adopt_account(ME, "me@example.com").unwrap();
    d.ws.edit_message(early.id, "still mine").unwrap();
    assert_eq!(message_text(&d, early.id).as_deref(), Some("still mine"));
    let later = d.ws.post_message(chat.id, "with the account", "en", None).unwrap();
    assert_eq!(later.user_id, Some(ME));
}

fn reactions(d: &Device, message: i64) -> Vec<vrooli_model::entities::Reaction> {
    d.ws.store()
        .list::<vrooli_model::entities::Reaction>(
            &ListQuery::default().filter("chatMessageId", vrooli_model::Value::Integer(message)),
        )
        .unwrap()
        .items
}

fn summary(d: &Device, message: i64) -> Vec<(String, i32)> {
    let mut rows: Vec<(String, i32)> =
        d.ws.store()
            .list::<vrooli_model::entities::ReactionSummary>(
                &ListQuery::default().filter("chatMessageId", vrooli_model::Value::Integer(message)),
            )
            .unwrap()
            .items
            .into_iter()
            .map(|s| (s.emoji, s.count))
            .collect();
    rows.sort();
    rows
}

#[test]
fn the_same_reaction_added_on_two_devices_of_one_user_makes_one_row() {
    let (mut a, mut b, chat) = shared_chat();
    let m = a.ws.post_message(chat, "ship it?", "en", None).unwrap();
    sync(&mut a, &mut b);
    a.ws.react(m.id, "👍").unwrap();
    b.ws.react(m.id, "👍").unwrap();
    b.ws.react(m.id, "🎉").unwrap();
    sync(&mut a, &mut b);
    for d in [&a, &b] {
        assert_eq!(reactions(d, m.id).len(), 2, "one 👍 and one 🎉");
        assert_eq!(summary(d, m.id), vec![("🎉".to_string(), 1), ("👍".to_string(), 1)]);
    }
    assert_converged(&a, &b);
}

#[test]
fn reactions_of_different_users_count_up_and_taking_one_back_counts_down() {
    let (mut ann, mut bob) = (device(), unsigned_device());
    bob.ws.adopt_account(ME + 1, "bob@example.com").unwrap();
    let chat = ann.ws.create_chat("Plans", "en").unwrap().id;
    let m = ann.ws.post_message(chat, "lunch?", "en", None).unwrap();
    send(&ann, &mut bob);
    ann.ws.react(m.id, "👍").unwrap();
    bob.ws.react(m.id, "👍").unwrap();
    sync(&mut ann, &mut bob);
    assert_eq!(summary(&ann, m.id), vec![("👍".to_string(), 2)]);
    bob.ws.unreact(m.id, "👍").unwrap();
    sync(&mut ann, &mut bob);
    for d in [&ann, &bob] {
        assert_eq!(summary(d, m.id), vec![("👍".to_string(), 1)]);
        assert_eq!(reactions(d, m.id)[0].by_id, ME);
    }
    assert_converged(&ann, &bob);
    assert!(ann.ws.doctor().unwrap().differences.is_empty());
}

#[test]
fn a_reaction_to_a_message_deleted_meanwhile_goes_with_it() {
    let (mut a, mut b, chat) = shared_chat();
    let m = a.ws.post_message(chat, "oops", "en", None).unwrap();
    sync(&mut a, &mut b);
    a.ws.delete_message(m.id).unwrap();
    b.ws.react(m.id, "😮").unwrap();
    sync(&mut a, &mut b);
    for d in [&a, &b] {
        assert!(reactions(d, m.id).is_empty());
        assert!(summary(d, m.id).is_empty());
    }
    assert_converged(&a, &b);
}

#[test]
fn a_bad_emoji_is_refused_and_changes_nothing() {
    let (mut a, _, chat) = shared_chat();
    let m = a.ws.post_message(chat, "hi", "en", None).unwrap();
    let before = a.ws.export_json().unwrap();
    let error = a.ws.react(m.id, &"x".repeat(33)).unwrap_err();
    assert!(error.to_string().contains("emoji"), "{error}");
    assert_eq!(a.ws.react(m.id, " ").unwrap_err().code(), "invalid");
    assert_eq!(a.ws.react(m.id + 1, "👍").unwrap_err().code(), "not_found");
    assert_eq!(a.ws.export_json().unwrap(), before);
}

//! What the server may know of documents: the grammar of their ids, which
//! document's access rules a document follows, and — the one thing it reads
//! inside one — who a chat header lets in besides its owner.

use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};

/// `chat:ID`, `messages:CHAT:BUCKET`, `resource:ID`, `run:ID` with positive decimal numbers.
pub fn is_valid_doc_id(id: &str) -> bool {
    let number = |s: &str| !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()) && s != "0";
    let parts: Vec<&str> = id.split(':').collect();
    match parts.as_slice() {
        ["chat" | "resource" | "run", n] => number(n),
        ["messages", chat, bucket] => number(chat) && number(bucket),
        _ => false,
    }
}

/// The document whose owner a document shares: a chat's message buckets
/// follow the chat.
pub fn access_parent(id: &str) -> Option<String> {
    let mut parts = id.split(':');
    match (parts.next(), parts.next()) {
        (Some("messages"), Some(chat)) => Some(format!("chat:{chat}")),
        _ => None,
    }
}

/// The accounts a chat header (`chat:ID`) opens the chat to besides its
/// owner: every participant, and every invitee whose invite is `Pending`
/// (so they can see what they are invited to). Accepted or declined invites
/// open nothing by themselves; an accepted invitee is a participant.
///
/// Entries are read by their `userId` field, as the devices project them;
/// an entry without a numeric one opens nothing. Sorted, without repeats.
pub fn chat_readers(doc: &Automerge) -> Vec<i64> {
    let mut readers = Vec::new();
    for (key, pending_only) in [("participants", false), ("invites", true)] {
        let Some(map) = map_at(doc, &ROOT, key) else { continue };
        for item in doc.keys(&map) {
            let Some(entry) = map_at(doc, &map, &item) else { continue };
            if pending_only && !matches!(scalar(doc, &entry, "status"), Some(ScalarValue::Str(s)) if s == "Pending") {
                continue;
            }
            let user = match scalar(doc, &entry, "userId") {
                Some(ScalarValue::Int(id)) => Some(id),
                Some(ScalarValue::Uint(id)) => i64::try_from(id).ok(),
                _ => None,
            };
            readers.extend(user.filter(|id| *id > 0));
        }
    }
    readers.sort_unstable();
    readers.dedup();
    readers
}

fn map_at(doc: &Automerge, parent: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(parent, key) {
        Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
        _ => None,
    }
}

fn scalar(doc: &Automerge, obj: &ObjId, key: &str) -> Option<ScalarValue> {
    match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => Some(s.into_owned()),
        _ => None,
    }
}

/// Documents that others point into come first when several are applied
/// together (a chat before its messages, a resource before its runs).
pub fn apply_rank(id: &str) -> u8 {
    if id.starts_with("chat:") || id.starts_with("resource:") {
        0
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_ids() {
        assert!(is_valid_doc_id("chat:12"));
        assert!(is_valid_doc_id("messages:12:477000"));
        assert!(!is_valid_doc_id("chat:0"));
        assert!(!is_valid_doc_id("chat:-1"));
        assert!(!is_valid_doc_id("team:1"));
        assert!(!is_valid_doc_id("chat:1:2"));
        assert_eq!(access_parent("messages:12:4").as_deref(), Some("chat:12"));
        assert_eq!(access_parent("chat:12"), None);
    }

    fn person(doc: &mut automerge::AutoCommit, key: &str, user: i64, status: Option<&str>) {
        use automerge::transaction::Transactable;
        let map = match doc.get(ROOT, key).unwrap() {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => doc.put_object(ROOT, key, ObjType::Map).unwrap(),
        };
        let entry = doc.put_object(&map, user.to_string(), ObjType::Map).unwrap();
        doc.put(&entry, "userId", user).unwrap();
        if let Some(status) = status {
            doc.put(&entry, "status", status).unwrap();
        }
    }

    #[test]
    fn chat_readers_are_participants_and_pending_invitees() {
        let mut doc = automerge::AutoCommit::new();
        assert!(chat_readers(doc.document()).is_empty(), "a header without people opens nothing");
        person(&mut doc, "participants", 7, None);
        person(&mut doc, "participants", 3, None);
        person(&mut doc, "invites", 9, Some("Pending"));
        person(&mut doc, "invites", 7, Some("Pending"));
        person(&mut doc, "invites", 11, Some("Declined"));
        person(&mut doc, "invites", 12, Some("Accepted"));
        assert_eq!(chat_readers(doc.document()), vec![3, 7, 9]);
    }

    #[test]
    fn chat_readers_ignore_entries_without_a_user() {
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        let participants = doc.put_object(ROOT, "participants", ObjType::Map).unwrap();
        let entry = doc.put_object(&participants, "5", ObjType::Map).unwrap();
        doc.put(&entry, "userId", "5").unwrap();
        doc.put(&participants, "6", 6).unwrap();
        person(&mut doc, "invites", 8, None);
        assert!(chat_readers(doc.document()).is_empty());
    }
}

//! Chats: a header document (`chat`, translations by language, participants
//! and invites by user) and ten-minute message buckets (`messages` by id).
//!
//! Merge rules:
//! - message text and translation names/descriptions are Automerge text:
//!   concurrent edits both survive, character by character;
//! - `versionIndex` is a counter: two concurrent edits count twice;
//! - translations, participants and invites are keyed by language or user,
//!   so concurrent adds on two devices make one row;
//! - deleting a message removes it from its bucket: a concurrent edit of the
//!   deleted message is lost (delete wins), and its replies stay, with
//!   `parentId` NULL in the projection;
//! - reactions are keys of their message's map, one per user and emoji
//!   (see `chat_reactions`);
//! - a reply whose parent has not arrived yet is shown without its parent
//!   and gets it back when the parent arrives (`reply_parent`).

use std::collections::{BTreeSet, HashSet};

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, Patch, PatchAction, Prop, ReadDoc};
use rusqlite::params;
use vrooli_model::entities::{Chat, ChatInvite, ChatMessage, ChatParticipants, ChatTranslation};
use vrooli_model::{Entity, Operation, PublicId, Value};

use crate::doc_id::DocId;
use crate::error::CoreError;
use crate::fields::{collection, inconsistent, map_at, read_row, validate, write_row, Layout};
use crate::workspace::{int, Tx, Workspace};

static CHAT: Layout = Layout { table: Chat::TABLE, text: &[], counters: &[], derived: &[] };
static TRANSLATION: Layout =
    Layout { table: ChatTranslation::TABLE, text: &["name", "description"], counters: &[], derived: &[] };
pub(crate) static PARTICIPANT: Layout =
    Layout { table: ChatParticipants::TABLE, text: &[], counters: &[], derived: &[] };
pub(crate) static INVITE: Layout = Layout { table: ChatInvite::TABLE, text: &[], counters: &[], derived: &[] };
static MESSAGE: Layout =
    Layout { table: ChatMessage::TABLE, text: &["text"], counters: &["versionIndex"], derived: &[] };

/// The header's keyed collections: root key and layout.
static HEADER_COLLECTIONS: [(&str, &Layout); 3] =
    [("translations", &TRANSLATION), ("participants", &PARTICIPANT), ("invites", &INVITE)];

impl Workspace {
    /// Creates a chat with its name in `language`.
    pub fn create_chat(&mut self, name: &str, language: &str) -> Result<Chat, CoreError> {
        self.create_chat_for(name, language, None)
    }

    /// Creates a chat owned by `team` when given: it syncs to the team's members.
    pub fn create_chat_for(&mut self, name: &str, language: &str, team: Option<i64>) -> Result<Chat, CoreError> {
        self.transact(|t| {
            if let Some(team) = team {
                crate::refs::ensure_team(t, team)?;
            }
            let now = t.now();
            // The creator decides who takes part in a user's chat (see chat_people).
            let creator = crate::refs::local_user(t)?;
            let chat = Chat {
                id: t.next_id(),
                public_id: PublicId::generate(&mut rand::rng()),
                created_at: now,
                updated_at: now,
                team_id: team,
                creator_id: Some(creator),
                ..Default::default()
            };
            let translation = ChatTranslation {
                id: t.next_id(),
                chat_id: chat.id,
                language: language.into(),
                name: Some(name.into()),
                ..Default::default()
            };
            let (chat_row, translation_row) = (chat.clone().into_values(), translation.into_values());
            validate(Chat::TABLE, &chat_row, Operation::Insert)?;
            validate(ChatTranslation::TABLE, &translation_row, Operation::Insert)?;
            let id = DocId::Chat(chat.id);
            let mut doc = t.take_doc(&id, true)?.ok_or_else(|| inconsistent(&id, "not created"))?;
            t.change(&mut doc, format!("create chat {}", chat.id), |tx| {
                let obj = collection(tx, &id, "chat")?;
                write_row(tx, &obj, &CHAT, &chat_row)?;
                let translations = collection(tx, &id, "translations")?;
                let obj = tx.put_object(&translations, language, ObjType::Map)?;
                write_row(tx, &obj, &TRANSLATION, &translation_row)
            })?;
            t.w.put_row(Chat::TABLE, chat_row)?;
            t.w.put_row(ChatTranslation::TABLE, translation_row)?;
            t.put_doc(id, doc)?;
            Ok(chat)
        })
    }

    /// Sets a chat's name (and description) in one language, adding the
    /// translation if the chat has none in it.
    pub fn set_chat_translation(
        &mut self,
        chat_id: i64,
        language: &str,
        name: &str,
        description: Option<&str>,
    ) -> Result<ChatTranslation, CoreError> {
        self.transact(|t| {
            let id = DocId::Chat(chat_id);
            let mut doc =
                t.take_doc(&id, false)?.ok_or(CoreError::NotFound { entity: "chat", id: chat_id.to_string() })?;
            let translations = collection(&doc, &id, "translations")?;
            let existing = match map_at(&doc, &translations, language)? {
                Some(obj) => Some(
                    ChatTranslation::from_values(read_row(&doc, &obj, &TRANSLATION)?)
                        .map_err(vrooli_store::StoreError::from)?,
                ),
                None => None,
            };
            let translation = ChatTranslation {
                name: Some(name.into()),
                description: description.map(str::to_string),
                ..existing.unwrap_or(ChatTranslation {
                    id: t.next_id(),
                    chat_id,
                    language: language.into(),
                    ..Default::default()
                })
            };
            let row = translation.clone().into_values();
            validate(ChatTranslation::TABLE, &row, Operation::Insert)?;
            t.change(&mut doc, format!("name chat {chat_id} in {language}"), |tx| {
                let obj = match map_at(tx, &translations, language)? {
                    Some(obj) => obj,
                    None => tx.put_object(&translations, language, ObjType::Map)?,
                };
                write_row(tx, &obj, &TRANSLATION, &row)
            })?;
            t.w.put_row(ChatTranslation::TABLE, row)?;
            t.put_doc(id, doc)?;
            Ok(translation)
        })
    }

    /// Posts a message, optionally as a reply to another message of the same chat.
    pub fn post_message(
        &mut self,
        chat_id: i64,
        text: &str,
        language: &str,
        reply_to: Option<i64>,
    ) -> Result<ChatMessage, CoreError> {
        self.transact(|t| {
            if t.w.get_row(Chat::TABLE, chat_id)?.is_none() {
                return Err(CoreError::NotFound { entity: "chat", id: chat_id.to_string() });
            }
            if let Some(parent) = reply_to {
                let row = t.w.get_row(ChatMessage::TABLE, parent)?;
                if row.as_deref().and_then(|r| int(ChatMessage::TABLE, r, "chatId")) != Some(chat_id) {
                    return Err(CoreError::Store(vrooli_store::StoreError::MissingParent {
                        entity: "chat_message",
                        field: "parentId".into(),
                        parent: "chat_message",
                        id: parent.to_string(),
                    }));
                }
            }
            let now = t.now();
            let author = crate::refs::local_user(t)?;
            let message = ChatMessage {
                id: t.next_id(),
                created_at: now,
                updated_at: now,
                language: language.into(),
                text: text.into(),
                parent_id: reply_to,
                chat_id,
                user_id: Some(author),
                ..Default::default()
            };
            let row = message.clone().into_values();
            validate(ChatMessage::TABLE, &row, Operation::Insert)?;
            let id = DocId::messages_of(chat_id, message.id);
            let mut doc = t.take_doc(&id, true)?.ok_or_else(|| inconsistent(&id, "not created"))?;
            t.change(&mut doc, format!("post message {}", message.id), |tx| {
                let messages = collection(tx, &id, "messages")?;
                let obj = tx.put_object(&messages, message.id.to_string(), ObjType::Map)?;
                write_row(tx, &obj, &MESSAGE, &row)
            })?;
            t.w.put_row(ChatMessage::TABLE, row)?;
            t.put_doc(id, doc)?;
            Ok(message)
        })
    }

    /// Replaces a message's text (as a character diff, so concurrent edits
    /// merge) and counts the edit in `versionIndex`.
    pub fn edit_message(&mut self, message_id: i64, text: &str) -> Result<ChatMessage, CoreError> {
        self.transact(|t| {
            let current =
                t.w.get_row(ChatMessage::TABLE, message_id)?
                    .ok_or(CoreError::NotFound { entity: "chat_message", id: message_id.to_string() })?;
            let current = ChatMessage::from_values(current).map_err(vrooli_store::StoreError::from)?;
            own_message(t, message_id, current.user_id, "edit")?;
            let edited = ChatMessage {
                text: text.into(),
                updated_at: t.now(),
                version_index: current.version_index + 1,
                ..current
            };
            let row = edited.clone().into_values();
            validate(ChatMessage::TABLE, &row, Operation::Update)?;
            let (id, mut doc) = message_doc(t, edited.chat_id, message_id)?;
            t.change(&mut doc, format!("edit message {message_id}"), |tx| {
                let messages = collection(tx, &id, "messages")?;
                let obj = map_at(tx, &messages, &message_id.to_string())?
                    .ok_or_else(|| inconsistent(&id, format!("message {message_id} missing")))?;
                write_row(tx, &obj, &MESSAGE, &row)
            })?;
            t.w.put_row(ChatMessage::TABLE, row)?;
            t.put_doc(id, doc)?;
            Ok(edited)
        })
    }

    /// Deletes a message; its replies stay, no longer pointing at it.
    pub fn delete_message(&mut self, message_id: i64) -> Result<(), CoreError> {
        self.transact(|t| {
            let current =
                t.w.get_row(ChatMessage::TABLE, message_id)?
                    .ok_or(CoreError::NotFound { entity: "chat_message", id: message_id.to_string() })?;
            let chat = int(ChatMessage::TABLE, &current, "chatId").unwrap_or_default();
            own_message(t, message_id, int(ChatMessage::TABLE, &current, "userId"), "delete")?;
            let (id, mut doc) = message_doc(t, chat, message_id)?;
            t.change(&mut doc, format!("delete message {message_id}"), |tx| {
                let messages = collection(tx, &id, "messages")?;
                tx.delete(&messages, message_id.to_string())?;
                Ok(())
            })?;
            t.w.delete_if_exists(ChatMessage::TABLE, message_id)?;
            t.put_doc(id, doc)?;
            Ok(())
        })
    }
}

/// Re-projects a whole chat header: the chat row and every keyed collection,
/// deleting rows the document no longer has.
/// Takes the bucket that holds a stored message: its ten-minute bucket, or
/// the hourly one an earlier build wrote it to.
pub(crate) fn message_doc(t: &mut Tx<'_, '_>, chat: i64, message_id: i64) -> Result<(DocId, Automerge), CoreError> {
    let id = DocId::messages_of(chat, message_id);
    let legacy = DocId::legacy_messages_of(chat, message_id);
    if let Some(doc) = t.take_doc(&id, false)? {
        let messages = collection(&doc, &id, "messages")?;
        if map_at(&doc, &messages, &message_id.to_string())?.is_some() {
            return Ok((id, doc));
        }
        t.put_doc(id, doc)?;
    }
    match t.take_doc(&legacy, false)? {
        Some(doc) => Ok((legacy, doc)),
        None => Err(inconsistent(&id, format!("message {message_id} missing"))),
    }
}

/// Only a message's author edits or deletes it (see `account::may_change`).
fn own_message(t: &mut Tx<'_, '_>, message_id: i64, author: Option<i64>, action: &str) -> Result<(), CoreError> {
    if crate::account::may_change(t, author)? {
        Ok(())
    } else {
        Err(CoreError::Forbidden(format!("only the author of message {message_id} can {action} it")))
    }
}

pub(crate) fn project_header(t: &mut Tx<'_, '_>, id: &DocId, doc: &Automerge, chat_id: i64) -> Result<(), CoreError> {
    let obj = collection(doc, id, "chat")?;
    let row = read_row(doc, &obj, &CHAT)?;
    if int(Chat::TABLE, &row, "id") != Some(chat_id) {
        return Err(inconsistent(id, "the chat map does not hold this chat"));
    }
    // A team's chat names its team; the row may not have come from the server yet.
    if let Some(team) = int(Chat::TABLE, &row, "teamId") {
        crate::refs::ensure_team(t, team)?;
    }
    if let Some(creator) = int(Chat::TABLE, &row, "creatorId") {
        crate::refs::ensure_user(t, creator)?;
    }
    t.w.put_row(Chat::TABLE, row)?;
    // Participants and invites name users this device may never have seen.
    crate::chat_people::ensure_people(t, id, doc)?;
    for (key, layout) in &HEADER_COLLECTIONS {
        let coll = collection(doc, id, key)?;
        let mut rows = Vec::new();
        for item in doc.keys(&coll).collect::<Vec<_>>() {
            let Some(obj) = map_at(doc, &coll, &item)? else { continue };
            let row = read_row(doc, &obj, layout)?;
            if int(layout.table, &row, "chatId") != Some(chat_id) {
                return Err(inconsistent(id, format!("{} {item} belongs to another chat", layout.table.name)));
            }
            rows.push(row);
        }
        // Stale rows go first: after concurrent adds under one key, the
        // winner's row replaces the loser's, which holds the same unique key.
        let present: HashSet<i64> = rows.iter().filter_map(|r| int(layout.table, r, "id")).collect();
        for stale in t.ids_where(layout.table.name, "chatId", chat_id)? {
            if !present.contains(&stale) {
                t.w.delete_if_exists(layout.table, stale)?;
            }
        }
        for row in rows {
            t.w.put_row(layout.table, row)?;
        }
    }
    Ok(())
}

/// The message ids a merge touched, from its patches: the key under
/// `messages`, however deep inside the message the change was.
pub(crate) fn touched_messages(patches: &[Patch]) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for patch in patches {
        match (patch.path.get(1), &patch.action) {
            (Some((_, Prop::Map(key))), _) => {
                ids.insert(key.clone());
            }
            (None, PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key }) if patch.path.len() == 1 => {
                ids.insert(key.clone());
            }
            _ => {}
        }
    }
    ids
}

/// Re-projects the given messages of one bucket.
pub(crate) fn project_messages(
    t: &mut Tx<'_, '_>,
    id: &DocId,
    doc: &Automerge,
    ids: &BTreeSet<String>,
) -> Result<(), CoreError> {
    let DocId::Messages { chat, bucket } = *id else { return Err(inconsistent(id, "not a message bucket")) };
    let messages = collection(doc, id, "messages")?;
    let parent_col = ChatMessage::TABLE.column_index("parentId").unwrap_or_default();
    // Replies wait in `reply_parent` for a parent this device does not have yet; when none
    // waits, a new message needs no look there.
    let mut replies_waiting: bool =
        t.w.transaction().prepare_cached("SELECT EXISTS (SELECT 1 FROM reply_parent)")?.query_row([], |r| r.get(0))?;
    for key in ids {
        let message_id: i64 = key.parse().map_err(|_| inconsistent(id, format!("message key {key:?}")))?;
        let Some(obj) = map_at(doc, &messages, key)? else {
            t.w.delete_if_exists(ChatMessage::TABLE, message_id)?;
            continue;
        };
        // One walk of the message's map for its columns and its reactions' keys.
        let (mut row, others) = crate::fields::read_row_and_other_keys(doc, &obj, &MESSAGE)?;
        let table = ChatMessage::TABLE;
        if int(table, &row, "id") != Some(message_id)
            || int(table, &row, "chatId") != Some(chat)
            || !DocId::holds_message(bucket, message_id)
        {
            return Err(inconsistent(id, format!("message {key} does not belong in this bucket")));
        }
        // The author may be someone this device has never seen.
        if let Some(author) = int(table, &row, "userId") {
            crate::refs::ensure_user(t, author)?;
        }
        let mut missing_parent = None;
        if let Some(parent) = row[parent_col].as_i64() {
            if !t.w.exists(table, parent)? {
                row[parent_col] = Value::Null;
                missing_parent = Some(parent);
            }
        }
        let is_new = !t.w.exists(table, message_id)?;
        t.w.put_row(table, row)?;
        let reactions = crate::chat_reactions::reaction_keys(others);
        crate::chat_reactions::project_reactions(t, doc, &obj, message_id, is_new, reactions)?;
        if let Some(parent) = missing_parent {
            t.w.transaction()
                .prepare_cached("INSERT OR REPLACE INTO reply_parent (messageId, parentId) VALUES (?1, ?2)")?
                .execute(params![message_id, parent])?;
            replies_waiting = true;
        }
        if is_new && replies_waiting {
            // Replies that arrived before this message get their parent back.
            let conn = t.w.transaction();
            conn.prepare_cached(
                "UPDATE chat_message SET parentId = ?1 WHERE id IN (SELECT messageId FROM reply_parent WHERE parentId = ?1)",
            )?
            .execute([message_id])?;
            conn.prepare_cached("DELETE FROM reply_parent WHERE parentId = ?1")?.execute([message_id])?;
        }
    }
    Ok(())
}

/// Every message id a bucket holds.
pub(crate) fn all_messages(doc: &Automerge, id: &DocId) -> Result<BTreeSet<String>, CoreError> {
    let messages = collection(doc, id, "messages")?;
    Ok(doc.keys(&messages).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrooli_model::{Clock, Timestamp};
    use vrooli_store::DataDir;

    /// Mid-way through a ten-minute window, so both posts share it.
    struct Fixed;
    impl Clock for Fixed {
        fn now(&self) -> Timestamp {
            Timestamp::from_micros(1_780_000_500_000_000)
        }
    }

    /// Writes a message the way builds with hourly buckets did.
    fn post_into_hour(ws: &mut Workspace, chat_id: i64, text: &str) -> Result<i64, CoreError> {
        ws.transact(|t| {
            let now = t.now();
            let author = crate::refs::local_user(t)?;
            let message = ChatMessage {
                id: t.next_id(),
                created_at: now,
                updated_at: now,
                language: "en".into(),
                text: text.into(),
                chat_id,
                user_id: Some(author),
                ..Default::default()
            };
            let row = message.clone().into_values();
            let id = DocId::legacy_messages_of(chat_id, message.id);
            let mut doc = t.take_doc(&id, true)?.ok_or_else(|| inconsistent(&id, "not created"))?;
            t.change(&mut doc, format!("post message {}", message.id), |tx| {
                let messages = collection(tx, &id, "messages")?;
                let obj = tx.put_object(&messages, message.id.to_string(), ObjType::Map)?;
                write_row(tx, &obj, &MESSAGE, &row)
            })?;
            t.w.put_row(ChatMessage::TABLE, row)?;
            t.put_doc(id, doc)?;
            Ok(message.id)
        })
    }

    #[test]
    fn messages_left_in_hourly_buckets_still_edit_react_and_delete() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mut ws = Workspace::open_with_clock(&DataDir::at(dir.path()), Box::new(Fixed))?;
        let chat = ws.create_chat("Older data", "en")?.id;
        let old = post_into_hour(&mut ws, chat, "written hourly")?;
        // A new post beside it in the same ten minutes: that bucket exists
        // but does not hold the old message, so the lookup must go on.
        let new = ws.post_message(chat, "written now", "en", None)?.id;
        let hour = DocId::legacy_messages_of(chat, old);
        let ten_minutes = DocId::messages_of(chat, new);
        assert_ne!(hour, ten_minutes);
        assert_eq!(DocId::messages_of(chat, old), ten_minutes, "both made in the same ten minutes");

        ws.clear_cache();
        let edits_before = ws.history(&hour)?.len();
        ws.edit_message(old, "written hourly, edited")?;
        ws.react(old, "👍")?;
        assert_eq!(ws.history(&hour)?.len(), edits_before + 2, "the edit and the reaction went to the hour's bucket");
        assert_eq!(ws.doctor()?.differences, Vec::<String>::new());
        let text: String =
            ws.store().connection().query_row("SELECT text FROM chat_message WHERE id = ?1", [old], |r| r.get(0))?;
        assert_eq!(text, "written hourly, edited");

        ws.delete_message(old)?;
        assert_eq!(ws.doctor()?.differences, Vec::<String>::new());
        let left: i64 = ws.store().connection().query_row("SELECT count(*) FROM chat_message", [], |r| r.get(0))?;
        assert_eq!(left, 1, "only the new message is left");
        Ok(())
    }
}

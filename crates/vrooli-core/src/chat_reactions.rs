//! Reactions to messages, kept in the message's own map in its bucket.
//!
//! A reaction lives under the key `reaction/{userId}/{emoji}` of the
//! message it answers. The key is the model's uniqueness rule (one reaction
//! per user, emoji and target), so two devices of one user adding the same
//! reaction offline make one row, and a reaction and its removal merge like
//! any map key. The keys sit in the message map rather than in a nested
//! `reactions` map because a nested map created concurrently by two devices
//! would be two maps, and one device's reactions would be hidden.
//!
//! `reaction_summary` (count per emoji) is derived at projection, never
//! stored in the document, with an id that follows from message and emoji,
//! so every device projects the same rows.

use std::collections::{BTreeMap, HashSet};

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ReadDoc};
use rusqlite::params;
use sha2::{Digest, Sha256};
use vrooli_model::entities::{ChatMessage, Reaction, ReactionSummary};
use vrooli_model::{Entity, Operation, Timestamp};

use crate::doc_id::DocId;
use crate::error::CoreError;
use crate::fields::{collection, inconsistent, map_at, read_row, validate, write_row, Layout};
use crate::workspace::{int, Tx, Workspace};

static REACTION: Layout = Layout { table: Reaction::TABLE, text: &[], counters: &[], derived: &[] };

const PREFIX: &str = "reaction/";

fn key(user: i64, emoji: &str) -> String {
    format!("{PREFIX}{user}/{emoji}")
}

/// The same id on every device for one message's count of one emoji.
fn summary_id(message: i64, emoji: &str) -> i64 {
    let digest = Sha256::digest(format!("vrooli reaction_summary {message} {emoji}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_le_bytes(bytes) >> 2) as i64
}

impl Workspace {
    /// Adds this device's user's `emoji` reaction to a message; adding it
    /// again changes nothing.
    pub fn react(&mut self, message_id: i64, emoji: &str) -> Result<Reaction, CoreError> {
        self.transact(|t| {
            let chat = message_chat(t, message_id)?;
            let me = crate::refs::local_user(t)?;
            let now = t.now();
            let reaction = Reaction {
                id: t.next_id(),
                created_at: now,
                updated_at: now,
                emoji: emoji.into(),
                by_id: me,
                chat_message_id: Some(message_id),
                ..Default::default()
            };
            let row = reaction.clone().into_values();
            validate(Reaction::TABLE, &row, Operation::Insert)?;
            if emoji.trim().is_empty() {
                return Err(crate::fields::invalid("reaction", "emoji", "required", "an emoji is required"));
            }
            let (id, mut doc) = crate::chat::message_doc(t, chat, message_id)?;
            let message = message_obj(&doc, &id, message_id)?;
            let existing = map_at(&doc, &message, &key(me, emoji))?;
            let reaction = match existing {
                Some(obj) => {
                    Reaction::from_values(read_row(&doc, &obj, &REACTION)?).map_err(vrooli_store::StoreError::from)?
                }
                None => {
                    t.change(&mut doc, format!("react {emoji} to message {message_id}"), |tx| {
                        let obj = tx.put_object(&message, key(me, emoji), ObjType::Map)?;
                        write_row(tx, &obj, &REACTION, &row)
                    })?;
                    reaction
                }
            };
            project_reactions(t, &doc, &message, message_id, false, reaction_keys(doc.keys(&message)))?;
            t.put_doc(id, doc)?;
            Ok(reaction)
        })
    }

    /// Takes back this device's user's `emoji` reaction; a missing one is fine.
    pub fn unreact(&mut self, message_id: i64, emoji: &str) -> Result<(), CoreError> {
        self.transact(|t| {
            let chat = message_chat(t, message_id)?;
            let me = crate::refs::local_user(t)?;
            let (id, mut doc) = crate::chat::message_doc(t, chat, message_id)?;
            let message = message_obj(&doc, &id, message_id)?;
            if map_at(&doc, &message, &key(me, emoji))?.is_some() {
                t.change(&mut doc, format!("take back {emoji} from message {message_id}"), |tx| {
                    tx.delete(&message, key(me, emoji))?;
                    Ok(())
                })?;
            }
            project_reactions(t, &doc, &message, message_id, false, reaction_keys(doc.keys(&message)))?;
            t.put_doc(id, doc)?;
            Ok(())
        })
    }
}

fn message_chat(t: &Tx<'_, '_>, message_id: i64) -> Result<i64, CoreError> {
    let row = t.w.get_row(ChatMessage::TABLE, message_id)?;
    row.as_deref()
        .and_then(|r| int(ChatMessage::TABLE, r, "chatId"))
        .ok_or(CoreError::NotFound { entity: "chat_message", id: message_id.to_string() })
}

fn message_obj(doc: &Automerge, id: &DocId, message_id: i64) -> Result<ObjId, CoreError> {
    let messages = collection(doc, id, "messages")?;
    map_at(doc, &messages, &message_id.to_string())?
        .ok_or_else(|| inconsistent(id, format!("message {message_id} missing")))
}

/// The keys of a message's map that hold reactions, out of `keys`.
pub(crate) fn reaction_keys(keys: impl IntoIterator<Item = String>) -> Vec<String> {
    keys.into_iter().filter(|k| k.starts_with(PREFIX)).collect()
}

/// Projects a message's reactions and their summary from its map, whose reaction keys are
/// `keys` (see [`reaction_keys`]): rows no longer in the document go, the counts are computed
/// afresh.
pub(crate) fn project_reactions(
    t: &mut Tx<'_, '_>,
    doc: &Automerge,
    message: &ObjId,
    message_id: i64,
    new_message: bool,
    keys: Vec<String>,
) -> Result<(), CoreError> {
    let mut rows = Vec::new();
    for key in keys {
        let Some(obj) = map_at(doc, message, &key)? else { continue };
        let row = read_row(doc, &obj, &REACTION)?;
        if int(Reaction::TABLE, &row, "chatMessageId") != Some(message_id) {
            continue;
        }
        rows.push(Reaction::from_values(row).map_err(vrooli_store::StoreError::from)?);
    }
    let present: HashSet<i64> = rows.iter().map(|r| r.id).collect();
    // A message that had no row has no reaction rows either (their key is its id).
    let stored = if new_message { Vec::new() } else { t.ids_where("reaction", "chatMessageId", message_id)? };
    let had_any = !stored.is_empty();
    for stale in stored {
        if !present.contains(&stale) {
            t.w.delete_if_exists(Reaction::TABLE, stale)?;
        }
    }
    if rows.is_empty() && !had_any {
        return Ok(());
    }
    let mut counts: BTreeMap<&str, (i32, Timestamp, Timestamp)> = BTreeMap::new();
    for reaction in &rows {
        crate::refs::ensure_user(t, reaction.by_id)?;
        let entry = counts.entry(&reaction.emoji).or_insert((0, reaction.created_at, reaction.updated_at));
        entry.0 += 1;
        entry.1 = entry.1.min(reaction.created_at);
        entry.2 = entry.2.max(reaction.updated_at);
    }
    for reaction in &rows {
        t.w.put_row(Reaction::TABLE, reaction.clone().into_values())?;
    }
    t.w.transaction()
        .prepare_cached("DELETE FROM reaction_summary WHERE chatMessageId = ?1")?
        .execute(params![message_id])?;
    for (emoji, (count, created_at, updated_at)) in counts {
        let summary = ReactionSummary {
            id: summary_id(message_id, emoji),
            created_at,
            updated_at,
            emoji: emoji.to_string(),
            count,
            chat_message_id: Some(message_id),
            ..Default::default()
        };
        t.w.put_row(ReactionSummary::TABLE, summary.into_values())?;
    }
    Ok(())
}

//! A chat's people: its participants and the invites to it, both kept in the
//! chat header (`chat:ID`) under `participants` and `invites`, keyed by user
//! id. The sync server reads these two maps to decide who besides the chat's
//! owner may read it (participants and holders of a pending invite).
//!
//! Who may change them: the chat's owner — for a team's chat an admin of the
//! team, for a user's chat its creator. A device can only tell for team
//! chats (from its `member` rows) and for chats that name their creator; for
//! the rest the server decides, refusing a merge in which anyone but the
//! owner lets someone in or out. The invited user answers their own invite.
//!
//! Merge rules (each has a named test in `tests/it/chat_people.rs`):
//! - participants and invites are keyed by user, so two devices adding the
//!   same user concurrently make one row (the projection drops the loser's);
//! - accepting sets the invite `Accepted` and adds the user as a
//!   participant, in one change. If the owner withdraws the invite
//!   concurrently, the withdrawal deletes the invite (a delete wins over a
//!   concurrent edit inside it), but the participant, a separate key, stays:
//!   the accept wins, and the owner removes the participant if that was
//!   meant. On the server, a withdrawal that arrives first closes the chat
//!   to the invitee, so their later accept is refused there.

use automerge::transaction::Transactable;
use automerge::ObjType;
use rusqlite::{params, OptionalExtension};
use vrooli_model::entities::{Chat, ChatInvite, ChatParticipants};
use vrooli_model::enums::InviteStatus;
use vrooli_model::{Entity, Operation};

use crate::chat::{INVITE, PARTICIPANT};
use crate::doc_id::DocId;
use crate::error::CoreError;
use crate::fields::{collection, decode, invalid, map_at, read_row, validate, write_row, Layout};
use crate::refs::{ensure_user, local_user};
use crate::workspace::{Tx, Workspace};

impl Workspace {
    /// Adds `user_id` to a chat's participants (owner only); adding someone
    /// already there changes nothing and returns their row.
    pub fn add_participant(&mut self, chat_id: i64, user_id: i64) -> Result<ChatParticipants, CoreError> {
        self.transact(|t| {
            let chat = chat_row(t, chat_id)?;
            require_owner(t, &chat)?;
            ensure_user(t, user_id)?;
            let id = DocId::Chat(chat_id);
            let mut doc = take_chat(t, chat_id)?;
            if let Some(existing) = person::<ChatParticipants>(&doc, &id, "participants", &PARTICIPANT, user_id)? {
                t.put_doc(id, doc)?;
                return Ok(existing);
            }
            let participant = new_participant(t, chat_id, user_id);
            let row = participant.clone().into_values();
            validate(ChatParticipants::TABLE, &row, Operation::Insert)?;
            t.change(&mut doc, format!("add participant {user_id} to chat {chat_id}"), |tx| {
                put_person(tx, &id, "participants", &PARTICIPANT, user_id, &row)
            })?;
            t.w.put_row(ChatParticipants::TABLE, row)?;
            t.put_doc(id, doc)?;
            Ok(participant)
        })
    }

    /// Removes `user_id` from a chat's participants: the owner removes
    /// anyone, a participant themselves (leaving). Their devices get no
    /// further changes of the chat once the server has this.
    pub fn remove_participant(&mut self, chat_id: i64, user_id: i64) -> Result<(), CoreError> {
        self.transact(|t| {
            let chat = chat_row(t, chat_id)?;
            if local_user(t)? != user_id {
                require_owner(t, &chat)?;
            }
            let id = DocId::Chat(chat_id);
            let mut doc = take_chat(t, chat_id)?;
            let existing = person::<ChatParticipants>(&doc, &id, "participants", &PARTICIPANT, user_id)?
                .ok_or(CoreError::NotFound { entity: "chat participant", id: user_id.to_string() })?;
            t.change(&mut doc, format!("remove participant {user_id} from chat {chat_id}"), |tx| {
                let participants = collection(tx, &id, "participants")?;
                tx.delete(&participants, user_id.to_string())?;
                Ok(())
            })?;
            t.w.delete_if_exists(ChatParticipants::TABLE, existing.id)?;
            t.put_doc(id, doc)?;
            Ok(())
        })
    }

    /// Invites `user_id` to a chat (owner only), with an optional message.
    /// Inviting again makes the invite pending again, with the new message.
    pub fn invite_to_chat(
        &mut self,
        chat_id: i64,
        user_id: i64,
        message: Option<&str>,
    ) -> Result<ChatInvite, CoreError> {
        self.transact(|t| {
            let chat = chat_row(t, chat_id)?;
            require_owner(t, &chat)?;
            ensure_user(t, user_id)?;
            let id = DocId::Chat(chat_id);
            let mut doc = take_chat(t, chat_id)?;
            if person::<ChatParticipants>(&doc, &id, "participants", &PARTICIPANT, user_id)?.is_some() {
                return Err(invalid(
                    "chat_invite",
                    "userId",
                    "already_participant",
                    format!("user {user_id} already takes part in chat {chat_id}"),
                ));
            }
            let now = t.now();
            let invite = match person::<ChatInvite>(&doc, &id, "invites", &INVITE, user_id)? {
                Some(existing) => ChatInvite {
                    status: InviteStatus::Pending,
                    message: message.map(str::to_string),
                    updated_at: now,
                    ..existing
                },
                None => ChatInvite {
                    id: t.next_id(),
                    created_at: now,
                    updated_at: now,
                    status: InviteStatus::Pending,
                    message: message.map(str::to_string),
                    chat_id,
                    user_id,
                },
            };
            let row = invite.clone().into_values();
            validate(ChatInvite::TABLE, &row, Operation::Insert)?;
            t.change(&mut doc, format!("invite {user_id} to chat {chat_id}"), |tx| {
                put_person(tx, &id, "invites", &INVITE, user_id, &row)
            })?;
            t.w.put_row(ChatInvite::TABLE, row)?;
            t.put_doc(id, doc)?;
            Ok(invite)
        })
    }

    /// Withdraws the invite of `user_id` (owner only).
    pub fn withdraw_chat_invite(&mut self, chat_id: i64, user_id: i64) -> Result<(), CoreError> {
        self.transact(|t| {
            let chat = chat_row(t, chat_id)?;
            require_owner(t, &chat)?;
            let id = DocId::Chat(chat_id);
            let mut doc = take_chat(t, chat_id)?;
            let existing = person::<ChatInvite>(&doc, &id, "invites", &INVITE, user_id)?
                .ok_or(CoreError::NotFound { entity: "chat invite", id: user_id.to_string() })?;
            t.change(&mut doc, format!("withdraw the invite of {user_id} to chat {chat_id}"), |tx| {
                let invites = collection(tx, &id, "invites")?;
                tx.delete(&invites, user_id.to_string())?;
                Ok(())
            })?;
            t.w.delete_if_exists(ChatInvite::TABLE, existing.id)?;
            t.put_doc(id, doc)?;
            Ok(())
        })
    }

    /// Accepts this device's user's pending invite to a chat: the invite
    /// becomes `Accepted` and the user a participant, in one change.
    pub fn accept_chat_invite(&mut self, chat_id: i64) -> Result<ChatParticipants, CoreError> {
        self.transact(|t| {
            let (id, mut doc, invite) = pending_invite(t, chat_id)?;
            let me = invite.user_id;
            let answered = ChatInvite { status: InviteStatus::Accepted, updated_at: t.now(), ..invite };
            let invite_row = answered.into_values();
            validate(ChatInvite::TABLE, &invite_row, Operation::Update)?;
            let existing = person::<ChatParticipants>(&doc, &id, "participants", &PARTICIPANT, me)?;
            let participant = match existing {
                Some(p) => p,
                None => new_participant(t, chat_id, me),
            };
            let participant_row = participant.clone().into_values();
            validate(ChatParticipants::TABLE, &participant_row, Operation::Insert)?;
            t.change(&mut doc, format!("accept the invite to chat {chat_id}"), |tx| {
                put_person(tx, &id, "invites", &INVITE, me, &invite_row)?;
                put_person(tx, &id, "participants", &PARTICIPANT, me, &participant_row)
            })?;
            t.w.put_row(ChatInvite::TABLE, invite_row)?;
            t.w.put_row(ChatParticipants::TABLE, participant_row)?;
            t.put_doc(id, doc)?;
            Ok(participant)
        })
    }

    /// Declines this device's user's pending invite to a chat.
    pub fn decline_chat_invite(&mut self, chat_id: i64) -> Result<ChatInvite, CoreError> {
        self.transact(|t| {
            let (id, mut doc, invite) = pending_invite(t, chat_id)?;
            let me = invite.user_id;
            let answered = ChatInvite { status: InviteStatus::Declined, updated_at: t.now(), ..invite };
            let row = answered.clone().into_values();
            validate(ChatInvite::TABLE, &row, Operation::Update)?;
            t.change(&mut doc, format!("decline the invite to chat {chat_id}"), |tx| {
                put_person(tx, &id, "invites", &INVITE, me, &row)
            })?;
            t.w.put_row(ChatInvite::TABLE, row)?;
            t.put_doc(id, doc)?;
            Ok(answered)
        })
    }
}

/// Makes sure the users a chat header names have rows, so its participant
/// and invite rows' foreign keys hold on a device that has never seen them
/// (placeholders, as `refs` makes for owners). Run before projecting a header.
pub(crate) fn ensure_people(t: &mut Tx<'_, '_>, id: &DocId, doc: &automerge::Automerge) -> Result<(), CoreError> {
    for (key, layout) in [("participants", &PARTICIPANT), ("invites", &INVITE)] {
        let coll = collection(doc, id, key)?;
        for item in automerge::ReadDoc::keys(doc, &coll).collect::<Vec<_>>() {
            let Some(obj) = map_at(doc, &coll, &item)? else { continue };
            let row = read_row(doc, &obj, layout)?;
            if let Some(user) = crate::workspace::int(layout.table, &row, "userId") {
                ensure_user(t, user)?;
            }
        }
    }
    Ok(())
}

fn chat_row(t: &Tx<'_, '_>, chat_id: i64) -> Result<Chat, CoreError> {
    let row =
        t.w.get_row(Chat::TABLE, chat_id)?.ok_or(CoreError::NotFound { entity: "chat", id: chat_id.to_string() })?;
    Ok(Chat::from_values(row).map_err(vrooli_store::StoreError::from)?)
}

fn take_chat(t: &mut Tx<'_, '_>, chat_id: i64) -> Result<automerge::Automerge, CoreError> {
    t.take_doc(&DocId::Chat(chat_id), false)?.ok_or(CoreError::NotFound { entity: "chat", id: chat_id.to_string() })
}

/// Refuses unless this device's user owns the chat, as far as this device
/// can tell (see the module's story; the server has the last word).
fn require_owner(t: &mut Tx<'_, '_>, chat: &Chat) -> Result<(), CoreError> {
    let me = local_user(t)?;
    if let Some(team) = chat.team_id {
        let admin: Option<bool> =
            t.w.transaction()
                .prepare_cached("SELECT isAdmin FROM member WHERE teamId = ?1 AND userId = ?2")?
                .query_row(params![team, me], |r| r.get(0))
                .optional()?;
        if admin != Some(true) {
            return Err(CoreError::Forbidden(format!(
                "only an admin of team {team} can change who takes part in chat {}",
                chat.id
            )));
        }
    } else if chat.creator_id.is_some_and(|creator| creator != me) {
        return Err(CoreError::Forbidden(format!("only the creator of chat {} can change who takes part", chat.id)));
    }
    Ok(())
}

/// This device's user's pending invite to the chat, with the chat's document.
fn pending_invite(t: &mut Tx<'_, '_>, chat_id: i64) -> Result<(DocId, automerge::Automerge, ChatInvite), CoreError> {
    chat_row(t, chat_id)?;
    let me = local_user(t)?;
    let id = DocId::Chat(chat_id);
    let doc = take_chat(t, chat_id)?;
    match person::<ChatInvite>(&doc, &id, "invites", &INVITE, me)? {
        Some(invite) if invite.status == InviteStatus::Pending => Ok((id, doc, invite)),
        _ => Err(CoreError::NotFound { entity: "pending chat invite for you", id: chat_id.to_string() }),
    }
}

fn new_participant(t: &mut Tx<'_, '_>, chat_id: i64, user_id: i64) -> ChatParticipants {
    let now = t.now();
    ChatParticipants { id: t.next_id(), created_at: now, updated_at: now, has_unread: false, chat_id, user_id }
}

/// The entry of `user` under `key` of the header, if any.
fn person<E: Entity>(
    doc: &automerge::Automerge,
    id: &DocId,
    key: &str,
    layout: &Layout,
    user: i64,
) -> Result<Option<E>, CoreError> {
    let coll = collection(doc, id, key)?;
    match map_at(doc, &coll, &user.to_string())? {
        Some(obj) => Ok(Some(decode(id, layout, read_row(doc, &obj, layout)?)?)),
        None => Ok(None),
    }
}

/// Writes `row` as the entry of `user` under `key`, creating it if missing.
fn put_person(
    tx: &mut automerge::transaction::Transaction<'_>,
    id: &DocId,
    key: &str,
    layout: &Layout,
    user: i64,
    row: &[vrooli_model::Value],
) -> Result<(), CoreError> {
    let coll = collection(tx, id, key)?;
    let obj = match map_at(tx, &coll, &user.to_string())? {
        Some(obj) => obj,
        None => tx.put_object(&coll, user.to_string(), ObjType::Map)?,
    };
    write_row(tx, &obj, layout, row)
}

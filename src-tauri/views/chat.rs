//! Chats: the list by last activity with unread counts, and one chat as a thread.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use specta::Type;
use vrooli_core::Authorship;
use vrooli_model::entities::{Chat, ChatInvite, ChatMessage, ChatParticipants, ChatTranslation, User};
use vrooli_model::{Timestamp, Value};
use vrooli_store::{ListQuery, Order, Store, StoreError, MAX_PAGE_SIZE};

use super::{all, first, found, id, time};

/// Unread counts stop here; the UI shows "99+".
pub const UNREAD_CAP: u32 = 99;

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChatName {
    pub language: String,
    pub name: Option<String>,
    pub description: Option<String>,
}

impl From<ChatTranslation> for ChatName {
    fn from(t: ChatTranslation) -> Self {
        ChatName { language: t.language, name: t.name, description: t.description }
    }
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChatSummary {
    pub id: String,
    pub names: Vec<ChatName>,
    /// The newest of the chat's last update and its newest message.
    pub last_activity: String,
    /// The newest message's text, if any.
    pub preview: Option<String>,
    /// Messages created since the chat was last opened on this device, at most [`UNREAD_CAP`].
    pub unread: u32,
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: String,
    pub parent_id: Option<String>,
    /// 0 for a message that replies to nothing (or whose parent is gone), parent's depth + 1.
    pub depth: u32,
    pub language: String,
    pub text: String,
    /// How many times it was edited.
    pub version_index: i32,
    pub created_at: String,
    pub updated_at: String,
    /// The author's user id, when the message names one.
    pub author_id: Option<String>,
    /// Whether this device may edit and delete it (its author's account).
    pub editable: bool,
    /// Reactions by emoji, in the order first chosen.
    pub reactions: Vec<ReactionView>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReactionView {
    pub emoji: String,
    pub count: i32,
    /// Whether this device's user is among them.
    pub mine: bool,
}

impl MessageView {
    pub fn new(m: ChatMessage, depth: u32, authorship: &Authorship) -> Self {
        MessageView {
            id: id(m.id),
            parent_id: m.parent_id.map(id),
            depth,
            language: m.language,
            text: m.text,
            version_index: m.version_index,
            created_at: time(m.created_at),
            updated_at: time(m.updated_at),
            author_id: m.user_id.map(id),
            editable: authorship.may_change(m.user_id),
            reactions: Vec::new(),
        }
    }
}

/// A chat's reactions by message, one query for the whole chat (a
/// per-message query would cost more than the thread itself on a big chat).
fn reactions_of(store: &Store, chat_id: i64, me: Option<i64>) -> Result<HashMap<i64, Vec<ReactionView>>, StoreError> {
    let mut stmt = store.connection().prepare_cached(
        "SELECT s.chatMessageId, s.emoji, s.count, EXISTS (SELECT 1 FROM reaction r WHERE r.chatMessageId = s.chatMessageId AND r.emoji = s.emoji AND r.byId = ?2)
         FROM reaction_summary s JOIN chat_message m ON m.id = s.chatMessageId
         WHERE m.chatId = ?1 AND s.count > 0 ORDER BY s.createdAt, s.id",
    )?;
    let rows = stmt.query_map([chat_id, me.unwrap_or(-1)], |r| {
        Ok((r.get::<_, i64>(0)?, ReactionView { emoji: r.get(1)?, count: r.get(2)?, mine: r.get(3)? }))
    })?;
    let mut by_message: HashMap<i64, Vec<ReactionView>> = HashMap::new();
    for row in rows {
        let (message, reaction) = row?;
        by_message.entry(message).or_default().push(reaction);
    }
    Ok(by_message)
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub user_id: String,
    /// The user's name, when this device has the user.
    pub name: Option<String>,
    /// For invites: Pending, Accepted or Declined.
    pub status: Option<String>,
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChatThread {
    pub id: String,
    pub names: Vec<ChatName>,
    pub created_at: String,
    pub participants: Vec<Member>,
    pub invites: Vec<Member>,
    /// In reading order: each reply right under its parent, one level deeper. The newest
    /// ones only (see [`thread_of`]); `has_earlier` says whether older ones exist.
    pub messages: Vec<MessageView>,
    pub has_earlier: bool,
}

/// Messages a chat opens with; older ones load on request. Loading and drawing all of a
/// 10,000-message chat cost ~0.4 s; this many keep opening a chat of any size quick.
pub const FIRST_PAGE: u32 = 200;

/// The chat's newest `at_least` messages, newest first, and more if needed to reach
/// `including`; plus whether older ones remain.
fn newest_messages(
    store: &Store,
    chat_id: i64,
    at_least: usize,
    including: Option<i64>,
) -> Result<(Vec<ChatMessage>, bool), StoreError> {
    let mut query = ListQuery::default()
        .order(Order::NewestFirst)
        .limit(MAX_PAGE_SIZE.min(u32::try_from(at_least + 1).unwrap_or(MAX_PAGE_SIZE)))
        .filter("chatId", Value::Integer(chat_id));
    let mut messages: Vec<ChatMessage> = Vec::new();
    let mut found = including.is_none();
    loop {
        let page = store.list::<ChatMessage>(&query)?;
        found = found || page.items.iter().any(|m| Some(m.id) == including);
        messages.extend(page.items);
        if messages.len() > at_least && found {
            let wanted = match including.and_then(|id| messages.iter().position(|m| m.id == id)) {
                Some(at) => at_least.max(at + 1),
                None => at_least,
            };
            let has_earlier = messages.len() > wanted || page.has_next_page;
            messages.truncate(wanted);
            return Ok((messages, has_earlier));
        }
        if !page.has_next_page {
            return Ok((messages, false));
        }
        query = query.limit(MAX_PAGE_SIZE).after(page.next_cursor);
    }
}

fn by_chat(chat: i64) -> [(&'static str, Value); 1] {
    [("chatId", Value::Integer(chat))]
}

/// Every chat, most recently active first. `opened` tells when a chat was last opened here.
pub fn list(store: &Store, opened: impl Fn(i64) -> Option<Timestamp>) -> Result<Vec<ChatSummary>, StoreError> {
    let mut chats = Vec::new();
    for chat in all::<Chat>(store, &[], Order::NewestFirst)? {
        let names = all::<ChatTranslation>(store, &by_chat(chat.id), Order::OldestFirst)?;
        // The (chatId, createdAt) index serves these without reading the whole chat.
        let recent = first::<ChatMessage>(store, &by_chat(chat.id), Order::NewestFirst, UNREAD_CAP)?;
        let seen = opened(chat.id);
        let unread = recent.iter().filter(|m| seen.is_none_or(|at| m.created_at > at)).count();
        let newest = recent.first();
        chats.push(ChatSummary {
            id: id(chat.id),
            names: names.into_iter().map(ChatName::from).collect(),
            last_activity: time(newest.map_or(chat.updated_at, |m| m.created_at.max(chat.updated_at))),
            preview: newest.map(|m| m.text.clone()),
            unread: u32::try_from(unread).unwrap_or(UNREAD_CAP),
        });
    }
    chats.sort_by(|a, b| b.last_activity.cmp(&a.last_activity).then_with(|| b.id.cmp(&a.id)));
    Ok(chats)
}

/// One chat with its names, members and messages as a thread.
///
/// Only the newest `shown` messages (at least one) are read, and more when `including` names
/// an older message of the chat (a search hit to open).
pub fn thread_of(
    store: &Store,
    chat_id: i64,
    authorship: &Authorship,
    shown: u32,
    including: Option<i64>,
) -> Result<ChatThread, StoreError> {
    let chat = found(store.get::<Chat>(chat_id)?, "chat", chat_id)?;
    let names = all::<ChatTranslation>(store, &by_chat(chat_id), Order::OldestFirst)?;
    let participants = all::<ChatParticipants>(store, &by_chat(chat_id), Order::OldestFirst)?
        .into_iter()
        .map(|p| member(store, p.user_id, None))
        .collect::<Result<_, _>>()?;
    let invites = all::<ChatInvite>(store, &by_chat(chat_id), Order::OldestFirst)?
        .into_iter()
        .map(|i| member(store, i.user_id, Some(i.status.as_str().to_owned())))
        .collect::<Result<_, _>>()?;
    let at_least = usize::try_from(shown.max(1)).unwrap_or(usize::MAX);
    let (mut messages, has_earlier) = newest_messages(store, chat_id, at_least, including)?;
    messages.reverse();
    let mut reactions = reactions_of(store, chat_id, authorship.user)?;
    let mut messages = thread(messages, authorship);
    for m in &mut messages {
        if let Some(r) = m.id.parse().ok().and_then(|id: i64| reactions.remove(&id)) {
            m.reactions = r;
        }
    }
    Ok(ChatThread {
        id: id(chat.id),
        names: names.into_iter().map(ChatName::from).collect(),
        created_at: time(chat.created_at),
        participants,
        invites,
        messages,
        has_earlier,
    })
}

fn member(store: &Store, user_id: i64, status: Option<String>) -> Result<Member, StoreError> {
    let name = store.get::<User>(user_id)?.map(|u| u.name);
    Ok(Member { user_id: id(user_id), name, status })
}

/// Orders messages as a thread: each reply directly under its parent, one level deeper;
/// siblings (and top-level messages) by creation time, then id. A message whose parent is not
/// among them (deleted, or not arrived) starts its own thread. Iterative, so no reply chain is
/// too deep. (The same order as the CLI's `chat show`.)
pub fn thread(mut messages: Vec<ChatMessage>, authorship: &Authorship) -> Vec<MessageView> {
    messages.sort_by_key(|m| (m.created_at, m.id));
    let present: HashSet<i64> = messages.iter().map(|m| m.id).collect();
    let mut children: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        match m.parent_id.filter(|p| present.contains(p) && *p != m.id) {
            Some(parent) => children.entry(parent).or_default().push(i),
            None => roots.push(i),
        }
    }
    let mut slots: Vec<Option<ChatMessage>> = messages.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    let mut stack: Vec<(usize, u32)> = roots.into_iter().rev().map(|i| (i, 0)).collect();
    let mut unvisited = 0;
    loop {
        while let Some((i, depth)) = stack.pop() {
            let Some(message) = slots[i].take() else { continue };
            if let Some(kids) = children.get(&message.id) {
                stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
            }
            out.push(MessageView::new(message, depth, authorship));
        }
        // Only a parent cycle (which no device writes) leaves messages unreached.
        while unvisited < slots.len() && slots[unvisited].is_none() {
            unvisited += 1;
        }
        if unvisited == slots.len() {
            return out;
        }
        stack.push((unvisited, 0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: i64, at: i64, parent: Option<i64>) -> ChatMessage {
        ChatMessage { id, chat_id: 1, created_at: Timestamp::from_micros(at), parent_id: parent, ..Default::default() }
    }

    #[test]
    fn a_chat_opens_with_its_newest_messages_and_reaches_back_to_a_named_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = vrooli_core::Workspace::open(&vrooli_store::DataDir::at(dir.path())).unwrap();
        let chat = ws.create_chat("Paged", "en").unwrap().id;
        let ids: Vec<i64> = (0..5).map(|i| ws.post_message(chat, &format!("m{i}"), "en", None).unwrap().id).collect();
        let me = Authorship::default();
        let texts = |t: &ChatThread| t.messages.iter().map(|m| m.text.clone()).collect::<Vec<_>>();

        let page = thread_of(ws.store(), chat, &me, 2, None).unwrap();
        assert_eq!(texts(&page), ["m3", "m4"], "the newest, in reading order");
        assert!(page.has_earlier);
        let around = thread_of(ws.store(), chat, &me, 2, Some(ids[1])).unwrap();
        assert_eq!(texts(&around), ["m1", "m2", "m3", "m4"], "back to the named message");
        assert!(around.has_earlier);
        let whole = thread_of(ws.store(), chat, &me, 200, None).unwrap();
        assert_eq!(whole.messages.len(), 5);
        assert!(!whole.has_earlier);
    }

    #[test]
    fn replies_sit_under_their_parent_oldest_first() {
        let shown = thread(
            vec![
                message(5, 50, Some(1)),
                message(1, 10, None),
                message(3, 30, Some(1)),
                message(2, 20, None),
                message(4, 40, Some(3)),
                message(6, 60, Some(99)),
            ],
            &Authorship::default(),
        );
        let order: Vec<(&str, u32)> = shown.iter().map(|m| (m.id.as_str(), m.depth)).collect();
        assert_eq!(order, [("1", 0), ("3", 1), ("4", 2), ("5", 1), ("2", 0), ("6", 0)]);
    }
}

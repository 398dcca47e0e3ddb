//! What the `chat` verbs print. A chat's messages are shown as a thread:
//! each reply right under its parent (one level deeper), siblings oldest
//! first. The document ids are printed too, for `vrooli history` and `show`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::{self, Display};

use serde::Serialize;
use vrooli_core::DocId;
use vrooli_model::entities::{Chat, ChatInvite, ChatMessage, ChatParticipants, ChatTranslation, ReactionSummary};
use vrooli_model::Timestamp;

use super::one_line;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    pub language: String,
    pub name: Option<String>,
    pub description: Option<String>,
}

impl From<ChatTranslation> for Name {
    fn from(t: ChatTranslation) -> Self {
        Name { language: t.language, name: t.name, description: t.description }
    }
}

fn names_line(names: &[Name]) -> String {
    if names.is_empty() {
        return "(unnamed)".into();
    }
    let parts: Vec<String> =
        names.iter().map(|n| format!("{:?} ({})", n.name.as_deref().unwrap_or(""), n.language)).collect();
    parts.join(", ")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatCreated {
    pub id: String,
    pub doc_id: String,
    pub language: String,
    pub name: String,
}

impl ChatCreated {
    pub fn new(chat: &Chat, name: &str, language: &str) -> Self {
        ChatCreated {
            id: chat.id.to_string(),
            doc_id: DocId::Chat(chat.id).to_string(),
            language: language.into(),
            name: name.into(),
        }
    }
}

impl Display for ChatCreated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "created chat {} {:?} ({}), document {}", self.id, self.name, self.language, self.doc_id)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub chat_id: String,
    /// The message bucket holding it.
    pub doc_id: String,
    pub parent_id: Option<String>,
    /// 0 for a message that replies to nothing (or whose parent is gone), parent's depth + 1 otherwise.
    pub depth: usize,
    pub language: String,
    pub text: String,
    pub version_index: i32,
    /// The author's user id, when the message names one.
    pub user_id: Option<String>,
    /// Reactions by emoji: how many people chose each.
    pub reactions: BTreeMap<String, i32>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Message {
    pub fn new(m: ChatMessage, depth: usize) -> Self {
        Message {
            id: m.id.to_string(),
            chat_id: m.chat_id.to_string(),
            doc_id: DocId::messages_of(m.chat_id, m.id).to_string(),
            parent_id: m.parent_id.map(|p| p.to_string()),
            depth,
            language: m.language,
            text: m.text,
            version_index: m.version_index,
            user_id: m.user_id.map(|u| u.to_string()),
            reactions: BTreeMap::new(),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }

    fn line(&self, f: &mut fmt::Formatter<'_>, indent: usize) -> fmt::Result {
        let reactions: String = self.reactions.iter().map(|(emoji, n)| format!(" {emoji}{n}")).collect();
        writeln!(
            f,
            "{:indent$}- {} [{}] v{} {}: {}{reactions}",
            "",
            self.id,
            self.created_at,
            self.version_index,
            self.language,
            one_line(&self.text, 200),
            indent = indent
        )
    }
}

impl Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reply = self.parent_id.as_deref().map(|p| format!(" in reply to {p}")).unwrap_or_default();
        writeln!(f, "message {} in chat {}{reply} (document {})", self.id, self.chat_id, self.doc_id)?;
        self.line(f, 0)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reacted {
    pub message_id: String,
    pub emoji: String,
    /// False once taken back.
    pub reacted: bool,
}

impl Display for Reacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.reacted { "reacted" } else { "took back" };
        writeln!(f, "{verb} {} on message {}", self.emoji, self.message_id)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDeleted {
    pub id: String,
    pub deleted: bool,
}

impl Display for MessageDeleted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "deleted message {}", self.id)
    }
}

/// A chat's participant, as `chat add-participant` and `chat accept` print it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub id: String,
    pub chat_id: String,
    pub user_id: String,
    pub created_at: Timestamp,
}

impl From<ChatParticipants> for Participant {
    fn from(p: ChatParticipants) -> Self {
        Participant {
            id: p.id.to_string(),
            chat_id: p.chat_id.to_string(),
            user_id: p.user_id.to_string(),
            created_at: p.created_at,
        }
    }
}

impl Display for Participant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "user {} takes part in chat {}", self.user_id, self.chat_id)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantRemoved {
    pub chat_id: String,
    pub user_id: String,
    pub removed: bool,
}

impl Display for ParticipantRemoved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "user {} no longer takes part in chat {}", self.user_id, self.chat_id)
    }
}

/// An invite to a chat, as `chat invite` and `chat decline` print it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    pub id: String,
    pub chat_id: String,
    pub user_id: String,
    /// Pending, Accepted or Declined.
    pub status: String,
    pub message: Option<String>,
    pub updated_at: Timestamp,
}

impl From<ChatInvite> for Invite {
    fn from(i: ChatInvite) -> Self {
        Invite {
            id: i.id.to_string(),
            chat_id: i.chat_id.to_string(),
            user_id: i.user_id.to_string(),
            status: i.status.to_string(),
            message: i.message,
            updated_at: i.updated_at,
        }
    }
}

impl Display for Invite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invite of user {} to chat {}: {}", self.user_id, self.chat_id, self.status)?;
        match &self.message {
            Some(message) => writeln!(f, " ({})", one_line(message, 80)),
            None => writeln!(f),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatView {
    pub id: String,
    pub public_id: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub names: Vec<Name>,
    /// The header document first, then the message buckets, oldest first.
    pub doc_ids: Vec<String>,
    /// The thread, in reading order.
    pub messages: Vec<Message>,
}

impl ChatView {
    pub fn new(
        chat: Chat,
        names: Vec<ChatTranslation>,
        messages: Vec<ChatMessage>,
        reactions: Vec<ReactionSummary>,
    ) -> Self {
        let mut doc_ids = vec![DocId::Chat(chat.id)];
        let mut buckets: Vec<DocId> = messages.iter().map(|m| DocId::messages_of(m.chat_id, m.id)).collect();
        buckets.sort();
        buckets.dedup();
        doc_ids.extend(buckets);
        ChatView {
            id: chat.id.to_string(),
            public_id: chat.public_id,
            created_at: chat.created_at,
            updated_at: chat.updated_at,
            names: names.into_iter().map(Name::from).collect(),
            doc_ids: doc_ids.iter().map(ToString::to_string).collect(),
            messages: thread(messages)
                .into_iter()
                .map(|mut m| {
                    for r in
                        reactions.iter().filter(|r| r.chat_message_id.map(|id| id.to_string()) == Some(m.id.clone()))
                    {
                        m.reactions.insert(r.emoji.clone(), r.count);
                    }
                    m
                })
                .collect(),
        }
    }
}

/// Orders messages as a thread: each reply directly under its parent, one
/// level deeper; siblings (and top-level messages) by creation time, then
/// id. A message whose parent is not among them (deleted, or not arrived)
/// starts its own thread. Iterative, so no reply chain is too deep.
pub fn thread(mut messages: Vec<ChatMessage>) -> Vec<Message> {
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
    let mut stack: Vec<(usize, usize)> = roots.into_iter().rev().map(|i| (i, 0)).collect();
    let mut unvisited = 0;
    loop {
        while let Some((i, depth)) = stack.pop() {
            let Some(message) = slots[i].take() else { continue };
            if let Some(kids) = children.get(&message.id) {
                stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
            }
            out.push(Message::new(message, depth));
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

impl Display for ChatView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "chat {}  {}", self.id, names_line(&self.names))?;
        writeln!(f, "created {}  updated {}", self.created_at, self.updated_at)?;
        writeln!(f, "documents: {}", self.doc_ids.join(" "))?;
        writeln!(f, "{} message(s)", self.messages.len())?;
        for m in &self.messages {
            m.line(f, 2 + 2 * m.depth)?;
        }
        Ok(())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatSummary {
    pub id: String,
    pub doc_id: String,
    pub names: Vec<Name>,
    /// The newest of the chat's last update and its newest message.
    pub last_activity: Timestamp,
}

impl ChatSummary {
    pub fn new(chat: &Chat, names: Vec<ChatTranslation>, newest_message: Option<Timestamp>) -> Self {
        ChatSummary {
            id: chat.id.to_string(),
            doc_id: DocId::Chat(chat.id).to_string(),
            names: names.into_iter().map(Name::from).collect(),
            last_activity: newest_message.map_or(chat.updated_at, |t| t.max(chat.updated_at)),
        }
    }
}

#[derive(Serialize)]
pub struct ChatList {
    /// Most recently active first.
    pub chats: Vec<ChatSummary>,
}

impl ChatList {
    pub fn new(mut chats: Vec<ChatSummary>) -> Self {
        chats.sort_by(|a, b| b.last_activity.cmp(&a.last_activity).then_with(|| b.id.cmp(&a.id)));
        ChatList { chats }
    }
}

impl Display for ChatList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.chats.is_empty() {
            return writeln!(f, "no chats");
        }
        for c in &self.chats {
            writeln!(f, "{:>20}  {}  {}", c.id, c.last_activity, names_line(&c.names))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: i64, at: i64, parent: Option<i64>) -> ChatMessage {
        ChatMessage { id, chat_id: 1, created_at: Timestamp::from_micros(at), parent_id: parent, ..Default::default() }
    }

    #[test]
    fn replies_sit_under_their_parent_oldest_first() {
        let shown = thread(vec![
            message(5, 50, Some(1)),
            message(1, 10, None),
            message(3, 30, Some(1)),
            message(2, 20, None),
            message(4, 40, Some(3)),
            message(6, 60, Some(99)),
            message(7, 70, Some(8)),
            message(8, 80, Some(7)),
        ]);
        let order: Vec<(&str, usize)> = shown.iter().map(|m| (m.id.as_str(), m.depth)).collect();
        assert_eq!(order, [("1", 0), ("3", 1), ("4", 2), ("5", 1), ("2", 0), ("6", 0), ("7", 0), ("8", 1)]);
    }
}

//! Full-text search hits, each with what opening it shows.

use serde::Serialize;
use specta::Type;
use vrooli_store::{SearchHit, Store, StoreError};

use super::{id, resource};

/// What a hit opens.
#[derive(Debug, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Target {
    /// A chat, scrolled to `messageId` when the hit is a message.
    #[serde(rename_all = "camelCase")]
    Chat { chat_id: String, message_id: Option<String> },
    #[serde(rename_all = "camelCase")]
    Resource { resource_id: String, version_id: String },
    /// Teams and comments have no screen yet.
    None,
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SnippetPart {
    pub text: String,
    pub matched: bool,
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Hit {
    /// message, chat, resource, team or comment.
    pub kind: String,
    pub id: String,
    pub target: Target,
    /// The text around the match, matched words marked.
    pub snippet: Vec<SnippetPart>,
}

/// The best `limit` hits for what a person typed, best first.
pub fn search(store: &Store, query: &str, limit: u32) -> Result<Vec<Hit>, StoreError> {
    store.search(query, limit)?.into_iter().map(|hit| hit_view(store, hit)).collect()
}

fn hit_view(store: &Store, hit: SearchHit) -> Result<Hit, StoreError> {
    let target = match (hit.kind, hit.parent_id) {
        ("message", Some(chat)) => Target::Chat { chat_id: id(chat), message_id: Some(id(hit.id)) },
        ("chat", Some(chat)) => Target::Chat { chat_id: id(chat), message_id: None },
        ("resource", Some(version)) => match resource::root_of(store, version)? {
            Some(root) => Target::Resource { resource_id: id(root), version_id: id(version) },
            None => Target::None,
        },
        _ => Target::None,
    };
    Ok(Hit {
        kind: hit.kind.to_owned(),
        id: id(hit.id),
        target,
        snippet: hit.snippet.into_iter().map(|p| SnippetPart { text: p.text, matched: p.matched }).collect(),
    })
}

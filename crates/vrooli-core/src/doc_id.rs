//! Names of documents. An id follows from the entity alone, so two devices
//! writing to the same thing offline always pick the same document.

use std::fmt;
use std::str::FromStr;

use vrooli_model::Id;

use crate::error::CoreError;

/// Messages are grouped by the hour their id was made in: a bucket follows
/// from the message itself (never "fill the current bucket"), so offline
/// devices agree, and a chat of any size posts without loading its history.
pub const BUCKET_MILLIS: i64 = 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocId {
    /// `chat`, its translations, participants and invites.
    Chat(i64),
    /// The messages (and their reactions) of one chat made in one hour.
    Messages { chat: i64, bucket: i64 },
    /// `resource`, its versions with their translations and relations, its tags.
    Resource(i64),
    /// `run`, its steps and inputs/outputs.
    Run(i64),
}

impl DocId {
    pub fn bucket_of(message_id: i64) -> i64 {
        Id::new(message_id).unix_millis().div_euclid(BUCKET_MILLIS)
    }

    pub fn messages_of(chat: i64, message_id: i64) -> DocId {
        DocId::Messages { chat, bucket: Self::bucket_of(message_id) }
    }

    /// Headers before the documents that point into them, so a merge of many
    /// documents finds every parent row already projected.
    pub fn merge_rank(&self) -> u8 {
        match self {
            DocId::Chat(_) | DocId::Resource(_) => 0,
            DocId::Messages { .. } | DocId::Run(_) => 1,
        }
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocId::Chat(id) => write!(f, "chat:{id}"),
            DocId::Messages { chat, bucket } => write!(f, "messages:{chat}:{bucket}"),
            DocId::Resource(id) => write!(f, "resource:{id}"),
            DocId::Run(id) => write!(f, "run:{id}"),
        }
    }
}

impl FromStr for DocId {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || CoreError::InvalidDocId(s.to_string());
        let num = |p: &str| p.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(bad);
        let parts: Vec<&str> = s.split(':').collect();
        match parts.as_slice() {
            ["chat", id] => Ok(DocId::Chat(num(id)?)),
            ["messages", chat, bucket] => Ok(DocId::Messages { chat: num(chat)?, bucket: num(bucket)? }),
            ["resource", id] => Ok(DocId::Resource(num(id)?)),
            ["run", id] => Ok(DocId::Run(num(id)?)),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        for id in [DocId::Chat(5), DocId::Messages { chat: 5, bucket: 400_000 }, DocId::Resource(7), DocId::Run(9)] {
            assert_eq!(id.to_string().parse::<DocId>().unwrap(), id);
        }
        assert!("chat:abc".parse::<DocId>().is_err());
        assert!("chat:-1".parse::<DocId>().is_err());
        assert!("team:1".parse::<DocId>().is_err());
    }
}

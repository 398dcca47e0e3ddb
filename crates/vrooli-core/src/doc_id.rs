//! Names of documents. An id follows from the entity alone, so two devices
//! writing to the same thing offline always pick the same document.

use std::fmt;
use std::str::FromStr;

use vrooli_model::Id;

use crate::error::CoreError;

/// Messages are grouped by the ten minutes their id was made in: a bucket
/// follows from the message itself (never "fill the current bucket"), so
/// offline devices agree, and a chat of any size posts without loading its
/// history.
///
/// Why ten minutes: loading a bucket costs about 0.055 ms a message
/// (`examples/prof_load.rs`), so an hour of a busy chat (1,000 messages) took
/// 55–60 ms to load cold and every post into it paid for its size; ten
/// minutes of the same chat is ~170 messages. Finer buckets mean more
/// documents to sync for a quiet chat's long history, which batching many
/// documents per sync request absorbs.
pub const BUCKET_MILLIS: i64 = 600_000;
/// The hourly buckets of builds before ten-minute ones: their messages stay
/// where they are, so the projection accepts both and edits look in both.
/// The two numberings never meet: hour numbers stay below 1.1 * 10^6 until
/// ids run out (2090), ten-minute numbers start above 2.6 * 10^6 at the id
/// epoch (2021).
pub const LEGACY_BUCKET_MILLIS: i64 = 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocId {
    /// `chat`, its translations, participants and invites.
    Chat(i64),
    /// The messages (and their reactions) of one chat made in one ten-minute window.
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

    /// The hourly bucket an earlier build put the message in.
    pub fn legacy_bucket_of(message_id: i64) -> i64 {
        Id::new(message_id).unix_millis().div_euclid(LEGACY_BUCKET_MILLIS)
    }

    /// Whether a message may live in `bucket`: its own, or its legacy hour's.
    pub fn holds_message(bucket: i64, message_id: i64) -> bool {
        bucket == Self::bucket_of(message_id) || bucket == Self::legacy_bucket_of(message_id)
    }

    pub fn messages_of(chat: i64, message_id: i64) -> DocId {
        DocId::Messages { chat, bucket: Self::bucket_of(message_id) }
    }

    /// Where an earlier build put the message: its hour's bucket.
    pub fn legacy_messages_of(chat: i64, message_id: i64) -> DocId {
        DocId::Messages { chat, bucket: Self::legacy_bucket_of(message_id) }
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

    #[test]
    fn ten_minute_and_legacy_hour_buckets_never_share_a_number() {
        use vrooli_model::{DeviceNode, IdGenerator, Timestamp};
        let node = DeviceNode::new(1).expect("node 1 is valid");
        let epoch = Timestamp::from_micros(1_609_459_200_000_000); // 2021-01-01, the id epoch
                                                                   // The last millisecond a 41-bit id can hold (2090).
        let late = Timestamp::from_micros((vrooli_model::id::EPOCH_MILLIS + (1 << 41) - 1) * 1_000);
        for at in [epoch, late] {
            let id = IdGenerator::with_floor(node, Id::new(0)).next(at).get();
            assert!(DocId::legacy_bucket_of(id) < 1_100_000);
            assert!(DocId::bucket_of(id) > 2_600_000);
            assert!(DocId::holds_message(DocId::bucket_of(id), id));
            assert!(DocId::holds_message(DocId::legacy_bucket_of(id), id));
            assert!(!DocId::holds_message(DocId::bucket_of(id) + 1, id));
        }
        // Six ten-minute buckets to an hour.
        let a = IdGenerator::with_floor(node, Id::new(0)).next(epoch).get();
        let b = IdGenerator::with_floor(node, Id::new(0))
            .next(Timestamp::from_micros(epoch.as_micros() + 3_599_000_000))
            .get();
        assert_eq!(DocId::legacy_bucket_of(a), DocId::legacy_bucket_of(b));
        assert_eq!(DocId::bucket_of(b) - DocId::bucket_of(a), 5);
    }
}

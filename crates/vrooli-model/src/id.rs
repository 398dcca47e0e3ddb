//! Ids made on the device, with no coordination.
//!
//! Layout of a 63-bit (always positive) id, most significant first:
//!
//! | bits | what |
//! |---|---|
//! | 41 | milliseconds since 2021-01-01 UTC (Vrooli's snowflake epoch; lasts until 2090) |
//! | 14 | the device's node number |
//! | 8  | a sequence within the millisecond |
//!
//! Ids from one generator strictly increase: when 256 ids are taken within one
//! millisecond the generator borrows the next millisecond rather than waiting,
//! and a clock that steps back is ignored until it catches up. Two devices
//! collide only if they share a node number; the node is random at `init` and
//! the sync server can hand out distinct ones.

use std::fmt;
use std::str::FromStr;

use rand::Rng;

use crate::time::Timestamp;

/// 2021-01-01T00:00:00Z in Unix milliseconds.
pub const EPOCH_MILLIS: i64 = 1_609_459_200_000;
const NODE_BITS: u32 = 14;
const SEQUENCE_BITS: u32 = 8;
const MAX_SEQUENCE: u16 = (1 << SEQUENCE_BITS) - 1;

/// A 64-bit entity id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(i64);

impl Id {
    pub const fn new(raw: i64) -> Self {
        Id(raw)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    /// The millisecond the id was made in (Unix time).
    pub fn unix_millis(self) -> i64 {
        (self.0 >> (NODE_BITS + SEQUENCE_BITS)) + EPOCH_MILLIS
    }

    pub fn node(self) -> DeviceNode {
        DeviceNode(((self.0 >> SEQUENCE_BITS) & ((1 << NODE_BITS) - 1)) as u16)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Id {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(Id)
    }
}

/// The per-device component of ids: 14 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceNode(u16);

impl DeviceNode {
    pub const MAX: u16 = (1 << NODE_BITS) - 1;

    /// `None` when `n` does not fit in 14 bits.
    pub fn new(n: u16) -> Option<Self> {
        (n <= Self::MAX).then_some(DeviceNode(n))
    }

    pub fn random(rng: &mut impl Rng) -> Self {
        DeviceNode(rng.random_range(0..=Self::MAX))
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

/// Makes ids for one device. Not `Sync`: one generator per writer.
#[derive(Debug)]
pub struct IdGenerator {
    node: DeviceNode,
    last_millis: i64,
    sequence: u16,
}

impl IdGenerator {
    pub fn new(node: DeviceNode) -> Self {
        IdGenerator { node, last_millis: -1, sequence: 0 }
    }

    /// Never hands out an id at or below `floor` (e.g. the largest id already
    /// stored), so a clock set back between runs cannot repeat ids.
    pub fn with_floor(node: DeviceNode, floor: Id) -> Self {
        let mut generator = Self::new(node);
        if floor.get() > 0 {
            generator.last_millis = floor.get() >> (NODE_BITS + SEQUENCE_BITS);
            generator.sequence = MAX_SEQUENCE;
        }
        generator
    }

    pub fn next(&mut self, now: Timestamp) -> Id {
        let millis = (now.as_millis() - EPOCH_MILLIS).max(0);
        if millis > self.last_millis {
            self.last_millis = millis;
            self.sequence = 0;
        } else if self.sequence < MAX_SEQUENCE {
            self.sequence += 1;
        } else {
            self.last_millis += 1;
            self.sequence = 0;
        }
        Id((self.last_millis << (NODE_BITS + SEQUENCE_BITS))
            | (i64::from(self.node.0) << SEQUENCE_BITS)
            | i64::from(self.sequence))
    }
}

/// The 12-character public id: `[0-9a-z]{12}`.
pub struct PublicId;

impl PublicId {
    pub const LEN: usize = 12;
    const ALPHABET: &'static [u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

    pub fn generate(rng: &mut impl Rng) -> String {
        (0..Self::LEN).map(|_| char::from(Self::ALPHABET[rng.random_range(0..Self::ALPHABET.len())])).collect()
    }

    pub fn is_valid(s: &str) -> bool {
        s.len() == Self::LEN && s.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_time_and_node() {
        let node = DeviceNode::new(1234).unwrap();
        let now = Timestamp::from_micros(1_750_000_000_000_000);
        let id = IdGenerator::new(node).next(now);
        assert!(id.get() > 0);
        assert_eq!(id.node(), node);
        assert_eq!(id.unix_millis(), 1_750_000_000_000);
    }

    #[test]
    fn a_clock_stepping_back_never_repeats_an_id() {
        let mut g = IdGenerator::new(DeviceNode::new(1).unwrap());
        let a = g.next(Timestamp::from_micros(1_750_000_000_000_000));
        let b = g.next(Timestamp::from_micros(1_740_000_000_000_000));
        assert!(b > a);
        let mut again = IdGenerator::with_floor(DeviceNode::new(1).unwrap(), b);
        assert!(again.next(Timestamp::from_micros(1_700_000_000_000_000)) > b);
    }

    #[test]
    fn node_must_fit_in_14_bits() {
        assert!(DeviceNode::new(16_383).is_some());
        assert!(DeviceNode::new(16_384).is_none());
    }

    #[test]
    fn public_ids_are_12_base36_characters() {
        let mut rng = rand::rng();
        let p = PublicId::generate(&mut rng);
        assert!(PublicId::is_valid(&p), "{p}");
        assert!(!PublicId::is_valid("ABCDEFGHIJKL"));
        assert!(!PublicId::is_valid("abc"));
    }
}

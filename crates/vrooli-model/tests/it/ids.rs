//! Ids from two devices never collide, and each device's ids strictly
//! increase, under a clock that behaves like a real one: irregular steps,
//! bursts of writes faster than 256 per millisecond, and corrections that set
//! it back.

use std::collections::HashSet;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use vrooli_model::{DeviceNode, Id, IdGenerator, Timestamp};

const IDS_PER_DEVICE: usize = 1_000_000;

/// 2025-06-15T15:06:40Z: both devices start here.
const START_MICROS: i64 = 1_750_000_000_000_000;

/// A wall clock read once per id: usually 1 µs–1 ms after the previous read;
/// sometimes a burst of 300–1,500 reads at most 2 µs apart (an import, a sync
/// catching up), which is more than 256 ids in one millisecond; and rarely a
/// step back of 1 ms–2 s (an NTP correction, a resumed VM).
struct WallClock {
    micros: i64,
    burst_left: u32,
    rng: SmallRng,
    bursts: u32,
    steps_back: u32,
}

impl WallClock {
    fn new(start: Timestamp, seed: u64) -> Self {
        WallClock {
            micros: start.as_micros(),
            burst_left: 0,
            rng: SmallRng::seed_from_u64(seed),
            bursts: 0,
            steps_back: 0,
        }
    }

    fn read(&mut self) -> Timestamp {
        if self.burst_left > 0 {
            self.burst_left -= 1;
            self.micros += self.rng.random_range(0..=2);
        } else if self.rng.random_ratio(1, 5_000) {
            self.bursts += 1;
            self.burst_left = self.rng.random_range(300..=1_500);
        } else if self.rng.random_ratio(1, 20_000) {
            self.steps_back += 1;
            self.micros -= self.rng.random_range(1_000..=2_000_000);
        } else {
            self.micros += self.rng.random_range(1..=1_000);
        }
        Timestamp::from_micros(self.micros)
    }
}

/// Runs one device: checks every id as it is made and returns them all.
fn run_device(node: DeviceNode, clock: &mut WallClock) -> Vec<Id> {
    let mut generator = IdGenerator::new(node);
    let mut ids = Vec::with_capacity(IDS_PER_DEVICE);
    let mut latest_clock_millis = i64::MIN;
    let mut previous: Option<Id> = None;
    for _ in 0..IDS_PER_DEVICE {
        let now = clock.read();
        latest_clock_millis = latest_clock_millis.max(now.as_millis());
        let id = generator.next(now);

        if let Some(previous) = previous {
            assert!(id > previous, "node {node:?}: {id} after {previous} at {now:?}");
        }
        assert_eq!(id.node(), node, "{id}");
        // The id never claims an earlier time than the clock showed, and runs
        // ahead of the latest reading only by the milliseconds it borrowed
        // (256 ids each); the longest burst or catch-up after a step back
        // borrows far fewer than this bound.
        assert!(id.unix_millis() >= now.as_millis(), "{id} before {now:?}");
        let ahead = id.unix_millis() - latest_clock_millis;
        assert!(ahead <= 64, "{id} runs {ahead} ms ahead of the clock");

        previous = Some(id);
        ids.push(id);
    }
    ids
}

/// The id with its node bits cleared (layout in `vrooli_model::id`: 41 bits of
/// milliseconds, 14 of node, 8 of sequence).
fn time_and_sequence(id: Id) -> i64 {
    id.get() & !(i64::from(DeviceNode::MAX) << 8)
}

#[test]
fn two_devices_make_two_million_distinct_increasing_ids() {
    let start = Timestamp::from_micros(START_MICROS);
    // Node 1 sits next to the sequence bits and the largest node next to the
    // time bits, so a shift off by one in either direction would collide.
    let devices =
        [(DeviceNode::new(1).unwrap(), 0x5eed_0001), (DeviceNode::new(DeviceNode::MAX).unwrap(), 0x5eed_0002)];

    let mut all = HashSet::with_capacity(2 * IDS_PER_DEVICE);
    let mut without_node = HashSet::with_capacity(IDS_PER_DEVICE);
    let mut same_time_and_sequence = 0;
    for (device, (node, seed)) in devices.into_iter().enumerate() {
        let mut clock = WallClock::new(start, seed);
        let ids = run_device(node, &mut clock);
        // The clock really did what the test claims, or the test proves less.
        assert!(clock.bursts >= 100, "only {} bursts", clock.bursts);
        assert!(clock.steps_back >= 20, "only {} steps back", clock.steps_back);
        for id in ids {
            assert!(all.insert(id), "{id} was made twice");
            let key = time_and_sequence(id);
            if device == 0 {
                without_node.insert(key);
            } else if without_node.contains(&key) {
                same_time_and_sequence += 1;
            }
        }
    }
    assert_eq!(all.len(), 2 * IDS_PER_DEVICE);
    // The devices often took the same millisecond and sequence number, so it
    // is the node bits, not luck, that kept their ids apart.
    assert!(
        same_time_and_sequence >= IDS_PER_DEVICE / 4,
        "only {same_time_and_sequence} ids shared a millisecond and sequence"
    );
}

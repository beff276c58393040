//! Chooses which requests wait longer: each draw is delayed with
//! probability `ratio`. The draws are those of the Go service's Delayer.
//! The n-th draw (n from 1) applies SplitMix64's finalizer to
//! seed + n * GAMMA and is delayed when the result is below ratio * 2^64.
//! One seed therefore gives the same sequence of decisions in every stack.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// SplitMix64's increment (the golden ratio scaled to 64 bits).
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// Draws delay decisions. The state is one atomic counter, so draws from
/// many tasks need no lock. Under concurrency the order in which requests
/// take their turn still depends on arrival.
#[derive(Debug)]
pub struct Delayer {
    delay: Duration,
    threshold: u64,
    always: bool,
    seed: u64,
    draws: AtomicU64,
}

impl Delayer {
    /// Creates a delayer. `seed` 0 picks a random seed. A zero `delay` or a
    /// zero `ratio` turns delays off; `ratio` must be in [0, 1].
    pub fn new(ratio: f64, delay: Duration, seed: i64) -> Delayer {
        let seed = if seed == 0 {
            random_seed()
        } else {
            seed as u64
        };
        let off = delay.is_zero() || ratio <= 0.0;
        Delayer {
            delay,
            // ratio < 1 here, so the product stays below 2^64.
            threshold: if off || ratio >= 1.0 {
                0
            } else {
                (ratio * 18_446_744_073_709_551_616.0) as u64
            },
            always: !off && ratio >= 1.0,
            seed,
            draws: AtomicU64::new(0),
        }
    }

    /// Returns the wait for the next request, or None when it is not delayed.
    pub fn draw(&self) -> Option<Duration> {
        let n = self.draws.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        let delayed =
            self.always || mix(self.seed.wrapping_add(n.wrapping_mul(GAMMA))) < self.threshold;
        delayed.then_some(self.delay)
    }
}

/// SplitMix64's finalizer (Steele, Lea and Flood, 2014).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Returns a non-zero seed from the standard library's per-process random
/// hash keys.
fn random_seed() -> u64 {
    RandomState::new().build_hasher().finish().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_delayed(delayer: &Delayer, draws: usize) -> usize {
        (0..draws).filter(|_| delayer.draw().is_some()).count()
    }

    #[test]
    fn ratio_bounds() {
        let second = Duration::from_secs(1);
        assert_eq!(count_delayed(&Delayer::new(0.0, second, 1), 1000), 0);
        assert_eq!(count_delayed(&Delayer::new(1.0, second, 1), 1000), 1000);
        assert_eq!(
            count_delayed(&Delayer::new(1.0, Duration::ZERO, 1), 1000),
            0
        );
    }

    #[test]
    fn ratio_within_tolerance() {
        let delayed = count_delayed(&Delayer::new(0.05, Duration::from_secs(3), 0), 100_000);
        // Expected 5000, standard deviation about 69.
        assert!(
            (4600..=5400).contains(&delayed),
            "delayed {delayed} of 100000"
        );
    }

    #[test]
    fn matches_go_delayer() {
        // The first 16 decisions of the Go service's NewDelayer(3s, 0.3, 42).
        let want = "0110101000100001";
        let delayer = Delayer::new(0.3, Duration::from_secs(3), 42);
        let got: String = (0..16)
            .map(|_| if delayer.draw().is_some() { '1' } else { '0' })
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn same_seed_same_sequence() {
        let a = Delayer::new(0.3, Duration::from_secs(1), 42);
        let b = Delayer::new(0.3, Duration::from_secs(1), 42);
        let seq_a: Vec<bool> = (0..200).map(|_| a.draw().is_some()).collect();
        let seq_b: Vec<bool> = (0..200).map(|_| b.draw().is_some()).collect();
        assert_eq!(seq_a, seq_b);
    }
}

//! Chooses which requests wait longer: each draw is delayed with
//! probability `ratio`, from a seeded sequence when the seed is not 0.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// SplitMix64's increment (the golden ratio scaled to 64 bits).
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// Draws delay decisions. The state is one atomic counter, so draws from
/// many tasks need no lock, and a fixed seed gives the same sequence of
/// decisions in the order requests arrive.
#[derive(Debug)]
pub struct Delayer {
    ratio: f64,
    delay: Duration,
    state: AtomicU64,
}

impl Delayer {
    /// Creates a delayer. `seed` 0 picks a random seed. A zero `delay` or a
    /// zero `ratio` turns delays off.
    pub fn new(ratio: f64, delay: Duration, seed: i64) -> Delayer {
        let seed = if seed == 0 {
            random_seed()
        } else {
            seed as u64
        };
        Delayer {
            ratio,
            delay,
            state: AtomicU64::new(seed),
        }
    }

    /// Returns the wait for the next request, or None when it is not delayed.
    pub fn draw(&self) -> Option<Duration> {
        if self.delay.is_zero() || self.ratio <= 0.0 {
            return None;
        }
        let x = self
            .state
            .fetch_add(GAMMA, Ordering::Relaxed)
            .wrapping_add(GAMMA);
        // The top 53 bits give a uniform float in [0, 1).
        let uniform = (mix(x) >> 11) as f64 / (1u64 << 53) as f64;
        (uniform < self.ratio).then_some(self.delay)
    }
}

/// SplitMix64's output function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Returns a seed from the standard library's per-process random hash keys.
fn random_seed() -> u64 {
    RandomState::new().build_hasher().finish()
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
    fn same_seed_same_sequence() {
        let a = Delayer::new(0.3, Duration::from_secs(1), 42);
        let b = Delayer::new(0.3, Duration::from_secs(1), 42);
        let seq_a: Vec<bool> = (0..200).map(|_| a.draw().is_some()).collect();
        let seq_b: Vec<bool> = (0..200).map(|_| b.draw().is_some()).collect();
        assert_eq!(seq_a, seq_b);
    }
}

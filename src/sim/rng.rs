//! A small seeded random generator for the simulator, so that a world run with the same
//! `--seed` takes the same course. It must not be used for anything security-related.

/// SplitMix64: tiny, fast, and good enough for simulation choices and identifiers.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        probability > 0.0 && self.unit() < probability
    }

    /// An integer in `[low, high]` (inclusive); `low` when the range is empty.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        // In u64, so that the widest ranges (`0..=i64::MAX`, a jitter from a flag) do not
        // overflow; the same draws as before for every range that did not.
        match high.abs_diff(low).checked_add(1) {
            Some(span) => low.wrapping_add((self.next_u64() % span) as i64),
            None => self.next_u64() as i64,
        }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            let index = self.between(0, items.len() as i64 - 1) as usize;
            items.get(index)
        }
    }

    /// `len` characters from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| {
                let index = (self.next_u64() % alphabet.len() as u64) as usize;
                char::from(alphabet[index])
            })
            .collect()
    }

    pub fn hex(&mut self, len: usize) -> String {
        self.string(b"0123456789abcdef", len)
    }

    /// A version-4-shaped UUID.
    pub fn uuid(&mut self) -> String {
        let time_low = self.hex(8);
        let time_mid = self.hex(4);
        let time_high = self.hex(3);
        let clock = self.hex(3);
        let node = self.hex(12);
        format!("{time_low}-{time_mid}-4{time_high}-a{clock}-{node}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_the_same_sequence() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let second: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(first, second);
        assert_ne!(Rng::new(8).next_u64(), first[0]);
    }

    #[test]
    fn between_stays_in_its_bounds() {
        let mut rng = Rng::new(1);
        for _ in 0..1000 {
            let value = rng.between(3, 5);
            assert!((3..=5).contains(&value));
        }
        assert_eq!(rng.between(4, 4), 4);
    }

    #[test]
    fn the_widest_ranges_do_not_overflow() {
        // `--jitter-ms 9223372036854775807` drew from `0..=i64::MAX` and overflowed.
        let mut rng = Rng::new(1);
        for _ in 0..100 {
            assert!(rng.between(0, i64::MAX) >= 0);
            assert!(rng.between(-5, i64::MAX) >= -5);
            assert!(rng.between(i64::MIN, -1) < 0);
            let _ = rng.between(i64::MIN, i64::MAX);
        }
    }
}

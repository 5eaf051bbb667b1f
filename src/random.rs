//! Named, seeded random streams.
//!
//! Every random draw in the crate comes from a [`Rng`] (ChaCha8, portable and named by algorithm,
//! unlike `StdRng`) obtained from [`stream`]: the pair `(seed, replicate)` selects the key and the
//! stream *name* selects one of ChaCha's 2^64 independent streams, so e.g. the data of replicate 3
//! and the GOE matrix of replicate 3 never share draws, and adding a new consumer never shifts the
//! values of an existing one.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The crate's random number generator.
pub type Rng = ChaCha8Rng;

/// Name of the RNG algorithm, recorded in JSON output.
pub const RNG_ALGORITHM: &str =
    "ChaCha8 (rand_chacha 0.9), key = splitmix64(seed, replicate), stream = fnv1a(name)";

/// The random stream called `name` for replicate `replicate` of a run seeded with `seed`.
pub fn stream(seed: u64, replicate: u64, name: &str) -> Rng {
    let key = splitmix64(seed ^ splitmix64(replicate.wrapping_add(0x9e37_79b9_7f4a_7c15)));
    let mut rng = Rng::seed_from_u64(key);
    rng.set_stream(fnv1a(name));
    rng
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    #[test]
    fn streams_are_distinct_and_reproducible() {
        let a: u64 = stream(1, 0, "data").random();
        let b: u64 = stream(1, 0, "data").random();
        let c: u64 = stream(1, 0, "goe").random();
        let d: u64 = stream(1, 1, "data").random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }
}

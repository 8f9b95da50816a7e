//! Reproducible faults: each decision is a hash of (seed, request body, how many times that body
//! was seen), so a run repeats even when chunks arrive concurrently and in any order.

use std::collections::HashMap;
use std::sync::Mutex;

use imspec_runtime::Code;

use crate::lock;
use crate::settings::Faults;

/// FNV-1a: a stable, non-cryptographic hash (fault keys; an app's `application` id).
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// What to do to one call.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    pub http_error: bool,
    pub drop_after_apply: bool,
    item_rate: f64,
    key: u64,
}

/// A uniform draw in [0, 1) from a key and a salt.
fn draw(key: u64, salt: u64) -> f64 {
    // splitmix64 of the two, then the top 53 bits as a fraction.
    let mut z = key ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Decides the faults of a call with this body, counting it as seen once more.
pub fn decide(faults: &Faults, body: &[u8], seen: &Mutex<HashMap<u64, u64>>) -> Decision {
    if faults.http_error_rate == 0.0 && faults.drop_after_apply_rate == 0.0 && faults.item_error_rate == 0.0 {
        return Decision::default();
    }
    let body_hash = fnv(body);
    let times = {
        let mut seen = lock(seen);
        let n = seen.entry(body_hash).or_insert(0);
        *n += 1;
        *n
    };
    let key = fnv(&[faults.seed.to_le_bytes(), body_hash.to_le_bytes(), times.to_le_bytes()].concat());
    Decision {
        http_error: draw(key, 1) < faults.http_error_rate,
        drop_after_apply: draw(key, 2) < faults.drop_after_apply_rate,
        item_rate: faults.item_error_rate,
        key,
    }
}

impl Decision {
    /// The retryable code item `index` fails with, if it does.
    pub fn item_code(&self, index: usize, codes: &[Code]) -> Option<Code> {
        if codes.is_empty() || self.item_rate == 0.0 {
            return None;
        }
        let salt = 1000 + index as u64;
        (draw(self.key, salt) < self.item_rate).then(|| {
            let pick = (draw(self.key, salt ^ 0xFFFF) * codes.len() as f64) as usize;
            codes[pick.min(codes.len() - 1)].clone()
        })
    }
}

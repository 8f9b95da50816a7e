//! Requests no one wrote into a test: the doc examples, randomly mutated (strings of any
//! length and script, integers, repeated or dropped items, wrong types). The generated
//! validators must agree with the spec interpreter on every violation and code.

mod common;

use common::{all, example_json, specs, summary};
use imspec_spec::ExampleRole;
use imspec_spec::instance::{self, Options, UnknownFields};
use proptest::prelude::*;
use serde_json::{Value, json};

const NOW_MS: i64 = 1_800_000_000_000;

/// A small deterministic generator, seeded by proptest (which shrinks the seed on failure).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn string(&mut self) -> String {
        const PIECES: &[&str] =
            &["a", "Z", "0", "_", "-", "!", " ", "好", "é", "😀", "k0", "k4", "AddSource_Type_", "Tag_SNS_"];
        let len = match self.below(4) {
            0 => self.below(4),
            1 => self.below(40),
            2 => 250 + self.below(20),
            _ => 500 + self.below(1100),
        };
        (0..len).map(|_| PIECES[self.below(PIECES.len() as u64) as usize]).collect()
    }

    fn int(&mut self) -> i64 {
        const INTERESTING: &[i64] = &[0, 1, 2, -1, 1_420_000_001, NOW_MS, NOW_MS + 1, NOW_MS / 1000 + 1, i64::MAX];
        INTERESTING[self.below(INTERESTING.len() as u64) as usize]
    }
}

fn mutate(v: &mut Value, rng: &mut Rng) {
    match v {
        Value::String(s) if rng.below(3) == 0 => *s = rng.string(),
        Value::Number(_) if rng.below(3) == 0 => *v = json!(rng.int()),
        Value::Array(items) => {
            if !items.is_empty() && rng.below(3) == 0 {
                let n = rng.below(60) as usize;
                let proto = items.clone();
                *items = (0..n).map(|i| proto[i % proto.len()].clone()).collect();
            }
            items.iter_mut().for_each(|i| mutate(i, rng));
        }
        Value::Object(obj) => {
            let keys: Vec<String> = obj.keys().cloned().collect();
            for k in keys {
                match rng.below(12) {
                    0 => {
                        obj.remove(&k);
                    }
                    1 => {
                        obj.insert(k, json!(null));
                    }
                    2 => {
                        obj.insert(k, json!(rng.int()));
                    }
                    _ => {
                        if let Some(child) = obj.get_mut(&k) {
                            mutate(child, rng);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_validators_agree_with_the_spec_on_random_requests(seed in 1u64..u64::MAX) {
        let set = specs();
        let mut rng = Rng(seed);
        for g in all() {
            let api = set.api(g.id).expect("api");
            for (_, ex) in api.spec.examples.iter().filter(|(_, e)| e.role.value == ExampleRole::Request) {
                let mut body = example_json(api, ex);
                mutate(&mut body, &mut rng);
                let generated = summary(&g.validate_json(&body, NOW_MS));
                let interpreted = instance::validate_request(api, &body, Options { now_ms: NOW_MS, unknown_fields: UnknownFields::Ignore });
                let mut interpreted: Vec<(String, String)> = interpreted.into_iter().map(|x| (x.path, x.code.to_string())).collect();
                interpreted.sort();
                prop_assert_eq!(&generated, &interpreted, "{} body {}", g.id, body);
                if let Ok(typed) = (g.validate_typed)(&body, NOW_MS) {
                    prop_assert_eq!(&summary(&typed), &generated, "{} typed, body {}", g.id, body);
                }
            }
        }
    }
}

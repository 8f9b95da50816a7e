//! Every doc example, request and response, decodes into the generated types and re-encodes
//! to semantically equal JSON (errata-corrected where the page is broken); valid request
//! examples pass the generated validators; broken originals still fail.

mod common;

use common::{all, example_json, specs};
use imspec_spec::ExampleRole;

#[test]
fn every_example_round_trips_through_the_generated_types() {
    let set = specs();
    let mut count = 0;
    for g in all() {
        let api = set.api(g.id).expect("api in specs");
        for (name, ex) in api.spec.examples.iter() {
            let json = example_json(api, ex);
            let back = match ex.role.value {
                ExampleRole::Request => (g.request_roundtrip)(&json),
                ExampleRole::Response => (g.response_roundtrip)(&json),
            };
            let back = back.unwrap_or_else(|e| panic!("{} example `{}` does not decode: {e}", g.id, name.value));
            assert_eq!(back, json, "{} example `{}` changed on the round trip", g.id, name.value);
            count += 1;
        }
    }
    let total: usize = set.apis().iter().map(|a| a.spec.examples.iter().count()).sum();
    assert_eq!(count, total, "every example of every API");
}

#[test]
fn valid_request_examples_pass_the_generated_validators() {
    let set = specs();
    let now = 1_900_000_000_000; // fixed, after every timestamp in the examples
    for g in all() {
        let api = set.api(g.id).expect("api");
        for (name, ex) in api.spec.examples.iter().filter(|(_, e)| e.role.value == ExampleRole::Request) {
            let json = example_json(api, ex);
            assert_eq!(g.validate_json(&json, now), vec![], "{} `{}` (JSON)", g.id, name.value);
            assert_eq!((g.validate_typed)(&json, now), Ok(vec![]), "{} `{}` (typed)", g.id, name.value);
        }
    }
}

/// A page fixed upstream is noticed: the broken original text must still fail to parse or to
/// validate with the generated code.
#[test]
fn broken_page_examples_still_fail() {
    let set = specs();
    for g in all() {
        let api = set.api(g.id).expect("api");
        for (name, ex) in api.spec.examples.iter().filter(|(_, e)| e.erratum.is_some()) {
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&ex.body.value) else { continue };
            let broken = match ex.role.value {
                ExampleRole::Request => !g.validate_json(&json, 1_900_000_000_000).is_empty(),
                // An answer the page got wrong does not survive the typed round trip unchanged.
                ExampleRole::Response => (g.response_roundtrip)(&json) != Ok(json.clone()),
            };
            assert!(broken, "{} `{}` passes now", g.id, name.value);
        }
    }
}

//! Register users (an id registered already answers the spec's code for it) and check users
//! (each id answered with the vendor's value for registered or not).

use super::check::vendor_value;
use super::{Answered, Call, per_item};
use crate::state::Graph;

pub(super) fn register(call: &Call<'_>, graph: &mut Graph) -> Vec<Answered> {
    per_item(call, graph, |user, _, graph| {
        let already = graph.is_registered(user);
        graph.register(user);
        Answered::new(user, already.then(|| call.info.already_registered.clone()).flatten())
    })
}

pub(super) fn check(call: &Call<'_>, graph: &mut Graph) -> Vec<Answered> {
    let values = match &call.info.results {
        Some(imspec_runtime::Results::PerItem { registered: Some((_, values)), .. }) => *values,
        _ => &[],
    };
    call.items
        .iter()
        .enumerate()
        .map(|(i, (user, _))| {
            // An unknown user is an answer here, not a refusal.
            if let Some(code) = call.item_codes.get(&i) {
                return Answered::new(user, Some(code.clone()));
            }
            let registered = graph.is_registered(user);
            let value = values.iter().find(|(_, r)| *r == registered).map(|(v, _)| vendor_value(v));
            Answered { extra: value, ..Answered::new(user, None) }
        })
        .collect()
}

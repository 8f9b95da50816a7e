//! Remove: delete each relation (one way, or both as the request says). A target that is not
//! a friend is answered with the spec's not-friends code, or left out of the answer where the
//! spec reads an unlisted item as already done, or else as removed.

use imspec_runtime::ErrorClass;

use super::{Answered, Call, per_item};
use crate::state::Graph;

pub(super) fn run(call: &Call<'_>, graph: &mut Graph) -> Vec<Answered> {
    let Some(rel) = call.info.relation.as_ref() else { return Vec::new() };
    let group_field = call.limits.state.groups_per_user.as_ref().and_then(|g| g.field);
    per_item(call, graph, |target, _, graph| {
        if graph.remove(&call.requester, target, call.direction, group_field) {
            return Answered::new(target, None);
        }
        match (&rel.not_friends, call.info.unlisted) {
            (Some(code), _) => Answered::new(target, Some(code.clone())),
            (None, Some(ErrorClass::AlreadyDone)) => Answered { listed: false, ..Answered::new(target, None) },
            (None, _) => Answered::new(target, None),
        }
    })
}

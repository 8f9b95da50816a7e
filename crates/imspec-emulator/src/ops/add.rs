//! Add: store each relation (one way, or both as the request says), within the limits the
//! service holds; a target who confirms first is held as pending.

use imspec_runtime::Code;

use super::{Answered, Call, fields_of, per_item};
use crate::state::{Added, Graph};

pub(super) fn run(call: &Call<'_>, graph: &mut Graph) -> Result<Vec<Answered>, Code> {
    let Some(rel) = call.info.relation.as_ref() else { return Ok(Vec::new()) };
    if let Some(code) = call.limits.full(graph, &call.requester) {
        return Err(code);
    }
    let id_field = call.info.target_field();
    let requester = call.requester.as_str();
    let out = per_item(call, graph, |target, item, graph| {
        graph.register(target);
        let fields = fields_of(item, id_field);
        let held = match &rel.pending {
            Some(code) if graph.confirms(target) && !rel.forced(call.json) => {
                Some(graph.hold(requester, target, fields.clone(), code, call.limits))
            }
            _ => None,
        };
        let code = match held.unwrap_or_else(|| graph.add(requester, target, fields, call.direction, call.limits)) {
            Added::New => None,
            Added::Already => rel.already_friends.clone(),
            Added::Refused(code) => Some(code),
        };
        Answered::new(target, code)
    });
    Ok(out)
}

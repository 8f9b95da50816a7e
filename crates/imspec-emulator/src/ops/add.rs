//! Add: store each relation (one way, or both as the request says), within the limits the
//! service holds; a target who confirms first is held as pending.

use imspec_runtime::Code;

use super::{Answered, Call, fields_of, refused};
use crate::state::{Added, Graph};

pub(super) fn run(call: &Call<'_>, graph: &mut Graph) -> Result<Vec<Answered>, Code> {
    let Some(rel) = call.info.relation.as_ref() else { return Ok(Vec::new()) };
    if let Some(code) = call.limits.full(graph, &call.requester) {
        return Err(code);
    }
    let id_field = call.info.batch.as_ref().and_then(|b| b.item_id);
    let requester = call.requester.as_str();
    let mut out = Vec::with_capacity(call.items.len());
    for (i, (target, item)) in call.items.iter().enumerate() {
        let code = refused(call, i, target, graph).or_else(|| {
            graph.register(target);
            let fields = fields_of(item, id_field);
            let held = match &rel.pending {
                Some(code) if graph.confirms(target) && !rel.forced(call.json) => {
                    Some(graph.hold(requester, target, fields.clone(), code, call.limits))
                }
                _ => None,
            };
            match held.unwrap_or_else(|| graph.add(requester, target, fields, call.direction, call.limits)) {
                Added::New => None,
                Added::Already => rel.already_friends.clone(),
                Added::Refused(code) => Some(code),
            }
        });
        out.push(Answered::new(target, code));
    }
    Ok(out)
}

//! Add: store each relation (one way, or both as the request says), within the limits the
//! service holds; a target who confirms first is held as pending; a step of a friend request
//! (ask, accept, decline) does what the step does.

use imspec_runtime::{Code, FlowStep};

use super::{Answered, Call, fields_of, per_item};
use crate::state::{Added, Graph};

pub(super) fn run(call: &Call<'_>, graph: &mut Graph) -> Result<Vec<Answered>, Code> {
    let Some(rel) = call.info.relation.as_ref() else { return Ok(Vec::new()) };
    if let Some(code) = call.limits.full(graph, &call.requester) {
        return Err(code);
    }
    let id_field = call.info.target_field();
    let requester = call.requester.as_str();
    // The step of a friend request the call takes, with its flow.
    let flow = rel.request_flow.as_ref().zip(rel.flow_step(call.json));
    let out = per_item(call, graph, |target, item, graph| {
        graph.register(target);
        let fields = fields_of(item, id_field);
        let added = match flow {
            Some((_, FlowStep::Request)) => graph.hold(requester, target, fields, None, call.limits),
            // The one asked answers the request of the one it names.
            Some((flow, FlowStep::Accept)) => match graph.take_request(target, requester) {
                Some(asked) => graph.add(requester, target, asked, call.direction, call.limits),
                None => Added::Refused(flow.no_request.clone()),
            },
            Some((flow, FlowStep::Decline)) => match graph.take_request(target, requester) {
                Some(_) => Added::New,
                None => Added::Refused(flow.no_request.clone()),
            },
            None => match &rel.pending {
                Some(code) if graph.confirms(target) && !rel.forced(call.json) => {
                    graph.hold(requester, target, fields, Some(code), call.limits)
                }
                _ => graph.add(requester, target, fields, call.direction, call.limits),
            },
        };
        let code = match added {
            Added::New => None,
            Added::Already => rel.already_friends.clone(),
            Added::Refused(code) => Some(code),
        };
        Answered::new(target, code)
    });
    Ok(out)
}

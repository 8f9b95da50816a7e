//! A downstream crate's use of imspec: import one user's friends into ZEGO ZIM and decide what
//! to do with each one.

use imspec::runtime::{ClientError, Outcome};
use imspec::zego_zim::{self, add_friends};

/// What the application does next with one friend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Done: added now, or already a friend.
    Done(String),
    /// The request was wrong for this friend (say, an id over 32 bytes); fix the data.
    Fix { user: String, why: String },
    /// The service refused it for good, or it still failed after the retries; report it.
    Report { user: String, why: String },
    /// An answer was lost and the retries ran out: the service may hold it. Check before
    /// sending it again.
    Check(String),
}

/// Imports `friends` for `user`, however many there are: the client validates them, splits
/// them into calls of at most 20, paces the calls below ZEGO's 20 calls/s and retries what a
/// retry can fix. Each friend comes back exactly once.
pub async fn import(client: &zego_zim::Client, user: &str, friends: &[&str]) -> Result<Vec<Next>, ClientError> {
    // Constructors take the required fields; `with_*` sets an optional one.
    let infos: Vec<add_friends::FriendInfo> =
        friends.iter().map(|id| add_friends::FriendInfo::new(*id).with_wording("imported")).collect();
    let request = add_friends::AddFriendsRequest::new(user, infos);
    let outcomes = client.add_friends(&request).await?;
    Ok(outcomes
        .items
        .into_iter()
        .map(|item| {
            // `error` is the API's typed error enum, documented from the spec.
            let why = item.error.as_ref().map(|e| format!("{e:?}: {}", imspec::runtime::VendorCode::meaning(e)));
            match item.outcome {
                Outcome::Added | Outcome::AlreadyFriends | Outcome::Pending => Next::Done(item.user),
                Outcome::Invalid => Next::Fix { user: item.user, why: why.unwrap_or_default() },
                Outcome::Unknown => Next::Check(item.user),
                // Failed, not attempted, and whatever a later version adds.
                _ => Next::Report { user: item.user, why: why.unwrap_or_else(|| "no answer after retries".into()) },
            }
        })
        .collect())
}

/// Imports a whole friend graph the application holds — `(requester, friend)` pairs — into
/// ZEGO ZIM through `imspec-import`: journaled at `journal` (a rerun resumes it), registering
/// the users first and verifying every edge after. `cancel` stops it gracefully (what is in
/// flight is recorded, nothing new is sent); `on_progress` sees each step of the send as
/// `(edges answered, edges to send)`.
pub async fn import_graph(
    config: imspec::runtime::Config,
    endpoint: &str,
    journal: &std::path::Path,
    edges: Vec<(String, String)>,
    cancel: tokio_util::sync::CancellationToken,
    on_progress: impl Fn(u64, u64) + Send + Sync + 'static,
) -> Result<imspec_import::Summary, imspec_import::ImportError> {
    let api = imspec::api("zego_zim/add_friends").expect("ZEGO's add API is in the registry");
    // One JSON object per edge, keyed as the API's items are (a graph file's lines, in memory).
    let graph = imspec_import::Graph::lines(move || {
        edges
            .clone()
            .into_iter()
            .map(|(from, to)| serde_json::json!({ "FromUserId": from, "UserId": to }))
            .filter_map(|line| line.as_object().cloned())
    });
    imspec_import::Import::new(api, graph)
        .endpoint(endpoint)
        .credentials(config)
        .journal(journal)
        .register(true)
        .verify(true)
        .on_event(move |event| {
            if let imspec_import::Event::Progress(counts) = event {
                on_progress(counts.done, counts.total);
            }
        })
        .run(cancel)
        .await
}

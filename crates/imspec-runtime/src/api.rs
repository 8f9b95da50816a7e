//! What generated code tells the runtime about an API: the facts of its spec, as constants.

use crate::code::Code;

/// What one rate-limit bucket covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateScope {
    /// One bucket per API per app (AppID / SDKAppID / App Key).
    App,
}

/// A documented call rate: N calls per second, read as a token bucket of capacity N refilled at
/// N per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: u32,
    pub scope: RateScope,
    /// The vendor raises it on request.
    pub raisable: bool,
}

/// The chunked dimension of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Wire name of the array field of the request root.
    pub field: &'static str,
    /// Field of each item naming the target user; `None` when the items are ids.
    pub item_id: Option<&'static str>,
    /// Documented maximum per call; `None` when the page states none.
    pub max_items: Option<u64>,
    /// How far the vendor raises `max_items` on request, when the page says.
    pub raisable_to: Option<u64>,
    /// The vendor raises it on request (perhaps without saying how far).
    pub raisable: bool,
    /// What the service answers when `max_items` is exceeded.
    pub code: Option<Code>,
}

/// An API's endpoint and the facts the runtime needs to call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiInfo {
    /// `vendor/api`.
    pub id: &'static str,
    pub method: &'static str,
    /// Path template; `{name}` segments are path parameters.
    pub path: &'static str,
    /// Fixed query parameters.
    pub query: &'static [(&'static str, &'static str)],
    /// Fixed headers.
    pub headers: &'static [(&'static str, &'static str)],
    pub content_type: &'static str,
    pub rate_limit: RateLimit,
    pub batch: Batch,
    /// The code schema problems (missing field, wrong type, bad enum value) answer.
    pub schema_error_code: Code,
}

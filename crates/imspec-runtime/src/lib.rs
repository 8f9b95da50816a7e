//! The runtime of imspec's generated clients: what generated code calls. It owns policy
//! (validation, error classes, signers, pacing, retries, chunking, outcomes, the HTTP client)
//! and knows no vendor's field names, limits or codes — those arrive from generated code,
//! which takes them from the specs.

pub mod api;
pub mod auth;
pub mod body;
pub mod client;
pub mod code;
pub mod config;
mod json;
pub mod outcome;
pub mod plan;
pub mod ratelimit;
pub mod retry;
pub mod section;
pub mod service;
pub mod validate;
pub mod value;

pub use api::{
    ApiEntry, ApiInfo, Batch, Carrier, Envelope, ErrorAt, LimitInfo, Operation, Paging, ParamIn, ParamInfo, ParamType,
    Raised, RateLimit, RateScope, Results, TypedFns,
};
pub use auth::Credentials;
pub use body::BodyEncoding;
pub use client::{ClientError, ClientOptions, Item, Listing, Outcomes, Report, VendorClient};
pub use code::{Code, ErrorClass, VendorCode};
pub use config::Section;
pub use config::{Config, ConfigError};
pub use outcome::{ItemOutcome, Outcome};
pub use ratelimit::Pacing;
#[cfg(feature = "shared-pacing")]
pub use ratelimit::shared::SharedPacing;
pub use retry::RetryPolicy;
pub use service::{
    ApiAnswer, AuthInfo, AuthParam, Direction, ErrorRow, Fill, FlowStep, IdList, Refusals, Relation, RelationWord,
    RequestFlow, Requester, StateLimit, StateLimits, StatusField, VendorAnswer, VendorInfo,
};
pub use validate::{Charset, LenUnit, Path, Policy, Rule, TimeUnit, Violation, Violations, json_kind};
pub use value::{StringOrInt, deserialize_present};

/// Re-exported for generated code, so downstream crates need not depend on these themselves.
pub mod __private {
    pub use serde;
    pub use serde_json;
}

//! The IR: a vendor and its APIs lowered from the spec model into what the emitter needs —
//! Rust names chosen, types resolved to where they live, enums marked open or closed, error
//! tables kept apart (the API's own, the vendor's shared), raisable limits named. Nothing is
//! emitted from raw spec structs.
//!
//! `lower` walks a vendor and its APIs; `types` lowers their types, fields and constraints.

mod lower;
mod types;

pub use lower::lower_vendor;

use imspec_spec::{Code, ErrorClass, LenUnit, Rule, TimeUnit};

/// A vendor: its shared types and hosts, and every API.
#[derive(Debug, Clone)]
pub struct VendorIr {
    pub id: String,
    pub title: String,
    pub types: Vec<TypeIr>,
    pub hosts: Vec<(String, String)>,
    pub default_host: Option<String>,
    pub auth: AuthIr,
    /// `refusals`: credential role → code, then each other refusal by its runtime field name.
    pub refusals_missing: Vec<(String, Code)>,
    pub refusals: Vec<(&'static str, Option<Code>)>,
    pub answer: VendorAnswerIr,
    /// The vendor's shared error table.
    pub errors: Vec<ErrorIr>,
    pub apis: Vec<ApiIr>,
}

/// A signer by its scheme's name and its parameters, as the runtime's `AuthInfo` takes them.
#[derive(Debug, Clone)]
pub struct AuthIr {
    pub scheme: &'static str,
    pub params: Vec<(&'static str, AuthParamIr)>,
}

/// One auth parameter's value: the runtime's `AuthParam`.
#[derive(Debug, Clone)]
pub enum AuthParamIr {
    Text(String),
    Count(u64),
    Pairs(Vec<(String, String)>),
}

/// A field's value in an answer.
#[derive(Debug, Clone)]
pub enum FillIr {
    /// A runtime `Fill` variant without data.
    Keyword(&'static str),
    Str(String),
    Int(i64),
    Bool(bool),
}

#[derive(Debug, Clone)]
pub struct VendorAnswerIr {
    pub status: Option<(String, String, String)>,
    pub request_id: Option<String>,
    pub message_on_failure_only: bool,
    pub unreadable: Option<Code>,
    pub error_body: bool,
    pub fill: Vec<(String, FillIr)>,
}

#[derive(Debug, Clone)]
pub struct IdListIr {
    pub field: String,
    pub always: bool,
    pub classes: Vec<ErrorClass>,
}

#[derive(Debug, Clone)]
pub struct ApiAnswerIr {
    pub item_message: Option<String>,
    pub failed_ids: Option<IdListIr>,
    pub invalid_ids: Option<IdListIr>,
    /// `None`: the envelope says success whatever the items; else the map of item codes to
    /// the call's code when every item failed.
    pub all_failed: Option<Vec<(Code, Code)>>,
    pub fill: Vec<(String, FillIr)>,
}

#[derive(Debug, Clone)]
pub struct RelationIr {
    /// `Field` or `Param`, and its name.
    pub requester: (&'static str, String),
    pub both: bool,
    pub direction_field: Option<(String, Vec<(String, bool)>)>,
    pub unknown_user: Option<Code>,
    pub unknown_requester: Option<Code>,
    pub already_friends: Option<Code>,
    pub pending: Option<Code>,
    /// The field and its value as JSON text.
    pub force: Option<(String, String)>,
    /// The request flow's field, its request / accept / decline values as JSON text, and the
    /// code of an answer to no request.
    pub request_flow: Option<(String, [String; 3], Code)>,
    pub not_friends: Option<Code>,
    /// Each vendor value, its mode (`true`: two-way) and its word (`None`, `Outgoing`, ...).
    pub check_values: Vec<(String, bool, &'static str)>,
}

/// How a list is paged.
#[derive(Debug, Clone)]
pub struct PagingIr {
    /// `Param` or `Field`, and its name.
    pub cursor: Option<(&'static str, String)>,
    pub page_size: Option<(&'static str, String)>,
    pub items: Vec<String>,
    pub item_id: Option<String>,
    /// The entries' key/value pair list: its field, key and value.
    pub fields: Option<(String, String, String)>,
    pub next: Option<Vec<String>>,
    /// The path and the value as JSON text.
    pub complete: Option<(Vec<String>, String)>,
}

#[derive(Debug, Clone)]
pub struct StateLimitIr {
    pub max: Option<u64>,
    pub code: Code,
    pub field: Option<String>,
    pub full_code: Option<Code>,
}

/// One API, ready to emit.
#[derive(Debug, Clone)]
pub struct ApiIr {
    /// `vendor/api`.
    pub id: String,
    pub module: String,
    pub doc: Vec<String>,
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub content_type: String,
    /// Form-encoded: the request's fields and the runtime's `ParamType` variant of each;
    /// `None`: JSON.
    pub form: Option<Vec<(String, &'static str)>>,
    /// Calls per second (the runtime's width; lint refuses a rate that does not fit).
    pub rate_per_second: u32,
    /// The runtime's `RateScope` variant.
    pub rate_scope: &'static str,
    pub rate_raisable: bool,
    pub rate_penalty_seconds: Option<u64>,
    pub rate_answer: Code,
    /// The vendor envelope: code field, message field, success value.
    pub envelope: (String, String, Option<Code>),
    /// The runtime's `Operation` variant.
    pub operation: &'static str,
    /// The rate bucket: a shared budget's name, or the API's id.
    pub budget: String,
    pub results: Option<ResultsIr>,
    /// The class of an item a successful answer leaves out.
    pub unlisted: Option<ErrorClass>,
    pub paging: Option<PagingIr>,
    pub already_registered: Option<Code>,
    pub batch: Option<BatchIr>,
    /// The one target or user of a call without a batch: `Param` or `Field`, and its name.
    pub target: Option<(&'static str, String)>,
    pub request: String,
    pub response: String,
    pub schema_code: Code,
    pub types: Vec<TypeIr>,
    /// The API's own error table (the vendor's shared one is `VendorIr::errors`).
    pub errors: Vec<ErrorIr>,
    pub charsets: Vec<CharsetIr>,
    /// Request-side object types (validated), API's and vendor's.
    pub checked: Vec<CheckedType>,
    /// Limits the vendor raises on request: adjustable at run time.
    pub limits: Vec<LimitIr>,
    pub params: Vec<ParamIr>,
    pub answer: ApiAnswerIr,
    pub relation: Option<RelationIr>,
    /// By the runtime's `StateLimits` field name, every one of them.
    pub state: Vec<(&'static str, Option<StateLimitIr>)>,
}

/// Where a successful response reports each item (paths split into wire names).
#[derive(Debug, Clone)]
pub enum ResultsIr {
    PerItem {
        list: Vec<String>,
        ids: Vec<String>,
        code: String,
        ok: Code,
        relation: Option<String>,
        registered: Option<(String, Vec<(String, bool)>)>,
        failures: Option<Vec<String>>,
    },
    FailuresOnly {
        list: Vec<String>,
        /// Empty when the list holds bare ids.
        ids: Vec<String>,
        code: Option<String>,
        /// A bare-id list's class of failure.
        class: Option<ErrorClass>,
    },
    IdLists {
        lists: Vec<(Vec<String>, Option<Code>)>,
    },
    Single {
        item: Vec<String>,
        ids: Vec<String>,
        relation: Option<String>,
        /// The runtime's `RelationWord` variant an absent item means.
        absent: Option<&'static str>,
    },
}

/// A path or query parameter.
#[derive(Debug, Clone)]
pub struct ParamIr {
    pub name: String,
    pub in_path: bool,
    /// `String`, `Integer` or `Boolean`.
    pub ty: &'static str,
    pub required: bool,
    pub bind: Option<String>,
    pub default: Option<String>,
    pub doc: Option<String>,
    /// An integer parameter's bounds and the code each answers.
    pub min: Option<(i64, Code)>,
    pub max: Option<(i64, Code)>,
}

#[derive(Debug, Clone)]
pub struct BatchIr {
    pub field: String,
    /// The request body is itself the batch (`field: $`).
    pub root: bool,
    pub item_id: Option<String>,
    pub max_items: Option<u64>,
    pub raisable_to: Option<u64>,
    pub raisable: bool,
    pub code: Option<Code>,
    /// The `Limits` field holding the (raisable) maximum.
    pub limit_field: Option<String>,
}

/// Where a named type lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Api,
    Vendor,
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Str,
    Int,
    Bool,
    StrOrInt,
    Json,
    Array(Box<Ty>),
    Struct(String, Home),
    Enum(String, Home, Wire),
}

/// How an enum's values travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// As JSON strings.
    Str,
    /// As JSON integers.
    Int,
}

impl Ty {
    pub fn element(&self) -> Option<&Ty> {
        match self {
            Ty::Array(inner) => Some(inner),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TypeIr {
    pub name: String,
    pub doc: Vec<String>,
    pub kind: TypeKind,
    /// Reached from a request only: decoding refuses `null` in optional fields.
    pub request_only: bool,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Struct {
        fields: Vec<FieldIr>,
    },
    /// A list body: a JSON array of one object type (the request is the batch).
    List {
        /// The list as the field it amounts to (`array<Item>`, with the list's rules).
        field: FieldIr,
    },
    /// An enum; `open` ones (response side) keep unknown values.
    Enum {
        variants: Vec<VariantIr>,
        default: Option<String>,
        open: bool,
        wire: Wire,
    },
}

#[derive(Debug, Clone)]
pub struct VariantIr {
    pub wire: String,
    pub rust: String,
    pub doc: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FieldIr {
    pub wire: String,
    pub rust: String,
    pub ty: Ty,
    pub required: bool,
    pub doc: Vec<String>,
    pub aliases: Vec<String>,
    pub sensitive: bool,
    pub unit: Option<TimeUnit>,
    pub constraints: Vec<CheckIr>,
    pub items: Vec<CheckIr>,
}

/// A constraint, resolved.
#[derive(Debug, Clone)]
pub struct CheckIr {
    pub rule: Rule,
    pub code: Code,
    /// The `Limits` field when the vendor raises this limit on request.
    pub limit_field: Option<String>,
    /// For `not_equal`: the Rust field names along the path from the request root.
    pub other_rust: Vec<(String, bool)>,
}

#[derive(Debug, Clone)]
pub struct ErrorIr {
    pub code: Code,
    pub name: String,
    pub class: ErrorClass,
    pub meaning: String,
    pub advice: Option<String>,
    pub message: Option<String>,
    pub http_status: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct CharsetIr {
    pub name: String,
    pub ranges: Vec<(char, char)>,
    pub chars: String,
}

#[derive(Debug, Clone)]
pub struct CheckedType {
    pub name: String,
    pub home: Home,
}

#[derive(Debug, Clone)]
pub struct LimitIr {
    pub field: String,
    pub documented: u64,
    pub raisable_to: Option<u64>,
    pub doc: String,
}

/// The unit of a length rule, for emitters.
pub fn len_unit(u: LenUnit) -> &'static str {
    match u {
        LenUnit::Bytes => "Bytes",
        LenUnit::Chars => "Chars",
    }
}

//! The spec model: what a vendor file and an API file say. Every type here is declared once and
//! yields its decoder and its JSON Schema; `specs/README.md` documents the same format for people.

use serde_json::{Value as Json, json};

use crate::decode::{Cx, Decode, Fields, Map, Scalar, SchemaGen, Spanned};
use crate::diag::{Diagnostic, Loc};
use crate::yaml::{Node, Value};
use crate::{spec_enum, spec_struct};

pub use crate::constraint::{Constraint, Rule};
pub use crate::primitives::{Code, LenUnit, Note, SourceRef, TimeUnit, TypeExpr, is_type_name};

spec_enum! {
    /// Which kind of spec file this is.
    pub enum FileKind {
        /// What every API of one vendor shares.
        "vendor" => Vendor,
        /// One API.
        "api" => Api,
    }
}

spec_struct! {
    /// A page the spec draws on.
    pub struct SourceDef {
        /// The page's title, as the vendor gives it.
        "title" optional title: String,
        /// Where the page is published.
        "url" optional url: String,
        /// A file under the shared material (`seeds/...`, `reference/...`).
        "file" optional file: String,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// One host of a vendor.
    pub struct Region {
        /// Host name, without scheme.
        "host" required host: Spanned<String>,
        "doc" optional doc: String,
    }
}

spec_struct! {
    /// The vendor's hosts by region name. A custom base URL is always allowed too.
    pub struct Hosts {
        /// The region used when none is configured; omit when every app has its own host.
        "default" optional default: Spanned<String>,
        "regions" default regions: Map<Region>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// What the service answers for each way a credential can fail, as the signer's verifier
    /// finds it. Every code must be in the vendor's error table.
    pub struct AuthRefusals {
        /// A credential parameter is absent, by its role (`app_id`, `identifier`, `signature`,
        /// `nonce`, `timestamp`, `version`, `token`).
        "missing" default missing: Map<Spanned<Code>>,
        /// The credential cannot be decoded (not base64/zlib/JSON, a corrupt token).
        "undecodable" optional undecodable: Spanned<Code>,
        /// The app id names no app.
        "unknown_app" optional unknown_app: Spanned<Code>,
        /// The credential was issued for another app.
        "app_mismatch" optional app_mismatch: Spanned<Code>,
        /// The credential was issued for another identifier than the one the call names.
        "identifier_mismatch" optional identifier_mismatch: Spanned<Code>,
        /// The identifier is not the app's administrator.
        "not_admin" optional not_admin: Spanned<Code>,
        /// The credential (or its timestamp window) has expired.
        "expired" optional expired: Spanned<Code>,
        /// The timestamp is not a valid time.
        "bad_timestamp" optional bad_timestamp: Spanned<Code>,
        /// The signature version is not supported.
        "unsupported_version" optional unsupported_version: Spanned<Code>,
        /// The signature or token does not match: another key, or forged.
        "bad_signature" optional bad_signature: Spanned<Code>,
        /// The token endpoint refuses the client id or secret.
        "bad_credentials" optional bad_credentials: Spanned<Code>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

impl AuthRefusals {
    /// Each refusal other than `missing`, by its key (the runtime's field name), named or not.
    pub fn named(&self) -> [(&'static str, Option<&Spanned<Code>>); 10] {
        [
            ("undecodable", self.undecodable.as_ref()),
            ("unknown_app", self.unknown_app.as_ref()),
            ("app_mismatch", self.app_mismatch.as_ref()),
            ("identifier_mismatch", self.identifier_mismatch.as_ref()),
            ("not_admin", self.not_admin.as_ref()),
            ("expired", self.expired.as_ref()),
            ("bad_timestamp", self.bad_timestamp.as_ref()),
            ("unsupported_version", self.unsupported_version.as_ref()),
            ("bad_signature", self.bad_signature.as_ref()),
            ("bad_credentials", self.bad_credentials.as_ref()),
        ]
    }

    /// Every code named, with what it answers.
    pub fn codes(&self) -> Vec<(String, &Spanned<Code>)> {
        let mut out: Vec<(String, &Spanned<Code>)> =
            self.missing.iter().map(|(role, c)| (format!("missing {role}", role = role.value), c)).collect();
        out.extend(self.named().into_iter().filter_map(|(k, c)| Some((k.to_owned(), c?))));
        out
    }
}

/// How calls authenticate: a runtime signer by name and its parameters.
#[derive(Debug, Clone)]
pub struct Auth {
    pub loc: Loc,
    /// The scheme's row of [`crate::auth::SCHEMES`], named where it was written.
    pub scheme: Spanned<&'static crate::auth::SchemeDef>,
    pub params: crate::auth::Params,
    /// What the service answers for each kind of credential failure.
    pub refusals: AuthRefusals,
    pub source: Option<SourceRef>,
    pub notes: Vec<Note>,
}

impl Decode for Auth {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        let fields = Fields::open(node, cx, "Auth", &["scheme", "params", "refusals", "source", "notes"])?;
        let name = fields.required::<Spanned<String>>(cx, "scheme");
        let refusals = fields.required::<AuthRefusals>(cx, "refusals");
        let source = fields.optional::<SourceRef>(cx, "source");
        let notes = fields.default::<Vec<Note>>(cx, "notes");
        let scheme = name.and_then(|name| {
            let found = crate::auth::scheme(&name.value);
            if found.is_none() {
                let names = || crate::auth::SCHEMES.iter().map(|s| s.name);
                let d = Diagnostic::error(&name.loc, format!("`{}` is not an auth scheme", name.value));
                cx.push(d.suggest(&name.value, names(), format!("schemes: {}", crate::diag::one_of_list(names()))));
            }
            Some(Spanned { value: found?, loc: name.loc })
        });
        let params = match (&scheme, fields.node("params")) {
            (Some(s), Some(n)) => crate::auth::Params::decode(s.value, n, cx),
            (Some(_), None) => {
                cx.push(Diagnostic::error(&node.loc, "missing key `params` in Auth").help("add `params: ...`"));
                None
            }
            (None, _) => None,
        };
        Some(Auth {
            loc: node.loc.clone(),
            scheme: scheme?,
            params: params?,
            refusals: refusals?,
            source: source?,
            notes: notes?,
        })
    }

    fn schema(sg: &mut SchemaGen) -> Json {
        sg.reference("Auth", |sg| {
            let source = SourceRef::schema(sg);
            let notes = Vec::<Note>::schema(sg);
            let refusals = AuthRefusals::schema(sg);
            let variants: Vec<Json> = crate::auth::SCHEMES
                .iter()
                .map(|scheme| {
                    json!({
                        "type": "object",
                        "properties": {
                            "scheme": { "const": scheme.name, "description": scheme.doc },
                            "params": crate::auth::Params::schema(scheme, sg),
                            "refusals": refusals,
                            "source": source,
                            "notes": notes,
                        },
                        "required": ["scheme", "params", "refusals"],
                        "additionalProperties": false,
                    })
                })
                .collect();
            json!({ "description": "How calls authenticate: a runtime signer by name and its parameters.",
                    "oneOf": variants })
        })
    }
}

spec_struct! {
    /// How every response of the vendor says how it went.
    pub struct Envelope {
        /// Wire field carrying the vendor code.
        "code" required code: Spanned<String>,
        /// Wire field carrying the message.
        "message" required message: Spanned<String>,
        /// The success value of `code`; absent when HTTP 200 alone means success.
        "ok" optional ok: Scalar,
        /// Type of non-200 bodies, in the vendor's `types`.
        "error_body" optional error_body: Spanned<String>,
        /// A second field restating success or failure (Tencent `ActionStatus`).
        "status" optional status: StatusField,
        /// Field carrying an id of the answer (ZEGO `RequestId`).
        "request_id" optional request_id: Spanned<String>,
        /// The message field comes with failures only: a success is the code alone
        /// (NetEase's `{"code":200}`).
        "message_on_failure_only" default message_on_failure_only: bool,
        /// The code answered for a body that is not JSON; the API's `schema_error_code` when absent.
        "unreadable" optional unreadable: Spanned<Code>,
        /// Fields every answer carries: a literal, or `$now_ms`, `$elapsed_ms`, `$method`,
        /// `$error_name` (the error table's name of the answered code).
        "fill" default fill: Map<Spanned<Scalar>>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// A field restating the envelope's code as success or failure.
    pub struct StatusField {
        "field" required field: Spanned<String>,
        /// Its value when the code is the success value.
        "ok" required ok: String,
        /// Its value otherwise.
        "fail" required fail: String,
    }
}

spec_struct! {
    /// A list of the ids of failed items in a per-item answer (Tencent `Fail_Account`).
    pub struct IdList {
        "field" required field: Spanned<String>,
        /// Sent even when empty; otherwise only when some item is listed.
        "always" default always: bool,
        /// Only failures whose code has one of these classes; every failure when empty.
        "classes" default classes: Vec<Spanned<ErrorClass>>,
    }
}

spec_struct! {
    /// Who adds friends in a call, and how the relation is stored.
    pub struct Relation {
        /// The request body field naming the user who adds (`From_Account`).
        "requester_field" optional requester_field: Spanned<String>,
        /// The path parameter naming the user who adds (`username`).
        "requester_param" optional requester_param: Spanned<String>,
        /// The path parameter naming the one target of a call without a batch (a DELETE).
        "target_param" optional target_param: Spanned<String>,
        /// The request body field naming the one target of a call without a batch (NetEase's
        /// `faccid`): the body's twin of `target_param`, as `requester_field` is of
        /// `requester_param`.
        "target_field" optional target_field: Spanned<String>,
        /// How a call links (or unlinks, or checks) the two users when `direction_field` does
        /// not say.
        "direction" optional direction: Direction,
        /// A request field choosing the direction by its value.
        "direction_field" optional direction_field: DirectionField,
        /// Per-item code when a target user does not exist.
        "unknown_user" optional unknown_user: Spanned<Code>,
        /// Code of the whole call when the requester does not exist.
        "unknown_requester" optional unknown_requester: Spanned<Code>,
        /// Per-item code for a target that is already a friend; absent when a re-add succeeds.
        "already_friends" optional already_friends: Spanned<Code>,
        /// Per-item code for a target who must confirm first (class `pending`): the request is
        /// held as pending, not as a friend.
        "pending" optional pending: Spanned<Code>,
        /// A request field that, at this value, adds without the target's confirmation.
        "force" optional force: ForceField,
        /// A request field whose values run a friend request instead of adding at once
        /// (NetEase's `type`: 2 asks, 3 accepts, 4 declines).
        "request_flow" optional request_flow: RequestFlow,
        /// Remove: per-item code for a target that is not a friend (class `already_done`).
        "not_friends" optional not_friends: Spanned<Code>,
        /// Check: the vendor's relation values in each mode, by what they mean.
        "check_values" optional check_values: CheckValues,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// The vendor's relation values of a check, per mode.
    pub struct CheckValues {
        /// Values of a one-way check (only `none` and `outgoing` can occur).
        "one_way" default one_way: Map<RelationWord>,
        /// Values of a two-way check.
        "both" default both: Map<RelationWord>,
    }
}

spec_enum! {
    /// What a checked relation is, from the requester's side.
    pub enum RelationWord {
        /// Neither list holds the other (one-way check: the requester's list lacks the target).
        "none" => None,
        /// The requester's list holds the target.
        "outgoing" => Outgoing,
        /// The target's list holds the requester (and not the reverse).
        "incoming" => Incoming,
        /// Each list holds the other.
        "both" => Both,
    }
}

spec_enum! {
    /// What an API does to the service.
    pub enum Operation {
        /// Adds relations (import, add).
        "add" => Add,
        /// Removes relations.
        "remove" => Remove,
        /// Checks relations, per target.
        "check" => Check,
        /// Lists a user's friends, paged.
        "list" => List,
        /// Registers users.
        "register" => Register,
        /// Checks that users are registered.
        "check_users" => CheckUsers,
    }
}

spec_struct! {
    /// What register answers about users.
    pub struct Users {
        /// Per-item code for a user who is registered already (class `already_done`).
        "already_registered" optional already_registered: Spanned<Code>,
        /// The request body field naming the one user of a call without a batch (NetEase's
        /// `accid`).
        "user_field" optional user_field: Spanned<String>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// Where a request carries a value: a path or query parameter, or a body field.
    pub struct Carrier {
        "param" optional param: Spanned<String>,
        "field" optional field: Spanned<String>,
    }
}

spec_struct! {
    /// An array of `{key, value}` objects standing for a map.
    pub struct PairList {
        "list" required list: Spanned<String>,
        "key" required key: Spanned<String>,
        "value" required value: Spanned<String>,
    }
}

spec_struct! {
    /// How the answer says a list is complete.
    pub struct CompleteFlag {
        "field" required field: Spanned<String>,
        "value" required value: Scalar,
    }
}

spec_struct! {
    /// How a list is paged: where the request carries the position and the page size, where
    /// the answer carries the entries, the next position and completeness.
    pub struct Paging {
        /// Where the request carries the position; absent for a list read in one answer.
        "cursor" optional cursor: Carrier,
        "page_size" optional page_size: Carrier,
        /// Response path of the page's entries.
        "items" required items: Spanned<String>,
        /// Each entry's friend-id field; absent when the entries are ids.
        "item_id" optional item_id: Spanned<String>,
        /// Where an entry carries the friend's stored fields as key/value pairs (Tencent's
        /// `ValueItem: [{Tag, Value}]`); without it they are the entry's other fields.
        "fields" optional fields: PairList,
        /// Response path of the next position; absent when the answer carries none.
        "next" optional next: Spanned<String>,
        /// How the answer says the list is complete; without it, a missing, null, empty or
        /// zero `next` does.
        "complete" optional complete: CompleteFlag,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_enum! {
    /// How a call links the two users.
    pub enum Direction {
        /// The requester gains the friend; the friend's list is unchanged.
        "one_way" => OneWay,
        /// Both users gain each other.
        "both" => Both,
    }
}

spec_struct! {
    /// A request field that skips the target's confirmation at one value.
    pub struct ForceField {
        "field" required field: Spanned<String>,
        "value" required value: Scalar,
    }
}

spec_struct! {
    /// The values of one request field that run a friend request: `request` holds a request
    /// from the requester to the target (the call's success is `pending`); `accept` (called by
    /// the one asked, naming who asked) makes them friends; `decline` drops the request.
    pub struct RequestFlow {
        "field" required field: Spanned<String>,
        "request" required request: Scalar,
        "accept" required accept: Scalar,
        "decline" required decline: Scalar,
        /// What an accept or a decline with no request to answer is answered.
        "no_request" required no_request: Spanned<Code>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// A request field whose value chooses the direction.
    pub struct DirectionField {
        "field" required field: Spanned<String>,
        "values" required values: Map<Direction>,
    }
}

spec_struct! {
    /// A named character set for `charset` constraints.
    pub struct Charset {
        "doc" optional doc: String,
        /// Inclusive ranges such as `0-9`, `a-z`.
        "ranges" default ranges: Vec<Spanned<String>>,
        /// Single characters allowed besides the ranges.
        "chars" default chars: String,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// A field of an object type, keyed by its wire name.
    pub struct Field {
        /// `string | integer | boolean | string_or_integer | json | array<T> | TypeName`.
        "type" required ty: Spanned<TypeExpr>,
        /// The vendor marks it required (必填 / 是).
        "required" default required: bool,
        /// The vendor's description, verbatim.
        "doc" optional doc: String,
        /// The Rust name; default: the wire name in snake_case.
        "rust_name" optional rust_name: Spanned<String>,
        /// Other spellings accepted when decoding.
        "aliases" default aliases: Vec<Spanned<String>>,
        /// Unit of an integer timestamp.
        "unit" optional unit: Spanned<TimeUnit>,
        /// Value the service assumes when the field is absent.
        "default" optional default: Spanned<Scalar>,
        /// Never echoed in errors, `Debug` or logs.
        "sensitive" default sensitive: bool,
        /// Rules on the value.
        "constraints" default constraints: Vec<Constraint>,
        /// Rules on each element of an array of scalars.
        "items" default items: Vec<Constraint>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_enum! {
    /// How an enum's values travel: as JSON strings or as JSON integers.
    pub enum EnumWire {
        "string" => String,
        /// Each key of `enum` is an integer (`0`, `1`) and each value names its `rust_name`.
        "integer" => Integer,
    }
}

spec_struct! {
    /// One value of an enum, keyed by its wire text (or its integer).
    pub struct EnumVariant {
        "doc" optional doc: String,
        /// The Rust variant name; default: the wire text in PascalCase.
        "rust_name" optional rust_name: Spanned<String>,
    }
}

spec_struct! {
    /// A declared type: an object (`fields`), an enum (`enum`, string or integer on the wire),
    /// or a list of objects (`items`: a request body that is a JSON array, whose batch is the
    /// body itself).
    pub struct TypeDef {
        "doc" optional doc: String,
        "fields" optional fields: Map<Field>,
        "enum" optional variants: Map<EnumVariant>,
        /// For enums: how the values travel; default `string`.
        "wire" optional wire: Spanned<EnumWire>,
        /// The object type of each element of a list type.
        "items" optional items: Spanned<String>,
        /// Rules on a list type as a whole (`unique`, `max_items`, ...).
        "constraints" default constraints: Vec<Constraint>,
        /// For enums: the value the service assumes when absent.
        "default" optional default: Spanned<String>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_enum! {
    /// Where a parameter travels.
    pub enum ParamIn {
        "path" => Path,
        "query" => Query,
    }
}

spec_struct! {
    /// A path or query parameter the caller (or the config) supplies.
    pub struct Param {
        "in" required location: Spanned<ParamIn>,
        "type" required ty: Spanned<TypeExpr>,
        "required" default required: bool,
        "doc" optional doc: String,
        "default" optional default: Spanned<Scalar>,
        /// Filled from this key of the vendor's config (`org`, `app`) instead of by the caller.
        "bind" optional bind: Spanned<String>,
        "constraints" default constraints: Vec<Constraint>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_enum! {
    /// HTTP method.
    pub enum HttpMethod {
        "GET" => Get,
        "POST" => Post,
        "PUT" => Put,
        "DELETE" => Delete,
    }
}

spec_struct! {
    /// Method, path and parameters of an API.
    pub struct Endpoint {
        "method" required method: Spanned<HttpMethod>,
        /// Path template; `{name}` segments are path parameters.
        "path" required path: Spanned<String>,
        /// Fixed query parameters.
        "query" default query: Map<Scalar>,
        /// Fixed headers the page requires.
        "headers" default headers: Map<Scalar>,
        /// Path and query parameters supplied per call.
        "params" default params: Map<Param>,
        /// The request body's media type: it names the body's encoding (`body::ENCODINGS`).
        "content_type" required content_type: Spanned<String>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// The chunked dimension of the request.
    pub struct Batch {
        /// Wire name of the array field of the request root; `$` when the request body is
        /// itself the array (a list type).
        "field" required field: Spanned<String>,
        /// Field of each item naming the target user; absent for arrays of ids.
        "item_id" optional item_id: Spanned<String>,
        /// Documented maximum per call; absent when the page states none.
        "max_items" optional max_items: u64,
        "raisable" default raisable: bool,
        "raisable_to" optional raisable_to: u64,
        /// What the service answers when `max_items` is exceeded.
        "code" optional code: Spanned<Code>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_enum! {
    /// What one rate-limit bucket covers.
    pub enum RateScope {
        /// One bucket per API per app (AppID / SDKAppID / App Key).
        "app" => App,
    }
}

spec_struct! {
    /// The documented call rate.
    pub struct RateLimit {
        "per_second" required per_second: Spanned<u64>,
        "scope" required scope: RateScope,
        /// The code the service answers for a call over the limit (classed `rate_limited`).
        "answer" required answer: Spanned<Code>,
        "raisable" default raisable: bool,
        /// APIs naming the same budget share one bucket (Easemob's single and batch
        /// registration share 100/s); each API is its own budget otherwise.
        "budget" optional budget: Spanned<String>,
        /// After answering a call over the limit, the service refuses every call of the
        /// budget for this many seconds (NetEase: blocked 10 s after a 416).
        "penalty_seconds" optional penalty_seconds: Spanned<u64>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// Per-item results listed for every item (Tencent `ResultItem`).
    pub struct PerItem {
        "list" required list: Spanned<String>,
        "id" required id: Spanned<String>,
        "code" required code: Spanned<String>,
        "message" optional message: Spanned<String>,
        /// The success value of `code`.
        "ok" required ok: Scalar,
        /// Lists of the ids of failed items, besides the per-item list.
        "failed_ids" optional failed_ids: IdList,
        /// Ids of failed items whose class `classes` names, listed apart (Tencent `Invalid_Account`).
        "invalid_ids" optional invalid_ids: IdList,
        /// Check: the item field carrying the vendor's relation value.
        "relation" optional relation: Spanned<String>,
        /// Check users: the item field saying whether the user is registered, by value.
        "registered" optional registered: RegisteredField,
        /// A second list holding the failed items with their `code` (ZEGO's `Fails`); the
        /// entries of `list` then carry no code and are successes.
        "failures" optional failures: Spanned<String>,
        /// What the envelope's code says when every item failed.
        "all_failed" optional all_failed: AllFailed,
    }
}

spec_struct! {
    /// An item field saying whether a user is registered.
    pub struct RegisteredField {
        "field" required field: Spanned<String>,
        /// Each value of the field: `true` when it means registered.
        "values" required values: Map<bool>,
    }
}

spec_struct! {
    /// Per-item results listed only for failures (ZEGO `ErrorList`).
    pub struct FailuresOnly {
        "list" required list: Spanned<String>,
        /// The id field of each listed object (absent when the list holds bare ids).
        "id" optional id: Spanned<String>,
        /// The code field of each listed object (absent when the list holds bare ids).
        "code" optional code: Spanned<String>,
        /// For a list of bare ids, which carry no code: the class of their failure as the spec
        /// reads the page (`retryable` when it gives no reason).
        "class" optional class: Spanned<ErrorClass>,
        "message" optional message: Spanned<String>,
        /// What the envelope's code says when every item failed.
        "all_failed" optional all_failed: AllFailed,
    }
}

spec_enum! {
    /// What the envelope's code carries when every item of a call failed.
    pub enum AllFailedCode {
        /// A failure: the items' common code (through `map`), else the first item's code.
        "items" => Items,
    }
}

spec_struct! {
    /// When every item of a call failed, the envelope carries a failure instead of success
    /// (absent: the envelope says success whatever its items say).
    pub struct AllFailed {
        /// Which failure the envelope's code carries.
        "code" required code: AllFailedCode,
        /// An item code whose call code is another one: the page's code for the whole call.
        "map" default map: Map<Spanned<Code>>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// The answer of a call with one target that carries its item as an object, not in a
    /// list (NetEase's `friend`).
    pub struct Single {
        /// The item's path in the response.
        "item" required item: Spanned<String>,
        /// The item's field naming its target.
        "id" required id: Spanned<String>,
        /// Check: the item field carrying the vendor's relation value.
        "relation" optional relation: Spanned<String>,
        /// Check: the relation a successful answer without the item means (`none`).
        "absent" optional absent: Spanned<RelationWord>,
    }
}

spec_struct! {
    /// How per-item outcomes are read from a successful response: exactly one shape.
    pub struct Results {
        "per_item" optional per_item: PerItem,
        /// A call's one item, as an object: only for a call without a batch.
        "single" optional single: Single,
        "failures_only" optional failures_only: FailuresOnly,
        /// Lists of ids by outcome: `ok` or a code of the error table. A path may go through
        /// an array of objects: `entities[].username`.
        "id_lists" optional id_lists: Map<Spanned<String>>,
        /// What an item a successful answer does not list came to: `already_done` (for a
        /// remove: it was not a friend). Without it, an unlisted item has no answer.
        "unlisted" optional unlisted: Spanned<ErrorClass>,
        /// Fields a successful answer carries besides the results (as `envelope.fill`).
        "fill" default fill: Map<Spanned<Scalar>>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// A limit on what the service holds.
    pub struct StateLimit {
        /// Absent when the page names the limit but not its value.
        "max" optional max: u64,
        "code" required code: Spanned<Code>,
        /// The item field whose distinct values are counted (friend groups).
        "field" optional field: Spanned<String>,
        /// Code of the whole call when the requester is already at the limit before it.
        "full_code" optional full_code: Spanned<Code>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// Limits on what the service holds; the emulator enforces them.
    pub struct StateLimits {
        /// Friends one user may have (checked for the requester).
        "friends_per_user" optional friends_per_user: StateLimit,
        /// Friends the other side may have.
        "peer_friends_per_user" optional peer_friends_per_user: StateLimit,
        /// Friend groups one user may have.
        "groups_per_user" optional groups_per_user: StateLimit,
        /// Pending (unconfirmed) requests one user may have.
        "pending_per_user" optional pending_per_user: StateLimit,
    }
}

spec_enum! {
    /// How a client handles a code.
    pub enum ErrorClass {
        /// Fix the request; never retried.
        "caller_error" => CallerError,
        /// Credentials are wrong or expired; never retried.
        "auth" => Auth,
        /// Back off and retry.
        "rate_limited" => RateLimited,
        /// Transient; retry.
        "retryable" => Retryable,
        /// Will not succeed; do not retry.
        "permanent" => Permanent,
        /// Accepted, awaiting the other side: a success of another kind.
        "pending" => Pending,
        /// Done before: a success.
        "already_done" => AlreadyDone,
    }
}

spec_struct! {
    /// One row of an error table, keyed by the code.
    pub struct ErrorEntry {
        /// Rust variant name, PascalCase.
        "name" required name: Spanned<String>,
        "class" required class: Spanned<ErrorClass>,
        /// What the code means, verbatim.
        "meaning" required meaning: String,
        /// The vendor's handling advice, verbatim.
        "advice" optional advice: String,
        /// The vendor's error text, when the page gives it.
        "message" optional message: String,
        /// HTTP status the code comes with (Easemob).
        "http_status" optional http_status: u64,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_enum! {
    /// What an example shows.
    pub enum ExampleRole {
        "request" => Request,
        "response" => Response,
    }
}

spec_struct! {
    /// What is wrong with a page's example, and the corrected text.
    pub struct Erratum {
        "problem" required problem: String,
        "corrected" required corrected: Spanned<String>,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// An example from the page, verbatim.
    pub struct Example {
        "role" required role: Spanned<ExampleRole>,
        "title" optional title: String,
        /// Path and query parameters the example needs.
        "params" default params: Map<Scalar>,
        /// The body exactly as the page prints it.
        "body" required body: Spanned<String>,
        /// The page's whole command (a `curl` line, a URL), verbatim.
        "command" optional command: String,
        /// For a response: the request example it answers.
        "answers" optional answers: Spanned<String>,
        "erratum" optional erratum: Erratum,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// `<vendor>/vendor.yaml`: what every API of one vendor shares.
    pub struct VendorSpec {
        "kind" required kind: Spanned<FileKind>,
        /// The directory name.
        "id" required id: Spanned<String>,
        "title" required title: String,
        "sources" default sources: Map<SourceDef>,
        /// The default source of every node in the file.
        "source" optional source: SourceRef,
        "hosts" optional hosts: Hosts,
        "auth" required auth: Auth,
        "envelope" required envelope: Envelope,
        "charsets" default charsets: Map<Charset>,
        "types" default types: Map<TypeDef>,
        /// Codes shared by all APIs of the vendor.
        "errors" default errors: Map<ErrorEntry>,
        "notes" default notes: Vec<Note>,
    }
}

spec_struct! {
    /// `<vendor>/<api>.yaml`: one API.
    pub struct ApiSpec {
        "kind" required kind: Spanned<FileKind>,
        /// The file name without `.yaml`.
        "id" required id: Spanned<String>,
        /// The vendor's directory name.
        "vendor" required vendor: Spanned<String>,
        "title" required title: String,
        "summary" optional summary: String,
        "sources" default sources: Map<SourceDef>,
        /// The default source of every node in the file.
        "source" optional source: SourceRef,
        "endpoint" required endpoint: Endpoint,
        /// Root type of the request body.
        "request" required request: Spanned<String>,
        /// Root type of the HTTP 200 response body.
        "response" required response: Spanned<String>,
        /// Code for schema problems (missing field, wrong type, value outside an enum).
        "schema_error_code" required schema_error_code: Spanned<Code>,
        "types" default types: Map<TypeDef>,
        "charsets" default charsets: Map<Charset>,
        /// What the API does to the service; decides which of the parts below it needs.
        "operation" required operation: Spanned<Operation>,
        /// The chunked array of targets or users (add / remove / check / register / check_users
        /// whose body carries them).
        "batch" optional batch: Batch,
        "rate_limit" required rate_limit: RateLimit,
        /// How each item's outcome is read; absent when the envelope alone says how the one
        /// item of a call went.
        "results" optional results: Results,
        /// Whose relations the call is about, and how (add / remove / check / list).
        "relation" optional relation: Relation,
        /// What register and check_users answer about users.
        "users" optional users: Users,
        /// How a list is paged.
        "paging" optional paging: Paging,
        "state_limits" optional state_limits: StateLimits,
        "errors" default errors: Map<ErrorEntry>,
        "examples" default examples: Map<Example>,
        "notes" default notes: Vec<Note>,
    }
}

impl TypeDef {
    /// Whether this is an enum whose values are JSON integers.
    pub fn is_integer_enum(&self) -> bool {
        self.variants.is_some() && self.wire.as_ref().is_some_and(|w| w.value == EnumWire::Integer)
    }

    /// A list type as the field it amounts to: a required `array<items>` holding the list's
    /// rules, so that field rules (checks, validation, generated code) apply to it unchanged.
    pub fn list_field(&self) -> Option<Field> {
        let items = self.items.as_ref()?;
        Some(Field {
            loc: self.loc.clone(),
            ty: Spanned {
                value: TypeExpr::Array(Box::new(TypeExpr::Named(items.value.clone()))),
                loc: items.loc.clone(),
            },
            required: true,
            doc: self.doc.clone(),
            rust_name: Some(Spanned { value: "items".to_owned(), loc: items.loc.clone() }),
            aliases: Vec::new(),
            unit: None,
            default: None,
            sensitive: false,
            constraints: self.constraints.clone(),
            items: Vec::new(),
            source: self.source.clone(),
            notes: Vec::new(),
        })
    }
}

/// `batch.field` when the request body is itself the batch array.
pub const ROOT_BATCH: &str = "$";

impl Batch {
    /// Whether the batch is the request body itself (`field: $`).
    pub fn is_root(&self) -> bool {
        self.field.value == ROOT_BATCH
    }
}

impl StateLimits {
    /// The keys of every limit (the runtime's field names), in order.
    pub const KEYS: [&'static str; 4] =
        ["friends_per_user", "peer_friends_per_user", "groups_per_user", "pending_per_user"];

    /// Each limit by its key (the runtime's field name), present or not.
    pub fn named(&self) -> [(&'static str, Option<&StateLimit>); 4] {
        let [a, b, c, d] = Self::KEYS;
        [
            (a, self.friends_per_user.as_ref()),
            (b, self.peer_friends_per_user.as_ref()),
            (c, self.groups_per_user.as_ref()),
            (d, self.pending_per_user.as_ref()),
        ]
    }
}

/// A decoded spec file.
#[derive(Debug, Clone)]
pub enum SpecFile {
    Vendor(Box<VendorSpec>),
    Api(Box<ApiSpec>),
}

impl SpecFile {
    /// Decodes a file's root node, choosing the file kind by its `kind` key.
    pub fn decode(node: &Node, cx: &mut Cx) -> Option<SpecFile> {
        let Value::Map(entries) = &node.value else {
            cx.push(
                Diagnostic::error(&node.loc, format!("a spec's top level is a mapping, found {}", node.describe()))
                    .help("start with `kind: api` or `kind: vendor`"),
            );
            return None;
        };
        let kind_node = entries.iter().find(|(k, _)| k.key_text().as_deref() == Some("kind")).map(|(_, v)| v);
        let Some(kind_node) = kind_node else {
            cx.push(
                Diagnostic::error(&node.loc, "missing key `kind` at the top level")
                    .help("add `kind: api` or `kind: vendor`"),
            );
            return None;
        };
        match FileKind::decode(kind_node, cx)? {
            FileKind::Vendor => VendorSpec::decode(node, cx).map(|v| SpecFile::Vendor(Box::new(v))),
            FileKind::Api => ApiSpec::decode(node, cx).map(|a| SpecFile::Api(Box::new(a))),
        }
    }
}

/// The JSON Schema of the spec format (both file kinds).
pub fn json_schema() -> Json {
    let mut sg = SchemaGen::default();
    let vendor = VendorSpec::schema(&mut sg);
    let api = ApiSpec::schema(&mut sg);
    // A constraint names exactly one kind; plain JSON Schema says so with a oneOf of `required`.
    if let Some(Json::Object(def)) = sg.defs.get_mut("Constraint") {
        let kinds: Vec<Json> = crate::constraint::KINDS.iter().map(|k| json!({ "required": [k.key] })).collect();
        def.insert("oneOf".into(), Json::Array(kinds));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://imspec.dev/schema/spec.json",
        "title": "imspec spec file",
        "description": "A vendor file (`kind: vendor`) or an API file (`kind: api`). Generated by `cargo xtask codegen`; see specs/README.md.",
        "oneOf": [
            { "allOf": [vendor], "properties": { "kind": { "const": "vendor" } } },
            { "allOf": [api], "properties": { "kind": { "const": "api" } } },
        ],
        "$defs": sg.defs,
    })
}

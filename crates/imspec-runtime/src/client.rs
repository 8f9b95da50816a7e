//! The HTTP client every generated vendor client wraps: it validates, filters invalid items,
//! chunks to the batch maximum, paces each API below its documented rate, signs, sends chunks
//! concurrently, retries what a retry can fix within a per-chunk budget, and reads one outcome
//! per input item. Everything vendor-specific arrives as generated constants (`ApiEntry`).

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use secrecy::ExposeSecret as _;
use serde_json::Value;
use tracing::Instrument as _;

use crate::api::{ApiEntry, ParamIn};
use crate::auth::{Credentials, FetchToken, Sign, SignError};
use crate::code::ErrorClass;
use crate::config::{Config, ConfigError};
use crate::outcome::{self, ItemOutcome, Outcome};
use crate::plan::{self, Chunk};
#[cfg(feature = "shared-pacing")]
use crate::ratelimit::shared::SharedPacing;
use crate::ratelimit::{Pace, Pacer, Pacing, budget_key};
use crate::retry::{Failure, RetryPolicy};
use crate::service::VendorInfo;
use crate::validate::{Policy, Violation, Violations};

/// Why a list was not read on: the client was cancelled before the page's call was made.
const CANCELLED: &str = "cancelled before the call was made";

/// How a client behaves; every field has the default a serious SDK would choose.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Pace each API at `1 - margin` of its documented rate (default 10%), burst at most N/2.
    pub pacing: Pacing,
    /// Share each app's rate with every process pacing through the same Redis (default: the
    /// config file's `[pacing] redis_url`, else in-process only). Needs the `shared-pacing`
    /// feature.
    #[cfg(feature = "shared-pacing")]
    pub shared_pacing: Option<SharedPacing>,
    /// Retries per chunk (default 8 attempts within 60 s).
    pub retry: RetryPolicy,
    /// What to do with items that break a documented rule (default: filter them out).
    pub policy: Policy,
    /// Per-request timeout (default 30 s).
    pub timeout: Duration,
    /// Connection timeout (default 10 s).
    pub connect_timeout: Duration,
    /// Chunks in flight at once (default 16); pacing still bounds the rate.
    pub concurrency: usize,
    /// How long a credential the client makes itself stays valid (a Tencent UserSig); the
    /// spec's default when `None`.
    pub credential_validity: Option<Duration>,
    /// Limits the vendor raised for this app, by API id: `(limit name, value)` (names as in
    /// each API's `LIMITS`; the batch maximum is one of them). Checked before anything is sent.
    pub raised_limits: BTreeMap<String, Vec<(String, u64)>>,
    /// Once cancelled, nothing new is sent: a call waiting for the pacer or for a retry's
    /// backoff is dropped (its items end `not_attempted`, or `unknown` where an earlier
    /// attempt may have been applied), while a call already on the wire is answered and read.
    pub cancel: tokio_util::sync::CancellationToken,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            pacing: Pacing::default(),
            #[cfg(feature = "shared-pacing")]
            shared_pacing: None,
            retry: RetryPolicy::default(),
            policy: Policy::Strict,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            concurrency: 16,
            credential_validity: None,
            raised_limits: BTreeMap::new(),
            cancel: tokio_util::sync::CancellationToken::new(),
        }
    }
}

/// What a client could not do at all (per-item failures are outcomes, not errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    Config(ConfigError),
    /// The API belongs to another vendor than this client's.
    WrongVendor {
        api: &'static str,
        client: &'static str,
    },
    /// A parameter the URL needs is missing.
    MissingParam(&'static str),
    /// A typed request could not be encoded as JSON.
    Encode(String),
    /// A raised limit the API does not have, or above what the vendor grants.
    Limit(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Config(e) => e.fmt(f),
            ClientError::WrongVendor { api, client } => write!(f, "`{api}` is not an API of `{client}`"),
            ClientError::MissingParam(p) => write!(f, "parameter `{p}` is required"),
            ClientError::Encode(why) => write!(f, "the request cannot be encoded: {why}"),
            ClientError::Limit(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<ConfigError> for ClientError {
    fn from(e: ConfigError) -> Self {
        ClientError::Config(e)
    }
}

/// What became of one request: one outcome per input item, in input order.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Requests sent to the API endpoint, retries included, token fetches not.
    pub calls: u64,
    pub items: Vec<ItemOutcome>,
    /// Every rule the request broke (the items reported `invalid` break some of them).
    pub violations: Vec<Violation>,
    /// The violations of the request itself, outside any item: when there are any, nothing
    /// was sent.
    pub rejected: Vec<Violation>,
    /// Every answer body the service gave, in the order received.
    pub responses: Vec<Value>,
    /// A list operation's friends, over every page read.
    pub listing: Option<Listing>,
}

/// What a list read: the owner's friends, in the order the pages gave them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    pub user: String,
    /// Each friend's id and stored fields (by wire name).
    pub friends: Vec<(String, Value)>,
    /// Every page was read, up to the one the service says is the last.
    pub complete: bool,
    /// Why the reading stopped early.
    pub failure: Option<String>,
}

impl Report {
    /// Whether the request was taken and every item has a success outcome (a list: every page
    /// was read).
    pub fn all_succeeded(&self) -> bool {
        self.rejected.is_empty()
            && self.items.iter().all(|i| i.outcome.is_success())
            && self.listing.as_ref().is_none_or(|l| l.complete)
    }

    /// The answers decoded into a response type (answers that do not decode are skipped).
    pub fn typed_responses<R: serde::de::DeserializeOwned>(&self) -> Vec<R> {
        self.responses.iter().filter_map(|v| R::deserialize(v).ok()).collect()
    }

    /// The outcome as the command line prints it: `{"calls", "items": [{"user", "outcome",
    /// "code", "relation", "registered"}]}`, or for a list `{"calls", "user", "friends": [{"id",
    /// "fields"}]}`.
    pub fn to_json(&self) -> Value {
        if let Some(listing) = &self.listing {
            let friends: Vec<Value> =
                listing.friends.iter().map(|(id, fields)| serde_json::json!({ "id": id, "fields": fields })).collect();
            return serde_json::json!({ "calls": self.calls, "user": listing.user, "friends": friends });
        }
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|i| {
                let mut o = serde_json::json!({ "user": i.user, "outcome": i.outcome.as_str() });
                if let Some(code) = &i.code {
                    o["code"] = code.to_json();
                }
                if let Some(relation) = i.relation {
                    o["relation"] = relation.as_str().into();
                }
                if let Some(registered) = i.registered {
                    o["registered"] = registered.into();
                }
                o
            })
            .collect();
        serde_json::json!({ "calls": self.calls, "items": items })
    }
}

/// One item's outcome with its code as the API's typed error enum.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<E> {
    pub user: String,
    pub outcome: Outcome,
    /// The vendor's code, typed; `None` for success or when no code was answered.
    pub error: Option<E>,
    /// A relation check's answer.
    pub relation: Option<crate::RelationWord>,
    /// A user check's answer.
    pub registered: Option<bool>,
}

/// A report with typed answers and typed codes.
#[derive(Debug, Clone)]
pub struct Outcomes<R, E> {
    pub calls: u64,
    pub items: Vec<Item<E>>,
    pub violations: Vec<Violation>,
    /// The answers decoded into the API's response type (answers that do not decode are
    /// kept only in `raw`).
    pub responses: Vec<R>,
    pub raw: Report,
}

impl<R, E> Outcomes<R, E> {
    /// Whether the request was taken and every item was added, already a friend, or pending.
    pub fn all_succeeded(&self) -> bool {
        self.raw.all_succeeded()
    }
}

impl Report {
    /// The same report with the API's response type and error enum.
    pub fn typed<R: serde::de::DeserializeOwned, E: crate::VendorCode>(self) -> Outcomes<R, E> {
        Outcomes {
            calls: self.calls,
            items: self
                .items
                .iter()
                .map(|i| Item {
                    user: i.user.clone(),
                    outcome: i.outcome,
                    error: i.code.as_ref().map(E::from_code),
                    relation: i.relation,
                    registered: i.registered,
                })
                .collect(),
            violations: self.violations.clone(),
            responses: self.typed_responses(),
            raw: self,
        }
    }
}

/// A client of one vendor: clones share the signer, pacers and connection pool.
#[derive(Clone)]
pub struct VendorClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for VendorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration section holds secrets: show what identifies the client, nothing more.
        f.debug_struct("VendorClient")
            .field("vendor", &self.inner.vendor.id)
            .field("base", &self.inner.base.as_str())
            .field("calls", &self.calls())
            .field("token_fetches", &self.token_fetches())
            .finish_non_exhaustive()
    }
}

struct Inner {
    vendor: &'static VendorInfo,
    base: reqwest::Url,
    binds: HashMap<String, String>,
    creds: Arc<dyn Credentials>,
    signer: Box<dyn Sign>,
    http: reqwest::Client,
    options: ClientOptions,
    pacers: std::sync::Mutex<HashMap<&'static str, Arc<dyn Pace>>>,
    calls: AtomicU64,
    /// Seeds each chunk's retry jitter, so that clients and sends do not back off in lockstep.
    seeds: std::collections::hash_map::RandomState,
}

/// Posts a scheme's token requests through the client (its base URL, its path parameters).
struct TokenFetcher<'a> {
    client: &'a VendorClient,
    api: &'static ApiEntry,
    params: &'a [(String, String)],
}

impl FetchToken for TokenFetcher<'_> {
    fn fetch(&self, path: String, body: Value) -> futures_util::future::BoxFuture<'_, Result<(u16, Value), String>> {
        Box::pin(self.client.fetch_token(self.api, path, body, self.params))
    }
}

/// Makes ring the process's TLS provider, which reqwest (built without one) needs.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl VendorClient {
    /// A client configured from the vendor's section of `config`: credentials, and `base_url`
    /// or `region` (else the vendor's default host).
    pub fn new(vendor: &'static VendorInfo, config: &Config, options: ClientOptions) -> Result<Self, ClientError> {
        let section = config.vendor(vendor.id)?;
        let base = match (section.opt_str("base_url")?, section.opt_str("region")?) {
            (Some(url), _) => url.to_owned(),
            (None, Some(region)) => match vendor.region(region) {
                Some(host) => format!("https://{host}"),
                None => {
                    let known: Vec<&str> = vendor.hosts.iter().map(|(n, _)| *n).collect();
                    return Err(ConfigError(format!(
                        "{}: [{}] `region`: no region `{region}`; documented: {}",
                        config.origin,
                        vendor.id,
                        if known.is_empty() { "none (set `base_url`)".to_owned() } else { known.join(", ") }
                    ))
                    .into());
                }
            },
            (None, None) => match vendor.default_host {
                Some(host) => format!("https://{host}"),
                None => {
                    return Err(ConfigError(format!(
                        "{}: [{}] needs `base_url`: the vendor gives every app its own host",
                        config.origin, vendor.id
                    ))
                    .into());
                }
            },
        };
        Self::at(vendor, config, &base, options)
    }

    /// A client of the vendor's credentials in `config` talking to `base` (an emulator, a
    /// proxy), whatever host the section names or lacks.
    pub fn at(
        vendor: &'static VendorInfo,
        config: &Config,
        base: &str,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        let section = config.vendor(vendor.id)?;
        #[cfg(feature = "shared-pacing")]
        let options =
            ClientOptions { shared_pacing: SharedPacing::configured(options.shared_pacing, config)?, ..options };
        #[cfg(not(feature = "shared-pacing"))]
        if config.redis_url.is_some() {
            return Err(ClientError::Config(ConfigError(format!(
                "{}: [pacing] `redis_url` asks for pacing shared through Redis, which this build leaves out: \
                 enable the `shared-pacing` feature of `imspec` (or `imspec-runtime`), or remove the key",
                config.origin
            ))));
        }
        let creds = section.credentials(&vendor.auth)?;
        Self::build(vendor, base, section.texts(), creds, options)
            .map_err(|e| ClientError::Config(ConfigError(format!("{}: [{}] base URL: {e}", config.origin, vendor.id))))
    }

    /// The same client talking to another base URL (an emulator, a proxy).
    pub fn with_base_url(&self, base: &str) -> Result<Self, String> {
        let inner = &self.inner;
        let creds = Arc::clone(&inner.creds);
        Self::build(inner.vendor, base, inner.binds.clone(), creds, inner.options.clone())
    }

    fn build(
        vendor: &'static VendorInfo,
        base: &str,
        binds: HashMap<String, String>,
        creds: Arc<dyn Credentials>,
        options: ClientOptions,
    ) -> Result<Self, String> {
        let base = reqwest::Url::parse(base).map_err(|e| format!("`{base}` is not a URL: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(format!("`{base}` is not an http(s) URL"));
        }
        install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .build()
            .map_err(|e| e.without_url().to_string())?;
        let signer = Arc::clone(&creds).signer(options.credential_validity);
        Ok(VendorClient {
            inner: Arc::new(Inner {
                vendor,
                base,
                binds,
                creds,
                signer,
                http,
                options,
                pacers: std::sync::Mutex::new(HashMap::new()),
                calls: AtomicU64::new(0),
                seeds: std::collections::hash_map::RandomState::new(),
            }),
        })
    }

    pub fn vendor(&self) -> &'static VendorInfo {
        self.inner.vendor
    }

    /// Requests sent to API endpoints by this client and its clones (token fetches not counted).
    pub fn calls(&self) -> u64 {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// Whether the client's cancellation token (`ClientOptions::cancel`) is cancelled: nothing
    /// new is sent once it is.
    pub fn is_cancelled(&self) -> bool {
        self.inner.options.cancel.is_cancelled()
    }

    /// App tokens fetched by this client and its clones.
    pub fn token_fetches(&self) -> u64 {
        self.inner.signer.token_fetches()
    }

    /// Sends a typed request: the generated clients' methods call this.
    pub async fn send_typed<Q: serde::Serialize, R: serde::de::DeserializeOwned, E: crate::VendorCode>(
        &self,
        api: &'static ApiEntry,
        request: &Q,
        params: &[(String, String)],
    ) -> Result<Outcomes<R, E>, ClientError> {
        let body = serde_json::to_value(request).map_err(|e| ClientError::Encode(e.to_string()))?;
        Ok(self.send(api, &body, params).await?.typed())
    }

    /// Sends one request body (with its path and query parameters): validated, filtered,
    /// chunked, paced, signed and retried, with one outcome per input item.
    pub async fn send(
        &self,
        api: &'static ApiEntry,
        body: &Value,
        params: &[(String, String)],
    ) -> Result<Report, ClientError> {
        let info = api.info;
        if info.vendor.id != self.inner.vendor.id {
            return Err(ClientError::WrongVendor { api: info.id, client: self.inner.vendor.id });
        }
        let raised: &[(String, u64)] = self.inner.options.raised_limits.get(info.id).map_or(&[], Vec::as_slice);
        api.check_raised(raised).map_err(ClientError::Limit)?;
        let mut v = Violations::new();
        api.validate_params(params, &mut v);
        (api.validate_json_raised)(body, raised, &mut v);
        let violations = v.into_vec();
        let policy = self.inner.options.policy;
        if let Some(paging) = &info.paging {
            return Ok(self.list(api, paging, body, params, violations).await);
        }
        // The items: the batch array's, or the one target a path parameter or body field names.
        let (plan, items_len) = match &info.batch {
            Some(batch) => {
                let plan = plan::plan(batch, api.max_items(raised), policy, body, &violations);
                (plan, batch.items(body).map_or(0, Vec::len))
            }
            None => (plan::single(info.single_target(body, params), policy, body, &violations), 1),
        };
        let mut slots: Vec<Option<ItemOutcome>> = vec![None; items_len];
        for inv in &plan.invalid {
            let code = inv.violations.first().or(plan.request_violations.first()).map(|v| v.code.clone());
            let class = code.as_ref().and_then(|c| info.class(c));
            slots[inv.index] =
                Some(ItemOutcome { code, class, ..ItemOutcome::new(inv.user.as_str(), Outcome::Invalid) });
        }
        let mut report = Report { violations, ..Report::default() };
        if !plan.request_violations.is_empty() {
            report.items = slots.into_iter().flatten().collect();
            report.rejected = plan.request_violations;
            return Ok(report);
        }

        let concurrency = self.inner.options.concurrency.max(1);
        let mut runs = futures_util::stream::iter(plan.chunks.into_iter().enumerate())
            .map(|(n, chunk)| self.run_chunk(api, chunk, params, self.inner.seeds.hash_one((self.calls(), n))))
            .buffer_unordered(concurrency);
        while let Some(done) = runs.next().await {
            report.calls += done.calls;
            report.responses.extend(done.responses);
            for (index, o) in done.outcomes {
                slots[index] = Some(o);
            }
        }
        report.items = slots
            .into_iter()
            .enumerate()
            .map(|(i, o)| {
                o.unwrap_or_else(|| {
                    let user = info
                        .batch
                        .as_ref()
                        .and_then(|b| b.items(body)?.get(i).map(|it| b.user_of(it)))
                        .unwrap_or_default();
                    ItemOutcome::new(user, Outcome::NotAttempted)
                })
            })
            .collect();
        Ok(report)
    }

    /// Reads a whole list: the first page as `body` and `params` describe it, then each next
    /// position the answers give, until the service says the list is complete.
    async fn list(
        &self,
        api: &'static ApiEntry,
        paging: &crate::api::Paging,
        body: &Value,
        params: &[(String, String)],
        violations: Vec<Violation>,
    ) -> Report {
        let info = api.info;
        let owner = match info.relation.as_ref().map(|r| r.requester) {
            Some(crate::Requester::Param(p)) => crate::api::param_value(params, p),
            Some(crate::Requester::Field(f)) => body.get(f).and_then(crate::json::id_text).unwrap_or_default(),
            None => String::new(),
        };
        let mut listing = Listing { user: owner, friends: Vec::new(), complete: false, failure: None };
        let mut report = Report { violations: violations.clone(), ..Report::default() };
        if self.inner.options.policy == Policy::Strict && !violations.is_empty() {
            report.rejected = violations;
            report.listing = Some(listing);
            return report;
        }
        let (mut body, mut params) = (body.clone(), params.to_vec());
        // A position seen twice would page forever: a service that repeats one is broken.
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        loop {
            let page = self.fetch_page(api, &body, &params, &mut report).await;
            let answer = match page {
                Ok(answer) => answer,
                Err(why) => {
                    listing.failure = Some(why);
                    break;
                }
            };
            for (id, entry) in paging.entries(&answer) {
                listing.friends.push((id, paging.fields_of(entry)));
            }
            // A list without a position to send back is read in one answer.
            let next = paging.cursor.and_then(|_| paging.next_position(&answer));
            report.responses.push(answer);
            let Some(next) = next else {
                listing.complete = true;
                break;
            };
            if !seen.insert(next.to_string()) {
                listing.failure = Some(format!("the service gave the position {next} twice"));
                break;
            }
            match paging.cursor {
                None => break,
                Some(crate::api::Carrier::Param(name)) => {
                    params.retain(|(n, _)| n != name);
                    params.push((name.to_owned(), crate::json::id_text(&next).unwrap_or_default()));
                }
                Some(crate::api::Carrier::Field(name)) => {
                    if let Some(obj) = body.as_object_mut() {
                        obj.insert(name.to_owned(), next);
                    }
                }
            }
        }
        report.listing = Some(listing);
        report
    }

    /// One page of a list, retried as a chunk is; its answer, or why there is none.
    async fn fetch_page(
        &self,
        api: &'static ApiEntry,
        body: &Value,
        params: &[(String, String)],
        report: &mut Report,
    ) -> Result<Value, String> {
        let info = api.info;
        let policy = self.inner.options.retry;
        let mut attempts = Attempts::new(self, api, self.inner.seeds.hash_one((self.calls(), "page")));
        loop {
            if !attempts.turn().await {
                return Err(CANCELLED.to_owned());
            }
            let answer = self.call_once(api, body, params, attempts.deadline).await.map_err(|e| e.to_string())?;
            let (why, retry) = match answer {
                Answer::Sent { status, body: answer, token } => {
                    report.calls += 1;
                    let code = answer.get(info.envelope.code).and_then(outcome::code_of);
                    let ok = status == 200 && info.envelope.ok.as_ref().is_none_or(|ok| code.as_ref() == Some(ok));
                    if ok {
                        return Ok(answer);
                    }
                    let class = code.as_ref().and_then(|c| info.class(c));
                    if class == Some(ErrorClass::RateLimited) {
                        attempts.over_limit();
                    }
                    if class == Some(ErrorClass::Auth) && attempts.refetch(token).await {
                        continue;
                    }
                    let why = match &code {
                        Some(code) => format!("HTTP {status}, code {code}"),
                        None => format!("HTTP {status}"),
                    };
                    (why, policy.retries(Failure::Code(class)))
                }
                Answer::Transport { why, .. } => {
                    report.calls += 1;
                    (why, true)
                }
                Answer::NotSent(e) => (e.to_string(), matches!(e, SignError::Transport(_))),
            };
            tracing::debug!(api = info.id, %why, retry, "page not read");
            if !retry || !attempts.backoff(1).await {
                return Err(why);
            }
        }
    }

    /// Runs `wait` (the pacer's turn, a backoff) unless the client is cancelled first or
    /// meanwhile; whether it ran to its end with the client still going.
    async fn unless_cancelled(&self, wait: impl std::future::Future<Output = ()>) -> bool {
        let cancel = &self.inner.options.cancel;
        tokio::select! {
            biased;
            () = cancel.cancelled() => false,
            () = wait => !cancel.is_cancelled(),
        }
    }

    fn pacer(&self, api: &'static ApiEntry) -> Arc<dyn Pace> {
        let inner = &*self.inner;
        let budget = budget_key(api.info);
        let mut pacers = inner.pacers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let pacer = pacers.entry(budget).or_insert_with(|| -> Arc<dyn Pace> {
            if inner.options.pacing.unpaced {
                return Arc::new(crate::ratelimit::Unpaced);
            }
            #[cfg(feature = "shared-pacing")]
            if let Some(shared) = &inner.options.shared_pacing {
                return Arc::new(shared.pacer(api, &*inner.creds, &inner.binds, budget, inner.options.pacing));
            }
            Arc::new(Pacer::new(&api.info.rate_limit, inner.options.pacing))
        });
        Arc::clone(pacer)
    }

    async fn run_chunk(
        &self,
        api: &'static ApiEntry,
        chunk: Chunk,
        params: &[(String, String)],
        seed: u64,
    ) -> ChunkDone {
        let info = api.info;
        let policy = self.inner.options.retry;
        let mut attempts = Attempts::new(self, api, seed);
        let n = chunk.users.len();
        let mut pending: Vec<usize> = (0..n).collect();
        let mut finished: Vec<Option<ItemOutcome>> = vec![None; n];
        let mut last: Vec<Option<ItemOutcome>> = vec![None; n];
        // Whether an attempt that carried the item may have been applied without our knowing.
        let mut maybe_applied = vec![false; n];
        let mut done = ChunkDone::default();
        while !pending.is_empty() {
            let body = match &info.batch {
                Some(batch) if pending.len() < n => {
                    let all = batch.items(&chunk.body).map(Vec::as_slice).unwrap_or_default();
                    batch.with_items(&chunk.body, pending.iter().filter_map(|&p| all.get(p).cloned()).collect())
                }
                _ => chunk.body.clone(),
            };
            let users: Vec<&str> = pending.iter().map(|&p| chunk.users[p].as_str()).collect();
            // Cancelled while waiting for its turn: the call is not made.
            if !attempts.turn().await {
                break;
            }
            let attempt = attempts.attempt;
            let span = tracing::info_span!("imspec.call", api = info.id, attempt, items = users.len());
            let answer = match self.call_once(api, &body, params, attempts.deadline).instrument(span).await {
                Ok(answer) => answer,
                Err(e) => {
                    // Nothing was sent: the request cannot be made at all (a missing parameter).
                    tracing::debug!(api = info.id, %e, "not sent");
                    for &p in &pending {
                        last[p] = None;
                    }
                    break;
                }
            };
            // An answer without a readable code to a request the service would not take as it
            // is (4xx other than 408/429: a wrong URL, a proxy's page) is final, not transient.
            let mut final_http = false;
            let mut generation = None;
            let outcomes: Vec<ItemOutcome> = match answer {
                Answer::Sent { status, body, token } => {
                    done.calls += 1;
                    generation = token;
                    final_http = (400..500).contains(&status) && status != 408 && status != 429;
                    let mode = info.relation.as_ref().map_or(crate::Direction::OneWay, |r| r.direction_of(&chunk.body));
                    let mut outcomes = outcome::read(info, status == 200, &body, &users, mode);
                    // A step of a friend request that succeeded did what the step does.
                    if let Some(step) = info.relation.as_ref().and_then(|r| r.flow_step(&chunk.body)) {
                        for o in outcomes.iter_mut().filter(|o| o.outcome == Outcome::Added) {
                            o.outcome = step.outcome();
                        }
                    }
                    if status != 200 {
                        let code = body.get(info.envelope.code).map(Value::to_string).unwrap_or_default();
                        tracing::debug!(api = info.id, attempt, status, code, "refused");
                    }
                    // A 200 that does not account for an item may have applied it.
                    let unread = if body.is_null() { "the answer is not JSON" } else { "the answer omits the item" };
                    for (&p, o) in pending.iter().zip(&mut outcomes) {
                        if is_transport(o) {
                            maybe_applied[p] |= status == 200;
                            o.reason = Some(format!("HTTP {status}: {unread}"));
                        }
                    }
                    if !body.is_null() {
                        done.responses.push(body);
                    }
                    outcomes
                }
                Answer::Transport { why, maybe_applied: maybe } => {
                    done.calls += 1;
                    tracing::debug!(api = info.id, attempt, %why, "no usable answer");
                    for &p in &pending {
                        maybe_applied[p] |= maybe;
                    }
                    users.iter().map(|u| transport_failure(u, &why)).collect()
                }
                Answer::NotSent(e) => {
                    tracing::debug!(api = info.id, %e, "no credential");
                    // A refusal of the credentials is final; a busy or failing token endpoint
                    // (5xx, 429, a retryable or rate-limited code) is retried like any call.
                    let (code, transport) = match &e {
                        SignError::Refused { code, status } => {
                            let class = code.as_ref().and_then(|c| info.class(c));
                            let transient =
                                *status >= 500 || *status == 429 || class.is_some_and(ErrorClass::is_retryable);
                            (code.clone(), transient)
                        }
                        SignError::Transport(_) => (None, true),
                    };
                    let class = code.as_ref().and_then(|c| info.class(c));
                    let reason = e.to_string();
                    let o = |u: &str| ItemOutcome {
                        code: code.clone(),
                        class,
                        reason: Some(reason.clone()),
                        ..ItemOutcome::new(u, Outcome::Failed)
                    };
                    let outcomes: Vec<ItemOutcome> = users.iter().map(|u| o(u)).collect();
                    if !transport {
                        // Bad client credentials: no retry can fix them.
                        for (&p, o) in pending.iter().zip(outcomes) {
                            finished[p] = Some(o);
                        }
                        pending.clear();
                        break;
                    }
                    outcomes
                }
            };
            if outcomes.iter().any(|o| o.class == Some(ErrorClass::RateLimited)) {
                attempts.over_limit();
            }
            // A refused token is fetched again once, and the call repeated at once.
            let auth_refused = outcomes.iter().all(|o| o.class == Some(ErrorClass::Auth));
            if auth_refused && attempts.refetch(generation).await {
                for (&p, o) in pending.iter().zip(outcomes) {
                    last[p] = Some(o);
                }
                continue;
            }
            // Some items of this answer went through: the others failed on their own (item
            // codes), not the call as a whole.
            let item_level = outcomes.iter().any(|o| o.outcome != Outcome::Failed);
            let mut still = Vec::new();
            for (&p, o) in pending.iter().zip(outcomes) {
                // No code and no class: no usable answer for this item (a transport failure, or
                // an answer that does not account for it). A retry settles it: a re-add is
                // answered as done.
                let failure = if is_transport(&o) { Failure::Transport } else { Failure::Code(o.class) };
                let retry = o.outcome == Outcome::Failed
                    && policy.retries(failure)
                    && !(final_http && is_transport(&o))
                    && (policy.items || !item_level || is_transport(&o));
                if retry {
                    last[p] = Some(o);
                    still.push(p);
                } else {
                    finished[p] = Some(o);
                }
            }
            pending = still;
            if pending.is_empty() {
                break;
            }
            if !attempts.backoff(pending.len()).await {
                break;
            }
        }
        for p in pending {
            finished[p] = last[p].take();
        }
        done.outcomes = chunk
            .indices
            .iter()
            .zip(finished)
            .zip(&chunk.users)
            .zip(maybe_applied)
            .map(|(((&i, o), user), maybe)| {
                let o = o.unwrap_or_else(|| ItemOutcome::new(user.as_str(), Outcome::NotAttempted));
                // A failure after an attempt that may have been applied: unknown, never failed.
                let o = if maybe && o.outcome.given_maybe_applied() != o.outcome {
                    ItemOutcome { outcome: o.outcome.given_maybe_applied(), ..o }
                } else if maybe && Outcome::already(info.operation) == Some(o.outcome) {
                    // "Already done" after an attempt that may have been applied: that attempt
                    // did it (a timed-out add whose retry finds the friend) — this call's work.
                    let reason = format!("an earlier attempt was applied; the retry found it {}", o.outcome.as_str());
                    ItemOutcome { outcome: Outcome::done(info.operation), reason: Some(reason), ..o }
                } else {
                    o
                };
                (i, o)
            })
            .collect();
        done
    }

    async fn call_once(
        &self,
        api: &'static ApiEntry,
        body: &Value,
        params: &[(String, String)],
        deadline: Instant,
    ) -> Result<Answer, ClientError> {
        let inner = &self.inner;
        let info = api.info;
        let mut url = inner.base.clone();
        let path = self.fill_path(info.path, api, params)?;
        url.set_path(&format!("{}{}", inner.base.path().trim_end_matches('/'), path));
        let fetcher = TokenFetcher { client: self, api, params };
        let sign = inner.signer.sign(&fetcher);
        let signed = match tokio::time::timeout_at(deadline.into(), sign).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Ok(Answer::NotSent(e)),
            Err(_) => {
                let why = "no credential within the chunk's time budget".to_owned();
                return Ok(Answer::NotSent(SignError::Transport(why)));
            }
        };
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in info.query {
                q.append_pair(k, v);
            }
            for p in api.params.iter().filter(|p| p.location == ParamIn::Query) {
                if let Some((_, value)) = params.iter().rev().find(|(n, _)| n == p.name) {
                    q.append_pair(p.name, value);
                }
            }
            for (k, v) in &signed.query {
                q.append_pair(k, v.expose_secret());
            }
        }
        let mut req = inner.http.request(method(info.method), url).header("Content-Type", info.content_type);
        for (k, v) in info.headers {
            req = req.header(*k, *v);
        }
        for (name, value) in &signed.headers {
            let mut value = reqwest::header::HeaderValue::from_str(value.expose_secret())
                .map_err(|_| ClientError::MissingParam("a valid credential header"))?;
            value.set_sensitive(true);
            req = req.header(*name, value);
        }
        // GET and DELETE carry their parameters in the URL, never a body.
        if !matches!(info.method, "GET" | "DELETE") {
            req = req.body(info.body.encode(body));
        }
        inner.calls.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let resp = match req.send().await {
            Ok(r) => r,
            // A failed connect sent nothing; anything later may have reached the service.
            Err(e) => return Ok(Answer::Transport { maybe_applied: !e.is_connect(), why: transport_reason(e) }),
        };
        let status = resp.status().as_u16();
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Ok(Answer::Transport { maybe_applied: true, why: transport_reason(e) }),
        };
        tracing::debug!(status, elapsed_ms = started.elapsed().as_millis() as u64, "answered");
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(json) if status < 500 => Ok(Answer::Sent { status, body: json, token: signed.token }),
            // A server error may come after the work was done.
            Ok(_) | Err(_) if status >= 500 => {
                Ok(Answer::Transport { why: format!("HTTP {status} from the service"), maybe_applied: true })
            }
            // Not JSON: a gateway's or proxy's page. The status says whether to try again.
            _ => Ok(Answer::Sent { status, body: Value::Null, token: signed.token }),
        }
    }

    async fn fetch_token(
        &self,
        api: &'static ApiEntry,
        path: String,
        body: Value,
        params: &[(String, String)],
    ) -> Result<(u16, Value), String> {
        let inner = &self.inner;
        let path = self.fill_path(&path, api, params).map_err(|e| e.to_string())?;
        let mut url = inner.base.clone();
        url.set_path(&format!("{}{}", inner.base.path().trim_end_matches('/'), path));
        let resp = inner.http.post(url).json(&body).send().await.map_err(|e| e.without_url().to_string())?;
        let status = resp.status().as_u16();
        let json = resp.json::<Value>().await.map_err(|e| e.without_url().to_string())?;
        Ok((status, json))
    }

    /// A path template with its `{name}` segments filled from the caller's parameters or the
    /// configuration keys they bind to, each percent-encoded.
    fn fill_path(
        &self,
        template: &str,
        api: &'static ApiEntry,
        params: &[(String, String)],
    ) -> Result<String, ClientError> {
        let mut out = String::new();
        for seg in template.split('/').filter(|s| !s.is_empty()) {
            out.push('/');
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let given = params.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.clone());
                    let bound = api.params.iter().find(|p| p.name == name).and_then(|p| p.bind);
                    let value = given.or_else(|| bound.and_then(|key| self.inner.binds.get(key).cloned())).ok_or_else(
                        || {
                            ClientError::MissingParam(
                                api.params.iter().find(|p| p.name == name).map_or("a path parameter", |p| p.name),
                            )
                        },
                    )?;
                    out.extend(url_encode_segment(&value));
                }
                None => out.push_str(seg),
            }
        }
        if template.is_empty() || template == "/" {
            out.push('/');
        }
        Ok(out)
    }
}

fn url_encode_segment(s: &str) -> impl Iterator<Item = char> + '_ {
    s.bytes().flat_map(|b| {
        let keep = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        let chars: Vec<char> = if keep { vec![b as char] } else { format!("%{b:02X}").chars().collect() };
        chars.into_iter()
    })
}

fn method(m: &str) -> reqwest::Method {
    reqwest::Method::from_bytes(m.as_bytes()).unwrap_or(reqwest::Method::POST)
}

/// What one attempt came to.
/// The attempts of one call, as every call the client makes takes them (a chunk, a page of a
/// list): the pacer's turn before each, one new app token when the service refuses the one a
/// call carried, and a backoff between attempts within the retry policy's deadline. Once the
/// client is cancelled, no turn is taken and no backoff waited out.
struct Attempts<'c> {
    client: &'c VendorClient,
    api: &'static str,
    pacer: Arc<dyn Pace>,
    delays: Box<dyn Iterator<Item = Duration> + Send + 'c>,
    /// When the call gives up, whatever attempt it is at.
    deadline: Instant,
    /// Attempts begun (their turns taken).
    attempt: u32,
    refetched: bool,
    penalty_seconds: Option<u64>,
}

impl<'c> Attempts<'c> {
    fn new(client: &'c VendorClient, api: &'static ApiEntry, seed: u64) -> Attempts<'c> {
        let policy = &client.inner.options.retry;
        Attempts {
            client,
            api: api.info.id,
            pacer: client.pacer(api),
            delays: Box::new(policy.delays(seed)),
            deadline: Instant::now() + policy.within,
            attempt: 0,
            refetched: false,
            penalty_seconds: api.info.rate_limit.penalty_seconds,
        }
    }

    /// After an answer over the rate limit: where the service then blocks every call for a
    /// while (`penalty_seconds`), the pacer holds every call of this API back as long.
    fn over_limit(&self) {
        if let Some(seconds) = self.penalty_seconds {
            self.pacer.hold(Duration::from_secs(seconds));
        }
    }

    /// Waits for the next attempt's turn at the pacer; false when the client was cancelled
    /// first (the attempt is not made).
    async fn turn(&mut self) -> bool {
        self.attempt += 1;
        self.client.unless_cancelled(self.pacer.acquire()).await
    }

    /// After the service refused the app token of `generation`: whether a new one was fetched
    /// (once per call, and only for a scheme that fetches tokens) so the call is repeated at
    /// once. Only that generation is dropped: another call may have fetched a new one already.
    async fn refetch(&mut self, generation: Option<u64>) -> bool {
        let signer = &self.client.inner.signer;
        if self.refetched || !signer.refetches_on_refusal() {
            return false;
        }
        self.refetched = true;
        if let Some(generation) = generation {
            signer.invalidate(generation).await;
        }
        true
    }

    /// Waits before another attempt for `items` items; false when none is left (the policy's
    /// attempts or its deadline) or the client was cancelled meanwhile.
    async fn backoff(&mut self, items: usize) -> bool {
        let (api, attempt) = (self.api, self.attempt);
        match self.delays.next() {
            Some(d) if Instant::now() + d < self.deadline => {
                tracing::debug!(api, attempt, items, delay_ms = d.as_millis() as u64, "retrying");
                self.client.unless_cancelled(tokio::time::sleep(d)).await
            }
            _ => {
                tracing::debug!(api, attempts = attempt, items, "retries exhausted");
                false
            }
        }
    }
}

enum Answer {
    /// `token`: the generation of the app token the call carried.
    Sent { status: u16, body: Value, token: Option<u64> },
    /// No usable answer. `maybe_applied`: the request may have reached the service (false only
    /// when the connection was never made).
    Transport { why: String, maybe_applied: bool },
    /// No credential could be had.
    NotSent(SignError),
}

#[derive(Default)]
struct ChunkDone {
    calls: u64,
    responses: Vec<Value>,
    /// By index in the input batch.
    outcomes: Vec<(usize, ItemOutcome)>,
}

/// The outcome of an item whose call got no usable answer.
fn transport_failure(user: &str, why: &str) -> ItemOutcome {
    ItemOutcome { reason: Some(why.to_owned()), ..ItemOutcome::new(user, Outcome::Failed) }
}

/// A transport error as one line: its chain of causes (`connection refused`, `operation timed
/// out`), without the URL, whose query carries credentials.
fn transport_reason(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut why = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !why.contains(&text) {
            why.push_str(": ");
            why.push_str(&text);
        }
        source = cause.source();
    }
    why
}

fn is_transport(o: &ItemOutcome) -> bool {
    o.outcome == Outcome::Failed && o.code.is_none() && o.class.is_none()
}

//! A local emulator of the IM vendors' friend APIs — what LocalStack is for AWS — served from the
//! same specs and generated validators as imspec's clients, so the two cannot drift apart.
//!
//! One port serves every API compiled into `imspec` at the vendor's own path, verifies
//! credentials as the vendor does, validates with the generated validators, keeps a friend graph
//! per vendor, rate-limits at the documented rates and injects faults reproducibly. Tests see
//! what it holds only through its HTTP control API (`/_emulator/...`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let config = imspec_runtime::Config::parse(include_str!("../default.toml"), "default.toml").unwrap();
//! let emulator = imspec_emulator::Emulator::new(&config).unwrap();
//! let running = emulator.spawn("127.0.0.1:0").await?;
//! println!("listening on http://{}", running.addr());
//! # Ok(()) }
//! ```

mod answer;
mod control;
mod faults;
mod ops;
mod settings;
mod state;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::body::Body as AxumBody;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use imspec_runtime::auth::{Presented, TokenGrant, TokenRefusal, Verify};
use imspec_runtime::ratelimit::TokenBucket;
use imspec_runtime::{ApiEntry, Carrier, Code, ConfigError, Requester, Results, VendorInfo, Violations};
use serde_json::{Map, Value};

pub use answer::Reply;
pub use settings::{Faults, RateLimits, Settings};

use answer::{Body, Context};
use state::{Graph, Limits};

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps half-updated in a way that matters.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The configuration the command line uses when given none: demo credentials for every vendor.
pub const DEFAULT_CONFIG: &str = include_str!("../default.toml");

/// A request as routing sees it: method, path segments (`None` for a parameter, any value),
/// fixed query.
type Route = (&'static str, Vec<Option<&'static str>>, Vec<(&'static str, &'static str)>);

/// A configured emulator, ready to serve.
#[derive(Debug, Clone)]
pub struct Emulator {
    inner: std::sync::Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: Settings,
    vendors: Vec<VendorState>,
    apis: Vec<Served>,
    origin: Instant,
    /// How many times each request body was seen (by hash), for fault decisions.
    seen: Mutex<HashMap<u64, u64>>,
    token_stats: Stats,
    request_ids: AtomicU64,
    /// The token endpoint: its vendor (index) and path template.
    token_route: Option<(usize, Vec<Segment>)>,
    /// The address served on, once serving.
    local: std::sync::OnceLock<SocketAddr>,
    /// Time added to the rate-limit clock by `POST /_emulator/clock` (nanoseconds).
    advanced_ns: AtomicU64,
    /// This instance's identity (`GET /_emulator/instance`): new at every start and every
    /// reset, since what the service held is gone then. A client that journals answers ties
    /// them to it, so answers are never trusted against a service that did not give them.
    instance: Mutex<String>,
}

/// A new instance id: 128 random bits, hex. Only uniqueness matters (it is no secret), so
/// without OS randomness the clock and a counter stand in.
fn instance_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        bytes[..8].copy_from_slice(&nanos.to_le_bytes());
        bytes[8..]
            .copy_from_slice(&(COUNTER.fetch_add(1, Ordering::Relaxed) ^ u64::from(std::process::id())).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug)]
struct VendorState {
    info: &'static VendorInfo,
    /// The service's side of the vendor's auth scheme: checks calls, serves its token endpoint.
    verifier: Box<dyn Verify>,
    /// Values of the configuration keys that parameters bind to (`org`, `app`).
    binds: BTreeMap<&'static str, String>,
    graph: Mutex<Graph>,
}

impl VendorState {
    /// Whether the path parameters bound to configuration (`org`, `app`) name this app.
    fn binds_match(&self, entry: &ApiEntry, params: &[(&'static str, String)]) -> bool {
        params.iter().all(|(name, value)| {
            let bound = entry.params.iter().find(|p| p.name == *name).and_then(|p| p.bind);
            bound.is_none_or(|key| self.binds.get(key) == Some(value))
        })
    }
}

#[derive(Debug, Default)]
struct Stats {
    calls: AtomicU64,
    rate_limited: AtomicU64,
    rejected: AtomicU64,
}

impl Stats {
    fn json(&self) -> Value {
        serde_json::json!({
            "calls": self.calls.load(Ordering::Relaxed),
            "rate_limited": self.rate_limited.load(Ordering::Relaxed),
            "rejected": self.rejected.load(Ordering::Relaxed),
        })
    }

    fn reset(&self) {
        for n in [&self.calls, &self.rate_limited, &self.rejected] {
            n.store(0, Ordering::Relaxed);
        }
    }
}

#[derive(Debug)]
struct Served {
    entry: &'static ApiEntry,
    vendor: usize,
    segments: Vec<Segment>,
    /// Calls per second in force; `None`: not limited.
    rate: Option<u32>,
    /// The bucket of the API's rate budget, shared with the APIs that share the budget.
    bucket: std::sync::Arc<Mutex<Option<TokenBucket>>>,
    stats: Stats,
    friends_override: Option<u64>,
    /// Limits raised for this app.
    raised: Vec<(String, u64)>,
    /// Per-item codes the API's own table classes as retryable (fault injection).
    retryable: Vec<Code>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Lit(&'static str),
    Param(&'static str),
}

fn segments(template: &'static str) -> Vec<Segment> {
    template
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => Segment::Param(name),
            None => Segment::Lit(s),
        })
        .collect()
}

/// A request path's non-empty segments, split once per request.
fn path_parts(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Matches a request path (its segments) against a template, returning the path parameters.
fn match_path(template: &[Segment], parts: &[&str]) -> Option<Vec<(&'static str, String)>> {
    if parts.len() != template.len() {
        return None;
    }
    let mut params = Vec::new();
    for (seg, part) in template.iter().zip(parts) {
        match seg {
            Segment::Lit(lit) if lit == part => {}
            Segment::Lit(_) => return None,
            Segment::Param(name) => params.push((*name, percent_decode(part, false))),
        }
    }
    Some(params)
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 3 <= bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()))
            .flatten();
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') if plus_is_space => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Emulator {
    /// An emulator of every API compiled into `imspec` whose vendor has a section in `config`.
    pub fn new(config: &imspec_runtime::Config) -> Result<Emulator, ConfigError> {
        let settings = Settings::from_table(&config.emulator, &config.origin)?;
        let mut vendors: Vec<VendorState> = Vec::new();
        let mut apis = Vec::new();
        // One bucket per vendor and rate budget: APIs sharing a budget share it.
        let mut buckets: HashMap<(usize, &'static str), std::sync::Arc<Mutex<Option<TokenBucket>>>> = HashMap::new();
        for entry in imspec::apis() {
            let info = entry.info;
            let vendor_id = info.vendor.id;
            let index = match vendors.iter().position(|v| v.info.id == vendor_id) {
                Some(i) => i,
                None => {
                    let Ok(section) = config.vendor(vendor_id) else { continue };
                    let creds = section.credentials(&info.vendor.auth)?;
                    let binds = BTreeMap::new();
                    vendors.push(VendorState {
                        info: info.vendor,
                        verifier: creds.verifier(),
                        binds,
                        graph: Mutex::new(Graph::default()),
                    });
                    vendors.len() - 1
                }
            };
            // The configuration values this API's parameters bind to (`org`, `app`).
            let section = config.vendor(vendor_id)?;
            for key in entry.params.iter().filter_map(|p| p.bind) {
                vendors[index].binds.insert(key, section.text(key)?);
            }
            let rate = match &settings.rate_limits {
                RateLimits::Documented => Some(info.rate_limit.per_second),
                RateLimits::Off => None,
                RateLimits::Overrides(o) => Some(o.get(info.id).copied().unwrap_or(info.rate_limit.per_second)),
            };
            // `info.errors` is the API's own table (the vendor's shared codes are apart).
            let retryable = info
                .errors
                .iter()
                .filter(|r| r.class == imspec_runtime::ErrorClass::Retryable)
                .map(|r| r.code.clone())
                .collect();
            apis.push(Served {
                entry,
                vendor: index,
                segments: segments(info.path),
                rate,
                bucket: std::sync::Arc::clone(
                    buckets
                        .entry((index, imspec_runtime::ratelimit::budget_key(info)))
                        .or_insert_with(|| std::sync::Arc::new(Mutex::new(bucket(rate, info)))),
                ),
                stats: Stats::default(),
                friends_override: settings.friend_limits.get(vendor_id).copied(),
                raised: {
                    let raised = settings.raised_limits.get(info.id).cloned().unwrap_or_default();
                    entry
                        .check_raised(&raised)
                        .map_err(|why| ConfigError(format!("{}: [emulator] `raised_limits`: {why}", config.origin)))?;
                    raised
                },
                retryable,
            });
        }
        // One host serves every vendor: two APIs answering the same request could not be told
        // apart, so the emulator refuses to start rather than serve one of them silently.
        let mut routes: HashMap<Route, &str> = HashMap::new();
        for a in &apis {
            let info = a.entry.info;
            let path = a
                .segments
                .iter()
                .map(|s| match s {
                    Segment::Lit(lit) => Some(*lit),
                    Segment::Param(_) => None,
                })
                .collect();
            let mut query = info.query.to_vec();
            query.sort_unstable();
            if let Some(other) = routes.insert((info.method, path, query), info.id) {
                return Err(ConfigError(format!(
                    "`{other}` and `{}` answer the same request ({} {}): one emulator serves every vendor on one \
                     host and could not tell them apart",
                    info.id, info.method, info.path
                )));
            }
        }
        // Tables keyed by API id must name served APIs.
        let overrides = match &settings.rate_limits {
            RateLimits::Overrides(o) => o.keys().collect(),
            _ => Vec::new(),
        };
        for (table, keys) in [("raised_limits", settings.raised_limits.keys().collect()), ("rate_limits", overrides)] {
            if let Some(unknown) =
                keys.into_iter().find(|k| !apis.iter().any(|a: &Served| a.entry.info.id == k.as_str()))
            {
                return Err(ConfigError(format!("{}: [emulator] `{table}`: no API `{unknown}`", config.origin)));
            }
        }
        // The token endpoint of the vendor whose scheme has one, matched once per request.
        let token_route = vendors.iter().enumerate().find_map(|(i, v)| Some((i, segments(v.verifier.token_path()?))));
        Ok(Emulator {
            inner: std::sync::Arc::new(Inner {
                settings,
                vendors,
                apis,
                origin: Instant::now(),
                seen: Mutex::new(HashMap::new()),
                token_stats: Stats::default(),
                request_ids: AtomicU64::new(0),
                token_route,
                local: std::sync::OnceLock::new(),
                advanced_ns: AtomicU64::new(0),
                instance: Mutex::new(instance_id()),
            }),
        })
    }

    /// The ids of the APIs served.
    pub fn api_ids(&self) -> Vec<&'static str> {
        self.inner.apis.iter().map(|a| a.entry.info.id).collect()
    }

    /// The HTTP service, for embedding in another server.
    pub fn router(&self) -> axum::Router {
        axum::Router::new().fallback(handle).with_state(self.inner.clone())
    }

    /// Serves on `listener` until the task is dropped. Each connection must send a request's
    /// headers within the `header_timeout_ms` setting (and is closed when idle that long
    /// between requests), and a request's body within [`BODY_TIMEOUT`]: a slow or silent
    /// client holds nothing for long.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        let own = listener.local_addr()?;
        let _ = self.inner.local.set(own);
        let router = self.router();
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, then accept again.
                    eprintln!("emulator: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let service = hyper_util::service::TowerToHyperService::new(router.clone());
            let log = self.inner.settings.log_requests;
            let header_timeout = std::time::Duration::from_millis(self.inner.settings.header_timeout_ms);
            tokio::spawn(async move {
                let mut http = hyper::server::conn::http1::Builder::new();
                http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
                let served = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
                // What the HTTP layer refuses before any handler runs (a malformed request,
                // headers too large, too slow): logged like the requests.
                if let Err(e) = served
                    && log
                {
                    eprintln!("connection from {peer} closed: {e}");
                }
            });
        }
    }

    /// Binds `addr` and serves in a background task.
    pub async fn spawn(self, addr: &str) -> std::io::Result<Running> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(self.serve(listener));
        Ok(Running { addr, task })
    }
}

/// How long a request's body may take to arrive.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// The largest request body taken (larger ones are answered 413).
pub const MAX_BODY_BYTES: usize = 8 << 20;
/// Bodies at least this large are handled on a blocking thread, so that validating them never
/// stalls the other connections.
const OFF_REACTOR_BYTES: usize = 32 << 10;

/// An emulator serving in the background; stops when dropped.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    State(em): State<std::sync::Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: AxumBody,
) -> Response {
    let started = Instant::now();
    let path = uri.path();
    let reply = match read_body(body).await {
        Err(refused) => refused,
        Ok(body) => route(&em, &method, &uri, &headers, body, started).await,
    };
    if em.settings.log_requests {
        // The path only: the query carries credentials (UserSigs, signatures).
        eprintln!("{method} {path} -> {} ({} µs)", reply.status, started.elapsed().as_micros());
    }
    respond(reply)
}

/// The whole body, within [`MAX_BODY_BYTES`] and [`BODY_TIMEOUT`].
async fn read_body(body: AxumBody) -> Result<Bytes, Reply> {
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let too_large = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            Err(if too_large {
                Reply::json(413, serde_json::json!({ "error": format!("request body over {MAX_BODY_BYTES} bytes") }))
            } else {
                Reply::json(400, serde_json::json!({ "error": format!("request body unreadable: {e}") }))
            })
        }
        Err(_) => Err(Reply::json(408, serde_json::json!({ "error": "request body too slow" }))),
    }
}

async fn route(
    em: &std::sync::Arc<Inner>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
    started: Instant,
) -> Reply {
    let path = uri.path();
    if let Some(rest) = path.strip_prefix("/_emulator/") {
        return match em.foreign_origin(headers) {
            Some(why) => Reply::json(403, serde_json::json!({ "error": why })),
            None => control::handle(em, method, rest, &body),
        };
    }
    if let Some(reply) = em.token(method, &path_parts(path), &body, started) {
        return reply;
    }
    let query = parse_query(uri.query());
    let Some((api, params)) = em.route(method, &path_parts(path), &query) else {
        return Reply::json(404, serde_json::json!({ "error": "not found", "path": path }));
    };
    if em.settings.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(em.settings.latency_ms)).await;
    }
    // Headers that are not text are none a scheme reads.
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect();
    let method = method.as_str().to_owned();
    if body.len() < OFF_REACTOR_BYTES {
        return em.call(&em.apis[api], &params, &query, &headers, &body, &method, started);
    }
    let em = em.clone();
    tokio::task::spawn_blocking(move || em.call(&em.apis[api], &params, &query, &headers, &body, &method, started))
        .await
        .unwrap_or_else(|e| Reply::json(500, serde_json::json!({ "error": format!("the call failed: {e}") })))
}

/// An API's rate bucket: its rate (none when limits are off) and the penalty its spec states.
fn bucket(rate: Option<u32>, info: &imspec_runtime::ApiInfo) -> Option<TokenBucket> {
    rate.map(|n| TokenBucket::new(n).penalized(info.rate_limit.penalty_seconds))
}

fn respond(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if reply.drop {
        // The work is done; the connection breaks before the answer completes.
        let broken =
            futures_util::stream::once(async { Err::<Bytes, std::io::Error>(std::io::Error::other("dropped")) });
        return (status, [(header::CONTENT_TYPE, "application/json")], AxumBody::from_stream(broken)).into_response();
    }
    match reply.body {
        Body::Json(v) => {
            let bytes = serde_json::to_vec(&v).unwrap_or_default();
            (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
        }
        Body::Text(t) => (status, [(header::CONTENT_TYPE, "text/plain")], t).into_response(),
    }
}

impl Inner {
    /// The rate-limit buckets' clock: time since start (none when frozen), plus what the
    /// control API advanced it by.
    fn now_ns(&self) -> u128 {
        let running = if self.settings.frozen_clock { 0 } else { self.origin.elapsed().as_nanos() };
        running + u128::from(self.advanced_ns.load(Ordering::Relaxed))
    }

    fn route(
        &self,
        method: &Method,
        parts: &[&str],
        query: &[(String, String)],
    ) -> Option<(usize, Vec<(&'static str, String)>)> {
        self.apis.iter().enumerate().find_map(|(i, api)| {
            let info = api.entry.info;
            if !info.method.eq_ignore_ascii_case(method.as_str()) {
                return None;
            }
            let params = match_path(&api.segments, parts)?;
            let fixed = info.query.iter().all(|(k, v)| query.iter().any(|(qk, qv)| qk == k && qv == v));
            fixed.then_some((i, params))
        })
    }

    /// Why a control call does not come from the emulator's own address, if it does not: its
    /// `Host` must name this emulator and its `Origin`, when there is one, too — so that a web
    /// page the operator visits cannot reset or read the emulator (DNS rebinding included).
    fn foreign_origin(&self, headers: &HeaderMap) -> Option<String> {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let Some(host) = host.filter(|h| self.is_own_host(h)) else {
            return Some("control calls must name this emulator's address in `Host`".into());
        };
        match headers.get(header::ORIGIN).map(|o| o.to_str().unwrap_or("")) {
            None => None,
            Some(origin) if origin.strip_prefix("http://").is_some_and(|o| self.is_own_host(o)) => None,
            Some(_) => Some(format!("control calls are refused from another origin than http://{host}")),
        }
    }

    /// Whether `host` (`name:port`) is this emulator: a loopback name or the bound address, at
    /// the bound port.
    fn is_own_host(&self, host: &str) -> bool {
        let Some((name, port)) = host.rsplit_once(':') else { return false };
        let name = name.trim_start_matches('[').trim_end_matches(']');
        let own = self.local.get();
        let port_ok = own.is_none_or(|a| port.parse() == Ok(a.port()));
        let loopback = name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        port_ok && (loopback || own.is_some_and(|a| name.parse() == Ok(a.ip())))
    }

    /// The token endpoint of the vendor whose auth scheme has one, when `path` is it.
    fn token(&self, method: &Method, parts: &[&str], body: &[u8], started: Instant) -> Option<Reply> {
        let (index, template) = self.token_route.as_ref()?;
        let params = match_path(template, parts)?;
        if method != Method::POST {
            return None;
        }
        let vendor = &self.vendors[*index];
        self.token_stats.calls.fetch_add(1, Ordering::Relaxed);
        // Answers come in the vendor's shape: borrow the first of its APIs for the envelope.
        let api = self.apis.iter().find(|a| a.vendor == *index)?;
        let info = api.entry.info;
        let cx =
            Context { method: method.as_str(), started, request_id: self.request_ids.fetch_add(1, Ordering::Relaxed) };
        let refusals = &vendor.info.refusals;
        let refuse = |code: Option<&Code>, message: Option<String>| {
            self.token_stats.rejected.fetch_add(1, Ordering::Relaxed);
            answer::failure(info, code.unwrap_or(&info.schema_error_code), message, &cx)
        };
        // The path's org and app must be the configured ones.
        if !vendor.binds_match(api.entry, &params) {
            return Some(refuse(refusals.unknown_app.as_ref(), None));
        }
        let Ok(request) = serde_json::from_slice::<Value>(body) else {
            return Some(refuse(vendor.info.answer.unreadable.as_ref(), Some("request body is not JSON".into())));
        };
        // The app's id, as the vendor's uuid-like `application`: fixed per app, and no part of
        // any token.
        let app = vendor.binds.values().cloned().collect::<Vec<_>>().join("#");
        let application =
            format!("{:032x}", u128::from(faults::fnv(app.as_bytes())) << 64 | u128::from(faults::fnv(b"app")));
        let grant =
            TokenGrant { default_ttl: self.settings.token_ttl_seconds, now: unix_now(), application: &application };
        Some(match vendor.verifier.issue(&request, &grant, refusals) {
            Ok(answer) => Reply::json(200, answer),
            Err(TokenRefusal::Refused(code)) => refuse(code.as_ref(), None),
            Err(TokenRefusal::Malformed(why)) => refuse(Some(&info.schema_error_code), Some(why)),
            Err(TokenRefusal::Internal(why)) => Reply::json(500, serde_json::json!({ "error": why })),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        api: &Served,
        path_params: &[(&'static str, String)],
        query: &[(String, String)],
        headers: &[(String, String)],
        body: &[u8],
        method: &str,
        started: Instant,
    ) -> Reply {
        let info = api.entry.info;
        let vendor = &self.vendors[api.vendor];
        let cx = Context { method, started, request_id: self.request_ids.fetch_add(1, Ordering::Relaxed) };
        api.stats.calls.fetch_add(1, Ordering::Relaxed);
        let reject = |code: Option<Code>, message: Option<String>| {
            api.stats.rejected.fetch_add(1, Ordering::Relaxed);
            answer::failure(info, code.as_ref().unwrap_or(&info.schema_error_code), message, &cx)
        };

        if api.rate.is_some() {
            let allowed = lock(&api.bucket).as_mut().is_none_or(|b| b.try_take(self.now_ns()));
            if !allowed {
                api.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                return answer::failure(info, &info.rate_limit.answer, None, &cx);
            }
        }
        let presented = Presented { query, headers, now: unix_now() };
        if let Err(code) = vendor.verifier.check(&presented, &vendor.info.refusals) {
            return reject(code, None);
        }
        if !vendor.binds_match(api.entry, path_params) {
            return reject(vendor.info.refusals.unknown_app.clone(), None);
        }

        let fault = faults::decide(&self.settings.faults, body, &self.seen);
        if fault.http_error {
            return Reply { status: 502, body: Body::Text("502 Bad Gateway"), drop: false };
        }

        // GET and DELETE carry no body: their parameters are in the URL.
        let json = if body.is_empty() && matches!(info.method, "GET" | "DELETE") {
            Value::Object(Map::new())
        } else {
            match info.body.decode(body) {
                Ok(json) => json,
                Err(why) => return reject(vendor.info.answer.unreadable.clone(), Some(why)),
            }
        };
        let mut violations = Violations::new();
        let given: Vec<(String, String)> = path_params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .chain(query.iter().filter(|(k, _)| api.entry.params.iter().any(|p| p.name == k)).cloned())
            .collect();
        api.entry.validate_params(&given, &mut violations);
        (api.entry.validate_json_raised)(&json, &api.raised, &mut violations);
        let batch = info.batch.as_ref();
        let per_item = !matches!(info.results, Some(Results::IdLists { .. }));
        let mut item_codes: HashMap<usize, Code> = HashMap::new();
        for v in violations.into_vec() {
            match batch.and_then(|b| b.item_index(&v.path)).filter(|_| per_item) {
                Some(i) => {
                    item_codes.entry(i).or_insert(v.code);
                }
                None => return reject(Some(v.code), Some(format!("{}: {}", v.path, v.message))),
            }
        }

        let relation = info.relation.as_ref();
        let param = |name: &str| given.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let requester = match relation.map(|r| r.requester) {
            Some(Requester::Field(f)) => json.get(f).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
            Some(Requester::Param(p)) => param(p),
            None => None,
        }
        .unwrap_or_default();
        // The items: the batch array's, or the one target a path parameter or body field names
        // (the item of a body field: the body's fields but the requester's and those that
        // choose how the call adds).
        let items: Vec<(String, Value)> = match (batch, info.target) {
            (Some(b), _) => b
                .items(&json)
                .map(|items| items.iter().map(|item| (b.user_of(item), item.clone())).collect())
                .unwrap_or_default(),
            (None, Some(Carrier::Param(target))) => {
                param(target).map(|t| vec![(t.clone(), Value::from(t))]).unwrap_or_default()
            }
            (None, Some(Carrier::Field(target))) if json.get(target).is_some() => {
                let mut item = json.as_object().cloned().unwrap_or_default();
                if let Some(rel) = relation {
                    if let Requester::Field(f) = rel.requester {
                        item.remove(f);
                    }
                    let flow = rel.request_flow.as_ref().map(|f| f.field);
                    let chooses = rel.force.map(|(f, _)| f).into_iter().chain(rel.direction_field.map(|(f, _)| f));
                    for f in chooses.chain(flow) {
                        item.remove(f);
                    }
                }
                vec![(info.single_target(&json, &given), Value::Object(item))]
            }
            (None, _) => Vec::new(),
        };
        let op = ops::Call {
            info,
            json: &json,
            requester,
            items,
            item_codes,
            fault: &fault,
            retryable: &api.retryable,
            auto_register: self.settings.auto_register,
            limits: Limits { state: &info.state, friends_override: api.friends_override },
            params: &given,
            declared: api.entry.params,
            direction: relation.map_or(imspec_runtime::Direction::OneWay, |r| r.direction_of(&json)),
        };
        let done = ops::run(&op, &mut lock(&vendor.graph));
        let results = match done {
            Err(code) => return reject(Some(code), None),
            Ok(ops::Done::Page(fields)) => {
                let mut reply = answer::page(info, &fields, &cx);
                reply.drop = fault.drop_after_apply;
                return reply;
            }
            Ok(ops::Done::Items(results)) => results,
        };
        let mut reply = match answer::success(info, &results, &cx) {
            Ok(reply) => reply,
            Err(code) => return reject(Some(code), None),
        };
        reply.drop = fault.drop_after_apply;
        reply
    }
}

//! An independent client of the emulator: plain HTTP (reqwest), UserSigs from Tencent's official
//! Python library, ZEGO signatures made here by hand with md5, Easemob tokens fetched from the
//! emulator's token endpoint.
#![allow(dead_code)]

use std::sync::OnceLock;

use md5::Digest as _;
use serde_json::Value;

#[path = "../../../../tests/support/python.rs"]
mod python;

#[path = "../../../../tests/support/facts.rs"]
mod facts;
// Not every test file reads a fact.
#[allow(unused_imports)]
pub use facts::*;

pub const SDKAPPID: u64 = 1_400_000_000;
pub const TENCENT_KEY: &str = "imspec-demo-tencent-secret-key";
pub const ADMIN: &str = "administrator";
pub const ZEGO_APP: u32 = 12345;
pub const ZEGO_SECRET: &str = "imspec0demo0zego0server0secret00";
pub const ORG: &str = "demo-org";
pub const APP: &str = "demo-app";
pub const CLIENT_ID: &str = "imspec-demo-client-id";
pub const CLIENT_SECRET: &str = "imspec-demo-client-secret";
pub const NETEASE_KEY: &str = "imspec-demo-netease-app-key";
pub const NETEASE_SECRET: &str = "imspec-demo-netease-app-secret";

/// The demo credentials (the emulator's built-in file) plus `extra` TOML (an `[emulator]` table).
pub fn config(extra: &str) -> imspec_runtime::Config {
    let base = imspec_emulator::DEFAULT_CONFIG.split("[emulator]").next().unwrap_or_default();
    imspec_runtime::Config::parse(&format!("{base}\n{extra}"), "test.toml").expect("test config")
}

pub struct Harness {
    pub running: imspec_emulator::Running,
    pub url: String,
    pub http: reqwest::Client,
}

/// Starts an emulator on a free loopback port.
pub async fn start(extra: &str) -> Harness {
    // reqwest is built without a TLS provider; loopback HTTP needs none, but building a client does.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let emulator = imspec_emulator::Emulator::new(&config(extra)).expect("emulator");
    let running = emulator.spawn("127.0.0.1:0").await.expect("bind");
    let url = running.url();
    Harness { running, url, http: reqwest::Client::new() }
}

/// UserSigs made by Tencent's official library (`tls-sig-api-v2`), by name.
pub fn usersigs() -> &'static Value {
    static SIGS: OnceLock<Value> = OnceLock::new();
    SIGS.get_or_init(|| {
        let script = format!(
            r#"
import json, time, TLSSigAPIv2
api = TLSSigAPIv2.TLSSigAPIv2({SDKAPPID}, "{TENCENT_KEY}")
out = {{
    "admin": api.gen_sig("{ADMIN}", 86400),
    "alice": api.gen_sig("alice", 86400),
    "wrong_key": TLSSigAPIv2.TLSSigAPIv2({SDKAPPID}, "another-key").gen_sig("{ADMIN}", 86400),
    "other_app": TLSSigAPIv2.TLSSigAPIv2({other}, "{TENCENT_KEY}").gen_sig("{ADMIN}", 86400),
}}
real = time.time
time.time = lambda: real() - 10 * 86400
out["expired"] = api.gen_sig("{ADMIN}", 86400)
print(json.dumps(out))
"#,
            other = SDKAPPID + 1
        );
        let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
        let out = python::run(tmp, "TLSSigAPIv2", "tls-sig-api-v2", &script, None);
        serde_json::from_str(&out).expect("python printed JSON")
    })
}

pub fn usersig(name: &str) -> String {
    usersigs()[name].as_str().expect("a UserSig").to_owned()
}

/// The query of a Tencent call made with `sig` as `identifier`.
pub fn tencent_query(identifier: &str, sig: &str) -> String {
    format!("sdkappid={SDKAPPID}&identifier={identifier}&usersig={sig}&random=12345&contenttype=json")
}

/// NetEase's CheckSum of each `(secret, nonce, cur_time)`, by an independent oracle: Python's
/// `hashlib` computing the page's formula, SHA1(AppSecret + Nonce + CurTime) in lowercase hex.
pub fn netease_checksums(calls: &[(&str, &str, i64)]) -> Vec<String> {
    let args: Vec<String> = calls.iter().map(|(s, n, t)| format!("({s:?}, {n:?}, {t:?})")).collect();
    let script = format!(
        "import hashlib\nfor s, n, t in [{}]:\n    print(hashlib.sha1((s + n + str(t)).encode()).hexdigest())",
        args.join(", ")
    );
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    python::run(tmp, "hashlib", "hashlib", &script, None).lines().map(str::to_owned).collect()
}

/// ZEGO's signature, by hand: md5 of AppId, nonce, secret and timestamp, in lowercase hex.
pub fn zego_signature(app: u32, nonce: &str, secret: &str, ts: i64) -> String {
    md5::Md5::digest(format!("{app}{nonce}{secret}{ts}").as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64
}

/// The query of an AddFriends call signed at `ts`.
pub fn zego_query_at(ts: i64) -> String {
    format!("Action=AddFriends&{}", zego_auth_at(ts))
}

/// ZEGO's public parameters, signed at `ts`.
pub fn zego_auth_at(ts: i64) -> String {
    let nonce = format!("{:016x}", ts as u64 ^ 0x5eed);
    let sig = zego_signature(ZEGO_APP, &nonce, ZEGO_SECRET, ts);
    format!("AppId={ZEGO_APP}&SignatureNonce={nonce}&Timestamp={ts}&SignatureVersion=2.0&Signature={sig}")
}

impl Harness {
    pub async fn post(&self, path_and_query: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
        self.post_as(path_and_query, "application/json", headers, body).await
    }

    /// A POST of `body` in `content_type`.
    pub async fn post_as(
        &self,
        path_and_query: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, Value) {
        let mut req = self.http.post(format!("{}{path_and_query}", self.url)).body(body.to_owned());
        req = req.header("Content-Type", content_type);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("the emulator answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("a body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str) -> Value {
        let resp = self.http.get(format!("{}{path}", self.url)).send().await.expect("answer");
        resp.json().await.expect("json")
    }

    pub async fn token(&self) -> String {
        let body = serde_json::json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET});
        let (status, json) = self.post(&format!("/{ORG}/{APP}/token"), &[], &body.to_string()).await;
        assert_eq!(status, 200, "{json}");
        json["access_token"].as_str().expect("token").to_owned()
    }

    /// Calls an API with valid credentials. `param` is Easemob's `username`.
    pub async fn call(&self, api: &str, body: &Value, username: Option<&str>) -> (u16, Value) {
        let params: Vec<(&str, &str)> = username.map(|u| ("username", u)).into_iter().collect();
        self.call_with(api, body, &params).await
    }

    /// Calls any API of the registry with valid credentials: the path from its template (the
    /// app's org and app for bound parameters, `params` for the others), its fixed and given
    /// query parameters, and its vendor's credentials. GET and DELETE send no body.
    pub async fn call_with(&self, api: &str, body: &Value, params: &[(&str, &str)]) -> (u16, Value) {
        let entry = imspec::api(api).unwrap_or_else(|| panic!("no API {api}"));
        let info = entry.info;
        let mut path = String::new();
        for seg in info.path.split('/').filter(|s| !s.is_empty()) {
            path.push('/');
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let bind = entry.params.iter().find(|p| p.name == name).and_then(|p| p.bind);
                    let value = match bind {
                        Some("org") => ORG,
                        Some("app") => APP,
                        _ => params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v).expect("a path parameter"),
                    };
                    path.push_str(value);
                }
                None => path.push_str(seg),
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        let mut query: Vec<String> = info.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for p in entry.params.iter().filter(|p| p.location == imspec_runtime::ParamIn::Query) {
            if let Some((_, v)) = params.iter().find(|(k, _)| *k == p.name) {
                query.push(format!("{}={v}", p.name));
            }
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        // The tests sign by hand, per scheme, to see every parameter the service checks.
        match info.vendor.auth.scheme {
            "tencent_usersig" => query.push(tencent_query(ADMIN, &usersig("admin"))),
            "zego_md5" => query.push(zego_auth_at(unix_now())),
            "easemob_app_token" => {
                headers.push(("Authorization".into(), format!("Bearer {}", self.token().await)));
            }
            // A scheme with no hand-made signer here is signed by the runtime's own.
            _ => {
                let signed = runtime_signed(info).await;
                for (k, v) in &signed.query {
                    query.push(format!("{k}={}", secrecy::ExposeSecret::expose_secret(v)));
                }
                for (k, v) in &signed.headers {
                    headers.push(((*k).to_owned(), secrecy::ExposeSecret::expose_secret(v).to_owned()));
                }
            }
        }
        let url = format!("{}{path}?{}", self.url, query.join("&"));
        let mut req = self.http.request(reqwest::Method::from_bytes(info.method.as_bytes()).expect("method"), url);
        if !matches!(info.method, "GET" | "DELETE") {
            req = req.header("Content-Type", info.content_type).body(info.body.encode(body));
        }
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.send().await.expect("the emulator answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("a body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// The ids of a user's friends, in the order added.
    pub async fn friends(&self, vendor: &str, user: &str) -> Vec<String> {
        let json = self.get(&format!("/_emulator/friends/{vendor}/{user}")).await;
        json["friends"].as_array().expect("friends").iter().map(|f| f["id"].as_str().unwrap_or("").to_owned()).collect()
    }

    pub async fn stats(&self, api: &str) -> Value {
        self.get("/_emulator/stats").await[api].clone()
    }
}

/// The runtime signer's credentials for one call of the vendor of `info`, from the demo config.
async fn runtime_signed(info: &imspec_runtime::ApiInfo) -> imspec_runtime::auth::Signed {
    /// No token endpoint: a scheme that fetches tokens needs its own signer above.
    struct NoFetch;
    impl imspec_runtime::auth::FetchToken for NoFetch {
        fn fetch(&self, path: String, _: Value) -> futures_util::future::BoxFuture<'_, Result<(u16, Value), String>> {
            Box::pin(std::future::ready(Err(format!("the test harness fetches no token ({path})"))))
        }
    }
    let config = config("");
    let section = config.vendor(info.vendor.id).expect("demo credentials");
    let creds = section.credentials(&info.vendor.auth).expect("credentials");
    creds.signer(None).sign(&NoFetch).await.expect("signed")
}

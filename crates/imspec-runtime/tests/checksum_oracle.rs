//! NetEase Yunxin's CheckSum against an independent computation of the page's formula,
//! `SHA1(AppSecret + Nonce + CurTime)` in lowercase hex, by Python's `hashlib`: what the
//! signer sends, Python recomputes; what Python computes, we verify.

use imspec_runtime::auth::netease_checksum as checksum;
use imspec_runtime::{AuthInfo, AuthParam, Config};
use secrecy::{ExposeSecret as _, SecretString};

#[path = "../../../tests/support/python.rs"]
mod python;

const SECRET: &str = "c8a4f3b9e2d1";

fn python_sha1(text: &str) -> String {
    let script = "import hashlib, sys\nprint(hashlib.sha1(sys.stdin.buffer.read()).hexdigest())";
    python::run(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")), "hashlib", "hashlib", script, Some(text.as_bytes()))
}

#[test]
fn pythons_sha1_of_the_concatenation_verifies() {
    for (nonce, cur_time) in [("4tgggerg23t23t", "1443592222"), ("中文nonce", "1700000000"), ("", "0")] {
        let theirs = python_sha1(&format!("{SECRET}{nonce}{cur_time}"));
        let secret = SecretString::from(SECRET);
        assert_eq!(checksum::checksum(&secret, nonce, cur_time), theirs);
        assert!(checksum::verify(&secret, nonce, cur_time, &theirs));
        assert!(!checksum::verify(&SecretString::from("other"), nonce, cur_time, &theirs));
    }
}

/// The client's signer: four headers, a fresh nonce per call, the time in seconds as text,
/// and a checksum Python agrees with.
#[tokio::test]
async fn the_signers_headers_carry_a_checksum_python_agrees_with() {
    let auth = AuthInfo {
        scheme: "netease_checksum",
        params: &[
            ("app_key_header", AuthParam::Text("AppKey")),
            ("nonce_header", AuthParam::Text("Nonce")),
            ("time_header", AuthParam::Text("CurTime")),
            ("checksum_header", AuthParam::Text("CheckSum")),
            ("nonce_max_len", AuthParam::Count(128)),
            ("max_skew_seconds", AuthParam::Count(300)),
        ],
    };
    let config = Config::default().with("yunxin", "app_key", "go9dn803mgq3").with("yunxin", "app_secret", SECRET);
    let creds = config.vendor("yunxin").and_then(|s| s.credentials(&auth)).expect("credentials");
    let signer = creds.signer(None);
    struct NoToken;
    impl imspec_runtime::auth::FetchToken for NoToken {
        fn fetch(
            &self,
            _: String,
            _: serde_json::Value,
        ) -> futures_util::future::BoxFuture<'_, Result<(u16, serde_json::Value), String>> {
            Box::pin(async { Err("unused".to_owned()) })
        }
    }
    let headers = |signed: imspec_runtime::auth::Signed| {
        assert!(signed.query.is_empty(), "nothing in the query");
        signed.headers.into_iter().map(|(k, v)| (k, v.expose_secret().to_owned())).collect::<Vec<_>>()
    };
    let first = headers(signer.sign(&NoToken).await.expect("signed"));
    let second = headers(signer.sign(&NoToken).await.expect("signed"));
    let names: Vec<&str> = first.iter().map(|(k, _)| *k).collect();
    assert_eq!(names, ["AppKey", "Nonce", "CurTime", "CheckSum"]);
    let value = |h: &[(&str, String)], name: &str| h.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
    assert_eq!(value(&first, "AppKey").as_deref(), Some("go9dn803mgq3"));
    assert_ne!(value(&first, "Nonce"), value(&second, "Nonce"), "a fresh nonce per call");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    let cur_time: u64 = value(&first, "CurTime").and_then(|t| t.parse().ok()).expect("seconds, as text");
    assert!(now.abs_diff(cur_time) < 3600, "seconds, not milliseconds");
    let text = format!("{SECRET}{}{}", value(&first, "Nonce").expect("nonce"), value(&first, "CurTime").expect("time"));
    assert_eq!(value(&first, "CheckSum"), Some(python_sha1(&text)));
}

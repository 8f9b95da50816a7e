//! Our UserSig against Tencent's official implementation (`tls-sig-api-v2` from PyPI, module
//! `TLSSigAPIv2`): what it signs, we verify; what we sign, it agrees with.

use imspec_runtime::auth::tencent_usersig as usersig;
use secrecy::{ExposeSecret as _, SecretString};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const SDKAPPID: u64 = 1_400_000_000;

#[path = "../../../tests/support/python.rs"]
mod python;

fn run_python(script: &str) -> String {
    python::run(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")), "TLSSigAPIv2", "tls-sig-api-v2", script, None)
}

#[test]
fn a_usersig_from_the_official_library_verifies() {
    let script = format!(
        "import TLSSigAPIv2, time\nprint(int(time.time()))\nprint(TLSSigAPIv2.TLSSigAPIv2({SDKAPPID}, '{KEY}').gen_sig('administrator', 3600))"
    );
    let out = run_python(&script);
    let mut lines = out.lines();
    let now: i64 = lines.next().and_then(|l| l.parse().ok()).expect("time");
    let sig = lines.next().expect("usersig");
    let key = SecretString::from(KEY);
    let fields = usersig::verify(sig, &key, SDKAPPID, "administrator", now).expect("the official UserSig verifies");
    assert_eq!(fields.expire, 3600);
    // Another key, identifier or app: refused, as the official verifiers refuse them.
    assert_eq!(
        usersig::verify(sig, &SecretString::from("x"), SDKAPPID, "administrator", now).err(),
        Some(usersig::Refusal::BadSignature)
    );
    assert_eq!(usersig::verify(sig, &key, SDKAPPID, "admin", now).err(), Some(usersig::Refusal::IdentifierMismatch));
    assert_eq!(
        usersig::verify(sig, &key, SDKAPPID, "administrator", now + 3601).err(),
        Some(usersig::Refusal::Expired)
    );
}

#[test]
fn the_official_library_agrees_with_our_usersig() {
    let key = SecretString::from(KEY);
    let ours = usersig::generate(&key, SDKAPPID, "administrator", 1_700_000_000, 86_400);
    // Decode ours with plain zlib/json and recompute TLS.sig with the library's own HMAC.
    let script = format!(
        "import TLSSigAPIv2, zlib, json\n\
         raw = TLSSigAPIv2.base64_decode_url('{}'.encode())\n\
         doc = json.loads(zlib.decompress(raw))\n\
         api = TLSSigAPIv2.TLSSigAPIv2({SDKAPPID}, '{KEY}')\n\
         sig = api._TLSSigAPIv2__hmacsha256(doc['TLS.identifier'], doc['TLS.time'], doc['TLS.expire']).decode()\n\
         print(sig == doc['TLS.sig'], doc['TLS.sdkappid'], doc['TLS.ver'])",
        ours.expose_secret()
    );
    assert_eq!(run_python(&script), format!("True {SDKAPPID} 2.0"));
}

#[test]
fn a_usersig_with_a_userbuf_from_the_official_library_verifies() {
    let script = format!(
        "import TLSSigAPIv2, time\nprint(int(time.time()))\nprint(TLSSigAPIv2.TLSSigAPIv2({SDKAPPID}, '{KEY}').gen_sig_with_userbuf('administrator', 3600, b'room-42'))"
    );
    let out = run_python(&script);
    let mut lines = out.lines();
    let now: i64 = lines.next().and_then(|l| l.parse().ok()).expect("time");
    let sig = lines.next().expect("usersig");
    let fields = usersig::verify(sig, &SecretString::from(KEY), SDKAPPID, "administrator", now).expect("verifies");
    assert!(fields.userbuf.is_some());
}

/// The client's signer: the UserSig it sends is reused from call to call (not made per call),
/// carries the configured validity, and the official library accepts its HMAC.
#[tokio::test]
async fn the_signers_usersig_is_reused_and_the_official_library_accepts_it() {
    use imspec_runtime::{AuthInfo, AuthParam, Config};

    // The spec's parameters as generated code carries them (`specs/tencent_im/vendor.yaml`).
    let auth = AuthInfo {
        scheme: "tencent_usersig",
        params: &[
            ("app_id_param", AuthParam::Text("sdkappid")),
            ("identifier_param", AuthParam::Text("identifier")),
            ("signature_param", AuthParam::Text("usersig")),
            ("nonce_param", AuthParam::Text("random")),
            ("nonce_max", AuthParam::Count(u32::MAX as u64)),
            ("default_validity_seconds", AuthParam::Count(180 * 86_400)),
        ],
    };
    let config = Config::default()
        .with("tencent_im", "sdkappid", SDKAPPID as i64)
        .with("tencent_im", "secret_key", KEY)
        .with("tencent_im", "admin", "administrator");
    let creds = config.vendor("tencent_im").and_then(|s| s.credentials(&auth)).expect("credentials");
    let signer = creds.signer(Some(std::time::Duration::from_secs(7200)));
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
    let no_token = &NoToken;
    let usersig_of = |signed: imspec_runtime::auth::Signed| {
        let (_, value) = signed.query.into_iter().find(|(k, _)| *k == "usersig").expect("a usersig parameter");
        value.expose_secret().to_owned()
    };
    let first = usersig_of(signer.sign(no_token).await.expect("signed"));
    let second = usersig_of(signer.sign(no_token).await.expect("signed"));
    assert_eq!(first, second, "reused, not made per call");
    let script = format!(
        "import TLSSigAPIv2, zlib, json\n\
         doc = json.loads(zlib.decompress(TLSSigAPIv2.base64_decode_url('{first}'.encode())))\n\
         api = TLSSigAPIv2.TLSSigAPIv2({SDKAPPID}, '{KEY}')\n\
         sig = api._TLSSigAPIv2__hmacsha256(doc['TLS.identifier'], doc['TLS.time'], doc['TLS.expire']).decode()\n\
         print(sig == doc['TLS.sig'], doc['TLS.identifier'], doc['TLS.expire'])"
    );
    assert_eq!(run_python(&script), "True administrator 7200");
}

//! No secret reaches logs or `Debug` output, at any level: a whole run against the emulator
//! (with faults, so retries and errors are logged too) is traced at TRACE and scanned. Its own
//! test binary, so that the thread-local subscriber sees every event.

mod emulated;

use emulated::{config, emulator, quick};
use imspec::{easemob, tencent_im, zego_zim};
use serde_json::json;

/// A tracing writer that keeps everything written.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_is_printed_at_trace_level() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let s = emulator("[emulator.faults]\nseed = 3\nhttp_error_rate = 0.3\n").await;
    let cfg = config(&s.url, "");
    let (tencent, easemob, zego) = (
        tencent_im::Client::with_options(&cfg, quick()).expect("client"),
        easemob::Client::with_options(&cfg, quick()).expect("client"),
        zego_zim::Client::with_options(&cfg, quick()).expect("client"),
    );
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "b", "AddSource": "AddSource_Type_X"}]});
    tencent.runtime().send(&tencent_im::friend_add::ENTRY, &body, &[]).await.expect("sent");
    easemob
        .runtime()
        .send(&easemob::contacts_import::ENTRY, &json!({"usernames": ["b"]}), &[("username".into(), "a".into())])
        .await
        .expect("sent");
    zego.runtime()
        .send(&zego_zim::add_friends::ENTRY, &json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}]}), &[])
        .await
        .expect("sent");
    let debug = format!("{tencent:?} {easemob:?} {zego:?} {cfg:?}");
    let logs =
        String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned();
    assert!(logs.contains("imspec.call"), "the calls were traced:\n{logs}");
    for secret in ["imspec-demo-tencent-secret-key", "imspec-demo-client-secret", "imspec0demo0zego0server0secret00"] {
        assert!(!logs.contains(secret), "a secret in the logs");
        assert!(!debug.contains(secret), "a secret in Debug: {debug}");
    }
    // Per-call credentials: UserSigs, tokens (the emulator's start with YWMt), signatures.
    for marker in ["usersig=", "Signature=", "YWMt", "Bearer", "eJw", "eJy"] {
        assert!(!logs.contains(marker), "`{marker}` in the logs:\n{logs}");
        assert!(!debug.contains(marker), "`{marker}` in Debug");
    }
}

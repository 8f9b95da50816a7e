//! Which service an import talks to: its endpoint, normalised, and — when it is an emulator —
//! the emulator instance's id (`GET /_emulator/instance`, new at every start and reset). Both
//! go into the journal's fingerprint, so answers are trusted only against the service that
//! gave them.

use std::time::Duration;

use crate::ImportError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// `scheme://host:port/prefix` (lower-case scheme and host, the port always written, no
    /// trailing slash).
    pub endpoint: String,
    /// The emulator instance's id; `None` when the service is no emulator.
    pub instance: Option<String>,
}

/// How long the instance probe may take.
const PROBE: Duration = Duration::from_secs(10);

/// The endpoint, normalised: the same service however its URL is written.
pub fn normalise(base: &str) -> Result<String, ImportError> {
    let url = reqwest::Url::parse(base).map_err(|e| ImportError(format!("--endpoint `{base}`: {e}")))?;
    let host = url.host_str().ok_or_else(|| ImportError(format!("--endpoint `{base}` names no host")))?;
    let port = url.port_or_known_default().map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!("{}://{}{port}{}", url.scheme(), host.to_ascii_lowercase(), url.path().trim_end_matches('/')))
}

/// Identifies the service at `base`. A service that cannot be reached is an error (there is
/// nothing to import into); one that answers the probe with anything but an instance id is no
/// emulator.
pub async fn identify(base: &str) -> Result<Service, ImportError> {
    let endpoint = normalise(base)?;
    imspec_runtime::client::install_tls_provider();
    let client = reqwest::Client::builder()
        .timeout(PROBE)
        .build()
        .map_err(|e| ImportError(format!("cannot make an HTTP client: {e}")))?;
    let answer = client
        .get(format!("{endpoint}/_emulator/instance"))
        .send()
        .await
        .map_err(|e| ImportError(format!("cannot reach the service at {endpoint}: {}", chain(&e))))?;
    let instance = if answer.status().is_success() {
        answer
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v.get("instance")?.as_str().map(str::to_owned))
            .filter(|id| !id.is_empty())
    } else {
        None
    };
    Ok(Service { endpoint, instance })
}

/// An error and its causes, on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Why a journal's service is not this run's, in words: another endpoint, or the same one
/// whose emulator was restarted or reset (what it held is gone).
pub fn differs(journal: &Service, now: &Service) -> String {
    let short = |id: &str| format!("{}…", id.chars().take(8).collect::<String>());
    if journal.endpoint != now.endpoint {
        return format!("its service differs: it was made against {} (now {})", journal.endpoint, now.endpoint);
    }
    match (&journal.instance, &now.instance) {
        (Some(then), Some(now)) => format!(
            "its service differs: emulator instance {} was restarted or reset (now {}), so what it held is gone",
            short(then),
            short(now)
        ),
        (Some(then), None) => {
            format!(
                "its service differs: it was made against emulator instance {}; {} is no emulator now",
                short(then),
                now.endpoint
            )
        }
        (None, Some(now_id)) => format!(
            "its service differs: it was made against a service that was no emulator; {} is emulator instance {} now",
            now.endpoint,
            short(now_id)
        ),
        (None, None) => "its service differs".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_service_however_its_url_is_written() {
        let n = |u: &str| normalise(u).expect("a URL");
        assert_eq!(n("http://LOCALHOST:8080/"), "http://localhost:8080");
        assert_eq!(n("HTTP://127.0.0.1:80"), "http://127.0.0.1:80");
        assert_eq!(n("http://127.0.0.1"), "http://127.0.0.1:80");
        assert_eq!(n("https://api.example.com/v1/"), "https://api.example.com:443/v1");
        assert!(normalise("not a url").is_err());
    }

    #[test]
    fn a_restart_is_named() {
        let at = |instance: Option<&str>| Service {
            endpoint: "http://127.0.0.1:9".into(),
            instance: instance.map(Into::into),
        };
        let why = differs(&at(Some("3f00000000000000")), &at(Some("9a00000000000000")));
        assert_eq!(
            why,
            "its service differs: emulator instance 3f000000… was restarted or reset (now 9a000000…), so what it held is gone"
        );
        let other = Service { endpoint: "http://127.0.0.1:10".into(), instance: None };
        assert!(differs(&at(None), &other).contains("made against http://127.0.0.1:9 (now http://127.0.0.1:10)"));
    }
}

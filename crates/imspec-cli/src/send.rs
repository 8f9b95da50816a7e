//! `imspec send <api> [FILE|-] [--param NAME=VALUE]... [--config FILE] [--endpoint URL]`: sends
//! one request body with the client (validation, chunking, pacing, retries) and prints one
//! outcome per input item. With no `--endpoint` it starts an embedded emulator and uses it.

use std::path::Path;

use imspec::runtime::{ClientOptions, VendorClient};

use crate::validate::{InputError, find, parse_params, read_body};

/// Runs the send; `Ok(all_succeeded)` decides exit 0 or 1.
pub fn run(
    api_id: &str,
    file: Option<&Path>,
    params: &[String],
    config: Option<&Path>,
    endpoint: Option<&str>,
) -> Result<bool, InputError> {
    let entry = find(api_id)?;
    let params = parse_params(entry, params)?;
    let body = read_body(file)?;
    let config = crate::config::load(config).map_err(|e| InputError(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| InputError(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        // Without an endpoint, an emulator of the same configuration serves the call.
        let (base, _embedded) = match endpoint {
            Some(url) => (Some(url.to_owned()), None),
            None => {
                let emulator = imspec_emulator::Emulator::new(&config).map_err(|e| InputError(e.to_string()))?;
                let running = emulator
                    .spawn("127.0.0.1:0")
                    .await
                    .map_err(|e| InputError(format!("cannot start the embedded emulator: {e}")))?;
                (Some(running.url()), Some(running))
            }
        };
        let client = VendorClient::new(entry.info.vendor, &config, ClientOptions::default())
            .or_else(|e| match &base {
                // An emulator needs no host from the file (Easemob has no default one).
                Some(_) => with_placeholder_host(entry.info.vendor, &config),
                None => Err(e),
            })
            .map_err(|e| InputError(e.to_string()))?;
        let client = match &base {
            Some(url) => client.with_base_url(url).map_err(|e| InputError(format!("--endpoint: {e}")))?,
            None => client,
        };
        let report = client.send(entry, &body, &params).await.map_err(|e| InputError(e.to_string()))?;
        println!("{}", serde_json::to_string_pretty(&report.to_json()).unwrap_or_default());
        Ok(report.all_succeeded())
    })
}

/// A client whose host is set later (`with_base_url`), for a vendor section without one.
fn with_placeholder_host(
    vendor: &'static imspec::runtime::VendorInfo,
    config: &imspec::runtime::Config,
) -> Result<VendorClient, imspec::runtime::ClientError> {
    let mut config = config.clone();
    if let Some(section) = config.vendors.get_mut(vendor.id) {
        section.insert("base_url".into(), toml::Value::String("http://127.0.0.1".into()));
    }
    VendorClient::new(vendor, &config, ClientOptions::default())
}

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
            Some(url) => (url.to_owned(), None),
            None => {
                let emulator = imspec_emulator::Emulator::new(&config).map_err(|e| InputError(e.to_string()))?;
                let running = emulator
                    .spawn("127.0.0.1:0")
                    .await
                    .map_err(|e| InputError(format!("cannot start the embedded emulator: {e}")))?;
                (running.url(), Some(running))
            }
        };
        // The endpoint (or the embedded emulator) is the host, whatever the file names or lacks.
        let client = VendorClient::at(entry.info.vendor, &config, &base, ClientOptions::default())
            .map_err(|e| InputError(format!("--endpoint: {e}")))?;
        let report = client.send(entry, &body, &params).await.map_err(|e| InputError(e.to_string()))?;
        println!("{}", serde_json::to_string_pretty(&report.to_json()).unwrap_or_default());
        Ok(report.all_succeeded())
    })
}

//! `imspec send <api> [FILE|-] [--param NAME=VALUE]... [--config FILE] [--endpoint URL]`: sends
//! one request body with the client (validation, chunking, pacing, retries) and prints one
//! outcome per input item. With no `--endpoint` it starts an embedded emulator and uses it.

use std::path::Path;

use std::collections::BTreeMap;

use imspec::runtime::{ApiEntry, ClientOptions, Report, VendorClient};

use crate::validate::{InputError, find, parse_body, parse_params, read_body, read_input};

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
    // GET and DELETE take no body: FILE is left out (or empty input on `-`).
    let body = if matches!(entry.info.method, "GET" | "DELETE") {
        match file {
            None => serde_json::json!({}),
            Some(_) => read_input(file).and_then(|text| {
                if text.trim().is_empty() { Ok(serde_json::json!({})) } else { parse_body(&text, file) }
            })?,
        }
    } else {
        read_body(file)?
    };
    let config = crate::config::load(config).map_err(|e| InputError(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| InputError(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let (base, _embedded) = self::endpoint(&config, endpoint).await?;
        // The endpoint (or the embedded emulator) is the host, whatever the file names or lacks.
        let client = VendorClient::at(entry.info.vendor, &config, &base, ClientOptions::default())
            .map_err(|e| InputError(format!("--endpoint: {e}")))?;
        let report = client.send(entry, &body, &params).await.map_err(|e| InputError(e.to_string()))?;
        println!("{}", serde_json::to_string_pretty(&report.to_json()).unwrap_or_default());
        explain(entry, &report);
        Ok(report.all_succeeded() && (report.listing.is_some() || !report.items.is_empty()))
    })
}

/// The base URL to send to: `--endpoint`, else an embedded emulator of the same configuration
/// (kept running while the returned guard lives).
pub async fn endpoint(
    config: &imspec_runtime::Config,
    endpoint: Option<&str>,
) -> Result<(String, Option<imspec_emulator::Running>), InputError> {
    match endpoint {
        Some(url) => Ok((url.to_owned(), None)),
        None => {
            let emulator = imspec_emulator::Emulator::new(config).map_err(|e| InputError(e.to_string()))?;
            let running = emulator
                .spawn("127.0.0.1:0")
                .await
                .map_err(|e| InputError(format!("cannot start the embedded emulator: {e}")))?;
            Ok((running.url(), Some(running)))
        }
    }
}

/// Says on standard error why the request or some items did not go through: the request's own
/// violations (nothing was sent), an empty batch, and each transport reason with its count.
fn explain(entry: &ApiEntry, report: &Report) {
    if !report.rejected.is_empty() {
        eprintln!("error: the request is invalid, nothing was sent:");
        for v in &report.rejected {
            eprintln!("  {v}");
        }
    } else if let Some(listing) = &report.listing {
        if let Some(why) = &listing.failure {
            eprintln!("error: the list of {} was not read to its end: {why}", listing.user);
        }
    } else if report.items.is_empty() {
        let field = entry.info.batch.as_ref().map_or("the request".to_owned(), |b| b.describe());
        eprintln!("error: the request carries no items in {field}; nothing was sent");
    }
    let mut reasons: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for item in &report.items {
        if let Some(reason) = &item.reason {
            *reasons.entry((item.outcome.as_str(), reason.as_str())).or_default() += 1;
        }
    }
    for ((outcome, reason), n) in reasons {
        let items = if n == 1 { "item" } else { "items" };
        eprintln!("{n} {items} {outcome}: {reason}");
    }
}

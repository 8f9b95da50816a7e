//! `--register`: every user of the graph registered with the vendor's register API, batched at
//! its maximum, many calls in flight under the client's pacer.
//!
//! Fields its items require besides the id (Easemob's `password`) come from the requester's
//! lines of the graph (kept in the journal at load), else are generated and kept in the journal
//! before they are sent; once a call is answered, its generated items are appended, with their
//! outcomes, to `<journal>.users.jsonl` (owner-only; never rewritten, so `--restart` loses no
//! password an earlier run registered).

use std::path::{Path, PathBuf};

use futures_util::StreamExt as _;
use imspec::runtime::{ApiEntry, VendorClient};
use imspec_runtime::Outcome;
use serde_json::Value;

use super::journal::{KnownUser, Shared, Word};
use super::phases::PAGE;
use super::shape::{self, Fixed};
use crate::ImportError;

/// Registers every user of the journal's graph; returns how many users' generated fields were
/// written to the operator's list, and the list's path.
pub async fn register(
    entry: &'static ApiEntry,
    client: &VendorClient,
    journal: &Shared,
    workers: usize,
) -> Result<(usize, PathBuf), ImportError> {
    let Some(reg) = shape::register_api(entry) else {
        return Err(ImportError(format!("--register: {} has no register API", entry.info.vendor.id)));
    };
    let fields = shape::required_fields(reg);
    let max = match reg.per_call(&[]) {
        u64::MAX => PAGE,
        n => usize::try_from(n).unwrap_or(PAGE),
    };
    journal.lock().list_users()?;
    let list_path = PathBuf::from(format!("{}.users.jsonl", journal.lock().path.display()));
    let mut listed = 0;
    // The first pass walks every user; each next one only those the last could not register
    // (a retryable refusal), gathered into full calls.
    for pass in 0..PASSES {
        let (sent, n) = register_pass(reg, client, journal, &fields, &list_path, max, workers, pass > 0).await?;
        listed += n;
        if sent == 0 || client.is_cancelled() {
            break;
        }
    }
    Ok((listed, list_path))
}

/// Passes over the users at most.
const PASSES: usize = 3;

/// One walk over the users (with `unregistered`, those whose registration did not succeed);
/// returns the users sent and those listed.
#[allow(clippy::too_many_arguments)]
async fn register_pass(
    reg: &'static ApiEntry,
    client: &VendorClient,
    journal: &Shared,
    fields: &[String],
    list_path: &Path,
    max: usize,
    workers: usize,
    unregistered: bool,
) -> Result<(usize, usize), ImportError> {
    // Pages of users, read in id order (one seek each); each page one call.
    let pages = futures_util::stream::unfold((None::<String>, false), |(after, done)| async move {
        if done || client.is_cancelled() {
            return None;
        }
        match journal.lock().users_page(after.as_deref(), max, unregistered) {
            Ok(page) if page.is_empty() => None,
            Ok(page) => {
                let next = page.last().map(|u| u.id.clone());
                Some((Ok(page), (next, false)))
            }
            Err(e) => Some((Err(ImportError::from(e)), (after, true))),
        }
    });
    let mut calls = std::pin::pin!(
        pages
            .map(|page| async move { register_page(reg, client, journal, fields, list_path, page?).await })
            .buffer_unordered(workers.max(1))
    );
    let (mut sent, mut listed) = (0, 0);
    while let Some(done) = calls.next().await {
        let (s, l) = done?;
        (sent, listed) = (sent + s, listed + l);
    }
    Ok((sent, listed))
}

/// One page of users: those not registered yet in one call; the generated items listed.
async fn register_page(
    reg: &'static ApiEntry,
    client: &VendorClient,
    journal: &Shared,
    fields: &[String],
    list_path: &Path,
    page: Vec<KnownUser>,
) -> Result<(usize, usize), ImportError> {
    // Generated items not yet in the operator's list: (item, outcome, user).
    let mut to_list: Vec<(Value, Word, &str)> = Vec::new();
    // A user registered in an earlier run (or there already) is not registered again; one
    // whose registration failed or went unanswered is.
    let (answered, to_send): (Vec<&KnownUser>, Vec<&KnownUser>) =
        page.iter().partition(|u| u.outcome.is_some_and(Word::succeeded));
    for u in answered.into_iter().filter(|u| u.generated && !u.listed) {
        if let Ok(item) = serde_json::from_str::<Value>(&u.fields) {
            to_list.push((item, u.outcome.unwrap_or(Word::Outcome(Outcome::NotAttempted)), &u.id));
        }
    }
    if !to_send.is_empty() {
        let mut items = Vec::with_capacity(to_send.len());
        let mut generated = Vec::new();
        // Whether each item's fields were generated (now or in an earlier run).
        let mut made = Vec::with_capacity(to_send.len());
        for u in &to_send {
            let (item, fresh) = match serde_json::from_str::<Value>(&u.fields) {
                Ok(item) => (item, u.generated),
                Err(_) if fields.is_empty() => (shape::bare_item(reg, &u.id), false),
                Err(_) => {
                    let item =
                        generated_item(reg, &u.id, fields).map_err(|e| ImportError(format!("--register: {e}")))?;
                    generated.push((u.id.as_str(), item.to_string()));
                    (item, true)
                }
            };
            items.push(item);
            made.push(fresh);
        }
        // Generated fields are kept before they are sent: a rerun sends the same ones.
        journal.lock().save_generated(&generated)?;
        let ids: Vec<&str> = to_send.iter().map(|u| u.id.as_str()).collect();
        let (body, params) = shape::request(reg, &Fixed::default(), None, items.clone());
        let report = client.send(reg, &body, &params).await.map_err(|e| ImportError(format!("--register: {e}")))?;
        refused(&report, &ids)?;
        let outcomes: Vec<(&str, Outcome)> = ids.iter().zip(&report.items).map(|(u, o)| (*u, o.outcome)).collect();
        journal.lock().registered(&outcomes)?;
        for (i, ((u, item), made)) in to_send.iter().zip(items).zip(made).enumerate() {
            if made && !u.listed {
                let outcome = report.items.get(i).map_or(Outcome::NotAttempted, |o| o.outcome);
                to_list.push((item, outcome.into(), &u.id));
            }
        }
    }
    if to_list.is_empty() {
        return Ok((to_send.len(), 0));
    }
    let lines: String = to_list
        .iter()
        .filter_map(|(item, outcome, _)| {
            let mut item = item.clone();
            item.as_object_mut()?.insert("outcome".to_owned(), Value::from(outcome.as_str()));
            Some(format!("{item}\n"))
        })
        .collect();
    append_private(list_path, &lines).map_err(|e| {
        ImportError(format!("--register: {}: {e} (the journal keeps the generated fields)", list_path.display()))
    })?;
    let ids: Vec<&str> = to_list.iter().map(|(_, _, id)| *id).collect();
    journal.lock().mark_listed(&ids)?;
    Ok((to_send.len(), ids.len()))
}

/// The register API refused items (they came from the graph: generated values are valid):
/// the import stops before adding anything, naming the users.
fn refused(report: &imspec::runtime::Report, part: &[&str]) -> Result<(), ImportError> {
    let invalid: Vec<usize> =
        report.items.iter().enumerate().filter(|(_, o)| o.outcome == Outcome::Invalid).map(|(i, _)| i).collect();
    let mut why: Vec<String> = report
        .rejected
        .iter()
        .chain(report.violations.iter().filter(|v| item_index(&v.path).is_some_and(|i| invalid.contains(&i))))
        .map(|v| match item_index(&v.path).and_then(|i| part.get(i)) {
            Some(user) => format!("user `{user}`: {v}"),
            None => v.to_string(),
        })
        .collect();
    if why.is_empty() && !invalid.is_empty() {
        why = invalid.iter().filter_map(|i| part.get(*i)).map(|u| format!("user `{u}`: refused as invalid")).collect();
    }
    if why.is_empty() {
        return Ok(());
    }
    Err(ImportError(format!("--register: the register API refuses: {}", why.join("; "))))
}

/// Appends `text` to `path`, creating it readable by its owner only (it holds passwords).
fn append_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_data()
}

/// The index of the batch item a violation's path points into (`$[3].password` → 3).
fn item_index(path: &str) -> Option<usize> {
    let (_, rest) = path.split_once('[')?;
    rest.split_once(']')?.0.parse().ok()
}

/// A register item for `user`, with a generated value in each of `fields` (what the API
/// requires besides the id).
fn generated_item(reg: &ApiEntry, user: &str, fields: &[String]) -> Result<Value, String> {
    let mut item = shape::bare_item(reg, user);
    if let Some(obj) = item.as_object_mut() {
        for field in fields {
            let value =
                secret().map_err(|e| format!("cannot generate `{field}` for {user}: no OS randomness ({e})"))?;
            obj.insert(field.clone(), Value::from(value));
        }
    }
    Ok(item)
}

/// 16 random alphanumeric characters from the OS's generator (no fallback: a guessable
/// password is worse than none).
fn secret() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    // Bytes at or above the largest multiple of the alphabet's size are drawn again: every
    // character equally likely.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut out = String::with_capacity(16);
    while out.len() < 16 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        out.extend(
            bytes
                .iter()
                .filter(|b| **b < limit)
                .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
                .take(16 - out.len()),
        );
    }
    Ok(out)
}

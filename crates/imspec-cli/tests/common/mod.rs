//! Running the real `imspec` binary as a user does.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

pub mod graphs;

#[path = "../../../../tests/support/facts.rs"]
mod facts;
// Not every test file reads a fact.
#[allow(unused_imports)]
pub use facts::*;

/// Runs `imspec ARGS` from the repository root, feeding `stdin`.
pub fn imspec(args: &[&str], stdin: Option<&str>) -> Output {
    imspec_env(args, stdin, &[])
}

/// [`imspec`] with these environment variables set (and `RUST_LOG` unset unless given).
pub fn imspec_env(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_imspec"))
        .args(args)
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run imspec");
    if let Some(input) = stdin {
        // imspec may exit before reading (a bad argument): a closed pipe is not a test failure.
        let _ = child.stdin.take().expect("stdin").write_all(input.as_bytes());
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("imspec finishes")
}

/// A running `imspec emulator` on a free port; killed when dropped.
pub struct Emulator {
    child: Child,
    /// The first line it printed.
    pub first_line: String,
}

impl Emulator {
    pub fn start() -> Emulator {
        Emulator::start_with(&[])
    }

    /// `imspec emulator --listen 127.0.0.1:0 ARGS`.
    pub fn start_with(args: &[&str]) -> Emulator {
        Emulator::start_at("127.0.0.1:0", args)
    }

    /// `imspec emulator --listen ADDR ARGS` (a restart on the address of one that stopped).
    pub fn start_at(listen: &str, args: &[&str]) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_imspec"))
            .args(["emulator", "--listen", listen])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run imspec emulator");
        let mut first_line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first_line).expect("a first line");
        Emulator { child, first_line }
    }

    /// `http://ADDR` from `listening on http://ADDR`, if the first line says so.
    pub fn url(&self) -> Option<&str> {
        self.first_line.trim().strip_prefix("listening on ")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP/1.1 request on loopback (the control API): the status and the JSON body.
pub fn http(url: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    use std::io::Read as _;
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let status = out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let json = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    (status, serde_json::from_str(json).unwrap_or(Value::Null))
}

/// A config with the demo credentials whose emulator registers only registered ids.
pub fn no_auto_register_config() -> String {
    let path = std::env::temp_dir().join(format!("imspec-no-auto-register-{}.toml", std::process::id()));
    let demo =
        include_str!("../../../imspec-emulator/default.toml").replace("auto_register = true ", "auto_register = false");
    assert!(demo.contains("auto_register = false"));
    std::fs::write(&path, demo).expect("config");
    path.to_string_lossy().into_owned()
}

/// `imspec send API --endpoint URL --config FILE [ARGS] -` with `body` on stdin: exit code and JSON.
pub fn send(url: &str, config: &str, api: &str, args: &[&str], body: &str) -> (i32, Value) {
    let mut all = vec!["send", api, "--endpoint", url, "--config", config];
    all.extend(args);
    all.push("-");
    let o = imspec_env(&all, Some(body), &[]);
    let out = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{api}: stdout is not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), out)
}

/// `(user, outcome, extra)` of each item, where extra is a check's relation or registration.
pub fn items(out: &Value) -> Vec<(String, String, Value)> {
    out["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let extra = i.get("relation").or(i.get("registered")).or(i.get("code")).cloned().unwrap_or(Value::Null);
            (i["user"].as_str().unwrap_or("").to_owned(), i["outcome"].as_str().unwrap_or("").to_owned(), extra)
        })
        .collect()
}

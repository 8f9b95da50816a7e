//! Running the real `imspec` binary as a user does.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, Command, Output, Stdio};

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
        let mut child = Command::new(env!("CARGO_BIN_EXE_imspec"))
            .args(["emulator", "--listen", "127.0.0.1:0"])
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
pub fn http(url: &str, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
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
    (status, serde_json::from_str(json).unwrap_or(serde_json::Value::Null))
}

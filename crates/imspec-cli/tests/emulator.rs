//! `imspec emulator` as a user runs it: the first line names the address, the APIs and the
//! control API answer there, and a bad config is refused with exit 2 and a clear message.

mod common;

use common::Emulator;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::Command;

/// A raw HTTP/1.1 GET on loopback: no client library between the test and the wire.
fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

#[test]
fn the_first_line_is_the_address_and_the_emulator_answers_there() {
    let emulator = Emulator::start();
    let addr = emulator.url().and_then(|u| u.strip_prefix("http://")).map(str::to_owned);
    let stats = addr.as_deref().map(|a| get(a, "/_emulator/stats"));
    let first = emulator.first_line.clone();
    drop(emulator);
    let addr = addr.unwrap_or_else(|| panic!("first line was {first:?}"));
    assert!(addr.parse::<std::net::SocketAddr>().is_ok(), "{addr}");
    let stats = stats.unwrap_or_default();
    assert!(stats.starts_with("HTTP/1.1 200"), "{stats}");
    // Every API of the registry is served.
    for api in imspec::apis() {
        assert!(stats.contains(api.info.id), "{} is served: {stats}", api.info.id);
    }
}

#[test]
fn a_bad_config_is_refused_with_exit_2() {
    let dir = std::env::temp_dir().join(format!("imspec-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let file = dir.join("bad.toml");
    std::fs::write(&file, "[zego_zim]\napp_id = \"twelve\"\nserver_secret = \"s\"\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_imspec"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--config"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[zego_zim] `app_id`: expected an integer, found string"), "{err}");
    std::fs::write(&file, "[emulator]\nrate_limit = \"off\"\n").expect("write");
    let out =
        Command::new(env!("CARGO_BIN_EXE_imspec")).args(["emulator", "--config"]).arg(&file).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[emulator] `rate_limit`: unknown key"), "{err}");
}

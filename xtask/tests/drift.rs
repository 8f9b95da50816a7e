//! `cargo xtask drift`: output and exit codes, as a maintainer runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn drift(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).arg("drift").args(args).output().expect("run xtask");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("drift");
    std::fs::create_dir_all(&dir).expect("tmpdir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn a_seed_against_its_spec_exits_0_with_nothing_printed() {
    let seed = root().join("seeds/003_1c4dfcfb89ee9064.txt");
    let (code, stdout) = drift(&["zego_zim/add_friends", seed.to_str().expect("path")]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn a_changed_page_exits_1_with_one_line_per_difference() {
    let seed = std::fs::read_to_string(root().join("seeds/000_f40b817d19dc639d.txt")).expect("seed");
    let page = tmp("friend_import.md", seed.replacen("100次/秒", "200次/秒", 1).as_bytes());
    let page = page.to_str().expect("path");
    let (code, stdout) = drift(&["tencent_im/friend_import", page]);
    assert_eq!(code, 1);
    assert_eq!(stdout, format!("rate_limit: rate_limit: spec 100 -> page 200 ({page}:17)\n"));

    let (code, stdout) = drift(&["tencent_im/friend_import", page, "--json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(
        json,
        serde_json::json!({
            "api": "tencent_im/friend_import",
            "differences": [{ "kind": "rate_limit", "what": "rate_limit", "spec": 100, "page": 200, "line": 17 }],
            "missing": [],
        })
    );
}

#[test]
fn an_unreadable_page_exits_2() {
    assert_eq!(drift(&["tencent_im/friend_import", "/nonexistent/page.md"]).0, 2);
    let page = tmp("binary.md", &[0xff, 0xfe, 0x00]);
    assert_eq!(drift(&["tencent_im/friend_import", page.to_str().expect("path")]).0, 2);
}

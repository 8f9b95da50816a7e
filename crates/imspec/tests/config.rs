//! The config file is closed: every section and key is one something reads, and a typo is an
//! error naming the file, the place and the nearest known name.

use imspec::runtime::Config;

fn check(text: &str) -> Result<(), String> {
    Config::parse(text, "t.toml").map_err(|e| e.0)?.check(&imspec::apis()).map_err(|e| e.0)
}

#[test]
fn the_demo_file_and_its_pacing_section_pass() {
    check(imspec_emulator::DEFAULT_CONFIG).expect("the documented file");
    check(&format!("{}\n[pacing]\nredis_url = \"redis://127.0.0.1:6379\"\n", imspec_emulator::DEFAULT_CONFIG))
        .expect("with [pacing]");
    let config = Config::parse("[pacing]\nredis_url = \"redis://h:1\"\n", "t.toml").expect("parse");
    assert_eq!(config.redis_url.as_deref(), Some("redis://h:1"));
    assert!(config.vendors.is_empty(), "[pacing] is not a vendor's section");
}

#[test]
fn typos_are_named_with_the_nearest_known_name() {
    let demo = imspec_emulator::DEFAULT_CONFIG;
    for (text, says) in [
        (format!("{demo}\n[pacingg]\n"), "t.toml: unknown section `[pacingg]`; did you mean `[pacing]`?"),
        (
            format!("listn = \"x\"\n{demo}"),
            "t.toml: top-level key `listn` must be a vendor table, found string; did you mean `listen`?",
        ),
        (demo.replace("[zego_zim]", "[zego_zimm]"), "unknown section `[zego_zimm]`; did you mean `[zego_zim]`?"),
        (demo.replace("admin =", "admn ="), "t.toml: [tencent_im] unknown key `admn`; did you mean `admin`?"),
        (demo.replace("org =", "orgg ="), "[easemob] unknown key `orgg`; did you mean `org`?"),
        (format!("{demo}\n[nothing_like_it]\n"), "; known: `listen`, `[emulator]`, `[pacing]`"),
    ] {
        let err = check(&text).expect_err(says);
        assert!(err.contains(says), "{err}\nwanted: {says}");
    }
    // Keys a client reads besides credentials: base_url and region.
    check(&demo.replace("[zego_zim]\n", "[zego_zim]\nregion = \"x\"\nbase_url = \"http://h\"\n")).expect("client keys");
}

//! Each seed page against its own spec: nothing differs.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(api: &str, page: &str) -> imspec_drift::Report {
    let loaded = imspec_spec::load_dir_as(&root().join("specs"), "specs");
    assert!(!loaded.has_errors());
    let api = loaded.set.api(api).expect("api");
    imspec_drift::drift(api, page)
}

fn seed(file: &str) -> String {
    std::fs::read_to_string(root().join("seeds").join(file)).expect("seed")
}

#[test]
fn each_seed_against_its_spec_shows_nothing() {
    for (api, file) in [
        ("tencent_im/friend_import", "000_f40b817d19dc639d.txt"),
        ("tencent_im/friend_add", "001_08c38fb0787eb343.txt"),
        ("easemob/contacts_import", "002_d5c9c8a45b1a35b5.txt"),
        ("zego_zim/add_friends", "003_1c4dfcfb89ee9064.txt"),
    ] {
        let report = run(api, &seed(file));
        assert!(report.is_clean(), "{api}:\n{}", report.render(file));
    }
}

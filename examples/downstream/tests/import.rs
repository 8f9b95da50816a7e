//! The example against the emulator: 45 friends, one of them invalid, in 3 calls.

use imspec::zego_zim;
use imspec_example_downstream::{Next, import};

#[tokio::test]
async fn the_example_imports_a_batch_and_sorts_the_outcomes() {
    let config = imspec::runtime::Config::parse(imspec_emulator::DEFAULT_CONFIG, "demo").expect("config");
    let running = imspec_emulator::Emulator::new(&config).expect("emulator").spawn("127.0.0.1:0").await.expect("bind");
    let client = zego_zim::Client::new(&config).expect("client").with_base_url(&running.url()).expect("url");
    let mut friends: Vec<String> = (0..44).map(|i| format!("f{i}")).collect();
    friends.push("x".repeat(40));
    let ids: Vec<&str> = friends.iter().map(String::as_str).collect();
    let next = import(&client, "alice", &ids).await.expect("imported");
    assert_eq!(next.len(), 45);
    assert_eq!(next.iter().filter(|n| matches!(n, Next::Done(_))).count(), 44);
    assert!(matches!(&next[44], Next::Fix { why, .. } if why.contains("UserIdTooLong")), "{:?}", next[44]);
    assert_eq!(client.runtime().calls(), 3, "44 valid friends at 20 per call");
}

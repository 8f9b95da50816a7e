//! `cargo run -p imspec-example-downstream [CONFIG]`: imports 45 friends through the ZEGO
//! client. Without a config file it starts the emulator and uses its demo credentials.

use imspec::runtime::Config;
use imspec::zego_zim;
use imspec_example_downstream::{Next, import};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (config, _emulator) = match std::env::args().nth(1) {
        Some(path) => (Config::parse(&std::fs::read_to_string(&path)?, &path)?, None),
        None => {
            let config = Config::parse(imspec_emulator::DEFAULT_CONFIG, "demo config")?;
            let running = imspec_emulator::Emulator::new(&config)?.spawn("127.0.0.1:0").await?;
            (config, Some(running))
        }
    };
    let mut client = zego_zim::Client::new(&config)?;
    if let Some(running) = &_emulator {
        client = client.with_base_url(&running.url())?;
    }
    let mut friends: Vec<String> = (0..44).map(|i| format!("friend{i}")).collect();
    friends.push("someone-whose-id-is-far-longer-than-32-bytes".into());
    let ids: Vec<&str> = friends.iter().map(String::as_str).collect();
    for next in import(&client, "alice", &ids).await? {
        match next {
            Next::Done(user) => println!("done    {user}"),
            Next::Fix { user, why } => println!("fix     {user}: {why}"),
            Next::Report { user, why } => println!("report  {user}: {why}"),
            Next::Check(user) => println!("check   {user}: the service may hold it"),
        }
    }
    println!("{} calls", client.runtime().calls());
    Ok(())
}

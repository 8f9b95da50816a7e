//! The import as a library, from inside an async program: a graph the program holds, cancelled
//! halfway through its token and resumed, ends as an import that was never interrupted; the
//! same graph given as a file imports the same.

use imspec::runtime::Config;
use imspec_emulator::{Emulator, Running};
use imspec_example_downstream::import_graph;
use imspec_import::{Graph, Import, Summary};
use tokio_util::sync::CancellationToken;

async fn emulator() -> (Config, Running) {
    let config = Config::parse(imspec_emulator::DEFAULT_CONFIG, "demo").expect("config");
    let running = Emulator::new(&config).expect("emulator").spawn("127.0.0.1:0").await.expect("bind");
    (config, running)
}

/// `requesters` × 20 friends, and one line the service refuses (a user befriending itself).
fn graph(requesters: usize) -> Vec<(String, String)> {
    let mut edges: Vec<(String, String)> =
        (0..requesters).flat_map(|r| (0..20).map(move |f| (format!("r{r}"), format!("f{r}-{f}")))).collect();
    edges.push(("r0".into(), "r0".into()));
    edges
}

/// What a report says about the graph, without what differs from run to run (calls, times).
fn outcome(s: &Summary) -> String {
    format!("edges {} outcomes {:?} verified {:?} registered {:?}", s.edges, s.outcomes, s.verified, s.registered)
}

#[tokio::test]
async fn an_import_cancelled_halfway_and_resumed_reports_as_one_that_was_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, once) = emulator().await;
    let whole = import_graph(
        config,
        &once.url(),
        &dir.path().join("whole.journal"),
        graph(60),
        CancellationToken::new(),
        |_, _| {},
    )
    .await
    .expect("uninterrupted import");
    assert!(!whole.interrupted);
    assert_eq!(whole.outcomes.get("added"), Some(&1200), "{}", whole.to_json());
    assert_eq!(whole.outcomes.get("invalid"), Some(&1), "{}", whole.to_json());

    // Cancelled as the first call is answered: the calls in flight finish, nothing new is sent.
    let (config, twice) = emulator().await;
    let journal = dir.path().join("twice.journal");
    let cancel = CancellationToken::new();
    let on_first_answer = cancel.clone();
    let first = import_graph(config.clone(), &twice.url(), &journal, graph(60), cancel, move |done, _| {
        if done > 0 {
            on_first_answer.cancel();
        }
    })
    .await
    .expect("interrupted import");
    assert!(first.interrupted && !first.succeeded, "{}", first.to_json());
    // 60 calls at ZEGO's documented 20 calls/s take seconds: far from all were sent.
    assert!(first.sent < 1200, "{}", first.to_json());

    let resumed = import_graph(config, &twice.url(), &journal, graph(60), CancellationToken::new(), |_, _| {})
        .await
        .expect("resumed import");
    assert!(!resumed.interrupted);
    assert_eq!(outcome(&resumed), outcome(&whole));
    assert_eq!(first.sent + resumed.sent, 1200, "every valid edge sent once over the two runs");
}

#[tokio::test]
async fn a_graph_of_lines_imports_as_the_same_graph_in_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let edges = graph(5);
    let (config, for_lines) = emulator().await;
    let from_lines = import_graph(
        config.clone(),
        &for_lines.url(),
        &dir.path().join("lines.journal"),
        edges.clone(),
        CancellationToken::new(),
        |_, _| {},
    )
    .await
    .expect("lines");

    let file = dir.path().join("graph.jsonl");
    let text: String =
        edges.iter().map(|(from, to)| format!("{}\n", serde_json::json!({"FromUserId": from, "UserId": to}))).collect();
    std::fs::write(&file, text).expect("graph file");
    let (_, for_file) = emulator().await;
    let api = imspec::api("zego_zim/add_friends").expect("registry");
    let from_file = Import::new(api, Graph::file(&file))
        .endpoint(for_file.url())
        .credentials(config)
        .register(true)
        .verify(true)
        .run(CancellationToken::new())
        .await
        .expect("file");
    assert_eq!(outcome(&from_file), outcome(&from_lines));
    assert_eq!(from_file.journal, Some(dir.path().join("graph.jsonl.journal")), "a file's journal is beside it");
}

/// What the library refuses before it starts, and how it stops when told to while it waits
/// for a service: a wrong request is refused by `check` with nothing running; a graph of lines
/// needs a named journal or one kept in memory; a cancelled token ends the wait for a service
/// that never answers at once.
#[tokio::test]
async fn the_library_refuses_before_it_starts_and_stops_when_told() {
    let api = imspec::api("zego_zim/add_friends").expect("registry");
    let lines = || {
        Graph::lines(|| {
            let line = serde_json::json!({"FromUserId": "a", "UserId": "b"});
            line.as_object().cloned().into_iter().collect::<Vec<_>>()
        })
    };
    let wrong = Import::new(api, lines()).undo(true).register(true).check().expect_err("refused");
    assert!(wrong.0.contains("--undo does not go with --register"), "{wrong}");

    let (config, running) = emulator().await;
    let beside = Import::new(api, lines()).endpoint(running.url()).credentials(config.clone());
    let refused = beside.run(CancellationToken::new()).await.expect_err("no file to keep a journal beside");
    assert!(refused.0.contains("no file to keep its journal beside"), "{refused}");
    let in_memory = Import::new(api, lines())
        .endpoint(running.url())
        .credentials(config.clone())
        .in_memory_journal(true)
        .run(CancellationToken::new())
        .await
        .expect("a journal in memory");
    assert_eq!(in_memory.outcomes.get("added"), Some(&1), "{}", in_memory.to_json());

    // Accepts connections, never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", silent.local_addr().expect("an address"));
    let cancel = CancellationToken::new();
    cancel.cancel();
    let stopped = Import::new(api, lines()).endpoint(url).credentials(config).temporary_journal().run(cancel).await;
    assert!(stopped.as_ref().is_err_and(|e| e.0.contains("interrupted")), "{stopped:?}");
}

//! The runtime loop itself, headless: the real `runtime::run` with a test backend, the real
//! runner against the simulator, and a scripted key stream that starts once the first
//! snapshot has arrived (a signal, not a sleep).

use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use cutover::app::runner::Runner;
use cutover::app::{App, Context, Intervals, Msg, View};
use cutover::aws::{ConnectOptions, connect};
use cutover::config::Scope;
use cutover::console::runtime;
use cutover::sim::SimOptions;
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::common::{Sim, options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_draws_the_first_snapshot_answers_scripted_keys_and_quits() {
    let sim = Sim::start_with(SimOptions {
        speed: None,
        autopilot: Some(false),
        ..options()
    })
    .await;
    let clients = connect(&ConnectOptions {
        endpoint_url: Some(sim.endpoint()),
        region: Some("us-east-1".into()),
        static_credentials: Some(("AKIDTEST".into(), "secret".into())),
        ..ConnectOptions::default()
    })
    .await;
    // The runner's messages pass through here on their way to the loop: the first snapshot
    // taken opens the key stream.
    let (to_proxy, mut from_runner) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let (to_loop, messages) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let (snapshot_seen, snapshot_arrived) = tokio::sync::oneshot::channel::<()>();
    let (source_seen, snapshot_source) = tokio::sync::oneshot::channel::<usize>();
    tokio::spawn(async move {
        let mut signals = Some((snapshot_seen, source_seen));
        while let Some(msg) = from_runner.recv().await {
            let source = match &msg {
                Msg::SnapshotTaken { feed, .. } => Some(*feed),
                _ => None,
            };
            if to_loop.send(msg).is_err() {
                return;
            }
            if let Some(source) = source
                && let Some((snapshot_seen, source_seen)) = signals.take()
            {
                let _ = source_seen.send(source);
                let _ = snapshot_seen.send(());
            }
        }
    });
    let key = |c| -> std::io::Result<Event> {
        Ok(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    };
    let input = futures::stream::once(snapshot_arrived)
        .flat_map(move |_| futures::stream::iter(['2', 'j', 'q'].map(key)))
        .boxed();

    let started = Instant::now();
    let source = clients.source();
    let runner = Runner::new(clients, Scope::default(), started, to_proxy);
    let mut app = App::on(
        Context {
            clock_rate: 1.0,
            ..Context::default()
        },
        source,
        Intervals::default(),
    );
    app.height = 24;
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        runtime::run(
            &mut terminal,
            &mut app,
            &runner,
            messages,
            input,
            started,
            &mut |_| {},
        ),
    )
    .await
    .expect("the loop ends")
    .expect("the loop runs");

    assert!(app.quit, "q quits");
    let snapshot = app.snapshot(0).expect("the first snapshot was folded in");
    let feed = snapshot_source
        .await
        .expect("the snapshot's message names its source");
    assert_eq!(feed, 0, "the console's one source");
    let source = &snapshot.source;
    assert_eq!(source.region, "us-east-1");
    assert_eq!(
        source.account,
        snapshot.identity.as_ref().map(|i| i.account.clone()),
        "the snapshot's source knows the account it was read in"
    );
    assert!(source.account.is_some());
    assert_eq!(app.screen().view, View::Pipelines, "2 opens the pipelines");
    assert_eq!(app.screen().selected, 1, "j moves down one row");
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains("cutover"), "the header was drawn: {screen}");
    assert!(
        screen.contains("Pipelines (") && screen.contains("accounts-release"),
        "the pipelines were drawn: {screen}"
    );
}

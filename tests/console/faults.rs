//! The console under faults: the real `App` and `Runner` against the simulator's default
//! world (seed 3, manual clock) while the simulator's fault injection makes AWS misbehave,
//! switched on and off as the console runs. The App's clock is moved by hand (a step is a
//! `Msg::Tick`); the refresh that falls due goes to the runner, which makes the real calls
//! through the SDK with the console's own settings (standard retries, the SDK timeouts of
//! `aws::connect`), and its answer is folded in stamped with the App's clock. Each answer
//! must come within [`ANSWER_WITHIN`] of real time: no refresh hangs.
//!
//! Each test names the AWS source its fault's wire form follows; the simulator answers with
//! AWS's own codes and statuses (`sim::faults`).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cutover::app::runner::Runner;
use cutover::app::{App, Command, Context, Intervals, Mono, Msg, View, update};
use cutover::aws::snapshot::take;
use cutover::aws::{ConnectOptions, ErrorKind, connect};
use cutover::config::{Allowance, Budgets, Scope};
use cutover::model::Snapshot;
use cutover::sim::faults::Faults;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::common::Sim;
use crate::screens::{render, text};

/// How long one refresh may take, in real time, under any fault here. A dropped connection
/// fails an attempt at once and the SDK makes three with a jittered backoff of at most 1 s
/// and 2 s between them; the slowest refresh here, a cold snapshot through a CodePipeline
/// that takes 2 s a call, needs about 12 s. A hang (a call that never ends) would pass it.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);
/// The console's hot interval (`Intervals::default`): the step that makes a refresh due.
const HOT: u64 = 2_000;
/// The console's cold interval: a full snapshot is due this long after the last.
const COLD: u64 = 60_000;

/// What one refresh was and how long it took for real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cold,
    Hot,
}

#[derive(Debug)]
struct Answer {
    kind: Kind,
    took: Duration,
    /// The pipelines a hot refresh read (those running, with what is warm).
    pipelines: usize,
}

/// The console on the default world, driven step by step.
struct Console {
    sim: Sim,
    app: App,
    runner: Runner,
    rx: UnboundedReceiver<Msg>,
    /// The App's clock.
    now: Mono,
    /// The slowest answer so far.
    slowest: Duration,
}

impl Console {
    /// The console as it reads a live account (standard retries, the console's concurrency)
    /// with `profile` and `budgets`, on the default world; its first snapshot taken.
    async fn start(profile: Option<&str>, budgets: Option<Budgets>) -> Self {
        let sim = Sim::busy().await;
        let clients = connect(&ConnectOptions {
            endpoint_url: Some(sim.endpoint()),
            region: Some("us-east-1".into()),
            profile: profile.map(str::to_owned),
            static_credentials: Some(("AKIDTEST".into(), "secret".into())),
            concurrency: ConnectOptions::CONSOLE_CONCURRENCY,
            budgets,
            ..ConnectOptions::default()
        })
        .await;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let source = clients.source();
        let runner = Runner::new(clients, Scope::default(), Instant::now(), tx);
        let app = App::on(
            Context {
                clock_rate: 1.0,
                ..Context::default()
            },
            source,
            Intervals::default(),
        );
        let mut console = Self {
            sim,
            app,
            runner,
            rx,
            now: 0,
            slowest: Duration::ZERO,
        };
        let first = console.step(0).await;
        assert!(matches!(
            first,
            Some(Answer {
                kind: Kind::Cold,
                ..
            })
        ));
        assert!(
            console.app.feeds[0].snapshot.is_some(),
            "the first snapshot"
        );
        console
    }

    fn faults(&self, faults: Faults) {
        self.sim.handle.shared().set_faults(faults);
    }

    /// Moves the App's clock on by `ms` and sends the refresh that falls due, if one does.
    fn tick(&mut self, ms: u64) -> Option<Command> {
        self.now += ms;
        let commands = update(&mut self.app, Msg::Tick(self.now));
        assert!(commands.len() <= 1, "one refresh at a time: {commands:?}");
        let command = commands.into_iter().next()?;
        self.runner.run(command.clone());
        Some(command)
    }

    /// Waits for the answer of `command` and folds it in, stamped with the App's clock: of a
    /// hot refresh, the answer of each of its lanes.
    async fn answer(&mut self, command: &Command, sent: Instant) -> Answer {
        let answers = match command {
            Command::RefreshHot(_, set) => set.lanes().iter().count(),
            _ => 1,
        };
        let mut kind = Kind::Hot;
        for _ in 0..answers {
            let msg = tokio::time::timeout(ANSWER_WITHIN, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no answer to {command:?} within {ANSWER_WITHIN:?}"))
                .expect("the runner answers");
            kind = self.fold(msg);
        }
        let took = sent.elapsed();
        self.slowest = self.slowest.max(took);
        let pipelines = match command {
            Command::RefreshHot(_, set) => set.pipelines.len(),
            _ => 0,
        };
        Answer {
            kind,
            took,
            pipelines,
        }
    }

    /// Folds a refresh's answer in, stamped with the App's clock; which kind it was.
    fn fold(&mut self, msg: Msg) -> Kind {
        let (kind, msg) = match msg {
            Msg::SnapshotTaken {
                feed: 0,
                result,
                budgets,
                ..
            } => (
                Kind::Cold,
                Msg::SnapshotTaken {
                    at: self.now,
                    feed: 0,
                    result,
                    budgets,
                },
            ),
            Msg::HotRefreshed {
                feed: 0,
                update,
                server_time,
                budgets,
                ..
            } => (
                Kind::Hot,
                Msg::HotRefreshed {
                    at: self.now,
                    feed: 0,
                    update,
                    server_time,
                    budgets,
                },
            ),
            other => panic!("a refresh's answer, not {other:?}"),
        };
        update(&mut self.app, msg);
        kind
    }

    /// A tick of `ms` and the answer to what fell due.
    async fn step(&mut self, ms: u64) -> Option<Answer> {
        let sent = Instant::now();
        let command = self.tick(ms)?;
        Some(self.answer(&command, sent).await)
    }

    fn snapshot(&self) -> &Snapshot {
        self.app.feeds[0].snapshot.as_ref().expect("a snapshot")
    }

    fn screen(&mut self, width: u16, height: u16) -> String {
        text(&render(&mut self.app, width, height))
    }
}

/// What a person reads of the fleet: each pipeline with its latest execution's status, each
/// CodeDeploy and ECS deployment with its status.
fn facts(s: &Snapshot) -> BTreeSet<String> {
    let pipelines = s.pipelines.iter().map(|p| {
        let status = p.latest_execution().map_or("-", |e| e.status.as_str());
        format!("pipeline {} {status}", p.name)
    });
    let deployments = s
        .deployments
        .iter()
        .map(|d| format!("deployment {} {}", d.id, d.status));
    let ecs = s
        .service_deployments
        .iter()
        .map(|d| format!("ecs {} {}", d.arn, d.status));
    pipelines.chain(deployments).chain(ecs).collect()
}

/// Whether the screen goes from the header straight to the list: no line tells trouble.
fn no_trouble_line(screen: &str) -> bool {
    screen.lines().nth(1).is_some_and(|l| l.starts_with('┌'))
}

/// The fault on one service's calls only.
fn on(service: &str, faults: Faults) -> Faults {
    Faults {
        services: vec![service.to_owned()],
        ..faults
    }
}

/// Dropped connections follow no AWS error: the connection closes without an answer, which
/// the SDK classifies as a transient error and retries (aws-apis.md section 6.2, the
/// `TransientErrorClassifier`), then reports as a dispatch failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_endpoint_goes_away_the_data_stays_says_how_stale_it_is_and_comes_back_alone() {
    let mut console = Console::start(None, None).await;
    assert_eq!(console.step(HOT).await.map(|a| a.kind), Some(Kind::Hot));
    let before = facts(console.snapshot());

    console.faults(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    });
    assert_eq!(console.step(HOT).await.map(|a| a.kind), Some(Kind::Hot));
    assert_eq!(
        console.app.feeds[0].sync.stale(console.now),
        Some(2),
        "a hot refresh that read nothing brought no data"
    );
    // To the minute: the cold snapshot is due, and fails whole.
    let cold = console.step(COLD - 2 * HOT).await;
    assert_eq!(cold.map(|a| a.kind), Some(Kind::Cold));
    let error = console.app.feeds[0]
        .sync
        .error()
        .expect("the refresh failed");
    assert_eq!(error.kind, ErrorKind::Network, "{error}");
    assert_eq!(facts(console.snapshot()), before, "the data shown stays");
    let screen = console.screen(80, 24);
    for shown in [
        "refresh failed",
        "stale 58s",
        "check the network, the region and any --endpoint-url",
        "Needs attention (27)",
        "reviews-release",
    ] {
        assert!(screen.contains(shown), "{shown}:\n{screen}");
    }
    // While it is down, the snapshot is asked again at the hot rhythm, and still fails.
    assert_eq!(console.step(HOT).await.map(|a| a.kind), Some(Kind::Cold));
    assert!(console.screen(80, 24).contains("stale 1m 00s"));

    console.faults(Faults::default());
    let cleared = console.now;
    let back = console.step(HOT).await.expect("a refresh is due");
    assert!(
        console.app.feeds[0].sync.error().is_none(),
        "the error goes away"
    );
    assert_eq!(console.app.feeds[0].sync.stale(console.now), None);
    assert_eq!(console.app.feeds[0].sync.data_age(console.now), Some(0));
    assert_eq!(facts(console.snapshot()), before);
    let screen = console.screen(80, 24);
    assert!(!screen.contains("refresh failed"), "{screen}");
    assert!(no_trouble_line(&screen), "{screen}");
    eprintln!(
        "endpoint back: fresh data {} ms of the App's clock after the faults cleared \
         ({:?} {:?} for real); slowest answer while down {:?}",
        console.now - cleared,
        back.kind,
        back.took,
        console.slowest
    );
}

/// `ExpiredTokenException` (HTTP 400, awsJson1_1) and `ExpiredToken` (HTTP 403, the awsQuery
/// error XML of ELBv2 and STS): AWS's common error for a session whose token expired, in the
/// error shapes of aws-apis.md sections 1.2, 1.3 and 7.3; the SDK does not retry it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_credentials_name_the_login_with_the_profile_and_the_console_resumes_alone() {
    let mut console = Console::start(Some("prod"), None).await;
    let before = facts(console.snapshot());
    console.faults(Faults {
        expired_credentials: true,
        ..Faults::default()
    });
    assert_eq!(console.step(HOT).await.map(|a| a.kind), Some(Kind::Hot));
    let login = "the session expired: run `aws sso login --profile prod`";
    let screen = console.screen(80, 24);
    assert!(
        screen.lines().nth(1).is_some_and(|l| l.contains(login)),
        "the line under the header, on 80 columns:\n{screen}"
    );
    let cold = console.step(COLD - HOT).await;
    assert_eq!(cold.map(|a| a.kind), Some(Kind::Cold));
    let error = console.app.feeds[0].sync.error().expect("refused");
    assert_eq!(error.kind, ErrorKind::ExpiredCredentials, "{error}");
    let screen = console.screen(80, 24);
    assert!(screen.contains(login), "{screen}");
    assert!(screen.contains("stale 1m 00s"), "{screen}");
    assert_eq!(facts(console.snapshot()), before, "the data shown stays");

    // `aws sso login` in another terminal: the next refresh goes through.
    console.faults(Faults::default());
    let back = console.step(HOT).await.expect("a refresh is due");
    assert_eq!(back.kind, Kind::Cold, "the snapshot that failed, again");
    assert!(console.app.feeds[0].sync.error().is_none());
    let screen = console.screen(80, 24);
    assert!(no_trouble_line(&screen), "{screen}");
    eprintln!(
        "credentials renewed: fresh data one hot interval ({HOT} ms) later, {:?} for real",
        back.took
    );
}

/// ELBv2 answers a denied call with the awsQuery error XML, code `AccessDenied` (the shape
/// name without `Exception`, aws-apis.md sections 1.3 and 5.6), HTTP 403; the JSON services
/// with `AccessDeniedException`, HTTP 400 (sections 1.2 and 3.6). Neither is retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_operation_is_named_with_its_iam_action_and_everything_else_still_refreshes() {
    let mut console = Console::start(None, None).await;
    let before = facts(console.snapshot());
    console.faults(Faults {
        deny: vec!["elasticloadbalancing:DescribeTargetHealth".into()],
        ..Faults::default()
    });
    // A minute of hot refreshes (what is warm every 10 s, target health every 30 s), then
    // the full snapshot.
    let mut hot = 0;
    while console.now < COLD - HOT {
        let answer = console.step(HOT).await.expect("something moves");
        assert_eq!(answer.kind, Kind::Hot);
        assert_eq!(
            console.app.feeds[0].sync.hot().last_ok,
            Some(console.now),
            "the hot refresh still brings data"
        );
        hot += 1;
    }
    assert_eq!(console.step(HOT).await.map(|a| a.kind), Some(Kind::Cold));
    assert!(
        console.app.feeds[0].sync.cold().error.is_none(),
        "the snapshot is taken"
    );
    // The snapshot reads a still group's health only once its cached health is old: the
    // refusal it meets, if any, is the same one.
    let gaps: Vec<_> = console.snapshot().all_gaps().collect();
    assert!(
        gaps.iter()
            .all(|g| g.operation == "DescribeTargetHealth" && g.kind == "access_denied"),
        "{gaps:?}"
    );
    let refused = console.app.feeds[0]
        .sync
        .refused(console.now)
        .expect("the refusal is kept");
    assert_eq!(refused.operation, "DescribeTargetHealth");
    assert_eq!(facts(console.snapshot()), before, "everything else as read");
    let screen = console.screen(80, 24);
    assert!(
        screen
            .lines()
            .nth(1)
            .is_some_and(|l| l
                .contains("allow elasticloadbalancing:DescribeTargetHealth for this principal")),
        "the missing IAM action, on 80 columns:\n{screen}"
    );
    assert!(screen.contains("Needs attention (27)"), "{screen}");
    assert!(hot >= 25, "{hot} hot refreshes");
}

/// `InternalFailure`, HTTP 500 (CodePipeline's server fault; ECS sends `ServerException`),
/// the JSON error of aws-apis.md sections 1.2 and 7.3; the SDK retries a 500 twice (section
/// 6.2, `HttpStatusCodeClassifier`) before it reports it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_5xx_on_codepipeline_keeps_its_pipelines_and_the_other_services_move_on() {
    let mut console = Console::start(None, None).await;
    let pipelines: BTreeSet<String> = console
        .snapshot()
        .pipelines
        .iter()
        .map(|p| p.name.clone())
        .collect();
    console.faults(on(
        "codepipeline",
        Faults {
            error_rate: 1.0,
            ..Faults::default()
        },
    ));
    // Two minutes of the world moving on, refreshed as the console would, to the second
    // snapshot since the burst began.
    let mut moved = 0;
    while console.now < 2 * COLD {
        console.sim.advance(10);
        let in_flight = !console.snapshot().attention.in_flight.is_empty();
        let answer = console.step(HOT).await;
        if in_flight && answer.is_some_and(|a| a.kind == Kind::Hot) {
            assert_eq!(
                console.app.feeds[0].sync.hot().last_ok,
                Some(console.now),
                "the deployments in flight arrive"
            );
            moved += 1;
        }
    }
    assert!(moved > 20, "{moved} hot refreshes brought deployments");
    assert!(console.app.feeds[0].sync.cold().error.is_none());
    let shown = console.snapshot().clone();
    assert!(
        shown.gaps.iter().any(|g| g.service == "codepipeline"),
        "CodePipeline was not read: {:?}",
        shown.gaps
    );
    let names: BTreeSet<String> = shown.pipelines.iter().map(|p| p.name.clone()).collect();
    assert_eq!(names, pipelines, "the pipelines stay on screen");

    // What a fault-free read gives now, the world as it is: the deployments of CodeDeploy
    // and ECS arrived all along.
    console.faults(Faults::default());
    let clients = connect(&ConnectOptions {
        endpoint_url: Some(console.sim.endpoint()),
        region: Some("us-east-1".into()),
        static_credentials: Some(("AKIDTEST".into(), "secret".into())),
        ..ConnectOptions::default()
    })
    .await;
    let truth = take(&clients, &Scope::default()).await.expect("read");
    let not_pipelines = |s: &Snapshot| -> BTreeSet<String> {
        facts(s)
            .into_iter()
            .filter(|f| !f.starts_with("pipeline "))
            .collect()
    };
    assert_eq!(not_pipelines(&shown), not_pipelines(&truth));
    assert_ne!(
        not_pipelines(&truth),
        BTreeSet::new(),
        "there is something to compare"
    );
}

/// Latency is no AWS error: each call to CodePipeline simply answers 2 s late (the simulator
/// holds the answer), under the SDK's attempt timeout of 20 s (`aws::connect`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_seconds_of_latency_on_codepipeline_slow_only_the_refreshes_that_read_it() {
    let mut console = Console::start(None, None).await;
    let before = facts(console.snapshot());
    console.faults(on(
        "codepipeline",
        Faults {
            latency_ms: 2_000,
            ..Faults::default()
        },
    ));
    let mut quick = Vec::new();
    let mut with_pipelines = Vec::new();
    let mut cold = Vec::new();
    while console.now < COLD {
        let answer = console.step(HOT).await.expect("something moves");
        match (answer.kind, answer.pipelines) {
            (Kind::Cold, _) => cold.push(answer.took),
            (Kind::Hot, 0) => quick.push(answer.took),
            (Kind::Hot, _) => with_pipelines.push(answer.took),
        }
        assert_eq!(console.app.feeds[0].sync.data_age(console.now), Some(0));
    }
    assert!(console.app.feeds[0].sync.error().is_none());
    assert_eq!(facts(console.snapshot()), before, "nothing lost");
    assert!(!with_pipelines.is_empty() && cold.len() == 1);
    let slowest_quick = quick.iter().max().copied().unwrap_or_default();
    assert!(
        slowest_quick < Duration::from_secs(1),
        "a hot refresh that reads no pipeline does not wait for CodePipeline: {quick:?}"
    );
    assert!(
        with_pipelines.iter().all(|t| *t >= Duration::from_secs(2)),
        "one that reads the running pipelines waits for them: {with_pipelines:?}"
    );
    eprintln!(
        "CodePipeline at 2 s a call: hot refreshes without pipelines {quick:?}; with the \
         running pipelines {with_pipelines:?}; the cold snapshot {cold:?}"
    );
}

/// The same latency, the console run as it runs for real: its clock is real time, every
/// refresh that falls due is sent at once and each answer folded in as it comes. Each lane of
/// the hot refresh (one per AWS service) comes back on its own, and the hot refresh goes on
/// while the cold snapshot, slowed by CodePipeline, is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_in_flight_arrive_while_a_slow_codepipeline_is_still_read() {
    use cutover::aws::hot::Lane;
    let mut console = Console::start(None, None).await;
    console.faults(on(
        "codepipeline",
        Faults {
            latency_ms: 2_000,
            ..Faults::default()
        },
    ));
    // The cold snapshot falls due 3 s in; 12 s of real time in all.
    let base = COLD - 3_000;
    let started = Instant::now();
    let mut sent: Vec<(Lane, Instant)> = Vec::new();
    let mut took: Vec<(Lane, Duration, bool)> = Vec::new();
    let mut cold_sent = 0;
    while started.elapsed() < Duration::from_secs(12) {
        console.now = base + started.elapsed().as_millis() as Mono;
        for command in update(&mut console.app, Msg::Tick(console.now)) {
            match &command {
                Command::RefreshHot(_, set) => {
                    sent.extend(set.lanes().iter().map(|l| (l, Instant::now())));
                }
                Command::TakeSnapshot(_) => cold_sent += 1,
                _ => {}
            }
            console.runner.run(command);
        }
        let Ok(Some(msg)) =
            tokio::time::timeout(Duration::from_millis(20), console.rx.recv()).await
        else {
            continue;
        };
        if let Msg::HotRefreshed { update, .. } = &msg {
            let cold_running = console.app.feeds[0].sync.cold().in_flight;
            for lane in update.lanes.iter() {
                let at = sent
                    .iter()
                    .rposition(|(l, _)| *l == lane)
                    .map(|i| sent.remove(i).1)
                    .expect("a lane answers what was sent");
                took.push((lane, at.elapsed(), cold_running));
            }
        }
        console.fold(msg);
    }
    let quick: Vec<_> = took.iter().filter(|t| t.0 != Lane::CodePipeline).collect();
    let slow: Vec<_> = took.iter().filter(|t| t.0 == Lane::CodePipeline).collect();
    assert_eq!(cold_sent, 1, "the cold snapshot fell due once");
    assert!(
        quick.iter().all(|t| t.1 < Duration::from_secs(1)),
        "CodeDeploy, ECS and ELB do not wait for CodePipeline: {took:?}"
    );
    assert!(
        quick.iter().filter(|t| t.0 == Lane::CodeDeploy).count() >= 4,
        "the deployments in flight every 2 s: {took:?}"
    );
    assert!(
        quick.iter().any(|t| t.2),
        "read while the cold snapshot was: {took:?}"
    );
    assert!(
        slow.iter().all(|t| t.1 >= Duration::from_secs(2)),
        "CodePipeline's own lane waits for it: {slow:?}"
    );
    assert_eq!(console.app.feeds[0].sync.data_age(console.now), Some(0));
    eprintln!("lanes under a 2 s CodePipeline (lane, took, during the cold snapshot): {took:?}");
}

/// `ThrottlingException` (ECS, CodeDeploy, CodePipeline) and `Throttling` (ELBv2), HTTP 400,
/// "Rate exceeded": aws-apis.md section 6.1. The SDK retries them (section 6.2) and every
/// throttled attempt, retried or not, slows its service's budget (`aws::budget`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_throttling_the_data_converges_keys_answer_at_once_and_the_header_names_the_service()
{
    // Generous budgets, so that what slows them is the throttling alone.
    let generous = Allowance {
        rate: 50.0,
        burst: 100.0,
    };
    let budgets = Budgets {
        ecs: generous,
        elb: generous,
        codedeploy: generous,
        codepipeline: generous,
    };
    let mut console = Console::start(None, Some(budgets)).await;
    let before = facts(console.snapshot());
    console.faults(Faults {
        throttle_rate: 0.3,
        ..Faults::default()
    });
    // Three minutes at the warm rhythm: a warm refresh every 10 s, a snapshot every minute.
    let mut keys = Vec::new();
    while console.now < 3 * COLD {
        let sent = Instant::now();
        let Some(command) = console.tick(10_000) else {
            continue;
        };
        // A key while the refresh is out: answered at once, the refresh still in flight.
        let (key, view) = if console.app.screen().view == View::Pipelines {
            ('1', View::Overview)
        } else {
            ('2', View::Pipelines)
        };
        let pressed = Instant::now();
        let commands = update(
            &mut console.app,
            Msg::Key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE)),
        );
        keys.push(pressed.elapsed());
        assert!(commands.is_empty(), "{commands:?}");
        assert_eq!(console.app.screen().view, view);
        assert!(
            console.app.feeds[0].sync.cold().in_flight || console.app.feeds[0].sync.hot().in_flight
        );
        console.answer(&command, sent).await;
    }
    let last_gaps = console.snapshot().gaps.len();
    assert_eq!(
        facts(console.snapshot()),
        before,
        "what a read without throttling gives ({last_gaps} calls of the last snapshot failed)"
    );
    let slowest_key = keys.iter().max().copied().unwrap_or_default();
    assert!(slowest_key < Duration::from_millis(50), "{keys:?}");

    let first = console.app.feeds[0]
        .budgets
        .iter()
        .find(|b| b.is_backing_off())
        .copied()
        .expect("throttling slowed a budget");
    let screen = console.screen(160, 48);
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains(&format!("{} throttled · ", first.api.label()))
            && header.contains(" of 50/s"),
        "{header}"
    );
    eprintln!(
        "throttled at 30 %: keys answered within {slowest_key:?}; slowest refresh {:?}; \
         {last_gaps} gaps in the last snapshot; budgets {:?}",
        console.slowest, console.app.feeds[0].budgets
    );
}

/// The soak's question in small (`scripts/soak.py` asks it of the real binary over a virtual
/// day): refreshes through every fault in turn, round and round, leave no task behind. Each
/// refresh's tasks end with its answer and the SDK's connection tasks stay within its pool,
/// so the runtime's live tasks after the last round are about what they were after the
/// first; a task left behind by each refresh would add a round's refreshes (nine) each round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshes_through_every_fault_round_and_round_leave_no_task_behind() {
    let mut console = Console::start(None, None).await;
    let phases = [
        Faults {
            drop_rate: 1.0,
            ..Faults::default()
        },
        Faults {
            expired_credentials: true,
            ..Faults::default()
        },
        Faults {
            deny: vec!["elasticloadbalancing:DescribeTargetHealth".into()],
            ..Faults::default()
        },
        on(
            "codepipeline",
            Faults {
                error_rate: 0.5,
                ..Faults::default()
            },
        ),
        Faults {
            throttle_rate: 0.3,
            ..Faults::default()
        },
    ];
    let mut after_round = Vec::new();
    for _ in 0..3 {
        for faults in &phases {
            console.faults(faults.clone());
            console.step(HOT).await;
        }
        console.faults(Faults::default());
        // A cold snapshot, then hot refreshes without faults.
        console.step(COLD).await;
        for _ in 0..3 {
            console.step(HOT).await;
        }
        after_round.push(
            tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks(),
        );
    }
    eprintln!("live tasks after each round: {after_round:?}");
    let (first, last) = (after_round[0], after_round[after_round.len() - 1]);
    assert!(
        last <= first + 4,
        "live tasks grew from {first} to {last} over the rounds: {after_round:?}"
    );
}

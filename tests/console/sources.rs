//! One console over two sources: two simulators as two accounts (the default world, account
//! 123456789012, as `dev`; tests/worlds/modes.toml, account 444455556666, as `prod`,
//! protected). The update loop's commands run by the real runner, one set of clients per
//! source: both accounts on one screen, each row naming its source; an approval answered in
//! prod only, its audit record naming prod's account; then dev's simulator stopped, and prod
//! still refreshing under a banner that names dev.

use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cutover::app::actions::Step;
use cutover::app::rows::{Row, rows};
use cutover::app::runner::Runner;
use cutover::app::{App, Command, Context, Intervals, Mode, Msg, Origin, update};
use cutover::audit::Audit;
use cutover::aws::{Clients, ConnectOptions, connect};
use cutover::config::Scope;
use cutover::ops::Op;
use tokio::sync::mpsc::UnboundedReceiver;

/// The commit both accounts' releases run at, in the release test.
const COMMIT: &str = "9cfbd65a1e0c4d2b8f7a6e5d4c3b2a1908f7e6d5";

use crate::common::Sim;
use crate::screens::{render, text};

async fn clients_of(sim: &Sim) -> Clients {
    connect(&ConnectOptions {
        endpoint_url: Some(sim.endpoint()),
        region: Some("us-east-1".into()),
        max_attempts: Some(1),
        static_credentials: Some(("AKIDTEST".into(), "secret".into())),
        ..ConnectOptions::default()
    })
    .await
}

fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Runs the commands and folds each answer in (a hot refresh answers once per lane), until
/// none is left.
async fn settle(
    app: &mut App,
    runner: &Runner,
    rx: &mut UnboundedReceiver<Msg>,
    mut commands: Vec<Command>,
) {
    while !commands.is_empty() {
        let pending: usize = commands
            .iter()
            .map(|c| match c {
                Command::RefreshHot(_, set) => set.lanes().iter().count(),
                _ => 1,
            })
            .sum();
        for c in commands.drain(..) {
            runner.run(c);
        }
        let mut answered = 0;
        while answered < pending {
            let msg = tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await
                .expect("the runner answers")
                .expect("a message");
            if !matches!(msg, Msg::ActionProgress(_)) {
                answered += 1;
            }
            commands.extend(update(app, msg));
        }
    }
}

/// The waiting approvals of source `feed`: (pipeline, stage, action).
fn approvals(app: &App, feed: usize) -> Vec<(String, String, String)> {
    app.snapshot(feed)
        .map(|s| {
            s.attention
                .approvals
                .iter()
                .map(|w| (w.pipeline.clone(), w.stage.clone(), w.action.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_console_reads_two_accounts_acts_in_one_and_keeps_refreshing_the_other_alone() {
    let audit = std::env::temp_dir().join(format!(
        "cutover-console-sources-{}.jsonl",
        std::process::id()
    ));
    let (dev, _prod, mut app, runner, mut rx) = two_accounts_console(Vec::new(), &audit).await;

    // Both accounts on one screen: the header names each source and its account, and every
    // row its source; dev in its profile's colour, protected prod magenta and underlined.
    let buffer = render(&mut app, 160, 48);
    let screen = text(&buffer);
    let style_of = |word: &str| {
        let x = screen
            .lines()
            .next()
            .unwrap_or_default()
            .find(word)
            .expect(word);
        let x = screen.lines().next().unwrap_or_default()[..x]
            .chars()
            .count() as u16;
        buffer[(x, 0)].style()
    };
    assert_eq!(style_of("dev ").fg, Some(ratatui::style::Color::LightGreen));
    let prod_style = style_of("prod ");
    assert_eq!(prod_style.fg, Some(ratatui::style::Color::Magenta));
    assert!(
        prod_style
            .add_modifier
            .contains(ratatui::style::Modifier::UNDERLINED)
    );
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains("dev 123456789012") && header.contains("prod 444455556666"),
        "{header}"
    );
    // At 80×24 too: the source column and the header's sources come first.
    let small = text(&render(&mut app, 80, 24));
    let header = small.lines().next().unwrap_or_default();
    assert!(header.contains("dev") && header.contains("prod"), "{small}");
    assert!(small.lines().any(|l| l.starts_with("│dev ")), "{small}");
    let dev_gates = approvals(&app, 0);
    let prod_gates = approvals(&app, 1);
    assert!(!prod_gates.is_empty(), "a gate waits in prod:\n{screen}");
    let listed = rows(&app);
    assert!(listed.iter().any(|e| e.feed == 0 && !e.is_heading()));
    assert!(listed.iter().any(|e| e.feed == 1 && !e.is_heading()));
    for line in screen.lines().filter(|l| l.contains("release")) {
        assert!(
            line.trim_start_matches('│').trim_start().starts_with("dev")
                || line
                    .trim_start_matches('│')
                    .trim_start()
                    .starts_with("prod"),
            "each row names its source: {line}"
        );
    }

    // An approval in prod: the dialog goes to prod alone, and prod being protected, wants the
    // pipeline's name typed.
    let at = listed
        .iter()
        .position(|e| e.feed == 1 && matches!(e.row, Row::Approval { .. }))
        .expect("prod's approval row");
    let Row::Approval { pipeline, .. } = listed[at].row.clone() else {
        unreachable!()
    };
    app.screen_mut().selected = at;
    press(&mut app, KeyCode::Char('a'));
    typed(&mut app, "tested in dev");
    let commands = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(commands.as_slice(), [Command::Prepare(ops)] if matches!(&ops[..], [(1, Op::Approve(a))] if a.pipeline == pipeline)),
        "{commands:?}"
    );
    settle(&mut app, &runner, &mut rx, commands).await;
    let Mode::Dialog(dialog) = &app.mode else {
        panic!("no dialog: {:?}", app.mode)
    };
    let Step::Confirm { needs, places, .. } = &dialog.step else {
        panic!("{:?}", dialog.step)
    };
    assert_eq!(*needs, cutover::ops::Confirm::Typed(pipeline.clone()));
    assert_eq!(places, &vec!["prod (444455556666)".to_owned()]);
    typed(&mut app, &pipeline);
    let commands = press(&mut app, KeyCode::Enter);
    settle(&mut app, &runner, &mut rx, commands).await;
    let Mode::Dialog(dialog) = &app.mode else {
        panic!("no dialog: {:?}", app.mode)
    };
    let Step::Done { results } = &dialog.step else {
        panic!("{:?}", dialog.step)
    };
    assert!(
        matches!(&results[..], [(target, cutover::ops::Ended::Done(_))] if target.starts_with("prod · ")),
        "{results:?}"
    );
    press(&mut app, KeyCode::Esc);
    let again = vec![Command::ReadEverything(0), Command::ReadEverything(1)];
    settle(&mut app, &runner, &mut rx, again).await;
    assert_eq!(approvals(&app, 0), dev_gates, "nothing answered in dev");
    assert!(
        approvals(&app, 1).len() < prod_gates.len(),
        "{:?} → {:?}",
        prod_gates,
        approvals(&app, 1)
    );
    let records = std::fs::read_to_string(&audit).expect("the audit log");
    assert!(
        records.lines().count() >= 2
            && records
                .lines()
                .all(|l| l.contains("\"account\":\"444455556666\"")
                    && l.contains("\"source\":\"prod\"")),
        "{records}"
    );

    // Dev's simulator goes away: dev's banner names it; prod goes on refreshing.
    drop(dev);
    let started = Instant::now();
    let base = app.now + 1;
    let prod_before = app.feeds[1]
        .sync
        .hot()
        .last_ok
        .max(app.feeds[1].sync.cold().last_ok);
    loop {
        let now = base + started.elapsed().as_millis() as u64;
        let commands = update(&mut app, Msg::Tick(now));
        settle(&mut app, &runner, &mut rx, commands).await;
        let prod_now = app.feeds[1]
            .sync
            .hot()
            .last_ok
            .max(app.feeds[1].sync.cold().last_ok);
        if app.feeds[0].trouble(app.now).is_some() && prod_now > prod_before {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "dev in trouble: {:?}; prod refreshed: {prod_before:?} → {prod_now:?}",
            app.feeds[0].trouble(app.now)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(app.feeds[1].trouble(app.now).is_none(), "prod is well");
    let screen = text(&render(&mut app, 160, 48));
    let banner = screen.lines().nth(1).unwrap_or_default();
    assert!(banner.contains("✗ dev: "), "{screen}");
    assert!(
        !screen.lines().any(|l| l.contains("✗ prod")),
        "only dev's banner: {screen}"
    );
    let _ = std::fs::remove_file(audit);
}

/// The real binary over two profiles, each reaching its simulator through its
/// `endpoint_url` in the AWS config file (as the AWS CLI reads it): both accounts in the
/// header, rows of both, and `q` quits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reads_two_profiles_in_one_console() {
    if !crate::tmux::have_tmux() {
        return;
    }
    let (dev, prod) = Sim::two_accounts().await;
    let name = format!("cutover-sources-{}", std::process::id());
    let dir = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let mut profiles = String::new();
    for (profile, sim) in [("dev", &dev), ("prod", &prod)] {
        profiles.push_str(&format!(
            "[profile {profile}]\nregion = us-east-1\nendpoint_url = {}\n\
             aws_access_key_id = AKIDTEST\naws_secret_access_key = secret\n\n",
            sim.endpoint()
        ));
    }
    std::fs::write(dir.join("aws-config"), profiles).expect("AWS config file");
    let command = format!(
        "env -u AWS_PROFILE -u AWS_ENDPOINT_URL AWS_CONFIG_FILE={dir}/aws-config \
         AWS_SHARED_CREDENTIALS_FILE=/dev/null XDG_STATE_HOME={dir}/state \
         XDG_CONFIG_HOME={config} {bin} --profile dev --profile prod; \
         echo CUTOVER-EXITED; sleep 60",
        dir = dir.display(),
        config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/status/config"),
        bin = env!("CARGO_BIN_EXE_cutover"),
    );
    let session = name.clone();
    let (screen, after) = tokio::task::spawn_blocking(move || {
        let _tmux = crate::tmux::one_at_a_time();
        crate::tmux::new_session(&session, 140, 40, &command);
        let session = crate::tmux::Session(session);
        let screen =
            crate::tmux::wait_for(&session.0, "both accounts", Duration::from_secs(60), |t| {
                t.contains("dev 123456789012") && t.contains("prod 444455556666")
            });
        crate::tmux::tmux(&["send-keys", "-t", &session.0, "q"]);
        let after = crate::tmux::wait_for(
            &session.0,
            "the console to quit",
            Duration::from_secs(10),
            |t| t.contains("CUTOVER-EXITED"),
        );
        (screen, after)
    })
    .await
    .expect("ran");
    assert!(
        screen.lines().any(|l| l.starts_with("│dev ")),
        "dev's rows:\n{screen}"
    );
    assert!(
        !after.contains("dev 123456789012"),
        "the screen is restored"
    );
    drop((dev, prod));
    let _ = std::fs::remove_dir_all(dir);
}

/// The two accounts in one console with `releases` named, as the first snapshots leave it.
async fn two_accounts_console(
    releases: Vec<cutover::release::ReleaseDef>,
    audit: &Path,
) -> (Sim, Sim, App, Runner, UnboundedReceiver<Msg>) {
    let (dev, prod) = Sim::two_accounts().await;
    // Dev's autopilot has gates waiting a few minutes in; prod's is off, so a release is
    // started there and reaches its gate.
    prod.codepipeline()
        .start_pipeline_execution()
        .name("queued-release")
        .send()
        .await
        .expect("started");
    // One commit in both accounts: a release of its own (CodePipeline's sourceRevisions).
    dev.start_at("reviews-release", COMMIT).await;
    prod.start_at("parallel-release", COMMIT).await;
    dev.advance(600);
    prod.advance(600);
    let (dev_clients, prod_clients) = (clients_of(&dev).await, clients_of(&prod).await);
    // Dev in its profile's colour; prod protected: every action there wants a name typed.
    let origins = vec![
        Origin {
            label: "dev".into(),
            colour: Some("lightgreen".into()),
            ..Origin::of(dev_clients.source())
        },
        Origin {
            label: "prod".into(),
            protected: true,
            ..Origin::of(prod_clients.source())
        },
    ];
    let _ = std::fs::remove_file(audit);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::over(
        vec![(dev_clients, "dev".into()), (prod_clients, "prod".into())],
        Scope::default(),
        Instant::now(),
        tx,
    )
    .with_audit(Audit::at(audit.to_owned()));
    let mut app = App::over(
        Context {
            clock_rate: 1.0,
            releases,
            ..Context::default()
        },
        origins,
        Intervals::default(),
    );
    let first = update(&mut app, Msg::Tick(0));
    assert_eq!(
        first,
        vec![Command::TakeSnapshot(0), Command::TakeSnapshot(1)],
        "each source is read on its own"
    );
    settle(&mut app, &runner, &mut rx, first).await;
    (dev, prod, app, runner, rx)
}

/// The dialog's last step: how each action ended.
fn results(app: &App) -> Vec<(String, cutover::ops::Ended)> {
    match &app.mode {
        Mode::Dialog(d) => match &d.step {
            Step::Done { results } => results.clone(),
            other => panic!("the dialog is at {other:?}"),
        },
        other => panic!("no dialog: {other:?}"),
    }
}

/// A release across both accounts, from its screen: every gate waiting answered with one
/// comment and the release's name typed; then every deployment in flight rolled back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_is_approved_whole_and_rolled_back_whole_from_its_screen() {
    let audit = std::env::temp_dir().join(format!(
        "cutover-console-release-{}.jsonl",
        std::process::id()
    ));
    #[allow(
        clippy::needless_update,
        reason = "a release may carry more than the config file's fields"
    )]
    let release = cutover::release::ReleaseDef {
        name: "shipping".into(),
        pipelines: vec!["*-release".into()],
        services: vec!["*".into()],
        ..Default::default()
    };
    let (_dev, _prod, mut app, runner, mut rx) = two_accounts_console(vec![release], &audit).await;
    let gates = (approvals(&app, 0), approvals(&app, 1));
    assert!(!gates.0.is_empty() && !gates.1.is_empty(), "{gates:?}");

    // `6` lists the release; `enter` opens it, a row per member in both accounts.
    press(&mut app, KeyCode::Char('6'));
    let list = text(&render(&mut app, 160, 48));
    assert!(
        list.lines()
            .any(|l| l.contains("shipping") && l.contains("gates waiting")),
        "{list}"
    );
    // The pipelines at one commit in both accounts, without configuration.
    let shared = app
        .release("rev:9cfbd65")
        .expect("a release of the shared commit");
    let sources: Vec<&str> = shared.members.iter().map(|m| m.source.as_str()).collect();
    assert!(
        sources.contains(&"dev") && sources.contains(&"prod"),
        "{shared:?}"
    );
    assert!(list.contains("rev:9cfbd65"), "{list}");
    press(&mut app, KeyCode::Enter);
    let members = rows(&app);
    assert!(members.iter().any(|e| e.feed == 0) && members.iter().any(|e| e.feed == 1));
    let screen = text(&render(&mut app, 160, 48));
    assert!(screen.contains("Release shipping"), "{screen}");

    // `a`: one comment for every gate of both accounts, the release's name to confirm.
    press(&mut app, KeyCode::Char('a'));
    typed(&mut app, "release shipping");
    let commands = press(&mut app, KeyCode::Enter);
    let [Command::Prepare(ops)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(ops.len(), gates.0.len() + gates.1.len(), "{ops:?}");
    assert!(ops.iter().all(|(_, op)| matches!(op, Op::Approve(_))));
    settle(&mut app, &runner, &mut rx, commands).await;
    let Mode::Dialog(dialog) = &app.mode else {
        panic!("no dialog")
    };
    let Step::Confirm { needs, places, .. } = &dialog.step else {
        panic!("{:?}", dialog.step)
    };
    assert_eq!(*needs, cutover::ops::Confirm::Typed("shipping".into()));
    assert!(
        places.iter().any(|p| p.starts_with("dev "))
            && places.iter().any(|p| p.starts_with("prod "))
    );
    typed(&mut app, "shipping");
    let commands = press(&mut app, KeyCode::Enter);
    settle(&mut app, &runner, &mut rx, commands).await;
    let done = results(&app);
    assert_eq!(done.len(), gates.0.len() + gates.1.len());
    assert!(
        done.iter()
            .all(|(_, e)| matches!(e, cutover::ops::Ended::Done(_))),
        "{done:?}"
    );
    press(&mut app, KeyCode::Esc);
    let again = vec![Command::ReadEverything(0), Command::ReadEverything(1)];
    settle(&mut app, &runner, &mut rx, again).await;
    for (feed, before) in [(0, &gates.0), (1, &gates.1)] {
        let after = approvals(&app, feed);
        assert!(
            before.iter().all(|g| !after.contains(g)),
            "every gate answered in {feed}: {after:?}"
        );
    }

    // `B`: every deployment in flight of the release's services, in both accounts.
    let flying = |app: &App| -> Vec<(String, String)> {
        app.release("shipping")
            .expect("the release")
            .members
            .into_iter()
            .filter_map(|m| Some((m.source, m.deployment?.id)))
            .collect()
    };
    let before = flying(&app);
    assert!(!before.is_empty(), "deployments in flight");
    let commands = press(&mut app, KeyCode::Char('B'));
    let [Command::Prepare(ops)] = commands.as_slice() else {
        panic!("{commands:?} {:?}", app.message)
    };
    assert_eq!(ops.len(), before.len(), "{ops:?}");
    assert!(ops.iter().all(|(_, op)| matches!(op, Op::Rollback(_))));
    settle(&mut app, &runner, &mut rx, commands).await;
    typed(&mut app, "shipping");
    let commands = press(&mut app, KeyCode::Enter);
    settle(&mut app, &runner, &mut rx, commands).await;
    let done = results(&app);
    assert_eq!(done.len(), before.len(), "{done:?}");
    assert!(
        done.iter()
            .all(|(_, e)| matches!(e, cutover::ops::Ended::Done(_))),
        "{done:?}"
    );
    press(&mut app, KeyCode::Esc);
    let again = vec![Command::ReadEverything(0), Command::ReadEverything(1)];
    settle(&mut app, &runner, &mut rx, again).await;
    // A CodeDeploy deployment stopped gives way to its rollback, a new deployment; an ECS
    // service deployment rolls back in place (StopServiceDeployment ROLLBACK: the same
    // deployment goes ROLLBACK_REQUESTED, then ROLLBACK_IN_PROGRESS; ECS API reference).
    let after: Vec<(String, String, String)> = app
        .release("shipping")
        .expect("the release")
        .members
        .into_iter()
        .filter_map(|m| {
            let d = m.deployment?;
            Some((m.source, d.id, d.status))
        })
        .collect();
    for (source, id) in &before {
        let still = after.iter().find(|(s, i, _)| s == source && i == id);
        assert!(
            still.is_none_or(|(_, _, status)| status.starts_with("ROLLBACK")),
            "{id} stopped or rolling back: {after:?}"
        );
    }
    let records = std::fs::read_to_string(&audit).expect("the audit log");
    for source in ["\"source\":\"dev\"", "\"source\":\"prod\""] {
        assert!(records.contains(source), "{records}");
    }
    let _ = std::fs::remove_file(audit);
}

//! `update()` without a terminal or a network: navigation, filter, palette, refresh
//! scheduling.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::rows::Row;
use super::{App, Command, Context, Intervals, Mode, Msg, Subject, View, update};
use crate::model::attention::{Attention, InFlight, WaitingApproval};
use crate::model::deploy::Deployment;
use crate::model::pipeline::Pipeline;
use crate::model::progress::Phase;
use crate::model::status::DeploymentStatus;
use crate::model::time::Timestamp;
use crate::model::{Snapshot, Source};

fn deployment(id: &str, status: DeploymentStatus) -> Deployment {
    Deployment {
        created: Some(Timestamp(1_000)),
        ..Deployment::example(id, status)
    }
}

fn pipeline(name: &str) -> Pipeline {
    Pipeline::example(name)
}

/// A small fleet: one approval waiting, one deployment in flight, two pipelines.
pub(super) fn fleet() -> Snapshot {
    Snapshot {
        taken_at: Timestamp(60_000),
        pipelines: vec![pipeline("ledger-release"), pipeline("billing-release")],
        deployments: vec![
            deployment("d-INFLIGHT1", DeploymentStatus::InProgress),
            deployment("d-DONE00001", DeploymentStatus::Succeeded),
        ],
        attention: Attention {
            approvals: vec![WaitingApproval {
                pipeline: "ledger-release".into(),
                stage: "Approval".into(),
                action: "ApproveProduction".into(),
                execution_id: None,
                waiting_since: Some(Timestamp(0)),
                token: "t".into(),
                source: None,
                deploys_to: None,
            }],
            in_flight: vec![InFlight {
                deployment_id: "d-INFLIGHT1".into(),
                application: "payments".into(),
                deployment_group: "ledger".into(),
                status: DeploymentStatus::InProgress,
                phase: Phase::Shifting,
                percent_on_green: 10.0,
                next_at: Some(Timestamp(120_000)),
                rollback: false,
            }],
            ..Attention::default()
        },
        ..Snapshot::default()
    }
}

/// Where the tests' console reads and acts.
fn source() -> Source {
    Source {
        region: "us-east-1".into(),
        ..Source::default()
    }
}

pub(super) fn app_with_fleet() -> App {
    app_with(fleet())
}

/// The console on `snapshot`, as the first full read leaves it.
fn app_with(snapshot: Snapshot) -> App {
    let mut app = App::on(
        Context {
            clock_rate: 1.0,
            ..Context::default()
        },
        source(),
        Intervals::default(),
    );
    update(
        &mut app,
        Msg::SnapshotTaken {
            at: 0,
            feed: 0,
            result: Ok(Box::new(snapshot)),
            budgets: Vec::new(),
        },
    );
    app
}

/// The rows of the screen, without their sources (the tests' console reads one).
pub(super) fn plain_rows(app: &App) -> Vec<Row> {
    super::rows::rows(app).into_iter().map(|e| e.row).collect()
}

/// The ops a `Prepare` asks for, without their sources.
pub(super) fn ops_of(ops: &[(super::FeedId, crate::ops::Op)]) -> Vec<crate::ops::Op> {
    ops.iter().map(|(_, op)| op.clone()).collect()
}

pub(super) fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

#[test]
fn the_cursor_skips_headings_and_enter_opens_the_row() {
    let mut app = app_with_fleet();
    let rows = plain_rows(&app);
    assert!(matches!(rows[0], Row::Heading(_)));
    assert_eq!(
        app.screen().selected,
        1,
        "the cursor starts on the first real row"
    );
    key(&mut app, KeyCode::Down);
    assert_eq!(app.screen().selected, 3, "the heading between is skipped");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen().view, View::Deployment);
    assert_eq!(
        app.screen().subject.as_ref().map(Subject::name),
        Some("d-INFLIGHT1")
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen().view, View::Overview);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.stack.len(), 1, "back stops at home");
}

#[test]
fn filter_narrows_the_list_as_you_type_and_esc_clears_it() {
    let mut app = app_with_fleet();
    key(&mut app, KeyCode::Char('2'));
    assert_eq!(app.screen().view, View::Pipelines);
    assert_eq!(plain_rows(&app).len(), 2);
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.mode, Mode::Filter);
    typed(&mut app, "bill");
    assert_eq!(
        plain_rows(&app),
        vec![Row::Pipeline {
            name: "billing-release".into()
        }]
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.screen().filter, "bill", "enter keeps the filter");
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::Esc);
    assert!(app.screen().filter.is_empty());
    assert_eq!(plain_rows(&app).len(), 2);
}

#[test]
fn the_palette_jumps_to_screens_and_to_things_by_name() {
    let mut app = app_with_fleet();
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "serv");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen().view, View::Services);
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "d-INFL");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        (
            app.screen().view,
            app.screen().subject.as_ref().map(Subject::name)
        ),
        (View::Deployment, Some("d-INFLIGHT1"))
    );
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "billing");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.screen().subject.as_ref().map(Subject::name),
        Some("billing-release")
    );
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "no-such-thing");
    key(&mut app, KeyCode::Enter);
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("no-such-thing")),
        "a miss says so"
    );
    assert_eq!(
        app.screen().subject.as_ref().map(Subject::name),
        Some("billing-release"),
        "and goes nowhere"
    );
}

#[test]
fn unknown_keys_change_nothing() {
    let mut app = app_with_fleet();
    let before = (app.stack.clone(), app.mode.clone());
    for code in [KeyCode::Char('X'), KeyCode::F(5), KeyCode::Char('Z')] {
        assert!(key(&mut app, code).is_empty());
    }
    assert_eq!((app.stack.clone(), app.mode.clone()), before);
}

#[test]
fn refreshes_are_scheduled_by_heat_one_at_a_time() {
    let mut app = App::new(
        Context {
            clock_rate: 1.0,
            ..Context::default()
        },
        Intervals::default(),
    );
    assert_eq!(
        update(&mut app, Msg::Tick(0)),
        vec![Command::TakeSnapshot(0)]
    );
    assert!(
        update(&mut app, Msg::Tick(500)).is_empty(),
        "no second snapshot while one runs"
    );
    update(
        &mut app,
        Msg::SnapshotTaken {
            at: 1_000,
            feed: 0,
            result: Ok(Box::new(fleet())),
            budgets: Vec::new(),
        },
    );
    assert!(
        update(&mut app, Msg::Tick(2_000)).is_empty(),
        "the hot interval has not passed"
    );
    let hot = update(&mut app, Msg::Tick(3_000));
    let [Command::RefreshHot(0, set)] = hot.as_slice() else {
        panic!("a hot refresh: {hot:?}")
    };
    assert!(
        set.deployments.contains("d-INFLIGHT1"),
        "what moves is refreshed"
    );
    assert!(
        !set.deployments.contains("d-DONE00001"),
        "what is done is not"
    );
    assert!(
        update(&mut app, Msg::Tick(6_000)).is_empty(),
        "not while the hot one runs"
    );
    update(
        &mut app,
        Msg::HotRefreshed {
            at: 6_500,
            feed: 0,
            update: Box::new(every_lane()),
            server_time: None,
            budgets: Vec::new(),
        },
    );
    assert_eq!(
        update(&mut app, Msg::Tick(61_000)),
        vec![Command::TakeSnapshot(0)],
        "the cold one comes every minute"
    );
}

#[test]
fn r_refreshes_now_and_a_failed_refresh_keeps_the_data() {
    let mut app = app_with_fleet();
    update(&mut app, Msg::Tick(1_000));
    assert!(!app.feeds[0].sync.cold().in_flight && !app.feeds[0].sync.hot().in_flight);
    key(&mut app, KeyCode::Char('r'));
    assert_eq!(
        update(&mut app, Msg::Tick(1_100)),
        vec![Command::ReadEverything(0)]
    );
    update(
        &mut app,
        Msg::SnapshotTaken {
            at: 1_200,
            feed: 0,
            result: Err(crate::aws::AwsError {
                kind: crate::aws::ErrorKind::Throttled,
                code: Some("ThrottlingException".into()),
                ..crate::aws::AwsError::local("ecs", "DescribeServices", "Rate exceeded")
            }),
            budgets: Vec::new(),
        },
    );
    assert_eq!(
        app.feeds[0]
            .sync
            .cold()
            .error
            .as_ref()
            .map(|e| (e.kind, e.operation)),
        Some((crate::aws::ErrorKind::Throttled, "DescribeServices"))
    );
    assert!(
        app.feeds[0]
            .snapshot
            .as_ref()
            .is_some_and(|s| s.pipelines.len() == 2),
        "the last data stays"
    );
}

#[test]
fn a_still_screen_is_not_redrawn_every_tick() {
    let mut app = App::new(
        Context {
            clock_rate: 1.0,
            ..Context::default()
        },
        Intervals::default(),
    );
    let mut quiet = fleet();
    quiet.attention = Attention::default();
    update(
        &mut app,
        Msg::SnapshotTaken {
            at: 0,
            feed: 0,
            result: Ok(Box::new(quiet)),
            budgets: Vec::new(),
        },
    );
    app.dirty = false;
    for t in 1..20 {
        update(&mut app, Msg::Tick(t * 250));
    }
    assert!(!app.dirty, "nothing moves, nothing is drawn");
    update(
        &mut app,
        Msg::SnapshotTaken {
            at: 6_000,
            feed: 0,
            result: Ok(Box::new(fleet())),
            budgets: Vec::new(),
        },
    );
    app.dirty = false;
    update(&mut app, Msg::Tick(7_000));
    assert!(app.dirty, "a countdown on screen redraws each second");
}

#[test]
fn q_quits_and_help_opens_and_closes() {
    let mut app = app_with_fleet();
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.mode, Mode::Help);
    key(&mut app, KeyCode::Char('q'));
    assert_eq!(
        app.mode,
        Mode::Normal,
        "a key closes help, it does not quit"
    );
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn a_hot_refresh_that_changes_nothing_draws_nothing() {
    let mut linked = fleet();
    linked.link();
    let mut app = app_with(linked);
    app.dirty = false;
    app.drawn_at = 0;
    update(
        &mut app,
        Msg::HotRefreshed {
            at: 1_000,
            feed: 0,
            update: Box::new(every_lane()),
            server_time: Some(Timestamp(61_000)),
            budgets: Vec::new(),
        },
    );
    assert!(!app.dirty, "same data, no frame");
    let mut changed = every_lane();
    let mut d = deployment("d-INFLIGHT1", DeploymentStatus::Succeeded);
    d.completed = Some(Timestamp(61_000));
    changed.deployments.push(d);
    update(
        &mut app,
        Msg::HotRefreshed {
            at: 2_000,
            feed: 0,
            update: Box::new(changed),
            server_time: Some(Timestamp(62_000)),
            budgets: Vec::new(),
        },
    );
    assert!(app.dirty, "a deployment that finished is drawn");
}

#[test]
fn a_hot_refresh_that_read_nothing_leaves_the_data_and_its_age() {
    let mut linked = fleet();
    linked.link();
    let mut app = app_with(linked.clone());
    let dropped = crate::aws::hot::HotUpdate {
        errors: vec![crate::aws::AwsError::local(
            "ecs",
            "DescribeServiceDeployments",
            "connection closed before message completed",
        )],
        ..every_lane()
    };
    update(&mut app, Msg::Tick(4_000));
    update(
        &mut app,
        Msg::HotRefreshed {
            at: 5_000,
            feed: 0,
            update: Box::new(dropped),
            server_time: Some(Timestamp(65_000)),
            budgets: Vec::new(),
        },
    );
    assert_eq!(
        app.feeds[0].snapshot.as_ref(),
        Some(&linked),
        "the data as it was"
    );
    assert_eq!(
        app.feeds[0].data_at, 0,
        "the data's clock runs on from the last read"
    );
    assert_eq!(app.feeds[0].sync.data_age(9_000), Some(9));
    assert_eq!(app.feeds[0].sync.stale(9_000), Some(9));
    assert!(app.feeds[0].sync.error().is_some());
}

#[test]
fn a_refresh_brings_the_budgets_and_redraws_only_when_the_header_would_change() {
    use crate::model::budget::{Api, BudgetState};
    use std::time::Duration;
    let elb = |current: f64, for_secs: Option<u64>| BudgetState {
        api: Api::Elb,
        configured: 2.0,
        current,
        backing_off: for_secs.map(Duration::from_secs),
    };
    let mut linked = fleet();
    linked.link();
    let mut app = app_with(linked);
    let refreshed = |at, budgets| Msg::HotRefreshed {
        at,
        feed: 0,
        update: Box::new(every_lane()),
        server_time: Some(Timestamp(61_000)),
        budgets,
    };
    app.dirty = false;
    update(&mut app, refreshed(1_000, vec![elb(2.0, None)]));
    assert!(app.dirty, "the first budgets read");
    app.dirty = false;
    update(&mut app, refreshed(2_000, vec![elb(1.0, Some(0))]));
    assert!(app.dirty, "ELB slowed down");
    assert_eq!(app.feeds[0].budgets, vec![elb(1.0, Some(0))]);
    app.dirty = false;
    update(&mut app, refreshed(3_000, vec![elb(1.0, Some(5))]));
    assert!(!app.dirty, "only older: the header reads the same");
    update(&mut app, refreshed(4_000, vec![elb(2.0, None)]));
    assert!(app.dirty, "back to full speed");
}

#[test]
fn a_click_selects_the_row_under_it_and_the_wheel_moves() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut app = app_with_fleet();
    let click = |row: u16| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 10,
        row,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut app, Msg::Mouse(click(3 + 3)));
    assert_eq!(
        app.screen().selected,
        3,
        "the fourth row, under the table header"
    );
    update(&mut app, Msg::Mouse(click(3 + 2)));
    assert_eq!(app.screen().selected, 3, "a heading is not selectable");
    update(
        &mut app,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollUp,
            column: 0,
            row: 0,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(app.screen().selected, 1);
}

mod actions;
mod alerts;
mod gates;

#[test]
fn a_ready_wait_and_a_pause_hook_wait_on_a_person_beside_the_approvals_not_among_the_moving() {
    use crate::model::DeploymentRef;
    use crate::model::attention::{EcsInFlight, WaitingHook};
    use crate::model::status::ServiceDeploymentStatus;
    let arn = "arn:aws:ecs:us-east-1:1:service-deployment/lab/shop/abc";
    let mut s = fleet();
    s.attention.in_flight[0].phase = Phase::ReadyWait;
    s.attention.hooks.push(WaitingHook {
        deployment_arn: arn.into(),
        cluster: "lab".into(),
        service: "shop".into(),
        hook_id: "pause-1".into(),
        stage: None,
        expires_at: None,
        seconds_left: None,
        timeout_action: None,
    });
    s.attention.in_flight_ecs.push(EcsInFlight {
        arn: arn.into(),
        cluster: "lab".into(),
        service: "shop".into(),
        status: ServiceDeploymentStatus::InProgress,
        stage: None,
        strategy: None,
        percent_on_green: None,
        percent_from: None,
        rollback: false,
    });
    let app = app_with(s);
    let rows = plain_rows(&app);
    let ecs = Row::Deployment {
        id: DeploymentRef::Ecs(arn.into()),
    };
    let ready = Row::Deployment {
        id: DeploymentRef::CodeDeploy("d-INFLIGHT1".into()),
    };
    let hook = Row::Hook {
        deployment: arn.into(),
        hook: "pause-1".into(),
    };
    let at = |row: &Row| rows.iter().position(|r| r == row);
    let moving = at(&Row::Heading("Deployments in flight")).expect("a heading");
    assert_eq!(rows[0], Row::Heading("Waiting on a person"));
    assert!(at(&ready).is_some_and(|i| i < moving), "{rows:?}");
    assert!(at(&hook).is_some_and(|i| i < moving), "{rows:?}");
    assert_eq!(
        rows.iter().filter(|r| **r == ready).count(),
        1,
        "listed once"
    );
    assert!(at(&ecs).is_some_and(|i| i > moving), "{rows:?}");
    // The hook's row opens its deployment.
    assert_eq!(
        hook.opens(0).and_then(|s| s.subject),
        Some(Subject::Deployment(DeploymentRef::Ecs(arn.into())))
    );
}

/// A hot refresh of every lane that read nothing new.
fn every_lane() -> crate::aws::hot::HotUpdate {
    crate::aws::hot::HotUpdate {
        lanes: crate::aws::hot::Lanes::ALL,
        ..crate::aws::hot::HotUpdate::default()
    }
}

#[test]
fn what_the_hot_refresh_read_while_a_snapshot_was_read_is_not_undone_when_it_lands() {
    let mut app = app_with_fleet();
    let status = |app: &App| {
        app.feeds[0]
            .snapshot
            .as_ref()
            .and_then(|s| s.deployments.iter().find(|d| d.id == "d-INFLIGHT1"))
            .map(|d| d.status.clone())
    };
    let finished = |at: u64| {
        let mut d = deployment("d-INFLIGHT1", DeploymentStatus::Succeeded);
        d.completed = Some(Timestamp(at as i64));
        Msg::HotRefreshed {
            at,
            feed: 0,
            update: Box::new(crate::aws::hot::HotUpdate {
                lanes: crate::aws::hot::Lanes::one(crate::aws::hot::Lane::CodeDeploy),
                deployments: vec![d],
                ..crate::aws::hot::HotUpdate::default()
            }),
            server_time: Some(Timestamp(at as i64 + 60_000)),
            budgets: Vec::new(),
        }
    };
    update(&mut app, finished(2_000));
    assert!(
        app.feeds[0].hot_while_cold.is_empty(),
        "no snapshot was being read"
    );
    assert_eq!(
        update(&mut app, Msg::Tick(60_000)),
        vec![Command::TakeSnapshot(0)]
    );
    // The snapshot read the deployment early; the hot refresh read it after, finished.
    update(&mut app, finished(61_000));
    assert_eq!(app.feeds[0].hot_while_cold.len(), 1);
    update(
        &mut app,
        Msg::SnapshotTaken {
            at: 62_000,
            feed: 0,
            result: Ok(Box::new(fleet())),
            budgets: Vec::new(),
        },
    );
    assert_eq!(status(&app), Some(DeploymentStatus::Succeeded));
    assert_eq!(
        app.feeds[0].snapshot.as_ref().map(|s| s.taken_at),
        Some(Timestamp(121_000)),
        "the newer of the two reads"
    );
    assert!(app.feeds[0].hot_while_cold.is_empty());
}

#[test]
fn o_sorts_a_list_by_each_column_in_turn_and_capital_o_reverses() {
    let mut app = app_with_fleet();
    key(&mut app, KeyCode::Char('o'));
    assert_eq!(
        app.screen().sort,
        None,
        "the overview keeps attention first"
    );
    key(&mut app, KeyCode::Char('2'));
    let names = |app: &App| -> Vec<String> {
        plain_rows(app)
            .into_iter()
            .map(|r| match r {
                Row::Pipeline { name } => name,
                other => panic!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(
        names(&app),
        ["ledger-release", "billing-release"],
        "as read"
    );
    key(&mut app, KeyCode::Char('o'));
    assert_eq!(
        app.screen().sort,
        Some(super::Sort {
            by: super::Column::Name,
            descending: false
        }),
        "one source: no source column to sort by"
    );
    assert_eq!(names(&app), ["billing-release", "ledger-release"]);
    key(&mut app, KeyCode::Char('O'));
    assert_eq!(names(&app), ["ledger-release", "billing-release"]);
    for column in [super::Column::State, super::Column::Age] {
        key(&mut app, KeyCode::Char('o'));
        assert_eq!(app.screen().sort.map(|s| s.by), Some(column));
    }
    key(&mut app, KeyCode::Char('o'));
    assert_eq!(app.screen().sort, None, "back to the list's own order");
    assert_eq!(names(&app), ["ledger-release", "billing-release"]);
}

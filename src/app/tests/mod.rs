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
        id: id.to_owned(),
        application: "payments".into(),
        deployment_group: "ledger".into(),
        config: "CodeDeployDefault.ECSAllAtOnce".into(),
        status,
        creator: None,
        description: None,
        created: Some(Timestamp(1_000)),
        started: None,
        completed: None,
        error: None,
        rollback_of: None,
        rolled_back_by: None,
        rollback_message: None,
        termination_wait_started: false,
        ready_action: None,
        ready_wait_minutes: 0,
        termination_wait_minutes: 0,
        revision: None,
        target: None,
        progress: None,
    }
}

fn pipeline(name: &str) -> Pipeline {
    Pipeline {
        name: name.into(),
        arn: None,
        version: None,
        execution_mode: crate::model::status::ExecutionMode::Superseded,
        stages: Vec::new(),
        executions: Vec::new(),
        pending: Vec::new(),
        failures: Vec::new(),
    }
}

/// A small fleet: one approval waiting, one deployment in flight, two pipelines.
fn fleet() -> Snapshot {
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

fn app_with_fleet() -> App {
    app_with(fleet())
}

/// The console on `snapshot`, as the first full read leaves it.
fn app_with(snapshot: Snapshot) -> App {
    let mut app = App::new(
        Context {
            source: source(),
            clock_rate: 1.0,
            ..Context::default()
        },
        Intervals::default(),
    );
    update(
        &mut app,
        Msg::SnapshotTaken {
            at: 0,
            source: source(),
            result: Ok(Box::new(snapshot)),
        },
    );
    app
}

fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
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
    let rows = super::rows::rows(&app);
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
    assert_eq!(super::rows::rows(&app).len(), 2);
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.mode, Mode::Filter);
    typed(&mut app, "bill");
    assert_eq!(
        super::rows::rows(&app),
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
    assert_eq!(super::rows::rows(&app).len(), 2);
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
    assert_eq!(update(&mut app, Msg::Tick(0)), vec![Command::TakeSnapshot]);
    assert!(
        update(&mut app, Msg::Tick(500)).is_empty(),
        "no second snapshot while one runs"
    );
    update(
        &mut app,
        Msg::SnapshotTaken {
            at: 1_000,
            source: source(),
            result: Ok(Box::new(fleet())),
        },
    );
    assert!(
        update(&mut app, Msg::Tick(2_000)).is_empty(),
        "the hot interval has not passed"
    );
    let hot = update(&mut app, Msg::Tick(3_000));
    let [Command::RefreshHot(set)] = hot.as_slice() else {
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
            source: source(),
            update: Box::default(),
            server_time: None,
        },
    );
    assert_eq!(
        update(&mut app, Msg::Tick(31_000)),
        vec![Command::TakeSnapshot],
        "the cold one comes every 30 s"
    );
}

#[test]
fn r_refreshes_now_and_a_failed_refresh_keeps_the_data() {
    let mut app = app_with_fleet();
    update(&mut app, Msg::Tick(1_000));
    assert!(!app.sync.cold().in_flight && !app.sync.hot().in_flight);
    key(&mut app, KeyCode::Char('r'));
    assert_eq!(
        update(&mut app, Msg::Tick(1_100)),
        vec![Command::TakeSnapshot]
    );
    update(
        &mut app,
        Msg::SnapshotTaken {
            at: 1_200,
            source: source(),
            result: Err(crate::aws::AwsError {
                kind: crate::aws::ErrorKind::Throttled,
                code: Some("ThrottlingException".into()),
                ..crate::aws::AwsError::local("ecs", "DescribeServices", "Rate exceeded")
            }),
        },
    );
    assert_eq!(
        app.sync
            .cold()
            .error
            .as_ref()
            .map(|e| (e.kind, e.operation)),
        Some((crate::aws::ErrorKind::Throttled, "DescribeServices"))
    );
    assert!(
        app.snapshot
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
            source: source(),
            result: Ok(Box::new(quiet)),
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
            source: source(),
            result: Ok(Box::new(fleet())),
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
            source: source(),
            update: Box::default(),
            server_time: Some(Timestamp(61_000)),
        },
    );
    assert!(!app.dirty, "same data, no frame");
    let mut changed = crate::aws::hot::HotUpdate::default();
    let mut d = deployment("d-INFLIGHT1", DeploymentStatus::Succeeded);
    d.completed = Some(Timestamp(61_000));
    changed.deployments.push(d);
    update(
        &mut app,
        Msg::HotRefreshed {
            at: 2_000,
            source: source(),
            update: Box::new(changed),
            server_time: Some(Timestamp(62_000)),
        },
    );
    assert!(app.dirty, "a deployment that finished is drawn");
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

fn typed_keys(app: &mut App, text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(key(app, KeyCode::Char(c)));
    }
    out
}

fn plan_for(op: crate::ops::Op, typed_name: &str) -> crate::ops::prepare::Plan {
    crate::ops::prepare::Plan {
        op,
        summary: vec!["evidence".into()],
        typed_name: typed_name.into(),
        call: crate::ops::prepare::Call::Start(crate::ops::verbs::start::Call {
            pipeline: "x".into(),
        }),
    }
}

#[test]
fn approving_asks_a_comment_checks_fresh_state_and_sends_once_after_yes() {
    use crate::app::actions::Step;
    let mut app = app_with_fleet();
    assert!(
        typed_keys(&mut app, "a").is_empty(),
        "the dialog opens on the approval under the cursor"
    );
    assert!(matches!(&app.mode, Mode::Dialog(d) if matches!(d.step, Step::Input { .. })));
    typed_keys(&mut app, "ship it");
    let commands = key(&mut app, KeyCode::Enter);
    let [Command::Prepare(ops)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert!(
        matches!(&ops[0], crate::ops::Op::Approve(crate::ops::verbs::approve::Approve { pipeline, comment, .. }) if pipeline == "ledger-release" && comment == "ship it")
    );
    assert!(
        matches!(&ops[0], crate::ops::Op::Approve(crate::ops::verbs::approve::Approve { stage: Some(stage), action: Some(action), .. }) if stage == "Approval" && action == "ApproveProduction"),
        "the gate under the cursor, by stage and action"
    );
    update(
        &mut app,
        Msg::Prepared {
            source: source(),
            results: vec![Ok(plan_for(ops[0].clone(), "ledger-release"))],
        },
    );
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "focus starts on no: enter cancels"
    );
    assert_eq!(app.mode, Mode::Normal);

    typed_keys(&mut app, "a");
    typed_keys(&mut app, "ok");
    let commands = key(&mut app, KeyCode::Enter);
    let [Command::Prepare(ops)] = commands.as_slice() else {
        panic!()
    };
    update(
        &mut app,
        Msg::Prepared {
            source: source(),
            results: vec![Ok(plan_for(ops[0].clone(), "ledger-release"))],
        },
    );
    key(&mut app, KeyCode::Right);
    let sent = key(&mut app, KeyCode::Enter);
    assert!(matches!(sent.as_slice(), [Command::Execute(plans)] if plans.len() == 1));
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "a second press while in flight sends nothing"
    );
    update(
        &mut app,
        Msg::Executed {
            source: source(),
            results: vec![(
                "ledger-release".into(),
                crate::ops::Ended::Done("approved".into()),
            )],
        },
    );
    key(&mut app, KeyCode::Char('z'));
    assert_eq!(app.mode, Mode::Normal);
    assert!(
        app.sync.cold().last.is_none(),
        "what changed is read again at once"
    );
}

#[test]
fn a_rollback_needs_the_deployment_id_typed_and_esc_cancels() {
    let mut app = app_with_fleet();
    key(&mut app, KeyCode::Down);
    let commands = typed_keys(&mut app, "B");
    let [Command::Prepare(ops)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    update(
        &mut app,
        Msg::Prepared {
            source: source(),
            results: vec![Ok(plan_for(ops[0].clone(), "d-INFLIGHT1"))],
        },
    );
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "not typed: nothing sent"
    );
    typed_keys(&mut app, "d-INFLIGHT");
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "not all of it: nothing sent"
    );
    typed_keys(&mut app, "1");
    assert!(matches!(
        key(&mut app, KeyCode::Enter).as_slice(),
        [Command::Execute(_)]
    ));

    let mut app = app_with_fleet();
    key(&mut app, KeyCode::Down);
    typed_keys(&mut app, "B");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::Normal);
    update(
        &mut app,
        Msg::Prepared {
            source: source(),
            results: vec![Ok(plan_for(
                crate::ops::Op::Start(crate::ops::verbs::start::Start {
                    pipeline: "x".into(),
                }),
                "x",
            ))],
        },
    );
    assert_eq!(app.mode, Mode::Normal, "an answer after esc opens nothing");
}

#[test]
fn read_only_has_no_action_keys_on_any_screen() {
    let mut app = app_with_fleet();
    app.context.read_only = true;
    let screens = crate::app::keymap::BINDINGS
        .iter()
        .flat_map(|b| b.keys)
        .filter(|(_, a)| matches!(a, crate::app::keymap::Action::Screen(_)));
    for (screen, _) in screens {
        key(&mut app, screen.code);
        let mut commands = Vec::new();
        for code in crate::app::keymap::action_keys() {
            commands.extend(key(&mut app, code));
        }
        assert!(
            commands
                .iter()
                .all(|c| !matches!(c, Command::Prepare(_) | Command::Execute(_))),
            "{commands:?}"
        );
        assert!(!matches!(app.mode, Mode::Dialog(_)));
        app.mode = Mode::Normal;
    }
    assert!(app.marks.is_empty());
}

#[test]
fn a_protected_account_needs_the_name_typed_even_for_a_plain_action() {
    let mut app = app_with_fleet();
    app.context.protected = true;
    typed_keys(&mut app, "a");
    typed_keys(&mut app, "ok");
    let commands = key(&mut app, KeyCode::Enter);
    let [Command::Prepare(ops)] = commands.as_slice() else {
        panic!()
    };
    update(
        &mut app,
        Msg::Prepared {
            source: source(),
            results: vec![Ok(plan_for(ops[0].clone(), "ledger-release"))],
        },
    );
    key(&mut app, KeyCode::Char('y'));
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "a yes is not enough here"
    );
    key(&mut app, KeyCode::Backspace);
    typed_keys(&mut app, "ledger-release");
    assert!(matches!(
        key(&mut app, KeyCode::Enter).as_slice(),
        [Command::Execute(_)]
    ));
}

#[test]
fn b_rolls_a_pipeline_s_deploy_stage_back_after_a_typed_confirmation() {
    use crate::model::pipeline::{Action, DeployTarget, Stage};
    use crate::model::status::ActionCategory;
    let mut fleet = fleet();
    let stage = |name: &str, deploys: bool| Stage {
        name: name.into(),
        inbound_enabled: true,
        disabled_reason: None,
        status: None,
        execution_id: None,
        inbound_execution_id: None,
        inbound_execution_ids: Vec::new(),
        actions: vec![Action {
            name: "A".into(),
            category: ActionCategory::Deploy,
            provider: "CodeDeployToECS".into(),
            run_order: 1,
            configuration: std::collections::BTreeMap::default(),
            deploys_to: deploys.then(|| DeployTarget {
                application: "payments".into(),
                deployment_group: "ledger".into(),
            }),
            latest: None,
        }],
    };
    fleet.pipelines[0].stages = vec![
        stage("Source", false),
        stage("Production", true),
        stage("Verify", false),
    ];
    let mut app = app_with(fleet);
    key(&mut app, KeyCode::Char('2'));
    let commands = typed_keys(&mut app, "b");
    let [Command::Prepare(ops)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(
        ops[0],
        crate::ops::Op::RollbackStage(crate::ops::verbs::rollback_stage::RollbackStage {
            pipeline: "ledger-release".into(),
            stage: "Production".into(),
            to: None
        })
    );
    let op = ops[0].clone();
    update(
        &mut app,
        Msg::Prepared {
            source: source(),
            results: vec![Ok(plan_for(op, "ledger-release"))],
        },
    );
    key(&mut app, KeyCode::Char('y'));
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "a stage rollback needs the pipeline's name typed"
    );
}

#[test]
fn weights_pick_the_rule_with_tab_and_refuse_bad_numbers_in_the_dialog() {
    use crate::app::actions::{Dialog, Step};
    use crate::model::elb::{Forward, ListenerRule, TargetGroup};
    let mut fleet = fleet();
    let rule = |arn: &str, path: &str| ListenerRule {
        arn: arn.into(),
        listener_arn: "l".into(),
        priority: "1".into(),
        is_default: false,
        conditions: vec![crate::model::elb::Condition {
            field: "path-pattern".into(),
            values: vec![path.into()],
        }],
        forwards: vec![Forward {
            target_group_arn: "tg".into(),
            weight: 1,
        }],
        other_action: None,
    };
    fleet.rules = vec![rule("r1", "/a/*"), rule("r2", "/b/*")];
    fleet.target_groups = vec![TargetGroup {
        arn: "tg".into(),
        name: "blue".into(),
        port: None,
        protocol: None,
        load_balancer_arns: Vec::new(),
        health_check_path: None,
        targets: None,
    }];
    let mut app = app_with(fleet);
    key(&mut app, KeyCode::Char('5'));
    typed_keys(&mut app, "w");
    key(&mut app, KeyCode::Tab);
    assert!(
        matches!(&app.mode, Mode::Dialog(Dialog { ask: Some(ask), .. }) if ask.labels == [" rule :0 /a/*", " rule :0 /b/*"] && ask.chosen == Some((1, "rule")) && ask.drafts.iter().map(crate::ops::Op::target).collect::<Vec<_>>() == ["r1", "r2"])
    );
    typed_keys(&mut app, "blue=1000");
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "refused before any call"
    );
    assert!(
        matches!(&app.mode, Mode::Dialog(d) if matches!(&d.step, Step::Input { error: Some(e), .. } if e.contains("0 to 999")))
    );
    for _ in 0.."blue=1000".len() {
        key(&mut app, KeyCode::Backspace);
    }
    typed_keys(&mut app, "blue=90");
    let commands = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(commands.as_slice(), [Command::Prepare(ops)] if ops[0] == crate::ops::Op::Weights(crate::ops::verbs::weights::Weights { target: "r2".into(), weights: vec![("blue".into(), 90)] }))
    );
}

#[test]
fn retry_and_stop_come_in_both_modes() {
    use crate::ops::{Op, RetryMode, StopMode};
    let mut app = app_with_fleet();
    key(&mut app, KeyCode::Char('2'));
    let expect = [
        (
            't',
            Op::Retry(crate::ops::verbs::retry::Retry {
                pipeline: "ledger-release".into(),
                stage: None,
                mode: RetryMode::FailedActions,
            }),
        ),
        (
            'T',
            Op::Retry(crate::ops::verbs::retry::Retry {
                pipeline: "ledger-release".into(),
                stage: None,
                mode: RetryMode::AllActions,
            }),
        ),
        (
            'S',
            Op::Stop(crate::ops::verbs::stop::Stop {
                pipeline: "ledger-release".into(),
                execution: None,
                mode: StopMode::Wait,
                reason: "Stopped with cutover".into(),
            }),
        ),
        (
            'A',
            Op::Stop(crate::ops::verbs::stop::Stop {
                pipeline: "ledger-release".into(),
                execution: None,
                mode: StopMode::Abandon,
                reason: "Stopped with cutover".into(),
            }),
        ),
    ];
    for (c, op) in expect {
        let commands = key(&mut app, KeyCode::Char(c));
        assert_eq!(commands, vec![Command::Prepare(vec![op])], "{c}");
        key(&mut app, KeyCode::Esc);
    }
}

mod gates;

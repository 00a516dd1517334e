//! The action keys in the console: the dialog for each verb, its confirmation, read-only and
//! protected accounts.

use super::*;

pub(super) fn typed_keys(app: &mut App, text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(key(app, KeyCode::Char(c)));
    }
    out
}

pub(super) fn plan_for(op: crate::ops::Op, typed_name: &str) -> crate::ops::prepare::Plan {
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
    let ops = ops_of(ops);
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
            results: vec![(0, Ok(plan_for(ops[0].clone(), "ledger-release")))],
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
    let ops = ops_of(ops);
    update(
        &mut app,
        Msg::Prepared {
            results: vec![(0, Ok(plan_for(ops[0].clone(), "ledger-release")))],
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
            results: vec![(
                "ledger-release".into(),
                crate::ops::Ended::Done("approved".into()),
            )],
        },
    );
    key(&mut app, KeyCode::Char('z'));
    assert_eq!(app.mode, Mode::Normal);
    assert!(
        app.feeds[0].sync.cold().last.is_none(),
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
    let ops = ops_of(ops);
    update(
        &mut app,
        Msg::Prepared {
            results: vec![(0, Ok(plan_for(ops[0].clone(), "d-INFLIGHT1")))],
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
            results: vec![(
                0,
                Ok(plan_for(
                    crate::ops::Op::Start(crate::ops::verbs::start::Start {
                        pipeline: "x".into(),
                    }),
                    "x",
                )),
            )],
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
    app.feeds[0].origin.protected = true;
    typed_keys(&mut app, "a");
    typed_keys(&mut app, "ok");
    let commands = key(&mut app, KeyCode::Enter);
    let [Command::Prepare(ops)] = commands.as_slice() else {
        panic!()
    };
    let ops = ops_of(ops);
    update(
        &mut app,
        Msg::Prepared {
            results: vec![(0, Ok(plan_for(ops[0].clone(), "ledger-release")))],
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
    let ops = ops_of(ops);
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
            results: vec![(0, Ok(plan_for(op, "ledger-release")))],
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
        matches!(commands.as_slice(), [Command::Prepare(ops)] if ops[0].1 == crate::ops::Op::Weights(crate::ops::verbs::weights::Weights { target: "r2".into(), weights: vec![("blue".into(), 90)] }))
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
        assert_eq!(commands, vec![Command::Prepare(vec![(0, op)])], "{c}");
        key(&mut app, KeyCode::Esc);
    }
}

//! Every bad input is refused with its reason, before anything is read or sent.

use super::verbs::approve::Approve;
use super::verbs::finish::Finish;
use super::verbs::redeploy::Redeploy;
use super::verbs::reroute::Reroute;
use super::verbs::retry::Retry;
use super::verbs::rollback::Rollback;
use super::verbs::scale::Scale;
use super::verbs::start::Start;
use super::verbs::stop::Stop;
use super::verbs::weights::Weights;
use super::{Op, OpError, RetryMode, StopMode, Verdict, parse_weights};

fn refused(op: &Op) -> String {
    match op.validate() {
        Err(OpError::Invalid(message)) => message,
        other => panic!("{op:?} should be refused, got {other:?}"),
    }
}

#[test]
fn bad_comments_deployment_ids_and_counts_are_refused_with_what_is_wrong() {
    let approve = |comment: &str| {
        Op::Approve(Approve {
            pipeline: "p".into(),
            stage: None,
            action: None,
            execution: None,
            comment: comment.into(),
            verdict: Verdict::Approve,
        })
    };
    let table: Vec<(Op, &str)> = vec![
        (approve(&"x".repeat(513)), "at most 512"),
        (approve("  "), "comment"),
        (
            Op::Reroute(Reroute {
                deployment: "d-123".into(),
            }),
            "not a deployment id",
        ),
        (
            Op::Finish(Finish {
                deployment: "x-ABCDEFGHI".into(),
            }),
            "not a deployment id",
        ),
        (
            Op::Rollback(Rollback {
                deployment: super::verbs::Target::Deployment(
                    crate::model::DeploymentRef::CodeDeploy("d-abcdefghi".into()),
                ),
            }),
            "not a deployment id",
        ),
        (
            Op::Scale(Scale {
                cluster: "c".into(),
                service: "s".into(),
                count: -1,
            }),
            "negative",
        ),
        (
            Op::Scale(Scale {
                cluster: "c".into(),
                service: "s".into(),
                count: 5001,
            }),
            "quota",
        ),
    ];
    assert_refused(table);
}

#[test]
fn bad_weights_stops_retries_and_names_are_refused_with_what_is_wrong() {
    let table: Vec<(Op, &str)> = vec![
        (
            Op::Weights(Weights {
                target: "arn".into(),
                weights: vec![("a".into(), 1000)],
            }),
            "0 to 999",
        ),
        (
            Op::Weights(Weights {
                target: "arn".into(),
                weights: vec![("a".into(), 1), ("a".into(), 2)],
            }),
            "named twice",
        ),
        (
            Op::Weights(Weights {
                target: "arn".into(),
                weights: (0..6).map(|i| (format!("g{i}"), 1)).collect(),
            }),
            "at most 5",
        ),
        (
            Op::Weights(Weights {
                target: "arn".into(),
                weights: vec![],
            }),
            "at least one",
        ),
        (
            Op::Stop(Stop {
                pipeline: "p".into(),
                execution: None,
                mode: StopMode::Wait,
                reason: "x".repeat(201),
            }),
            "at most 200",
        ),
        (
            Op::Stop(Stop {
                pipeline: "p".into(),
                execution: Some(" ".into()),
                mode: StopMode::Wait,
                reason: String::new(),
            }),
            "--execution",
        ),
        (
            Op::Approve(Approve {
                pipeline: "p".into(),
                stage: None,
                action: None,
                execution: Some(String::new()),
                comment: "ok".into(),
                verdict: Verdict::Approve,
            }),
            "--execution",
        ),
        (
            Op::Retry(Retry {
                pipeline: "p".into(),
                stage: Some(" ".into()),
                mode: RetryMode::FailedActions,
            }),
            "--stage",
        ),
        (
            Op::Redeploy(Redeploy {
                application: String::new(),
                group: "g".into(),
                undo: None,
            }),
            "empty",
        ),
        (
            Op::Start(Start {
                pipeline: " ".into(),
            }),
            "empty",
        ),
    ];
    assert_refused(table);
}

/// Each action is refused with a message that mentions what is expected.
fn assert_refused(table: Vec<(Op, &str)>) {
    for (op, expected) in table {
        let message = refused(&op);
        assert!(
            message.contains(expected),
            "{op:?}: '{message}' should mention '{expected}'"
        );
    }
}

#[test]
fn good_inputs_pass() {
    for op in [
        Op::Reroute(Reroute {
            deployment: "d-ABCDEFGH1".into(),
        }),
        Op::Scale(Scale {
            cluster: "c".into(),
            service: "s".into(),
            count: 0,
        }),
        Op::Weights(Weights {
            target: "arn".into(),
            weights: vec![("a".into(), 0), ("b".into(), 999)],
        }),
        // Draining one group: the groups not named keep the traffic.
        Op::Weights(Weights {
            target: "arn".into(),
            weights: vec![("green".into(), 0)],
        }),
        Op::Approve(Approve {
            pipeline: "p".into(),
            stage: None,
            action: None,
            execution: Some("e1".into()),
            comment: "x".repeat(512),
            verdict: Verdict::Reject,
        }),
    ] {
        assert!(op.validate().is_ok(), "{op:?}");
    }
}

#[test]
fn weights_parse_with_their_reasons() {
    assert_eq!(
        parse_weights(&["blue=90".into(), "green = 10".into()]).ok(),
        Some(vec![("blue".into(), 90), ("green".into(), 10)])
    );
    assert!(
        matches!(parse_weights(&["blue".into()]), Err(OpError::Invalid(m)) if m.contains("TARGET_GROUP=WEIGHT"))
    );
    assert!(
        matches!(parse_weights(&["blue=ten".into()]), Err(OpError::Invalid(m)) if m.contains("whole number"))
    );
}

#[test]
fn dangerous_actions_need_the_name_typed_and_protected_accounts_always_do() {
    use super::Confirm;
    assert_eq!(
        Op::Reroute(Reroute {
            deployment: "d-A".into()
        })
        .confirmation("d-A", false),
        Confirm::Plain
    );
    assert_eq!(
        Op::Rollback(Rollback {
            deployment: super::verbs::Target::Deployment(crate::model::DeploymentRef::CodeDeploy(
                "d-A".into(),
            ))
        })
        .confirmation("d-A", false),
        Confirm::Typed("d-A".into())
    );
    assert_eq!(
        Op::Reroute(Reroute {
            deployment: "d-A".into()
        })
        .confirmation("d-A", true),
        Confirm::Typed("d-A".into())
    );
}

fn summary(id: &str, rollback_to: Option<&str>) -> crate::model::pipeline::ExecutionSummary {
    crate::model::pipeline::ExecutionSummary {
        id: id.into(),
        status: crate::model::status::ExecutionStatus::Succeeded,
        status_summary: None,
        started: None,
        updated: None,
        trigger: None,
        source_revisions: Vec::new(),
        rollback: rollback_to.is_some(),
        rollback_target: rollback_to.map(str::to_owned),
    }
}

#[test]
fn a_stage_never_rolls_back_to_a_rollback_execution() {
    use super::verbs::rollback_stage::rollback_target;
    // Newest first: r rolled the stage back to a; b and a are standard successes.
    let succeeded = [
        summary("r", Some("a")),
        summary("b", None),
        summary("a", None),
    ];
    // The stage failed after r: go back to what r deployed, never to r.
    assert_eq!(
        rollback_target(&succeeded, None, false, "Deploy")
            .ok()
            .as_deref(),
        Some("a")
    );
    // The stage succeeded with r: a runs there now, and nothing standard is older.
    assert!(matches!(
        rollback_target(&succeeded, None, true, "Deploy"),
        Err(OpError::Precondition(m)) if m.contains("before a")
    ));
    let older = [
        summary("r", Some("b")),
        summary("b", None),
        summary("x", Some("a")),
        summary("a", None),
    ];
    assert_eq!(
        rollback_target(&older, None, true, "Deploy")
            .ok()
            .as_deref(),
        Some("a"),
        "the standard success before what runs now, skipping rollbacks"
    );
    assert!(matches!(
        rollback_target(&succeeded, Some("r"), true, "Deploy"),
        Err(OpError::Invalid(m)) if m.contains("was itself a rollback (to a)") && m.contains("roll back to a instead")
    ));
    assert_eq!(
        rollback_target(&succeeded, Some("b"), true, "Deploy")
            .ok()
            .as_deref(),
        Some("b")
    );
}

#[test]
fn several_executions_at_one_gate_are_never_chosen_between_on_a_guess() {
    use super::verbs::approve::{Wanted, choose_approval};
    use super::verbs::stop::choose_stop;
    use crate::model::pipeline::{PendingApproval, Pipeline};
    use crate::model::status::{ExecutionMode, ExecutionStatus};
    let waiting = |id: &str| PendingApproval {
        stage: "Approval".into(),
        action: "ApproveProduction".into(),
        execution_id: Some(id.into()),
        token: format!("token-{id}"),
        since: None,
    };
    let running = |id: &str| crate::model::pipeline::ExecutionSummary {
        status: ExecutionStatus::InProgress,
        ..summary(id, None)
    };
    let mut p = Pipeline {
        name: "reviews-release".into(),
        arn: None,
        version: None,
        execution_mode: ExecutionMode::Parallel,
        stages: Vec::new(),
        executions: vec![running("e2"), running("e1")],
        pending: vec![waiting("e1"), waiting("e2")],
        failures: Vec::new(),
    };
    let none = Wanted {
        stage: None,
        action: None,
        execution: None,
    };
    assert!(matches!(
        choose_approval(&p, &none),
        Err(OpError::Invalid(m)) if m.contains("e1") && m.contains("e2") && m.contains("--execution")
    ));
    let named = Wanted {
        execution: Some("e2"),
        ..none
    };
    assert_eq!(
        choose_approval(&p, &named).ok().map(|w| w.token),
        Some("token-e2".to_owned())
    );
    assert!(matches!(
        choose_stop(&p, None),
        Err(OpError::Invalid(m)) if m.contains("e1") && m.contains("e2")
    ));
    assert_eq!(
        choose_stop(&p, Some("e1")).ok().map(|e| e.id.clone()),
        Some("e1".into())
    );
    // SUPERSEDED mode too: one execution can deploy while a newer one builds, and stopping
    // the newest on a guess would let the deployment go on.
    p.execution_mode = ExecutionMode::Superseded;
    assert!(matches!(
        choose_stop(&p, None),
        Err(OpError::Invalid(m)) if m.contains("e1") && m.contains("e2")
    ));
    p.executions = vec![running("e2")];
    assert_eq!(
        choose_stop(&p, None).ok().map(|e| e.id.clone()),
        Some("e2".into())
    );
}

#[test]
fn weights_merge_into_the_forward_action_and_keep_the_groups_not_named() {
    use crate::model::elb::{Forward, merge_weights};
    let forward = |arn: &str, weight| Forward {
        target_group_arn: arn.into(),
        weight,
    };
    let now = [
        forward("blue", 50),
        forward("green", 30),
        forward("canary", 20),
    ];
    assert_eq!(
        merge_weights(&now, &[("green".into(), 60), ("extra".into(), 5)]),
        [
            forward("blue", 50),
            forward("green", 60),
            forward("canary", 20),
            forward("extra", 5)
        ]
    );
    assert!(super::verbs::weights::check(&merge_weights(&now, &[("green".into(), 0)])).is_ok());
    let zero = merge_weights(&[forward("blue", 0)], &[("green".into(), 0)]);
    assert!(
        matches!(super::verbs::weights::check(&zero), Err(OpError::Invalid(m)) if m.contains("all weights are zero"))
    );
    let many: Vec<(String, i32)> = (0..3).map(|i| (format!("g{i}"), 1)).collect();
    assert!(
        matches!(super::verbs::weights::check(&merge_weights(&now, &many)), Err(OpError::Invalid(m)) if m.contains("at most 5"))
    );
}

/// What a console has when nothing is under the cursor.
fn nothing_here() -> super::verbs::Here {
    super::verbs::Here {
        deployment: None,
        marked_deployments: Vec::new(),
        group: None,
        service: None,
        pipeline: None,
        execution: None,
        deploy_stage: None,
        gates: Err("no approval here".to_owned()),
        rules: Vec::new(),
        hook: None,
    }
}

#[test]
fn approve_and_reject_answer_the_pause_hook_here_and_only_reject_rolls_back() {
    use super::verbs::{Act, Starts};
    use crate::model::DeploymentRef;
    let arn = "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/api/r4nD0m";
    let continued = |op: &Op| match op {
        Op::Continue(c) => Some((c.deployment.to_string(), c.hook.clone(), c.rollback)),
        _ => None,
    };
    let ops = |begun: super::verbs::Begin| match begun.start {
        Starts::Plan(ops) => ops,
        Starts::Ask(_) => panic!("a pause is answered without input"),
    };
    // The hook row under the cursor: that hook, whatever else is here.
    let here = super::verbs::Here {
        hook: Some((arn.to_owned(), "pause-1".to_owned())),
        ..nothing_here()
    };
    let go_on = ops(Act::Approve.begin(&here).expect("a hook here"));
    assert_eq!(
        go_on.iter().map(continued).collect::<Vec<_>>(),
        [Some((arn.to_owned(), Some("pause-1".to_owned()), false))]
    );
    assert!(!go_on[0].dangerous(), "going on is a plain yes");
    let back = ops(Act::Reject.begin(&here).expect("a hook here"));
    assert_eq!(continued(&back[0]).map(|c| c.2), Some(true));
    assert!(back[0].dangerous(), "rolling back is typed");
    // The ECS deployment on screen, no approval chosen: its waiting hook, found fresh.
    let here = super::verbs::Here {
        deployment: Some(DeploymentRef::Ecs(arn.into())),
        ..nothing_here()
    };
    let go_on = ops(Act::Approve.begin(&here).expect("a hook here"));
    assert_eq!(continued(&go_on[0]).map(|c| c.1), Some(None));
    // A CodeDeploy deployment has no hook to answer: the approval's refusal stands.
    let here = super::verbs::Here {
        deployment: Some(DeploymentRef::CodeDeploy("d-ABCDEFGHI".into())),
        ..nothing_here()
    };
    assert_eq!(
        Act::Approve.begin(&here).expect_err("no hook"),
        "no approval here"
    );
}

#[test]
fn a_deployment_verb_names_the_platform_it_acts_on_and_never_guesses_by_shape() {
    use super::verbs::Act;
    use crate::model::DeploymentRef;
    let ecs = DeploymentRef::Ecs(
        "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/api/d-ABCDEFGHI".into(),
    );
    let here = super::verbs::Here {
        deployment: Some(ecs),
        ..nothing_here()
    };
    for act in [Act::Reroute, Act::Finish] {
        let refused = act.begin(&here).expect_err("not a CodeDeploy deployment");
        assert!(refused.contains("ECS service deployment"), "{refused}");
    }
    // A rollback takes either platform, and names the ECS one by its ARN's last part.
    let begun = Act::Rollback
        .begin(&here)
        .expect("an ECS service deployment");
    assert_eq!(begun.title, "Roll back d-ABCDEFGHI");
    let here = super::verbs::Here {
        deployment: Some(DeploymentRef::CodeDeploy("d-ABCDEFGHI".into())),
        ..nothing_here()
    };
    let begun = Act::Rollback.begin(&here).expect("a CodeDeploy deployment");
    assert_eq!(begun.title, "Roll back d-ABCDEFGHI");
    for act in Act::ALL {
        assert!(
            act.begin(&nothing_here()).is_err(),
            "{act:?} starts with nothing under the cursor"
        );
    }
}

//! Every bad input is refused with its reason, before anything is read or sent.

use super::{Op, OpError, RetryMode, StopMode, Verdict, parse_weights};

fn refused(op: &Op) -> String {
    match op.validate() {
        Err(OpError::Invalid(message)) => message,
        other => panic!("{op:?} should be refused, got {other:?}"),
    }
}

#[test]
fn bad_inputs_are_refused_with_what_is_wrong() {
    let approve = |comment: &str| Op::Approve {
        pipeline: "p".into(),
        stage: None,
        action: None,
        comment: comment.into(),
        verdict: Verdict::Approve,
    };
    let table: Vec<(Op, &str)> = vec![
        (approve(&"x".repeat(513)), "at most 512"),
        (approve("  "), "comment"),
        (
            Op::Reroute {
                deployment: "d-123".into(),
            },
            "not a deployment id",
        ),
        (
            Op::Finish {
                deployment: "x-ABCDEFGHI".into(),
            },
            "not a deployment id",
        ),
        (
            Op::Rollback {
                deployment: "d-abcdefghi".into(),
            },
            "not a deployment id",
        ),
        (
            Op::Scale {
                cluster: "c".into(),
                service: "s".into(),
                count: -1,
            },
            "negative",
        ),
        (
            Op::Scale {
                cluster: "c".into(),
                service: "s".into(),
                count: 5001,
            },
            "quota",
        ),
        (
            Op::Weights {
                target: "arn".into(),
                weights: vec![("a".into(), 1000)],
            },
            "0 to 999",
        ),
        (
            Op::Weights {
                target: "arn".into(),
                weights: vec![("a".into(), 1), ("a".into(), 2)],
            },
            "named twice",
        ),
        (
            Op::Weights {
                target: "arn".into(),
                weights: (0..6).map(|i| (format!("g{i}"), 1)).collect(),
            },
            "at most 5",
        ),
        (
            Op::Weights {
                target: "arn".into(),
                weights: vec![],
            },
            "at least one",
        ),
        (
            Op::Stop {
                pipeline: "p".into(),
                mode: StopMode::Wait,
                reason: "x".repeat(201),
            },
            "at most 200",
        ),
        (
            Op::Retry {
                pipeline: "p".into(),
                stage: Some(" ".into()),
                mode: RetryMode::FailedActions,
            },
            "--stage",
        ),
        (
            Op::Redeploy {
                application: String::new(),
                group: "g".into(),
            },
            "empty",
        ),
        (
            Op::Start {
                pipeline: " ".into(),
            },
            "empty",
        ),
    ];
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
        Op::Reroute {
            deployment: "d-ABCDEFGH1".into(),
        },
        Op::Scale {
            cluster: "c".into(),
            service: "s".into(),
            count: 0,
        },
        Op::Weights {
            target: "arn".into(),
            weights: vec![("a".into(), 0), ("b".into(), 999)],
        },
        // Draining one group: the groups not named keep the traffic.
        Op::Weights {
            target: "arn".into(),
            weights: vec![("green".into(), 0)],
        },
        Op::Approve {
            pipeline: "p".into(),
            stage: None,
            action: None,
            comment: "x".repeat(512),
            verdict: Verdict::Reject,
        },
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
        Op::Reroute {
            deployment: "d-A".into()
        }
        .confirmation("d-A", false),
        Confirm::Plain
    );
    assert_eq!(
        Op::Rollback {
            deployment: "d-A".into()
        }
        .confirmation("d-A", false),
        Confirm::Typed("d-A".into())
    );
    assert_eq!(
        Op::Reroute {
            deployment: "d-A".into()
        }
        .confirmation("d-A", true),
        Confirm::Typed("d-A".into())
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
    assert!(super::weights::check(&merge_weights(&now, &[("green".into(), 0)])).is_ok());
    let zero = merge_weights(&[forward("blue", 0)], &[("green".into(), 0)]);
    assert!(
        matches!(super::weights::check(&zero), Err(OpError::Invalid(m)) if m.contains("all weights are zero"))
    );
    let many: Vec<(String, i32)> = (0..3).map(|i| (format!("g{i}"), 1)).collect();
    assert!(
        matches!(super::weights::check(&merge_weights(&now, &many)), Err(OpError::Invalid(m)) if m.contains("at most 5"))
    );
}

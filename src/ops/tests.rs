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
        execution: None,
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
                weights: vec![("a".into(), 0), ("b".into(), 0)],
            },
            "all weights are zero",
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
                execution: None,
                mode: StopMode::Wait,
                reason: "x".repeat(201),
            },
            "at most 200",
        ),
        (
            Op::Stop {
                pipeline: "p".into(),
                execution: Some(" ".into()),
                mode: StopMode::Wait,
                reason: String::new(),
            },
            "--execution",
        ),
        (
            Op::Approve {
                pipeline: "p".into(),
                stage: None,
                action: None,
                execution: Some(String::new()),
                comment: "ok".into(),
                verdict: Verdict::Approve,
            },
            "--execution",
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
        Op::Approve {
            pipeline: "p".into(),
            stage: None,
            action: None,
            execution: Some("e1".into()),
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

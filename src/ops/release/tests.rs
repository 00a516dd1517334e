//! The plan of a release action, from gathered members alone.

use super::*;
use crate::release::{Ended, InFlight, Summary, Waiting};

fn member(source: &str, kind: &'static str, name: &str) -> Member {
    Member {
        source: source.to_owned(),
        kind,
        name: name.to_owned(),
        waiting: Vec::new(),
        latest: None,
        revision: None,
        deployment: None,
        last: None,
        tasks: None,
        trouble: None,
    }
}

fn gate(execution: Option<&str>) -> Waiting {
    Waiting {
        at: "Approval/ApproveProduction".to_owned(),
        for_seconds: Some(60),
        execution: execution.map(str::to_owned),
        gate: Some(("Approval".to_owned(), "ApproveProduction".to_owned())),
    }
}

fn release(members: Vec<Member>) -> Release {
    Release {
        name: "payments".to_owned(),
        members,
        summary: Summary::default(),
    }
}

fn ended(id: &str, status: &str, ago: i64) -> Ended {
    Ended {
        id: id.to_owned(),
        status: status.to_owned(),
        succeeded: status == "Succeeded" || status == "SUCCESSFUL",
        ended: Some(Timestamp(1_000_000_000 - ago * 1000)),
        ended_seconds_ago: Some(ago),
        group: id.starts_with("d-").then(|| "payments/ledger".to_owned()),
        rollback_of: None,
    }
}

fn answer_all() -> Intent {
    Intent::Answer {
        comment: "ship it".to_owned(),
        verdict: Verdict::Approve,
    }
}

#[test]
fn every_execution_waiting_at_a_gate_is_approved_in_its_own_source() {
    let mut parallel = member("prod", "pipeline", "reviews-release");
    parallel.waiting = vec![gate(Some("exec-1")), gate(Some("exec-2"))];
    let quiet = member("dev", "pipeline", "ledger-release");
    let mut paused = member("dev", "service", "pay/api");
    paused.waiting = vec![Waiting {
        at: "a pause hook".to_owned(),
        for_seconds: None,
        execution: None,
        gate: None,
    }];
    let steps = plan(&release(vec![parallel, quiet, paused]), &answer_all());
    let sent: Vec<(&str, Option<&str>)> = steps
        .iter()
        .filter_map(|s| match &s.what {
            What::Send(Op::Approve(a)) => Some((s.source.as_str(), a.execution.as_deref())),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [("prod", Some("exec-1")), ("prod", Some("exec-2"))]);
    let Some(What::Send(Op::Approve(first))) = steps.first().map(|s| &s.what) else {
        panic!("{steps:?}");
    };
    assert_eq!(first.stage.as_deref(), Some("Approval"));
    assert_eq!(first.action.as_deref(), Some("ApproveProduction"));
    assert_eq!(first.comment, "ship it");
    assert_eq!(
        steps[2].what,
        What::Nothing("no gate waiting".to_owned()),
        "every member is listed"
    );
    assert!(
        matches!(&steps[3].what, What::Nothing(why) if why.contains("cutover continue pay/api")),
        "{:?}",
        steps[3]
    );
}

#[test]
fn deployments_in_flight_of_either_platform_are_stopped_with_rollback() {
    let mut codedeploy = member("dev", "service", "pay/ledger");
    codedeploy.deployment = Some(InFlight {
        id: "d-ABCDEFGHI".to_owned(),
        status: "InProgress".to_owned(),
        percent_on_green: Some(10.0),
    });
    let arn = "arn:aws:ecs:us-east-1:1:service-deployment/pay/cards/x";
    let mut ecs = member("prod", "service", "pay/cards");
    ecs.deployment = Some(InFlight {
        id: arn.to_owned(),
        status: "IN_PROGRESS".to_owned(),
        percent_on_green: None,
    });
    let calm = member("prod", "service", "pay/api");
    let pipeline = member("prod", "pipeline", "ledger-release");
    let steps = plan(
        &release(vec![codedeploy, ecs, calm, pipeline]),
        &Intent::Rollback { since: None },
    );
    let rollback = |d: DeploymentRef| {
        What::Send(
            Rollback {
                deployment: Target::Deployment(d),
            }
            .into(),
        )
    };
    assert_eq!(
        steps[0].what,
        rollback(DeploymentRef::CodeDeploy("d-ABCDEFGHI".to_owned()))
    );
    assert_eq!(steps[1].what, rollback(DeploymentRef::Ecs(arn.to_owned())));
    assert_eq!(
        steps[2].what,
        What::Nothing("no deployment in flight".to_owned())
    );
    assert!(matches!(&steps[3].what, What::Nothing(why) if why.starts_with("a pipeline")));
}

#[test]
fn with_since_a_success_since_then_is_undone_with_the_revision_before() {
    let with = |last: Ended| {
        let mut m = member("dev", "service", "pay/ledger");
        m.last = Some(last);
        m
    };
    let mut rolled = ended("d-ROLLBACK1", "Succeeded", 60);
    rolled.rollback_of = Some("d-BAD000000".to_owned());
    let members = vec![
        with(ended("d-RECENT000", "Succeeded", 600)),
        with(ended("d-OLD000000", "Succeeded", 7200)),
        with(ended("d-FAILED000", "Failed", 60)),
        with(ended(
            "arn:aws:ecs:us-east-1:1:service-deployment/p/c/x",
            "SUCCESSFUL",
            60,
        )),
        with(rolled),
        member("dev", "service", "pay/quiet"),
    ];
    let steps = plan(
        &release(members.clone()),
        &Intent::Rollback {
            since: Some(Since::Ago { seconds: 3600 }),
        },
    );
    assert_eq!(
        steps[0].what,
        What::Send(
            Redeploy {
                application: "payments".to_owned(),
                group: "ledger".to_owned(),
                undo: Some("d-RECENT000".to_owned()),
            }
            .into()
        )
    );
    let why = |i: usize| match &steps[i].what {
        What::Nothing(why) => why.clone(),
        What::Send(op) => panic!("{op:?}"),
    };
    assert!(why(1).contains("ended before --since"), "{}", why(1));
    assert!(why(2).contains("ended Failed"), "{}", why(2));
    assert!(why(3).contains("CodeDeploy groups only"), "{}", why(3));
    assert!(why(4).contains("rolled back d-BAD000000"), "{}", why(4));
    assert!(why(5).contains("none in the last 24 hours"), "{}", why(5));
    // A time, compared with when each ended.
    let at = plan(
        &release(members),
        &Intent::Rollback {
            since: Some(Since::At(Timestamp(1_000_000_000 - 1_000_000))),
        },
    );
    assert!(matches!(at[0].what, What::Send(Op::Redeploy(_))));
    assert!(matches!(at[1].what, What::Nothing(_)));
}

#[test]
fn since_takes_a_time_a_prefix_of_one_or_a_span_back() {
    assert_eq!(parse_since("30m").ok(), Some(Since::Ago { seconds: 1800 }));
    assert_eq!(parse_since("2h").ok(), Some(Since::Ago { seconds: 7200 }));
    assert_eq!(parse_since("1d").ok(), Some(Since::Ago { seconds: 86_400 }));
    assert!(parse_since("25h").is_err(), "more than the day read");
    assert!(parse_since("3w").is_err());
    let day = parse_since("2026-11-22").expect("a prefix");
    assert_eq!(
        day,
        parse_since("2026-11-22T00:00:00Z").expect("the whole time")
    );
    let Since::At(t) = parse_since("2026-11-22T10:30:00+01:00").expect("an offset") else {
        panic!("a time");
    };
    assert_eq!(t.rfc3339(), "2026-11-22T09:30:00Z");
    assert!(parse_since("yesterday").is_err());
    assert!(parse_since("").is_err());
}

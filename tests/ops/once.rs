//! One press, one call. The console reads with the SDK's standard retries (three attempts on a
//! 5xx, a throttle or a dropped connection: aws-apis.md section 6.2), but its actions must
//! reach AWS exactly once: a retried UpdateService or PutApprovalResult can act twice. When a
//! mutation meets a 5xx or loses its answer, the outcome is unknown: cutover says so, reads
//! the target again and shows what it found, and writes it to the audit log.

use crossterm::event::KeyCode;
use cutover::model::deploy::Revision;
use cutover::ops::prepare::{Call, Plan};
use cutover::ops::{Ended, Op, RetryMode, StopMode, Verdict};
use cutover::sim::faults::Faults;

use crate::console::Console;
use crate::{Lab, lab};

impl Lab {
    /// A fault on one operation only (an IAM action such as `ecs:UpdateService`).
    fn fault_on(&self, operation: &str, faults: Faults) {
        self.sim.handle.shared().set_faults(Faults {
            operations: vec![operation.to_owned()],
            ..faults
        });
    }

    /// How many requests of `operation` (`UpdateService`) the simulator has served.
    fn served(&self, operation: &str) -> usize {
        self.sim
            .handle
            .shared()
            .request_log()
            .since(0)
            .iter()
            .filter(|r| r.operation == operation)
            .count()
    }
}

fn server_error() -> Faults {
    Faults {
        error_rate: 1.0,
        ..Faults::default()
    }
}

fn plan(op: Op, call: Call) -> Plan {
    Plan {
        typed_name: op.target(),
        op,
        summary: Vec::new(),
        call,
    }
}

/// Every mutating call the console makes, each with the IAM action a fault is put on.
fn every_mutation(lab: &Lab) -> Vec<(&'static str, Plan)> {
    let rule = lab
        .world(|w| w.rules.keys().next().cloned())
        .expect("the lab has rules");
    let deployment = "d-ABCDEFGH1".to_owned();
    let pipeline = "web-release".to_owned();
    vec![
        (
            "codepipeline:PutApprovalResult",
            plan(
                Op::Approve {
                    pipeline: pipeline.clone(),
                    stage: None,
                    action: None,
                    comment: "ok".into(),
                    verdict: Verdict::Approve,
                },
                Call::Approval {
                    pipeline: pipeline.clone(),
                    stage: "Approve".into(),
                    action: "Approve".into(),
                    token: "00000000-0000-0000-0000-000000000000".into(),
                    comment: "ok".into(),
                    approved: true,
                },
            ),
        ),
        (
            "codedeploy:ContinueDeployment",
            plan(
                Op::Reroute {
                    deployment: deployment.clone(),
                },
                Call::ContinueReady {
                    deployment: deployment.clone(),
                },
            ),
        ),
        (
            "codedeploy:StopDeployment",
            plan(
                Op::Rollback {
                    deployment: deployment.clone(),
                },
                Call::StopWithRollback {
                    deployment: deployment.clone(),
                },
            ),
        ),
        (
            "codedeploy:CreateDeployment",
            plan(
                Op::Redeploy {
                    application: "lab".into(),
                    group: "web".into(),
                },
                Call::Redeploy {
                    application: "lab".into(),
                    group: "web".into(),
                    revision: Revision::AppSpec {
                        sha256: "0".repeat(64),
                        content: Some("version: 0.0".into()),
                        task_definition: None,
                    },
                    from: deployment.clone(),
                },
            ),
        ),
        (
            "ecs:UpdateService",
            plan(
                Op::Scale {
                    cluster: "lab".into(),
                    service: "jobs".into(),
                    count: 3,
                },
                Call::Scale {
                    cluster: "lab".into(),
                    service: "jobs".into(),
                    count: 3,
                },
            ),
        ),
        (
            "elasticloadbalancing:ModifyRule",
            plan(
                Op::Weights {
                    target: rule.clone(),
                    weights: vec![("web-blue".into(), 1)],
                },
                Call::Weights {
                    target: rule,
                    weights: vec![("arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web-blue/0".into(), 1)],
                },
            ),
        ),
        (
            "codepipeline:RetryStageExecution",
            plan(
                Op::Retry {
                    pipeline: pipeline.clone(),
                    stage: None,
                    mode: RetryMode::FailedActions,
                },
                Call::Retry {
                    pipeline: pipeline.clone(),
                    stage: "Deploy".into(),
                    execution: "e".into(),
                    all: false,
                },
            ),
        ),
        (
            "codepipeline:StopPipelineExecution",
            plan(
                Op::Stop {
                    pipeline: pipeline.clone(),
                    mode: StopMode::Wait,
                    reason: "r".into(),
                },
                Call::Stop {
                    pipeline: pipeline.clone(),
                    execution: "e".into(),
                    abandon: false,
                    reason: "r".into(),
                },
            ),
        ),
        (
            "codepipeline:StartPipelineExecution",
            plan(
                Op::Start {
                    pipeline: pipeline.clone(),
                },
                Call::Start {
                    pipeline: pipeline.clone(),
                },
            ),
        ),
        (
            "codepipeline:RollbackStage",
            plan(
                Op::RollbackStage {
                    pipeline: pipeline.clone(),
                    stage: "Deploy".into(),
                    to: None,
                },
                Call::RollbackStage {
                    pipeline,
                    stage: "Deploy".into(),
                    target: "e".into(),
                },
            ),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutation_from_the_console_is_sent_once_whatever_it_meets() {
    let lab = tokio::task::spawn_blocking(lab).await.expect("lab");
    let mut console = Console::open(&lab, false).await;
    let cases = every_mutation(&lab);
    // A 5xx and a lost answer leave the outcome unknown; a throttle is a definite no. The
    // SDK's standard retries would send each of them three times.
    let faults = [
        ("a 5xx", server_error()),
        (
            "a dropped connection",
            Faults {
                drop_rate: 1.0,
                ..Faults::default()
            },
        ),
        (
            "a throttle",
            Faults {
                throttle_rate: 1.0,
                ..Faults::default()
            },
        ),
    ];
    for (what, fault) in &faults {
        for (action, plan) in &cases {
            let operation = action.split_once(':').map_or(*action, |(_, op)| op);
            let before = lab.served(operation);
            lab.fault_on(action, fault.clone());
            let results = console.execute(vec![plan.clone()]).await;
            lab.sim.handle.shared().set_faults(Faults::default());
            assert_eq!(
                lab.served(operation) - before,
                1,
                "{operation} meeting {what} was sent once"
            );
            let [(_, ended)] = results.as_slice() else {
                panic!("one result: {results:?}");
            };
            match (*what, ended) {
                ("a throttle", Ended::Failed(_)) => {}
                ("a throttle", other) => panic!("{operation}: a throttle is a no: {other:?}"),
                (_, Ended::Unknown(message)) => assert!(
                    message.contains("the result is unknown") && message.contains("not sent again"),
                    "{operation}: {message}"
                ),
                (_, other) => panic!("{operation} meeting {what} is unknown: {other:?}"),
            }
        }
    }
    // Each unknown outcome was told while the target was read again.
    let told = console
        .progress
        .iter()
        .filter(|l| l.contains("cutover is reading the state again"))
        .count();
    assert_eq!(told, 2 * cases.len(), "{:?}", console.progress);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scale_whose_answer_is_lost_is_read_again_and_shows_what_happened() {
    let lab = tokio::task::spawn_blocking(lab).await.expect("lab");
    let mut console = Console::open(&lab, false).await;
    // UpdateService is carried out and its answer lost: the service did scale.
    lab.fault_on(
        "ecs:UpdateService",
        Faults {
            lost_answer_rate: 1.0,
            ..Faults::default()
        },
    );
    console.jump("jobs").await;
    console.text("s").await;
    console.text("3").await;
    console.keys(&[KeyCode::Enter]).await;
    console.keys(&[KeyCode::Right, KeyCode::Enter]).await;
    assert_eq!(lab.served("UpdateService"), 1, "one press, one call");
    assert_eq!(
        lab.world(|w| w.service("lab", "jobs").map(|s| s.desired)),
        Some(3)
    );
    let shown = format!("{:?}", console.app.mode);
    assert!(
        shown.contains("Unknown(") && shown.contains("lab/jobs: desired 3"),
        "the dialog shows the state read again: {shown}"
    );
    let audit = lab.audit();
    let last = audit.last().expect("audit records");
    assert_eq!(last["phase"], "unknown");
    assert!(
        last["observed"]
            .as_str()
            .is_some_and(|o| o.contains("desired 3")),
        "{last}"
    );
}

#[test]
fn a_scale_from_the_command_line_that_meets_a_5xx_exits_5_and_says_what_it_read() {
    let lab = lab();
    lab.fault_on("ecs:UpdateService", server_error());
    let out = lab.run(&["scale", "lab/jobs", "3", "--yes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("cutover is reading the state again")
            && stderr.contains("lab/jobs: desired 1"),
        "{stderr}"
    );
    assert_eq!(lab.served("UpdateService"), 1);
    assert_eq!(
        lab.world(|w| w.service("lab", "jobs").map(|s| s.desired)),
        Some(1)
    );
}

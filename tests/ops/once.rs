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
    let (rule, forwards) = lab
        .world(|w| {
            w.rules.iter().find_map(|(arn, r)| {
                let forward = r.actions.iter().find(|a| !a.forward.is_empty())?;
                let weights = forward
                    .forward
                    .iter()
                    .map(|f| (f.target_group_arn.clone(), f.weight as i32))
                    .collect::<Vec<_>>();
                Some((arn.clone(), weights))
            })
        })
        .expect("the lab has a forwarding rule");
    let deployment = "d-ABCDEFGH1".to_owned();
    let pipeline = "web-release".to_owned();
    vec![
        (
            "codepipeline:PutApprovalResult",
            plan(
                Op::Approve(cutover::ops::verbs::approve::Approve {
                    pipeline: pipeline.clone(),
                    stage: None,
                    action: None,
                    execution: None,
                    comment: "ok".into(),
                    verdict: Verdict::Approve,
                }),
                Call::Approval(cutover::ops::verbs::approve::Call {
                    pipeline: pipeline.clone(),
                    stage: "Approve".into(),
                    action: "Approve".into(),
                    execution: None,
                    token: "00000000-0000-0000-0000-000000000000".into(),
                    comment: "ok".into(),
                    approved: true,
                }),
            ),
        ),
        (
            "codedeploy:ContinueDeployment",
            plan(
                Op::Reroute(cutover::ops::verbs::reroute::Reroute {
                    deployment: deployment.clone(),
                }),
                Call::ContinueReady(cutover::ops::verbs::DeploymentCall {
                    deployment: deployment.clone(),
                }),
            ),
        ),
        (
            "codedeploy:StopDeployment",
            plan(
                Op::Rollback(cutover::ops::verbs::rollback::Rollback {
                    deployment: cutover::ops::verbs::Target::Deployment(
                        cutover::model::DeploymentRef::CodeDeploy(deployment.clone()),
                    ),
                }),
                Call::StopWithRollback(cutover::ops::verbs::rollback::Call {
                    deployment: deployment.clone(),
                    ecs: false,
                }),
            ),
        ),
        (
            "codedeploy:CreateDeployment",
            plan(
                Op::Redeploy(cutover::ops::verbs::redeploy::Redeploy {
                    application: "lab".into(),
                    group: "web".into(),
                    undo: None,
                }),
                Call::Redeploy(cutover::ops::verbs::redeploy::Call {
                    application: "lab".into(),
                    group: "web".into(),
                    revision: Revision::AppSpec {
                        sha256: "0".repeat(64),
                        content: Some("version: 0.0".into()),
                        task_definition: None,
                    },
                    from: deployment.clone(),
                }),
            ),
        ),
        (
            "ecs:UpdateService",
            plan(
                Op::Scale(cutover::ops::verbs::scale::Scale {
                    cluster: "lab".into(),
                    service: "jobs".into(),
                    count: 3,
                }),
                Call::Scale(cutover::ops::verbs::scale::Call {
                    cluster: "lab".into(),
                    service: "jobs".into(),
                    count: 3,
                }),
            ),
        ),
        (
            "elasticloadbalancing:ModifyRule",
            plan(
                Op::Weights(cutover::ops::verbs::weights::Weights {
                    target: rule.clone(),
                    weights: vec![("web-blue".into(), 1)],
                }),
                Call::Weights(cutover::ops::verbs::weights::Call {
                    target: rule,
                    weights: forwards.iter().map(|(arn, _)| (arn.clone(), 1)).collect(),
                    was: forwards,
                }),
            ),
        ),
        (
            "codepipeline:RetryStageExecution",
            plan(
                Op::Retry(cutover::ops::verbs::retry::Retry {
                    pipeline: pipeline.clone(),
                    stage: None,
                    mode: RetryMode::FailedActions,
                }),
                Call::Retry(cutover::ops::verbs::retry::Call {
                    pipeline: pipeline.clone(),
                    stage: "Deploy".into(),
                    execution: "e".into(),
                    all: false,
                }),
            ),
        ),
        (
            "codepipeline:StopPipelineExecution",
            plan(
                Op::Stop(cutover::ops::verbs::stop::Stop {
                    pipeline: pipeline.clone(),
                    execution: None,
                    mode: StopMode::Wait,
                    reason: "r".into(),
                }),
                Call::Stop(cutover::ops::verbs::stop::Call {
                    pipeline: pipeline.clone(),
                    execution: "e".into(),
                    abandon: false,
                    reason: "r".into(),
                }),
            ),
        ),
        (
            "codepipeline:StartPipelineExecution",
            plan(
                Op::Start(cutover::ops::verbs::start::Start {
                    pipeline: pipeline.clone(),
                }),
                Call::Start(cutover::ops::verbs::start::Call {
                    pipeline: pipeline.clone(),
                }),
            ),
        ),
        (
            "codepipeline:RollbackStage",
            plan(
                Op::RollbackStage(cutover::ops::verbs::rollback_stage::RollbackStage {
                    pipeline: pipeline.clone(),
                    stage: "Deploy".into(),
                    to: None,
                }),
                Call::RollbackStage(cutover::ops::verbs::rollback_stage::Call {
                    pipeline,
                    stage: "Deploy".into(),
                    target: "e".into(),
                }),
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
    assert_eq!(last["sent"]["call"], "scale");
    assert_eq!(last["sent"]["count"], 3);
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

/// What a person confirmed is what is sent: CodeDeploy or ECS may shift a rule's weights
/// between the plan and the press, and then nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weights_that_moved_after_the_plan_are_not_overwritten() {
    let lab = tokio::task::spawn_blocking(lab).await.expect("lab");
    let mut console = Console::open(&lab, false).await;
    let (rule, blue) = lab
        .world(|w| {
            w.rules.iter().find_map(|(arn, r)| {
                let forward = r.actions.iter().find(|a| a.forward.len() == 1)?;
                Some((arn.clone(), forward.forward[0].target_group_arn.clone()))
            })
        })
        .expect("a rule forwarding to one group");
    let plans = console
        .plan(vec![Op::Weights(cutover::ops::verbs::weights::Weights {
            target: rule.clone(),
            weights: vec![(blue.clone(), 7)],
        })])
        .await;
    let plan = plans
        .into_iter()
        .next()
        .and_then(Result::ok)
        .expect("a plan");
    // The rule moves before the press.
    lab.sim.handle.shared().with_world(|w| {
        if let Some(r) = w.rules.get_mut(&rule) {
            for a in &mut r.actions {
                for f in &mut a.forward {
                    f.weight = 3;
                }
            }
        }
    });
    let results = console.execute(vec![plan]).await;
    let [(_, Ended::Failed(message))] = results.as_slice() else {
        panic!("refused: {results:?}");
    };
    assert!(
        message.contains("moved since they were confirmed"),
        "{message}"
    );
    assert_eq!(lab.served("ModifyRule"), 0, "nothing was sent");
    let weights = lab.world(|w| {
        w.rules[&rule]
            .actions
            .iter()
            .flat_map(|a| a.forward.iter().map(|f| f.weight))
            .collect::<Vec<_>>()
    });
    assert_eq!(weights, [3], "the rule keeps what it moved to");
}

/// Who the credentials are is read once per console: not at every full refresh, not at
/// every action (the audit log's principal and account come from the same read).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_identity_is_read_once_for_refreshes_and_actions() {
    let lab = tokio::task::spawn_blocking(lab).await.expect("lab");
    let mut console = Console::open(&lab, false).await;
    console.refresh().await;
    let scale = |count| {
        plan(
            Op::Scale(cutover::ops::verbs::scale::Scale {
                cluster: "lab".into(),
                service: "jobs".into(),
                count,
            }),
            Call::Scale(cutover::ops::verbs::scale::Call {
                cluster: "lab".into(),
                service: "jobs".into(),
                count: count as i32,
            }),
        )
    };
    for count in [2, 3] {
        let results = console.execute(vec![scale(count)]).await;
        assert!(
            matches!(results.as_slice(), [(_, Ended::Done(_))]),
            "{results:?}"
        );
    }
    assert_eq!(lab.served("GetCallerIdentity"), 1);
    let audit = lab.audit();
    assert!(
        audit
            .iter()
            .all(|r| r["account"] == "111122223333" && r["principal"].is_string()),
        "{audit:?}"
    );
}

//! The three CodePipeline execution modes through the SDK, as AWS documents them
//! (`reference/aws-apis.md` sections 4.3, 4.4 and 10; the botocore model's
//! `ExecutionMode`, `StageState.inboundExecutions`, `ActionExecutionResult.externalExecutionId`;
//! the CodePipeline user guide's "How pipeline executions work", "Set or change the pipeline
//! execution mode" and "Configuring stage rollback").

use aws_sdk_codepipeline::Client;
use aws_sdk_codepipeline::types::{ActionExecutionFilter, ApprovalResult, ApprovalStatus};
use cutover::sim::SimOptions;
use cutover::sim::world::World;

use crate::common::{Sim, code, options};
use crate::engine::advance_until;

pub async fn modes() -> Sim {
    let world = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worlds/modes.toml");
    Sim::start_with(SimOptions {
        world: Some(world),
        speed: None,
        autopilot: Some(false),
        ..options()
    })
    .await
}

pub async fn start(cp: &Client, pipeline: &str) -> String {
    cp.start_pipeline_execution()
        .name(pipeline)
        .send()
        .await
        .expect("start")
        .pipeline_execution_id()
        .expect("id")
        .to_owned()
}

/// Whether the execution waits at its approval.
pub fn at_approval(id: &str) -> impl Fn(&World) -> bool + '_ {
    move |w: &World| {
        let e = &w.executions[id];
        e.in_stage
            && e.runs
                .iter()
                .any(|r| r.token.is_some() && r.status.as_str() == "InProgress")
    }
}

/// The approval of `execution` waiting, from ListActionExecutions: `(status, externalExecutionId)`.
async fn approval_run(cp: &Client, pipeline: &str, execution: &str) -> (String, Option<String>) {
    let out = cp
        .list_action_executions()
        .pipeline_name(pipeline)
        .filter(
            ActionExecutionFilter::builder()
                .pipeline_execution_id(execution)
                .build(),
        )
        .send()
        .await
        .expect("action executions");
    let detail = out
        .action_execution_details()
        .iter()
        .find(|d| d.action_name() == Some("ApproveProduction"))
        .expect("the approval ran");
    assert_eq!(detail.pipeline_execution_id(), Some(execution));
    (
        detail
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        detail
            .output()
            .and_then(|o| o.execution_result())
            .and_then(|r| r.external_execution_id())
            .map(str::to_owned),
    )
}

fn approved(summary: &str) -> ApprovalResult {
    ApprovalResult::builder()
        .summary(summary)
        .status(ApprovalStatus::Approved)
        .build()
        .expect("result")
}

#[tokio::test]
async fn parallel_executions_wait_at_one_gate_each_answered_with_its_own_token() {
    let sim = modes().await;
    let cp = sim.codepipeline();
    let first = start(&cp, "parallel-release").await;
    sim.advance(30);
    let second = start(&cp, "parallel-release").await;
    advance_until(&sim, 1200, |w| {
        at_approval(&first)(w) && at_approval(&second)(w)
    });
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());

    // The mode is reported wherever the model has it.
    let listed = cp.list_pipelines().send().await.expect("list");
    let summary = listed
        .pipelines()
        .iter()
        .find(|p| p.name() == Some("parallel-release"))
        .expect("listed");
    assert_eq!(
        summary.execution_mode().map(|m| m.as_str()),
        Some("PARALLEL")
    );
    let declared = cp
        .get_pipeline()
        .name("parallel-release")
        .send()
        .await
        .expect("get");
    assert_eq!(
        declared
            .pipeline()
            .and_then(|p| p.execution_mode())
            .map(|m| m.as_str()),
        Some("PARALLEL")
    );
    let executions = cp
        .list_pipeline_executions()
        .pipeline_name("parallel-release")
        .send()
        .await
        .expect("executions");
    let statuses: Vec<(&str, &str, &str)> = executions
        .pipeline_execution_summaries()
        .iter()
        .map(|e| {
            (
                e.pipeline_execution_id().unwrap_or_default(),
                e.status().map_or("", |s| s.as_str()),
                e.execution_mode().map_or("", |m| m.as_str()),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            (second.as_str(), "InProgress", "PARALLEL"),
            (first.as_str(), "InProgress", "PARALLEL")
        ],
        "neither superseded"
    );
    let one = cp
        .get_pipeline_execution()
        .pipeline_name("parallel-release")
        .pipeline_execution_id(&first)
        .send()
        .await
        .expect("execution");
    assert_eq!(
        one.pipeline_execution()
            .and_then(|e| e.execution_mode())
            .map(|m| m.as_str()),
        Some("PARALLEL")
    );

    // GetPipelineState gives no token in PARALLEL mode.
    let state = cp
        .get_pipeline_state()
        .name("parallel-release")
        .send()
        .await
        .expect("state");
    let gate = state
        .stage_states()
        .iter()
        .find(|s| s.stage_name() == Some("Approval"))
        .expect("approval stage");
    let latest = gate.action_states()[0]
        .latest_execution()
        .expect("the approval runs");
    assert_eq!(latest.status().map(|s| s.as_str()), Some("InProgress"));
    assert_eq!(latest.token(), None, "no token in PARALLEL mode");

    // ListActionExecutions gives each execution's token as externalExecutionId.
    let (status, first_token) = approval_run(&cp, "parallel-release", &first).await;
    assert_eq!(status, "InProgress");
    let (_, second_token) = approval_run(&cp, "parallel-release", &second).await;
    let (first_token, second_token) = (
        first_token.expect("first token"),
        second_token.expect("second token"),
    );
    assert_ne!(first_token, second_token);

    // Answering the first leaves the second waiting.
    cp.put_approval_result()
        .pipeline_name("parallel-release")
        .stage_name("Approval")
        .action_name("ApproveProduction")
        .token(&first_token)
        .result(approved("first one ships"))
        .send()
        .await
        .expect("approve the first");
    assert_eq!(
        approval_run(&cp, "parallel-release", &first).await.0,
        "Succeeded"
    );
    assert_eq!(
        approval_run(&cp, "parallel-release", &second).await.0,
        "InProgress"
    );
    advance_until(&sim, 120, |w| {
        let e = &w.executions[&first];
        e.in_stage && e.position == 3
    });
    sim.handle
        .shared()
        .with_world(|w| assert!(at_approval(&second)(w), "the second still waits"));
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn stopping_a_parallel_execution_stops_that_one_and_no_other() {
    let sim = modes().await;
    let cp = sim.codepipeline();
    let first = start(&cp, "parallel-release").await;
    let second = start(&cp, "parallel-release").await;
    advance_until(&sim, 1200, |w| {
        at_approval(&first)(w) && at_approval(&second)(w)
    });
    cp.stop_pipeline_execution()
        .pipeline_name("parallel-release")
        .pipeline_execution_id(&first)
        .abandon(true)
        .reason("wrong build")
        .send()
        .await
        .expect("stop");
    advance_until(&sim, 60, |w| {
        w.executions[&first].status.as_str() == "Stopped"
    });
    sim.handle.shared().with_world(|w| {
        assert_eq!(w.executions[&second].status.as_str(), "InProgress");
        assert!(at_approval(&second)(w));
    });
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn queued_executions_line_up_at_the_stage_entrance_in_order_and_none_is_superseded() {
    let sim = modes().await;
    let cp = sim.codepipeline();
    let first = start(&cp, "queued-release").await;
    let second = start(&cp, "queued-release").await;
    let third = start(&cp, "queued-release").await;
    // The first waits at the approval; the other two wait, in order, to enter its stage.
    advance_until(&sim, 3600, |w| {
        at_approval(&first)(w) && w.pipelines["queued-release"].waiting[2].len() == 2
    });
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
    let gate = approval_stage(&cp, "queued-release").await;
    let inbound = inbound_of(&gate);
    assert_eq!(inbound, vec![second.clone(), third.clone()]);
    assert_eq!(
        gate.inbound_execution().map(|e| e.pipeline_execution_id()),
        Some(second.as_str()),
        "the first in line"
    );
    assert_eq!(
        gate.latest_execution().map(|e| e.pipeline_execution_id()),
        Some(first.as_str())
    );
    // QUEUED mode keeps the token in the state: one execution at a time holds the gate.
    let token = gate.action_states()[0]
        .latest_execution()
        .and_then(|e| e.token())
        .expect("token")
        .to_owned();
    let executions = cp
        .list_pipeline_executions()
        .pipeline_name("queued-release")
        .send()
        .await
        .expect("executions");
    for e in executions.pipeline_execution_summaries() {
        assert_eq!(e.status().map(|s| s.as_str()), Some("InProgress"));
        assert_eq!(e.execution_mode().map(|m| m.as_str()), Some("QUEUED"));
    }

    cp.put_approval_result()
        .pipeline_name("queued-release")
        .stage_name("Approval")
        .action_name("ApproveProduction")
        .token(&token)
        .result(approved("in order"))
        .send()
        .await
        .expect("approve");
    advance_until(&sim, 60, at_approval(&second));
    let gate = approval_stage(&cp, "queued-release").await;
    let inbound = inbound_of(&gate);
    assert_eq!(inbound, vec![third.clone()], "the next moved up");
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn rollback_stage_refuses_a_rollback_execution_as_target_and_any_parallel_pipeline() {
    let sim = modes().await;
    let cp = sim.codepipeline();
    let first = start(&cp, "jobs-release").await;
    advance_until(&sim, 1800, |w| {
        w.executions[&first].status.as_str() == "Succeeded"
    });
    let second = start(&cp, "jobs-release").await;
    advance_until(&sim, 1800, |w| {
        w.executions[&second].status.as_str() == "Succeeded"
    });
    let rollback = cp
        .rollback_stage()
        .pipeline_name("jobs-release")
        .stage_name("Deploy")
        .target_pipeline_execution_id(&first)
        .send()
        .await
        .expect("roll back to the first")
        .pipeline_execution_id()
        .to_owned();
    advance_until(&sim, 1800, |w| {
        w.executions[&rollback].status.as_str() == "Succeeded"
    });

    // "You cannot roll back to a target execution ID that is a rollback execution type."
    let error = cp
        .rollback_stage()
        .pipeline_name("jobs-release")
        .stage_name("Deploy")
        .target_pipeline_execution_id(&rollback)
        .send()
        .await
        .expect_err("a rollback is no target");
    assert_eq!(code(&error), "UnableToRollbackStageException");
    assert!(
        error
            .as_service_error()
            .and_then(|e| e.meta().message())
            .is_some_and(|m| m.contains("rollback")),
        "{error:?}"
    );
    // A standard execution that succeeded there still is.
    cp.rollback_stage()
        .pipeline_name("jobs-release")
        .stage_name("Deploy")
        .target_pipeline_execution_id(&second)
        .send()
        .await
        .expect("roll back to the second");

    // "For pipelines in PARALLEL mode, stage rollback is not available."
    let parallel = start(&cp, "parallel-release").await;
    let error = cp
        .rollback_stage()
        .pipeline_name("parallel-release")
        .stage_name("Production")
        .target_pipeline_execution_id(&parallel)
        .send()
        .await
        .expect_err("no rollback in PARALLEL mode");
    assert_eq!(code(&error), "UnableToRollbackStageException");
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

/// A pipeline's Approval stage as GetPipelineState reports it.
async fn approval_stage(
    cp: &aws_sdk_codepipeline::Client,
    pipeline: &str,
) -> aws_sdk_codepipeline::types::StageState {
    let state = cp
        .get_pipeline_state()
        .name(pipeline)
        .send()
        .await
        .expect("state");
    state
        .stage_states()
        .iter()
        .find(|s| s.stage_name() == Some("Approval"))
        .cloned()
        .expect("approval stage")
}

/// The executions lined up at a stage's entrance, in order (`inboundExecutions`).
fn inbound_of(stage: &aws_sdk_codepipeline::types::StageState) -> Vec<String> {
    stage
        .inbound_executions()
        .iter()
        .map(|e| e.pipeline_execution_id().to_owned())
        .collect()
}

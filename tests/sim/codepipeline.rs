//! CodePipeline reads and controls through the SDK.

use aws_sdk_codepipeline::types::{StageRetryMode, StageTransitionType};

use crate::common::{Sim, code};
use crate::engine::{advance_until, lab};

#[tokio::test]
async fn pipelines_list_page_and_describe_their_structure() {
    let sim = Sim::start().await;
    let cp = sim.codepipeline();
    let all: Vec<_> = cp
        .list_pipelines()
        .max_results(7)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate");
    assert!(all.len() > 7, "several pages of 7");
    let first = cp
        .list_pipelines()
        .max_results(7)
        .send()
        .await
        .expect("page");
    assert!(first.next_token().is_some());
    let error = cp
        .list_pipelines()
        .max_results(1001)
        .send()
        .await
        .expect_err("limit");
    assert_eq!(code(&error), "ValidationException");

    let out = cp
        .get_pipeline()
        .name("storefront-promotion")
        .send()
        .await
        .expect("get");
    let pipeline = out.pipeline().expect("pipeline");
    let stages: Vec<&str> = pipeline.stages().iter().map(|s| s.name()).collect();
    assert!(stages.len() >= 5, "{stages:?}");
    let approval = pipeline
        .stages()
        .iter()
        .flat_map(|s| s.actions())
        .find(|a| a.action_type_id().map(|t| t.provider()) == Some("Manual"))
        .expect("manual approval");
    assert_eq!(
        approval.action_type_id().map(|t| t.category().as_str()),
        Some("Approval")
    );
    let deploy = pipeline
        .stages()
        .iter()
        .flat_map(|s| s.actions())
        .find(|a| a.action_type_id().map(|t| t.provider()) == Some("CodeDeployToECS"))
        .expect("deploy");
    assert!(deploy.configuration().is_some_and(
        |c| c.contains_key("ApplicationName") && c.contains_key("DeploymentGroupName")
    ));
    assert!(out.metadata().and_then(|m| m.pipeline_arn()).is_some());

    let state = cp
        .get_pipeline_state()
        .name("storefront-promotion")
        .send()
        .await
        .expect("state");
    assert_eq!(state.stage_states().len(), stages.len());
    let error = cp
        .get_pipeline_state()
        .name("nope")
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(code(&error), "PipelineNotFoundException");
    let error = cp
        .get_pipeline_execution()
        .pipeline_name("storefront-promotion")
        .pipeline_execution_id("nope")
        .send()
        .await
        .expect_err("unknown execution");
    assert_eq!(code(&error), "PipelineExecutionNotFoundException");
}

#[tokio::test]
async fn executions_start_idempotently_list_newest_first_and_stop() {
    let sim = lab().await;
    let cp = sim.codepipeline();
    let a = cp
        .start_pipeline_execution()
        .name("web-release")
        .client_request_token("release-42")
        .send()
        .await
        .expect("start");
    let again = cp
        .start_pipeline_execution()
        .name("web-release")
        .client_request_token("release-42")
        .send()
        .await
        .expect("same token");
    assert_eq!(a.pipeline_execution_id(), again.pipeline_execution_id());
    let id = a.pipeline_execution_id().expect("id").to_owned();
    sim.advance(5);
    let list = cp
        .list_pipeline_executions()
        .pipeline_name("web-release")
        .send()
        .await
        .expect("list");
    assert_eq!(
        list.pipeline_execution_summaries()[0].pipeline_execution_id(),
        Some(id.as_str())
    );
    assert!(
        !list.pipeline_execution_summaries()[0]
            .source_revisions()
            .is_empty()
    );

    cp.stop_pipeline_execution()
        .pipeline_name("web-release")
        .pipeline_execution_id(&id)
        .abandon(true)
        .reason("wrong branch")
        .send()
        .await
        .expect("stop");
    let error = cp
        .stop_pipeline_execution()
        .pipeline_name("web-release")
        .pipeline_execution_id(&id)
        .abandon(true)
        .send()
        .await
        .expect_err("again");
    assert!(
        [
            "DuplicatedStopRequestException",
            "PipelineExecutionNotStoppableException"
        ]
        .contains(&code(&error).as_str()),
        "{}",
        code(&error)
    );
    sim.advance(2);
    let out = cp
        .get_pipeline_execution()
        .pipeline_name("web-release")
        .pipeline_execution_id(&id)
        .send()
        .await
        .expect("get");
    assert_eq!(
        out.pipeline_execution()
            .and_then(|e| e.status())
            .map(|s| s.as_str()),
        Some("Stopped")
    );
    let error = cp
        .stop_pipeline_execution()
        .pipeline_name("web-release")
        .pipeline_execution_id(&id)
        .reason("x".repeat(201))
        .send()
        .await
        .expect_err("long reason");
    assert_eq!(code(&error), "ValidationException");
}

#[tokio::test]
async fn a_disabled_transition_holds_executions_until_enabled() {
    let sim = lab().await;
    let cp = sim.codepipeline();
    let error = cp
        .disable_stage_transition()
        .pipeline_name("api-release")
        .stage_name("Deploy")
        .transition_type(StageTransitionType::Inbound)
        .reason("freeze, see ticket")
        .send()
        .await
        .expect_err("comma");
    assert_eq!(code(&error), "ValidationException");
    cp.disable_stage_transition()
        .pipeline_name("api-release")
        .stage_name("Deploy")
        .transition_type(StageTransitionType::Inbound)
        .reason("Change freeze (release 42)")
        .send()
        .await
        .expect("disable");
    let id = cp
        .start_pipeline_execution()
        .name("api-release")
        .send()
        .await
        .expect("start")
        .pipeline_execution_id()
        .expect("id")
        .to_owned();
    sim.advance(300);
    let state = cp
        .get_pipeline_state()
        .name("api-release")
        .send()
        .await
        .expect("state");
    let deploy = state
        .stage_states()
        .iter()
        .find(|s| s.stage_name() == Some("Deploy"))
        .expect("stage");
    let transition = deploy.inbound_transition_state().expect("transition");
    assert!(!transition.enabled());
    assert_eq!(
        transition.disabled_reason(),
        Some("Change freeze (release 42)")
    );
    assert_eq!(
        deploy
            .inbound_execution()
            .map(|e| e.pipeline_execution_id()),
        Some(id.as_str()),
        "waiting at the transition"
    );
    cp.enable_stage_transition()
        .pipeline_name("api-release")
        .stage_name("Deploy")
        .transition_type(StageTransitionType::Inbound)
        .send()
        .await
        .expect("enable");
    advance_until(&sim, 60, |w| {
        w.executions[&id].in_stage && w.executions[&id].position == 1
    });
}

#[tokio::test]
async fn a_failed_deploy_stage_can_be_retried_and_a_stage_rolled_back() {
    let sim = lab().await;
    let cp = sim.codepipeline();
    let first = cp
        .start_pipeline_execution()
        .name("api-release")
        .send()
        .await
        .expect("start")
        .pipeline_execution_id()
        .expect("id")
        .to_owned();
    // The api group parks in Ready; continue it so the first execution succeeds.
    advance_until(&sim, 1800, |w| {
        w.deployments
            .values()
            .any(|d| d.group == "api" && d.status.as_str() == "Ready")
    });
    let deployment = sim
        .handle
        .shared()
        .with_world(|w| {
            w.deployments
                .values()
                .find(|d| d.group == "api" && d.status.as_str() == "Ready")
                .map(|d| d.id.clone())
        })
        .expect("ready");
    sim.codedeploy()
        .continue_deployment()
        .deployment_id(&deployment)
        .send()
        .await
        .expect("continue");
    advance_until(&sim, 1800, |w| {
        w.executions[&first].status.as_str() == "Succeeded"
    });

    let error = cp
        .retry_stage_execution()
        .pipeline_name("api-release")
        .stage_name("Deploy")
        .pipeline_execution_id(&first)
        .retry_mode(StageRetryMode::FailedActions)
        .send()
        .await
        .expect_err("nothing failed");
    assert_eq!(code(&error), "StageNotRetryableException");

    crate::engine::control_post(&sim, r#"{"event":"fail_next_hook","application":"lab","deployment_group":"api","lifecycle_event":"AfterInstall"}"#).await;
    let second = cp
        .start_pipeline_execution()
        .name("api-release")
        .send()
        .await
        .expect("start")
        .pipeline_execution_id()
        .expect("id")
        .to_owned();
    advance_until(&sim, 1800, |w| {
        w.executions[&second].status.as_str() == "Failed"
    });
    let actions = cp
        .list_action_executions()
        .pipeline_name("api-release")
        .send()
        .await
        .expect("actions");
    let failed = actions
        .action_execution_details()
        .iter()
        .find(|a| {
            a.pipeline_execution_id() == Some(second.as_str())
                && a.status().map(|s| s.as_str()) == Some("Failed")
        })
        .expect("failed action");
    let details = failed
        .output()
        .and_then(|o| o.execution_result())
        .and_then(|r| r.error_details())
        .expect("error details");
    assert!(
        details.message().is_some_and(|m| m.contains("failed")),
        "{details:?}"
    );

    // The failed deployment's rollback must finish before the group takes another deployment.
    advance_until(&sim, 900, |w| w.active_deployment("lab", "api").is_none());
    cp.retry_stage_execution()
        .pipeline_name("api-release")
        .stage_name("Deploy")
        .pipeline_execution_id(&second)
        .retry_mode(StageRetryMode::FailedActions)
        .send()
        .await
        .expect("retry");
    let out = cp
        .get_pipeline_execution()
        .pipeline_name("api-release")
        .pipeline_execution_id(&second)
        .send()
        .await
        .expect("get");
    assert_eq!(
        out.pipeline_execution()
            .and_then(|e| e.status())
            .map(|s| s.as_str()),
        Some("InProgress")
    );
    advance_until(&sim, 1800, |w| {
        w.deployments
            .values()
            .any(|d| d.group == "api" && d.status.as_str() == "Ready")
    });
    let deployment = sim
        .handle
        .shared()
        .with_world(|w| {
            w.deployments
                .values()
                .find(|d| d.group == "api" && d.status.as_str() == "Ready")
                .map(|d| d.id.clone())
        })
        .expect("ready");
    sim.codedeploy()
        .continue_deployment()
        .deployment_id(&deployment)
        .send()
        .await
        .expect("continue");
    advance_until(&sim, 1800, |w| {
        w.executions[&second].status.as_str() == "Succeeded"
    });

    let rollback = cp
        .rollback_stage()
        .pipeline_name("api-release")
        .stage_name("Deploy")
        .target_pipeline_execution_id(&first)
        .send()
        .await
        .expect("rollback stage");
    let rollback_id = rollback.pipeline_execution_id().to_owned();
    let summary = cp
        .list_pipeline_executions()
        .pipeline_name("api-release")
        .send()
        .await
        .expect("list");
    let newest = &summary.pipeline_execution_summaries()[0];
    assert_eq!(newest.pipeline_execution_id(), Some(rollback_id.as_str()));
    assert_eq!(
        newest.execution_type().map(|t| t.as_str()),
        Some("ROLLBACK")
    );
    assert_eq!(
        newest
            .rollback_metadata()
            .and_then(|m| m.rollback_target_pipeline_execution_id()),
        Some(first.as_str())
    );
    let error = cp
        .rollback_stage()
        .pipeline_name("api-release")
        .stage_name("Deploy")
        .target_pipeline_execution_id("nope")
        .send()
        .await
        .expect_err("unknown target");
    assert_eq!(code(&error), "PipelineExecutionNotFoundException");
}

const COMMIT: &str = "9cfbd65a1e0c4d2b8f7a6e5d4c3b2a1908f7e6d5";

fn at_commit(
    action: &str,
    kind: aws_sdk_codepipeline::types::SourceRevisionType,
) -> aws_sdk_codepipeline::types::SourceRevisionOverride {
    aws_sdk_codepipeline::types::SourceRevisionOverride::builder()
        .action_name(action)
        .revision_type(kind)
        .revision_value(COMMIT)
        .build()
        .expect("override")
}

/// Starts `pipeline` at [`COMMIT`]; the summary and URL its newest execution lists.
async fn started_at_commit(sim: &Sim, pipeline: &str) -> (Option<String>, Option<String>) {
    use aws_sdk_codepipeline::types::SourceRevisionType;
    let cp = sim.codepipeline();
    let id = cp
        .start_pipeline_execution()
        .name(pipeline)
        .source_revisions(at_commit("Source", SourceRevisionType::CommitId))
        .send()
        .await
        .expect("start at the commit")
        .pipeline_execution_id()
        .expect("id")
        .to_owned();
    let list = cp
        .list_pipeline_executions()
        .pipeline_name(pipeline)
        .send()
        .await
        .expect("list");
    let e = &list.pipeline_execution_summaries()[0];
    assert_eq!(e.pipeline_execution_id(), Some(id.as_str()));
    let r = &e.source_revisions()[0];
    assert_eq!(r.revision_id(), Some(COMMIT));
    (
        r.revision_summary().map(str::to_owned),
        r.revision_url().map(str::to_owned),
    )
}

/// StartPipelineExecution's `sourceRevisions` override: the execution carries the commit
/// given, with a subject that follows from it alone (another world reports the same); an
/// override that names no source action, or a type the source cannot take, is refused.
/// Follows the CodePipeline API reference and botocore's model of StartPipelineExecution:
/// `sourceRevisions` is a list of SourceRevisionOverride (`actionName`, `revisionType` one of
/// COMMIT_ID, IMAGE_DIGEST, S3_OBJECT_VERSION_ID, S3_OBJECT_KEY, `revisionValue`); a
/// CodeCommit or CodeStar source takes COMMIT_ID.
#[tokio::test]
async fn an_execution_starts_at_the_commit_its_override_names() {
    use aws_sdk_codepipeline::types::SourceRevisionType;
    let lab = lab().await;
    let other = Sim::start().await;
    let (summary, url) = started_at_commit(&lab, "api-release").await;
    assert!(url.is_some_and(|u| u.ends_with(COMMIT)));
    assert!(summary.is_some());
    assert_eq!(
        started_at_commit(&other, "checkout-release").await.0,
        summary,
        "the same subject in another world"
    );
    let cp = lab.codepipeline();
    let wrong = cp
        .start_pipeline_execution()
        .name("api-release")
        .source_revisions(at_commit("Build", SourceRevisionType::CommitId))
        .send()
        .await
        .expect_err("not a source action");
    assert_eq!(code(&wrong), "ValidationException");
    let image = cp
        .start_pipeline_execution()
        .name("api-release")
        .source_revisions(at_commit("Source", SourceRevisionType::ImageDigest))
        .send()
        .await
        .expect_err("no image source");
    assert_eq!(code(&image), "ValidationException");
}

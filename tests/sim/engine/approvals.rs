//! A pipeline's manual approval, answered or rejected, and the deploy action that follows its
//! deployment. The CodeDeploy engine alone is tested in the other topics.

use aws_sdk_codepipeline::types::{ApprovalResult, ApprovalStatus};
use cutover::sim::world::codedeploy::DeploymentStatus;

use super::{advance_until, lab, phase};
use crate::common::{Sim, code};

async fn approval(sim: &Sim) -> (String, String, String) {
    let state = sim
        .codepipeline()
        .get_pipeline_state()
        .name("web-release")
        .send()
        .await
        .expect("state");
    for stage in state.stage_states() {
        for action in stage.action_states() {
            if let Some(token) = action.latest_execution().and_then(|e| e.token()) {
                return (
                    stage.stage_name().unwrap_or_default().to_owned(),
                    action.action_name().unwrap_or_default().to_owned(),
                    token.to_owned(),
                );
            }
        }
    }
    panic!("no approval waiting: {state:?}");
}

#[tokio::test]
async fn an_approval_waits_for_its_answer_then_the_deploy_action_follows_the_deployment() {
    let sim = lab().await;
    let cp = sim.codepipeline();
    let started = cp
        .start_pipeline_execution()
        .name("web-release")
        .send()
        .await
        .expect("start");
    let execution = started.pipeline_execution_id().expect("id").to_owned();
    advance_until(&sim, 1200, |w| {
        w.executions[&execution]
            .runs
            .iter()
            .any(|r| r.token.is_some())
    });
    let (stage, action, token) = approval(&sim).await;
    sim.advance(3600);
    assert_eq!(approval(&sim).await.2, token, "still waiting an hour later");
    let result = |status| {
        ApprovalResult::builder()
            .summary("ship it")
            .status(status)
            .build()
            .expect("result")
    };
    let error = cp
        .put_approval_result()
        .pipeline_name("web-release")
        .stage_name(&stage)
        .action_name(&action)
        .token("00000000-0000-4000-a000-000000000000")
        .result(result(ApprovalStatus::Approved))
        .send()
        .await
        .expect_err("wrong token");
    assert_eq!(code(&error), "InvalidApprovalTokenException");
    let long = ApprovalResult::builder()
        .summary("x".repeat(513))
        .status(ApprovalStatus::Approved)
        .build()
        .expect("result");
    let error = cp
        .put_approval_result()
        .pipeline_name("web-release")
        .stage_name(&stage)
        .action_name(&action)
        .token(&token)
        .result(long)
        .send()
        .await
        .expect_err("too long");
    assert_eq!(code(&error), "ValidationException");
    let out = cp
        .put_approval_result()
        .pipeline_name("web-release")
        .stage_name(&stage)
        .action_name(&action)
        .token(&token)
        .result(result(ApprovalStatus::Approved))
        .send()
        .await
        .expect("approve");
    assert!(out.approved_at().is_some());
    let error = cp
        .put_approval_result()
        .pipeline_name("web-release")
        .stage_name(&stage)
        .action_name(&action)
        .token(&token)
        .result(result(ApprovalStatus::Rejected))
        .send()
        .await
        .expect_err("twice");
    assert_eq!(code(&error), "ApprovalAlreadyCompletedException");

    advance_until(&sim, 60, |w| {
        w.deployments.values().any(|d| {
            d.description
                .as_deref()
                .is_some_and(|t| t.contains(&execution))
        })
    });
    let actions = cp
        .list_action_executions()
        .pipeline_name("web-release")
        .filter(
            aws_sdk_codepipeline::types::ActionExecutionFilter::builder()
                .pipeline_execution_id(&execution)
                .build(),
        )
        .send()
        .await
        .expect("actions");
    let deploy_action = actions
        .action_execution_details()
        .iter()
        .find(|a| a.action_name() == Some("Deploy"))
        .expect("deploy ran");
    let deployment = deploy_action
        .output()
        .and_then(|o| o.execution_result())
        .and_then(|r| r.external_execution_id())
        .expect("external id")
        .to_owned();
    let info = sim
        .codedeploy()
        .get_deployment()
        .deployment_id(&deployment)
        .send()
        .await
        .expect("the deployment exists");
    assert_eq!(
        info.deployment_info()
            .and_then(|d| d.deployment_group_name()),
        Some("web")
    );
    advance_until(&sim, 3600, |w| {
        w.executions[&execution].status.as_str() == "Succeeded"
    });
    assert_eq!(phase(&sim, &deployment).0, DeploymentStatus::Succeeded);
}

#[tokio::test]
async fn a_rejected_approval_fails_the_stage_and_the_execution() {
    let sim = lab().await;
    let cp = sim.codepipeline();
    let execution = cp
        .start_pipeline_execution()
        .name("web-release")
        .send()
        .await
        .expect("start")
        .pipeline_execution_id()
        .expect("id")
        .to_owned();
    advance_until(&sim, 1200, |w| {
        w.executions[&execution]
            .runs
            .iter()
            .any(|r| r.token.is_some())
    });
    let (stage, action, token) = approval(&sim).await;
    let result = ApprovalResult::builder()
        .summary("not today")
        .status(ApprovalStatus::Rejected)
        .build()
        .expect("result");
    cp.put_approval_result()
        .pipeline_name("web-release")
        .stage_name(&stage)
        .action_name(&action)
        .token(&token)
        .result(result)
        .send()
        .await
        .expect("reject");
    let out = cp
        .get_pipeline_execution()
        .pipeline_name("web-release")
        .pipeline_execution_id(&execution)
        .send()
        .await
        .expect("execution");
    assert_eq!(
        out.pipeline_execution()
            .and_then(|e| e.status())
            .map(|s| s.as_str()),
        Some("Failed")
    );
    let state = cp
        .get_pipeline_state()
        .name("web-release")
        .send()
        .await
        .expect("state");
    let gate = state
        .stage_states()
        .iter()
        .find(|s| s.stage_name() == Some(stage.as_str()))
        .expect("stage");
    assert_eq!(
        gate.latest_execution().map(|e| e.status().as_str()),
        Some("Failed")
    );
}

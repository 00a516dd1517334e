//! The mapping from the SDK's shapes, built as DescribeServiceDeployments answers them (the
//! shapes and enums of botocore's ECS model, `ServiceDeployment` and its members).

use aws_sdk_ecs::types as sdk;
use aws_smithy_types::DateTime;

use super::*;

const ARN: &str = "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/api/abc123";
const BLUE: &str = "arn:aws:ecs:us-east-1:123456789012:service-revision/prod/api/1";
const GREEN: &str = "arn:aws:ecs:us-east-1:123456789012:service-revision/prod/api/2";

fn summary(arn: &str, running: i32, production: f64) -> sdk::ServiceRevisionSummary {
    sdk::ServiceRevisionSummary::builder()
        .arn(arn)
        .requested_task_count(4)
        .running_task_count(running)
        .pending_task_count(4 - running)
        .requested_production_traffic_weight(production)
        .requested_test_traffic_weight(100.0)
        .build()
}

fn paused_canary() -> sdk::ServiceDeployment {
    canary_builder().build()
}

fn canary_builder() -> sdk::builders::ServiceDeploymentBuilder {
    sdk::ServiceDeployment::builder()
        .service_deployment_arn(ARN)
        .service_arn("arn:aws:ecs:us-east-1:123456789012:service/prod/api")
        .status(sdk::ServiceDeploymentStatus::InProgress)
        .lifecycle_stage(sdk::ServiceDeploymentLifecycleStage::PostTestTrafficShift)
        .created_at(DateTime::from_secs(1_800_000_000))
        .source_service_revisions(summary(BLUE, 4, 100.0))
        .target_service_revision(summary(GREEN, 4, 0.0))
        .lifecycle_hook_details(
            sdk::DeploymentLifecycleHookDetail::builder()
                .hook_id("hook-1")
                .target_type(sdk::DeploymentLifecycleHookTargetType::Pause)
                .status(sdk::DeploymentLifecycleHookStatus::AwaitingAction)
                .expires_at(DateTime::from_secs(1_800_003_600))
                .timeout_action(sdk::DeploymentLifecycleHookAction::Rollback)
                .build(),
        )
        .deployment_configuration(
            sdk::DeploymentConfiguration::builder()
                .strategy(sdk::DeploymentStrategy::Canary)
                .bake_time_in_minutes(15)
                .canary_configuration(
                    sdk::CanaryConfiguration::builder()
                        .canary_percent(10.0)
                        .canary_bake_time_in_minutes(5)
                        .build(),
                )
                .build(),
        )
}

#[test]
fn a_paused_canary_says_its_stage_revisions_strategy_and_the_hook_that_waits() {
    let d = deployment(&paused_canary()).expect("mapped");
    assert_eq!(d.reference(), crate::model::DeploymentRef::Ecs(ARN.into()));
    assert_eq!(d.service, ServiceRef::new("prod", "api"));
    assert_eq!(d.status, ServiceDeploymentStatus::InProgress);
    assert!(d.in_flight());
    assert_eq!(d.stage, Some(ServiceDeploymentStage::PostTestTrafficShift));
    assert_eq!(d.sources.len(), 1);
    assert_eq!(d.target.as_ref().map(|t| t.arn.as_str()), Some(GREEN));
    assert_eq!(d.requested_on_green(), Some(0.0));
    let waiting: Vec<&HookDetail> = d.waiting_hooks().collect();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].id, "hook-1");
    assert_eq!(waiting[0].timeout_action, Some(HookAction::Rollback));
    assert_eq!(waiting[0].expires_at.map(|t| t.0), Some(1_800_003_600_000));
    let strategy = d.strategy.expect("a strategy");
    assert_eq!(strategy.kind, DeploymentStrategy::Canary);
    assert_eq!(strategy.canary, Some((10.0, 5)));
    assert_eq!(strategy.bake_minutes, Some(15));
}

#[test]
fn a_rolled_back_deployment_keeps_its_reason_and_an_unknown_status_its_text() {
    let d = canary_builder()
        .status(sdk::ServiceDeploymentStatus::from("ROLLBACK_SUCCESSFUL"))
        .rollback(
            sdk::Rollback::builder()
                .reason("PAUSE hook answered ROLLBACK")
                .service_revision_arn(BLUE)
                .build(),
        )
        .build();
    let d = deployment(&d).expect("mapped");
    assert!(!d.in_flight());
    assert_eq!(d.rollback.and_then(|r| r.revision).as_deref(), Some(BLUE));

    let novel = canary_builder()
        .status(sdk::ServiceDeploymentStatus::from("PAUSED_FOR_LUNCH"))
        .build();
    let d = deployment(&novel).expect("mapped");
    assert_eq!(d.status.as_str(), "PAUSED_FOR_LUNCH");
    assert!(
        d.in_flight(),
        "a status not known is not taken for finished"
    );
}

#[test]
fn a_deployment_without_an_arn_or_a_service_is_left_out() {
    let no_arn = sdk::ServiceDeployment::builder().build();
    assert!(deployment(&no_arn).is_none());
    let odd = sdk::ServiceDeployment::builder()
        .service_deployment_arn("arn:aws:ecs:us-east-1:1:something-else/x")
        .build();
    assert!(deployment(&odd).is_none());
}

//! Injected faults reach the SDK as the real services would send them, so a client's error
//! classification can be tested against them.

use cutover::sim::SimOptions;
use cutover::sim::faults::Faults;

use crate::common::{Sim, code, options};

async fn with_faults(faults: Faults) -> Sim {
    Sim::start_with(SimOptions {
        speed: None,
        autopilot: Some(false),
        faults,
        ..options()
    })
    .await
}

#[tokio::test]
async fn throttling_uses_each_service_s_own_code() {
    let sim = with_faults(Faults {
        throttle_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let error = sim
        .ecs()
        .list_clusters()
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(code(&error), "ThrottlingException");
    let error = sim
        .elb()
        .describe_load_balancers()
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(code(&error), "Throttling");
    let error = sim
        .codedeploy()
        .list_applications()
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(code(&error), "ThrottlingException");
}

#[tokio::test]
async fn access_denied_names_the_iam_action_and_leaves_other_calls_alone() {
    let sim = with_faults(Faults {
        deny: vec![
            "ecs:DescribeServices".into(),
            "elasticloadbalancing:*".into(),
        ],
        ..Faults::default()
    })
    .await;
    let error = sim
        .ecs()
        .describe_services()
        .cluster("payments-prod")
        .services("ledger")
        .send()
        .await
        .expect_err("denied");
    assert_eq!(code(&error), "AccessDeniedException");
    let message = error
        .as_service_error()
        .and_then(|e| aws_sdk_ecs::error::ProvideErrorMetadata::message(e))
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("ecs:DescribeServices"), "{message}");
    assert!(
        sim.ecs()
            .list_services()
            .cluster("payments-prod")
            .send()
            .await
            .is_ok()
    );
    let error = sim
        .elb()
        .describe_target_groups()
        .send()
        .await
        .expect_err("denied");
    assert_eq!(code(&error), "AccessDenied");
}

#[tokio::test]
async fn expired_credentials_server_errors_and_dropped_connections() {
    let sim = with_faults(Faults {
        expired_credentials: true,
        ..Faults::default()
    })
    .await;
    let error = sim
        .codepipeline()
        .list_pipelines()
        .send()
        .await
        .expect_err("expired");
    assert_eq!(code(&error), "ExpiredTokenException");

    let sim = with_faults(Faults {
        error_rate: 1.0,
        services: vec!["ecs".into()],
        ..Faults::default()
    })
    .await;
    let error = sim.ecs().list_clusters().send().await.expect_err("5xx");
    assert_eq!(code(&error), "ServerException");
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(500));
    assert!(
        sim.codedeploy().list_applications().send().await.is_ok(),
        "faults scoped to ECS"
    );

    let sim = with_faults(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let error = sim.ecs().list_clusters().send().await.expect_err("dropped");
    assert!(
        error.as_service_error().is_none(),
        "a dropped connection is not a service error: {error:?}"
    );
}

//! The ECS service deployment operations through the Rust SDK (aws-sdk-ecs 1.157), each
//! checked against botocore's ECS model (1.43.11) and the API docs: ListServiceDeployments
//! paging (`maxResults` 1–100, `nextToken`) and filters, DescribeServiceDeployments and
//! DescribeServiceRevisions (at most 20 ARNs, unknown ones in `failures`), StopServiceDeployment
//! and ContinueServiceDeployment errors, RegisterTaskDefinition, and DescribeServices showing
//! the new configuration.

use aws_sdk_ecs::types::{
    ContainerDefinition, DeploymentControllerType, DeploymentStrategy, PortMapping,
    ServiceDeploymentStatus, StopServiceDeploymentStopType,
};

use crate::common::{Sim, code};
use crate::engine::native::{describe, force_deploy, native_lab};

async fn finish(sim: &Sim, arn: &str) {
    for _ in 0..3_600 {
        if sim
            .handle
            .shared()
            .with_world(|w| w.service_deployments[arn].status.is_done())
        {
            return;
        }
        sim.advance(1);
    }
    panic!("{arn} did not finish");
}

#[tokio::test]
async fn describe_services_shows_strategy_hooks_and_advanced_configuration() {
    // Model: DeploymentConfiguration.strategy/canaryConfiguration, LoadBalancer.advancedConfiguration.
    let sim = native_lab().await;
    let out = sim
        .ecs()
        .describe_services()
        .cluster("lab")
        .services("shop")
        .services("pay")
        .send()
        .await
        .expect("describe");
    let shop = &out.services()[0];
    assert_eq!(
        shop.deployment_controller().map(|c| c.r#type()),
        Some(&DeploymentControllerType::Ecs)
    );
    let config = shop.deployment_configuration().expect("configuration");
    assert_eq!(config.strategy(), Some(&DeploymentStrategy::Canary));
    let canary = config.canary_configuration().expect("canary");
    assert_eq!(canary.canary_percent(), Some(10.0));
    assert_eq!(canary.canary_bake_time_in_minutes(), Some(5));
    let advanced = shop.load_balancers()[0]
        .advanced_configuration()
        .expect("advancedConfiguration");
    assert!(
        advanced
            .alternate_target_group_arn()
            .is_some_and(|a| a.contains("shop-green"))
    );
    assert!(
        advanced
            .production_listener_rule()
            .is_some_and(|r| r.contains(":listener-rule/"))
    );
    assert!(advanced.test_listener_rule().is_some());
    assert_eq!(shop.current_service_revisions().len(), 1);
    let pay = &out.services()[1];
    let hook = &pay
        .deployment_configuration()
        .expect("config")
        .lifecycle_hooks()[0];
    assert_eq!(hook.target_type().map(|t| t.as_str()), Some("PAUSE"));
    assert_eq!(
        hook.timeout_configuration()
            .and_then(|t| t.timeout_in_minutes()),
        Some(30)
    );
}

#[tokio::test]
async fn list_service_deployments_pages_newest_first_and_filters_by_status() {
    // Model: ListServiceDeployments maxResults/nextToken; the docs: 1..=100.
    let sim = native_lab().await;
    let mut arns = Vec::new();
    for _ in 0..3 {
        let arn = force_deploy(&sim, "search").await;
        finish(&sim, &arn).await;
        arns.push(arn);
    }
    let ecs = sim.ecs();
    let first = ecs
        .list_service_deployments()
        .cluster("lab")
        .service("search")
        .max_results(2)
        .send()
        .await
        .expect("page 1");
    assert_eq!(first.service_deployments().len(), 2);
    assert_eq!(
        first.service_deployments()[0].service_deployment_arn(),
        Some(arns[2].as_str())
    );
    let token = first.next_token().expect("a next page").to_owned();
    let second = ecs
        .list_service_deployments()
        .cluster("lab")
        .service("search")
        .max_results(2)
        .next_token(token)
        .send()
        .await
        .expect("page 2");
    assert_eq!(second.service_deployments().len(), 1);
    assert!(second.next_token().is_none(), "the last page has no token");
    let none = ecs
        .list_service_deployments()
        .cluster("lab")
        .service("search")
        .status(ServiceDeploymentStatus::InProgress)
        .send()
        .await
        .expect("filtered");
    assert!(none.service_deployments().is_empty());
    let error = ecs
        .list_service_deployments()
        .cluster("lab")
        .service("search")
        .max_results(101)
        .send()
        .await
        .expect_err("over 100");
    assert_eq!(code(&error), "InvalidParameterException");
    let error = ecs
        .list_service_deployments()
        .cluster("lab")
        .service("nothing")
        .send()
        .await
        .expect_err("no such service");
    assert_eq!(code(&error), "ServiceNotFoundException");
}

#[tokio::test]
async fn describe_batches_take_twenty_and_report_unknown_arns_as_failures() {
    // Docs: "You can specify a maximum of 20 ARNs"; model: failures[] of Failure{arn, reason}.
    let sim = native_lab().await;
    let arn = force_deploy(&sim, "shop").await;
    let unknown = arn.replace("/shop/", "/nothing/");
    let out = sim
        .ecs()
        .describe_service_deployments()
        .service_deployment_arns(&arn)
        .service_deployment_arns(&unknown)
        .send()
        .await
        .expect("describe");
    assert_eq!(out.service_deployments().len(), 1);
    assert_eq!(out.failures()[0].arn(), Some(unknown.as_str()));
    assert_eq!(out.failures()[0].reason(), Some("MISSING"));
    let many: Vec<String> = (0..21).map(|i| format!("{unknown}{i}")).collect();
    let error = sim
        .ecs()
        .describe_service_deployments()
        .set_service_deployment_arns(Some(many))
        .send()
        .await
        .expect_err("21 ARNs");
    assert_eq!(code(&error), "InvalidParameterException");
    let d = describe(&sim, &arn).await;
    let target = d
        .target_service_revision()
        .and_then(|r| r.arn())
        .expect("target");
    let revisions = sim
        .ecs()
        .describe_service_revisions()
        .service_revision_arns(target)
        .service_revision_arns(format!("{target}0"))
        .send()
        .await
        .expect("revisions");
    let revision = &revisions.service_revisions()[0];
    assert!(revision.task_definition().is_some());
    assert!(
        revision.load_balancers()[0]
            .target_group_arn()
            .is_some_and(|t| t.contains("shop-green"))
    );
    assert_eq!(revisions.failures().len(), 1);
}

#[tokio::test]
async fn stop_and_continue_refuse_what_aws_refuses() {
    // Model: ServiceDeploymentNotFoundException, ConflictException; docs: only ROLLBACK is valid.
    let sim = native_lab().await;
    let arn = force_deploy(&sim, "search").await;
    let ecs = sim.ecs();
    let error = ecs
        .stop_service_deployment()
        .service_deployment_arn(arn.replace("/search/", "/nothing/"))
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(code(&error), "ServiceDeploymentNotFoundException");
    let error = ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(StopServiceDeploymentStopType::Abort)
        .send()
        .await
        .expect_err("abort");
    assert_eq!(code(&error), "InvalidParameterException");
    let error = ecs
        .continue_service_deployment()
        .service_deployment_arn(&arn)
        .hook_id("no-such-hook")
        .send()
        .await
        .expect_err("no paused hook");
    assert_eq!(code(&error), "InvalidParameterException");
    finish(&sim, &arn).await;
    let error = ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .expect_err("finished");
    assert_eq!(code(&error), "ConflictException");
}

#[tokio::test]
async fn a_registered_task_definition_deploys_through_update_service() {
    // Model: RegisterTaskDefinition → taskDefinition.revision; UpdateService.taskDefinition.
    let sim = native_lab().await;
    let ecs = sim.ecs();
    let registered = ecs
        .register_task_definition()
        .family("search")
        .container_definitions(
            ContainerDefinition::builder()
                .name("search")
                .image("example/search:2")
                .port_mappings(PortMapping::builder().container_port(80).build())
                .build(),
        )
        .send()
        .await
        .expect("register");
    let definition = registered.task_definition().expect("definition");
    let arn = definition.task_definition_arn().expect("arn").to_owned();
    assert!(arn.ends_with(&format!("search:{}", definition.revision())));
    let out = ecs
        .update_service()
        .cluster("lab")
        .service("search")
        .task_definition(&arn)
        .send()
        .await
        .expect("update");
    let deployment = out
        .service()
        .and_then(|s| s.current_service_deployment())
        .expect("a deployment")
        .to_owned();
    finish(&sim, &deployment).await;
    let service = ecs
        .describe_services()
        .cluster("lab")
        .services("search")
        .send()
        .await
        .expect("describe");
    assert_eq!(service.services()[0].task_definition(), Some(arn.as_str()));
}

//! The AWS CLI (botocore parses every answer against the ECS model) on the ECS service
//! deployment operations: RegisterTaskDefinition, ListServiceDeployments,
//! DescribeServiceDeployments, DescribeServiceRevisions, ContinueServiceDeployment,
//! StopServiceDeployment, and DescribeServices of an ECS-native service.

use crate::aws_cli::{Cli, cli_available, text};
use crate::common::Sim;
use crate::engine::native::native_lab;

#[tokio::test]
async fn the_aws_cli_parses_every_service_deployment_answer() {
    if !cli_available() {
        return;
    }
    let sim = native_lab().await;
    let cli = Cli {
        endpoint: sim.endpoint(),
    };
    tokio::task::spawn_blocking(move || run(&sim, &cli))
        .await
        .expect("cli run");
}

fn run(sim: &Sim, cli: &Cli) {
    let services = cli.ok(&[
        "ecs",
        "describe-services",
        "--cluster",
        "lab",
        "--services",
        "pay",
    ]);
    assert_eq!(
        text(&services, "/services/0/deploymentConfiguration/strategy"),
        "BLUE_GREEN"
    );
    text(
        &services,
        "/services/0/loadBalancers/0/advancedConfiguration/productionListenerRule",
    );
    let registered = cli.ok(&[
        "ecs",
        "register-task-definition",
        "--family",
        "pay",
        "--container-definitions",
        r#"[{"name":"pay","image":"example/pay:2","portMappings":[{"containerPort":80}]}]"#,
    ]);
    let definition = text(&registered, "/taskDefinition/taskDefinitionArn");
    let updated = cli.ok(&[
        "ecs",
        "update-service",
        "--cluster",
        "lab",
        "--service",
        "pay",
        "--task-definition",
        &definition,
    ]);
    let arn = text(&updated, "/service/currentServiceDeployment");
    let listed = cli.ok(&[
        "ecs",
        "list-service-deployments",
        "--cluster",
        "lab",
        "--service",
        "pay",
    ]);
    assert_eq!(
        text(&listed, "/serviceDeployments/0/serviceDeploymentArn"),
        arn
    );
    // Run to the PAUSE hook before production traffic.
    let mut hook = None;
    for _ in 0..900 {
        sim.advance(1);
        hook = sim.handle.shared().with_world(|w| {
            w.service_deployments[&arn]
                .waiting_hook()
                .map(|h| h.hook_id.clone())
        });
        if hook.is_some() {
            break;
        }
    }
    let hook = hook.expect("a paused hook");
    let described = cli.ok(&[
        "ecs",
        "describe-service-deployments",
        "--service-deployment-arns",
        &arn,
    ]);
    assert_eq!(
        text(
            &described,
            "/serviceDeployments/0/lifecycleHookDetails/0/status"
        ),
        "AWAITING_ACTION"
    );
    let revision = text(
        &described,
        "/serviceDeployments/0/targetServiceRevision/arn",
    );
    let revisions = cli.ok(&[
        "ecs",
        "describe-service-revisions",
        "--service-revision-arns",
        &revision,
    ]);
    assert_eq!(
        text(&revisions, "/serviceRevisions/0/taskDefinition"),
        definition
    );
    let continued = cli.ok(&[
        "ecs",
        "continue-service-deployment",
        "--service-deployment-arn",
        &arn,
        "--hook-id",
        &hook,
        "--action",
        "CONTINUE",
    ]);
    assert_eq!(text(&continued, "/serviceDeploymentArn"), arn);
    let stopped = cli.ok(&[
        "ecs",
        "stop-service-deployment",
        "--service-deployment-arn",
        &arn,
        "--stop-type",
        "ROLLBACK",
    ]);
    assert_eq!(text(&stopped, "/serviceDeploymentArn"), arn);
    cli.fails(
        &[
            "ecs",
            "stop-service-deployment",
            "--service-deployment-arn",
            &arn.replace("/pay/", "/nothing/"),
        ],
        "ServiceDeploymentNotFoundException",
    );
}

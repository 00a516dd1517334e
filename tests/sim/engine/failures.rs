//! A deployment that does not go through: stopped with a rollback, failed by a hook (with
//! and without auto-rollback), failed by unhealthy targets, refused at creation. Success
//! paths belong to the other topics.

use cutover::sim::world::codedeploy::{DeploymentStatus, LifecycleEventName};

use super::{
    advance_until, appspec, control, deploy, event_running, lab, task_definition, weights,
};
use crate::common::code;

#[tokio::test]
async fn stop_with_rollback_creates_a_linked_rollback_that_moves_traffic_back() {
    let sim = lab().await;
    let id = deploy(
        &sim,
        "web",
        Some("CodeDeployDefault.ECSCanary10Percent5Minutes"),
    )
    .await;
    advance_until(
        &sim,
        900,
        event_running(&id, LifecycleEventName::AllowTraffic),
    );
    let cd = sim.codedeploy();
    let out = cd
        .stop_deployment()
        .deployment_id(&id)
        .auto_rollback_enabled(true)
        .send()
        .await
        .expect("stop");
    assert_eq!(out.status().map(|s| s.as_str()), Some("Pending"));
    let info = cd
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    let info = info.deployment_info().expect("info");
    assert_eq!(info.status().map(|s| s.as_str()), Some("Stopped"));
    let rollback = info
        .rollback_info()
        .and_then(|r| r.rollback_deployment_id())
        .expect("rollback id")
        .to_owned();
    let back = cd
        .get_deployment()
        .deployment_id(&rollback)
        .send()
        .await
        .expect("rollback");
    let back = back.deployment_info().expect("info");
    assert_eq!(
        back.creator().map(|c| c.as_str()),
        Some("codeDeployRollback")
    );
    assert_eq!(
        back.rollback_info()
            .and_then(|r| r.rollback_triggering_deployment_id()),
        Some(id.as_str())
    );
    advance_until(&sim, 600, |w| {
        w.deployments[&rollback].status == DeploymentStatus::Succeeded
    });
    assert_eq!(
        weights(&sim, &rollback, "web").await.0,
        (100.0, 0.0),
        "production is back on the original"
    );
    let service = sim
        .ecs()
        .describe_services()
        .cluster("lab")
        .services("web")
        .send()
        .await
        .expect("service");
    assert_eq!(service.services()[0].task_sets().len(), 1);
    let error = cd
        .stop_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect_err("already over");
    assert_eq!(code(&error), "DeploymentAlreadyCompletedException");
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn a_failed_hook_fails_the_deployment_with_diagnostics_and_rolls_back() {
    let sim = lab().await;
    control(
        &sim,
        r#"{"event":"fail_next_hook","application":"lab","deployment_group":"web"}"#,
    )
    .await;
    let id = deploy(&sim, "web", None).await;
    advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Failed
    });
    let cd = sim.codedeploy();
    let info = cd
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    let info = info.deployment_info().expect("info");
    assert_eq!(
        info.error_information()
            .and_then(|e| e.code())
            .map(|c| c.as_str()),
        Some("HOOK_EXECUTION_FAILURE")
    );
    let target = cd
        .get_deployment_target()
        .deployment_id(&id)
        .target_id("lab:web")
        .send()
        .await
        .expect("target");
    let events = target
        .deployment_target()
        .and_then(|t| t.ecs_target())
        .expect("ecs")
        .lifecycle_events()
        .to_vec();
    let failed = events
        .iter()
        .find(|e| e.status().map(|s| s.as_str()) == Some("Failed"))
        .expect("a failed event");
    assert_eq!(failed.lifecycle_event_name(), Some("AfterAllowTestTraffic"));
    assert!(
        failed
            .diagnostics()
            .and_then(|d| d.message())
            .is_some_and(|m| !m.is_empty())
    );
    assert!(
        events
            .iter()
            .skip(5)
            .all(|e| e.status().map(|s| s.as_str()) == Some("Skipped"))
    );
    let rollback = info
        .rollback_info()
        .and_then(|r| r.rollback_deployment_id())
        .expect("auto rollback")
        .to_owned();
    advance_until(&sim, 600, |w| {
        w.deployments[&rollback].status == DeploymentStatus::Succeeded
    });
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn a_failed_hook_without_auto_rollback_reverts_in_place() {
    let sim = lab().await;
    control(&sim, r#"{"event":"fail_next_hook","application":"lab","deployment_group":"jobs","lifecycle_event":"AfterInstall"}"#).await;
    let id = deploy(&sim, "jobs", None).await;
    advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Failed
    });
    let info = sim
        .codedeploy()
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    assert!(
        info.deployment_info()
            .and_then(|d| d.rollback_info())
            .and_then(|r| r.rollback_deployment_id())
            .is_none()
    );
    advance_until(&sim, 300, |w| {
        w.service("lab", "jobs")
            .is_some_and(|s| s.task_sets.len() == 1)
    });
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn unhealthy_green_targets_show_their_reason_and_fail_the_install() {
    let sim = lab().await;
    control(
        &sim,
        r#"{"event":"unhealthy_target_group","target_group":"web-green"}"#,
    )
    .await;
    let id = deploy(&sim, "web", None).await;
    advance_until(&sim, 300, |w| {
        w.service("lab", "web").is_some_and(|s| {
            s.tasks
                .iter()
                .any(|t| t.health == cutover::sim::world::ecs::Health::Unhealthy)
        })
    });
    let elb = sim.elb();
    let green = elb
        .describe_target_groups()
        .names("web-green")
        .send()
        .await
        .expect("tg");
    let health = elb
        .describe_target_health()
        .target_group_arn(green.target_groups()[0].target_group_arn().expect("arn"))
        .send()
        .await
        .expect("health");
    let unhealthy = health
        .target_health_descriptions()
        .iter()
        .filter_map(|t| t.target_health())
        .find(|h| h.state().map(|s| s.as_str()) == Some("unhealthy"))
        .expect("an unhealthy target");
    assert_eq!(
        unhealthy.reason().map(|r| r.as_str()),
        Some("Target.ResponseCodeMismatch")
    );
    advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Failed
    });
    let info = sim
        .codedeploy()
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    assert_eq!(
        info.deployment_info()
            .and_then(|d| d.error_information())
            .and_then(|e| e.code())
            .map(|c| c.as_str()),
        Some("ECS_UPDATE_ERROR")
    );
    let stopped = sim
        .ecs()
        .list_tasks()
        .cluster("lab")
        .service_name("web")
        .desired_status(aws_sdk_ecs::types::DesiredStatus::Stopped)
        .send()
        .await
        .expect("stopped");
    let tasks = sim
        .ecs()
        .describe_tasks()
        .cluster("lab")
        .set_tasks(Some(stopped.task_arns().to_vec()))
        .send()
        .await
        .expect("tasks");
    assert!(tasks.tasks().iter().any(|t| {
        t.stopped_reason()
            .is_some_and(|r| r.contains("failed ELB health checks"))
    }));
}

#[tokio::test]
async fn a_second_deployment_to_a_busy_group_is_refused() {
    let sim = lab().await;
    deploy(&sim, "web", None).await;
    let td = task_definition(&sim, "web").await;
    let revision = appspec(format!(
        "Resources:\n  - T:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: {td}\n"
    ));
    let error = sim
        .codedeploy()
        .create_deployment()
        .application_name("lab")
        .deployment_group_name("web")
        .revision(revision)
        .send()
        .await
        .expect_err("busy");
    assert_eq!(code(&error), "DeploymentLimitExceededException");
    let bad = appspec("not: [valid".to_owned());
    let error = sim
        .codedeploy()
        .create_deployment()
        .application_name("lab")
        .deployment_group_name("api")
        .revision(bad)
        .send()
        .await
        .expect_err("bad appspec");
    assert_eq!(code(&error), "InvalidRevisionException");
}

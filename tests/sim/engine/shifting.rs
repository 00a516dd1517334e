//! Traffic shifting per config (canary, linear, all at once), the termination wait and
//! finishing it early, the Ready wait with its continue and its timeout. No failures here.

use aws_sdk_codedeploy::types::DeploymentWaitType;
use cutover::sim::world::codedeploy::{DeploymentStatus, LifecycleEventName, Phase};

use super::{advance_until, deploy, event_running, lab, phase, weights};
use crate::common::code;

#[tokio::test]
async fn canary_ten_percent_shifts_ten_then_all_five_minutes_later() {
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
    let (rule, sets) = weights(&sim, &id, "web").await;
    assert_eq!(rule, (90.0, 10.0));
    assert_eq!(sets, (90.0, 10.0));
    sim.advance(299);
    assert_eq!(
        phase(&sim, &id).2,
        10,
        "still 10 % one second before the step"
    );
    sim.advance(1);
    let (rule, sets) = weights(&sim, &id, "web").await;
    assert_eq!(rule, (0.0, 100.0));
    assert_eq!(sets, (0.0, 100.0));
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn linear_shifts_ten_percent_each_minute() {
    let sim = lab().await;
    let id = deploy(
        &sim,
        "web",
        Some("CodeDeployDefault.ECSLinear10PercentEvery1Minutes"),
    )
    .await;
    advance_until(
        &sim,
        900,
        event_running(&id, LifecycleEventName::AllowTraffic),
    );
    for step in 1..=10u32 {
        assert_eq!(phase(&sim, &id).2, step * 10);
        let (rule, sets) = weights(&sim, &id, "web").await;
        assert_eq!(rule.1, f64::from(step * 10));
        assert_eq!(sets.1, f64::from(step * 10));
        sim.advance(60);
    }
}

#[tokio::test]
async fn all_at_once_then_termination_wait_then_the_original_is_removed() {
    let sim = lab().await;
    let id = deploy(&sim, "web", None).await;
    advance_until(
        &sim,
        900,
        event_running(&id, LifecycleEventName::AllowTraffic),
    );
    assert_eq!(weights(&sim, &id, "web").await.0, (0.0, 100.0));
    advance_until(&sim, 300, |w| {
        w.deployments[&id].phase == Phase::TerminationWait
    });
    let info = sim
        .codedeploy()
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    let info = info.deployment_info().expect("info");
    assert!(info.instance_termination_wait_time_started());
    assert_eq!(info.status().map(|s| s.as_str()), Some("InProgress"));
    let waited = advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Succeeded
    });
    assert!(
        waited >= 300,
        "the five-minute termination wait ran ({waited} s)"
    );
    let service = sim
        .ecs()
        .describe_services()
        .cluster("lab")
        .services("web")
        .send()
        .await
        .expect("service");
    let sets = service.services()[0].task_sets();
    assert_eq!(sets.len(), 1, "only the replacement remains");
    assert_eq!(sets[0].status(), Some("PRIMARY"));
    let blue = sim
        .elb()
        .describe_target_groups()
        .names("web-blue")
        .send()
        .await
        .expect("tg");
    let health = sim
        .elb()
        .describe_target_health()
        .target_group_arn(blue.target_groups()[0].target_group_arn().expect("arn"))
        .send()
        .await
        .expect("health");
    assert!(
        health.target_health_descriptions().is_empty(),
        "no targets outlive the original task set"
    );
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn finish_now_ends_the_termination_wait_early() {
    let sim = lab().await;
    let id = deploy(&sim, "web", None).await;
    advance_until(&sim, 1200, |w| {
        w.deployments[&id].phase == Phase::TerminationWait
    });
    let cd = sim.codedeploy();
    let error = cd
        .continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::ReadyWait)
        .send()
        .await
        .expect_err("not ready");
    assert_eq!(code(&error), "DeploymentIsNotInReadyStateException");
    cd.continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::TerminationWait)
        .send()
        .await
        .expect("finish now");
    let took = advance_until(&sim, 300, |w| {
        w.deployments[&id].status == DeploymentStatus::Succeeded
    });
    assert!(
        took < 120,
        "finished after draining, not after the wait ({took} s)"
    );
    let error = cd
        .continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::TerminationWait)
        .send()
        .await
        .expect_err("done");
    assert_eq!(code(&error), "DeploymentAlreadyCompletedException");
}

#[tokio::test]
async fn ready_waits_for_continue_then_shifts() {
    let sim = lab().await;
    let id = deploy(&sim, "api", None).await;
    advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Ready
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
            .and_then(|d| d.status())
            .map(|s| s.as_str()),
        Some("Ready")
    );
    assert_eq!(
        weights(&sim, &id, "api").await.0,
        (100.0, 0.0),
        "production has not moved"
    );
    sim.advance(120);
    assert_eq!(
        phase(&sim, &id).0,
        DeploymentStatus::Ready,
        "it keeps waiting"
    );
    sim.codedeploy()
        .continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::ReadyWait)
        .send()
        .await
        .expect("reroute");
    advance_until(&sim, 300, |w| w.deployments[&id].shifted == 100);
    let error = sim
        .codedeploy()
        .continue_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect_err("no longer ready");
    assert_eq!(code(&error), "DeploymentIsNotInReadyStateException");
}

#[tokio::test]
async fn ready_times_out_to_stopped_and_traffic_stays_on_the_original() {
    let sim = lab().await;
    let id = deploy(&sim, "api", None).await;
    advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Ready
    });
    let waited = advance_until(&sim, 700, |w| {
        w.deployments[&id].status == DeploymentStatus::Stopped
    });
    assert!(
        (599..=601).contains(&waited),
        "the ten-minute ready wait ran out ({waited} s)"
    );
    let info = sim
        .codedeploy()
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    let error = info
        .deployment_info()
        .and_then(|d| d.error_information())
        .expect("error information");
    assert_eq!(error.code().map(|c| c.as_str()), Some("TIMEOUT"));
    advance_until(&sim, 300, |w| {
        w.service("lab", "api")
            .is_some_and(|s| s.task_sets.len() == 1)
    });
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

//! ECS-native blue/green, linear and canary service deployments on the manual clock, started
//! and answered through the ECS SDK client (aws-sdk-ecs 1.157: UpdateService,
//! DescribeServiceDeployments, StopServiceDeployment, ContinueServiceDeployment), with the
//! world's invariants checked every virtual second. Stage order and strategies follow the
//! ECS model's `ServiceDeploymentLifecycleStage` docs (botocore 1.43.11) and reference §3.4–3.5.

use aws_sdk_ecs::types::{
    DeploymentLifecycleHookAction, DeploymentLifecycleHookStatus, ServiceDeployment,
    ServiceDeploymentLifecycleStage as Stage, ServiceDeploymentStatus as Status,
    StopServiceDeploymentStopType,
};
use cutover::sim::SimOptions;
use cutover::sim::world::World;

use super::control_post;
use crate::common::{Sim, options};

pub async fn native_lab() -> Sim {
    let world = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worlds/native.toml");
    Sim::start_with(SimOptions {
        world: Some(world),
        speed: None,
        autopilot: Some(false),
        ..options()
    })
    .await
}

/// Starts a service deployment with UpdateService(forceNewDeployment); its ARN.
pub async fn force_deploy(sim: &Sim, service: &str) -> String {
    let out = sim
        .ecs()
        .update_service()
        .cluster("lab")
        .service(service)
        .force_new_deployment(true)
        .send()
        .await
        .expect("update service");
    out.service()
        .and_then(|s| s.current_service_deployment())
        .expect("currentServiceDeployment")
        .to_owned()
}

pub async fn describe(sim: &Sim, arn: &str) -> ServiceDeployment {
    let out = sim
        .ecs()
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .expect("describe service deployments");
    out.service_deployments()[0].clone()
}

/// Steps one virtual second at a time until `done` holds, checking the invariants at each.
fn run_until(sim: &Sim, limit: i64, done: impl Fn(&World) -> bool) -> i64 {
    for second in 0..=limit {
        let (reached, broken) = sim
            .handle
            .shared()
            .with_world(|w| (done(w), w.check_invariants()));
        assert!(broken.is_empty(), "after {second} s: {broken:?}");
        if reached {
            return second;
        }
        sim.advance(1);
    }
    panic!("condition not reached within {limit} virtual seconds");
}

/// Advances `seconds` one at a time, checking the invariants at each.
fn pass(sim: &Sim, seconds: i64) {
    for second in 0..seconds {
        sim.advance(1);
        let broken = sim.invariants();
        assert!(broken.is_empty(), "after {second} s: {broken:?}");
    }
}

fn green_share(sim: &Sim, arn: &str) -> f64 {
    sim.handle.shared().with_world(|w| {
        let d = &w.service_deployments[arn];
        w.rules[&d.config.advanced.production_rule].share_of(&d.green_target_group)
    })
}

fn shifting(arn: &str) -> impl Fn(&World) -> bool + '_ {
    move |w: &World| w.service_deployments[arn].production_percent > 0.0
}

async fn wait_done(sim: &Sim, arn: &str, wanted: &'static str) -> ServiceDeployment {
    run_until(sim, 3_600, |w| w.service_deployments[arn].status.is_done());
    let d = describe(sim, arn).await;
    assert_eq!(d.status().map(|s| s.as_str()), Some(wanted), "{d:?}");
    d
}

/// One revision serves once a deployment is over: its target group has all of production
/// and the service runs one set of tasks.
fn one_revision_serves(sim: &Sim, arn: &str, green_won: bool) {
    sim.handle.shared().with_world(|w| {
        let d = &w.service_deployments[arn];
        let rule = &w.rules[&d.config.advanced.production_rule];
        let winner = if green_won {
            &d.green_target_group
        } else {
            &d.blue_target_group
        };
        assert_eq!(rule.share_of(winner), 100.0);
        let service = w.service(&d.cluster, &d.service).expect("service");
        assert_eq!(service.task_sets.len(), 1);
    });
}

#[tokio::test]
async fn canary_ten_percent_then_all_exactly_five_minutes_later() {
    let sim = native_lab().await;
    let arn = force_deploy(&sim, "shop").await;
    run_until(&sim, 900, shifting(&arn));
    assert_eq!(green_share(&sim, &arn), 10.0);
    let d = describe(&sim, &arn).await;
    assert_eq!(d.lifecycle_stage(), Some(&Stage::ProductionTrafficShift));
    let target = d.target_service_revision().expect("target");
    assert_eq!(target.requested_production_traffic_weight(), Some(10.0));
    assert_eq!(target.requested_test_traffic_weight(), Some(100.0));
    pass(&sim, 299);
    assert_eq!(
        green_share(&sim, &arn),
        10.0,
        "still 10 % one second before"
    );
    pass(&sim, 1);
    assert_eq!(green_share(&sim, &arn), 100.0);
    wait_done(&sim, &arn, "SUCCESSFUL").await;
    one_revision_serves(&sim, &arn, true);
}

#[tokio::test]
async fn linear_moves_a_step_every_step_bake_and_none_after_the_last() {
    let sim = native_lab().await;
    let arn = force_deploy(&sim, "cart").await;
    run_until(&sim, 900, shifting(&arn));
    for step in 1..=4 {
        assert_eq!(green_share(&sim, &arn), 25.0 * f64::from(step));
        if step < 4 {
            pass(&sim, 119);
            assert_eq!(green_share(&sim, &arn), 25.0 * f64::from(step));
            pass(&sim, 1);
        }
    }
    // No bake after the last step: the stage is left at once.
    pass(&sim, 2);
    let stage = describe(&sim, &arn).await.lifecycle_stage().cloned();
    assert_ne!(stage, Some(Stage::ProductionTrafficShift));
    wait_done(&sim, &arn, "SUCCESSFUL").await;
}

#[tokio::test]
async fn blue_green_shifts_all_at_once_runs_its_stages_in_order_and_bakes() {
    let sim = native_lab().await;
    let before = sim
        .handle
        .shared()
        .with_world(|w| w.service("lab", "search").and_then(|s| s.revision.clone()));
    let arn = force_deploy(&sim, "search").await;
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..3_600 {
        let stage = sim.handle.shared().with_world(|w| {
            w.service_deployments[&arn]
                .stage
                .map(|s| s.as_str().to_owned())
        });
        if let Some(stage) = stage
            && seen.last() != Some(&stage)
        {
            seen.push(stage);
        }
        if sim
            .handle
            .shared()
            .with_world(|w| w.service_deployments[&arn].status.is_done())
        {
            break;
        }
        if seen.last().map(String::as_str) == Some("PRODUCTION_TRAFFIC_SHIFT") {
            let share = green_share(&sim, &arn);
            assert!(share == 0.0 || share == 100.0, "all at once, not {share}");
        }
        pass(&sim, 1);
    }
    assert_eq!(
        seen,
        [
            "PRE_SCALE_UP",
            "SCALE_UP",
            "POST_SCALE_UP",
            "TEST_TRAFFIC_SHIFT",
            "POST_TEST_TRAFFIC_SHIFT",
            "PRODUCTION_TRAFFIC_SHIFT",
            "POST_PRODUCTION_TRAFFIC_SHIFT",
            "BAKE_TIME",
            "CLEAN_UP"
        ]
    );
    let d = wait_done(&sim, &arn, "SUCCESSFUL").await;
    let hooks = d.lifecycle_hook_details();
    assert_eq!(hooks.len(), 1);
    assert_eq!(
        hooks[0].status(),
        Some(&DeploymentLifecycleHookStatus::Succeeded)
    );
    let after = sim
        .handle
        .shared()
        .with_world(|w| w.service("lab", "search").and_then(|s| s.revision.clone()));
    assert_ne!(before, after);
    assert_eq!(
        after.as_deref(),
        d.target_service_revision().and_then(|r| r.arn())
    );
    one_revision_serves(&sim, &arn, true);
}

async fn paused(sim: &Sim, arn: &str) -> String {
    run_until(sim, 900, |w| {
        w.service_deployments[arn].waiting_hook().is_some()
    });
    let d = describe(sim, arn).await;
    assert_eq!(d.lifecycle_stage(), Some(&Stage::ProductionTrafficShift));
    assert_eq!(green_share(sim, arn), 0.0, "paused before production moves");
    let hook = &d.lifecycle_hook_details()[0];
    assert_eq!(
        hook.status(),
        Some(&DeploymentLifecycleHookStatus::AwaitingAction)
    );
    assert!(hook.expires_at().is_some());
    assert_eq!(
        hook.timeout_action(),
        Some(&DeploymentLifecycleHookAction::Rollback)
    );
    hook.hook_id().expect("hookId").to_owned()
}

#[tokio::test]
async fn a_pause_hook_continued_lets_production_move() {
    let sim = native_lab().await;
    let arn = force_deploy(&sim, "pay").await;
    let hook = paused(&sim, &arn).await;
    pass(&sim, 600);
    assert_eq!(green_share(&sim, &arn), 0.0, "a pause waits");
    sim.ecs()
        .continue_service_deployment()
        .service_deployment_arn(&arn)
        .hook_id(&hook)
        .action(DeploymentLifecycleHookAction::Continue)
        .send()
        .await
        .expect("continue");
    let d = wait_done(&sim, &arn, "SUCCESSFUL").await;
    assert_eq!(
        d.lifecycle_hook_details()[0].status(),
        Some(&DeploymentLifecycleHookStatus::Succeeded)
    );
    one_revision_serves(&sim, &arn, true);
}

#[tokio::test]
async fn a_pause_hook_answered_rollback_rolls_back() {
    let sim = native_lab().await;
    let arn = force_deploy(&sim, "pay").await;
    let hook = paused(&sim, &arn).await;
    sim.ecs()
        .continue_service_deployment()
        .service_deployment_arn(&arn)
        .hook_id(&hook)
        .action(DeploymentLifecycleHookAction::Rollback)
        .send()
        .await
        .expect("continue with rollback");
    let d = wait_done(&sim, &arn, "ROLLBACK_SUCCESSFUL").await;
    let rollback = d.rollback().expect("rollback record");
    assert_eq!(
        rollback.service_revision_arn(),
        d.source_service_revisions()[0].arn()
    );
    one_revision_serves(&sim, &arn, false);
}

#[tokio::test]
async fn a_pause_hook_times_out_into_its_timeout_action() {
    let sim = native_lab().await;
    let arn = force_deploy(&sim, "pay").await;
    paused(&sim, &arn).await;
    let waited = run_until(&sim, 3_600, |w| {
        w.service_deployments[&arn].status.as_str() == "ROLLBACK_IN_PROGRESS"
    });
    assert_eq!(waited, 30 * 60, "timeoutInMinutes = 30");
    let d = wait_done(&sim, &arn, "ROLLBACK_SUCCESSFUL").await;
    assert_eq!(
        d.lifecycle_hook_details()[0].status(),
        Some(&DeploymentLifecycleHookStatus::TimedOut)
    );
    one_revision_serves(&sim, &arn, false);
}

#[tokio::test]
async fn a_failed_lambda_hook_rolls_the_deployment_back() {
    let sim = native_lab().await;
    control_post(
        &sim,
        r#"{"event":"fail_next_service_hook","cluster":"lab","service":"search","lifecycle_stage":"POST_TEST_TRAFFIC_SHIFT"}"#,
    )
    .await;
    let arn = force_deploy(&sim, "search").await;
    let d = wait_done(&sim, &arn, "ROLLBACK_SUCCESSFUL").await;
    assert_eq!(
        d.lifecycle_hook_details()[0].status(),
        Some(&DeploymentLifecycleHookStatus::Failed)
    );
    assert!(
        d.status_reason()
            .is_some_and(|r| r.contains("search-smoke-test"))
    );
    assert!(d.rollback().is_some());
    one_revision_serves(&sim, &arn, false);
}

#[tokio::test]
async fn stop_with_rollback_mid_shift_sends_production_back_to_blue() {
    let sim = native_lab().await;
    let arn = force_deploy(&sim, "shop").await;
    run_until(&sim, 900, shifting(&arn));
    sim.ecs()
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .expect("stop");
    assert_eq!(
        describe(&sim, &arn).await.status(),
        Some(&Status::RollbackRequested)
    );
    pass(&sim, 1);
    assert_eq!(green_share(&sim, &arn), 0.0);
    wait_done(&sim, &arn, "ROLLBACK_SUCCESSFUL").await;
    one_revision_serves(&sim, &arn, false);
}

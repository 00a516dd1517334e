//! ECS-native blue/green, linear and canary service deployments: starting one (UpdateService
//! with a new task definition or `forceNewDeployment`), then each tick running its lifecycle
//! stages in order (`stages`) and its hooks, and rolling it back (`halt`). Traffic moves only
//! through the CodeDeploy engine's [`crate::sim::engine::deploy::traffic`] functions, and green
//! tasks register through the task scheduler like any task set's: it must not write forward
//! weights or targets itself.
//!
//! Simplifications, said in `docs/simulator.md`: a deployment started while another of the
//! same service is in progress waits PENDING until that one is done (AWS reconciles instead);
//! a PRE_PRODUCTION_TRAFFIC_SHIFT hook runs with the stage reported as
//! PRODUCTION_TRAFFIC_SHIFT, before the first shift (the API has no stage of that name).

mod halt;
mod stages;

pub use halt::stop;

use crate::sim::error::{ApiError, ApiResult};
use crate::sim::world::native::{
    HookStage, ServiceDeployment, ServiceRevision, Stage, Status, Step,
};
use crate::sim::world::{Millis, Stream, World};

/// The engine's steps, in order: each stage's own work, then the hooks of its hook stage.
pub const STEPS: [Step; 18] = [
    Step::Work(Stage::ReconcileService),
    Step::Hooks(HookStage::ReconcileService),
    Step::Work(Stage::PreScaleUp),
    Step::Hooks(HookStage::PreScaleUp),
    Step::Work(Stage::ScaleUp),
    Step::Work(Stage::PostScaleUp),
    Step::Hooks(HookStage::PostScaleUp),
    Step::Work(Stage::TestTrafficShift),
    Step::Hooks(HookStage::TestTrafficShift),
    Step::Work(Stage::PostTestTrafficShift),
    Step::Hooks(HookStage::PostTestTrafficShift),
    Step::Hooks(HookStage::PreProductionTrafficShift),
    Step::Work(Stage::ProductionTrafficShift),
    Step::Hooks(HookStage::ProductionTrafficShift),
    Step::Work(Stage::PostProductionTrafficShift),
    Step::Hooks(HookStage::PostProductionTrafficShift),
    Step::Work(Stage::BakeTime),
    Step::Work(Stage::CleanUp),
];

/// The first step when no reconciliation is needed.
const FIRST_WITHOUT_RECONCILE: usize = 2;

/// The stage `lifecycleStage` reports during a step.
pub fn stage_of(step: Step) -> Stage {
    match step {
        Step::Work(stage) => stage,
        Step::Hooks(hook) => match hook {
            HookStage::ReconcileService => Stage::ReconcileService,
            HookStage::PreScaleUp => Stage::PreScaleUp,
            HookStage::PostScaleUp => Stage::PostScaleUp,
            HookStage::TestTrafficShift => Stage::TestTrafficShift,
            HookStage::PostTestTrafficShift => Stage::PostTestTrafficShift,
            HookStage::PreProductionTrafficShift | HookStage::ProductionTrafficShift => {
                Stage::ProductionTrafficShift
            }
            HookStage::PostProductionTrafficShift => Stage::PostProductionTrafficShift,
        },
    }
}

fn random_id(world: &mut World) -> String {
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    format!(
        "{}-{}",
        world.rng.string(UPPER, 8),
        world.rng.string(MIXED, 12)
    )
}

/// Records a service revision of `task_definition` behind `target_group`; its ARN.
pub fn add_revision(
    world: &mut World,
    (cluster, service): (&str, &str),
    task_definition: &str,
    target_group: &str,
    created_at: Millis,
) -> String {
    let id = format!(
        "{}{}",
        1 + world.rng.next_u64() % 9,
        world.rng.string(b"0123456789", 18)
    );
    let arn = world.arn("ecs", &format!("service-revision/{cluster}/{service}/{id}"));
    world.service_revisions.insert(
        arn.clone(),
        ServiceRevision {
            arn: arn.clone(),
            cluster: cluster.to_owned(),
            service: service.to_owned(),
            task_definition: task_definition.to_owned(),
            target_group: target_group.to_owned(),
            created_at,
        },
    );
    arn
}

/// The revision production runs now, recorded the first time it is asked for.
pub fn ensure_revision(world: &mut World, cluster: &str, service: &str) -> Option<String> {
    let svc = world.service(cluster, service)?;
    if let Some(arn) = &svc.revision {
        return Some(arn.clone());
    }
    let primary = svc.primary()?;
    let (task_definition, created_at) = (primary.task_definition.clone(), primary.created_at);
    let target_group = primary.target_group_arn.clone().unwrap_or_default();
    let arn = add_revision(
        world,
        (cluster, service),
        &task_definition,
        &target_group,
        created_at,
    );
    if let Some(svc) = world.service_mut(cluster, service) {
        svc.revision = Some(arn.clone());
    }
    Some(arn)
}

/// Starts a service deployment of `task_definition` on an ECS-native blue/green service; its
/// ARN. The deployment is PENDING until the next tick. Like all this engine does, it draws
/// from the world's native stream.
pub fn start(
    world: &mut World,
    cluster: &str,
    service: &str,
    task_definition: &str,
) -> ApiResult<String> {
    world.in_stream(Stream::Native, |w| {
        begin(w, cluster, service, task_definition)
    })
}

/// ContinueServiceDeployment: answers a PAUSE hook that is AWAITING_ACTION.
pub fn continue_hook(
    world: &mut World,
    arn: &str,
    hook_id: &str,
    action: Option<&str>,
) -> ApiResult<String> {
    world.in_stream(Stream::Native, |w| {
        halt::continue_hook(w, arn, hook_id, action)
    })
}

fn begin(
    world: &mut World,
    cluster: &str,
    service: &str,
    task_definition: &str,
) -> ApiResult<String> {
    let Some(config) = world
        .service(cluster, service)
        .and_then(|s| s.blue_green.clone())
    else {
        return Err(ApiError::new(
            "InvalidParameterException",
            format!("The service {service} does not use a blue/green, linear or canary strategy."),
        ));
    };
    let source = ensure_revision(world, cluster, service)
        .into_iter()
        .collect();
    let (blue_tg, green_tg) = sides(world, cluster, service, &config.advanced);
    let now = world.now;
    let target = add_revision(world, (cluster, service), task_definition, &green_tg, now);
    let id = random_id(world);
    let arn = world.arn(
        "ecs",
        &format!("service-deployment/{cluster}/{service}/{id}"),
    );
    let fail_hook_at = world
        .service_mut(cluster, service)
        .and_then(|s| s.fail_next_hook.take());
    let blue_set = world
        .service(cluster, service)
        .and_then(|s| s.primary())
        .map(|s| s.id.clone());
    let deployment = ServiceDeployment {
        arn: arn.clone(),
        cluster: cluster.to_owned(),
        service: service.to_owned(),
        source_revisions: source,
        target_revision: target,
        status: Status::Pending,
        status_reason: None,
        stage: None,
        step: 0,
        step_since: now,
        next_at: None,
        created_at: now,
        started_at: None,
        finished_at: None,
        stopped_at: None,
        updated_at: now,
        config,
        hooks: Vec::new(),
        rollback: None,
        production_percent: 0.0,
        test_on_green: false,
        blue_target_group: blue_tg,
        green_target_group: green_tg,
        blue_set,
        green_set: None,
        fail_hook_at,
        task_definition: task_definition.to_owned(),
    };
    world.service_deployments.insert(arn.clone(), deployment);
    world.service_deployment_order.push(arn.clone());
    if let Some(svc) = world.service_mut(cluster, service) {
        svc.current_deployment = Some(arn.clone());
    }
    Ok(arn)
}

/// Blue is the target group the production rule sends traffic to now; green the other one.
fn sides(
    world: &World,
    cluster: &str,
    service: &str,
    advanced: &crate::sim::world::native::Advanced,
) -> (String, String) {
    let primary = world
        .service(cluster, service)
        .and_then(|s| s.load_balancer_target_group.clone())
        .unwrap_or_default();
    let alternate = advanced.alternate_target_group.clone();
    let alternate_serves = world
        .rules
        .get(&advanced.production_rule)
        .is_some_and(|r| r.share_of(&alternate) > 0.0);
    if alternate_serves {
        (alternate, primary)
    } else {
        (primary, alternate)
    }
}

pub fn tick(world: &mut World) {
    world.in_stream(Stream::Native, tick_live);
}

fn tick_live(world: &mut World) {
    let live: Vec<String> = world
        .service_deployment_order
        .iter()
        .filter(|arn| {
            world
                .service_deployments
                .get(*arn)
                .is_some_and(|d| !d.status.is_done())
        })
        .cloned()
        .collect();
    for arn in live {
        step(world, &arn);
    }
}

fn step(world: &mut World, arn: &str) {
    let now = world.now;
    let Some(d) = world.service_deployments.get(arn) else {
        return;
    };
    match d.status {
        Status::Pending => {
            let busy = world.service_deployments.values().any(|o| {
                o.cluster == d.cluster
                    && o.service == d.service
                    && o.arn != d.arn
                    && !o.status.is_done()
                    && o.status != Status::Pending
            });
            if busy || now < d.created_at + 1_000 {
                return;
            }
            let first = if needs_reconcile(world, &d.cluster, &d.service) {
                0
            } else {
                FIRST_WITHOUT_RECONCILE
            };
            with(world, arn, |d| {
                d.status = Status::InProgress;
                d.started_at = Some(now);
                d.updated_at = now;
            });
            stages::begin(world, arn, first);
        }
        Status::InProgress => stages::run(world, arn),
        Status::RollbackRequested | Status::StopRequested => {
            let reason = d
                .status_reason
                .clone()
                .unwrap_or_else(|| "Service deployment rolled back by user request.".to_owned());
            halt::roll_back(world, arn, reason);
        }
        Status::RollbackInProgress => halt::run_rollback(world, arn),
        Status::Successful
        | Status::Stopped
        | Status::RollbackSuccessful
        | Status::RollbackFailed => {}
    }
}

/// RECONCILE_SERVICE runs only when more than one revision is active at the start.
fn needs_reconcile(world: &World, cluster: &str, service: &str) -> bool {
    world.service(cluster, service).is_some_and(|s| {
        s.task_sets
            .iter()
            .filter(|t| t.status != crate::sim::world::ecs::TaskSetStatus::Draining)
            .count()
            > 1
    })
}

fn with(world: &mut World, arn: &str, change: impl FnOnce(&mut ServiceDeployment)) {
    let now = world.now;
    if let Some(d) = world.service_deployments.get_mut(arn) {
        change(d);
        d.updated_at = now;
    }
}

/// Whether `arn` has the shape of a service deployment ARN.
pub fn is_deployment_arn(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    let head: Vec<&str> = parts.by_ref().take(5).collect();
    let resource = parts.next().unwrap_or_default();
    head.len() == 5
        && head[0] == "arn"
        && head[2] == "ecs"
        && resource.starts_with("service-deployment/")
        && resource.split('/').count() == 4
}

/// A service deployment by ARN: InvalidParameterException for what is not one,
/// ServiceDeploymentNotFoundException for one that does not exist.
pub fn find<'w>(world: &'w World, arn: &str) -> ApiResult<&'w ServiceDeployment> {
    if !is_deployment_arn(arn) {
        return Err(ApiError::new(
            "InvalidParameterException",
            format!("Invalid service deployment ARN: {arn}"),
        ));
    }
    world.service_deployments.get(arn).ok_or_else(|| {
        ApiError::new(
            "ServiceDeploymentNotFoundException",
            format!("The service deployment {arn} does not exist."),
        )
    })
}

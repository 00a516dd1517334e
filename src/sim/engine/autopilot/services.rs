//! Autopilot for ECS-native blue/green services: every few minutes it registers a new task
//! definition revision of one of them (a new image tag, as a pipeline's deploy does) and
//! starts a service deployment with it; now and then it makes the deployment's first Lambda
//! hook fail, so that the demo shows a rollback. It never answers a PAUSE hook: that is for
//! the person at the console, or for the hook's timeout action. It draws only from the
//! world's native stream, so the rest of a seeded day stays as it was.

use crate::sim::engine::{native, pipeline};
use crate::sim::world::native::HookTarget;
use crate::sim::world::{Millis, Stream, World};

const MINUTE: Millis = 60_000;

pub fn tick(world: &mut World) {
    world.in_stream(Stream::Native, deploy_when_due);
}

fn deploy_when_due(world: &mut World) {
    let (low, high) = world.autopilot.service_deploy_every;
    let due = world
        .autopilot
        .next_service_deploy_at
        .is_some_and(|at| world.now >= at);
    if due {
        deploy_one(world);
    }
    if due || world.autopilot.next_service_deploy_at.is_none() {
        world.autopilot.next_service_deploy_at =
            Some(world.now + world.rng.between(low, high) * MINUTE);
    }
}

/// Deploys a new revision to one ECS-native service that has no deployment in flight.
fn deploy_one(world: &mut World) {
    let idle: Vec<(String, String)> = world
        .services
        .values()
        .filter(|s| s.blue_green.is_some())
        .filter(|s| {
            s.current_deployment
                .as_ref()
                .and_then(|arn| world.service_deployments.get(arn))
                .is_none_or(|d| d.status.is_done())
        })
        .map(|s| (s.cluster.clone(), s.name.clone()))
        .collect();
    let Some((cluster, service)) = world.rng.pick(&idle).cloned() else {
        return;
    };
    let tag = world.rng.hex(7);
    let Ok(task_definition) = pipeline::register_revision(world, &cluster, &service, &tag) else {
        return;
    };
    arm_failure(world, &cluster, &service);
    let _ = native::start(world, &cluster, &service, &task_definition);
}

/// Maybe makes the first Lambda hook of the next deployment fail.
fn arm_failure(world: &mut World, cluster: &str, service: &str) {
    let first_lambda = world
        .service(cluster, service)
        .and_then(|s| s.blue_green.as_ref())
        .and_then(|c| {
            c.hooks
                .iter()
                .find(|h| matches!(h.target, HookTarget::Lambda(_)))
                .and_then(|h| h.stages.first().copied())
        });
    let Some(stage) = first_lambda else { return };
    if world
        .rng
        .chance(world.autopilot.service_hook_failure_chance)
        && let Some(svc) = world.service_mut(cluster, service)
    {
        svc.fail_next_hook = Some(stage);
    }
}

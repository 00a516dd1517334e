//! The eight lifecycle events of a deployment: beginning each one, running it until its hook
//! or the replacement's health is done, completing it and moving on to the next, and failing
//! it when a hook reports Failed or the install never becomes healthy. Install creates the
//! replacement task set. It must not move traffic by itself: every shift goes through
//! [`super::traffic`].

use super::halt::{Rollback, halt};
use super::traffic::{begin_draining, promote, set_production, set_test_route};
use super::{group_of, with};
use crate::sim::world::codedeploy::{
    DeploymentStatus, Diagnostics, EventStatus, LifecycleEventName as Ev, Phase, ReadyAction,
    Routing,
};
use crate::sim::world::ecs::{TaskSet, TaskSetStatus};
use crate::sim::world::{Millis, World};

/// Seconds a lifecycle event without a hook takes.
const QUICK_EVENT: Millis = 2_000;

/// The seconds a hook event runs: a hook from the AppSpec takes a while, none is quick.
fn event_duration(world: &mut World, d_hooked: bool) -> Millis {
    if d_hooked {
        let (low, high) = world.timings.hook;
        world.rng.between(low, high) * 1000
    } else {
        QUICK_EVENT
    }
}

pub(super) fn begin_event(world: &mut World, id: &str, index: usize) {
    let now = world.now;
    let Some(d) = world.deployments.get(id) else {
        return;
    };
    let name = Ev::ALL[index];
    let hooked = !d.is_rollback() && d.revision.hooks.iter().any(|(e, _)| *e == name);
    let duration = event_duration(world, hooked);
    with(world, id, |d| {
        d.phase = Phase::Event(index);
        d.phase_since = now;
        d.next_shift_at = Some(now + duration);
        let event = d.event_mut(name);
        event.status = EventStatus::InProgress;
        event.start = Some(now);
    });
    match name {
        Ev::Install => install(world, id),
        Ev::AllowTestTraffic => {
            let d = &world.deployments[id];
            let tg = d.replacement_target_group.clone();
            let pair = [
                d.original_target_group.clone(),
                d.replacement_target_group.clone(),
            ];
            let listener = group_of(world, id).and_then(|g| g.test_listener.clone());
            if let Some(listener) = listener {
                set_test_route(world, &listener, &pair, &tg);
            }
        }
        Ev::AllowTraffic => {
            let routing = world.deployments[id].routing;
            let (first, next) = match routing {
                Routing::AllAtOnce => (100, None),
                Routing::Canary { percent, minutes } | Routing::Linear { percent, minutes } => {
                    (percent.min(100), Some(now + i64::from(minutes) * 60_000))
                }
            };
            with(world, id, |d| d.next_shift_at = next);
            set_production(world, id, first);
        }
        _ => {}
    }
}

pub(super) fn run_event(world: &mut World, id: &str, index: usize) {
    let now = world.now;
    let Some(d) = world.deployments.get(id) else {
        return;
    };
    let name = Ev::ALL[index];
    let since = d.phase_since;
    if d.fail_at == Some(name) && now >= d.next_shift_at.unwrap_or(now) {
        fail_event(world, id, name);
        return;
    }
    let done = match name {
        Ev::Install => {
            let Some(service) = world.service(&d.cluster, &d.service) else {
                halt(
                    world,
                    id,
                    DeploymentStatus::Failed,
                    (
                        "INVALID_ECS_SERVICE",
                        format!("The ECS service {} no longer exists.", d.service),
                    ),
                    Rollback::No,
                );
                return;
            };
            let healthy = d
                .replacement_set
                .as_deref()
                .is_some_and(|set| crate::sim::engine::tasks::set_is_healthy(service, set));
            if !healthy && now >= since + world.timings.install_timeout * 1000 {
                let message = format!(
                    "The ECS service cannot reach a steady state: the replacement task set's tasks failed ELB health checks in target group {}.",
                    name_of_tg(&d.replacement_target_group)
                );
                fail_with(world, id, name, "ECS_UPDATE_ERROR", message, None);
                return;
            }
            healthy && now >= d.next_shift_at.unwrap_or(now)
        }
        Ev::AllowTraffic => {
            let (shifted, routing, next) = (d.shifted, d.routing, d.next_shift_at);
            if shifted < 100 && next.is_some_and(|at| now >= at) {
                let (to, next) = match routing {
                    Routing::AllAtOnce | Routing::Canary { .. } => (100, None),
                    Routing::Linear { percent, minutes } => {
                        let to = (shifted + percent).min(100);
                        (to, (to < 100).then(|| now + i64::from(minutes) * 60_000))
                    }
                };
                with(world, id, |d| d.next_shift_at = next);
                set_production(world, id, to);
            }
            world.deployments[id].shifted >= 100
        }
        _ => now >= d.next_shift_at.unwrap_or(now),
    };
    if done {
        complete_event(world, id, index);
    }
}

fn complete_event(world: &mut World, id: &str, index: usize) {
    let now = world.now;
    let name = Ev::ALL[index];
    with(world, id, |d| {
        let event = d.event_mut(name);
        event.status = EventStatus::Succeeded;
        event.end = Some(now);
    });
    if name == Ev::AllowTraffic {
        promote(world, id);
    }
    let d = &world.deployments[id];
    let d_ready_stop = d.ready_action == ReadyAction::Stop && !d.is_rollback();
    match name {
        Ev::AfterAllowTestTraffic if d_ready_stop => {
            with(world, id, |d| {
                d.phase = Phase::ReadyWait;
                d.phase_since = now;
                d.status = DeploymentStatus::Ready;
            });
        }
        Ev::AfterAllowTraffic => {
            let d = &world.deployments[id];
            if d.is_rollback() || d.original_set.is_none() {
                begin_draining(world, id);
            } else {
                with(world, id, |d| {
                    d.phase = Phase::TerminationWait;
                    d.phase_since = now;
                    d.termination_wait_started = true;
                });
            }
        }
        _ => begin_event(world, id, index + 1),
    }
}

/// Install: the replacement task set is created at full scale behind the other target group.
fn install(world: &mut World, id: &str) {
    let d = &world.deployments[id];
    if d.replacement_set.is_some() {
        return;
    }
    let (cluster, service, task_definition, tg) = (
        d.cluster.clone(),
        d.service.clone(),
        d.revision.task_definition.clone(),
        d.replacement_target_group.clone(),
    );
    let set_id = world.task_set_id();
    let arn = world.arn("ecs", &format!("task-set/{cluster}/{service}/{set_id}"));
    let now = world.now;
    let set = TaskSet {
        id: set_id.clone(),
        arn,
        status: TaskSetStatus::Active,
        task_definition,
        target_group_arn: Some(tg),
        scale: 100.0,
        traffic_weight: 0.0,
        created_at: now,
        updated_at: now,
        started_by: "CodeDeploy".to_owned(),
        external_id: Some(id.to_owned()),
        stability_at: now,
    };
    if let Some(svc) = world.service_mut(&cluster, &service) {
        svc.task_sets.push(set);
    }
    with(world, id, |d| d.replacement_set = Some(set_id));
}

fn name_of_tg(arn: &str) -> &str {
    arn.split('/').nth(1).unwrap_or(arn)
}

fn fail_event(world: &mut World, id: &str, name: Ev) {
    let d = &world.deployments[id];
    let script = d
        .revision
        .hooks
        .iter()
        .find(|(e, _)| *e == name)
        .map_or_else(
            || format!("{}-validation", d.service),
            |(_, f)| f.rsplit(':').next().unwrap_or(f).to_owned(),
        );
    let message = format!(
        "The deployment failed because a specified lifecycle event hook function ({script}) reported Failed for {}.",
        name.as_str()
    );
    let diagnostics = Diagnostics {
        error_code: "ScriptFailed",
        script_name: script.clone(),
        message: format!("{script} returned Failed: smoke tests against the test listener failed (12 of 40 requests answered HTTP 503)."),
        log_tail: "GET /health 200\nGET /api/orders 503\nGET /api/orders 503\nassertion failed: error rate 30% > 1%\n".to_owned(),
    };
    fail_with(
        world,
        id,
        name,
        "HOOK_EXECUTION_FAILURE",
        message,
        Some(diagnostics),
    );
}

fn fail_with(
    world: &mut World,
    id: &str,
    name: Ev,
    code: &'static str,
    message: String,
    diagnostics: Option<Diagnostics>,
) {
    let now = world.now;
    with(world, id, |d| {
        let event = d.event_mut(name);
        event.status = EventStatus::Failed;
        event.end = Some(now);
        event.diagnostics = diagnostics.or_else(|| {
            Some(Diagnostics {
                error_code: "UnknownError",
                script_name: String::new(),
                message: message.clone(),
                log_tail: String::new(),
            })
        });
    });
    let d = &world.deployments[id];
    let rollback = if d.auto_rollback && d.rollback_events.iter().any(|e| e == "DEPLOYMENT_FAILURE")
    {
        Rollback::Yes
    } else {
        Rollback::No
    };
    halt(
        world,
        id,
        DeploymentStatus::Failed,
        (code, message),
        rollback,
    );
}

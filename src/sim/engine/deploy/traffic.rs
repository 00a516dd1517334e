//! Traffic and task sets: moving production and test traffic on the listener rules and the
//! task sets at once, promoting the replacement, and draining and removing a task set once a
//! deployment is past it. Only these functions change forward weights, so the ELBv2 and ECS
//! views cannot drift apart; they must not change a deployment's status.

use super::{group_of, with};
use crate::sim::world::codedeploy::Phase;
use crate::sim::world::ecs::TaskSetStatus;
use crate::sim::world::elb::Forward;
use crate::sim::world::{Millis, World};

/// Moves production to `percent` on the replacement, on the rules and the task sets at once.
pub(super) fn set_production(world: &mut World, id: &str, percent: u32) {
    let Some(d) = world.deployments.get(id) else {
        return;
    };
    let (original_tg, replacement_tg) = (
        d.original_target_group.clone(),
        d.replacement_target_group.clone(),
    );
    let (original_set, replacement_set) = (d.original_set.clone(), d.replacement_set.clone());
    let (cluster, service) = (d.cluster.clone(), d.service.clone());
    let Some(listener) = group_of(world, id).map(|g| g.prod_listener.clone()) else {
        return;
    };
    let rules = world.rules_for_pair(&listener, [&original_tg, &replacement_tg]);
    let weights = match percent {
        0 => vec![(original_tg.clone(), 1)],
        100 => vec![(replacement_tg.clone(), 1)],
        p => vec![(original_tg.clone(), 100 - p), (replacement_tg.clone(), p)],
    };
    for arn in rules {
        if let Some(rule) = world.rules.get_mut(&arn) {
            for action in rule.actions.iter_mut().filter(|a| a.kind == "forward") {
                action.forward.retain(|f| {
                    f.target_group_arn != original_tg && f.target_group_arn != replacement_tg
                });
                for (tg, weight) in &weights {
                    action.forward.push(Forward {
                        target_group_arn: tg.clone(),
                        weight: *weight,
                    });
                }
            }
        }
    }
    let now = world.now;
    if let Some(svc) = world.service_mut(&cluster, &service) {
        for set in &mut svc.task_sets {
            if Some(&set.id) == original_set.as_ref() {
                set.traffic_weight = f64::from(100 - percent);
                set.updated_at = now;
            } else if Some(&set.id) == replacement_set.as_ref() {
                set.traffic_weight = f64::from(percent);
                set.updated_at = now;
            }
        }
    }
    with(world, id, |d| d.shifted = percent);
}

/// Points the test listener's rules for the pair at one target group.
pub(super) fn set_test_route(world: &mut World, listener: &str, pair: &[String; 2], to: &str) {
    for arn in world.rules_for_pair(listener, [&pair[0], &pair[1]]) {
        if let Some(rule) = world.rules.get_mut(&arn) {
            for action in rule.actions.iter_mut().filter(|a| a.kind == "forward") {
                action
                    .forward
                    .retain(|f| !pair.contains(&f.target_group_arn));
                action.forward.push(Forward {
                    target_group_arn: to.to_owned(),
                    weight: 1,
                });
            }
        }
    }
}

/// The replacement takes over: it becomes PRIMARY, the original ACTIVE.
pub(super) fn promote(world: &mut World, id: &str) {
    let d = &world.deployments[id];
    let (cluster, service, original, replacement) = (
        d.cluster.clone(),
        d.service.clone(),
        d.original_set.clone(),
        d.replacement_set.clone(),
    );
    let now = world.now;
    if let Some(svc) = world.service_mut(&cluster, &service) {
        for set in &mut svc.task_sets {
            if Some(&set.id) == replacement.as_ref() {
                set.status = TaskSetStatus::Primary;
                set.updated_at = now;
            } else if Some(&set.id) == original.as_ref() && set.status == TaskSetStatus::Primary {
                set.status = TaskSetStatus::Active;
                set.updated_at = now;
            }
        }
    }
}

pub(super) fn begin_draining(world: &mut World, id: &str) {
    let now = world.now;
    let d = &world.deployments[id];
    let (cluster, service, original) =
        (d.cluster.clone(), d.service.clone(), d.original_set.clone());
    drain_set(world, &cluster, &service, original.as_deref(), now);
    with(world, id, |d| {
        d.phase = Phase::Draining;
        d.phase_since = now;
    });
}

pub(super) fn drain_set(
    world: &mut World,
    cluster: &str,
    service: &str,
    set: Option<&str>,
    now: Millis,
) {
    let Some(set) = set else { return };
    if let Some(svc) = world.service_mut(cluster, service)
        && let Some(set) = svc.task_set_mut(set)
    {
        set.status = TaskSetStatus::Draining;
        set.traffic_weight = 0.0;
        set.updated_at = now;
    }
}

/// Removes a draining task set once its last task has stopped; true when it is gone.
pub(super) fn remove_set_when_drained(
    world: &mut World,
    cluster: &str,
    service: &str,
    set: Option<&str>,
) -> bool {
    let Some(set) = set else { return true };
    let Some(svc) = world.service_mut(cluster, service) else {
        return true;
    };
    let busy = svc
        .tasks
        .iter()
        .any(|t| t.task_set_id == set && t.status != crate::sim::world::ecs::TaskStatus::Stopped);
    if busy {
        return false;
    }
    svc.task_sets.retain(|s| s.id != set);
    true
}

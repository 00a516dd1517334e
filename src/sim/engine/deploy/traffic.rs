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
    shift_rules(
        world,
        &rules,
        (&original_tg, &replacement_tg),
        f64::from(percent),
    );
    set_weights(
        world,
        (&cluster, &service),
        [original_set.as_deref(), replacement_set.as_deref()],
        f64::from(percent),
    );
    with(world, id, |d| d.shifted = percent);
}

/// ELBv2 forward weights (integers, 0..=999) that send `percent` (0.0..=100.0) to the second
/// of a pair: whole percents as `100 - p : p`, tenths (a 0.1 % canary) as `1000 - 10p : 10p`.
/// A side at 0 is left out of the action, as CodeDeploy and ECS leave it.
pub(crate) fn split(percent: f64) -> (u32, u32) {
    let percent = percent.clamp(0.0, 100.0);
    if (percent - percent.round()).abs() < 1e-9 {
        let p = percent.round() as u32;
        (100 - p, p)
    } else {
        let tenths = (percent * 10.0).round() as u32;
        (1000 - tenths, tenths)
    }
}

/// Moves `rules` so that `percent` of their traffic goes to `pair.1` and the rest to `pair.0`.
/// Every shift of a blue/green pair, CodeDeploy's or ECS's, goes through here.
pub(crate) fn shift_rules(world: &mut World, rules: &[String], pair: (&str, &str), percent: f64) {
    let (from, to) = split(percent);
    let weights: Vec<(&str, u32)> = match (from, to) {
        (_, 0) => vec![(pair.0, 1)],
        (0, _) => vec![(pair.1, 1)],
        (from, to) => vec![(pair.0, from), (pair.1, to)],
    };
    for arn in rules {
        if let Some(rule) = world.rules.get_mut(arn) {
            for action in rule.actions.iter_mut().filter(|a| a.kind == "forward") {
                action
                    .forward
                    .retain(|f| f.target_group_arn != pair.0 && f.target_group_arn != pair.1);
                for (tg, weight) in &weights {
                    action.forward.push(Forward {
                        target_group_arn: (*tg).to_owned(),
                        weight: *weight,
                    });
                }
            }
        }
    }
}

/// Sets the traffic weight the two task sets of a shift report: `100 - percent` on the first,
/// `percent` on the second.
pub(crate) fn set_weights(
    world: &mut World,
    (cluster, service): (&str, &str),
    sets: [Option<&str>; 2],
    percent: f64,
) {
    let now = world.now;
    if let Some(svc) = world.service_mut(cluster, service) {
        for set in &mut svc.task_sets {
            if Some(set.id.as_str()) == sets[0] {
                set.traffic_weight = 100.0 - percent;
                set.updated_at = now;
            } else if Some(set.id.as_str()) == sets[1] {
                set.traffic_weight = percent;
                set.updated_at = now;
            }
        }
    }
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

pub(crate) fn drain_set(
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
pub(crate) fn remove_set_when_drained(
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

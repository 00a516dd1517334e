//! Autopilot keeps a demo world alive: it starts pipeline executions every few minutes,
//! answers some approvals the way colleagues would (always leaving a few waiting for the
//! person at the console), continues deployments parked in Ready, and now and then makes a
//! deployment fail. It uses the world's seeded generator, so a seed replays the same day.

use crate::sim::world::codedeploy::{DeploymentStatus, LifecycleEventName, Phase};
use crate::sim::world::elb::HealthFailure;
use crate::sim::world::pipeline::{ActionStatus, Approval, Category, ExecutionStatus};
use crate::sim::world::{Millis, World};

use super::{deploy, pipeline};

const MINUTE: Millis = 60_000;

pub fn tick(world: &mut World) {
    if !world.autopilot.enabled {
        return;
    }
    if world.now >= world.autopilot.next_start_at {
        start_one(world);
        let (low, high) = world.autopilot.start_every;
        world.autopilot.next_start_at = world.now + world.rng.between(low, high) * MINUTE;
    }
    answer_approvals(world);
    continue_ready(world);
    heal_target_groups(world);
}

/// Starts an execution of a pipeline whose first stage is free, as a push would.
fn start_one(world: &mut World) {
    let idle: Vec<String> = world
        .pipelines
        .values()
        .filter(|p| p.occupant[0].is_none() && p.waiting[0].is_none())
        .map(|p| p.name.clone())
        .collect();
    // Keep at least one approval waiting: prefer a gated pipeline when none waits.
    let gated: Vec<String> = idle
        .iter()
        .filter(|name| {
            world.pipelines[*name]
                .stages
                .iter()
                .any(|s| s.actions.iter().any(|a| a.category == Category::Approval))
        })
        .cloned()
        .collect();
    let choice = if waiting_approvals(world).is_empty() && !gated.is_empty() {
        world.rng.pick(&gated).cloned()
    } else {
        world.rng.pick(&idle).cloned()
    };
    if let Some(name) = choice {
        let trigger = pipeline::Trigger {
            kind: "Webhook",
            detail: "arn:aws:codeconnections:webhook",
        };
        let _ = pipeline::start(world, &name, trigger, None);
    }
}

/// `(pipeline, stage, action, token, started_at, run id)` of every approval waiting.
fn waiting_approvals(world: &World) -> Vec<(String, String, String, String, Millis, String)> {
    let mut out = Vec::new();
    for e in world
        .executions
        .values()
        .filter(|e| e.status == ExecutionStatus::InProgress && e.in_stage)
    {
        let p = &world.pipelines[&e.pipeline];
        for run in e.latest_runs(e.position) {
            let decl = &p.stages[run.stage].actions[run.action];
            if decl.category == Category::Approval
                && run.status == ActionStatus::InProgress
                && let Some(token) = &run.token
            {
                out.push((
                    p.name.clone(),
                    p.stages[run.stage].name.clone(),
                    decl.name.clone(),
                    token.clone(),
                    run.started_at,
                    run.id.clone(),
                ));
            }
        }
    }
    out.sort_by_key(|a| a.4);
    out
}

/// A colleague answers an approval some minutes after it opened, unless that would leave
/// fewer than `keep_waiting` for the person at the console. The newest are kept.
fn answer_approvals(world: &mut World) {
    let waiting = waiting_approvals(world);
    let keep = world.autopilot.keep_waiting;
    if waiting.len() <= keep {
        return;
    }
    let answerable = waiting.len() - keep;
    let (low, high) = world.autopilot.approve_after;
    for (pipeline, stage, action, token, started, run_id) in waiting.into_iter().take(answerable) {
        // The delay is derived from the run id, so it is fixed the first time it is seen.
        let spread = (high - low).max(0) + 1;
        let delay = (low + (run_id.bytes().map(i64::from).sum::<i64>() % spread)) * MINUTE;
        if world.now < started + delay {
            continue;
        }
        let approved = !world.rng.chance(0.1);
        let summary = if approved {
            "Looks good: metrics green in staging"
        } else {
            "Rejected: error budget is spent this week"
        };
        let approval = Approval {
            approved,
            summary: summary.to_owned(),
            by: format!("arn:aws:iam::{}:user/release-captain", world.account),
            at: world.now,
        };
        let _ = pipeline::answer_approval(world, &pipeline, &stage, &action, &token, approval);
    }
}

fn continue_ready(world: &mut World) {
    let (low, high) = world.autopilot.continue_after;
    let due: Vec<String> = world
        .deployments
        .values()
        .filter(|d| d.phase == Phase::ReadyWait && d.status == DeploymentStatus::Ready)
        .filter(|d| {
            let spread = (high - low).max(0) + 1;
            let delay = (low + d.id.bytes().map(i64::from).sum::<i64>() % spread) * MINUTE;
            world.now >= d.phase_since + delay
        })
        .map(|d| d.id.clone())
        .collect();
    for id in due {
        let _ = deploy::continue_deployment(world, &id, "READY_WAIT");
    }
}

/// Called when a pipeline deploys to a group: maybe arm a failing hook or unhealthy targets.
pub fn arm_failures(world: &mut World, key: &(String, String)) {
    if !world.autopilot.enabled {
        return;
    }
    let hook = world.rng.chance(world.autopilot.hook_failure_chance);
    let unhealthy = !hook && world.rng.chance(world.autopilot.unhealthy_chance);
    if hook {
        let event = *world
            .rng
            .pick(&[
                LifecycleEventName::AfterAllowTestTraffic,
                LifecycleEventName::AfterInstall,
                LifecycleEventName::AfterAllowTraffic,
            ])
            .unwrap_or(&LifecycleEventName::AfterAllowTestTraffic);
        if let Some(group) = world.deployment_groups.get_mut(key) {
            group.fail_next_hook = Some(event);
        }
    }
    if unhealthy && let Some(arn) = replacement_target_group(world, key) {
        if let Some(tg) = world.target_groups.get_mut(&arn) {
            tg.failing = Some(HealthFailure::ResponseCodeMismatch);
        }
        world.autopilot.poisoned.insert(arn);
    }
}

/// The target group of a group's pair that production does not use now.
pub fn replacement_target_group(world: &World, key: &(String, String)) -> Option<String> {
    let group = world.deployment_groups.get(key)?;
    let arns: Vec<String> = group
        .target_groups
        .iter()
        .filter_map(|n| world.target_group_by_name(n).map(|t| t.arn.clone()))
        .collect();
    let [a, b] = arns.as_slice() else { return None };
    let rules = world.rules_for_pair(&group.prod_listener, [a, b]);
    let serving_a = rules
        .iter()
        .filter_map(|r| world.rules.get(r))
        .any(|r| r.share_of(a) > 0.0);
    Some(if serving_a { b.clone() } else { a.clone() })
}

/// Target groups autopilot made unhealthy recover once no deployment is using them.
fn heal_target_groups(world: &mut World) {
    let poisoned: Vec<String> = world.autopilot.poisoned.iter().cloned().collect();
    for arn in poisoned {
        let in_use = world
            .deployments
            .values()
            .any(|d| !d.status.is_terminal() && d.replacement_target_group == arn);
        if !in_use {
            if let Some(tg) = world.target_groups.get_mut(&arn) {
                tg.failing = None;
            }
            world.autopilot.poisoned.remove(&arn);
        }
    }
}

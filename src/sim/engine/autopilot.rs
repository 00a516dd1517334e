//! Autopilot keeps a demo world alive: it starts pipeline executions every few minutes,
//! answers some approvals the way colleagues would (always leaving a few waiting for the
//! person at the console), continues deployments parked in Ready, and now and then makes a
//! deployment fail; it deploys ECS-native services too (see `services`). It uses the world's
//! seeded generator, so a seed replays the same day.

use std::collections::BTreeMap;

use crate::sim::world::codedeploy::{DeploymentStatus, LifecycleEventName, Phase};
use crate::sim::world::elb::HealthFailure;
use crate::sim::world::pipeline::{
    ActionStatus, Approval, Category, ExecutionMode, ExecutionStatus,
};
use crate::sim::world::{Millis, World};

use super::{deploy, pipeline};

mod services;

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
    services::tick(world);
}

/// How many executions autopilot leaves waiting at a PARALLEL pipeline's approval, so that
/// the demo always shows one gate with several executions at it.
const KEEP_AT_PARALLEL_GATE: usize = 2;

/// Starts an execution of a pipeline whose first stage is free, as a push would. A PARALLEL
/// pipeline's first stage is never taken, and one with an approval is started first while
/// fewer than [`KEEP_AT_PARALLEL_GATE`] of its executions are at or on the way to its gate.
fn start_one(world: &mut World) {
    let idle: Vec<String> = world
        .pipelines
        .values()
        .filter(|p| !p.stage_busy(0) && p.waiting[0].is_empty())
        .map(|p| p.name.clone())
        .collect();
    let has_approval = |name: &String| {
        world.pipelines[name]
            .stages
            .iter()
            .any(|s| s.actions.iter().any(|a| a.category == Category::Approval))
    };
    let parallel_short = idle.iter().find(|name| {
        let p = &world.pipelines[*name];
        let running = p
            .executions
            .iter()
            .filter_map(|id| world.executions.get(id))
            .filter(|e| e.status == ExecutionStatus::InProgress)
            .count();
        p.mode == ExecutionMode::Parallel && has_approval(name) && running < KEEP_AT_PARALLEL_GATE
    });
    // Keep at least one approval waiting: prefer a gated pipeline when none waits.
    let gates: Vec<String> = idle
        .iter()
        .filter(|name| has_approval(name))
        .cloned()
        .collect();
    let choice = if let Some(name) = parallel_short {
        Some(name.clone())
    } else if waiting_approvals(world).is_empty() && !gates.is_empty() {
        world.rng.pick(&gates).cloned()
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

/// An approval waiting for its answer.
struct Waiting {
    pipeline: String,
    stage: String,
    action: String,
    token: String,
    started: Millis,
    run_id: String,
    parallel: bool,
}

/// Every approval waiting, the longest wait first.
fn waiting_approvals(world: &World) -> Vec<Waiting> {
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
                out.push(Waiting {
                    pipeline: p.name.clone(),
                    stage: p.stages[run.stage].name.clone(),
                    action: decl.name.clone(),
                    token: token.clone(),
                    started: run.started_at,
                    run_id: run.id.clone(),
                    parallel: p.mode == ExecutionMode::Parallel,
                });
            }
        }
    }
    out.sort_by_key(|a| a.started);
    out
}

/// A colleague answers an approval some minutes after it opened, unless that would leave
/// fewer than `keep_waiting` for the person at the console (the newest are kept), or fewer
/// than [`KEEP_AT_PARALLEL_GATE`] at a PARALLEL pipeline's gate.
fn answer_approvals(world: &mut World) {
    let (parallel, others): (Vec<Waiting>, Vec<Waiting>) = waiting_approvals(world)
        .into_iter()
        .partition(|w| w.parallel);
    let keep = world.autopilot.keep_waiting;
    let mut answerable: Vec<Waiting> = Vec::new();
    let excess = others.len().saturating_sub(keep);
    answerable.extend(others.into_iter().take(excess));
    let mut gates: BTreeMap<(String, String, String), Vec<Waiting>> = BTreeMap::new();
    for w in parallel {
        gates
            .entry((w.pipeline.clone(), w.stage.clone(), w.action.clone()))
            .or_default()
            .push(w);
    }
    for at_gate in gates.into_values() {
        let excess = at_gate.len().saturating_sub(KEEP_AT_PARALLEL_GATE);
        answerable.extend(at_gate.into_iter().take(excess));
    }
    answerable.sort_by_key(|w| w.started);
    let (low, high) = world.autopilot.approve_after;
    for w in answerable {
        // The delay is derived from the run id, so it is fixed the first time it is seen.
        let spread = (high - low).max(0) + 1;
        let delay = (low + (w.run_id.bytes().map(i64::from).sum::<i64>() % spread)) * MINUTE;
        if world.now < w.started + delay {
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
        let _ =
            pipeline::answer_approval(world, &w.pipeline, &w.stage, &w.action, &w.token, approval);
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

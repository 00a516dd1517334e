//! The lifecycle stages of a service deployment: beginning each step, running it until its
//! work (scale-up, a traffic shift, a bake) and its hooks are done, and moving on; the last
//! step ends the deployment SUCCESSFUL. It must not roll back by itself: a failed hook or a
//! ROLLBACK timeout hands over to [`super::halt`].

use super::halt::roll_back;
use super::{STEPS, stage_of, with};
use crate::sim::engine::deploy::traffic::{drain_set, remove_set_when_drained};
use crate::sim::engine::tasks::set_is_healthy;
use crate::sim::world::ecs::{TaskSet, TaskSetStatus};
use crate::sim::world::native::{
    HookAction, HookRun, HookStage, HookStatus, HookTarget, Stage, Status, Step, Strategy,
};
use crate::sim::world::{Millis, World};

/// Seconds a stage with nothing to wait for takes.
const QUICK_STAGE: Millis = 2_000;

pub(super) fn begin(world: &mut World, arn: &str, index: usize) {
    let now = world.now;
    let step = STEPS[index];
    with(world, arn, |d| {
        d.step = index;
        d.step_since = now;
        d.stage = Some(stage_of(step));
        d.next_at = Some(now + QUICK_STAGE);
    });
    match step {
        Step::Work(Stage::ReconcileService) => reconcile(world, arn),
        Step::Work(Stage::ScaleUp) => scale_up(world, arn),
        Step::Work(Stage::TestTrafficShift) => {
            shift_test(world, arn, Side::Green);
        }
        Step::Work(Stage::ProductionTrafficShift) => {
            let d = &world.service_deployments[arn];
            let (first, next) = match d.config.strategy {
                Strategy::BlueGreen => (100.0, None),
                Strategy::Linear {
                    step_percent,
                    step_bake_minutes,
                } => (step_percent, Some(step_bake_minutes)),
                Strategy::Canary {
                    percent,
                    bake_minutes,
                } => (percent, Some(bake_minutes)),
            };
            let first = first.min(100.0);
            let next = next
                .filter(|_| first < 100.0)
                .map(|m| now + i64::from(m) * 60_000);
            with(world, arn, |d| d.next_at = next);
            shift_production(world, arn, first);
        }
        Step::Work(Stage::BakeTime) => {
            let minutes = world.service_deployments[arn].config.bake_minutes;
            with(world, arn, |d| {
                d.next_at = Some(now + i64::from(minutes) * 60_000);
            });
        }
        Step::Work(Stage::CleanUp) => clean_up(world, arn),
        Step::Hooks(stage) => start_hooks(world, arn, stage),
        Step::Work(_) => {}
    }
}

pub(super) fn run(world: &mut World, arn: &str) {
    let now = world.now;
    let Some(d) = world.service_deployments.get(arn) else {
        return;
    };
    let done = match STEPS[d.step] {
        Step::Work(Stage::ScaleUp) => {
            let healthy = world
                .service(&d.cluster, &d.service)
                .zip(d.green_set.as_deref())
                .is_some_and(|(s, set)| set_is_healthy(s, set));
            if !healthy && now >= d.step_since + world.timings.install_timeout * 1000 {
                let reason = format!(
                    "Service deployment rolled back because the tasks of the green service revision failed ELB health checks in {}.",
                    d.green_target_group
                );
                roll_back(world, arn, reason);
                return;
            }
            healthy
        }
        Step::Work(Stage::ProductionTrafficShift) => {
            let (percent, next) = (d.production_percent, d.next_at);
            if percent < 100.0 && next.is_some_and(|at| now >= at) {
                let (to, next) = match d.config.strategy {
                    Strategy::Linear {
                        step_percent,
                        step_bake_minutes,
                    } => {
                        let to = (percent + step_percent).min(100.0);
                        let next =
                            (to < 100.0).then(|| now + i64::from(step_bake_minutes) * 60_000);
                        (to, next)
                    }
                    Strategy::BlueGreen | Strategy::Canary { .. } => (100.0, None),
                };
                with(world, arn, |d| d.next_at = next);
                shift_production(world, arn, to);
            }
            world.service_deployments[arn].production_percent >= 100.0
        }
        Step::Work(Stage::CleanUp) => {
            let (cluster, service, blue) =
                (d.cluster.clone(), d.service.clone(), d.blue_set.clone());
            remove_set_when_drained(world, &cluster, &service, blue.as_deref())
        }
        Step::Hooks(_) => match run_hooks(world, arn) {
            HooksState::Running => false,
            HooksState::Done => true,
            HooksState::Failed(reason) => {
                roll_back(world, arn, reason);
                return;
            }
        },
        Step::Work(_) => d.next_at.is_none_or(|at| now >= at),
    };
    if !done {
        return;
    }
    let index = world.service_deployments[arn].step;
    if index + 1 < STEPS.len() {
        begin(world, arn, index + 1);
    } else {
        finish(world, arn);
    }
}

fn finish(world: &mut World, arn: &str) {
    let now = world.now;
    let d = &world.service_deployments[arn];
    let (cluster, service, target) = (
        d.cluster.clone(),
        d.service.clone(),
        d.target_revision.clone(),
    );
    with(world, arn, |d| {
        d.status = Status::Successful;
        d.finished_at = Some(now);
        d.status_reason = Some("Service deployment completed successfully.".to_owned());
    });
    if let Some(svc) = world.service_mut(&cluster, &service) {
        svc.revision = Some(target);
    }
    let short = arn.rsplit('/').next().unwrap_or(arn).to_owned();
    world.service_event(
        &cluster,
        &service,
        format!("(service {service}) (service-deployment {short}) deployment completed."),
    );
}

/// Which side of the pair a route points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Blue,
    Green,
}

/// Points the test listener rule (when there is one) at one side.
pub(super) fn shift_test(world: &mut World, arn: &str, side: Side) {
    let d = &world.service_deployments[arn];
    let (blue, green) = (d.blue_target_group.clone(), d.green_target_group.clone());
    if let Some(rule) = d.config.advanced.test_rule.clone() {
        let percent = if side == Side::Green { 100.0 } else { 0.0 };
        crate::sim::engine::deploy::traffic::shift_rules(world, &[rule], (&blue, &green), percent);
    }
    with(world, arn, |d| d.test_on_green = side == Side::Green);
}

/// Moves production to `percent` on green, on the rule and the task sets at once.
pub(super) fn shift_production(world: &mut World, arn: &str, percent: f64) {
    let d = &world.service_deployments[arn];
    let (blue, green) = (d.blue_target_group.clone(), d.green_target_group.clone());
    let (cluster, service) = (d.cluster.clone(), d.service.clone());
    let sets = (d.blue_set.clone(), d.green_set.clone());
    let rule = d.config.advanced.production_rule.clone();
    crate::sim::engine::deploy::traffic::shift_rules(world, &[rule], (&blue, &green), percent);
    crate::sim::engine::deploy::traffic::set_weights(
        world,
        (&cluster, &service),
        [sets.0.as_deref(), sets.1.as_deref()],
        percent,
    );
    with(world, arn, |d| d.production_percent = percent);
}

/// Drains every active set but the one production runs on.
fn reconcile(world: &mut World, arn: &str) {
    let now = world.now;
    let d = &world.service_deployments[arn];
    let (cluster, service, keep) = (d.cluster.clone(), d.service.clone(), d.blue_set.clone());
    let extra: Vec<String> = world
        .service(&cluster, &service)
        .map(|s| {
            s.task_sets
                .iter()
                .filter(|t| t.status != TaskSetStatus::Draining && Some(&t.id) != keep.as_ref())
                .map(|t| t.id.clone())
                .collect()
        })
        .unwrap_or_default();
    for set in extra {
        drain_set(world, &cluster, &service, Some(&set), now);
    }
}

/// SCALE_UP: the green revision's tasks start at full size behind the green target group;
/// the scheduler registers them as they run.
fn scale_up(world: &mut World, arn: &str) {
    let d = &world.service_deployments[arn];
    if d.green_set.is_some() {
        return;
    }
    let (cluster, service, task_definition, tg) = (
        d.cluster.clone(),
        d.service.clone(),
        d.task_definition.clone(),
        d.green_target_group.clone(),
    );
    let set_id = world.task_set_id();
    let set_arn = world.arn("ecs", &format!("task-set/{cluster}/{service}/{set_id}"));
    let now = world.now;
    let set = TaskSet {
        id: set_id.clone(),
        arn: set_arn,
        status: TaskSetStatus::Active,
        task_definition,
        target_group_arn: Some(tg),
        scale: 100.0,
        traffic_weight: 0.0,
        created_at: now,
        updated_at: now,
        started_by: String::new(),
        external_id: None,
        stability_at: now,
    };
    if let Some(svc) = world.service_mut(&cluster, &service) {
        svc.task_sets.push(set);
    }
    with(world, arn, |d| {
        d.green_set = Some(set_id);
        d.next_at = None;
    });
}

/// CLEAN_UP: green becomes the service's primary; blue scales to 0 and deregisters.
fn clean_up(world: &mut World, arn: &str) {
    let now = world.now;
    let d = &world.service_deployments[arn];
    let (cluster, service) = (d.cluster.clone(), d.service.clone());
    let (blue, green) = (d.blue_set.clone(), d.green_set.clone());
    // `loadBalancers[].targetGroupArn` keeps naming the primary: ECS swaps the roles of the
    // two target groups without changing the service's configuration.
    if let Some(svc) = world.service_mut(&cluster, &service)
        && let Some(set) = green.as_deref().and_then(|g| svc.task_set_mut(g))
    {
        set.status = TaskSetStatus::Primary;
        set.updated_at = now;
    }
    drain_set(world, &cluster, &service, blue.as_deref(), now);
    with(world, arn, |d| d.next_at = None);
}

/// Starts the hooks configured for `stage`: Lambda hooks run for a while, PAUSE hooks wait
/// for ContinueServiceDeployment until their timeout.
fn start_hooks(world: &mut World, arn: &str, stage: HookStage) {
    let now = world.now;
    let d = &world.service_deployments[arn];
    let wanted: Vec<(usize, bool, u32)> = d
        .config
        .hooks
        .iter()
        .enumerate()
        .filter(|(_, h)| h.stages.contains(&stage))
        .map(|(i, h)| (i, h.target == HookTarget::Pause, h.timeout_minutes))
        .collect();
    let fail_here = d.fail_hook_at == Some(stage);
    let mut runs = Vec::new();
    let mut failure_armed = fail_here;
    for (hook, pause, timeout) in wanted {
        let hook_id = world.event_id();
        let (status, ends_at, fails) = if pause {
            (
                HookStatus::AwaitingAction,
                now + i64::from(timeout) * 60_000,
                false,
            )
        } else {
            let (low, high) = world.timings.hook;
            let fails = std::mem::take(&mut failure_armed);
            (
                HookStatus::InProgress,
                now + world.rng.between(low, high) * 1000,
                fails,
            )
        };
        runs.push(HookRun {
            hook_id,
            hook,
            stage,
            status,
            started_at: now,
            ends_at,
            fails,
        });
    }
    with(world, arn, |d| {
        if fail_here && !failure_armed {
            d.fail_hook_at = None;
        }
        d.hooks.extend(runs);
        d.next_at = None;
    });
}

enum HooksState {
    Running,
    Done,
    Failed(String),
}

/// Lambda hooks answer when their time comes; PAUSE hooks time out at `expiresAt`.
fn run_hooks(world: &mut World, arn: &str) -> HooksState {
    let now = world.now;
    let Some(d) = world.service_deployments.get_mut(arn) else {
        return HooksState::Running;
    };
    let stage = match STEPS[d.step] {
        Step::Hooks(stage) => stage,
        Step::Work(_) => return HooksState::Running,
    };
    let mut failed = None;
    let mut running = false;
    let since = d.step_since;
    let hooks = d.config.hooks.clone();
    for run in d
        .hooks
        .iter_mut()
        .filter(|r| r.stage == stage && r.started_at >= since)
    {
        let hook = &hooks[run.hook];
        match run.status {
            HookStatus::InProgress if now >= run.ends_at => {
                run.status = if run.fails {
                    HookStatus::Failed
                } else {
                    HookStatus::Succeeded
                };
            }
            HookStatus::AwaitingAction if now >= run.ends_at => {
                run.status = HookStatus::TimedOut;
            }
            _ => {}
        }
        match run.status {
            HookStatus::InProgress | HookStatus::AwaitingAction => running = true,
            HookStatus::Failed => {
                let target = match &hook.target {
                    HookTarget::Lambda(function) => function.clone(),
                    HookTarget::Pause => "PAUSE".to_owned(),
                };
                failed.get_or_insert(format!(
                    "Service deployment rolled back because the lifecycle hook {target} failed at {}.",
                    stage.as_str()
                ));
            }
            HookStatus::TimedOut if hook.timeout_action == HookAction::Rollback => {
                failed.get_or_insert(format!(
                    "Service deployment rolled back because the lifecycle hook {} timed out at {}.",
                    run.hook_id,
                    stage.as_str()
                ));
            }
            HookStatus::TimedOut | HookStatus::Succeeded => {}
        }
    }
    d.updated_at = now;
    match (failed, running) {
        (Some(reason), _) => HooksState::Failed(reason),
        (None, true) => HooksState::Running,
        (None, false) => HooksState::Done,
    }
}

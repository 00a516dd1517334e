//! ECS task scheduling: keeps each task set at its computed desired count, starts tasks
//! (provisioning → pending → running), registers them as targets and runs their health
//! checks, drains and stops them. Targets are tasks, so none outlives its task.

use crate::sim::world::ecs::{Health, Service, Task, TaskSetStatus, TaskStatus};
use crate::sim::world::elb::HealthFailure;
use crate::sim::world::{Millis, World};

const PROVISIONING_SECONDS: Millis = 5_000;

pub fn tick(world: &mut World) {
    let keys: Vec<(String, String)> = world.services.keys().cloned().collect();
    for key in keys {
        let stream = world.stream_of(&key.0, &key.1);
        world.in_stream(stream, |world| {
            reconcile(world, &key);
            step_tasks(world, &key);
            report_steady(world, &key);
        });
    }
}

/// Starts or stops tasks so that each task set runs its computed desired count.
fn reconcile(world: &mut World, key: &(String, String)) {
    let Some(service) = world.services.get(key) else {
        return;
    };
    let mut to_start: Vec<(String, String, u32)> = Vec::new();
    let mut to_stop: Vec<(String, String)> = Vec::new();
    for set in &service.task_sets {
        let live: Vec<&Task> = service
            .tasks
            .iter()
            .filter(|t| t.task_set_id == set.id && t.desired_status != TaskStatus::Stopped)
            .collect();
        let want = service.computed_desired(set) as usize;
        if live.len() < want {
            to_start.push((
                set.id.clone(),
                set.task_definition.clone(),
                (want - live.len()) as u32,
            ));
        } else if live.len() > want {
            let reason = if set.status == TaskSetStatus::Draining {
                format!("Scaling activity initiated by (deployment {})", set.id)
            } else {
                "Service scaling: desired count decreased".to_owned()
            };
            // The newest tasks go first, as the scheduler does on scale-in.
            for task in live.iter().rev().take(live.len() - want) {
                to_stop.push((task.id.clone(), reason.clone()));
            }
        }
    }
    let (cluster, name) = key.clone();
    for (set_id, task_definition, count) in to_start {
        let mut started = Vec::new();
        for _ in 0..count {
            let task = new_task(world, &cluster, &set_id, &task_definition);
            started.push(task.id.clone());
            if let Some(service) = world.services.get_mut(key) {
                service.tasks.push(task);
            }
        }
        let list: Vec<String> = started.iter().map(|id| format!("(task {id})")).collect();
        world.service_event(
            &cluster,
            &name,
            format!(
                "(service {name}) has started {} tasks: {}.",
                started.len(),
                list.join(" ")
            ),
        );
    }
    if !to_stop.is_empty() {
        let now = world.now;
        let ids: Vec<String> = to_stop
            .iter()
            .map(|(id, _)| format!("(task {id})"))
            .collect();
        if let Some(service) = world.services.get_mut(key) {
            for (id, reason) in &to_stop {
                if let Some(task) = service.tasks.iter_mut().find(|t| &t.id == id) {
                    begin_stop(task, now, reason.clone(), "ServiceSchedulerInitiated");
                }
            }
        }
        world.service_event(
            &cluster,
            &name,
            format!(
                "(service {name}) has stopped {} running tasks: {}.",
                ids.len(),
                ids.join(" ")
            ),
        );
    }
}

fn new_task(world: &mut World, cluster: &str, set_id: &str, task_definition: &str) -> Task {
    let id = world.rng.hex(32);
    let arn = world.arn("ecs", &format!("task/{cluster}/{id}"));
    let ip = world.private_ip();
    let zones = world.zones();
    let zone = zones[(world.rng.next_u64() % 2) as usize].clone();
    let (low, high) = world.timings.task_start;
    let start = world.rng.between(low, high) * 1000;
    Task {
        id,
        arn,
        task_set_id: set_id.to_owned(),
        task_definition: task_definition.to_owned(),
        status: TaskStatus::Provisioning,
        desired_status: TaskStatus::Running,
        ip,
        availability_zone: zone,
        created_at: world.now,
        next_at: world.now + start.max(PROVISIONING_SECONDS + 1_000),
        started_at: None,
        stopping_at: None,
        stopped_at: None,
        stopped_reason: None,
        stop_code: None,
        health: Health::Initial,
        health_at: 0,
        registered: false,
    }
}

/// Asks a task to stop; a registered target drains first.
pub fn begin_stop(task: &mut Task, now: Millis, reason: String, code: &'static str) {
    if task.desired_status == TaskStatus::Stopped {
        return;
    }
    task.desired_status = TaskStatus::Stopped;
    task.stopping_at = Some(now);
    task.stopped_reason = Some(reason);
    task.stop_code = Some(code);
    if task.registered {
        task.health = Health::Draining;
    }
}

fn step_tasks(world: &mut World, key: &(String, String)) {
    let now = world.now;
    let timings = world.timings.clone();
    let Some(service) = world.services.get(key) else {
        return;
    };
    // Which failure, if any, each task set's target group is under.
    let failing: Vec<(String, Option<String>, Option<HealthFailure>)> = service
        .task_sets
        .iter()
        .map(|s| {
            let failure = s
                .target_group_arn
                .as_ref()
                .and_then(|arn| world.target_groups.get(arn))
                .and_then(|tg| tg.failing);
            (s.id.clone(), s.target_group_arn.clone(), failure)
        })
        .collect();
    let mut events: Vec<String> = Vec::new();
    let name = key.1.clone();
    let Some(service) = world.services.get_mut(key) else {
        return;
    };
    for task in &mut service.tasks {
        let Some((_, target_group, failure)) =
            failing.iter().find(|(id, _, _)| *id == task.task_set_id)
        else {
            continue;
        };
        if task.desired_status == TaskStatus::Stopped {
            if task.status != TaskStatus::Stopped {
                let drained = !task.registered
                    || now >= task.stopping_at.unwrap_or(now) + timings.deregistration * 1000;
                if drained {
                    task.status = TaskStatus::Stopped;
                    task.stopped_at = Some(now);
                    task.registered = false;
                }
            }
            continue;
        }
        match task.status {
            TaskStatus::Provisioning if now >= task.created_at + PROVISIONING_SECONDS => {
                task.status = TaskStatus::Pending;
            }
            TaskStatus::Pending if now >= task.next_at => {
                task.status = TaskStatus::Running;
                task.started_at = Some(now);
                if let Some(tg) = target_group {
                    task.registered = true;
                    task.health = Health::Initial;
                    task.health_at = now + timings.health_check * 1000;
                    events.push(format!(
                        "(service {name}) registered 1 targets in (target-group {tg})"
                    ));
                }
            }
            TaskStatus::Running if task.registered => match (task.health, failure) {
                (Health::Initial, None) if now >= task.health_at => task.health = Health::Healthy,
                (Health::Initial | Health::Healthy, Some(_)) if now >= task.health_at => {
                    task.health = Health::Unhealthy;
                    task.health_at = now + timings.unhealthy_replace * 1000;
                }
                (Health::Unhealthy, None) => task.health = Health::Healthy,
                (Health::Unhealthy, Some(_)) if now >= task.health_at => {
                    let tg = target_group.clone().unwrap_or_default();
                    begin_stop(
                        task,
                        now,
                        format!("Task failed ELB health checks in (target-group {tg})"),
                        "ServiceSchedulerInitiated",
                    );
                    events.push(format!(
                        "(service {name}) (task {}) failed ELB health checks in (target-group {tg})",
                        task.id
                    ));
                }
                _ => {}
            },
            _ => {}
        }
    }
    // ECS keeps stopped tasks visible for a while, then forgets them.
    let retention = timings.stopped_task_retention * 1000;
    service
        .tasks
        .retain(|t| t.stopped_at.is_none_or(|at| now < at + retention));
    for message in events {
        world.service_event(&key.0, &key.1, message);
    }
}

/// A service reports reaching a steady state once, when every set runs what it should.
fn report_steady(world: &mut World, key: &(String, String)) {
    let Some(service) = world.services.get(key) else {
        return;
    };
    let steady = is_steady(service);
    let was = service.steady;
    if let Some(service) = world.services.get_mut(key) {
        service.steady = steady;
    }
    if steady && !was {
        let name = key.1.clone();
        world.service_event(
            &key.0,
            &key.1,
            format!("(service {name}) has reached a steady state."),
        );
    }
}

pub fn is_steady(service: &Service) -> bool {
    service.task_sets.iter().all(|set| {
        set.status != TaskSetStatus::Draining
            && service.set_pending(&set.id) == 0
            && service.set_running(&set.id) == service.computed_desired(set)
    }) && service
        .tasks
        .iter()
        .all(|t| t.desired_status != TaskStatus::Stopped || t.status == TaskStatus::Stopped)
}

/// Whether every task of a set runs and, when it sits behind a target group, is healthy.
pub fn set_is_healthy(service: &Service, set_id: &str) -> bool {
    let Some(set) = service.task_set(set_id) else {
        return false;
    };
    let live: Vec<&Task> = service
        .tasks
        .iter()
        .filter(|t| t.task_set_id == set_id && t.desired_status != TaskStatus::Stopped)
        .collect();
    live.len() as u32 == service.computed_desired(set)
        && live.iter().all(|t| {
            t.status == TaskStatus::Running
                && (set.target_group_arn.is_none() || t.health == Health::Healthy)
        })
}

impl Health {
    /// The ELBv2 state, reason and description of a target in this health.
    pub fn describe(
        self,
        failure: Option<HealthFailure>,
    ) -> (&'static str, Option<&'static str>, Option<&'static str>) {
        match self {
            Self::Initial => (
                "initial",
                Some("Elb.InitialHealthChecking"),
                Some("Initial health checks in progress"),
            ),
            Self::Healthy => ("healthy", None, None),
            Self::Unhealthy => {
                let failure = failure.unwrap_or(HealthFailure::ResponseCodeMismatch);
                (
                    "unhealthy",
                    Some(failure.reason()),
                    Some(failure.description()),
                )
            }
            Self::Draining => (
                "draining",
                Some("Target.DeregistrationInProgress"),
                Some("Target deregistration is in progress"),
            ),
        }
    }
}

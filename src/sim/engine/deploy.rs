//! CodeDeploy ECS blue/green deployments: creation, the eight lifecycle events, the traffic
//! shift on the listener rules and the task sets together, the Ready and termination waits,
//! stop, failure and rollback. Traffic is only ever moved by [`set_production`] and
//! [`set_test_route`], so the ELBv2 and ECS views of it cannot drift apart.

use crate::sim::error::{ApiError, ApiResult};
use crate::sim::world::codedeploy::{
    Deployment, DeploymentStatus, Diagnostics, EventStatus, LifecycleEvent,
    LifecycleEventName as Ev, Phase, ReadyAction, Revision, Routing,
};
use crate::sim::world::ecs::{TaskSet, TaskSetStatus};
use crate::sim::world::elb::Forward;
use crate::sim::world::{Millis, World};

/// Seconds a lifecycle event without a hook takes.
const QUICK_EVENT: Millis = 2_000;

/// What a caller asks CreateDeployment for.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    pub application: String,
    pub group: String,
    pub config: Option<String>,
    pub description: Option<String>,
    pub revision: Revision,
    pub creator: &'static str,
    pub auto_rollback: Option<(bool, Vec<String>)>,
    pub external_id: Option<String>,
}

pub fn create(world: &mut World, request: CreateRequest) -> ApiResult<String> {
    let key = (request.application.clone(), request.group.clone());
    if !world.applications.contains_key(&request.application) {
        return Err(ApiError::new(
            "ApplicationDoesNotExistException",
            format!("No application found for name: {}", request.application),
        ));
    }
    let Some(group) = world.deployment_groups.get(&key).cloned() else {
        return Err(ApiError::new(
            "DeploymentGroupDoesNotExistException",
            format!("No Deployment Group found for name: {}", request.group),
        ));
    };
    if let Some(active) = world.active_deployment(&request.application, &request.group) {
        return Err(ApiError::new(
            "DeploymentLimitExceededException",
            format!(
                "The Deployment Group '{}' already has an active Deployment '{}'",
                request.group, active.id
            ),
        ));
    }
    let config_name = request
        .config
        .clone()
        .unwrap_or_else(|| group.config.clone());
    let Some(config) = world.deployment_configs.get(&config_name).cloned() else {
        return Err(ApiError::new(
            "DeploymentConfigDoesNotExistException",
            format!("No deployment configuration found for name: {config_name}"),
        ));
    };
    if !world
        .task_definitions
        .contains_key(&request.revision.task_definition)
    {
        return Err(ApiError::new(
            "InvalidRevisionException",
            format!(
                "The AppSpec TaskDefinition {} does not exist or is not ACTIVE",
                request.revision.task_definition
            ),
        ));
    }
    let Some(service) = world.service(&group.cluster, &group.service) else {
        return Err(ApiError::new(
            "InvalidECSServiceException",
            format!(
                "The ECS service {} in cluster {} does not exist",
                group.service, group.cluster
            ),
        ));
    };
    // The original is the task set production points at; the other group of the pair gets
    // the replacement.
    let pair: Vec<String> = group
        .target_groups
        .iter()
        .filter_map(|name| world.target_group_by_name(name).map(|t| t.arn.clone()))
        .collect();
    let [first, second] = pair.as_slice() else {
        return Err(ApiError::new(
            "InvalidLoadBalancerInfoException",
            format!(
                "The target groups {:?} of the deployment group do not both exist",
                group.target_groups
            ),
        ));
    };
    let prod_rules = world.rules_for_pair(&group.prod_listener, [first, second]);
    let original_tg = prod_rules
        .iter()
        .filter_map(|arn| world.rules.get(arn))
        .find_map(|rule| {
            [first, second]
                .into_iter()
                .find(|tg| rule.share_of(tg) > 0.0)
                .cloned()
        })
        .unwrap_or_else(|| first.clone());
    let replacement_tg = if &original_tg == first {
        second.clone()
    } else {
        first.clone()
    };
    let original_set = service
        .task_sets
        .iter()
        .find(|s| {
            s.status != TaskSetStatus::Draining
                && s.target_group_arn.as_deref() == Some(&original_tg)
        })
        .map(|s| s.id.clone());
    let previous_revision = group
        .last_successful
        .as_ref()
        .and_then(|id| world.deployments.get(id))
        .map(|d| d.revision.clone());
    let (auto_rollback, rollback_events) = request
        .auto_rollback
        .clone()
        .unwrap_or_else(|| (group.auto_rollback, group.rollback_events.clone()));
    let id = world.deployment_id();
    let fail_at = world
        .deployment_groups
        .get_mut(&key)
        .and_then(|g| g.fail_next_hook.take());
    let deployment = Deployment {
        id: id.clone(),
        application: request.application,
        group: request.group,
        config: config.name.clone(),
        routing: config.routing,
        status: DeploymentStatus::Created,
        creator: request.creator,
        description: request.description,
        revision: request.revision,
        previous_revision,
        created_at: world.now,
        started_at: None,
        completed_at: None,
        error: None,
        rollback_deployment: None,
        rollback_of: None,
        rollback_message: None,
        events: Ev::ALL
            .into_iter()
            .map(|name| LifecycleEvent {
                name,
                status: EventStatus::Pending,
                start: None,
                end: None,
                diagnostics: None,
            })
            .collect(),
        cluster: group.cluster.clone(),
        service: group.service.clone(),
        ready_action: group.ready_action,
        ready_wait_minutes: group.ready_wait_minutes,
        termination_wait_minutes: group.termination_wait_minutes,
        auto_rollback,
        rollback_events,
        original_set,
        replacement_set: None,
        original_target_group: original_tg,
        replacement_target_group: replacement_tg,
        phase: Phase::Created,
        phase_since: world.now,
        shifted: 0,
        next_shift_at: None,
        termination_wait_started: false,
        fail_at,
        status_messages: Vec::new(),
        external_id: request.external_id,
    };
    if let Some(group) = world.deployment_groups.get_mut(&key) {
        group.last_attempted = Some(id.clone());
    }
    world.deployments.insert(id.clone(), deployment);
    world.deployment_order.push(id.clone());
    Ok(id)
}

/// Redeploys the task definition a group's service runs now, with the hooks of the group's
/// last successful deployment: a deployment that changes nothing but moves traffic all the
/// same. The control surface's `create_deployment` event and generated worlds start theirs
/// this way; `config` overrides the group's deployment config.
pub fn redeploy_current(
    world: &mut World,
    application: &str,
    group: &str,
    config: Option<&str>,
) -> ApiResult<String> {
    let key = (application.to_owned(), group.to_owned());
    let Some(g) = world.deployment_groups.get(&key) else {
        return Err(ApiError::new(
            "DeploymentGroupDoesNotExistException",
            format!("No Deployment Group found for name: {group}"),
        ));
    };
    let Some(task_definition) = world
        .service(&g.cluster, &g.service)
        .and_then(|s| s.task_definition())
        .map(str::to_owned)
    else {
        return Err(ApiError::new(
            "InvalidECSServiceException",
            format!(
                "The ECS service {} in cluster {} has no task definition",
                g.service, g.cluster
            ),
        ));
    };
    let hooks = g
        .last_successful
        .as_ref()
        .and_then(|d| world.deployments.get(d))
        .map(|d| d.revision.hooks.clone())
        .unwrap_or_default();
    let revision = crate::sim::appspec::revision_for(world, &task_definition, &hooks);
    create(
        world,
        CreateRequest {
            application: key.0,
            group: key.1,
            config: config.map(str::to_owned),
            description: Some(
                "Started by the simulator: a redeploy of the running task definition".to_owned(),
            ),
            revision,
            creator: "user",
            auto_rollback: None,
            external_id: None,
        },
    )
}

pub fn tick(world: &mut World) {
    let active: Vec<String> = world
        .deployment_order
        .iter()
        .filter(|id| {
            world
                .deployments
                .get(*id)
                .is_some_and(|d| d.phase != Phase::Done)
        })
        .cloned()
        .collect();
    for id in active {
        step(world, &id);
    }
}

fn step(world: &mut World, id: &str) {
    let now = world.now;
    let Some(d) = world.deployments.get(id) else {
        return;
    };
    match d.phase {
        Phase::Created => {
            if now >= d.created_at + 1_000 {
                with(world, id, |d| {
                    d.status = DeploymentStatus::InProgress;
                    d.started_at = Some(now);
                });
                begin_event(world, id, 0);
            }
        }
        Phase::Event(index) => run_event(world, id, index),
        Phase::ReadyWait => {
            let limit = d.phase_since + i64::from(d.ready_wait_minutes) * 60_000;
            if now >= limit {
                halt(world, id, DeploymentStatus::Stopped, ("TIMEOUT", "The deployment timed out while waiting for a user to reroute production traffic.".to_owned()), Rollback::No);
            }
        }
        Phase::TerminationWait => {
            let limit = d.phase_since + i64::from(d.termination_wait_minutes) * 60_000;
            if now >= limit {
                begin_draining(world, id);
            }
        }
        Phase::Draining | Phase::Reverting => {
            let draining = if d.phase == Phase::Draining {
                d.original_set.clone()
            } else {
                d.replacement_set.clone()
            };
            let (cluster, service) = (d.cluster.clone(), d.service.clone());
            let gone = remove_set_when_drained(world, &cluster, &service, draining.as_deref());
            if gone {
                finish_phase(world, id);
            }
        }
        Phase::Done => {}
    }
}

fn with(world: &mut World, id: &str, change: impl FnOnce(&mut Deployment)) {
    if let Some(d) = world.deployments.get_mut(id) {
        change(d);
    }
}

/// The seconds a hook event runs: a hook from the AppSpec takes a while, none is quick.
fn event_duration(world: &mut World, d_hooked: bool) -> Millis {
    if d_hooked {
        let (low, high) = world.timings.hook;
        world.rng.between(low, high) * 1000
    } else {
        QUICK_EVENT
    }
}

fn begin_event(world: &mut World, id: &str, index: usize) {
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

fn group_of<'w>(
    world: &'w World,
    id: &str,
) -> Option<&'w crate::sim::world::codedeploy::DeploymentGroup> {
    let d = world.deployments.get(id)?;
    world
        .deployment_groups
        .get(&(d.application.clone(), d.group.clone()))
}

fn run_event(world: &mut World, id: &str, index: usize) {
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
                .is_some_and(|set| super::tasks::set_is_healthy(service, set));
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

/// Moves production to `percent` on the replacement, on the rules and the task sets at once.
fn set_production(world: &mut World, id: &str, percent: u32) {
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
fn set_test_route(world: &mut World, listener: &str, pair: &[String; 2], to: &str) {
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
fn promote(world: &mut World, id: &str) {
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

fn begin_draining(world: &mut World, id: &str) {
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

fn drain_set(world: &mut World, cluster: &str, service: &str, set: Option<&str>, now: Millis) {
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
fn remove_set_when_drained(
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

fn finish_phase(world: &mut World, id: &str) {
    let now = world.now;
    let d = &world.deployments[id];
    if d.phase == Phase::Draining {
        let key = (d.application.clone(), d.group.clone());
        with(world, id, |d| {
            d.status = DeploymentStatus::Succeeded;
            d.completed_at = Some(now);
            d.phase = Phase::Done;
        });
        if let Some(group) = world.deployment_groups.get_mut(&key) {
            group.last_successful = Some(id.to_owned());
        }
        if let Some(origin) = world.deployments[id].rollback_of.clone() {
            with(world, &origin, |d| {
                d.rollback_message = Some(format!("Rollback deployment {id} succeeded."));
            });
        }
    } else {
        with(world, id, |d| d.phase = Phase::Done);
    }
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

/// Whether stopping or failing a deployment creates a rollback deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollback {
    Yes,
    No,
}

/// Ends a deployment as Failed or Stopped. With a rollback, a new deployment
/// (creator `codeDeployRollback`) moves traffic back; without, the replacement is removed
/// in place and traffic returns to the original.
fn halt(
    world: &mut World,
    id: &str,
    status: DeploymentStatus,
    error: (&'static str, String),
    rollback: Rollback,
) {
    let now = world.now;
    with(world, id, |d| {
        d.status = status;
        d.completed_at = Some(now);
        d.error = Some(error);
        for event in &mut d.events {
            if matches!(event.status, EventStatus::Pending | EventStatus::InProgress) {
                if event.status == EventStatus::InProgress {
                    event.end = Some(now);
                }
                event.status = EventStatus::Skipped;
            }
        }
    });
    let d = &world.deployments[id];
    let nothing_to_undo = d.replacement_set.is_none() && d.shifted == 0;
    if nothing_to_undo {
        with(world, id, |d| {
            d.phase = Phase::Done;
            d.rollback_message = Some(
                "No rollback was needed: the replacement task set had not been created.".to_owned(),
            );
        });
        return;
    }
    if rollback == Rollback::Yes && d.original_set.is_some() && !d.is_rollback() {
        let rollback_id = start_rollback(world, id);
        with(world, id, |d| {
            d.phase = Phase::Done;
            d.rollback_deployment = Some(rollback_id.clone());
            d.rollback_message = Some(format!("Rollback deployment {rollback_id} started."));
        });
        return;
    }
    // Revert in place: production and test back on the original, replacement drained.
    let d = &world.deployments[id];
    let pair = [
        d.original_target_group.clone(),
        d.replacement_target_group.clone(),
    ];
    let original_tg = d.original_target_group.clone();
    let test_listener = group_of(world, id).and_then(|g| g.test_listener.clone());
    set_production(world, id, 0);
    if let Some(listener) = test_listener {
        set_test_route(world, &listener, &pair, &original_tg);
    }
    let d = &world.deployments[id];
    let (cluster, service, original, replacement) = (
        d.cluster.clone(),
        d.service.clone(),
        d.original_set.clone(),
        d.replacement_set.clone(),
    );
    if let Some(svc) = world.service_mut(&cluster, &service)
        && let Some(set) = original.as_deref().and_then(|o| svc.task_set_mut(o))
    {
        set.status = TaskSetStatus::Primary;
    }
    drain_set(world, &cluster, &service, replacement.as_deref(), now);
    with(world, id, |d| {
        d.phase = Phase::Reverting;
        d.phase_since = now;
    });
}

fn start_rollback(world: &mut World, id: &str) -> String {
    let now = world.now;
    let d = world.deployments[id].clone();
    let rollback_id = world.deployment_id();
    let revision = d
        .previous_revision
        .clone()
        .unwrap_or_else(|| d.revision.clone());
    let rollback = Deployment {
        id: rollback_id.clone(),
        config: "CodeDeployDefault.ECSAllAtOnce".to_owned(),
        routing: Routing::AllAtOnce,
        status: DeploymentStatus::Created,
        creator: "codeDeployRollback",
        description: Some(format!("Rollback of deployment {id}")),
        previous_revision: Some(d.revision.clone()),
        revision,
        created_at: now,
        started_at: None,
        completed_at: None,
        error: None,
        rollback_deployment: None,
        rollback_of: Some(id.to_owned()),
        rollback_message: None,
        events: Ev::ALL
            .into_iter()
            .map(|name| LifecycleEvent {
                name,
                status: EventStatus::Pending,
                start: None,
                end: None,
                diagnostics: None,
            })
            .collect(),
        original_set: d.replacement_set.clone(),
        replacement_set: d.original_set.clone(),
        original_target_group: d.replacement_target_group.clone(),
        replacement_target_group: d.original_target_group.clone(),
        phase: Phase::Created,
        phase_since: now,
        shifted: 100 - d.shifted,
        next_shift_at: None,
        termination_wait_started: false,
        fail_at: None,
        status_messages: Vec::new(),
        external_id: None,
        ..d
    };
    let key = (rollback.application.clone(), rollback.group.clone());
    world.deployments.insert(rollback_id.clone(), rollback);
    world.deployment_order.push(rollback_id.clone());
    if let Some(group) = world.deployment_groups.get_mut(&key) {
        group.last_attempted = Some(rollback_id.clone());
    }
    rollback_id
}

/// ContinueDeployment.
pub fn continue_deployment(world: &mut World, id: &str, wait: &str) -> ApiResult<()> {
    let d = find(world, id)?;
    if d.status.is_terminal() {
        return Err(ApiError::new(
            "DeploymentAlreadyCompletedException",
            format!("The deployment {id} has already completed."),
        ));
    }
    match wait {
        "READY_WAIT" => {
            if d.phase != Phase::ReadyWait {
                return Err(ApiError::new(
                    "DeploymentIsNotInReadyStateException",
                    format!("The deployment {id} is not in the Ready state."),
                ));
            }
            with(world, id, |d| d.status = DeploymentStatus::InProgress);
            begin_event(world, id, Ev::BeforeAllowTraffic.index());
            Ok(())
        }
        "TERMINATION_WAIT" => {
            if d.phase != Phase::TerminationWait {
                return Err(ApiError::new(
                    "InvalidDeploymentWaitTypeException",
                    format!(
                        "The deployment {id} is not waiting to terminate the original task set."
                    ),
                ));
            }
            begin_draining(world, id);
            Ok(())
        }
        other => Err(ApiError::new(
            "InvalidDeploymentWaitTypeException",
            format!("The wait type {other} is not valid: use READY_WAIT or TERMINATION_WAIT."),
        )),
    }
}

/// StopDeployment; returns the status and message StopDeployment answers with.
pub fn stop(
    world: &mut World,
    id: &str,
    auto_rollback: Option<bool>,
) -> ApiResult<(&'static str, String)> {
    let d = find(world, id)?;
    if d.status.is_terminal() {
        return Err(ApiError::new(
            "DeploymentAlreadyCompletedException",
            format!("The deployment {id} has already completed."),
        ));
    }
    let rollback = auto_rollback.unwrap_or_else(|| {
        d.auto_rollback
            && d.rollback_events
                .iter()
                .any(|e| e == "DEPLOYMENT_STOP_ON_REQUEST")
    });
    halt(
        world,
        id,
        DeploymentStatus::Stopped,
        (
            "MANUAL_STOP",
            "The deployment was stopped by a user request.".to_owned(),
        ),
        if rollback {
            Rollback::Yes
        } else {
            Rollback::No
        },
    );
    let message = match &world.deployments[id].rollback_deployment {
        Some(rollback) => format!("Deployment stopped; rollback deployment {rollback} started."),
        None => "Deployment stopped.".to_owned(),
    };
    Ok(("Pending", message))
}

pub fn find<'w>(world: &'w World, id: &str) -> ApiResult<&'w Deployment> {
    if id.is_empty() {
        return Err(ApiError::new(
            "DeploymentIdRequiredException",
            "A deployment ID must be specified.",
        ));
    }
    if !id.starts_with("d-") || id.len() != 11 {
        return Err(ApiError::new(
            "InvalidDeploymentIdException",
            format!("Deployment ID {id} is not valid."),
        ));
    }
    world.deployments.get(id).ok_or_else(|| {
        ApiError::new(
            "DeploymentDoesNotExistException",
            format!("Deployment {id} does not exist."),
        )
    })
}

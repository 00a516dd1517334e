//! CodeDeploy ECS blue/green deployments: creation, the eight lifecycle events, the traffic
//! shift on the listener rules and the task sets together, the Ready and termination waits,
//! stop, failure and rollback. Traffic is only ever moved by [`traffic::set_production`] and
//! [`traffic::set_test_route`], so the ELBv2 and ECS views of it cannot drift apart.
//!
//! This file holds what starts a deployment and what drives it each tick; the lifecycle
//! events are in `events`, traffic and task sets in `traffic`, and stopping, failing and
//! rolling back in `halt`.

mod events;
mod halt;
pub(crate) mod traffic;

pub use halt::{Rollback, continue_deployment, stop};

use crate::sim::error::{ApiError, ApiResult};
use crate::sim::world::World;
use crate::sim::world::codedeploy::{
    ComputePlatform, Deployment, DeploymentConfig, DeploymentGroup, DeploymentStatus, EventStatus,
    LifecycleEvent, LifecycleEventName as Ev, Phase, Revision, RevisionSource, S3Location,
};
use crate::sim::world::ecs::TaskSetStatus;

use events::{begin_event, run_event};
use halt::halt;
use traffic::{begin_draining, remove_set_when_drained};

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
    let (group, config) = check_request(world, &request)?;
    let sides = choose_sides(world, &group)?;
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
        events: pending_events(),
        cluster: group.cluster.clone(),
        service: group.service.clone(),
        ready_action: group.ready_action,
        ready_wait_minutes: group.ready_wait_minutes,
        termination_wait_minutes: group.termination_wait_minutes,
        auto_rollback,
        rollback_events,
        original_set: sides.original_set,
        replacement_set: None,
        original_target_group: sides.original_target_group,
        replacement_target_group: sides.replacement_target_group,
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

/// Refuses a CreateDeployment that names what does not exist or whose group is busy, and
/// otherwise returns the group and the deployment config to use.
fn check_request(
    world: &World,
    request: &CreateRequest,
) -> ApiResult<(DeploymentGroup, DeploymentConfig)> {
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
    Ok((group, config))
}

/// Which target group (and task set) a new deployment replaces, and which it deploys to.
struct Sides {
    original_set: Option<String>,
    original_target_group: String,
    replacement_target_group: String,
}

fn choose_sides(world: &World, group: &DeploymentGroup) -> ApiResult<Sides> {
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
    Ok(Sides {
        original_set,
        original_target_group: original_tg,
        replacement_target_group: replacement_tg,
    })
}

/// The eight lifecycle events of a new deployment, none begun.
fn pending_events() -> Vec<LifecycleEvent> {
    Ev::ALL
        .into_iter()
        .map(|name| LifecycleEvent {
            name,
            status: EventStatus::Pending,
            start: None,
            end: None,
            diagnostics: None,
        })
        .collect()
}

/// The task definition a group's service runs now, with the hooks of the group's last
/// successful deployment.
fn current_revision(world: &World, application: &str, group: &str) -> ApiResult<Revision> {
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
    Ok(crate::sim::appspec::revision_for(
        world,
        &task_definition,
        &hooks,
    ))
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
    let revision = current_revision(world, application, group)?;
    create(
        world,
        CreateRequest {
            application: application.to_owned(),
            group: group.to_owned(),
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

/// The deployments of an application whose revision `wanted` accepts, newest first.
/// CodeDeploy registers every revision a deployment uses to the deployment's application;
/// the simulator has no other way to register one, so these deployments are the revision's
/// registration (GetApplicationRevision reads it from them).
pub fn uses_of<'w>(
    world: &'w World,
    application: &'w str,
    wanted: impl Fn(&RevisionSource) -> bool + 'w,
) -> impl Iterator<Item = &'w Deployment> + 'w {
    world
        .deployment_order
        .iter()
        .rev()
        .filter_map(|id| world.deployments.get(id))
        .filter(move |d| d.application == application && wanted(&d.revision.source))
}

/// An S3 revision as the simulated world deploys it. The simulator serves no S3, so it cannot
/// read the AppSpec object a location names. A location the application deployed before
/// deploys what it deployed then (its task definition and hooks), so that redeploying an S3
/// revision by reference deploys the same thing again; a location never deployed before
/// deploys the task definition the group's service runs now, with the hooks of the group's
/// last successful deployment (as `redeploy_current` does). `docs/simulator.md` says so.
pub fn s3_revision(
    world: &World,
    application: &str,
    group: &str,
    location: S3Location,
) -> ApiResult<Revision> {
    if !world.applications.contains_key(application) {
        return Err(ApiError::new(
            "ApplicationDoesNotExistException",
            format!("No application found for name: {application}"),
        ));
    }
    let before = uses_of(
        world,
        application,
        |source| matches!(source, RevisionSource::S3(used) if used.matches(&location)),
    )
    .next()
    .map(|d| (d.revision.task_definition.clone(), d.revision.hooks.clone()));
    let (task_definition, hooks) = if let Some(found) = before {
        found
    } else {
        let current = current_revision(world, application, group)?;
        (current.task_definition, current.hooks)
    };
    Ok(Revision {
        source: RevisionSource::S3(location),
        task_definition,
        hooks,
    })
}

pub fn tick(world: &mut World) {
    let active: Vec<String> = world
        .deployment_order
        .iter()
        .filter(|id| {
            world.deployments.get(*id).is_some_and(|d| {
                // Deployments of other platforms are held, not run (`hold_other_deployment`).
                d.phase != Phase::Done && world.platform_of(&d.application) == ComputePlatform::Ecs
            })
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

fn group_of<'w>(
    world: &'w World,
    id: &str,
) -> Option<&'w crate::sim::world::codedeploy::DeploymentGroup> {
    let d = world.deployments.get(id)?;
    world
        .deployment_groups
        .get(&(d.application.clone(), d.group.clone()))
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

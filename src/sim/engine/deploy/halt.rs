//! Ending a deployment early, and the operator calls on one in flight: halting it as Failed or
//! Stopped, then either reverting in place or starting a rollback deployment;
//! ContinueDeployment past the Ready or termination wait; StopDeployment. It must not move
//! traffic on its own: a revert goes through [`super::traffic`] like any other shift.

use super::events::begin_event;
use super::traffic::{begin_draining, drain_set, set_production, set_test_route};
use super::{find, group_of, with};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::world::World;
use crate::sim::world::codedeploy::{
    Deployment, DeploymentStatus, EventStatus, LifecycleEvent, LifecycleEventName as Ev, Phase,
    Routing,
};
use crate::sim::world::ecs::TaskSetStatus;

/// Whether stopping or failing a deployment creates a rollback deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollback {
    Yes,
    No,
}

/// Ends a deployment as Failed or Stopped. With a rollback, a new deployment
/// (creator `codeDeployRollback`) moves traffic back; without, the replacement is removed
/// in place and traffic returns to the original.
pub(super) fn halt(
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

//! Rolling a service deployment back, and the operator calls on one in flight:
//! StopServiceDeployment (ROLLBACK) and ContinueServiceDeployment at a PAUSE hook. A rollback
//! sends production and test back to blue, puts blue back in charge and removes green; it
//! ends ROLLBACK_SUCCESSFUL with a rollback record. It must not move traffic but through the
//! shared shift functions (`stages::shift_production`, `stages::shift_test`).

use super::stages::{Side, shift_production, shift_test};
use super::{find, with};
use crate::sim::engine::deploy::traffic::{drain_set, remove_set_when_drained};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::world::World;
use crate::sim::world::ecs::TaskSetStatus;
use crate::sim::world::native::{HookAction, HookStatus, RollbackRecord, Status};

/// Starts rolling a deployment back to its source revision, for `reason`.
pub(super) fn roll_back(world: &mut World, arn: &str, reason: String) {
    let now = world.now;
    let Some(d) = world.service_deployments.get(arn) else {
        return;
    };
    let revision = d.source_revisions.first().cloned().unwrap_or_default();
    with(world, arn, |d| {
        d.status = Status::RollbackInProgress;
        d.status_reason = Some(reason.clone());
        d.rollback = Some(RollbackRecord {
            reason,
            started_at: now,
            revision,
        });
        for run in &mut d.hooks {
            if matches!(
                run.status,
                HookStatus::InProgress | HookStatus::AwaitingAction
            ) {
                run.status = HookStatus::Failed;
            }
        }
        d.next_at = None;
    });
    shift_production(world, arn, 0.0);
    shift_test(world, arn, Side::Blue);
    let d = &world.service_deployments[arn];
    let (cluster, service) = (d.cluster.clone(), d.service.clone());
    let (blue, green) = (d.blue_set.clone(), d.green_set.clone());
    if let Some(svc) = world.service_mut(&cluster, &service)
        && let Some(set) = blue.as_deref().and_then(|b| svc.task_set_mut(b))
    {
        set.status = TaskSetStatus::Primary;
        set.updated_at = now;
    }
    drain_set(world, &cluster, &service, green.as_deref(), now);
}

/// A rollback is over once green's last task has stopped.
pub(super) fn run_rollback(world: &mut World, arn: &str) {
    let now = world.now;
    let d = &world.service_deployments[arn];
    let (cluster, service, green) = (d.cluster.clone(), d.service.clone(), d.green_set.clone());
    if remove_set_when_drained(world, &cluster, &service, green.as_deref()) {
        with(world, arn, |d| {
            d.status = Status::RollbackSuccessful;
            d.finished_at = Some(now);
        });
    }
}

/// StopServiceDeployment. ROLLBACK (the default) is the only stop type the API docs call
/// valid, though the model's enum also holds ABORT: the simulator refuses ABORT.
pub fn stop(world: &mut World, arn: &str, stop_type: Option<&str>) -> ApiResult<String> {
    let d = find(world, arn)?;
    match stop_type.unwrap_or("ROLLBACK") {
        "ROLLBACK" => {}
        "ABORT" => {
            return Err(ApiError::new(
                "InvalidParameterException",
                "The stopType ABORT is not supported. The valid values are ROLLBACK.",
            ));
        }
        other => {
            return Err(ApiError::new(
                "InvalidParameterException",
                format!("Invalid stopType {other}. The valid values are ROLLBACK."),
            ));
        }
    }
    match d.status {
        Status::Pending | Status::InProgress => {
            let now = world.now;
            with(world, arn, |d| {
                d.status = Status::RollbackRequested;
                d.stopped_at = Some(now);
                d.status_reason =
                    Some("Service deployment rolled back because of a user request.".to_owned());
            });
            Ok(arn.to_owned())
        }
        Status::StopRequested | Status::RollbackRequested | Status::RollbackInProgress => {
            Ok(arn.to_owned())
        }
        done => Err(ApiError::new(
            "ConflictException",
            format!(
                "The service deployment {arn} cannot be stopped because its status is {}.",
                done.as_str()
            ),
        )),
    }
}

/// ContinueServiceDeployment: answers a PAUSE hook that is AWAITING_ACTION.
pub fn continue_hook(
    world: &mut World,
    arn: &str,
    hook_id: &str,
    action: Option<&str>,
) -> ApiResult<String> {
    let action = match action {
        None => HookAction::Continue,
        Some(text) => HookAction::parse(text).ok_or_else(|| {
            ApiError::new(
                "InvalidParameterException",
                format!("Invalid action {text}. The valid values are CONTINUE and ROLLBACK."),
            )
        })?,
    };
    let d = find(world, arn)?;
    if d.status != Status::InProgress {
        return Err(ApiError::new(
            "InvalidParameterException",
            format!(
                "The service deployment {arn} is {}; only a deployment IN_PROGRESS at a paused lifecycle hook can be continued.",
                d.status.as_str()
            ),
        ));
    }
    let Some(run) = d.hooks.iter().find(|h| h.hook_id == hook_id) else {
        return Err(ApiError::new(
            "InvalidParameterException",
            format!(
                "The lifecycle hook {hook_id} does not belong to the service deployment {arn}."
            ),
        ));
    };
    if run.status != HookStatus::AwaitingAction {
        return Err(ApiError::new(
            "InvalidParameterException",
            format!(
                "The lifecycle hook {hook_id} is {}, not AWAITING_ACTION.",
                run.status.as_str()
            ),
        ));
    }
    match action {
        HookAction::Continue => with(world, arn, |d| {
            if let Some(run) = d.hooks.iter_mut().find(|h| h.hook_id == hook_id) {
                run.status = HookStatus::Succeeded;
            }
        }),
        HookAction::Rollback => {
            let stage = run.stage.as_str();
            roll_back(
                world,
                arn,
                format!(
                    "Service deployment rolled back by a user at the lifecycle hook {hook_id} ({stage})."
                ),
            );
        }
    }
    Ok(arn.to_owned())
}

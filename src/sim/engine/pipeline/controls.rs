//! The operator calls on a pipeline: PutApprovalResult, StopPipelineExecution,
//! RetryStageExecution, RollbackStage and Enable/DisableStageTransition. Each checks its request
//! as the service does; what runs next is left to the parent's queueing and settling.
//! They must not touch a CodeDeploy deployment: as in the service, stopping an execution, even
//! abandoning it, leaves a deployment it started running.

use super::actions::{start_action, start_actions};
use super::{Trigger, create, finish, not_found, queue_at, settle_stage, unqueue};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::world::pipeline::{
    ActionStatus, Approval, Category, ExecutionMode, ExecutionStatus, StageStatus,
};
use crate::sim::world::{Millis, World};

/// PutApprovalResult.
pub fn answer_approval(
    world: &mut World,
    pipeline: &str,
    stage: &str,
    action: &str,
    token: &str,
    approval: Approval,
) -> ApiResult<Millis> {
    let Some(p) = world.pipelines.get(pipeline) else {
        return Err(not_found(pipeline));
    };
    let Some(stage_index) = p.stage_index(stage) else {
        return Err(ApiError::new(
            "StageNotFoundException",
            format!("Stage '{stage}' was not found in pipeline '{pipeline}'"),
        ));
    };
    let Some(action_index) = p.stages[stage_index]
        .actions
        .iter()
        .position(|a| a.name == action)
    else {
        return Err(ApiError::new(
            "ActionNotFoundException",
            format!("Action '{action}' was not found in stage '{stage}'"),
        ));
    };
    if p.stages[stage_index].actions[action_index].category != Category::Approval {
        return Err(ApiError::new(
            "InvalidApprovalTokenException",
            format!("Action '{action}' is not a manual approval"),
        ));
    }
    // Find the run that was issued this token, whichever execution holds it.
    let found = p.executions.iter().rev().find_map(|exec_id| {
        let e = world.executions.get(exec_id)?;
        let index = e.runs.iter().position(|r| {
            r.stage == stage_index && r.action == action_index && r.token.as_deref() == Some(token)
        })?;
        Some((exec_id.clone(), index))
    });
    let Some((exec_id, index)) = found else {
        return Err(ApiError::new(
            "InvalidApprovalTokenException",
            format!(
                "The approval token {token} is not valid for action '{action}' in stage '{stage}'"
            ),
        ));
    };
    let run = &world.executions[&exec_id].runs[index];
    if run.status != ActionStatus::InProgress {
        return Err(ApiError::new(
            "ApprovalAlreadyCompletedException",
            format!("The approval action '{action}' in stage '{stage}' was already answered"),
        ));
    }
    let now = world.now;
    let approved = approval.approved;
    if let Some(e) = world.executions.get_mut(&exec_id) {
        let run = &mut e.runs[index];
        run.status = if approved {
            ActionStatus::Succeeded
        } else {
            ActionStatus::Failed
        };
        run.summary = Some(approval.summary.clone());
        run.updated_at = now;
        run.updated_by = Some(approval.by.clone());
        if !approved {
            run.error = Some((
                "Rejected".to_owned(),
                format!("Rejected by {}: {}", approval.by, approval.summary),
            ));
        }
        run.approval = Some(approval);
    }
    settle_stage(world, &exec_id);
    Ok(now)
}

/// StopPipelineExecution.
pub fn stop(
    world: &mut World,
    pipeline: &str,
    id: &str,
    abandon: bool,
    reason: &str,
) -> ApiResult<()> {
    if !world.pipelines.contains_key(pipeline) {
        return Err(not_found(pipeline));
    }
    let Some(e) = world.executions.get(id).filter(|e| e.pipeline == pipeline) else {
        return Err(ApiError::new(
            "PipelineExecutionNotFoundException",
            format!("Execution {id} was not found in pipeline '{pipeline}'"),
        ));
    };
    match (e.status, &e.stop) {
        (ExecutionStatus::InProgress, _) => {}
        (ExecutionStatus::Stopping, Some((false, _))) if abandon => {}
        (ExecutionStatus::Stopping, _) => {
            return Err(ApiError::new(
                "DuplicatedStopRequestException",
                format!("Execution {id} is already stopping"),
            ));
        }
        _ => {
            return Err(ApiError::new(
                "PipelineExecutionNotStoppableException",
                format!(
                    "Execution {id} is {} and cannot be stopped",
                    e.status.as_str()
                ),
            ));
        }
    }
    let now = world.now;
    let in_stage = e.in_stage;
    if let Some(e) = world.executions.get_mut(id) {
        e.status = ExecutionStatus::Stopping;
        e.stop = Some((abandon, reason.to_owned()));
        e.updated_at = now;
        if abandon {
            for run in e
                .runs
                .iter_mut()
                .filter(|r| r.status == ActionStatus::InProgress)
            {
                run.status = ActionStatus::Abandoned;
                run.updated_at = now;
            }
        }
    }
    if in_stage {
        settle_stage(world, id);
    } else {
        // Waiting at a stage's entrance: nothing runs, so it stops at once.
        unqueue(world, pipeline, id);
        finish(world, id, ExecutionStatus::Stopped, None);
    }
    Ok(())
}

/// RetryStageExecution.
pub fn retry(world: &mut World, pipeline: &str, stage: &str, id: &str, all: bool) -> ApiResult<()> {
    let Some(p) = world.pipelines.get(pipeline) else {
        return Err(not_found(pipeline));
    };
    let Some(stage_index) = p.stage_index(stage) else {
        return Err(ApiError::new(
            "StageNotFoundException",
            format!("Stage '{stage}' was not found in pipeline '{pipeline}'"),
        ));
    };
    let Some(e) = world.executions.get(id).filter(|e| e.pipeline == pipeline) else {
        return Err(ApiError::new(
            "PipelineExecutionNotFoundException",
            format!("Execution {id} was not found in pipeline '{pipeline}'"),
        ));
    };
    if e.stages[stage_index] != Some(StageStatus::Failed) || e.status != ExecutionStatus::Failed {
        return Err(ApiError::new(
            "StageNotRetryableException",
            format!("Stage '{stage}' of execution {id} has no failed actions to retry"),
        ));
    }
    if p.latest_in_stage[stage_index].as_deref() != Some(id) {
        return Err(ApiError::new(
            "NotLatestPipelineExecutionException",
            format!("Execution {id} is not the latest execution in stage '{stage}'"),
        ));
    }
    if p.stage_busy(stage_index) {
        return Err(ApiError::new(
            "ConflictException",
            format!("Stage '{stage}' is running another execution"),
        ));
    }
    let failed: Vec<usize> = e
        .latest_runs(stage_index)
        .filter(|r| matches!(r.status, ActionStatus::Failed | ActionStatus::Abandoned))
        .map(|r| r.action)
        .collect();
    let now = world.now;
    if let Some(e) = world.executions.get_mut(id) {
        e.status = ExecutionStatus::InProgress;
        e.status_summary = None;
        e.stop = None;
        e.position = stage_index;
        e.in_stage = true;
        e.stages[stage_index] = Some(StageStatus::InProgress);
        e.updated_at = now;
    }
    if let Some(p) = world.pipelines.get_mut(pipeline) {
        p.occupants[stage_index].push(id.to_owned());
    }
    if all {
        let first = world.pipelines[pipeline].stages[stage_index]
            .actions
            .iter()
            .map(|a| a.run_order)
            .min();
        if let Some(order) = first {
            // Earlier runs of the stage no longer count: rerun from the first run order.
            if let Some(e) = world.executions.get_mut(id) {
                e.attempts[stage_index] += 1;
            }
            start_actions(world, id, stage_index, |o| o == order);
        }
    } else {
        for action in failed {
            start_action(world, id, stage_index, action);
        }
    }
    Ok(())
}

/// RollbackStage: a new ROLLBACK execution re-runs the stage with what a succeeded
/// execution deployed.
///
/// Two refusals follow AWS's user guide ("Configuring stage rollback" and "Set or change the
/// pipeline execution mode"): a target execution that was itself a rollback ("You cannot roll
/// back to a target execution ID that is a rollback execution type"), and any rollback in a
/// PARALLEL-mode pipeline ("stage rollback is not available"). The guide names no error code
/// for either; UnableToRollbackStageException is the one the API reference gives for "an
/// incorrect target pipeline execution ID" and a stage that cannot roll back, so it is used
/// for both (inferred, not checked against a live account).
pub fn rollback_stage(
    world: &mut World,
    pipeline: &str,
    stage: &str,
    target: &str,
) -> ApiResult<String> {
    let Some(p) = world.pipelines.get(pipeline) else {
        return Err(not_found(pipeline));
    };
    let Some(stage_index) = p.stage_index(stage) else {
        return Err(ApiError::new(
            "StageNotFoundException",
            format!("Stage '{stage}' was not found in pipeline '{pipeline}'"),
        ));
    };
    if p.mode == ExecutionMode::Parallel {
        return Err(ApiError::new(
            "UnableToRollbackStageException",
            format!(
                "Pipeline '{pipeline}' runs in PARALLEL mode, where stage rollback is not available"
            ),
        ));
    }
    let Some(t) = world
        .executions
        .get(target)
        .filter(|e| e.pipeline == pipeline)
    else {
        return Err(ApiError::new(
            "PipelineExecutionNotFoundException",
            format!("Execution {target} was not found in pipeline '{pipeline}'"),
        ));
    };
    if t.is_rollback() {
        return Err(ApiError::new(
            "UnableToRollbackStageException",
            format!(
                "Execution {target} is a rollback execution; a stage cannot roll back to a rollback execution"
            ),
        ));
    }
    if t.stages[stage_index] != Some(StageStatus::Succeeded) {
        return Err(ApiError::new(
            "UnableToRollbackStageException",
            format!(
                "Execution {target} did not succeed in stage '{stage}', so the stage cannot roll back to it"
            ),
        ));
    }
    if !p.occupants[stage_index].is_empty() {
        return Err(ApiError::new(
            "UnableToRollbackStageException",
            format!("Stage '{stage}' is in progress"),
        ));
    }
    let id = create(
        world,
        pipeline,
        Trigger {
            kind: "ManualRollback",
            detail: "ManualRollback",
        },
        None,
        None,
    )?;
    let source = world.executions[target].source.clone();
    let now = world.now;
    if let Some(e) = world.executions.get_mut(&id) {
        e.rollback_target = Some(target.to_owned());
        e.source = source;
        e.updated_at = now;
    }
    queue_at(world, &id, stage_index);
    Ok(id)
}

/// Enable/DisableStageTransition: an inbound transition gates entry into a stage, an
/// outbound one the way out of it.
pub fn set_transition(
    world: &mut World,
    pipeline: &str,
    stage: &str,
    inbound: bool,
    enabled: bool,
    reason: Option<String>,
) -> ApiResult<()> {
    let now = world.now;
    let principal = world.principal.clone();
    let Some(p) = world.pipelines.get_mut(pipeline) else {
        return Err(not_found(pipeline));
    };
    let Some(index) = p.stage_index(stage) else {
        return Err(ApiError::new(
            "StageNotFoundException",
            format!("Stage '{stage}' was not found in pipeline '{pipeline}'"),
        ));
    };
    let transition = if inbound {
        &mut p.inbound[index]
    } else {
        &mut p.outbound[index]
    };
    transition.enabled = enabled;
    transition.reason = if enabled { None } else { reason };
    transition.changed_by = Some(principal);
    transition.changed_at = Some(now);
    Ok(())
}

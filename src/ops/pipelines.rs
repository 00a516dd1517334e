//! Preconditions of the pipeline actions that must name an execution: answering an approval,
//! stopping an execution, rolling a stage back. In QUEUED and PARALLEL modes several
//! executions run at once (and in PARALLEL mode several wait at one gate), so an action that
//! could mean more than one of them is refused with the list of ids, never sent to the newest
//! on a guess. It must not send anything: it only reads and plans.

use std::collections::BTreeSet;

use crate::aws::{Clients, codepipeline};
use crate::model::pipeline::{ExecutionSummary, PendingApproval, Pipeline};
use crate::model::status::{ExecutionMode, ExecutionStatus, StageStatus};

use super::prepare::{Call, Plan, gone};
use super::{Op, OpError, StopMode, Verdict};

/// What an approval asks for: which gate, which execution.
pub struct Wanted<'a> {
    pub stage: Option<&'a str>,
    pub action: Option<&'a str>,
    pub execution: Option<&'a str>,
}

/// The one approval `wanted` names among those waiting in `p`, or why there is not one.
pub fn choose_approval(p: &Pipeline, wanted: &Wanted<'_>) -> Result<PendingApproval, OpError> {
    let pipeline = &p.name;
    if let Some(name) = wanted
        .stage
        .filter(|s| !p.stages.iter().any(|x| x.name == *s))
    {
        return Err(OpError::Invalid(format!(
            "pipeline {pipeline} has no stage {name}"
        )));
    }
    let at_gate: Vec<PendingApproval> = p
        .waiting_approvals()
        .into_iter()
        .filter(|w| wanted.stage.is_none_or(|s| w.stage == s))
        .filter(|w| wanted.action.is_none_or(|a| w.action == a))
        .collect();
    let waiting: Vec<&PendingApproval> = at_gate
        .iter()
        .filter(|w| {
            wanted
                .execution
                .is_none_or(|id| w.execution_id.as_deref() == Some(id))
        })
        .collect();
    match waiting.as_slice() {
        [] => match wanted.execution {
            Some(id) if !at_gate.is_empty() => Err(gone(format!(
                "execution {id} is not waiting at an approval in {pipeline}; these are: {}",
                list(&at_gate.iter().collect::<Vec<_>>())
            ))),
            _ => Err(gone(format!(
                "no approval is waiting in {pipeline}: it may have been answered by someone else, or timed out"
            ))),
        },
        [one] => Ok((*one).clone()),
        many => {
            let gates: BTreeSet<(&str, &str)> = many
                .iter()
                .map(|w| (w.stage.as_str(), w.action.as_str()))
                .collect();
            let executions: BTreeSet<Option<&str>> =
                many.iter().map(|w| w.execution_id.as_deref()).collect();
            let name = match (gates.len() > 1, executions.len() > 1) {
                (true, true) => "--stage, --action and --execution",
                (true, false) => "--stage and --action",
                _ => "--execution",
            };
            let what = if gates.len() == 1 {
                let (stage, action) = gates.iter().next().copied().unwrap_or_default();
                format!(
                    "{} executions wait at {pipeline} {stage}/{action}",
                    many.len()
                )
            } else {
                format!("several approvals wait in {pipeline}")
            };
            Err(OpError::Invalid(format!(
                "{what}: {}; name one with {name}",
                list(many)
            )))
        }
    }
}

/// `Approval/ApproveProduction execution 1f0e…` for each, full ids: what a person pastes.
fn list(waiting: &[&PendingApproval]) -> String {
    waiting
        .iter()
        .map(|w| match &w.execution_id {
            Some(id) => format!("{}/{} execution {id}", w.stage, w.action),
            None => format!("{}/{}", w.stage, w.action),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The approval waiting in a pipeline, with the evidence: the execution and its source
/// revision, the earlier stages' results, how long the gate has waited.
pub async fn approve(c: &Clients, op: &Op) -> Result<Plan, OpError> {
    let Op::Approve {
        pipeline,
        stage,
        action,
        execution,
        comment,
        verdict,
    } = op
    else {
        return Err(OpError::Invalid(format!(
            "{} is not an approval",
            op.name()
        )));
    };
    let (p, _) = codepipeline::pipeline(c, pipeline).await?;
    let chosen = choose_approval(
        &p,
        &Wanted {
            stage: stage.as_deref(),
            action: action.as_deref(),
            execution: execution.as_deref(),
        },
    )?;
    let mut summary = vec![format!(
        "{} {pipeline} {}/{}: \"{comment}\"",
        if *verdict == Verdict::Approve {
            "Approve"
        } else {
            "Reject"
        },
        chosen.stage,
        chosen.action
    )];
    let waiting_execution = match &chosen.execution_id {
        Some(id) => p.execution(id),
        None => p
            .executions
            .iter()
            .find(|e| e.status == ExecutionStatus::InProgress),
    };
    if let Some(e) = waiting_execution {
        let source = e.source_revisions.first().map_or_else(String::new, |r| {
            format!(
                " · source {} {}",
                r.revision_id.get(..7).unwrap_or(&r.revision_id),
                r.summary.clone().unwrap_or_default()
            )
        });
        summary.push(format!("execution {}{source}", e.id));
    } else if let Some(id) = &chosen.execution_id {
        summary.push(format!("execution {id}"));
    }
    for s in p.stages.iter().take_while(|s| s.name != chosen.stage) {
        // A stage's state is its latest run's: in PARALLEL mode that may be another
        // execution's, and the evidence says so rather than lend it to this one.
        let whose = match (&chosen.execution_id, &s.execution_id) {
            (Some(mine), Some(theirs)) if mine != theirs => {
                format!(
                    " (latest run: execution {})",
                    theirs.get(..8).unwrap_or(theirs)
                )
            }
            _ => String::new(),
        };
        summary.push(format!(
            "  {}: {}{whose}",
            s.name,
            s.status.as_ref().map_or("-", |x| x.as_str())
        ));
    }
    let deploys = p.actions().find_map(|(_, a)| a.deploys_to.clone());
    if let Some(target) = deploys {
        summary.push(format!(
            "then deploys to {}/{}",
            target.application, target.deployment_group
        ));
        // The health of the service it will deploy to, now. Evidence only: a read that
        // fails here is shown, and does not stop the approval.
        match super::prepare::service_health(c, &target.application, &target.deployment_group).await
        {
            Ok(Some(health)) => summary.push(health),
            Ok(None) => {}
            Err(error) => summary.push(format!("service health not read: {error}")),
        }
    }
    Ok(Plan {
        op: op.clone(),
        summary,
        typed_name: pipeline.clone(),
        call: Call::Approval {
            pipeline: pipeline.clone(),
            stage: chosen.stage,
            action: chosen.action,
            execution: chosen.execution_id,
            token: chosen.token,
            comment: comment.clone(),
            approved: *verdict == Verdict::Approve,
        },
    })
}

fn is_running(e: &ExecutionSummary) -> bool {
    matches!(
        e.status,
        ExecutionStatus::InProgress | ExecutionStatus::Stopping
    )
}

/// The execution a stop acts on: the one named, which must be running; else the only one
/// running. Several running is refused with their ids in every mode: even in SUPERSEDED
/// mode one execution can be deploying while a newer one builds, and stopping the newest on
/// a guess would let the deployment go on.
pub fn choose_stop<'p>(
    p: &'p Pipeline,
    execution: Option<&str>,
) -> Result<&'p ExecutionSummary, OpError> {
    let pipeline = &p.name;
    let running: Vec<&ExecutionSummary> = p.executions.iter().filter(|e| is_running(e)).collect();
    if let Some(id) = execution {
        return match p.execution(id) {
            Some(e) if is_running(e) => Ok(e),
            Some(e) => Err(gone(format!(
                "execution {id} of {pipeline} is {}: there is nothing to stop",
                e.status
            ))),
            None => Err(gone(format!(
                "execution {id} is not among the {} newest executions of {pipeline}",
                codepipeline::EXECUTIONS_KEPT
            ))),
        };
    }
    match running.as_slice() {
        [] => Err(gone(format!("no execution of {pipeline} is running"))),
        [one] => Ok(one),
        many => {
            let ids: Vec<&str> = many.iter().map(|e| e.id.as_str()).collect();
            Err(OpError::Invalid(format!(
                "{} executions of {pipeline} are running ({} mode): {}; name one with --execution",
                many.len(),
                p.execution_mode,
                ids.join(", ")
            )))
        }
    }
}

pub async fn stop(c: &Clients, op: &Op) -> Result<Plan, OpError> {
    let Op::Stop {
        pipeline,
        execution,
        mode,
        reason,
    } = op
    else {
        return Err(OpError::Invalid(format!("{} is not a stop", op.name())));
    };
    let (p, _) = codepipeline::pipeline(c, pipeline).await?;
    let e = choose_stop(&p, execution.as_deref())?;
    let others = p
        .executions
        .iter()
        .filter(|x| is_running(x) && x.id != e.id)
        .count();
    let mut summary = vec![format!(
        "Stop execution {} of {pipeline} ({}).",
        e.id,
        if *mode == StopMode::Abandon {
            "abandon running actions"
        } else {
            "let running actions finish"
        }
    )];
    if others > 0 {
        summary.push(format!(
            "{others} other execution(s) of {pipeline} keep running."
        ));
    }
    Ok(Plan {
        op: op.clone(),
        summary,
        typed_name: pipeline.clone(),
        call: Call::Stop {
            pipeline: pipeline.clone(),
            execution: e.id.clone(),
            abandon: *mode == StopMode::Abandon,
            reason: reason.clone(),
        },
    })
}

/// The execution a stage rolls back to. AWS refuses a target whose type is ROLLBACK ("You
/// cannot roll back to a target execution ID that is a rollback execution type", user guide,
/// "Configuring stage rollback"), so one is never picked, and one named with `--to` is
/// refused with the execution it rolled back to. `succeeded` is newest first; `stage_ok` says
/// whether the stage's latest run succeeded. A rollback execution deployed its target's
/// artifacts: what runs now is the newest success, or, if that was a rollback, its target.
/// With the stage succeeded, the stage goes back to the standard success before that; with
/// it failed, to what ran last.
pub fn rollback_target(
    succeeded: &[ExecutionSummary],
    to: Option<&str>,
    stage_ok: bool,
    stage: &str,
) -> Result<String, OpError> {
    if let Some(id) = to {
        return match succeeded.iter().find(|e| e.id == id) {
            Some(e) if e.rollback => Err(OpError::Invalid(format!(
                "execution {id} was itself a rollback{}: AWS does not roll a stage back to a rollback execution{}",
                e.rollback_target
                    .as_ref()
                    .map_or_else(String::new, |t| format!(" (to {t})")),
                e.rollback_target
                    .as_ref()
                    .map_or_else(String::new, |t| format!("; roll back to {t} instead"))
            ))),
            Some(e) => Ok(e.id.clone()),
            None => Err(gone(format!(
                "execution {id} did not succeed in stage {stage}: a stage rolls back to one that did"
            ))),
        };
    }
    let Some(latest) = succeeded.first() else {
        return Err(gone(format!("no execution succeeded in {stage}")));
    };
    let runs_now = latest.rollback_target.as_deref().unwrap_or(&latest.id);
    if !stage_ok {
        return Ok(runs_now.to_owned());
    }
    let at = succeeded
        .iter()
        .position(|e| e.id == runs_now)
        .unwrap_or(succeeded.len());
    succeeded
        .iter()
        .skip(at + 1)
        .find(|e| !e.rollback)
        .map(|e| e.id.clone())
        .ok_or_else(|| {
            gone(format!(
                "no standard execution succeeded in {stage} before {runs_now}, which runs there now"
            ))
        })
}

pub async fn rollback_stage(c: &Clients, op: &Op) -> Result<Plan, OpError> {
    let Op::RollbackStage {
        pipeline,
        stage,
        to,
    } = op
    else {
        return Err(OpError::Invalid(format!(
            "{} is not a stage rollback",
            op.name()
        )));
    };
    let (p, _) = codepipeline::pipeline(c, pipeline).await?;
    let Some(st) = p.stages.iter().find(|s| &s.name == stage) else {
        return Err(OpError::Invalid(format!(
            "pipeline {pipeline} has no stage {stage}"
        )));
    };
    // AWS's user guide ("Set or change the pipeline execution mode"): "For pipelines in
    // PARALLEL mode, stage rollback is not available."
    if p.execution_mode == ExecutionMode::Parallel {
        return Err(gone(format!(
            "{pipeline} runs in PARALLEL mode, where AWS offers no stage rollback: stop the execution, or redeploy the previous revision"
        )));
    }
    if st.status == Some(StageStatus::InProgress) {
        return Err(gone(format!(
            "stage {stage} of {pipeline} is running: wait for it, or stop it first"
        )));
    }
    let succeeded = crate::aws::act::succeeded_in_stage(c, pipeline, stage).await?;
    let target = rollback_target(
        &succeeded,
        to.as_deref(),
        st.status == Some(StageStatus::Succeeded),
        stage,
    )?;
    Ok(Plan {
        op: op.clone(),
        summary: vec![format!(
            "Roll back stage {stage} of {pipeline} to what execution {target} deployed."
        )],
        typed_name: pipeline.clone(),
        call: Call::RollbackStage {
            pipeline: pipeline.clone(),
            stage: stage.clone(),
            target,
        },
    })
}

//! CodePipeline executions in SUPERSEDED mode: one execution per stage at a time, a newer
//! execution waiting at a stage supersedes an older one waiting there; actions run in
//! `runOrder` groups; manual approvals wait for PutApprovalResult; a CodeDeployToECS action
//! starts a CodeDeploy deployment and follows it to its end.

use crate::sim::error::{ApiError, ApiResult};
use crate::sim::world::codedeploy::DeploymentStatus;
use crate::sim::world::pipeline::{
    ActionRun, ActionStatus, Approval, Category, Execution, ExecutionStatus, SourceRevision,
    StageStatus,
};
use crate::sim::world::{Millis, World};

use super::deploy;

/// Seven days, CodePipeline's limit for an unanswered approval.
const APPROVAL_TIMEOUT: Millis = 7 * 24 * 3_600_000;

const COMMIT_SUBJECTS: &[&str] = &[
    "Bump base image to patched release",
    "Add retry with backoff to payment provider client",
    "Fix rounding of currency amounts in invoices",
    "Raise connection pool size for peak traffic",
    "Log request ids on upstream errors",
    "Remove feature flag for new checkout flow",
    "Tune health check grace period",
    "Upgrade TLS library",
    "Cache exchange rates for five minutes",
    "Handle empty carts in order summary",
];

/// How an execution was started.
#[derive(Debug, Clone, Copy)]
pub struct Trigger {
    pub kind: &'static str,
    pub detail: &'static str,
}

pub fn start(
    world: &mut World,
    pipeline: &str,
    trigger: Trigger,
    request_token: Option<&str>,
) -> ApiResult<String> {
    let Some(p) = world.pipelines.get(pipeline) else {
        return Err(not_found(pipeline));
    };
    if let Some(existing) = request_token.and_then(|t| p.idempotency.get(t)) {
        return Ok(existing.clone());
    }
    let repository = p.repository.clone();
    let stages = p.stages.len();
    let version = p.version;
    let source_action = p
        .stages
        .first()
        .and_then(|s| s.actions.first())
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let id = world.rng.uuid();
    let commit = world.rng.hex(40);
    let subject = world.rng.pick(COMMIT_SUBJECTS).copied().unwrap_or("Update");
    let now = world.now;
    let execution = Execution {
        id: id.clone(),
        pipeline: pipeline.to_owned(),
        pipeline_version: version,
        status: ExecutionStatus::InProgress,
        status_summary: None,
        started_at: now,
        updated_at: now,
        trigger_type: trigger.kind,
        trigger_detail: trigger.detail.to_owned(),
        source: SourceRevision {
            action: source_action,
            revision_id: commit.clone(),
            summary: subject.to_owned(),
            url: format!("https://github.com/{repository}/commit/{commit}"),
        },
        stages: vec![None; stages],
        attempts: vec![0; stages],
        position: 0,
        in_stage: false,
        runs: Vec::new(),
        rollback_target: None,
        stop: None,
        image_tag: commit[..7].to_owned(),
    };
    world.executions.insert(id.clone(), execution);
    if let Some(p) = world.pipelines.get_mut(pipeline) {
        p.executions.push(id.clone());
        if let Some(token) = request_token {
            p.idempotency.insert(token.to_owned(), id.clone());
        }
    }
    queue_at(world, &id, 0);
    Ok(id)
}

fn not_found(pipeline: &str) -> ApiError {
    ApiError::new(
        "PipelineNotFoundException",
        format!("Account does not have a pipeline with name '{pipeline}'"),
    )
}

/// Puts an execution in line for a stage; an older execution already waiting there is
/// superseded.
fn queue_at(world: &mut World, id: &str, stage: usize) {
    let now = world.now;
    let Some(pipeline) = world.executions.get(id).map(|e| e.pipeline.clone()) else {
        return;
    };
    let superseded = world
        .pipelines
        .get_mut(&pipeline)
        .and_then(|p| p.waiting[stage].replace(id.to_owned()));
    if let Some(old) = superseded.filter(|old| old != id)
        && let Some(e) = world.executions.get_mut(&old)
    {
        e.status = ExecutionStatus::Superseded;
        e.status_summary = Some(format!("Superseded by execution {id}"));
        e.updated_at = now;
    }
    if let Some(e) = world.executions.get_mut(id) {
        e.position = stage;
        e.in_stage = false;
        e.updated_at = now;
    }
}

pub fn tick(world: &mut World) {
    let names: Vec<String> = world.pipelines.keys().cloned().collect();
    for name in names {
        admit_waiting(world, &name);
        let running: Vec<String> = world.pipelines[&name]
            .occupant
            .iter()
            .flatten()
            .cloned()
            .collect();
        for id in running {
            step(world, &id);
        }
    }
}

/// Lets waiting executions into free stages whose inbound transition is enabled.
fn admit_waiting(world: &mut World, name: &str) {
    let stages = world.pipelines[name].stages.len();
    for stage in 0..stages {
        let p = &world.pipelines[name];
        let Some(id) = p.waiting[stage].clone() else {
            continue;
        };
        let blocked = stage > 0 && (!p.inbound[stage].enabled || !p.outbound[stage - 1].enabled);
        if p.occupant[stage].is_some() || blocked {
            continue;
        }
        let status = world.executions.get(&id).map(|e| e.status);
        if let Some(p) = world.pipelines.get_mut(name) {
            p.waiting[stage] = None;
        }
        match status {
            Some(ExecutionStatus::InProgress) => enter_stage(world, &id, stage),
            Some(ExecutionStatus::Stopping) => finish(world, &id, ExecutionStatus::Stopped, None),
            _ => {}
        }
    }
}

fn enter_stage(world: &mut World, id: &str, stage: usize) {
    let now = world.now;
    let Some(pipeline) = world.executions.get(id).map(|e| e.pipeline.clone()) else {
        return;
    };
    if let Some(p) = world.pipelines.get_mut(&pipeline) {
        p.occupant[stage] = Some(id.to_owned());
        p.latest_in_stage[stage] = Some(id.to_owned());
    }
    if let Some(e) = world.executions.get_mut(id) {
        e.position = stage;
        e.in_stage = true;
        e.stages[stage] = Some(StageStatus::InProgress);
        e.updated_at = now;
    }
    let first = world.pipelines[&pipeline].stages[stage]
        .actions
        .iter()
        .map(|a| a.run_order)
        .min();
    if let Some(order) = first {
        start_actions(world, id, stage, |a| a == order);
    }
}

/// Starts the actions of `stage` whose run order passes `select`.
fn start_actions(world: &mut World, id: &str, stage: usize, select: impl Fn(u32) -> bool) {
    let Some(e) = world.executions.get(id) else {
        return;
    };
    let pipeline = e.pipeline.clone();
    let indices: Vec<usize> = world.pipelines[&pipeline].stages[stage]
        .actions
        .iter()
        .enumerate()
        .filter(|(_, a)| select(a.run_order))
        .map(|(i, _)| i)
        .collect();
    for action in indices {
        start_action(world, id, stage, action);
    }
}

fn start_action(world: &mut World, id: &str, stage: usize, action: usize) {
    let now = world.now;
    let Some(e) = world.executions.get(id) else {
        return;
    };
    let pipeline = e.pipeline.clone();
    let attempt = e.attempts[stage];
    let decl = world.pipelines[&pipeline].stages[stage].actions[action].clone();
    let run_id = world.rng.uuid();
    let mut run = ActionRun {
        attempt,
        id: run_id,
        stage,
        action,
        status: ActionStatus::InProgress,
        started_at: now,
        updated_at: now,
        finishes_at: None,
        will_fail: false,
        token: None,
        external_id: None,
        external_url: None,
        summary: None,
        error: None,
        approval: None,
        updated_by: None,
    };
    match decl.category {
        Category::Approval => {
            run.token = Some(world.rng.uuid());
            run.finishes_at = Some(now + APPROVAL_TIMEOUT);
        }
        Category::Deploy if decl.deploy_target().is_some() => {
            let (application, group) = decl
                .deploy_target()
                .map(|(a, g)| (a.to_owned(), g.to_owned()))
                .unwrap_or_default();
            match create_deployment(world, id, &application, &group) {
                Ok(deployment) => {
                    run.external_url = Some(format!(
                        "https://console.aws.amazon.com/codesuite/codedeploy/deployments/{deployment}?region={}",
                        world.region
                    ));
                    run.external_id = Some(deployment);
                }
                Err(error) => {
                    run.status = ActionStatus::Failed;
                    run.error = Some(("JobFailed".to_owned(), error.message));
                }
            }
        }
        _ => {
            let spread = world.rng.between(0, i64::from(decl.seconds / 4 + 1));
            run.finishes_at = Some(now + (i64::from(decl.seconds) + spread) * 1000);
            run.will_fail = world.rng.chance(decl.failure_chance);
            if decl.category != Category::Source {
                let project = decl
                    .configuration
                    .get("ProjectName")
                    .cloned()
                    .unwrap_or_else(|| pipeline.clone());
                let build = world.rng.uuid();
                run.external_id = Some(format!("{project}:{build}"));
                run.external_url = Some(format!(
                    "https://console.aws.amazon.com/codebuild/home?region={}#/builds/{project}:{build}/view/new",
                    world.region
                ));
            }
        }
    }
    if let Some(e) = world.executions.get_mut(id) {
        e.runs.push(run);
        e.updated_at = now;
    }
}

/// The deploy action of an execution creates a deployment of the execution's image.
fn create_deployment(
    world: &mut World,
    id: &str,
    application: &str,
    group: &str,
) -> ApiResult<String> {
    let Some(e) = world.executions.get(id) else {
        return Err(ApiError::new("InternalError", "execution vanished"));
    };
    let rollback_target = e.rollback_target.clone();
    let key = (application.to_owned(), group.to_owned());
    let Some(g) = world.deployment_groups.get(&key) else {
        return Err(ApiError::new(
            "DeploymentGroupDoesNotExistException",
            format!("No Deployment Group found for name: {group}"),
        ));
    };
    let (cluster, service) = (g.cluster.clone(), g.service.clone());
    // A stage rollback redeploys what the target execution deployed.
    let image_tag = rollback_target
        .as_ref()
        .and_then(|t| world.executions.get(t))
        .map_or_else(|| e.image_tag.clone(), |t| t.image_tag.clone());
    let task_definition = register_revision(world, &cluster, &service, &image_tag)?;
    let hooks = world
        .deployment_groups
        .get(&key)
        .and_then(|g| g.last_successful.as_ref())
        .and_then(|d| world.deployments.get(d))
        .map(|d| d.revision.hooks.clone())
        .unwrap_or_default();
    let revision = crate::sim::appspec::revision_for(world, &task_definition, &hooks);
    crate::sim::engine::autopilot::arm_failures(world, &key);
    deploy::create(
        world,
        deploy::CreateRequest {
            application: application.to_owned(),
            group: group.to_owned(),
            config: None,
            description: Some(format!("Deployed by CodePipeline execution {id}")),
            revision,
            creator: "user",
            auto_rollback: None,
            external_id: None,
        },
    )
}

/// Registers the next revision of a service's task definition family with a new image tag.
fn register_revision(
    world: &mut World,
    cluster: &str,
    service: &str,
    tag: &str,
) -> ApiResult<String> {
    let current = world
        .service(cluster, service)
        .and_then(|s| s.task_definition().map(str::to_owned))
        .and_then(|arn| world.task_definitions.get(&arn).cloned())
        .ok_or_else(|| {
            ApiError::new(
                "InvalidECSServiceException",
                format!("The ECS service {service} has no task definition"),
            )
        })?;
    let revision = world
        .task_definitions
        .values()
        .filter(|t| t.family == current.family)
        .map(|t| t.revision)
        .max()
        .unwrap_or(0)
        + 1;
    let arn = world.arn(
        "ecs",
        &format!("task-definition/{}:{revision}", current.family),
    );
    let image = match current.image.rsplit_once(':') {
        Some((repo, _)) => format!("{repo}:{tag}"),
        None => format!("{}:{tag}", current.image),
    };
    let definition = crate::sim::world::ecs::TaskDefinition {
        revision,
        arn: arn.clone(),
        image,
        registered_at: world.now,
        ..current
    };
    world.task_definitions.insert(arn.clone(), definition);
    Ok(arn)
}

/// An action run that finished this tick: its index, status, error and summary.
type Finished = (
    usize,
    ActionStatus,
    Option<(String, String)>,
    Option<String>,
);

fn step(world: &mut World, id: &str) {
    let now = world.now;
    let Some(e) = world.executions.get(id) else {
        return;
    };
    if !e.in_stage {
        return;
    }
    let stage = e.position;
    let pipeline = e.pipeline.clone();
    // Timed actions and deployments finish.
    let mut updates: Vec<Finished> = Vec::new();
    for (index, run) in e.runs.iter().enumerate() {
        if run.stage != stage || run.status != ActionStatus::InProgress {
            continue;
        }
        let decl = &world.pipelines[&pipeline].stages[stage].actions[run.action];
        if let Some(deployment) = run
            .external_id
            .as_ref()
            .filter(|_| decl.deploy_target().is_some())
        {
            match world
                .deployments
                .get(deployment)
                .map(|d| (d.status, d.error.clone()))
            {
                Some((DeploymentStatus::Succeeded, _)) => {
                    updates.push((
                        index,
                        ActionStatus::Succeeded,
                        None,
                        Some(format!("Deployment {deployment} succeeded")),
                    ));
                }
                Some((status @ (DeploymentStatus::Failed | DeploymentStatus::Stopped), error)) => {
                    let reason = error.map_or_else(String::new, |(_, m)| format!(": {m}"));
                    updates.push((
                        index,
                        ActionStatus::Failed,
                        Some((
                            "JobFailed".to_owned(),
                            format!(
                                "Deployment {deployment} {}{reason}",
                                status.as_str().to_lowercase()
                            ),
                        )),
                        None,
                    ));
                }
                _ => {}
            }
        } else if run.finishes_at.is_some_and(|at| now >= at) {
            if decl.category == Category::Approval {
                updates.push((
                    index,
                    ActionStatus::Failed,
                    Some((
                        "ApprovalTimedOut".to_owned(),
                        "The approval request expired before anyone answered it.".to_owned(),
                    )),
                    None,
                ));
            } else if run.will_fail {
                let message = match decl.category {
                    Category::Test => {
                        "Build terminated with state: FAILED. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR, Message: Error while executing command: ./run-integration-tests.sh. Reason: exit status 1"
                    }
                    _ => {
                        "Build terminated with state: FAILED. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR, Message: Error while executing command: make test. Reason: exit status 2"
                    }
                };
                updates.push((
                    index,
                    ActionStatus::Failed,
                    Some(("JobFailed".to_owned(), message.to_owned())),
                    None,
                ));
            } else {
                updates.push((index, ActionStatus::Succeeded, None, None));
            }
        }
    }
    if let Some(e) = world.executions.get_mut(id) {
        for (index, status, error, summary) in updates {
            let run = &mut e.runs[index];
            run.status = status;
            run.updated_at = now;
            run.error = error;
            if summary.is_some() {
                run.summary = summary;
            }
        }
    }
    settle_stage(world, id);
}

/// Decides what a stage does next once its running actions change: start the next run
/// order, succeed, or fail.
fn settle_stage(world: &mut World, id: &str) {
    let Some(e) = world.executions.get(id) else {
        return;
    };
    let stage = e.position;
    let pipeline = e.pipeline.clone();
    let decls = &world.pipelines[&pipeline].stages[stage].actions;
    let latest: Vec<&ActionRun> = e.latest_runs(stage).collect();
    if latest.iter().any(|r| r.status == ActionStatus::InProgress) {
        return;
    }
    let stopping = e.status == ExecutionStatus::Stopping;
    let failed = latest
        .iter()
        .any(|r| matches!(r.status, ActionStatus::Failed | ActionStatus::Abandoned));
    if failed || stopping {
        let status = if stopping {
            ExecutionStatus::Stopped
        } else {
            ExecutionStatus::Failed
        };
        let summary = latest
            .iter()
            .find_map(|r| r.error.as_ref().map(|(_, m)| m.clone()));
        leave_stage(
            world,
            id,
            if stopping {
                StageStatus::Stopped
            } else {
                StageStatus::Failed
            },
        );
        finish(world, id, status, summary);
        return;
    }
    let done_orders: Vec<u32> = latest.iter().map(|r| decls[r.action].run_order).collect();
    let next = decls
        .iter()
        .map(|a| a.run_order)
        .filter(|o| !done_orders.contains(o))
        .min();
    if let Some(order) = next {
        start_actions(world, id, stage, |o| o == order);
        return;
    }
    leave_stage(world, id, StageStatus::Succeeded);
    let stages = world.pipelines[&pipeline].stages.len();
    let is_rollback = world.executions.get(id).is_some_and(Execution::is_rollback);
    if stage + 1 >= stages || is_rollback {
        finish(world, id, ExecutionStatus::Succeeded, None);
    } else {
        queue_at(world, id, stage + 1);
    }
}

fn leave_stage(world: &mut World, id: &str, status: StageStatus) {
    let now = world.now;
    let Some(e) = world.executions.get_mut(id) else {
        return;
    };
    let stage = e.position;
    e.stages[stage] = Some(status);
    e.in_stage = false;
    e.updated_at = now;
    let pipeline = e.pipeline.clone();
    if let Some(p) = world.pipelines.get_mut(&pipeline)
        && p.occupant[stage].as_deref() == Some(id)
    {
        p.occupant[stage] = None;
    }
}

fn finish(world: &mut World, id: &str, status: ExecutionStatus, summary: Option<String>) {
    let now = world.now;
    if let Some(e) = world.executions.get_mut(id) {
        e.status = status;
        e.updated_at = now;
        if summary.is_some() {
            e.status_summary = summary;
        }
    }
}

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
        // Waiting at a transition: nothing runs, so it stops at once.
        if let Some(p) = world.pipelines.get_mut(pipeline) {
            for slot in &mut p.waiting {
                if slot.as_deref() == Some(id) {
                    *slot = None;
                }
            }
        }
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
    if p.occupant[stage_index].is_some() {
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
        p.occupant[stage_index] = Some(id.to_owned());
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
    if t.stages[stage_index] != Some(StageStatus::Succeeded) {
        return Err(ApiError::new(
            "UnableToRollbackStageException",
            format!(
                "Execution {target} did not succeed in stage '{stage}', so the stage cannot roll back to it"
            ),
        ));
    }
    if p.occupant[stage_index].is_some() {
        return Err(ApiError::new(
            "UnableToRollbackStageException",
            format!("Stage '{stage}' is in progress"),
        ));
    }
    let id = start(
        world,
        pipeline,
        Trigger {
            kind: "ManualRollback",
            detail: "ManualRollback",
        },
        None,
    )?;
    let source = world.executions[target].source.clone();
    let now = world.now;
    if let Some(p) = world.pipelines.get_mut(pipeline) {
        for slot in &mut p.waiting {
            if slot.as_deref() == Some(id.as_str()) {
                *slot = None;
            }
        }
    }
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

//! CodePipeline executions in the three execution modes AWS documents: SUPERSEDED (one
//! execution per stage at a time; a newer execution waiting at a stage supersedes an older
//! one waiting there), QUEUED (executions wait in order at a stage's entrance, one at a time
//! per stage, none superseded) and PARALLEL (executions run independently, several in a stage
//! at once). Actions run in `runOrder` groups; manual approvals wait for PutApprovalResult; a
//! CodeDeployToECS action starts a CodeDeploy deployment and follows it to its end.
//!
//! This file holds what starts an execution and what drives it each tick: queueing at a stage,
//! entering and leaving it, finishing timed runs and settling the stage; starting action runs
//! is in `actions`, and the operator calls (approve, stop, retry, roll back, transitions) in
//! `controls`. It must not change a CodeDeploy deployment once created: a deploy action only
//! reads the deployment's status, and traffic belongs to [`super::deploy`].

mod actions;
mod controls;

pub(crate) use actions::register_revision;
pub use controls::{answer_approval, retry, rollback_stage, set_transition, stop};

use crate::sim::error::{ApiError, ApiResult};
use crate::sim::world::World;
use crate::sim::world::codedeploy::DeploymentStatus;
use crate::sim::world::pipeline::{
    ActionRun, ActionStatus, Category, Execution, ExecutionMode, ExecutionStatus, SourceRevision,
    StageStatus,
};

use actions::start_actions;

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
    start_at(world, pipeline, trigger, request_token, None)
}

/// Starts an execution at `commit` when given (StartPipelineExecution's `sourceRevisions`
/// override, `revisionType` COMMIT_ID), else at a new commit, as a push would. A commit's
/// subject follows from the commit alone, so two worlds report the same one for it.
pub fn start_at(
    world: &mut World,
    pipeline: &str,
    trigger: Trigger,
    request_token: Option<&str>,
    commit: Option<&str>,
) -> ApiResult<String> {
    if let Some(existing) = request_token.and_then(|t| {
        world
            .pipelines
            .get(pipeline)
            .and_then(|p| p.idempotency.get(t))
    }) {
        return Ok(existing.clone());
    }
    let id = create(world, pipeline, trigger, request_token, commit)?;
    queue_at(world, &id, 0);
    Ok(id)
}

/// A new execution, in no stage and in no line yet.
fn create(
    world: &mut World,
    pipeline: &str,
    trigger: Trigger,
    request_token: Option<&str>,
    commit: Option<&str>,
) -> ApiResult<String> {
    let Some(p) = world.pipelines.get(pipeline) else {
        return Err(not_found(pipeline));
    };
    let repository = p.repository.clone();
    let stages = p.stages.len();
    let version = p.version;
    let mode = p.mode;
    let source_action = p
        .stages
        .first()
        .and_then(|s| s.actions.first())
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let id = world.rng.uuid();
    // Drawn even when overridden, so that an override changes nothing else the seed builds.
    let drawn = world.rng.hex(40);
    let subject = world.rng.pick(COMMIT_SUBJECTS).copied().unwrap_or("Update");
    let (commit, subject) = match commit {
        Some(commit) => (commit.to_owned(), subject_of(commit)),
        None => (drawn, subject),
    };
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
        mode,
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
        image_tag: commit.chars().take(7).collect(),
    };
    world.executions.insert(id.clone(), execution);
    if let Some(p) = world.pipelines.get_mut(pipeline) {
        p.executions.push(id.clone());
        if let Some(token) = request_token {
            p.idempotency.insert(token.to_owned(), id.clone());
        }
    }
    Ok(id)
}

/// The subject of a commit given by id: one of [`COMMIT_SUBJECTS`], picked by the id alone.
fn subject_of(commit: &str) -> &'static str {
    let sum = commit
        .bytes()
        .fold(0usize, |sum, b| sum.wrapping_add(usize::from(b)));
    COMMIT_SUBJECTS[sum % COMMIT_SUBJECTS.len()]
}

fn not_found(pipeline: &str) -> ApiError {
    ApiError::new(
        "PipelineNotFoundException",
        format!("Account does not have a pipeline with name '{pipeline}'"),
    )
}

/// Puts an execution in line for a stage. In SUPERSEDED mode an older execution already
/// waiting there is superseded; in QUEUED and PARALLEL modes it joins the end of the line.
fn queue_at(world: &mut World, id: &str, stage: usize) {
    let now = world.now;
    let Some(pipeline) = world.executions.get(id).map(|e| e.pipeline.clone()) else {
        return;
    };
    let mut superseded = Vec::new();
    if let Some(p) = world.pipelines.get_mut(&pipeline) {
        let line = &mut p.waiting[stage];
        if p.mode == ExecutionMode::Superseded {
            superseded.extend(line.drain(..).filter(|old| old != id));
        }
        if !line.iter().any(|w| w == id) {
            line.push_back(id.to_owned());
        }
    }
    for old in superseded {
        if let Some(e) = world.executions.get_mut(&old) {
            e.status = ExecutionStatus::Superseded;
            e.status_summary = Some(format!("Superseded by execution {id}"));
            e.updated_at = now;
        }
    }
    if let Some(e) = world.executions.get_mut(id) {
        e.position = stage;
        e.in_stage = false;
        e.updated_at = now;
    }
}

/// Takes an execution out of every line it waits in.
fn unqueue(world: &mut World, pipeline: &str, id: &str) {
    if let Some(p) = world.pipelines.get_mut(pipeline) {
        for line in &mut p.waiting {
            line.retain(|w| w != id);
        }
    }
}

pub fn tick(world: &mut World) {
    let names: Vec<String> = world.pipelines.keys().cloned().collect();
    for name in names {
        admit_waiting(world, &name);
        let running: Vec<String> = world.pipelines[&name]
            .occupants
            .iter()
            .flatten()
            .cloned()
            .collect();
        for id in running {
            step(world, &id);
        }
    }
}

/// Lets waiting executions into stages whose inbound transition is enabled, first in line
/// first: into a free stage in SUPERSEDED and QUEUED modes, into any stage in PARALLEL mode.
fn admit_waiting(world: &mut World, name: &str) {
    let stages = world.pipelines[name].stages.len();
    for stage in 0..stages {
        loop {
            let p = &world.pipelines[name];
            let Some(id) = p.waiting[stage].front().cloned() else {
                break;
            };
            let blocked =
                stage > 0 && (!p.inbound[stage].enabled || !p.outbound[stage - 1].enabled);
            if p.stage_busy(stage) || blocked {
                break;
            }
            let status = world.executions.get(&id).map(|e| e.status);
            if let Some(p) = world.pipelines.get_mut(name) {
                p.waiting[stage].pop_front();
            }
            match status {
                Some(ExecutionStatus::InProgress) => enter_stage(world, &id, stage),
                Some(ExecutionStatus::Stopping) => {
                    finish(world, &id, ExecutionStatus::Stopped, None);
                }
                _ => {}
            }
        }
    }
}

fn enter_stage(world: &mut World, id: &str, stage: usize) {
    let now = world.now;
    let Some(pipeline) = world.executions.get(id).map(|e| e.pipeline.clone()) else {
        return;
    };
    if let Some(p) = world.pipelines.get_mut(&pipeline) {
        if !p.occupants[stage].iter().any(|o| o == id) {
            p.occupants[stage].push(id.to_owned());
        }
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
    if let Some(p) = world.pipelines.get_mut(&pipeline) {
        p.occupants[stage].retain(|o| o != id);
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

//! CodePipeline adapter: pipeline structure, state (with pending approval tokens), recent
//! executions, the approvals waiting per execution of a PARALLEL-mode pipeline, and the
//! details of failed actions, mapped to `model::pipeline`.

pub mod cache;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use aws_sdk_codepipeline::operation::get_pipeline::GetPipelineOutput;
use aws_sdk_codepipeline::operation::get_pipeline_state::GetPipelineStateOutput;
use aws_sdk_codepipeline::types as sdk;

use super::{AwsError, Clients, all_pages, ts};
use futures::future::join_all;

use crate::model::pipeline::{
    Action, ActionFailure, ActionRun, DeployTarget, ErrorDetails, ExecutionSummary,
    PendingApproval, Pipeline, SourceRevision, Stage,
};
use crate::model::status::{
    ActionCategory, ActionStatus, ExecutionMode, ExecutionStatus, StageStatus,
};

/// Executions kept per pipeline: the history a detail screen shows.
pub const EXECUTIONS_KEPT: i32 = 10;

/// The pipelines of the account with the version each declares: a declaration already read at
/// that version need not be read again.
pub async fn list(c: &Clients) -> Result<Vec<(String, Option<i32>)>, AwsError> {
    all_pages(|token| async move {
        let _slot = c.codepipeline.slot().await;
        let page = c
            .codepipeline
            .client
            .list_pipelines()
            .max_results(1000)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| c.error("codepipeline", "ListPipelines", &e))?;
        let items: Vec<_> = page
            .pipelines()
            .iter()
            .filter_map(|p| Some((p.name()?.to_owned(), p.version())))
            .collect();
        Ok((items, page.next_token().map(str::to_owned)))
    })
    .await
}

/// Structure, state and recent executions of one pipeline, each read afresh and
/// concurrently; then, for a pipeline whose state cannot tell every approval waiting, the
/// approvals of each execution in progress. Without its structure there is no pipeline to
/// show; without the rest it is still shown, and what could not be read comes back beside
/// it. Actions read this way: what they act on must be now, not as last seen.
pub async fn pipeline(c: &Clients, name: &str) -> Result<(Pipeline, Vec<AwsError>), AwsError> {
    read(c, name, Reuse::Nothing).await
}

/// The same pipeline for a refresh, reading nothing that cannot have changed since the last
/// read: the declaration is asked for only when its version moved (`version`, from
/// ListPipelines, when the caller knows it; else the state's), the executions only when the
/// stages' executions moved. A still pipeline costs one call, GetPipelineState; none when it
/// was read whole, without a failure, `within` ago or less (the cold snapshot takes the
/// running pipelines the warm refresh has just read, and spreads the idle ones of a large
/// account over several snapshots).
pub async fn pipeline_refreshed(
    c: &Clients,
    name: &str,
    version: Option<i32>,
    within: cache::Within,
) -> Result<(Pipeline, Vec<AwsError>), AwsError> {
    if let Some(recent) = c.pipelines.recent(name, version, within, Instant::now()) {
        return Ok((recent, Vec::new()));
    }
    let (pipeline, missing) = read(c, name, Reuse::Known { version }).await?;
    if missing.is_empty() {
        c.pipelines.keep_recent(&pipeline);
    }
    Ok((pipeline, missing))
}

/// What a read may take from the cache.
#[derive(Debug, Clone, Copy)]
enum Reuse {
    Nothing,
    Known { version: Option<i32> },
}

async fn read(
    c: &Clients,
    name: &str,
    reuse: Reuse,
) -> Result<(Pipeline, Vec<AwsError>), AwsError> {
    let (known, executions_known) = match reuse {
        Reuse::Nothing => (None, false),
        Reuse::Known { version } => (
            c.pipelines.declaration(name, version),
            c.pipelines.has_executions(name),
        ),
    };
    // What is not known is asked for side by side with the state; what is known is checked
    // against the state afterwards, and asked for then only if it moved.
    let (declaration, state, executions) = tokio::join!(
        async {
            match &known {
                Some(d) => Ok(Arc::clone(d)),
                None => get_pipeline(c, name).await,
            }
        },
        async {
            let _slot = c.codepipeline.slot().await;
            c.codepipeline
                .client
                .get_pipeline_state()
                .name(name)
                .send()
                .await
                .map_err(|e| c.error("codepipeline", "GetPipelineState", &e).on(name))
        },
        async {
            if executions_known {
                Ok(None)
            } else {
                list_executions(c, name).await.map(Some)
            }
        },
    );
    let mut declaration = declaration?;
    let mut missing = Vec::new();
    let state = state.map_err(|e| missing.push(e)).ok();
    let key = state.as_ref().map(cache::StateKey::of);
    if let Some(state) = &state
        && state.pipeline_version().is_some()
        && state.pipeline_version() != cache::version_of(&declaration)
    {
        // The pipeline was edited since its declaration was read.
        declaration = get_pipeline(c, name).await?;
    }
    c.pipelines.keep_declaration(name, Arc::clone(&declaration));
    let executions = match executions {
        Ok(Some(list)) => Some(list),
        Ok(None) => {
            let kept = key.and_then(|k| c.pipelines.executions(name, k, Instant::now()));
            match kept {
                Some(list) => Some(list),
                None => list_executions(c, name)
                    .await
                    .map_err(|e| missing.push(e))
                    .ok(),
            }
        }
        Err(error) => {
            missing.push(error);
            None
        }
    };
    if let (Some(key), Some(list)) = (key, &executions) {
        c.pipelines.keep_executions(name, key, list);
    }
    let mut pipeline = assemble(name, &declaration, state.as_ref(), executions);
    let running = per_execution_reads(&pipeline);
    let read = join_all(running.iter().map(|id| waiting_in(c, name, id))).await;
    for result in read {
        match result {
            Ok(waiting) => pipeline.pending.extend(waiting),
            Err(error) => missing.push(error),
        }
    }
    Ok((pipeline, missing))
}

/// The pipeline as the model holds it, from its declaration, its state and its executions.
fn assemble(
    name: &str,
    declaration: &GetPipelineOutput,
    state: Option<&GetPipelineStateOutput>,
    executions: Option<Vec<ExecutionSummary>>,
) -> Pipeline {
    let stage_states: BTreeMap<&str, &sdk::StageState> = state
        .map(|state| {
            state
                .stage_states()
                .iter()
                .filter_map(|s| Some((s.stage_name()?, s)))
                .collect()
        })
        .unwrap_or_default();
    let stages = declaration
        .pipeline()
        .map(|p| {
            p.stages()
                .iter()
                .map(|s| stage(s, stage_states.get(s.name()).copied()))
                .collect()
        })
        .unwrap_or_default();
    Pipeline {
        name: name.to_owned(),
        arn: declaration
            .metadata()
            .and_then(|m| m.pipeline_arn().map(str::to_owned)),
        version: declaration
            .pipeline()
            .and_then(sdk::PipelineDeclaration::version),
        execution_mode: declaration
            .pipeline()
            .and_then(sdk::PipelineDeclaration::execution_mode)
            .map(|m| ExecutionMode::parse(m.as_str()))
            .unwrap_or_default(),
        stages,
        executions: executions.unwrap_or_default(),
        pending: Vec::new(),
        failures: Vec::new(),
    }
}

async fn get_pipeline(c: &Clients, name: &str) -> Result<Arc<GetPipelineOutput>, AwsError> {
    let _slot = c.codepipeline.slot().await;
    c.codepipeline
        .client
        .get_pipeline()
        .name(name)
        .send()
        .await
        .map(Arc::new)
        .map_err(|e| c.error("codepipeline", "GetPipeline", &e).on(name))
}

async fn list_executions(c: &Clients, name: &str) -> Result<Vec<ExecutionSummary>, AwsError> {
    let _slot = c.codepipeline.slot().await;
    let out = c
        .codepipeline
        .client
        .list_pipeline_executions()
        .pipeline_name(name)
        .max_results(EXECUTIONS_KEPT)
        .send()
        .await
        .map_err(|e| {
            c.error("codepipeline", "ListPipelineExecutions", &e)
                .on(name)
        })?;
    Ok(out
        .pipeline_execution_summaries()
        .iter()
        .map(execution)
        .collect())
}

/// The executions whose approvals must be read one by one. In PARALLEL mode GetPipelineState
/// carries no approval token and several executions may wait at one gate (aws-apis.md
/// section 10): each execution in progress is read. In SUPERSEDED and QUEUED modes a stage
/// holds one execution at a time and the state names it with its token, so nothing more is
/// read; a mode this version does not know is read when more than one execution runs. No
/// execution in progress, no read.
fn per_execution_reads(p: &Pipeline) -> Vec<String> {
    let running: Vec<String> = p
        .executions
        .iter()
        .filter(|e| e.status == ExecutionStatus::InProgress)
        .map(|e| e.id.clone())
        .collect();
    let needed = match &p.execution_mode {
        ExecutionMode::Parallel => true,
        ExecutionMode::Superseded | ExecutionMode::Queued => false,
        ExecutionMode::Unknown(_) => running.len() > 1,
    };
    if needed { running } else { Vec::new() }
}

/// The manual approvals waiting in one execution, from ListActionExecutions: the token is the
/// approval's `externalExecutionId` (AWS: "Pass the approval action's externalExecutionId …
/// as the token").
async fn waiting_in(
    c: &Clients,
    pipeline: &str,
    execution: &str,
) -> Result<Vec<PendingApproval>, AwsError> {
    let details = all_pages(|token| async move {
        let _slot = c.codepipeline.slot().await;
        let page = c
            .codepipeline
            .client
            .list_action_executions()
            .pipeline_name(pipeline)
            .filter(
                sdk::ActionExecutionFilter::builder()
                    .pipeline_execution_id(execution)
                    .build(),
            )
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| {
                c.error("codepipeline", "ListActionExecutions", &e)
                    .on(pipeline)
            })?;
        let items = page.action_execution_details().to_vec();
        Ok((items, page.next_token().map(str::to_owned)))
    })
    .await?;
    Ok(details
        .iter()
        .filter(|d| {
            d.status().map(sdk::ActionExecutionStatus::as_str) == Some("InProgress")
                && d.input()
                    .and_then(|i| i.action_type_id())
                    .is_some_and(|t| t.category().as_str() == "Approval")
        })
        .filter_map(|d| {
            let token = d
                .output()
                .and_then(|o| o.execution_result())
                .and_then(|r| r.external_execution_id())?;
            Some(PendingApproval {
                stage: d.stage_name().unwrap_or_default().to_owned(),
                action: d.action_name().unwrap_or_default().to_owned(),
                execution_id: Some(d.pipeline_execution_id().unwrap_or(execution).to_owned()),
                token: token.to_owned(),
                since: d.start_time().or(d.last_update_time()).map(ts),
            })
        })
        .collect())
}

pub(super) fn stage(declaration: &sdk::StageDeclaration, state: Option<&sdk::StageState>) -> Stage {
    let transition = state.and_then(|s| s.inbound_transition_state());
    let latest = state.and_then(|s| s.latest_execution());
    let runs: BTreeMap<&str, &sdk::ActionState> = state
        .map(|s| {
            s.action_states()
                .iter()
                .filter_map(|a| Some((a.action_name()?, a)))
                .collect()
        })
        .unwrap_or_default();
    Stage {
        name: declaration.name().to_owned(),
        inbound_enabled: transition.is_none_or(sdk::TransitionState::enabled),
        disabled_reason: transition.and_then(|t| t.disabled_reason().map(str::to_owned)),
        status: latest.map(|l| StageStatus::parse(l.status().as_str())),
        execution_id: latest.map(|l| l.pipeline_execution_id().to_owned()),
        inbound_execution_id: state
            .and_then(|s| s.inbound_execution())
            .map(|e| e.pipeline_execution_id().to_owned()),
        inbound_execution_ids: state
            .map(|s| {
                s.inbound_executions()
                    .iter()
                    .map(|e| e.pipeline_execution_id().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        actions: declaration
            .actions()
            .iter()
            .map(|a| action(a, runs.get(a.name()).copied()))
            .collect(),
    }
}

fn action(declaration: &sdk::ActionDeclaration, state: Option<&sdk::ActionState>) -> Action {
    let type_id = declaration.action_type_id();
    let provider = type_id.map_or("", sdk::ActionTypeId::provider).to_owned();
    let configuration: BTreeMap<String, String> = declaration
        .configuration()
        .map(|c| c.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let deploys_to = (provider == "CodeDeployToECS")
        .then(|| {
            Some(DeployTarget {
                application: configuration.get("ApplicationName")?.clone(),
                deployment_group: configuration.get("DeploymentGroupName")?.clone(),
            })
        })
        .flatten();
    Action {
        name: declaration.name().to_owned(),
        category: ActionCategory::parse(type_id.map_or("", |t| t.category().as_str())),
        provider,
        run_order: declaration.run_order().unwrap_or(1),
        configuration,
        deploys_to,
        latest: state.and_then(|s| s.latest_execution()).map(|e| ActionRun {
            action_execution_id: e.action_execution_id().map(str::to_owned),
            status: ActionStatus::parse(e.status().map_or("", |s| s.as_str())),
            summary: e.summary().map(str::to_owned),
            last_change: e.last_status_change().map(ts),
            token: e.token().map(str::to_owned),
            external_id: e.external_execution_id().map(str::to_owned),
            external_url: e.external_execution_url().map(str::to_owned),
            error: e.error_details().map(|d| ErrorDetails {
                code: d.code().unwrap_or_default().to_owned(),
                message: d.message().unwrap_or_default().to_owned(),
            }),
            updated_by: e.last_updated_by().map(str::to_owned),
        }),
    }
}

pub(crate) fn execution(e: &sdk::PipelineExecutionSummary) -> ExecutionSummary {
    ExecutionSummary {
        id: e.pipeline_execution_id().unwrap_or_default().to_owned(),
        status: ExecutionStatus::parse(e.status().map_or("", |s| s.as_str())),
        status_summary: e.status_summary().map(str::to_owned),
        started: e.start_time().map(ts),
        updated: e.last_update_time().map(ts),
        trigger: e
            .trigger()
            .and_then(|t| t.trigger_type())
            .map(|t| t.as_str().to_owned()),
        source_revisions: e
            .source_revisions()
            .iter()
            .map(|r| SourceRevision {
                action: r.action_name().to_owned(),
                revision_id: r.revision_id().unwrap_or_default().to_owned(),
                summary: r.revision_summary().map(str::to_owned),
                url: r.revision_url().map(str::to_owned),
            })
            .collect(),
        rollback: e.execution_type().is_some_and(|t| t.as_str() == "ROLLBACK"),
        rollback_target: e
            .rollback_metadata()
            .and_then(|m| m.rollback_target_pipeline_execution_id().map(str::to_owned)),
    }
}

/// The failed actions of one execution, read once for each time it was updated (a failed
/// execution changes only when a stage is retried).
pub async fn failures_refreshed(
    c: &Clients,
    pipeline: &str,
    execution: &ExecutionSummary,
) -> Result<Vec<ActionFailure>, AwsError> {
    if let Some(known) = c
        .pipelines
        .failures(pipeline, &execution.id, execution.updated)
    {
        return Ok(known);
    }
    let read = failures(c, pipeline, &execution.id).await?;
    c.pipelines
        .keep_failures(pipeline, &execution.id, execution.updated, &read);
    Ok(read)
}

/// The failed actions of one execution, with their error details.
pub async fn failures(
    c: &Clients,
    pipeline: &str,
    execution: &str,
) -> Result<Vec<ActionFailure>, AwsError> {
    let _slot = c.codepipeline.slot().await;
    let out = c
        .codepipeline
        .client
        .list_action_executions()
        .pipeline_name(pipeline)
        .filter(
            sdk::ActionExecutionFilter::builder()
                .pipeline_execution_id(execution)
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            c.error("codepipeline", "ListActionExecutions", &e)
                .on(pipeline)
        })?;
    Ok(out
        .action_execution_details()
        .iter()
        .filter(|d| {
            matches!(
                d.status()
                    .map(aws_sdk_codepipeline::types::ActionExecutionStatus::as_str),
                Some("Failed" | "Abandoned")
            )
        })
        .map(|d| {
            let result = d.output().and_then(|o| o.execution_result());
            ActionFailure {
                execution_id: d.pipeline_execution_id().unwrap_or(execution).to_owned(),
                stage: d.stage_name().unwrap_or_default().to_owned(),
                action: d.action_name().unwrap_or_default().to_owned(),
                status: ActionStatus::parse(d.status().map_or("", |s| s.as_str())),
                at: d.last_update_time().map(ts),
                error: result
                    .and_then(|r| r.error_details())
                    .map(|e| ErrorDetails {
                        code: e.code().unwrap_or_default().to_owned(),
                        message: e.message().unwrap_or_default().to_owned(),
                    }),
                external_summary: result
                    .and_then(|r| r.external_execution_summary().map(str::to_owned)),
                external_id: result.and_then(|r| r.external_execution_id().map(str::to_owned)),
            }
        })
        .collect())
}

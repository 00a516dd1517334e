//! CodePipeline (awsJson1_1, `CodePipeline_20150709.*`). `StageExecution.status`,
//! `actionTypeId.category` and `.owner` are always sent: the SDK's schema-driven parser fails
//! without them. Validation errors are ValidationException, as the service answers.
//!
//! PARALLEL mode, as AWS documents it (aws-apis.md sections 4.4 and 10): GetPipelineState
//! carries no approval token; the approval action's `externalExecutionId` in
//! ListActionExecutions is the token PutApprovalResult takes.

use serde_json::{Value, json};

use super::{ts, unknown_operation, with_token};
use crate::sim::engine::pipeline::{self, Trigger};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::wire::json::{Input, page};
use crate::sim::world::World;
use crate::sim::world::pipeline::{
    ActionDecl, ActionRun, ActionStatus, Approval, Category, Execution, ExecutionMode, Pipeline,
    StageStatus,
};

const INVALID: &str = "ValidationException";

pub fn handle(world: &mut World, operation: &str, body: &[u8]) -> ApiResult<Value> {
    let value = Input::parse(body, INVALID)?;
    let input = Input::new(&value, INVALID);
    match operation {
        "ListPipelines" => list_pipelines(world, &input),
        "GetPipeline" => get_pipeline(world, &input),
        "GetPipelineState" => get_pipeline_state(world, &input),
        "ListPipelineExecutions" => list_executions(world, &input),
        "GetPipelineExecution" => get_pipeline_execution(world, &input),
        "ListActionExecutions" => list_action_executions(world, &input),
        "PutApprovalResult" => put_approval_result(world, &input),
        "StartPipelineExecution" => start_pipeline_execution(world, &input, &value),
        "StopPipelineExecution" => stop_pipeline_execution(world, &input),
        "RetryStageExecution" => retry_stage_execution(world, &input),
        "RollbackStage" => {
            let name = input.required_invalid("pipelineName")?;
            let stage = input.required_invalid("stageName")?;
            let target = input.required_invalid("targetPipelineExecutionId")?;
            let id = pipeline::rollback_stage(world, name, stage, target)?;
            Ok(json!({ "pipelineExecutionId": id }))
        }
        "EnableStageTransition" => set_stage_transition(world, &input, Transition::Enable),
        "DisableStageTransition" => set_stage_transition(world, &input, Transition::Disable),
        other => Err(unknown_operation("CodePipeline", other)),
    }
}

fn list_pipelines(world: &World, input: &Input) -> ApiResult<Value> {
    let size = input.page_size("maxResults", 100, 1000)?;
    let list: Vec<Value> = world
        .pipelines
        .values()
        .map(|p| json!({
            "name": p.name, "version": p.version, "pipelineType": "V2", "executionMode": p.mode.as_str(),
            "created": ts(p.created_at), "updated": ts(p.updated_at),
        }))
        .collect();
    let p = page(
        list.len(),
        input.str("nextToken")?,
        size,
        "InvalidNextTokenException",
    )?;
    Ok(with_token(
        json!({ "pipelines": list[p.start..p.end] }),
        p.next,
    ))
}

/// GetPipelineExecution: an execution summary reshaped to the fuller `PipelineExecution`.
fn get_pipeline_execution(world: &World, input: &Input) -> ApiResult<Value> {
    let p = find(world, input.required_invalid("pipelineName")?)?;
    let e = execution(world, p, input.required_invalid("pipelineExecutionId")?)?;
    let mut v = summary_json(e);
    let map = v
        .as_object_mut()
        .ok_or_else(|| ApiError::new("InternalError", "summary is not an object"))?;
    map.remove("startTime");
    map.remove("lastUpdateTime");
    map.remove("sourceRevisions");
    map.remove("stopTrigger");
    map.insert("pipelineName".into(), json!(p.name));
    map.insert("pipelineVersion".into(), json!(e.pipeline_version));
    map.insert(
        "artifactRevisions".into(),
        json!([{
            "name": "SourceArtifact", "revisionId": e.source.revision_id, "revisionSummary": e.source.summary,
            "revisionUrl": e.source.url, "created": ts(e.started_at),
        }]),
    );
    map.insert("variables".into(), json!([]));
    Ok(json!({ "pipelineExecution": v }))
}

/// StartPipelineExecution; `value` is the raw request, whose `variables` are only counted.
fn start_pipeline_execution(world: &mut World, input: &Input, value: &Value) -> ApiResult<Value> {
    let name = input.required_invalid("name")?;
    find(world, name)?;
    let variables = input.has("variables").then(|| {
        value
            .get("variables")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    });
    if variables.is_some_and(|n| n > 50) {
        return Err(ApiError::new(
            INVALID,
            "variables can have at most 50 items",
        ));
    }
    let token = input.str("clientRequestToken")?;
    let commit = source_override(find(world, name)?, input)?;
    let trigger = Trigger {
        kind: "StartPipelineExecution",
        detail: "cutover",
    };
    let id = pipeline::start_at(world, name, trigger, token, commit)?;
    Ok(json!({ "pipelineExecutionId": id }))
}

/// The commit StartPipelineExecution's `sourceRevisions` asks for: at most one override, of
/// type COMMIT_ID, on the pipeline's source action (the simulator's sources are repositories;
/// the image and S3 types name no source of its).
fn source_override<'a>(p: &Pipeline, input: &Input<'a>) -> ApiResult<Option<&'a str>> {
    let Some(overrides) = input.objects("sourceRevisions")? else {
        return Ok(None);
    };
    let source = p.stages.first().and_then(|s| s.actions.first());
    let mut commit = None;
    for o in &overrides {
        let action = o.required_invalid("actionName")?;
        let kind = o.required_invalid("revisionType")?;
        let value = o.required_invalid("revisionValue")?;
        if !(1..=1500).contains(&value.len()) {
            return Err(ApiError::new(
                INVALID,
                "revisionValue must be 1 to 1500 characters long",
            ));
        }
        if source.is_none_or(|a| a.name != action) {
            return Err(ApiError::new(
                INVALID,
                format!(
                    "Action '{action}' is not a source action of pipeline '{}'",
                    p.name
                ),
            ));
        }
        match kind {
            "COMMIT_ID" if commit.is_none() => commit = Some(value),
            "COMMIT_ID" => {
                return Err(ApiError::new(
                    INVALID,
                    format!("Action '{action}' has more than one source revision override"),
                ));
            }
            "IMAGE_DIGEST" | "S3_OBJECT_VERSION_ID" | "S3_OBJECT_KEY" => {
                return Err(ApiError::new(
                    INVALID,
                    format!(
                        "revisionType {kind} does not apply to the source of action '{action}'"
                    ),
                ));
            }
            other => {
                return Err(ApiError::new(
                    INVALID,
                    format!(
                        "revisionType '{other}' must be one of COMMIT_ID, IMAGE_DIGEST, S3_OBJECT_VERSION_ID, S3_OBJECT_KEY"
                    ),
                ));
            }
        }
    }
    Ok(commit)
}

fn stop_pipeline_execution(world: &mut World, input: &Input) -> ApiResult<Value> {
    let name = input.required_invalid("pipelineName")?;
    let id = input.required_invalid("pipelineExecutionId")?;
    let reason = input.str("reason")?.unwrap_or("");
    if reason.chars().count() > 200 {
        return Err(ApiError::new(
            INVALID,
            "reason must be at most 200 characters",
        ));
    }
    let abandon = input.bool("abandon")?.unwrap_or(false);
    pipeline::stop(world, name, id, abandon, reason)?;
    Ok(json!({ "pipelineExecutionId": id }))
}

fn retry_stage_execution(world: &mut World, input: &Input) -> ApiResult<Value> {
    let name = input.required_invalid("pipelineName")?;
    let stage = input.required_invalid("stageName")?;
    let id = input.required_invalid("pipelineExecutionId")?;
    let all = match input.required_invalid("retryMode")? {
        "FAILED_ACTIONS" => false,
        "ALL_ACTIONS" => true,
        other => {
            return Err(ApiError::new(
                INVALID,
                format!("retryMode must be FAILED_ACTIONS or ALL_ACTIONS, not {other}"),
            ));
        }
    };
    pipeline::retry(world, name, stage, id, all)?;
    Ok(json!({ "pipelineExecutionId": id }))
}

/// Which of the two stage-transition calls is being answered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Transition {
    Enable,
    Disable,
}

/// EnableStageTransition and DisableStageTransition; only disabling takes (and checks) a reason.
fn set_stage_transition(world: &mut World, input: &Input, change: Transition) -> ApiResult<Value> {
    let name = input.required_invalid("pipelineName")?;
    let stage = input.required_invalid("stageName")?;
    let kind = input.required_invalid("transitionType")?;
    if !["Inbound", "Outbound"].contains(&kind) {
        return Err(ApiError::new(
            INVALID,
            format!("transitionType must be Inbound or Outbound, not {kind}"),
        ));
    }
    let enabled = change == Transition::Enable;
    let reason = if enabled {
        None
    } else {
        Some(disable_reason(input)?)
    };
    pipeline::set_transition(world, name, stage, kind == "Inbound", enabled, reason)?;
    Ok(json!({}))
}

/// DisableStageTransition's required `reason`, refused when AWS's pattern would refuse it.
fn disable_reason(input: &Input) -> ApiResult<String> {
    let reason = input.required_invalid("reason")?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "!@ ().*?-".contains(c);
    if reason.chars().count() > 300 || !reason.chars().all(allowed) {
        return Err(ApiError::new(
            INVALID,
            "reason must be 1 to 300 characters of letters, digits, spaces and !@().*?- (no commas, colons, slashes or underscores)",
        ));
    }
    Ok(reason.to_owned())
}

fn find<'w>(world: &'w World, name: &str) -> ApiResult<&'w Pipeline> {
    world.pipelines.get(name).ok_or_else(|| {
        ApiError::new(
            "PipelineNotFoundException",
            format!(
                "Account '{}' does not have a pipeline with name '{name}'",
                world.account
            ),
        )
    })
}

fn execution<'w>(world: &'w World, p: &Pipeline, id: &str) -> ApiResult<&'w Execution> {
    world
        .executions
        .get(id)
        .filter(|e| e.pipeline == p.name)
        .ok_or_else(|| {
            ApiError::new(
                "PipelineExecutionNotFoundException",
                format!(
                    "Pipeline execution {id} was not found in pipeline '{}'",
                    p.name
                ),
            )
        })
}

fn type_id(decl: &ActionDecl) -> Value {
    json!({ "category": decl.category.as_str(), "owner": decl.owner(), "provider": decl.provider, "version": "1" })
}

fn artifacts(names: &[String]) -> Value {
    names.iter().map(|n| json!({ "name": n })).collect()
}

fn get_pipeline(world: &World, input: &Input) -> ApiResult<Value> {
    let p = find(world, input.required_invalid("name")?)?;
    if let Some(version) = input.int("version")?
        && version != i64::from(p.version)
    {
        return Err(ApiError::new(
            "PipelineVersionNotFoundException",
            format!("Pipeline version {version} was not found"),
        ));
    }
    let stages: Vec<Value> = p
        .stages
        .iter()
        .map(|s| {
            let actions: Vec<Value> = s
                .actions
                .iter()
                .map(|a| {
                    json!({
                        "name": a.name,
                        "actionTypeId": type_id(a),
                        "runOrder": a.run_order,
                        "configuration": a.configuration,
                        "outputArtifacts": artifacts(&a.output_artifacts),
                        "inputArtifacts": artifacts(&a.input_artifacts),
                        "region": world.region,
                    })
                })
                .collect();
            json!({ "name": s.name, "actions": actions })
        })
        .collect();
    Ok(json!({
        "pipeline": {
            "name": p.name,
            "roleArn": p.role_arn,
            "artifactStore": { "type": "S3", "location": p.artifact_bucket },
            "stages": stages,
            "version": p.version,
            "executionMode": p.mode.as_str(),
            "pipelineType": "V2",
        },
        "metadata": { "pipelineArn": p.arn, "created": ts(p.created_at), "updated": ts(p.updated_at) },
    }))
}

/// An action's latest run in GetPipelineState. `with_token` is false in PARALLEL mode, where
/// the state carries no approval token.
fn action_execution_json(run: &ActionRun, with_token: bool) -> Value {
    let mut v = json!({
        "actionExecutionId": run.id,
        "status": run.status.as_str(),
        "lastStatusChange": ts(run.updated_at),
    });
    if let Some(summary) = &run.summary {
        v["summary"] = json!(summary);
    }
    if let Some(token) = run
        .token
        .as_ref()
        .filter(|_| with_token && run.status == ActionStatus::InProgress)
    {
        v["token"] = json!(token);
    }
    if let Some(by) = &run.updated_by {
        v["lastUpdatedBy"] = json!(by);
    }
    if let Some(id) = &run.external_id {
        v["externalExecutionId"] = json!(id);
    }
    if let Some(url) = &run.external_url {
        v["externalExecutionUrl"] = json!(url);
    }
    if let Some((code, message)) = &run.error {
        v["errorDetails"] = json!({ "code": code, "message": message });
    }
    v
}

fn get_pipeline_state(world: &World, input: &Input) -> ApiResult<Value> {
    let p = find(world, input.required_invalid("name")?)?;
    let mut stages = Vec::new();
    for (index, stage) in p.stages.iter().enumerate() {
        let transition = &p.inbound[index];
        let mut inbound = json!({ "enabled": transition.enabled });
        if let Some(by) = &transition.changed_by {
            inbound["lastChangedBy"] = json!(by);
        }
        if let Some(at) = transition.changed_at {
            inbound["lastChangedAt"] = ts(at);
        }
        if let Some(reason) = &transition.reason {
            inbound["disabledReason"] = json!(reason);
        }
        let latest = p.latest_in_stage[index]
            .as_ref()
            .and_then(|id| world.executions.get(id));
        let actions: Vec<Value> = stage
            .actions
            .iter()
            .enumerate()
            .map(|(action_index, decl)| {
                let mut v = json!({ "actionName": decl.name });
                // The latest run of this action in the latest execution to reach the stage.
                let run = latest.and_then(|e| e.latest_runs(index).find(|r| r.action == action_index));
                if let Some(run) = run {
                    v["latestExecution"] =
                        action_execution_json(run, p.mode != ExecutionMode::Parallel);
                }
                if decl.category == Category::Source {
                    if let Some(e) = latest {
                        v["currentRevision"] = json!({ "revisionId": e.source.revision_id, "revisionChangeId": e.source.revision_id, "created": ts(e.started_at) });
                        v["revisionUrl"] = json!(e.source.url);
                    }
                    v["entityUrl"] = json!(format!("https://github.com/{}", p.repository));
                }
                v
            })
            .collect();
        let mut state = json!({ "stageName": stage.name, "inboundTransitionState": inbound, "actionStates": actions });
        if let Some(e) = latest
            && let Some(status) = e.stages[index]
        {
            state["latestExecution"] = json!({
                "pipelineExecutionId": e.id,
                "status": status.as_str(),
                "type": if e.is_rollback() { "ROLLBACK" } else { "STANDARD" },
            });
        }
        // The line at the stage's entrance, first to enter first: in QUEUED mode it can be long.
        let inbound: Vec<Value> = p.waiting[index]
            .iter()
            .filter_map(|id| world.executions.get(id))
            .map(|waiting| json!({ "pipelineExecutionId": waiting.id, "status": "InProgress", "type": if waiting.is_rollback() { "ROLLBACK" } else { "STANDARD" } }))
            .collect();
        if let Some(first) = inbound.first() {
            state["inboundExecution"] = first.clone();
            state["inboundExecutions"] = json!(inbound);
        }
        stages.push(state);
    }
    Ok(json!({
        "pipelineName": p.name,
        "pipelineVersion": p.version,
        "stageStates": stages,
        "created": ts(p.created_at),
        "updated": ts(p.updated_at),
    }))
}

fn summary_json(e: &Execution) -> Value {
    let mut v = json!({
        "pipelineExecutionId": e.id,
        "status": e.status.as_str(),
        "startTime": ts(e.started_at),
        "lastUpdateTime": ts(e.updated_at),
        "sourceRevisions": [{
            "actionName": e.source.action, "revisionId": e.source.revision_id,
            "revisionSummary": e.source.summary, "revisionUrl": e.source.url,
        }],
        "trigger": { "triggerType": e.trigger_type, "triggerDetail": e.trigger_detail },
        "executionMode": e.mode.as_str(),
        "executionType": if e.is_rollback() { "ROLLBACK" } else { "STANDARD" },
    });
    if let Some(summary) = &e.status_summary {
        v["statusSummary"] = json!(summary);
    }
    if let Some((_, reason)) = &e.stop {
        v["stopTrigger"] = json!({ "reason": reason });
    }
    if let Some(target) = &e.rollback_target {
        v["rollbackMetadata"] = json!({ "rollbackTargetPipelineExecutionId": target });
    }
    v
}

fn list_executions(world: &World, input: &Input) -> ApiResult<Value> {
    let p = find(world, input.required_invalid("pipelineName")?)?;
    let size = input.page_size("maxResults", 100, 100)?;
    let succeeded_in = input
        .object("filter")?
        .map(|f| {
            f.object("succeededInStage")
                .ok()
                .flatten()
                .and_then(|s| s.str("stageName").ok().flatten().map(str::to_owned))
        })
        .unwrap_or_default();
    let stage_index = match &succeeded_in {
        Some(stage) => Some(p.stage_index(stage).ok_or_else(|| {
            ApiError::new(
                "StageNotFoundException",
                format!("Stage '{stage}' was not found"),
            )
        })?),
        None => None,
    };
    let list: Vec<Value> = p
        .executions
        .iter()
        .rev()
        .filter_map(|id| world.executions.get(id))
        .filter(|e| stage_index.is_none_or(|s| e.stages[s] == Some(StageStatus::Succeeded)))
        .map(summary_json)
        .collect();
    let page = page(
        list.len(),
        input.str("nextToken")?,
        size,
        "InvalidNextTokenException",
    )?;
    Ok(with_token(
        json!({ "pipelineExecutionSummaries": list[page.start..page.end] }),
        page.next,
    ))
}

fn list_action_executions(world: &World, input: &Input) -> ApiResult<Value> {
    let p = find(world, input.required_invalid("pipelineName")?)?;
    let size = input.page_size("maxResults", 100, 100)?;
    let only = match input.object("filter")? {
        Some(filter) => {
            let direct = filter.str("pipelineExecutionId")?.map(str::to_owned);
            let latest = filter
                .object("latestInPipelineExecution")?
                .map(|l| {
                    l.str("pipelineExecutionId")
                        .ok()
                        .flatten()
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            direct.or(latest)
        }
        None => None,
    };
    if let Some(id) = &only {
        execution(world, p, id)?;
    }
    let mut details: Vec<(i64, Value)> = Vec::new();
    for e in p
        .executions
        .iter()
        .filter_map(|id| world.executions.get(id))
    {
        if only.as_ref().is_some_and(|id| *id != e.id) {
            continue;
        }
        for run in &e.runs {
            let Some(decl) = p
                .stages
                .get(run.stage)
                .and_then(|s| s.actions.get(run.action))
            else {
                continue;
            };
            details.push((run.started_at, action_detail_json(world, p, e, run, decl)));
        }
    }
    // Newest first.
    details.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let list: Vec<Value> = details.into_iter().map(|(_, v)| v).collect();
    let page = page(
        list.len(),
        input.str("nextToken")?,
        size,
        "InvalidNextTokenException",
    )?;
    Ok(with_token(
        json!({ "actionExecutionDetails": list[page.start..page.end] }),
        page.next,
    ))
}

fn action_detail_json(
    world: &World,
    p: &Pipeline,
    e: &Execution,
    run: &ActionRun,
    decl: &ActionDecl,
) -> Value {
    let mut result = json!({});
    if let Some(id) = &run.external_id {
        result["externalExecutionId"] = json!(id);
    }
    // A manual approval's external execution id is its approval token: the one place a
    // PARALLEL-mode pipeline gives it out.
    if decl.category == Category::Approval
        && let Some(token) = &run.token
    {
        result["externalExecutionId"] = json!(token);
    }
    if let Some(summary) = run.summary.as_ref().or(run.error.as_ref().map(|(_, m)| m)) {
        result["externalExecutionSummary"] = json!(summary);
    }
    if let Some(url) = &run.external_url {
        result["externalExecutionUrl"] = json!(url);
    }
    if let Some((code, message)) = &run.error {
        result["errorDetails"] = json!({ "code": code, "message": message });
    }
    let mut v = json!({
        "pipelineExecutionId": e.id,
        "actionExecutionId": run.id,
        "pipelineVersion": e.pipeline_version,
        "stageName": p.stages[run.stage].name,
        "actionName": decl.name,
        "startTime": ts(run.started_at),
        "lastUpdateTime": ts(run.updated_at),
        "status": run.status.as_str(),
        "input": {
            "actionTypeId": type_id(decl),
            "configuration": decl.configuration,
            "resolvedConfiguration": decl.configuration,
            "roleArn": p.role_arn,
            "region": world.region,
            "inputArtifacts": artifacts(&decl.input_artifacts),
        },
        "output": {
            "outputArtifacts": artifacts(&decl.output_artifacts),
            "executionResult": result,
            "outputVariables": {},
        },
    });
    if let Some(by) = &run.updated_by {
        v["updatedBy"] = json!(by);
    }
    v
}

fn put_approval_result(world: &mut World, input: &Input) -> ApiResult<Value> {
    let name = input.required_invalid("pipelineName")?;
    let stage = input.required_invalid("stageName")?;
    let action = input.required_invalid("actionName")?;
    let token = input.required_invalid("token")?;
    let result = input
        .object("result")?
        .ok_or_else(|| ApiError::new(INVALID, "result is required"))?;
    let summary = result
        .str("summary")?
        .ok_or_else(|| ApiError::new(INVALID, "result.summary is required"))?;
    if summary.chars().count() > 512 {
        return Err(ApiError::new(
            INVALID,
            "result.summary must be at most 512 characters",
        ));
    }
    let approved = match result.str("status")? {
        Some("Approved") => true,
        Some("Rejected") => false,
        other => {
            return Err(ApiError::new(
                INVALID,
                format!(
                    "result.status must be Approved or Rejected, not {}",
                    other.unwrap_or("missing")
                ),
            ));
        }
    };
    let approval = Approval {
        approved,
        summary: summary.to_owned(),
        by: world.principal.clone(),
        at: world.now,
    };
    let at = pipeline::answer_approval(world, name, stage, action, token, approval)?;
    Ok(json!({ "approvedAt": ts(at) }))
}

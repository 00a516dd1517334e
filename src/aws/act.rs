//! The mutating calls, one function each, sent once: the clients used for actions have
//! retries off, because a mutation is never retried blindly (after a timeout the caller reads
//! the state again to learn what happened). Each returns the request id for the audit log.

use aws_sdk_codedeploy::types as cd;
use aws_sdk_codepipeline::types as cp;
use aws_sdk_elasticloadbalancingv2::types as elb;

use super::{AwsError, Clients};
use crate::model::deploy::Revision;
use crate::model::elb::merge_weights;

/// The id AWS gave the request, when it sent one.
pub type RequestId = Option<String>;

fn id<T: aws_sdk_ecs::operation::RequestId>(out: &T) -> RequestId {
    out.request_id().map(str::to_owned)
}

pub async fn put_approval(
    c: &Clients,
    at: (&str, &str, &str),
    token: &str,
    summary: &str,
    approved: bool,
) -> Result<RequestId, AwsError> {
    let (pipeline, stage, action) = at;
    let status = if approved {
        cp::ApprovalStatus::Approved
    } else {
        cp::ApprovalStatus::Rejected
    };
    let result = cp::ApprovalResult::builder()
        .summary(summary)
        .status(status)
        .build()
        .map_err(|e| AwsError::local("codepipeline", "PutApprovalResult", &e.to_string()))?;
    let out = c
        .codepipeline
        .client
        .put_approval_result()
        .pipeline_name(pipeline)
        .stage_name(stage)
        .action_name(action)
        .token(token)
        .result(result)
        .send()
        .await
        .map_err(|e| {
            c.error("codepipeline", "PutApprovalResult", &e)
                .on(pipeline)
        })?;
    Ok(id(&out))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    Ready,
    Termination,
}

pub async fn continue_deployment(
    c: &Clients,
    deployment: &str,
    wait: Wait,
) -> Result<RequestId, AwsError> {
    let kind = match wait {
        Wait::Ready => cd::DeploymentWaitType::ReadyWait,
        Wait::Termination => cd::DeploymentWaitType::TerminationWait,
    };
    let out = c
        .codedeploy
        .client
        .continue_deployment()
        .deployment_id(deployment)
        .deployment_wait_type(kind)
        .send()
        .await
        .map_err(|e| {
            c.error("codedeploy", "ContinueDeployment", &e)
                .on(deployment)
        })?;
    Ok(id(&out))
}

/// StopDeployment with rollback; the message CodeDeploy answered.
pub async fn stop_with_rollback(
    c: &Clients,
    deployment: &str,
) -> Result<(RequestId, String), AwsError> {
    let out = c
        .codedeploy
        .client
        .stop_deployment()
        .deployment_id(deployment)
        .auto_rollback_enabled(true)
        .send()
        .await
        .map_err(|e| c.error("codedeploy", "StopDeployment", &e).on(deployment))?;
    Ok((
        id(&out),
        out.status_message().unwrap_or_default().to_owned(),
    ))
}

/// StopServiceDeployment with ROLLBACK: ECS returns an ECS-native deployment's traffic and
/// tasks to the revision before it (the only stop type AWS's API reference lists as valid).
pub async fn stop_service_deployment(c: &Clients, arn: &str) -> Result<RequestId, AwsError> {
    let out = c
        .ecs
        .client
        .stop_service_deployment()
        .service_deployment_arn(arn)
        .stop_type(aws_sdk_ecs::types::StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .map_err(|e| c.error("ecs", "StopServiceDeployment", &e).on(arn))?;
    Ok(id(&out))
}

/// ContinueServiceDeployment: answers a PAUSE hook waiting for a person, going on or rolling
/// back.
pub async fn continue_service_deployment(
    c: &Clients,
    arn: &str,
    hook: &str,
    rollback: bool,
) -> Result<RequestId, AwsError> {
    let action = if rollback {
        aws_sdk_ecs::types::DeploymentLifecycleHookAction::Rollback
    } else {
        aws_sdk_ecs::types::DeploymentLifecycleHookAction::Continue
    };
    let out = c
        .ecs
        .client
        .continue_service_deployment()
        .service_deployment_arn(arn)
        .hook_id(hook)
        .action(action)
        .send()
        .await
        .map_err(|e| c.error("ecs", "ContinueServiceDeployment", &e).on(arn))?;
    Ok(id(&out))
}

/// CreateDeployment of a revision: an AppSpec by its text (and its sha256, which CodeDeploy
/// checks), an S3 object by reference. The new deployment's id.
pub async fn create_deployment(
    c: &Clients,
    application: &str,
    group: &str,
    revision: &Revision,
    description: &str,
) -> Result<(RequestId, String), AwsError> {
    let location = match revision {
        Revision::AppSpec {
            sha256,
            content: Some(content),
            ..
        } => cd::RevisionLocation::builder()
            .revision_type(cd::RevisionLocationType::AppSpecContent)
            .app_spec_content(
                cd::AppSpecContent::builder()
                    .content(content)
                    .sha256(sha256)
                    .build(),
            )
            .build(),
        Revision::S3 {
            bucket,
            key,
            bundle_type,
            version,
            etag,
        } => cd::RevisionLocation::builder()
            .revision_type(cd::RevisionLocationType::S3)
            .s3_location(
                cd::S3Location::builder()
                    .bucket(bucket)
                    .key(key)
                    .set_bundle_type(bundle_type.as_deref().map(cd::BundleType::from))
                    .set_version(version.clone())
                    .set_e_tag(etag.clone())
                    .build(),
            )
            .build(),
        other => {
            return Err(AwsError::local(
                "codedeploy",
                "CreateDeployment",
                &format!("cannot deploy {} again", other.describe()),
            ));
        }
    };
    let out = c
        .codedeploy
        .client
        .create_deployment()
        .application_name(application)
        .deployment_group_name(group)
        .revision(location)
        .description(description)
        .send()
        .await
        .map_err(|e| {
            c.error("codedeploy", "CreateDeployment", &e)
                .on(format!("{application}/{group}"))
        })?;
    Ok((id(&out), out.deployment_id().unwrap_or_default().to_owned()))
}

pub async fn scale(
    c: &Clients,
    cluster: &str,
    service: &str,
    count: i32,
) -> Result<RequestId, AwsError> {
    let out = c
        .ecs
        .client
        .update_service()
        .cluster(cluster)
        .service(service)
        .desired_count(count)
        .send()
        .await
        .map_err(|e| {
            c.error("ecs", "UpdateService", &e)
                .on(format!("{cluster}/{service}"))
        })?;
    Ok(id(&out))
}

/// Sets the weights of the named target groups (ARN, weight) in the forward action of a rule
/// or a listener's default action, read just before: the groups not named keep their
/// weights, stickiness is kept, and so is every other action (authentication, their order).
/// The Modify calls replace the whole action list, so all of it is sent again.
pub async fn set_weights(
    c: &Clients,
    target: &str,
    weights: &[(String, i32)],
    was: &[(String, i32)],
) -> Result<RequestId, AwsError> {
    let is_rule = is_rule_arn(target);
    let current: Vec<elb::Action> = if is_rule {
        let out = c
            .elb
            .client
            .describe_rules()
            .rule_arns(target)
            .send()
            .await
            .map_err(|e| {
                c.error("elasticloadbalancing", "DescribeRules", &e)
                    .on(target)
            })?;
        out.rules()
            .first()
            .map(|r| r.actions().to_vec())
            .unwrap_or_default()
    } else {
        let out = c
            .elb
            .client
            .describe_listeners()
            .listener_arns(target)
            .send()
            .await
            .map_err(|e| {
                c.error("elasticloadbalancing", "DescribeListeners", &e)
                    .on(target)
            })?;
        out.listeners()
            .first()
            .map(|l| l.default_actions().to_vec())
            .unwrap_or_default()
    };
    // What was confirmed is what is sent: if the forward action moved since the plan was
    // read, nothing is sent (ELBv2 has no conditional write; this narrows the race to the
    // time between this read and the Modify call).
    let operation = if is_rule {
        "ModifyRule"
    } else {
        "ModifyListener"
    };
    let (now, _) = super::elbv2::forwards(&current);
    let sorted = |mut list: Vec<(String, i32)>| {
        list.sort();
        list
    };
    let now = sorted(
        now.into_iter()
            .map(|f| (f.target_group_arn, f.weight))
            .collect(),
    );
    if now != sorted(was.to_vec()) {
        let weights: Vec<String> = now.iter().map(|(arn, w)| format!("{arn}={w}")).collect();
        return Err(AwsError::local(
            "elasticloadbalancing",
            operation,
            &format!(
                "the forward weights moved since they were confirmed (now {}): nothing was sent; look again and confirm anew",
                weights.join(" ")
            ),
        )
        .on(target));
    }
    let actions = with_weights(current, weights);
    if is_rule {
        let out = c
            .elb
            .client
            .modify_rule()
            .rule_arn(target)
            .set_actions(Some(actions))
            .send()
            .await
            .map_err(|e| c.error("elasticloadbalancing", "ModifyRule", &e).on(target))?;
        Ok(id(&out))
    } else {
        let out = c
            .elb
            .client
            .modify_listener()
            .listener_arn(target)
            .set_default_actions(Some(actions))
            .send()
            .await
            .map_err(|e| {
                c.error("elasticloadbalancing", "ModifyListener", &e)
                    .on(target)
            })?;
        Ok(id(&out))
    }
}

/// Whether a weights target is a rule (ModifyRule) rather than a listener (ModifyListener):
/// the resource type in the ARN says, `listener-rule/` or `listener/`.
pub fn is_rule_arn(arn: &str) -> bool {
    arn.contains(":listener-rule/")
}

/// The action list with the first forward action's weights set: its target groups merged
/// with `weights` ([`merge_weights`]), its stickiness and order kept. A list with no forward
/// action gets one at the end.
fn with_weights(current: Vec<elb::Action>, weights: &[(String, i32)]) -> Vec<elb::Action> {
    let forward_of = |now: Option<&elb::Action>| {
        let (current, _) = now.map_or_else(
            || (Vec::new(), None),
            |a| super::elbv2::forwards(std::slice::from_ref(a)),
        );
        let tuples = merge_weights(&current, weights)
            .into_iter()
            .map(|f| {
                elb::TargetGroupTuple::builder()
                    .target_group_arn(f.target_group_arn)
                    .weight(f.weight)
                    .build()
            })
            .collect();
        let stickiness = now
            .and_then(elb::Action::forward_config)
            .and_then(elb::ForwardActionConfig::target_group_stickiness_config)
            .cloned();
        let config = elb::ForwardActionConfig::builder()
            .set_target_groups(Some(tuples))
            .set_target_group_stickiness_config(stickiness)
            .build();
        elb::Action::builder()
            .r#type(elb::ActionTypeEnum::Forward)
            .forward_config(config)
            .set_order(now.and_then(elb::Action::order))
            .build()
    };
    let mut actions: Vec<elb::Action> = Vec::new();
    let mut replaced = false;
    for action in current {
        if action.r#type() == Some(&elb::ActionTypeEnum::Forward) && !replaced {
            actions.push(forward_of(Some(&action)));
            replaced = true;
        } else {
            actions.push(action);
        }
    }
    if !replaced {
        actions.push(forward_of(None));
    }
    actions
}

pub async fn retry_stage(
    c: &Clients,
    pipeline: &str,
    stage: &str,
    execution: &str,
    all: bool,
) -> Result<RequestId, AwsError> {
    let mode = if all {
        cp::StageRetryMode::AllActions
    } else {
        cp::StageRetryMode::FailedActions
    };
    let out = c
        .codepipeline
        .client
        .retry_stage_execution()
        .pipeline_name(pipeline)
        .stage_name(stage)
        .pipeline_execution_id(execution)
        .retry_mode(mode)
        .send()
        .await
        .map_err(|e| {
            c.error("codepipeline", "RetryStageExecution", &e)
                .on(pipeline)
        })?;
    Ok(id(&out))
}

pub async fn stop_execution(
    c: &Clients,
    pipeline: &str,
    execution: &str,
    abandon: bool,
    reason: &str,
) -> Result<RequestId, AwsError> {
    let out = c
        .codepipeline
        .client
        .stop_pipeline_execution()
        .pipeline_name(pipeline)
        .pipeline_execution_id(execution)
        .abandon(abandon)
        .reason(reason)
        .send()
        .await
        .map_err(|e| {
            c.error("codepipeline", "StopPipelineExecution", &e)
                .on(pipeline)
        })?;
    Ok(id(&out))
}

pub async fn start_execution(c: &Clients, pipeline: &str) -> Result<(RequestId, String), AwsError> {
    let out = c
        .codepipeline
        .client
        .start_pipeline_execution()
        .name(pipeline)
        .send()
        .await
        .map_err(|e| {
            c.error("codepipeline", "StartPipelineExecution", &e)
                .on(pipeline)
        })?;
    Ok((
        id(&out),
        out.pipeline_execution_id().unwrap_or_default().to_owned(),
    ))
}

pub async fn rollback_stage(
    c: &Clients,
    pipeline: &str,
    stage: &str,
    target: &str,
) -> Result<(RequestId, String), AwsError> {
    let out = c
        .codepipeline
        .client
        .rollback_stage()
        .pipeline_name(pipeline)
        .stage_name(stage)
        .target_pipeline_execution_id(target)
        .send()
        .await
        .map_err(|e| c.error("codepipeline", "RollbackStage", &e).on(pipeline))?;
    Ok((id(&out), out.pipeline_execution_id().to_owned()))
}

/// Executions that succeeded in a stage, newest first, with their type (a ROLLBACK one is no
/// target a stage can roll back to).
pub async fn succeeded_in_stage(
    c: &Clients,
    pipeline: &str,
    stage: &str,
) -> Result<Vec<crate::model::pipeline::ExecutionSummary>, AwsError> {
    let filter = cp::PipelineExecutionFilter::builder()
        .succeeded_in_stage(
            cp::SucceededInStageFilter::builder()
                .stage_name(stage)
                .build(),
        )
        .build();
    let out = c
        .codepipeline
        .client
        .list_pipeline_executions()
        .pipeline_name(pipeline)
        .filter(filter)
        .max_results(10)
        .send()
        .await
        .map_err(|e| {
            c.error("codepipeline", "ListPipelineExecutions", &e)
                .on(pipeline)
        })?;
    Ok(out
        .pipeline_execution_summaries()
        .iter()
        .map(super::codepipeline::execution)
        .collect())
}

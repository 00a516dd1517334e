//! Preconditions on fresh state: just before an action is confirmed, what it acts on is read
//! again, and if the world moved (the approval was answered, the deployment is no longer
//! Ready, the service is gone) the action says so and nothing is sent. The plan it returns
//! carries the evidence a person confirms against and the parameters of the one call.

use crate::aws::{Clients, codedeploy, codepipeline, ecs, elbv2, revisions};
use crate::model::deploy::Revision;
use crate::model::status::{DeploymentStatus, StageStatus};

use super::{Op, OpError, RetryMode};

/// The one call an action makes, with everything resolved. The audit log records it (all
/// but the approval token), so that what was acted on is known even when the command named
/// less (no `--execution`, no `--to`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    Approval {
        pipeline: String,
        stage: String,
        action: String,
        /// The execution whose approval it answers, when known.
        execution: Option<String>,
        /// Single use, but a credential while the gate waits: never written down.
        #[serde(skip)]
        token: String,
        comment: String,
        approved: bool,
    },
    ContinueReady {
        deployment: String,
    },
    ContinueTermination {
        deployment: String,
    },
    StopWithRollback {
        deployment: String,
    },
    Redeploy {
        application: String,
        group: String,
        /// The revision to deploy again: an AppSpec with its text, or an S3 location.
        revision: Revision,
        from: String,
    },
    Scale {
        cluster: String,
        service: String,
        count: i32,
    },
    Weights {
        target: String,
        /// The whole forward list confirmed: every target group ARN with its weight.
        weights: Vec<(String, i32)>,
        /// The forward list read when the plan was made: if it has moved by the time the
        /// call is sent (CodeDeploy or ECS shifting traffic), nothing is sent.
        was: Vec<(String, i32)>,
    },
    Retry {
        pipeline: String,
        stage: String,
        execution: String,
        all: bool,
    },
    Stop {
        pipeline: String,
        execution: String,
        abandon: bool,
        reason: String,
    },
    Start {
        pipeline: String,
    },
    RollbackStage {
        pipeline: String,
        stage: String,
        target: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub op: Op,
    /// What will happen and the evidence, a line each.
    pub summary: Vec<String>,
    /// What a person types to confirm a dangerous action.
    pub typed_name: String,
    pub call: Call,
}

pub(super) fn gone(what: String) -> OpError {
    OpError::Precondition(what)
}

pub async fn prepare(c: &Clients, op: &Op) -> Result<Plan, OpError> {
    op.validate()?;
    let plan = |summary: Vec<String>, typed_name: String, call: Call| {
        Ok(Plan {
            op: op.clone(),
            summary,
            typed_name,
            call,
        })
    };
    match op {
        Op::Approve { .. } => super::pipelines::approve(c, op).await,
        Op::Reroute { deployment } => {
            let d = deployment_now(c, deployment).await?;
            if d.status != DeploymentStatus::Ready {
                return Err(gone(format!(
                    "{deployment} is {}, not Ready: there is nothing to reroute",
                    d.status
                )));
            }
            plan(
                vec![format!(
                    "Reroute production traffic of {deployment} ({}/{}) to the replacement task set now.",
                    d.application, d.deployment_group
                )],
                deployment.clone(),
                Call::ContinueReady {
                    deployment: deployment.clone(),
                },
            )
        }
        Op::Finish { deployment } => {
            let d = deployment_now(c, deployment).await?;
            if d.status.is_terminal() {
                return Err(gone(format!(
                    "{deployment} already finished ({})",
                    d.status
                )));
            }
            if !d.termination_wait_started {
                return Err(gone(format!(
                    "{deployment} is not waiting to terminate the original task set yet"
                )));
            }
            plan(
                vec![format!(
                    "End the termination wait of {deployment} ({}/{}) and remove the original task set now.",
                    d.application, d.deployment_group
                )],
                deployment.clone(),
                Call::ContinueTermination {
                    deployment: deployment.clone(),
                },
            )
        }
        Op::Rollback { deployment } => {
            let d = deployment_now(c, deployment).await?;
            if d.status.is_terminal() {
                return Err(gone(format!(
                    "{deployment} already finished ({}): nothing to stop; redeploy the previous revision instead",
                    d.status
                )));
            }
            plan(
                vec![format!(
                    "Stop {deployment} ({}/{}, {}) and roll back: traffic returns to the original task set.",
                    d.application, d.deployment_group, d.status
                )],
                deployment.clone(),
                Call::StopWithRollback {
                    deployment: deployment.clone(),
                },
            )
        }
        Op::Redeploy { application, group } => redeploy(c, application, group)
            .await
            .and_then(|(summary, call)| plan(summary, format!("{application}/{group}"), call)),
        Op::Scale {
            cluster,
            service,
            count,
        } => {
            let found = ecs::describe_services(c, cluster, std::slice::from_ref(service)).await?;
            let Some(s) = found.first() else {
                return Err(gone(format!("service {cluster}/{service} does not exist")));
            };
            let count32 = i32::try_from(*count)
                .map_err(|_| OpError::Invalid(format!("{count} is too large")))?;
            plan(
                vec![format!(
                    "Scale {cluster}/{service}: desired {} → {count} (running {}, pending {}).",
                    s.desired, s.running, s.pending
                )],
                format!("{cluster}/{service}"),
                Call::Scale {
                    cluster: cluster.clone(),
                    service: service.clone(),
                    count: count32,
                },
            )
        }
        Op::Weights { target, weights } => {
            let p = super::weights::plan(c, target, weights).await?;
            plan(p.summary, p.typed_name, p.call)
        }
        Op::Retry {
            pipeline,
            stage,
            mode,
        } => {
            let (p, _) = codepipeline::pipeline(c, pipeline).await?;
            let failed = p.stages.iter().find(|s| {
                stage.as_ref().is_none_or(|n| &s.name == n) && s.status == Some(StageStatus::Failed)
            });
            let Some(st) = failed else {
                return Err(gone(match stage {
                    Some(s) if !p.stages.iter().any(|x| &x.name == s) => {
                        format!("pipeline {pipeline} has no stage {s}")
                    }
                    Some(s) => format!("stage {s} of {pipeline} has not failed: nothing to retry"),
                    None => format!("no stage of {pipeline} has failed: nothing to retry"),
                }));
            };
            let execution = st
                .execution_id
                .clone()
                .ok_or_else(|| gone(format!("stage {} has no execution", st.name)))?;
            plan(
                vec![format!(
                    "Retry stage {} of {pipeline} ({}, execution {execution}).",
                    st.name,
                    if *mode == RetryMode::AllActions {
                        "all actions"
                    } else {
                        "failed actions"
                    }
                )],
                pipeline.clone(),
                Call::Retry {
                    pipeline: pipeline.clone(),
                    stage: st.name.clone(),
                    execution,
                    all: *mode == RetryMode::AllActions,
                },
            )
        }
        Op::Stop { .. } => super::pipelines::stop(c, op).await,
        Op::RollbackStage { .. } => super::pipelines::rollback_stage(c, op).await,
        Op::Start { pipeline } => {
            let (p, _) = codepipeline::pipeline(c, pipeline).await?;
            plan(
                vec![format!(
                    "Start a new execution of {} ({} stages).",
                    p.name,
                    p.stages.len()
                )],
                pipeline.clone(),
                Call::Start {
                    pipeline: pipeline.clone(),
                },
            )
        }
    }
}

async fn deployment_now(
    c: &Clients,
    id: &str,
) -> Result<crate::model::deploy::Deployment, OpError> {
    codedeploy::batch_deployments(c, &[id.to_owned()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| gone(format!("deployment {id} does not exist")))
}

/// The last successful revision of a group, to deploy again.
async fn redeploy(
    c: &Clients,
    application: &str,
    group: &str,
) -> Result<(Vec<String>, Call), OpError> {
    let groups = codedeploy::groups(c, application, &[group.to_owned()]).await?;
    let Some(g) = groups.into_iter().next() else {
        return Err(gone(format!(
            "deployment group {application}/{group} does not exist"
        )));
    };
    let Some(last) = g.last_successful_deployment.clone() else {
        return Err(gone(format!(
            "{application}/{group} has no successful deployment to deploy again"
        )));
    };
    if g.last_attempted_deployment
        .as_ref()
        .is_some_and(|a| *a != last)
    {
        let attempted = g.last_attempted_deployment.clone().unwrap_or_default();
        let d = deployment_now(c, &attempted).await?;
        if !d.status.is_terminal() {
            return Err(gone(format!(
                "{attempted} is still {} in {application}/{group}: stop it first",
                d.status
            )));
        }
    }
    // GetDeployment names an AppSpec by its sha256 only; its text comes from
    // GetApplicationRevision. An S3 revision is deployed again by reference.
    let d = deployment_now(c, &last).await?;
    let revision = match d.revision {
        Some(revision @ (Revision::AppSpec { .. } | Revision::S3 { .. })) => {
            revisions::complete(c, application, revision).await?
        }
        Some(Revision::Other { revision_type }) => {
            return Err(gone(format!(
                "{last} deployed a {revision_type} revision: cutover redeploys AppSpec and S3 revisions only"
            )));
        }
        None => {
            return Err(gone(format!("{last} has no revision to deploy again")));
        }
    };
    Ok((
        vec![format!(
            "Deploy {application}/{group} again with the revision of {last}: {}.",
            revision.describe()
        )],
        Call::Redeploy {
            application: application.to_owned(),
            group: group.to_owned(),
            revision,
            from: last,
        },
    ))
}

/// `payments-prod/ledger: 4/4 running · 4/4 targets healthy`, for a deployment group's service.
pub(super) async fn service_health(
    c: &Clients,
    application: &str,
    group: &str,
) -> Result<Option<String>, crate::aws::AwsError> {
    let Some(g) = codedeploy::groups(c, application, &[group.to_owned()])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let (Some(cluster), Some(service)) = (g.cluster.clone(), g.service.clone()) else {
        return Ok(None);
    };
    let Some(s) = ecs::describe_services(c, &cluster, std::slice::from_ref(&service))
        .await?
        .into_iter()
        .next()
    else {
        return Ok(Some(format!(
            "{cluster}/{service}: the service does not exist"
        )));
    };
    let mut line = format!("{cluster}/{service}: {}/{} running", s.running, s.desired);
    if let Some(tg) = s
        .load_balancers
        .iter()
        .find_map(|l| l.target_group_arn.clone())
    {
        let targets = elbv2::target_health(c, &tg).await?;
        let healthy = targets
            .iter()
            .filter(|t| t.state == crate::model::status::TargetHealthState::Healthy)
            .count();
        line.push_str(&format!(" · {healthy}/{} targets healthy", targets.len()));
        if let Some(bad) = targets
            .iter()
            .find(|t| t.state != crate::model::status::TargetHealthState::Healthy)
        {
            line.push_str(&format!(
                " ({} {})",
                bad.state,
                bad.reason.clone().unwrap_or_default()
            ));
        }
    }
    Ok(Some(line))
}

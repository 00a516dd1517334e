//! After a mutation's outcome is unknown (a 5xx, a timeout, a dropped connection), what its
//! target looks like now, in a line a person can act on: did the approval go through, is the
//! deployment still Ready, what is the desired count. It only reads; it must never send the
//! mutation again.

use crate::aws::{AwsError, Clients, codedeploy, codepipeline, ecs, elbv2};
use crate::model::status::ActionStatus;

use super::prepare::Call;

/// The target's state now, read fresh.
pub async fn now(c: &Clients, call: &Call) -> Result<String, AwsError> {
    match call {
        Call::Approval {
            pipeline,
            stage,
            action,
            ..
        } => {
            let (p, _) = codepipeline::pipeline(c, pipeline).await?;
            let run = p
                .stages
                .iter()
                .filter(|s| &s.name == stage)
                .flat_map(|s| &s.actions)
                .find(|a| &a.name == action)
                .and_then(|a| a.latest.as_ref());
            Ok(match run.map(|r| &r.status) {
                Some(ActionStatus::InProgress) => {
                    format!("{pipeline} {stage}/{action} still waits: it was not answered")
                }
                Some(ActionStatus::Succeeded) => {
                    format!("{pipeline} {stage}/{action} is approved")
                }
                Some(ActionStatus::Failed) => {
                    format!("{pipeline} {stage}/{action} is rejected")
                }
                Some(other) => format!("{pipeline} {stage}/{action} is {other}"),
                None => format!("{pipeline} {stage}/{action} has no run"),
            })
        }
        Call::ContinueReady { deployment }
        | Call::ContinueTermination { deployment }
        | Call::StopWithRollback { deployment } => {
            let found = codedeploy::deployments(c, std::slice::from_ref(deployment)).await?;
            let Some(d) = found.first() else {
                return Ok(format!("{deployment} does not exist"));
            };
            let mut line = format!("{deployment} is {}", d.status);
            if matches!(call, Call::ContinueTermination { .. }) && !d.status.is_terminal() {
                line.push_str(if d.termination_wait_started {
                    ", waiting to remove the original task set"
                } else {
                    ""
                });
            }
            if let Some(rollback) = &d.rolled_back_by {
                line.push_str(&format!("; rolled back by {rollback}"));
            }
            Ok(line)
        }
        Call::Redeploy {
            application, group, ..
        } => {
            let groups = codedeploy::groups(c, application, std::slice::from_ref(group)).await?;
            let Some(g) = groups.first() else {
                return Ok(format!("{application}/{group} does not exist"));
            };
            Ok(match &g.last_attempted_deployment {
                Some(id) => {
                    let status = codedeploy::deployments(c, std::slice::from_ref(id))
                        .await?
                        .first()
                        .map_or_else(|| "unknown".to_owned(), |d| d.status.to_string());
                    format!("the newest deployment of {application}/{group} is {id} ({status})")
                }
                None => format!("{application}/{group} has no deployment"),
            })
        }
        Call::Scale {
            cluster, service, ..
        } => {
            let found = ecs::describe_services(c, cluster, std::slice::from_ref(service)).await?;
            Ok(found.first().map_or_else(
                || format!("service {cluster}/{service} does not exist"),
                |s| {
                    format!(
                        "{cluster}/{service}: desired {}, running {}, pending {}",
                        s.desired, s.running, s.pending
                    )
                },
            ))
        }
        Call::Weights { target, .. } => {
            let rule = if target.contains(":listener-rule/") {
                elbv2::rules_by_arn(c, vec![target.clone()]).await?
            } else {
                elbv2::rules(c, target)
                    .await?
                    .into_iter()
                    .filter(|r| r.is_default)
                    .collect()
            };
            Ok(rule.first().map_or_else(
                || format!("{target} does not exist"),
                |r| {
                    let weights: Vec<String> = r
                        .forwards
                        .iter()
                        .map(|f| format!("{}={}", short(&f.target_group_arn), f.weight))
                        .collect();
                    format!("{target} forwards {}", weights.join(" "))
                },
            ))
        }
        Call::Retry { pipeline, .. }
        | Call::Stop { pipeline, .. }
        | Call::Start { pipeline }
        | Call::RollbackStage { pipeline, .. } => {
            let (p, _) = codepipeline::pipeline(c, pipeline).await?;
            Ok(p.executions.first().map_or_else(
                || format!("{pipeline} has no execution"),
                |e| {
                    format!(
                        "the newest execution of {pipeline} is {} ({})",
                        e.id, e.status
                    )
                },
            ))
        }
    }
}

/// `customer-tg-one` from a target group ARN.
fn short(arn: &str) -> &str {
    arn.split(":targetgroup/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(arn)
}

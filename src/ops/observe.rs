//! After a mutation's outcome is unknown (a 5xx, a timeout, a dropped connection), what its
//! target looks like now, in a line a person can act on: did the approval go through, is the
//! deployment still Ready, what is the desired count. It only reads; it must never send the
//! mutation again.

use crate::aws::{Clients, codedeploy, codepipeline, ecs};

use super::OpError;
use super::prepare::Call;

/// The target's state now, read fresh.
pub async fn now(c: &Clients, call: &Call) -> Result<String, OpError> {
    match call {
        Call::Approval {
            pipeline,
            stage,
            action,
            token,
            ..
        } => {
            // By its token: in PARALLEL mode several executions wait at one gate, and the
            // action's latest state may be another execution's.
            let (p, _) = codepipeline::pipeline(c, pipeline).await?;
            let waits = p.waiting_approvals().iter().any(|w| w.token == *token);
            Ok(if waits {
                format!("{pipeline} {stage}/{action} still waits: it was not answered")
            } else {
                format!(
                    "{pipeline} {stage}/{action} no longer waits for this answer: it was answered (by this call or another) or it timed out"
                )
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
        Call::Weights { target, .. } => match super::weights::current_forward(c, target).await {
            Ok(forwards) => {
                let weights: Vec<String> = forwards
                    .iter()
                    .map(|f| format!("{}={}", short(&f.target_group_arn), f.weight))
                    .collect();
                Ok(format!("{target} forwards {}", weights.join(" ")))
            }
            // The rule is gone: that is what was found.
            Err(OpError::Precondition(found)) => Ok(found),
            Err(error) => Err(error),
        },
        Call::Stop {
            pipeline,
            execution,
            ..
        } => {
            let (p, _) = codepipeline::pipeline(c, pipeline).await?;
            Ok(p.execution(execution).map_or_else(
                || format!("execution {execution} of {pipeline} is no longer among the newest"),
                |e| format!("execution {execution} of {pipeline} is {}", e.status),
            ))
        }
        Call::Retry { pipeline, .. }
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

//! Operator actions, safe by construction: each [`Op`] is validated before any call
//! ([`Op::validate`]), checked again against fresh state when it is confirmed
//! ([`prepare::prepare`]), written to the audit log before and after, sent once and never
//! retried blindly ([`execute::execute`]). It must not draw dialogs or read the terminal: the
//! console and the command line do that.

pub mod cli;
pub mod execute;
pub mod observe;
pub mod pipelines;
pub mod prepare;
pub mod scope;
pub mod weights;

use serde::Serialize;
use thiserror::Error;

use crate::aws::AwsError;

/// The longest approval comment CodePipeline takes.
pub const MAX_COMMENT: usize = 512;
/// ECS's default quota of tasks per service.
pub const MAX_TASKS: i64 = 5_000;
/// ELBv2's weight range and forward target group limit.
pub const MAX_WEIGHT: i64 = 999;
pub const MAX_FORWARD_GROUPS: usize = 5;
/// StopPipelineExecution's reason limit.
pub const MAX_STOP_REASON: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Reject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryMode {
    FailedActions,
    AllActions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopMode {
    /// Let running actions finish.
    Wait,
    Abandon,
}

/// One operator action, as asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Approve {
        pipeline: String,
        stage: Option<String>,
        action: Option<String>,
        /// The execution whose approval to answer: needed when several wait (PARALLEL mode).
        execution: Option<String>,
        comment: String,
        verdict: Verdict,
    },
    Reroute {
        deployment: String,
    },
    Finish {
        deployment: String,
    },
    Rollback {
        deployment: String,
    },
    Redeploy {
        application: String,
        group: String,
    },
    Scale {
        cluster: String,
        service: String,
        count: i64,
    },
    Weights {
        target: String,
        weights: Vec<(String, i64)>,
    },
    Retry {
        pipeline: String,
        stage: Option<String>,
        mode: RetryMode,
    },
    Stop {
        pipeline: String,
        /// The execution to stop: needed when several run in QUEUED or PARALLEL mode.
        execution: Option<String>,
        mode: StopMode,
        reason: String,
    },
    Start {
        pipeline: String,
    },
    /// Re-run a stage with what an earlier execution deployed (the one before the newest
    /// that succeeded there, unless `to` names one).
    RollbackStage {
        pipeline: String,
        stage: String,
        to: Option<String>,
    },
}

/// How an action is confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// A plain yes (`--yes`).
    Plain,
    /// The name of the target typed (`--confirm NAME`).
    Typed(String),
}

#[derive(Debug, Error)]
pub enum OpError {
    /// The input is wrong; nothing was sent.
    #[error("{0}")]
    Invalid(String),
    /// The world is not as the action needs it (checked on fresh state); nothing was sent.
    #[error("{0}")]
    Precondition(String),
    /// Refused by policy (read-only, no confirmation); nothing was sent.
    #[error("{0}")]
    Refused(String),
    /// The audit log could not be written; nothing was sent.
    #[error("cannot write the audit log, so nothing was sent: {0}")]
    Audit(String),
    /// AWS answered with an error.
    #[error(transparent)]
    Aws(Box<AwsError>),
    /// The call met a 5xx, a timeout or a dropped connection, so it may have taken effect;
    /// it was not sent again, and the message says what a fresh read found.
    #[error("{0}")]
    Unknown(String),
}

/// How a sent action ended, as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Done(String),
    /// Refused or failed: nothing changed.
    Failed(String),
    /// It may have taken effect; what a fresh read found.
    Unknown(String),
}

impl From<Result<String, OpError>> for Ended {
    fn from(result: Result<String, OpError>) -> Self {
        match result {
            Ok(message) => Self::Done(message),
            Err(OpError::Unknown(message)) => Self::Unknown(message),
            Err(error) => Self::Failed(error.to_string()),
        }
    }
}

/// Who acts, for the audit log: the clients' identity (read once) and where they point.
pub async fn who(c: &crate::aws::Clients) -> Result<crate::audit::Who, AwsError> {
    let identity = c.identity().await?;
    Ok(crate::audit::Who {
        source: c.source().with_account(Some(identity.account)),
        principal: Some(identity.principal),
    })
}

impl From<AwsError> for OpError {
    fn from(error: AwsError) -> Self {
        Self::Aws(Box::new(error))
    }
}

impl Op {
    /// The verb, as the audit log and the messages name it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Approve {
                verdict: Verdict::Approve,
                ..
            } => "approve",
            Self::Approve {
                verdict: Verdict::Reject,
                ..
            } => "reject",
            Self::Reroute { .. } => "reroute",
            Self::Finish { .. } => "finish",
            Self::Rollback { .. } => "rollback",
            Self::Redeploy { .. } => "redeploy",
            Self::Scale { .. } => "scale",
            Self::Weights { .. } => "weights",
            Self::Retry { .. } => "retry",
            Self::Stop { .. } => "stop",
            Self::Start { .. } => "start",
            Self::RollbackStage { .. } => "rollback-stage",
        }
    }

    /// What it acts on.
    pub fn target(&self) -> String {
        match self {
            Self::Approve { pipeline, .. }
            | Self::Retry { pipeline, .. }
            | Self::Stop { pipeline, .. }
            | Self::Start { pipeline }
            | Self::RollbackStage { pipeline, .. } => pipeline.clone(),
            Self::Reroute { deployment }
            | Self::Finish { deployment }
            | Self::Rollback { deployment } => deployment.clone(),
            Self::Redeploy { application, group } => format!("{application}/{group}"),
            Self::Scale {
                cluster, service, ..
            } => format!("{cluster}/{service}"),
            Self::Weights { target, .. } => target.clone(),
        }
    }

    /// Dangerous actions need the target's name typed; the others a plain yes. In a
    /// protected account every action needs the name typed. `typed_name` is the name a
    /// person types for this target (the deployment id, `application/group`, the pipeline,
    /// the load balancer).
    pub fn confirmation(&self, typed_name: &str, protected: bool) -> Confirm {
        let dangerous = matches!(
            self,
            Self::Finish { .. }
                | Self::Rollback { .. }
                | Self::Redeploy { .. }
                | Self::Weights { .. }
                | Self::Stop { .. }
                | Self::RollbackStage { .. }
        );
        if dangerous || protected {
            Confirm::Typed(typed_name.to_owned())
        } else {
            Confirm::Plain
        }
    }

    /// Checks the input alone, before anything is read or sent.
    pub fn validate(&self) -> Result<(), OpError> {
        let invalid = |m: String| Err(OpError::Invalid(m));
        let blank = |what: &str, value: &str| {
            value
                .trim()
                .is_empty()
                .then(|| OpError::Invalid(format!("{what} must not be empty")))
        };
        if let Some(e) = blank("the target", &self.target()) {
            return Err(e);
        }
        match self {
            Self::Approve {
                comment,
                stage,
                action,
                execution,
                ..
            } => {
                if comment.chars().count() > MAX_COMMENT {
                    return invalid(format!(
                        "the comment has {} characters; CodePipeline takes at most {MAX_COMMENT}",
                        comment.chars().count()
                    ));
                }
                if comment.trim().is_empty() {
                    return invalid("say why in a comment (--comment TEXT)".to_owned());
                }
                for (what, value) in [
                    ("--stage", stage),
                    ("--action", action),
                    ("--execution", execution),
                ] {
                    if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                        return invalid(format!("{what} must not be empty"));
                    }
                }
                Ok(())
            }
            Self::Reroute { deployment }
            | Self::Finish { deployment }
            | Self::Rollback { deployment } => {
                let well_formed = deployment.len() == 11
                    && deployment.starts_with("d-")
                    && deployment[2..]
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
                if well_formed {
                    Ok(())
                } else {
                    invalid(format!(
                        "'{deployment}' is not a deployment id (d- and nine letters or digits)"
                    ))
                }
            }
            Self::Redeploy { application, group } => match (
                blank("the application", application),
                blank("the deployment group", group),
            ) {
                (Some(e), _) | (None, Some(e)) => Err(e),
                (None, None) => Ok(()),
            },
            Self::Scale { count, .. } => {
                if *count < 0 {
                    invalid(format!("a desired count cannot be negative ({count})"))
                } else if *count > MAX_TASKS {
                    invalid(format!(
                        "{count} is above ECS's quota of {MAX_TASKS} tasks per service"
                    ))
                } else {
                    Ok(())
                }
            }
            Self::Weights { weights, .. } => validate_weights(weights),
            Self::Retry { stage, .. } => match stage {
                Some(s) if s.trim().is_empty() => invalid("--stage must not be empty".to_owned()),
                _ => Ok(()),
            },
            Self::Stop {
                reason, execution, ..
            } => {
                if execution.as_deref().is_some_and(|e| e.trim().is_empty()) {
                    invalid("--execution must not be empty".to_owned())
                } else if reason.chars().count() > MAX_STOP_REASON {
                    invalid(format!(
                        "the reason has {} characters; CodePipeline takes at most {MAX_STOP_REASON}",
                        reason.chars().count()
                    ))
                } else {
                    Ok(())
                }
            }
            Self::Start { .. } => Ok(()),
            Self::RollbackStage { stage, to, .. } => {
                if stage.trim().is_empty() || to.as_deref().is_some_and(|t| t.trim().is_empty()) {
                    invalid("--stage and --to must not be empty".to_owned())
                } else {
                    Ok(())
                }
            }
        }
    }
}

fn validate_weights(weights: &[(String, i64)]) -> Result<(), OpError> {
    let invalid = |m: String| Err(OpError::Invalid(m));
    if weights.is_empty() {
        return invalid("give at least one TARGET_GROUP=WEIGHT".to_owned());
    }
    if weights.len() > MAX_FORWARD_GROUPS {
        return invalid(format!(
            "a forward action takes at most {MAX_FORWARD_GROUPS} target groups, not {}",
            weights.len()
        ));
    }
    for (group, weight) in weights {
        if group.trim().is_empty() {
            return invalid("a target group name is empty".to_owned());
        }
        if !(0..=MAX_WEIGHT).contains(weight) {
            return invalid(format!(
                "the weight of {group} is {weight}; weights go from 0 to {MAX_WEIGHT}"
            ));
        }
    }
    let mut names: Vec<&str> = weights.iter().map(|(g, _)| g.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return invalid("a target group is named twice".to_owned());
    }
    // Whether all weights end up zero depends on the groups not named: checked on the
    // merged forward action when the action is planned (`weights::check`).
    Ok(())
}

/// Parses `TG=WEIGHT` pairs from the command line, with the reason a pair is wrong.
pub fn parse_weights(pairs: &[String]) -> Result<Vec<(String, i64)>, OpError> {
    pairs
        .iter()
        .map(|pair| {
            let (group, weight) = pair
                .split_once('=')
                .ok_or_else(|| OpError::Invalid(format!("'{pair}' is not TARGET_GROUP=WEIGHT")))?;
            let weight: i64 = weight.trim().parse().map_err(|_| {
                OpError::Invalid(format!("the weight in '{pair}' is not a whole number"))
            })?;
            Ok((group.trim().to_owned(), weight))
        })
        .collect()
}

#[cfg(test)]
mod tests;

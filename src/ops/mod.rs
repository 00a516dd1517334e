//! Operator actions, safe by construction: each [`Op`] is validated before any call
//! ([`Op::validate`]), checked again against fresh state when it is confirmed
//! ([`prepare::prepare`]), written to the audit log before and after, sent once and never
//! retried blindly ([`execute::execute`]). Each verb is a module of [`verbs`], listed once
//! in its registry. It must not draw dialogs or read the terminal: the console and the
//! command line do that.

pub mod cli;
pub mod execute;
pub mod prepare;
pub mod release;
pub mod scope;
pub mod verbs;

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

pub use verbs::approve::Verdict;
pub use verbs::retry::RetryMode;
pub use verbs::stop::StopMode;
pub use verbs::weights::parse_weights;
pub use verbs::{Call, Op};

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
        source_name: None,
    })
}

impl From<AwsError> for OpError {
    fn from(error: AwsError) -> Self {
        Self::Aws(Box::new(error))
    }
}

#[cfg(test)]
mod tests;

//! Sends a confirmed plan's one call, with an audit record before (requested) and after
//! (succeeded, failed, or unknown). A record that cannot be written stops the action before
//! the call. The call goes out once: the clients used for actions have the SDK's retries off
//! ([`crate::aws::Clients::without_retries`]). When its outcome is unknown (a 5xx, a timeout,
//! a dropped connection) nothing is resent: the target is read again and what was found is
//! told, and recorded.

use std::fmt::Write as _;

use crate::audit::{Audit, Phase, Record};
use crate::aws::Clients;

use super::OpError;
use super::prepare::Plan;

/// What a sent action did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub message: String,
    pub request_id: Option<String>,
}

/// What a person is told while an action runs, before its outcome.
pub type Progress<'a> = &'a (dyn Fn(&str) + Send + Sync);

pub async fn execute(
    c: &Clients,
    plan: &Plan,
    audit: &Audit,
    who: &crate::audit::Who,
    progress: Progress<'_>,
) -> Result<Outcome, OpError> {
    let parameters = serde_json::to_value(&plan.op).unwrap_or_default();
    let mut record = Record::new(who, plan.op.name(), &plan.op.target(), parameters);
    record.sent = serde_json::to_value(&plan.call).ok();
    audit
        .append(&record.phase(Phase::Requested))
        .map_err(|e| OpError::Audit(e.to_string()))?;
    let result = plan.call.send(c).await;
    let (done, unknown) = match &result {
        Ok(outcome) => (
            record
                .phase(Phase::Succeeded)
                .with_request(outcome.request_id.clone()),
            None,
        ),
        Err(error) if error.outcome_unknown() => {
            progress(&format!(
                "{} {}: the result is unknown ({}): cutover is reading the state again",
                plan.op.name(),
                plan.op.target(),
                error.code.as_deref().unwrap_or(error.kind.as_str())
            ));
            let found = match plan.call.observe(c).await {
                Ok(found) => found,
                Err(again) => {
                    format!("it could not be read again ({again}); check it before acting again")
                }
            };
            let mut record = record
                .phase(Phase::Unknown)
                .with_request(error.request_id.clone())
                .with_error(error.to_string());
            record.observed = Some(found.clone());
            (record, Some(found))
        }
        Err(error) => (
            record
                .phase(Phase::Failed)
                .with_request(error.request_id.clone())
                .with_error(error.to_string()),
            None,
        ),
    };
    // The call was made: a failure to record its outcome must not hide it.
    let recorded = audit.append(&done);
    let unrecorded = |message: &mut String| {
        if let Err(e) = &recorded {
            let _ = write!(
                message,
                " (but its outcome could not be written to the audit log: {e})"
            );
        }
    };
    match (result, unknown) {
        (Ok(mut outcome), _) => {
            unrecorded(&mut outcome.message);
            Ok(outcome)
        }
        (Err(error), Some(found)) => {
            let mut message = format!(
                "the result is unknown: {error}. It was not sent again; read again: {found}"
            );
            unrecorded(&mut message);
            Err(OpError::Unknown(message))
        }
        (Err(error), None) => Err(error.into()),
    }
}

//! Fault injection: latency, throttling with each service's real code, server errors,
//! AccessDenied for chosen operations, expired credentials, dropped connections. Set at
//! start from flags and changed at runtime through `/_sim/faults`. Its random draws use a
//! generator of their own, so faults never change the course of the world.

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::rng::Rng;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added to every AWS request (of `services` and `operations`, when they are set).
    pub latency_ms: u64,
    /// Up to this much more, drawn per request.
    pub jitter_ms: u64,
    /// Chance of a throttling error per request.
    pub throttle_rate: f64,
    /// Chance of a 5xx per request.
    pub error_rate: f64,
    /// Chance that the connection is dropped without an answer.
    pub drop_rate: f64,
    /// Chance that a request is carried out and its answer then lost (the connection is
    /// dropped after the world changed): the case where a caller cannot know the outcome.
    pub lost_answer_rate: f64,
    /// Operations answered with AccessDenied, as IAM actions: `ecs:DescribeServices`,
    /// `codedeploy:*`, or `*`.
    pub deny: Vec<String>,
    /// Every request fails with ExpiredTokenException.
    pub expired_credentials: bool,
    /// When not empty, rates and latency apply only to these services (`ecs`, `codedeploy`,
    /// `codepipeline`, `elasticloadbalancing`, `sts`): one slow service among quick ones.
    pub services: Vec<String>,
    /// When not empty, rates and latency apply only to these operations, named as IAM
    /// actions (`ecs:UpdateService`, `codepipeline:*`): a fault on one mutation while the
    /// reads around it still answer.
    pub operations: Vec<String>,
}

/// The most latency or jitter a request may be given: past the timeout of any client, more
/// is a hang, and the sum of the two must not overflow.
pub const MAX_LATENCY_MS: u64 = 3_600_000;

/// What a request meets instead of its answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    Error(ApiError),
    Drop,
    /// Carry the request out, then drop the connection.
    LoseAnswer,
}

impl Faults {
    pub fn validate(&self) -> Result<(), String> {
        for (name, millis) in [
            ("latency_ms", self.latency_ms),
            ("jitter_ms", self.jitter_ms),
        ] {
            if millis > MAX_LATENCY_MS {
                return Err(format!(
                    "{name} must be at most {MAX_LATENCY_MS} (an hour), not {millis}"
                ));
            }
        }
        for (name, rate) in [
            ("throttle_rate", self.throttle_rate),
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
            ("lost_answer_rate", self.lost_answer_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, not {rate}"));
            }
        }
        Ok(())
    }

    /// The latency of one request to `service:operation`: none outside `services` and
    /// `operations`.
    pub fn latency(&self, rng: &mut Rng, service: &str, operation: &str) -> u64 {
        if !self.applies(service, &format!("{service}:{operation}")) {
            0
        } else if self.jitter_ms == 0 {
            self.latency_ms
        } else {
            let jitter = i64::try_from(self.jitter_ms).unwrap_or(i64::MAX);
            self.latency_ms
                .saturating_add(rng.between(0, jitter).unsigned_abs())
        }
    }

    /// Decides the fault, if any, for one request to `service:operation`.
    pub fn decide(
        &self,
        rng: &mut Rng,
        service: &str,
        operation: &str,
        principal: &str,
    ) -> Option<Fault> {
        if self.expired_credentials {
            return Some(Fault::Error(expired(service)));
        }
        let action = format!("{service}:{operation}");
        let denied = self
            .deny
            .iter()
            .any(|d| d == "*" || *d == action || d.strip_suffix(":*") == Some(service));
        if denied {
            return Some(Fault::Error(access_denied(service, &action, principal)));
        }
        if !self.applies(service, &action) {
            return None;
        }
        if rng.chance(self.drop_rate) {
            return Some(Fault::Drop);
        }
        if rng.chance(self.lost_answer_rate) {
            return Some(Fault::LoseAnswer);
        }
        if rng.chance(self.throttle_rate) {
            return Some(Fault::Error(throttled(service)));
        }
        if rng.chance(self.error_rate) {
            return Some(Fault::Error(server_error(service)));
        }
        None
    }

    /// Whether the rates and the latency reach `action` (`service:Operation`).
    fn applies(&self, service: &str, action: &str) -> bool {
        (self.services.is_empty() || self.services.iter().any(|s| s == service))
            && (self.operations.is_empty()
                || self
                    .operations
                    .iter()
                    .any(|o| o == action || o.strip_suffix(":*") == Some(service)))
    }
}

fn is_query(service: &str) -> bool {
    matches!(service, "elasticloadbalancing" | "sts")
}

pub fn throttled(service: &str) -> ApiError {
    let code = if is_query(service) {
        "Throttling"
    } else {
        "ThrottlingException"
    };
    ApiError::new(code, "Rate exceeded")
}

pub fn server_error(service: &str) -> ApiError {
    let code = if service == "ecs" {
        "ServerException"
    } else {
        "InternalFailure"
    };
    ApiError::new(code, "We encountered an internal error. Please try again.").with_status(500)
}

pub fn access_denied(service: &str, action: &str, principal: &str) -> ApiError {
    let code = if is_query(service) {
        "AccessDenied"
    } else {
        "AccessDeniedException"
    };
    let status = if is_query(service) { 403 } else { 400 };
    ApiError::new(
        code,
        format!("User: {principal} is not authorized to perform: {action} because no identity-based policy allows the {action} action"),
    )
    .with_status(status)
}

pub fn expired(service: &str) -> ApiError {
    let (code, status) = if is_query(service) {
        ("ExpiredToken", 403)
    } else {
        ("ExpiredTokenException", 400)
    };
    ApiError::new(
        code,
        "The security token included in the request is expired",
    )
    .with_status(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_past_an_hour_is_refused_and_never_overflows() {
        // `--jitter-ms 9223372036854775807` (or the same through `/_sim/faults`) made the
        // first request panic in `Rng::between` and dropped its connection.
        for (latency_ms, jitter_ms) in [(0, i64::MAX as u64), (u64::MAX, 0), (u64::MAX, u64::MAX)] {
            let faults = Faults {
                latency_ms,
                jitter_ms,
                ..Faults::default()
            };
            let error = faults.validate().expect_err("refused");
            assert!(error.contains("at most 3600000"), "{error}");
            let mut rng = Rng::new(1);
            assert!(faults.latency(&mut rng, "ecs", "ListClusters") >= latency_ms);
        }
        let hour = Faults {
            latency_ms: MAX_LATENCY_MS,
            jitter_ms: MAX_LATENCY_MS,
            ..Faults::default()
        };
        assert_eq!(hour.validate(), Ok(()));
    }

    #[test]
    fn each_service_is_throttled_with_its_own_code() {
        assert_eq!(throttled("elasticloadbalancing").code, "Throttling");
        assert_eq!(throttled("ecs").code, "ThrottlingException");
    }

    #[test]
    fn deny_matches_one_action_or_a_whole_service() {
        let mut rng = Rng::new(1);
        let faults = Faults {
            deny: vec!["ecs:DescribeServices".into(), "codedeploy:*".into()],
            ..Faults::default()
        };
        assert!(
            faults
                .decide(&mut rng, "ecs", "DescribeServices", "p")
                .is_some()
        );
        assert!(
            faults
                .decide(&mut rng, "ecs", "ListServices", "p")
                .is_none()
        );
        assert!(
            faults
                .decide(&mut rng, "codedeploy", "GetDeployment", "p")
                .is_some()
        );
    }

    #[test]
    fn rates_can_be_kept_to_one_operation() {
        let mut rng = Rng::new(1);
        let faults = Faults {
            error_rate: 1.0,
            operations: vec!["ecs:UpdateService".into()],
            ..Faults::default()
        };
        assert!(
            faults
                .decide(&mut rng, "ecs", "UpdateService", "p")
                .is_some()
        );
        assert!(
            faults
                .decide(&mut rng, "ecs", "DescribeServices", "p")
                .is_none()
        );
    }

    #[test]
    fn latency_can_be_kept_to_one_service() {
        let mut rng = Rng::new(1);
        let faults = Faults {
            latency_ms: 2_000,
            services: vec!["codepipeline".into()],
            ..Faults::default()
        };
        assert_eq!(
            faults.latency(&mut rng, "codepipeline", "GetPipelineState"),
            2_000
        );
        assert_eq!(faults.latency(&mut rng, "ecs", "DescribeServices"), 0);
        let everywhere = Faults {
            latency_ms: 2_000,
            ..Faults::default()
        };
        assert_eq!(
            everywhere.latency(&mut rng, "ecs", "DescribeServices"),
            2_000
        );
    }

    #[test]
    fn rates_outside_zero_to_one_are_refused() {
        let faults = Faults {
            throttle_rate: 1.5,
            ..Faults::default()
        };
        assert!(faults.validate().is_err());
    }
}

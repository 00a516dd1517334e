//! AWS errors classified so that a person can act on them: throttled, access denied (with the
//! IAM action), not found, expired or missing credentials (with the fix), network, timeout,
//! or another service error with its code, message and request id. It must not decide what
//! the screen does with them.

use std::error::Error as StdError;

use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use thiserror::Error;

use crate::model::Gap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Throttled,
    AccessDenied,
    NotFound,
    ExpiredCredentials,
    NoCredentials,
    Network,
    Timeout,
    Service,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Throttled => "throttled",
            Self::AccessDenied => "access_denied",
            Self::NotFound => "not_found",
            Self::ExpiredCredentials => "expired_credentials",
            Self::NoCredentials => "no_credentials",
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::Service => "service",
        }
    }
}

#[derive(Debug, Clone, Error)]
#[error("{}", self.describe())]
pub struct AwsError {
    /// The IAM service prefix: `ecs`, `codedeploy`, `codepipeline`, `elasticloadbalancing`, `sts`.
    pub service: &'static str,
    pub operation: &'static str,
    pub target: Option<String>,
    pub kind: ErrorKind,
    pub code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
    /// The HTTP status of the answer, when one came.
    pub status: Option<u16>,
    /// The profile in use, for the re-login hint.
    pub profile: Option<String>,
}

/// The codes AWS throttles with (aws-apis.md section 6): ECS, CodeDeploy and CodePipeline
/// `ThrottlingException`, ELBv2 `Throttling` and `PriorRequestNotComplete`, and the other
/// services' spellings. `LimitExceededException` is not one, though the SDK retries it: it
/// means a quota was reached, which waiting does not cure.
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "PriorRequestNotComplete",
    "RequestThrottled",
    "SlowDown",
];
const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
];
const EXPIRED: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "TokenRefreshRequired",
];

impl AwsError {
    /// Classifies what an SDK call returned.
    pub fn from_sdk<E>(
        service: &'static str,
        operation: &'static str,
        error: &SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        let mut out = Self {
            service,
            operation,
            target: None,
            kind: ErrorKind::Service,
            code: None,
            message: String::new(),
            request_id: None,
            status: None,
            profile: None,
        };
        match error {
            SdkError::ServiceError(context) => {
                out.status = Some(context.raw().status().as_u16());
                let err = context.err();
                let code = err.code().unwrap_or("Unknown").to_owned();
                out.message = err.message().unwrap_or("").to_owned();
                out.request_id = err.meta().extra("aws_request_id").map(str::to_owned);
                out.kind = if is_throttle(out.status, Some(&code)) {
                    ErrorKind::Throttled
                } else {
                    classify_code(&code)
                };
                out.code = Some(code);
            }
            SdkError::TimeoutError(_) => {
                out.kind = ErrorKind::Timeout;
                out.message = "the request timed out".to_owned();
            }
            SdkError::ResponseError(context) => {
                // The service answered, but not in a form its model allows (an HTML error
                // page from a proxy, an endpoint that does not serve the operation).
                let status = context.raw().status().as_u16();
                out.status = Some(status);
                out.kind = if is_throttle(Some(status), None) {
                    ErrorKind::Throttled
                } else {
                    ErrorKind::Service
                };
                out.code = Some(format!("HTTP {status}"));
                out.message = format!("the answer could not be read: {}", chain(error));
            }
            other => {
                let chain = chain(other);
                out.message = chain.clone();
                let lower = chain.to_lowercase();
                out.kind = if lower.contains("credential")
                    || lower.contains("no token")
                    || lower.contains("sso")
                {
                    if lower.contains("expired") {
                        ErrorKind::ExpiredCredentials
                    } else {
                        ErrorKind::NoCredentials
                    }
                } else if lower.contains("timed out") || lower.contains("timeout") {
                    ErrorKind::Timeout
                } else {
                    ErrorKind::Network
                };
            }
        }
        out
    }

    /// An error found before anything was sent (a request that could not be built).
    pub fn local(service: &'static str, operation: &'static str, message: &str) -> Self {
        Self {
            service,
            operation,
            target: None,
            kind: ErrorKind::Service,
            code: None,
            message: message.to_owned(),
            request_id: None,
            status: None,
            profile: None,
        }
    }

    /// Whether a mutation that met this error may have taken effect all the same: the
    /// service failed inside (a 5xx), or no answer came (a timeout, a connection dropped
    /// after the request went out). Such a call is never sent again blindly; the caller reads
    /// the state to learn what happened. A 4xx is a definite no.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self.kind, ErrorKind::Timeout | ErrorKind::Network)
            || self.status.is_some_and(|s| s >= 500)
    }

    pub fn on(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    pub fn with_profile(mut self, profile: Option<&str>) -> Self {
        self.profile = profile.map(str::to_owned);
        self
    }

    /// The IAM action the call needs, e.g. `ecs:DescribeServices`.
    pub fn iam_action(&self) -> String {
        format!("{}:{}", self.service, self.operation)
    }

    /// What to do about it, when there is something a person can do.
    pub fn hint(&self) -> Option<String> {
        let profile = self.profile.as_deref();
        match self.kind {
            ErrorKind::AccessDenied => Some(format!("allow {} for this principal (see assets/iam/cutover-read-only.json)", self.iam_action())),
            ErrorKind::ExpiredCredentials => Some(match profile {
                Some(p) => format!("the session expired: run `aws sso login --profile {p}` (or renew the profile's credentials)"),
                None => "the session expired: run `aws sso login` or renew the credentials in the environment".to_owned(),
            }),
            ErrorKind::NoCredentials => Some(match profile {
                Some(p) => format!("no credentials for profile {p}: check ~/.aws/config, or run `aws sso login --profile {p}`"),
                None => "no AWS credentials found: set AWS_PROFILE or pass --profile, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY".to_owned(),
            }),
            ErrorKind::Throttled => Some(format!("{} is throttling this account; cutover slows down and retries later", self.service)),
            ErrorKind::Network => Some("check the network, the region and any --endpoint-url".to_owned()),
            ErrorKind::Timeout => Some("the service did not answer in time; it will be asked again".to_owned()),
            ErrorKind::NotFound | ErrorKind::Service => None,
        }
    }

    fn describe(&self) -> String {
        let on = self
            .target
            .as_ref()
            .map_or_else(String::new, |t| format!(" on {t}"));
        let code = self
            .code
            .as_ref()
            .map_or_else(String::new, |c| format!("{c}: "));
        let id = self
            .request_id
            .as_ref()
            .map_or_else(String::new, |r| format!(" (request {r})"));
        let hint = self.hint().map_or_else(String::new, |h| format!(" — {h}"));
        format!(
            "{} {}{on} failed: {code}{}{id}{hint}",
            self.service, self.operation, self.message
        )
    }

    pub fn to_gap(&self) -> Gap {
        Gap {
            service: self.service.to_owned(),
            operation: self.operation.to_owned(),
            target: self.target.clone(),
            kind: self.kind.as_str().to_owned(),
            code: self.code.clone(),
            message: self.message.clone(),
            request_id: self.request_id.clone(),
            hint: self.hint(),
        }
    }

    /// Errors after which nothing else will work either: the snapshot cannot be taken.
    /// Credentials sign every call to every service. A network error is not one of them:
    /// it may concern one service's endpoint (`AWS_ENDPOINT_URL_<SERVICE>`, a VPC endpoint,
    /// a proxy rule), and when it concerns them all nothing is read, which fails anyway.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::ExpiredCredentials | ErrorKind::NoCredentials
        )
    }
}

/// Whether an answer is AWS saying slow down: a throttling code, or HTTP 429 (Too Many
/// Requests) whatever its code. The one test of a throttle: the classification of errors
/// here and the budgets' interceptor (`throttles`) both ask it.
pub fn is_throttle(status: Option<u16>, code: Option<&str>) -> bool {
    status == Some(429) || code.is_some_and(|c| THROTTLING.contains(&c))
}

pub fn classify_code(code: &str) -> ErrorKind {
    if THROTTLING.contains(&code) {
        ErrorKind::Throttled
    } else if DENIED.contains(&code) {
        ErrorKind::AccessDenied
    } else if EXPIRED.contains(&code) {
        ErrorKind::ExpiredCredentials
    } else if code.contains("NotFound") || code.contains("DoesNotExist") {
        ErrorKind::NotFound
    } else {
        ErrorKind::Service
    }
}

/// The error and its sources, joined, so that the root cause is visible.
fn chain(error: &dyn StdError) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified_the_way_a_person_needs_them() {
        assert_eq!(classify_code("Throttling"), ErrorKind::Throttled);
        assert_eq!(classify_code("ThrottlingException"), ErrorKind::Throttled);
        assert_eq!(
            classify_code("AccessDeniedException"),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            classify_code("ExpiredTokenException"),
            ErrorKind::ExpiredCredentials
        );
        assert_eq!(
            classify_code("DeploymentDoesNotExistException"),
            ErrorKind::NotFound
        );
        assert_eq!(classify_code("TargetGroupNotFound"), ErrorKind::NotFound);
        assert_eq!(
            classify_code("InvalidParameterException"),
            ErrorKind::Service
        );
    }

    #[test]
    fn an_expired_session_names_the_login_command() {
        let error = AwsError {
            service: "ecs",
            operation: "DescribeServices",
            target: None,
            kind: ErrorKind::ExpiredCredentials,
            code: Some("ExpiredTokenException".into()),
            message: "expired".into(),
            request_id: None,
            status: Some(400),
            profile: Some("prod".into()),
        };
        assert!(
            error
                .hint()
                .is_some_and(|h| h.contains("aws sso login --profile prod"))
        );
        assert!(error.to_string().contains("ecs DescribeServices"));
    }
}

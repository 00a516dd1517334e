//! Where the budgets learn of throttles: an interceptor on each read client that looks at
//! every attempt's answer. The reads keep the SDK's standard retries, so a throttle the SDK
//! retried never reaches `Clients::error`; seen here, each one slows its service's budget.
//! The same hook makes every retry the SDK sends on its own pay a token. Only the status of
//! a success is looked at; of an error, its code. It must not change a request or an answer.

use std::sync::Arc;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde::Deserialize;

use super::budget::Budget;
use super::error::is_throttle;

pub(crate) const NAME: &str = "cutover::Throttles";

/// Tells one service's budget of its throttles and of the SDK's retries.
#[derive(Debug, Clone)]
pub(crate) struct Throttles(pub(crate) Arc<Budget>);

impl Intercept for Throttles {
    fn name(&self) -> &'static str {
        NAME
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The first attempt took its token in `Limited::slot`. A retry cannot wait here (the
        // hook is not async), so it is sent and paid for by the calls after it.
        if cfg
            .load::<RequestAttempts>()
            .is_some_and(|attempts| attempts.attempts() > 1)
        {
            self.0.spend();
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context.response().is_some_and(throttled) {
            self.0.throttled();
        }
        Ok(())
    }
}

/// Whether an answer says slow down. By the time an attempt ends, the SDK has read the body
/// of any answer that is not streamed (all the calls here), so it is there to look at.
pub fn throttled(response: &HttpResponse) -> bool {
    let status = response.status().as_u16();
    if status < 400 {
        return false;
    }
    let code = error_code(
        response.headers().get("x-amzn-errortype"),
        response.body().bytes(),
    );
    is_throttle(Some(status), code.as_deref())
}

/// `{"__type": …}` or `{"code": …}`: the error body of the JSON protocols.
#[derive(Deserialize)]
struct JsonError {
    code: Option<String>,
    #[serde(rename = "__type")]
    kind: Option<String>,
}

/// An error's code, found where the SDK finds it: the `X-Amzn-ErrorType` header, else the
/// JSON body's `code` or `__type` (awsJson1_1: ECS, CodeDeploy, CodePipeline), else the XML
/// body's `<Code>` (awsQuery: ELBv2); without a namespace before `#` or a URL after `:`.
fn error_code(header: Option<&str>, body: Option<&[u8]>) -> Option<String> {
    let code = match (header, body) {
        (Some(header), _) => header.to_owned(),
        (None, Some(body)) => match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => {
                let error: JsonError = serde_json::from_slice(body).ok()?;
                error.code.or(error.kind)?
            }
            Some(b'<') => {
                let text = std::str::from_utf8(body).ok()?;
                let start = text.find("<Code>")? + "<Code>".len();
                let end = start + text[start..].find("</Code>")?;
                text[start..end].to_owned()
            }
            _ => return None,
        },
        (None, None) => return None,
    };
    let code = code.rsplit('#').next().unwrap_or_default();
    let code = code.split(':').next().unwrap_or_default().trim();
    Some(code.to_owned())
}

#[cfg(test)]
mod tests {
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        let mut response = HttpResponse::new(
            StatusCode::try_from(status).expect("status"),
            SdkBody::from(body.to_owned()),
        );
        for (name, value) in headers {
            response
                .headers_mut()
                .insert((*name).to_owned(), (*value).to_owned());
        }
        response
    }

    #[test]
    fn each_services_throttle_is_seen_in_its_own_wire_form() {
        // ELBv2 (awsQuery): `Throttling`, HTTP 400, in the XML error
        // (aws-apis.md sections 5.6 and 6.1).
        let elb = "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>";
        assert!(throttled(&answer(400, &[], elb)));
        // ECS, CodeDeploy, CodePipeline (awsJson1_1): `ThrottlingException` in `__type`
        // (aws-apis.md sections 6.1 and 7), or in the `X-Amzn-ErrorType` header with a URL.
        let json = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
        assert!(throttled(&answer(400, &[], json)));
        assert!(throttled(&answer(
            400,
            &[(
                "x-amzn-ErrorType",
                "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/"
            )],
            "{}"
        )));
        assert!(throttled(&answer(
            400,
            &[],
            r#"{"__type":"com.amazonaws.ecs#ThrottlingException"}"#
        )));
        // ELBv2's colliding mutations, and a bare 429 whatever it says.
        let prior = elb.replace("Throttling", "PriorRequestNotComplete");
        assert!(throttled(&answer(429, &[], &prior)));
        assert!(throttled(&answer(
            429,
            &[],
            "<html>Too Many Requests</html>"
        )));
    }

    #[test]
    fn other_answers_are_not_throttles() {
        let denied = r#"{"__type":"AccessDeniedException","message":"no"}"#;
        assert!(!throttled(&answer(400, &[], denied)));
        let quota = r#"{"__type":"LimitExceededException","message":"quota"}"#;
        assert!(!throttled(&answer(400, &[], quota)));
        let failure = r#"{"__type":"ServerException","message":"oops"}"#;
        assert!(!throttled(&answer(500, &[], failure)));
        // A success is never read, whatever it holds.
        assert!(!throttled(&answer(200, &[], "<Code>Throttling</Code>")));
        assert!(!throttled(&answer(400, &[], "not an error body")));
    }
}

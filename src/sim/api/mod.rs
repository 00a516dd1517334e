//! The AWS operations the simulator serves, one module per service. Each reads its input,
//! validates it the way the service does, asks the world or the engine, and shapes the answer
//! the way the service's model says. It must not touch sockets or the clock.

pub mod codedeploy;
pub mod codepipeline;
pub mod ecs;
pub mod elbv2;
pub mod sts;

use serde_json::Value;

use super::error::{ApiError, ApiResult};
use super::wire::query::Params;
use super::world::World;

/// What an operation answers with, before the protocol wraps it.
pub enum Answer {
    Json(Value),
    /// JSON already written, for answers too hot to build as a `Value`.
    JsonBytes(Vec<u8>),
    /// The inside of `<OpResult>`.
    Xml(String),
}

pub fn dispatch(
    world: &mut World,
    service: &str,
    operation: &str,
    body: &[u8],
    params: Option<&Params>,
) -> ApiResult<Answer> {
    match (service, params) {
        ("elasticloadbalancing", Some(params)) => {
            elbv2::handle(world, operation, params).map(Answer::Xml)
        }
        ("sts", Some(params)) => sts::handle(world, operation, params).map(Answer::Xml),
        ("codedeploy", None) => codedeploy::handle(world, operation, body).map(Answer::Json),
        ("ecs", None) => ecs::handle(world, operation, body),
        ("codepipeline", None) => codepipeline::handle(world, operation, body).map(Answer::Json),
        _ => Err(ApiError::new(
            "UnknownOperationException",
            format!("{service} does not serve {operation} this way"),
        )),
    }
}

/// The XML namespace of a query service's answers.
pub fn namespace(service: &str) -> &'static str {
    match service {
        "sts" => "https://sts.amazonaws.com/doc/2011-06-15/",
        _ => "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
    }
}

pub fn unknown_operation(service: &str, operation: &str) -> ApiError {
    ApiError::new(
        "UnknownOperationException",
        format!("The simulator's {service} does not serve {operation}"),
    )
}

/// Adds `nextToken` to a JSON answer when there is a next page (and only then: the last
/// page carries none).
pub fn with_token(mut value: Value, next: Option<String>) -> Value {
    if let (Some(token), Some(map)) = (next, value.as_object_mut()) {
        map.insert("nextToken".to_owned(), serde_json::json!(token));
    }
    value
}

/// Epoch seconds, as the JSON protocols send timestamps.
pub fn ts(millis: i64) -> Value {
    serde_json::json!(super::clock::epoch_seconds(millis))
}

//! The HTTP front of the simulator: routes `POST /` on `X-Amz-Target` (JSON services) or the
//! `Action` form field (query services), applies faults, advances the world to the clock's
//! now, answers, and logs the request. `/_sim/` goes to the control surface. It must not
//! hold the world lock across an await.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::error::ApiError;
use super::faults::Fault;
use super::wire::{json, query};
use super::{Shared, api, control};

/// Requests larger than this are refused: no AWS call the simulator serves comes near it.
const MAX_BODY: usize = 8 * 1024 * 1024;

pub type Body = Full<Bytes>;

/// The answer to a request, or a dropped connection (a fault).
pub struct Dropped;

impl std::fmt::Debug for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until `shutdown` resolves.
pub async fn serve(
    shared: Arc<Shared>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let ticker = tokio::spawn(tick_in_background(Arc::clone(&shared)));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let shared = Arc::clone(&shared);
                        async move { handle(shared, request, peer).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
    ticker.abort();
}

/// Keeps the world close to the clock even when nobody asks, so that a long quiet spell does
/// not make the next request pay for every tick at once.
async fn tick_in_background(shared: Arc<Shared>) {
    let mut interval = tokio::time::interval(Duration::from_millis(200));
    loop {
        interval.tick().await;
        shared.catch_up();
    }
}

/// The service function: one HTTP request in, its answer out (or a dropped connection, a
/// fault). Generic over the body so that tests drive it in-process, without a socket.
pub async fn handle<B>(
    shared: Arc<Shared>,
    request: Request<B>,
    peer: SocketAddr,
) -> Result<Response<Body>, Dropped>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let path = request.uri().path().to_owned();
    if path.starts_with("/_sim/") || path == "/_sim" {
        return Ok(handle_control(&shared, request, peer, &path).await);
    }
    if request.method() != Method::POST || path != "/" {
        return Ok(plain(
            StatusCode::NOT_FOUND,
            "AWS operations are served on POST /",
        ));
    }
    let target = header(&request, "x-amz-target");
    let body = match read_body(request).await {
        Ok(body) => body,
        Err(response) => return Ok(response),
    };
    let call = match target {
        Some(target) => Call::json(&target),
        None => Call::query(&body),
    };
    let Some(call) = call else {
        let error = ApiError::new(
            "UnknownOperationException",
            "The request names no operation this endpoint serves",
        );
        return Ok(json_error(&error, &shared.request_id()));
    };
    answer(&shared, &call, &body).await
}

/// Hands a `/_sim/` request to the control surface, for loopback clients only.
async fn handle_control<B>(
    shared: &Shared,
    request: Request<B>,
    peer: SocketAddr,
    path: &str,
) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if !peer.ip().is_loopback() {
        return plain(
            StatusCode::FORBIDDEN,
            "the control surface answers loopback clients only",
        );
    }
    let method = request.method().clone();
    let query_string = request.uri().query().unwrap_or("").to_owned();
    let body = match read_body(request).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    control::handle(shared, &method, path, &query_string, &body)
}

/// Carries out one AWS call under whatever fault is decided for it, logs it and answers it.
async fn answer(shared: &Shared, call: &Call, body: &[u8]) -> Result<Response<Body>, Dropped> {
    let principal = shared.principal();
    let (latency, fault) = shared.decide_fault(&call.service, &call.operation, &principal);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let request_id = shared.request_id();
    let outcome = carry_out(shared, call, body, fault)?;
    let (status, error_code) = match &outcome {
        Ok(_) => (200, None),
        Err(e) => (e.status, Some(e.code.clone())),
    };
    shared.log((&call.service, &call.operation, body), status, error_code);
    let mut response = render(outcome, call, &request_id);
    if let Ok(date) = HeaderValue::from_str(&super::clock::http_date(shared.clock().now())) {
        response.headers_mut().insert(hyper::header::DATE, date);
    }
    Ok(response)
}

/// Runs the call against the world unless the fault says otherwise. A dropped connection or a
/// lost answer is logged here, since no response follows it.
fn carry_out(
    shared: &Shared,
    call: &Call,
    body: &[u8],
    fault: Option<Fault>,
) -> Result<Result<api::Answer, ApiError>, Dropped> {
    let dispatch = || {
        shared.with_world(|world| {
            api::dispatch(
                world,
                &call.service,
                &call.operation,
                body,
                call.params.as_ref(),
            )
        })
    };
    match fault {
        Some(Fault::Drop) => {
            shared.log(
                (&call.service, &call.operation, body),
                0,
                Some("DroppedConnection".to_owned()),
            );
            Err(Dropped)
        }
        Some(Fault::Error(error)) => Ok(Err(error)),
        Some(Fault::LoseAnswer) => {
            let done = dispatch();
            let status = done.as_ref().map_or_else(|e| e.status, |_| 200);
            shared.log(
                (&call.service, &call.operation, body),
                status,
                Some("AnswerLost".to_owned()),
            );
            Err(Dropped)
        }
        None => Ok(dispatch()),
    }
}

/// The HTTP response for an outcome, in the call's protocol (JSON, or query's XML).
fn render(outcome: Result<api::Answer, ApiError>, call: &Call, request_id: &str) -> Response<Body> {
    match (outcome, call.params.is_some()) {
        (Ok(api::Answer::Json(value)), _) => respond(
            StatusCode::OK,
            json::CONTENT_TYPE,
            value.to_string().into_bytes(),
            request_id,
        ),
        (Ok(api::Answer::JsonBytes(bytes)), _) => {
            respond(StatusCode::OK, json::CONTENT_TYPE, bytes, request_id)
        }
        (Ok(api::Answer::Xml(result)), _) => {
            let document = query::response(
                &call.operation,
                api::namespace(&call.service),
                &result,
                request_id,
            );
            respond(
                StatusCode::OK,
                query::CONTENT_TYPE,
                document.into_bytes(),
                request_id,
            )
        }
        (Err(error), true) => {
            let document = query::error_body(&error, api::namespace(&call.service), request_id);
            respond(
                status_of(&error),
                query::CONTENT_TYPE,
                document.into_bytes(),
                request_id,
            )
        }
        (Err(error), false) => json_error(&error, request_id),
    }
}

/// One AWS operation named by a request.
struct Call {
    service: String,
    operation: String,
    /// Form parameters, for the query protocol.
    params: Option<query::Params>,
}

impl Call {
    fn json(target: &str) -> Option<Self> {
        let (prefix, operation) = target.split_once('.')?;
        let service = match prefix {
            "CodePipeline_20150709" => "codepipeline",
            "CodeDeploy_20141006" => "codedeploy",
            "AmazonEC2ContainerServiceV20141113" => "ecs",
            _ => return None,
        };
        Some(Self {
            service: service.to_owned(),
            operation: operation.to_owned(),
            params: None,
        })
    }

    fn query(body: &[u8]) -> Option<Self> {
        let params = query::Params::parse(body);
        let operation = params.get("Action")?.to_owned();
        let service = match params.get("Version") {
            Some("2011-06-15") => "sts",
            Some("2015-12-01") => "elasticloadbalancing",
            _ if operation == "GetCallerIdentity" => "sts",
            _ => "elasticloadbalancing",
        };
        Some(Self {
            service: service.to_owned(),
            operation,
            params: Some(params),
        })
    }
}

fn header<B>(request: &Request<B>, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn read_body<B>(request: Request<B>) -> Result<Bytes, Response<Body>>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(_) => Err(plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large or unreadable",
        )),
    }
}

fn status_of(error: &ApiError) -> StatusCode {
    StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST)
}

fn json_error(error: &ApiError, request_id: &str) -> Response<Body> {
    respond(
        status_of(error),
        json::CONTENT_TYPE,
        json::error_body(error),
        request_id,
    )
}

fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
    request_id: &str,
) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

pub fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(format!("{text}\n"))));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

pub fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

//! The control surface under `/_sim/`, outside the AWS APIs and for loopback clients only:
//! the clock, the request log, faults, scenario events, reset, invariants and a state
//! summary. Documented in `docs/simulator.md`. It must not be reachable through an AWS
//! operation.

use hyper::body::Bytes;
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::Shared;
use super::clock::{epoch_seconds, iso8601};
use super::engine::{autopilot, deploy, pipeline};
use super::faults::Faults;
use super::server::{Body, json_response, plain};
use super::world::World;
use super::world::codedeploy::LifecycleEventName;
use super::world::elb::HealthFailure;
use super::world::native::HookStage;

pub fn handle(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    body: &Bytes,
) -> Response<Body> {
    let route = path.trim_end_matches('/');
    match (method, route) {
        (&Method::GET, "/_sim/health") => json_response(StatusCode::OK, &json!({"ok": true})),
        (&Method::GET, "/_sim/clock") => clock(shared),
        (&Method::POST, "/_sim/clock/advance") => advance(shared, body),
        (&Method::GET, "/_sim/requests") => requests(shared, query),
        (&Method::DELETE, "/_sim/requests") => {
            shared.request_log().clear();
            json_response(StatusCode::OK, &json!({"cleared": true}))
        }
        (&Method::GET, "/_sim/faults") => {
            json_response(StatusCode::OK, &faults_json(&shared.faults()))
        }
        (&Method::POST | &Method::PUT, "/_sim/faults") => set_faults(shared, body),
        (&Method::POST, "/_sim/scenario") => scenario(shared, body),
        (&Method::POST, "/_sim/reset") => {
            shared.reset();
            json_response(StatusCode::OK, &json!({"reset": true}))
        }
        (&Method::GET, "/_sim/invariants") => {
            let violations = shared.with_world(|w| w.check_invariants());
            json_response(StatusCode::OK, &json!({"violations": violations}))
        }
        (&Method::GET, "/_sim/state") => {
            let state = shared.with_world(|w| summary(w));
            json_response(StatusCode::OK, &state)
        }
        _ => plain(
            StatusCode::NOT_FOUND,
            "unknown control route; see docs/simulator.md",
        ),
    }
}

fn bad_request(message: impl Into<String>) -> Response<Body> {
    json_response(StatusCode::BAD_REQUEST, &json!({"error": message.into()}))
}

fn clock(shared: &Shared) -> Response<Body> {
    let now = shared.with_world(|w| w.now);
    json_response(
        StatusCode::OK,
        &json!({
            "now": epoch_seconds(now),
            "iso": iso8601(now),
            "manual": shared.clock().is_manual(),
            "speed": shared.clock().speed(),
        }),
    )
}

fn parse_body(body: &Bytes) -> Result<Value, Box<Response<Body>>> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| Box::new(bad_request(format!("the body is not valid JSON: {e}"))))
}

fn advance(shared: &Shared, body: &Bytes) -> Response<Body> {
    let value = match parse_body(body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let seconds = match value.get("seconds").and_then(Value::as_f64) {
        Some(s) if s.is_finite() && (0.0..=30.0 * 86_400.0).contains(&s) => s,
        _ => return bad_request("give {\"seconds\": N} with 0 ≤ N ≤ 2592000"),
    };
    shared.clock().advance((seconds * 1000.0) as i64);
    clock(shared)
}

fn requests(shared: &Shared, query: &str) -> Response<Body> {
    let since = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "since")
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .unwrap_or(0);
    let log = shared.request_log();
    let records = log.since(since);
    let mutating = records.iter().filter(|r| r.mutating).count();
    json_response(
        StatusCode::OK,
        &json!({
            "last": log.last_seq(),
            "requests": records,
            "mutating": mutating,
            "counts": log.counts(),
        }),
    )
}

fn faults_json(faults: &Faults) -> Value {
    serde_json::to_value(faults).unwrap_or_else(|_| json!({}))
}

/// Merges the given fields into the current faults.
fn set_faults(shared: &Shared, body: &Bytes) -> Response<Body> {
    let patch = match parse_body(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return bad_request("give a JSON object of fault fields"),
        Err(r) => return *r,
    };
    let mut merged = match serde_json::to_value(shared.faults()) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    merged.extend(patch);
    let faults: Faults = match serde_json::from_value(Value::Object(merged)) {
        Ok(f) => f,
        Err(e) => return bad_request(format!("invalid faults: {e}")),
    };
    if let Err(message) = faults.validate() {
        return bad_request(message);
    }
    shared.set_faults(faults.clone());
    json_response(StatusCode::OK, &faults_json(&faults))
}

fn scenario(shared: &Shared, body: &Bytes) -> Response<Body> {
    let value = match parse_body(body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let Some(event) = text("event") else {
        return bad_request("give {\"event\": ...}; see docs/simulator.md for the events");
    };
    let result = shared.with_world(|world| -> Result<Value, String> {
        match event.as_str() {
            "start_execution" => {
                let name = text("pipeline").ok_or("start_execution needs \"pipeline\"")?;
                let trigger = pipeline::Trigger {
                    kind: "StartPipelineExecution",
                    detail: "cutover-sim",
                };
                let commit = text("revision");
                let id = pipeline::start_at(world, &name, trigger, None, commit.as_deref())
                    .map_err(|e| e.message)?;
                Ok(json!({"pipelineExecutionId": id}))
            }
            "fail_next_hook" => {
                let key = group_key(world, text("application"), text("deployment_group"))?;
                let event = match text("lifecycle_event") {
                    None => LifecycleEventName::AfterAllowTestTraffic,
                    Some(name) => LifecycleEventName::parse(&name)
                        .ok_or(format!("unknown lifecycle event {name}"))?,
                };
                if let Some(group) = world.deployment_groups.get_mut(&key) {
                    group.fail_next_hook = Some(event);
                }
                Ok(json!({"armed": event.as_str()}))
            }
            "fail_next_service_hook" => {
                let cluster = text("cluster")
                    .ok_or("fail_next_service_hook needs \"cluster\" and \"service\"")?;
                let service = text("service")
                    .ok_or("fail_next_service_hook needs \"cluster\" and \"service\"")?;
                let stage = match text("lifecycle_stage") {
                    None => HookStage::PostTestTrafficShift,
                    Some(name) => {
                        HookStage::parse(&name).ok_or(format!("unknown hook stage {name}"))?
                    }
                };
                let svc = world
                    .service_mut(&cluster, &service)
                    .filter(|s| s.blue_green.is_some())
                    .ok_or(format!(
                        "no ECS-native blue/green service {cluster}/{service}"
                    ))?;
                svc.fail_next_hook = Some(stage);
                Ok(json!({"armed": stage.as_str()}))
            }
            "unhealthy_target_group" | "healthy_target_group" => {
                let arn = if let Some(tg) = text("target_group") {
                    world
                        .target_groups
                        .values()
                        .find(|t| t.name == tg || t.arn == tg)
                        .map(|t| t.arn.clone())
                        .ok_or(format!("no target group {tg}"))?
                } else {
                    let key = group_key(world, text("application"), text("deployment_group"))?;
                    autopilot::replacement_target_group(world, &key)
                        .ok_or("the group's target groups do not exist")?
                };
                let failing = (event == "unhealthy_target_group")
                    .then_some(HealthFailure::ResponseCodeMismatch);
                if let Some(tg) = world.target_groups.get_mut(&arn) {
                    tg.failing = failing;
                }
                Ok(json!({"targetGroupArn": arn, "failing": failing.is_some()}))
            }
            "create_deployment" => {
                let (application, group) =
                    group_key(world, text("application"), text("deployment_group"))?;
                let config = text("deployment_config");
                let id = deploy::redeploy_current(world, &application, &group, config.as_deref())
                    .map_err(|e| e.message)?;
                Ok(json!({"deploymentId": id}))
            }
            "autopilot" => {
                let enabled = value
                    .get("enabled")
                    .and_then(Value::as_bool)
                    .ok_or("autopilot needs \"enabled\": true|false")?;
                world.autopilot.enabled = enabled;
                Ok(json!({"autopilot": enabled}))
            }
            other => Err(format!("unknown scenario event '{other}'")),
        }
    });
    match result {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(message) => bad_request(message),
    }
}

fn group_key(
    world: &World,
    application: Option<String>,
    group: Option<String>,
) -> Result<(String, String), String> {
    let application = application.ok_or("give \"application\" and \"deployment_group\"")?;
    let group = group.ok_or("give \"application\" and \"deployment_group\"")?;
    let key = (application, group);
    if world.deployment_groups.contains_key(&key) {
        Ok(key)
    } else {
        Err(format!("no deployment group {}/{}", key.0, key.1))
    }
}

/// A compact picture of what is moving, for scripts and tests.
fn summary(world: &World) -> Value {
    let deployments: Vec<Value> = world
        .deployments
        .values()
        .filter(|d| !d.status.is_terminal())
        .map(|d| {
            json!({
                "deploymentId": d.id,
                "application": d.application,
                "deploymentGroup": d.group,
                "status": d.status.as_str(),
                "percentOnReplacement": d.shifted,
            })
        })
        .collect();
    let approvals: Vec<Value> = world
        .executions
        .values()
        .filter(|e| !e.status.is_done() && e.in_stage)
        .flat_map(|e| {
            let p = &world.pipelines[&e.pipeline];
            e.latest_runs(e.position)
                .filter(|r| r.token.is_some() && r.status == super::world::pipeline::ActionStatus::InProgress)
                .map(|r| json!({"pipeline": p.name, "pipelineExecutionId": e.id, "stage": p.stages[r.stage].name, "action": p.stages[r.stage].actions[r.action].name, "token": r.token}))
                .collect::<Vec<_>>()
        })
        .collect();
    json!({
        "world": world.name,
        "now": epoch_seconds(world.now),
        "clusters": world.clusters.len(),
        "services": world.services.len(),
        "pipelines": world.pipelines.len(),
        "deploymentGroups": world.deployment_groups.len(),
        "deployments": world.deployments.len(),
        "activeDeployments": deployments,
        "waitingApprovals": approvals,
    })
}

//! ECS service deployments and revisions (botocore's ECS model, 2014-11-13):
//! ListServiceDeployments (newest first, `maxResults` 1–100, default 20), DescribeServiceDeployments
//! and DescribeServiceRevisions (at most 20 ARNs; unknown ones under `failures` with reason
//! MISSING), StopServiceDeployment, ContinueServiceDeployment, and the `deploymentConfiguration`
//! an ECS-native service reports. It must not change a deployment but through
//! `engine::native`.

use serde_json::{Value, json};

use super::{INVALID, cluster, find_service, missing, network, ts, with_token};
use crate::sim::engine::native;
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::wire::json::{Input, page};
use crate::sim::world::World;
use crate::sim::world::ecs::TaskDefinition;
use crate::sim::world::native::{
    BlueGreen, HookTarget, ServiceDeployment, ServiceRevision, Status, Strategy,
};

/// DescribeServiceDeployments and DescribeServiceRevisions take at most 20 ARNs (API docs).
const DESCRIBE_LIMIT: usize = 20;

/// UpdateService on an ECS-native service: a new task definition, or `forceNewDeployment`,
/// starts a service deployment.
pub(super) fn start_if_asked(
    world: &mut World,
    input: &Input,
    cluster: &str,
    service: &str,
) -> ApiResult<()> {
    let current = world
        .service(cluster, service)
        .and_then(|s| s.task_definition().map(str::to_owned))
        .unwrap_or_default();
    let wanted = match input.str("taskDefinition")? {
        Some(given) => {
            let short = super::last_segment(given);
            world
                .task_definitions
                .values()
                .filter(|t| {
                    t.arn == given
                        || format!("{}:{}", t.family, t.revision) == short
                        || t.family == short
                })
                .max_by_key(|t| t.revision)
                .map(|t| t.arn.clone())
                .ok_or_else(|| ApiError::new(INVALID, "TaskDefinition not found."))?
        }
        None => current.clone(),
    };
    let force = input.bool("forceNewDeployment")? == Some(true);
    if wanted != current || force {
        native::start(world, cluster, service, &wanted)?;
    }
    Ok(())
}

pub(super) fn list(world: &World, input: &Input) -> ApiResult<Value> {
    let cluster = cluster(world, input)?;
    let service = find_service(world, &cluster, input)?;
    let statuses = match input.strings("status")? {
        None => None,
        Some(given) => Some(
            given
                .into_iter()
                .map(|s| {
                    Status::parse(s)
                        .ok_or_else(|| ApiError::new(INVALID, format!("Invalid status value: {s}")))
                })
                .collect::<ApiResult<Vec<_>>>()?,
        ),
    };
    let (after, before) = match input.object("createdAt")? {
        Some(range) => (range.float("after")?, range.float("before")?),
        None => (None, None),
    };
    let briefs: Vec<Value> = world
        .service_deployment_order
        .iter()
        .rev()
        .filter_map(|arn| world.service_deployments.get(arn))
        .filter(|d| d.cluster == service.cluster && d.service == service.name)
        .filter(|d| statuses.as_ref().is_none_or(|s| s.contains(&d.status)))
        .filter(|d| {
            let created = d.created_at as f64 / 1000.0;
            after.is_none_or(|a| created >= a) && before.is_none_or(|b| created <= b)
        })
        .map(|d| brief(world, d))
        .collect();
    let size = input.page_size("maxResults", 20, 100)?;
    let p = page(briefs.len(), input.str("nextToken")?, size, INVALID)?;
    Ok(with_token(
        json!({ "serviceDeployments": briefs[p.start..p.end] }),
        p.next,
    ))
}

fn cluster_arn(world: &World, cluster: &str) -> String {
    world.arn("ecs", &format!("cluster/{cluster}"))
}

fn service_arn(world: &World, cluster: &str, service: &str) -> String {
    world.arn("ecs", &format!("service/{cluster}/{service}"))
}

fn brief(world: &World, d: &ServiceDeployment) -> Value {
    let mut v = json!({
        "serviceDeploymentArn": d.arn,
        "serviceArn": service_arn(world, &d.cluster, &d.service),
        "clusterArn": cluster_arn(world, &d.cluster),
        "createdAt": ts(d.created_at),
        "targetServiceRevisionArn": d.target_revision,
        "status": d.status.as_str(),
    });
    if let Some(at) = d.started_at {
        v["startedAt"] = ts(at);
    }
    if let Some(at) = d.finished_at {
        v["finishedAt"] = ts(at);
    }
    if let Some(reason) = &d.status_reason {
        v["statusReason"] = json!(reason);
    }
    v
}

/// The ARNs of a batch: required, at least one, at most 20.
fn batch<'a>(input: &Input<'a>, name: &str) -> ApiResult<Vec<&'a str>> {
    let arns = input.strings(name)?.unwrap_or_default();
    if arns.is_empty() {
        return Err(ApiError::new(INVALID, format!("{name} cannot be empty.")));
    }
    if arns.len() > DESCRIBE_LIMIT {
        return Err(ApiError::new(
            INVALID,
            format!("{name} can have at most {DESCRIBE_LIMIT} items."),
        ));
    }
    Ok(arns)
}

pub(super) fn describe(world: &World, input: &Input) -> ApiResult<Value> {
    let mut found = Vec::new();
    let mut failures = Vec::new();
    for arn in batch(input, "serviceDeploymentArns")? {
        match world.service_deployments.get(arn) {
            Some(d) => found.push(deployment_json(world, d)),
            None => failures.push(missing(arn)),
        }
    }
    Ok(json!({ "serviceDeployments": found, "failures": failures }))
}

/// `ServiceRevisionSummary` of a revision within a deployment.
fn summary(world: &World, d: &ServiceDeployment, revision: &str, green: bool) -> Value {
    let (set, production) = if green {
        (d.green_set.as_deref(), d.production_percent)
    } else {
        (d.blue_set.as_deref(), 100.0 - d.production_percent)
    };
    let test = match (green, d.test_on_green) {
        (true, true) | (false, false) => 100.0,
        _ => 0.0,
    };
    let service = world.service(&d.cluster, &d.service);
    let counts = service
        .zip(set)
        .and_then(|(s, id)| s.task_set(id).map(|t| (s, t)))
        .map_or((0, 0, 0), |(s, t)| {
            (
                s.computed_desired(t),
                s.set_running(&t.id),
                s.set_pending(&t.id),
            )
        });
    json!({
        "arn": revision,
        "requestedTaskCount": counts.0,
        "runningTaskCount": counts.1,
        "pendingTaskCount": counts.2,
        "requestedTestTrafficWeight": test,
        "requestedProductionTrafficWeight": production,
    })
}

fn deployment_json(world: &World, d: &ServiceDeployment) -> Value {
    let mut v = brief(world, d);
    v.as_object_mut()
        .map(|m| m.remove("targetServiceRevisionArn"));
    v["updatedAt"] = ts(d.updated_at);
    v["sourceServiceRevisions"] = json!(
        d.source_revisions
            .iter()
            .map(|r| summary(world, d, r, false))
            .collect::<Vec<_>>()
    );
    v["targetServiceRevision"] = summary(world, d, &d.target_revision, true);
    v["deploymentConfiguration"] = configuration_json(&d.config);
    v["lifecycleHookDetails"] = json!(
        d.hooks
            .iter()
            .map(|run| {
                let hook = &d.config.hooks[run.hook];
                let mut h = json!({
                    "hookId": run.hook_id,
                    "targetType": if hook.target == HookTarget::Pause { "PAUSE" } else { "AWS_LAMBDA" },
                    "status": run.status.as_str(),
                    "timeoutAction": hook.timeout_action.as_str(),
                });
                if let HookTarget::Lambda(arn) = &hook.target {
                    h["targetArn"] = json!(arn);
                }
                if hook.target == HookTarget::Pause {
                    h["expiresAt"] = ts(run.ends_at);
                }
                h
            })
            .collect::<Vec<_>>()
    );
    if let Some(stage) = d.stage {
        v["lifecycleStage"] = json!(stage.as_str());
    }
    if let Some(at) = d.stopped_at {
        v["stoppedAt"] = ts(at);
    }
    if let Some(r) = &d.rollback {
        v["rollback"] = json!({
            "reason": r.reason,
            "startedAt": ts(r.started_at),
            "serviceRevisionArn": r.revision,
        });
    }
    v["deploymentCircuitBreaker"] =
        json!({ "status": "DISABLED", "failureCount": 0, "threshold": 0 });
    v["alarms"] = json!({ "status": "DISABLED", "alarmNames": [], "triggeredAlarmNames": [] });
    v
}

/// `deploymentConfiguration` of an ECS-native service, as DescribeServices and
/// DescribeServiceDeployments report it.
pub(super) fn configuration_json(config: &BlueGreen) -> Value {
    let mut v = json!({
        "deploymentCircuitBreaker": { "enable": false, "rollback": false },
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
        "strategy": config.strategy.as_str(),
        "bakeTimeInMinutes": config.bake_minutes,
        "lifecycleHooks": config.hooks.iter().map(|h| {
            let mut hook = json!({
                "targetType": if h.target == HookTarget::Pause { "PAUSE" } else { "AWS_LAMBDA" },
                "lifecycleStages": h.stages.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                "timeoutConfiguration": { "timeoutInMinutes": h.timeout_minutes, "action": h.timeout_action.as_str() },
            });
            if let HookTarget::Lambda(arn) = &h.target {
                hook["hookTargetArn"] = json!(arn);
            }
            if let Some(role) = &h.role_arn {
                hook["roleArn"] = json!(role);
            }
            hook
        }).collect::<Vec<_>>(),
    });
    match config.strategy {
        Strategy::Linear {
            step_percent,
            step_bake_minutes,
        } => {
            v["linearConfiguration"] =
                json!({ "stepPercent": step_percent, "stepBakeTimeInMinutes": step_bake_minutes });
        }
        Strategy::Canary {
            percent,
            bake_minutes,
        } => {
            v["canaryConfiguration"] =
                json!({ "canaryPercent": percent, "canaryBakeTimeInMinutes": bake_minutes });
        }
        Strategy::BlueGreen => {}
    }
    v
}

pub(super) fn describe_revisions(world: &World, input: &Input) -> ApiResult<Value> {
    let mut found = Vec::new();
    let mut failures = Vec::new();
    for arn in batch(input, "serviceRevisionArns")? {
        match world.service_revisions.get(arn) {
            Some(r) => found.push(revision_json(world, r)),
            None => failures.push(missing(arn)),
        }
    }
    Ok(json!({ "serviceRevisions": found, "failures": failures }))
}

fn revision_json(world: &World, r: &ServiceRevision) -> Value {
    let service = world.service(&r.cluster, &r.service);
    let definition = world.task_definitions.get(&r.task_definition);
    let container = definition
        .map(|d| d.container_name().to_owned())
        .unwrap_or_default();
    let mut load_balancer = json!({
        "targetGroupArn": r.target_group,
        "containerName": container,
        "containerPort": definition.map_or(80, TaskDefinition::container_port),
    });
    if let Some(config) = service.and_then(|s| s.blue_green.as_ref()) {
        load_balancer["advancedConfiguration"] = advanced_json(config);
    }
    let mut v = json!({
        "serviceRevisionArn": r.arn,
        "serviceArn": service_arn(world, &r.cluster, &r.service),
        "clusterArn": cluster_arn(world, &r.cluster),
        "taskDefinition": r.task_definition,
        "launchType": "FARGATE",
        "platformVersion": "1.4.0",
        "platformFamily": "Linux",
        "loadBalancers": [load_balancer],
        "serviceRegistries": [],
        "containerImages": definition.map(|d| vec![json!({
            "containerName": d.container_name(),
            "imageDigest": format!("sha256:{}", hex_of(d.image())),
            "image": d.image(),
        })]).unwrap_or_default(),
        "guardDutyEnabled": false,
        "createdAt": ts(r.created_at),
    });
    if let Some(s) = service {
        v["networkConfiguration"] = network(s);
    }
    v
}

/// A stable stand-in for an image digest: 64 hex digits derived from the image name.
fn hex_of(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::new();
    for round in 0..4u64 {
        for byte in text.bytes().chain(round.to_le_bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{hash:016x}"));
    }
    out
}

/// `loadBalancers[].advancedConfiguration`.
pub(super) fn advanced_json(config: &BlueGreen) -> Value {
    let a = &config.advanced;
    let mut v = json!({
        "alternateTargetGroupArn": a.alternate_target_group,
        "productionListenerRule": a.production_rule,
        "roleArn": a.role_arn,
    });
    if let Some(test) = &a.test_rule {
        v["testListenerRule"] = json!(test);
    }
    v
}

pub(super) fn stop(world: &mut World, input: &Input) -> ApiResult<Value> {
    let arn = input.required_invalid("serviceDeploymentArn")?;
    let arn = native::stop(world, arn, input.str("stopType")?)?;
    Ok(json!({ "serviceDeploymentArn": arn }))
}

pub(super) fn continue_deployment(world: &mut World, input: &Input) -> ApiResult<Value> {
    let arn = input.required_invalid("serviceDeploymentArn")?;
    let hook = input.required_invalid("hookId")?;
    let arn = native::continue_hook(world, arn, hook, input.str("action")?)?;
    Ok(json!({ "serviceDeploymentArn": arn }))
}

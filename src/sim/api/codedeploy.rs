//! CodeDeploy (awsJson1_1, `CodeDeploy_20141006.*`) for the ECS compute platform. Quirks kept
//! on purpose: `identifer` (sic) in ECSTaskSet, `Blue`/`Green` labels, capitalised
//! `deploymentOverview` keys, target groups by name only, ECS target ids `cluster:service`.
//! Revisions (CreateDeployment's, GetDeployment's, GetApplicationRevision) are in `revisions`.

mod revisions;

use serde_json::{Value, json};

use super::{ts, unknown_operation, with_token};
use crate::sim::engine::deploy::{self, CreateRequest};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::wire::json::{Input, page};
use crate::sim::world::World;
use crate::sim::world::codedeploy::{
    ComputePlatform, Deployment, DeploymentGroup, DeploymentStatus, Routing,
};

const PAGE: usize = 100;
const BATCH_DEPLOYMENTS: usize = 25;
const BATCH_GROUPS: usize = 100;
const BATCH_TARGETS: usize = 25;

pub fn handle(world: &mut World, operation: &str, body: &[u8]) -> ApiResult<Value> {
    let value = Input::parse(body, "InvalidInputException")?;
    let input = Input::new(&value, "InvalidInputException");
    match operation {
        "ListApplications" => list_applications(world, &input),
        "GetApplication" => {
            let name = input.required("applicationName", "ApplicationNameRequiredException")?;
            Ok(json!({ "application": application(world, name)? }))
        }
        "BatchGetApplications" => batch_get_applications(world, &input),
        "ListDeploymentGroups" => list_deployment_groups(world, &input),
        "GetDeploymentGroup" => get_deployment_group(world, &input),
        "BatchGetDeploymentGroups" => batch_get_deployment_groups(world, &input),
        "ListDeploymentConfigs" => list_deployment_configs(world, &input),
        "GetDeploymentConfig" => get_deployment_config(world, &input),
        "ListDeployments" => list_deployments(world, &input),
        "GetDeployment" => {
            let id = input.required("deploymentId", "DeploymentIdRequiredException")?;
            let d = deploy::find(world, id)?;
            Ok(json!({ "deploymentInfo": deployment_json(world, d) }))
        }
        "BatchGetDeployments" => batch_get_deployments(world, &input),
        "ListDeploymentTargets" => list_deployment_targets(world, &input),
        "GetDeploymentTarget" => {
            let id = input.required("deploymentId", "DeploymentIdRequiredException")?;
            let target = input.required("targetId", "DeploymentTargetIdRequiredException")?;
            let d = started(world, id)?;
            Ok(json!({ "deploymentTarget": target_json(world, d, target)? }))
        }
        "BatchGetDeploymentTargets" => batch_get_deployment_targets(world, &input),
        "GetApplicationRevision" => revisions::get_application_revision(world, &input),
        "CreateDeployment" => create_deployment(world, &input),
        "ContinueDeployment" => continue_deployment(world, &input),
        "StopDeployment" => stop_deployment(world, &input),
        other => Err(unknown_operation("CodeDeploy", other)),
    }
}

fn get_deployment_group(world: &World, input: &Input) -> ApiResult<Value> {
    let app = input.required("applicationName", "ApplicationNameRequiredException")?;
    let name = input.required(
        "deploymentGroupName",
        "DeploymentGroupNameRequiredException",
    )?;
    application(world, app)?;
    let group = group(world, app, name)?;
    Ok(json!({ "deploymentGroupInfo": group_json(world, group) }))
}

fn list_deployment_configs(world: &World, input: &Input) -> ApiResult<Value> {
    let names: Vec<&String> = world.deployment_configs.keys().collect();
    let p = page(
        names.len(),
        input.str("nextToken")?,
        PAGE,
        "InvalidNextTokenException",
    )?;
    Ok(with_token(
        json!({ "deploymentConfigsList": names[p.start..p.end] }),
        p.next,
    ))
}

fn get_deployment_config(world: &World, input: &Input) -> ApiResult<Value> {
    let name = input.required(
        "deploymentConfigName",
        "DeploymentConfigNameRequiredException",
    )?;
    let config = world.deployment_configs.get(name).ok_or_else(|| {
        ApiError::new(
            "DeploymentConfigDoesNotExistException",
            format!("No deployment configuration found for name: {name}"),
        )
    })?;
    Ok(json!({ "deploymentConfigInfo": {
        "deploymentConfigId": config.id,
        "deploymentConfigName": config.name,
        "createTime": ts(config.created_at),
        "computePlatform": "ECS",
        "trafficRoutingConfig": routing_json(&config.routing),
    }}))
}

/// A deployment config's `trafficRoutingConfig`.
fn routing_json(routing: &Routing) -> Value {
    match *routing {
        Routing::AllAtOnce => json!({ "type": "AllAtOnce" }),
        Routing::Canary { percent, minutes } => {
            json!({ "type": "TimeBasedCanary", "timeBasedCanary": { "canaryPercentage": percent, "canaryInterval": minutes } })
        }
        Routing::Linear { percent, minutes } => {
            json!({ "type": "TimeBasedLinear", "timeBasedLinear": { "linearPercentage": percent, "linearInterval": minutes } })
        }
    }
}

fn batch_get_deployment_targets(world: &World, input: &Input) -> ApiResult<Value> {
    let id = input.required("deploymentId", "DeploymentIdRequiredException")?;
    let targets = input.strings("targetIds")?.unwrap_or_default();
    if targets.is_empty() {
        return Err(ApiError::new(
            "DeploymentTargetIdRequiredException",
            "At least one target ID is required",
        ));
    }
    if targets.len() > BATCH_TARGETS {
        return Err(ApiError::new(
            "DeploymentTargetListSizeExceededException",
            format!("The number of targets must not exceed {BATCH_TARGETS}"),
        ));
    }
    let d = started(world, id)?;
    let found = targets
        .iter()
        .map(|t| target_json(world, d, t))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(json!({ "deploymentTargets": found }))
}

fn continue_deployment(world: &mut World, input: &Input) -> ApiResult<Value> {
    let id = input.required("deploymentId", "DeploymentIdRequiredException")?;
    let wait = input.str("deploymentWaitType")?.unwrap_or("READY_WAIT");
    deploy::continue_deployment(world, id, wait)?;
    Ok(json!({}))
}

fn stop_deployment(world: &mut World, input: &Input) -> ApiResult<Value> {
    let id = input.required("deploymentId", "DeploymentIdRequiredException")?;
    let rollback = input.bool("autoRollbackEnabled")?;
    let (status, message) = deploy::stop(world, id, rollback)?;
    Ok(json!({ "status": status, "statusMessage": message }))
}

fn application(world: &World, name: &str) -> ApiResult<Value> {
    let app = world.applications.get(name).ok_or_else(|| {
        ApiError::new(
            "ApplicationDoesNotExistException",
            format!("No application found for name: {name}"),
        )
    })?;
    Ok(json!({
        "applicationId": app.id,
        "applicationName": app.name,
        "createTime": ts(app.created_at),
        "linkedToGitHub": false,
        "computePlatform": app.compute_platform.as_str(),
    }))
}

fn group<'w>(world: &'w World, application: &str, name: &str) -> ApiResult<&'w DeploymentGroup> {
    world
        .deployment_groups
        .get(&(application.to_owned(), name.to_owned()))
        .ok_or_else(|| {
            ApiError::new(
                "DeploymentGroupDoesNotExistException",
                format!("No Deployment Group found for name: {name}"),
            )
        })
}

fn list_applications(world: &World, input: &Input) -> ApiResult<Value> {
    let names: Vec<&String> = world.applications.keys().collect();
    let p = page(
        names.len(),
        input.str("nextToken")?,
        PAGE,
        "InvalidNextTokenException",
    )?;
    Ok(with_token(
        json!({ "applications": names[p.start..p.end] }),
        p.next,
    ))
}

fn batch_get_applications(world: &World, input: &Input) -> ApiResult<Value> {
    let names = input.strings("applicationNames")?.unwrap_or_default();
    if names.is_empty() {
        return Err(ApiError::new(
            "ApplicationNameRequiredException",
            "At least one application name is required",
        ));
    }
    if names.len() > BATCH_GROUPS {
        return Err(ApiError::new(
            "BatchLimitExceededException",
            format!("The maximum number of names per call is {BATCH_GROUPS}"),
        ));
    }
    let infos = names
        .iter()
        .map(|n| application(world, n))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(json!({ "applicationsInfo": infos }))
}

fn list_deployment_groups(world: &World, input: &Input) -> ApiResult<Value> {
    let app = input.required("applicationName", "ApplicationNameRequiredException")?;
    application(world, app)?;
    let names: Vec<&String> = world
        .deployment_groups
        .values()
        .filter(|g| g.application == app)
        .map(|g| &g.name)
        .collect();
    let p = page(
        names.len(),
        input.str("nextToken")?,
        PAGE,
        "InvalidNextTokenException",
    )?;
    Ok(with_token(
        json!({ "applicationName": app, "deploymentGroups": names[p.start..p.end] }),
        p.next,
    ))
}

fn batch_get_deployment_groups(world: &World, input: &Input) -> ApiResult<Value> {
    let app = input.required("applicationName", "ApplicationNameRequiredException")?;
    let names = input.strings("deploymentGroupNames")?.unwrap_or_default();
    if names.is_empty() {
        return Err(ApiError::new(
            "DeploymentGroupNameRequiredException",
            "At least one deployment group name is required",
        ));
    }
    if names.len() > BATCH_GROUPS {
        return Err(ApiError::new(
            "BatchLimitExceededException",
            format!("The maximum number of names per call is {BATCH_GROUPS}"),
        ));
    }
    application(world, app)?;
    let mut infos = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        match group(world, app, name) {
            Ok(g) => infos.push(group_json(world, g)),
            Err(_) => missing.push(name),
        }
    }
    let mut out = json!({ "deploymentGroupsInfo": infos });
    if !missing.is_empty() {
        out["errorMessage"] = json!(format!(
            "Deployment groups not found: {}",
            missing.join(", ")
        ));
    }
    Ok(out)
}

fn deployment_summary(world: &World, id: Option<&String>) -> Value {
    match id.and_then(|id| world.deployments.get(id)) {
        Some(d) => {
            let mut v = json!({ "deploymentId": d.id, "status": d.status.as_str(), "createTime": ts(d.created_at) });
            if let Some(end) = d.completed_at {
                v["endTime"] = ts(end);
            }
            v
        }
        None => Value::Null,
    }
}

fn rollback_json(enabled: bool, events: &[String]) -> Value {
    json!({ "enabled": enabled, "events": events })
}

fn blue_green_json(ready: &str, ready_wait: u32, termination_wait: u32) -> Value {
    json!({
        "terminateBlueInstancesOnDeploymentSuccess": { "action": "TERMINATE", "terminationWaitTimeInMinutes": termination_wait },
        "deploymentReadyOption": { "actionOnTimeout": ready, "waitTimeInMinutes": ready_wait },
    })
}

fn load_balancer_json(group: &DeploymentGroup) -> Value {
    let mut pair = json!({
        "targetGroups": group.target_groups.iter().map(|n| json!({ "name": n })).collect::<Vec<_>>(),
        "prodTrafficRoute": { "listenerArns": [group.prod_listener] },
    });
    if let Some(test) = &group.test_listener {
        pair["testTrafficRoute"] = json!({ "listenerArns": [test] });
    }
    json!({ "targetGroupPairInfoList": [pair] })
}

fn group_json(world: &World, g: &DeploymentGroup) -> Value {
    let platform = world.platform_of(&g.application);
    let mut v = json!({
        "applicationName": g.application,
        "deploymentGroupId": g.id,
        "deploymentGroupName": g.name,
        "deploymentConfigName": g.config,
        "ec2TagFilters": [],
        "onPremisesInstanceTagFilters": [],
        "autoScalingGroups": [],
        "serviceRoleArn": g.service_role_arn,
        "triggerConfigurations": [],
        "alarmConfiguration": { "enabled": false, "ignorePollAlarmFailure": false, "alarms": [] },
        "autoRollbackConfiguration": rollback_json(g.auto_rollback, &g.rollback_events),
        "deploymentStyle": { "deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL" },
        "outdatedInstancesStrategy": "UPDATE",
        "blueGreenDeploymentConfiguration": blue_green_json(g.ready_action.as_str(), g.ready_wait_minutes, g.termination_wait_minutes),
        "computePlatform": platform.as_str(),
        "terminationHookEnabled": false,
    });
    // ECS groups name their service and target group pair; Lambda and EC2 groups have none.
    if platform == ComputePlatform::Ecs {
        v["loadBalancerInfo"] = load_balancer_json(g);
        v["ecsServices"] = json!([{ "serviceName": g.service, "clusterName": g.cluster }]);
    }
    let last_ok = deployment_summary(world, g.last_successful.as_ref());
    if !last_ok.is_null() {
        v["lastSuccessfulDeployment"] = last_ok;
    }
    let last = deployment_summary(world, g.last_attempted.as_ref());
    if !last.is_null() {
        v["lastAttemptedDeployment"] = last;
    }
    if let Some(d) = g
        .last_successful
        .as_ref()
        .and_then(|id| world.deployments.get(id))
    {
        v["targetRevision"] = revisions::location_json(&d.revision);
    }
    v
}

/// `deploymentOverview`: the one ECS target counted by its status.
fn overview(d: &Deployment) -> Value {
    let mut counts = json!({ "Pending": 0, "InProgress": 0, "Succeeded": 0, "Failed": 0, "Skipped": 0, "Ready": 0 });
    let key = match d.status {
        DeploymentStatus::Created => "Pending",
        DeploymentStatus::InProgress => "InProgress",
        DeploymentStatus::Ready => "Ready",
        DeploymentStatus::Succeeded => "Succeeded",
        DeploymentStatus::Failed | DeploymentStatus::Stopped => "Failed",
    };
    counts[key] = json!(1);
    counts
}

pub fn deployment_json(world: &World, d: &Deployment) -> Value {
    let group = world
        .deployment_groups
        .get(&(d.application.clone(), d.group.clone()));
    let mut v = json!({
        "applicationName": d.application,
        "deploymentGroupName": d.group,
        "deploymentConfigName": d.config,
        "deploymentId": d.id,
        "revision": revisions::location_json(&d.revision),
        "status": d.status.as_str(),
        "createTime": ts(d.created_at),
        "deploymentOverview": overview(d),
        "creator": d.creator,
        "ignoreApplicationStopFailures": false,
        "autoRollbackConfiguration": rollback_json(d.auto_rollback, &d.rollback_events),
        "updateOutdatedInstancesOnly": false,
        "deploymentStyle": { "deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL" },
        "instanceTerminationWaitTimeStarted": d.termination_wait_started,
        "blueGreenDeploymentConfiguration": blue_green_json(d.ready_action.as_str(), d.ready_wait_minutes, d.termination_wait_minutes),
        "fileExistsBehavior": "DISALLOW",
        "deploymentStatusMessages": d.status_messages,
        "computePlatform": world.platform_of(&d.application).as_str(),
    });
    if let Some(g) = group.filter(|_| world.platform_of(&d.application) == ComputePlatform::Ecs) {
        v["loadBalancerInfo"] = load_balancer_json(g);
    }
    if let Some(previous) = &d.previous_revision {
        v["previousRevision"] = revisions::location_json(previous);
    }
    if let Some(at) = d.started_at {
        v["startTime"] = ts(at);
    }
    if let Some(at) = d.completed_at {
        v["completeTime"] = ts(at);
    }
    if let Some(description) = &d.description {
        v["description"] = json!(description);
    }
    if let Some((code, message)) = &d.error {
        v["errorInformation"] = json!({ "code": code, "message": message });
    }
    if d.rollback_deployment.is_some() || d.rollback_of.is_some() || d.rollback_message.is_some() {
        let mut info = json!({});
        if let Some(id) = &d.rollback_deployment {
            info["rollbackDeploymentId"] = json!(id);
        }
        if let Some(id) = &d.rollback_of {
            info["rollbackTriggeringDeploymentId"] = json!(id);
        }
        if let Some(message) = &d.rollback_message {
            info["rollbackMessage"] = json!(message);
        }
        v["rollbackInfo"] = info;
    }
    if let Some(external) = &d.external_id {
        v["externalId"] = json!(external);
    }
    v
}

fn list_deployments(world: &World, input: &Input) -> ApiResult<Value> {
    let app = input.str("applicationName")?.filter(|s| !s.is_empty());
    let group_name = input.str("deploymentGroupName")?.filter(|s| !s.is_empty());
    match (app, group_name) {
        (None, Some(_)) => {
            return Err(ApiError::new(
                "ApplicationNameRequiredException",
                "An application name is required with a deployment group name",
            ));
        }
        (Some(_), None) => {
            return Err(ApiError::new(
                "DeploymentGroupNameRequiredException",
                "A deployment group name is required with an application name",
            ));
        }
        (Some(a), Some(g)) => {
            application(world, a)?;
            group(world, a, g)?;
        }
        (None, None) => {}
    }
    let statuses = input.strings("includeOnlyStatuses")?.unwrap_or_default();
    let mut wanted = Vec::new();
    for s in &statuses {
        match DeploymentStatus::parse(s) {
            Some(status) => wanted.push(status),
            None if ["Queued", "Baking"].contains(s) => {}
            None => {
                return Err(ApiError::new(
                    "InvalidDeploymentStatusException",
                    format!("Invalid deployment status: {s}"),
                ));
            }
        }
    }
    let (start, end) = match input.object("createTimeRange")? {
        Some(range) => {
            let start = range.float("start")?.map(|s| (s * 1000.0) as i64);
            let end = range.float("end")?.map(|s| (s * 1000.0) as i64);
            if let (Some(s), Some(e)) = (start, end)
                && s > e
            {
                return Err(ApiError::new(
                    "InvalidTimeRangeException",
                    "The start time of the range is after its end",
                ));
            }
            (start, end)
        }
        None => (None, None),
    };
    if input.str("externalId")?.is_some() && app.is_none() {
        return Err(ApiError::new(
            "InvalidInputException",
            "externalId needs applicationName and deploymentGroupName",
        ));
    }
    let external = input.str("externalId")?;
    // Newest first.
    let ids: Vec<&String> = world
        .deployment_order
        .iter()
        .rev()
        .filter_map(|id| world.deployments.get(id))
        .filter(|d| {
            app.is_none_or(|a| d.application == a) && group_name.is_none_or(|g| d.group == g)
        })
        .filter(|d| wanted.is_empty() || wanted.contains(&d.status))
        .filter(|d| {
            start.is_none_or(|s| d.created_at >= s) && end.is_none_or(|e| d.created_at <= e)
        })
        .filter(|d| external.is_none_or(|x| d.external_id.as_deref() == Some(x)))
        .map(|d| &d.id)
        .collect();
    let p = page(
        ids.len(),
        input.str("nextToken")?,
        PAGE,
        "InvalidNextTokenException",
    )?;
    Ok(with_token(
        json!({ "deployments": ids[p.start..p.end] }),
        p.next,
    ))
}

fn batch_get_deployments(world: &World, input: &Input) -> ApiResult<Value> {
    let ids = input.strings("deploymentIds")?.unwrap_or_default();
    if ids.is_empty() {
        return Err(ApiError::new(
            "DeploymentIdRequiredException",
            "At least one deployment ID is required",
        ));
    }
    if ids.len() > BATCH_DEPLOYMENTS {
        return Err(ApiError::new(
            "BatchLimitExceededException",
            format!("The maximum number of deployment IDs per call is {BATCH_DEPLOYMENTS}"),
        ));
    }
    let mut infos = Vec::new();
    for id in ids {
        match deploy::find(world, id) {
            Ok(d) => infos.push(deployment_json(world, d)),
            Err(e) if e.code == "DeploymentDoesNotExistException" => {}
            Err(e) => return Err(e),
        }
    }
    Ok(json!({ "deploymentsInfo": infos }))
}

fn started<'w>(world: &'w World, id: &str) -> ApiResult<&'w Deployment> {
    let d = deploy::find(world, id)?;
    if d.status == DeploymentStatus::Created {
        return Err(ApiError::new(
            "DeploymentNotStartedException",
            format!("The deployment {id} has not started yet"),
        ));
    }
    Ok(d)
}

fn list_deployment_targets(world: &World, input: &Input) -> ApiResult<Value> {
    let id = input.required("deploymentId", "DeploymentIdRequiredException")?;
    let d = started(world, id)?;
    let mut ids = vec![format!("{}:{}", d.cluster, d.service)];
    if let Some(filters) = input.object("targetFilters")? {
        if let Some(statuses) = filters.strings("TargetStatus")?
            && !statuses.contains(&d.target_status())
        {
            ids.clear();
        }
        if let Some(labels) = filters.strings("ServerInstanceLabel")?
            && labels.iter().any(|l| !["Blue", "Green"].contains(l))
        {
            return Err(ApiError::new(
                "InvalidInstanceTypeException",
                "ServerInstanceLabel must be Blue or Green",
            ));
        }
    }
    let p = page(
        ids.len(),
        input.str("nextToken")?,
        PAGE,
        "InvalidNextTokenException",
    )?;
    Ok(with_token(
        json!({ "targetIds": ids[p.start..p.end] }),
        p.next,
    ))
}

fn target_json(world: &World, d: &Deployment, target: &str) -> ApiResult<Value> {
    let expected = format!("{}:{}", d.cluster, d.service);
    if target != expected {
        return Err(ApiError::new(
            "DeploymentTargetDoesNotExistException",
            format!("The target {target} is not part of deployment {}", d.id),
        ));
    }
    let service = world.service(&d.cluster, &d.service);
    let mut sets = Vec::new();
    if let Some(service) = service {
        for (id, label, tg) in [
            (&d.original_set, "Blue", &d.original_target_group),
            (&d.replacement_set, "Green", &d.replacement_target_group),
        ] {
            let Some(set) = id.as_deref().and_then(|id| service.task_set(id)) else {
                continue;
            };
            sets.push(json!({
                "identifer": set.id,
                "desiredCount": service.computed_desired(set),
                "pendingCount": service.set_pending(&set.id),
                "runningCount": service.set_running(&set.id),
                "status": set.status.as_str(),
                "trafficWeight": set.traffic_weight,
                "targetGroup": { "name": tg.split('/').nth(1).unwrap_or(tg) },
                "taskSetLabel": label,
            }));
        }
    }
    let events: Vec<Value> = d
        .events
        .iter()
        .map(|e| {
            let mut v =
                json!({ "lifecycleEventName": e.name.as_str(), "status": e.status.as_str() });
            if let Some(at) = e.start {
                v["startTime"] = ts(at);
            }
            if let Some(at) = e.end {
                v["endTime"] = ts(at);
            }
            if let Some(diag) = &e.diagnostics {
                v["diagnostics"] = json!({
                    "errorCode": diag.error_code,
                    "scriptName": diag.script_name,
                    "message": diag.message,
                    "logTail": diag.log_tail,
                });
            }
            v
        })
        .collect();
    let last = d
        .events
        .iter()
        .filter_map(|e| e.end.or(e.start))
        .max()
        .unwrap_or(d.created_at);
    let arn = world.arn("ecs", &format!("service/{}/{}", d.cluster, d.service));
    Ok(json!({
        "deploymentTargetType": "ECSTarget",
        "ecsTarget": {
            "deploymentId": d.id,
            "targetId": expected,
            "targetArn": arn,
            "lastUpdatedAt": ts(d.completed_at.unwrap_or(last)),
            "lifecycleEvents": events,
            "status": d.target_status(),
            "taskSetsInfo": sets,
        }
    }))
}

fn create_deployment(world: &mut World, input: &Input) -> ApiResult<Value> {
    let app = input.required("applicationName", "ApplicationNameRequiredException")?;
    let group_name = input.required(
        "deploymentGroupName",
        "DeploymentGroupNameRequiredException",
    )?;
    let Some(revision) = input.object("revision")? else {
        return Err(ApiError::new(
            "RevisionRequiredException",
            "A revision is required",
        ));
    };
    let parsed = revisions::requested(world, app, group_name, &revision)?;
    if let Some(description) = input.str("description")?
        && description.len() > 100
    {
        return Err(ApiError::new(
            "DescriptionTooLongException",
            "The description is longer than 100 characters",
        ));
    }
    let auto_rollback = match input.object("autoRollbackConfiguration")? {
        Some(config) => {
            let enabled = config.bool("enabled")?.unwrap_or(false);
            let events: Vec<String> = config
                .strings("events")?
                .unwrap_or_default()
                .into_iter()
                .map(str::to_owned)
                .collect();
            let known = [
                "DEPLOYMENT_FAILURE",
                "DEPLOYMENT_STOP_ON_ALARM",
                "DEPLOYMENT_STOP_ON_REQUEST",
            ];
            if let Some(bad) = events.iter().find(|e| !known.contains(&e.as_str())) {
                return Err(ApiError::new(
                    "InvalidAutoRollbackConfigException",
                    format!("Unknown auto rollback event {bad}"),
                ));
            }
            Some((enabled, events))
        }
        None => None,
    };
    let request = CreateRequest {
        application: app.to_owned(),
        group: group_name.to_owned(),
        config: input.str("deploymentConfigName")?.map(str::to_owned),
        description: input.str("description")?.map(str::to_owned),
        revision: parsed,
        creator: "user",
        auto_rollback,
        external_id: None,
    };
    let id = deploy::create(world, request)?;
    Ok(json!({ "deploymentId": id }))
}

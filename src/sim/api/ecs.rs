//! ECS (awsJson1_1, `AmazonEC2ContainerServiceV20141113.*`). Unknown services and tasks come
//! back under `failures` with reason MISSING, as the real service does; unknown clusters are
//! ClusterNotFoundException. `deploymentController.type` is always sent: the SDK's
//! schema-driven parser fails a service without it.

use serde::Serialize;
use serde_json::{Value, json};

mod definitions;
mod deployments;

use super::{Answer, ts, unknown_operation, with_token};
use crate::sim::clock::epoch_seconds;
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::wire::json::{Input, page};
use crate::sim::world::World;
use crate::sim::world::ecs::{Controller, Service, Task, TaskDefinition, TaskSet, TaskStatus};

const INVALID: &str = "InvalidParameterException";
const DESCRIBE_SERVICES_LIMIT: usize = 10;
const DESCRIBE_TASKS_LIMIT: usize = 100;
/// Tasks per service, the ECS default quota.
const MAX_DESIRED: i64 = 5_000;

pub fn handle(world: &mut World, operation: &str, body: &[u8]) -> ApiResult<Answer> {
    let value = Input::parse(body, INVALID)?;
    let input = Input::new(&value, INVALID);
    if operation == "DescribeServices" {
        return describe_services(world, &input);
    }
    answer(world, operation, &input).map(Answer::Json)
}

fn answer(world: &mut World, operation: &str, input: &Input) -> ApiResult<Value> {
    match operation {
        "ListClusters" => {
            let arns: Vec<&String> = world.clusters.values().map(|c| &c.arn).collect();
            let size = input.page_size("maxResults", 100, 100)?;
            let p = page(arns.len(), input.str("nextToken")?, size, INVALID)?;
            Ok(with_token(
                json!({ "clusterArns": arns[p.start..p.end] }),
                p.next,
            ))
        }
        "DescribeClusters" => describe_clusters(world, input),
        "ListServices" => {
            let cluster = cluster(world, input)?;
            let arns: Vec<&String> = world
                .services
                .values()
                .filter(|s| s.cluster == cluster)
                .map(|s| &s.arn)
                .collect();
            let size = input.page_size("maxResults", 10, 100)?;
            let p = page(arns.len(), input.str("nextToken")?, size, INVALID)?;
            Ok(with_token(
                json!({ "serviceArns": arns[p.start..p.end] }),
                p.next,
            ))
        }
        "UpdateService" => update_service(world, input),
        "DescribeTaskSets" => describe_task_sets(world, input),
        "DescribeTaskDefinition" => definitions::describe(world, input),
        "RegisterTaskDefinition" => definitions::register(world, input),
        "ListServiceDeployments" => deployments::list(world, input),
        "DescribeServiceDeployments" => deployments::describe(world, input),
        "DescribeServiceRevisions" => deployments::describe_revisions(world, input),
        "StopServiceDeployment" => deployments::stop(world, input),
        "ContinueServiceDeployment" => deployments::continue_deployment(world, input),
        "ListTasks" => list_tasks(world, input),
        "DescribeTasks" => describe_tasks(world, input),
        other => Err(unknown_operation("ECS", other)),
    }
}

/// The `cluster` member (name or ARN, `default` when absent), which must exist.
fn cluster(world: &World, input: &Input) -> ApiResult<String> {
    let given = input.str("cluster")?.unwrap_or("default");
    world
        .cluster_name(given)
        .ok_or_else(|| ApiError::new("ClusterNotFoundException", "Cluster not found."))
}

fn last_segment(name_or_arn: &str) -> &str {
    name_or_arn.rsplit('/').next().unwrap_or(name_or_arn)
}

fn missing(arn: &str) -> Value {
    json!({ "arn": arn, "reason": "MISSING" })
}

fn describe_clusters(world: &World, input: &Input) -> ApiResult<Value> {
    let names = input
        .strings("clusters")?
        .unwrap_or_else(|| vec!["default"]);
    if names.len() > 100 {
        return Err(ApiError::new(
            INVALID,
            "clusters can have at most 100 items.",
        ));
    }
    let mut clusters = Vec::new();
    let mut failures = Vec::new();
    for name in names {
        match world
            .cluster_name(name)
            .and_then(|n| world.clusters.get(&n))
        {
            Some(c) => {
                let services: Vec<&Service> = world
                    .services
                    .values()
                    .filter(|s| s.cluster == c.name)
                    .collect();
                clusters.push(json!({
                    "clusterArn": c.arn,
                    "clusterName": c.name,
                    "status": "ACTIVE",
                    "registeredContainerInstancesCount": 0,
                    "runningTasksCount": services.iter().map(|s| s.running()).sum::<u32>(),
                    "pendingTasksCount": services.iter().map(|s| s.pending()).sum::<u32>(),
                    "activeServicesCount": services.len(),
                    "statistics": [],
                    "tags": [],
                    "settings": [{ "name": "containerInsights", "value": "enabled" }],
                    "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
                    "defaultCapacityProviderStrategy": [],
                }));
            }
            None => failures.push(missing(
                &world.arn("ecs", &format!("cluster/{}", last_segment(name))),
            )),
        }
    }
    Ok(json!({ "clusters": clusters, "failures": failures }))
}

fn network(service: &Service) -> Value {
    json!({ "awsvpcConfiguration": { "subnets": service.subnets, "securityGroups": [service.security_group], "assignPublicIp": "DISABLED" } })
}

fn load_balancers(service: &Service, target_group: Option<&String>) -> Value {
    match target_group {
        Some(tg) => {
            json!([{ "targetGroupArn": tg, "containerName": service.container_name, "containerPort": service.container_port }])
        }
        None => json!([]),
    }
}

fn task_set_json(world: &World, service: &Service, set: &TaskSet) -> Value {
    let cluster_arn = world.arn("ecs", &format!("cluster/{}", service.cluster));
    let pending = service.set_pending(&set.id);
    let desired = service.computed_desired(set);
    let running = service.set_running(&set.id);
    let stable = pending == 0 && running == desired;
    let mut v = json!({
        "id": set.id,
        "taskSetArn": set.arn,
        "serviceArn": service.arn,
        "clusterArn": cluster_arn,
        "startedBy": set.started_by,
        "status": set.status.as_str(),
        "taskDefinition": set.task_definition,
        "computedDesiredCount": desired,
        "pendingCount": pending,
        "runningCount": running,
        "createdAt": ts(set.created_at),
        "updatedAt": ts(set.updated_at),
        "launchType": service.launch_type,
        "platformVersion": "1.4.0",
        "platformFamily": "Linux",
        "networkConfiguration": network(service),
        "loadBalancers": load_balancers(service, set.target_group_arn.as_ref()),
        "serviceRegistries": [],
        "scale": { "value": set.scale, "unit": "PERCENT" },
        "stabilityStatus": if stable { "STEADY_STATE" } else { "STABILIZING" },
        "stabilityStatusAt": ts(set.stability_at.max(set.updated_at)),
        "tags": [],
    });
    if let Some(external) = &set.external_id {
        v["externalId"] = json!(external);
    }
    v
}

/// ECS-controller services report their task sets as `deployments`.
fn deployment_json(service: &Service, set: &TaskSet) -> Value {
    json!({
        "id": set.id,
        "status": set.status.as_str(),
        "taskDefinition": set.task_definition,
        "desiredCount": service.computed_desired(set),
        "pendingCount": service.set_pending(&set.id),
        "runningCount": service.set_running(&set.id),
        "failedTasks": 0,
        "createdAt": ts(set.created_at),
        "updatedAt": ts(set.updated_at),
        "launchType": service.launch_type,
        "platformVersion": "1.4.0",
        "platformFamily": "Linux",
        "networkConfiguration": network(service),
        "rolloutState": "COMPLETED",
        "rolloutStateReason": format!("ECS deployment {} completed.", set.id),
    })
}

/// A service as DescribeServices answers it. Written straight to the response rather than
/// through `serde_json::Value`: a service carries up to a hundred events, and this is the
/// hottest answer the simulator gives.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceOut<'a> {
    service_arn: &'a str,
    service_name: &'a str,
    cluster_arn: String,
    load_balancers: Value,
    service_registries: [(); 0],
    status: &'static str,
    desired_count: u32,
    running_count: u32,
    pending_count: u32,
    launch_type: &'static str,
    platform_version: &'static str,
    platform_family: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_definition: Option<&'a str>,
    deployment_configuration: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_sets: Option<Vec<Value>>,
    deployments: Vec<Value>,
    events: Vec<EventOut<'a>>,
    created_at: f64,
    placement_constraints: [(); 0],
    placement_strategy: [(); 0],
    network_configuration: Value,
    health_check_grace_period_seconds: u32,
    scheduling_strategy: &'static str,
    deployment_controller: ControllerOut,
    created_by: String,
    #[serde(rename = "enableECSManagedTags")]
    enable_ecs_managed_tags: bool,
    propagate_tags: &'static str,
    enable_execute_command: bool,
    availability_zone_rebalancing: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_service_deployment: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_service_revisions: Option<Vec<Value>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventOut<'a> {
    id: &'a str,
    created_at: f64,
    message: &'a str,
}

#[derive(Serialize)]
struct ControllerOut {
    #[serde(rename = "type")]
    kind: &'static str,
}

pub fn service_json<'a>(world: &World, service: &'a Service) -> ServiceOut<'a> {
    let (task_sets, deployments) = match service.controller {
        Controller::CodeDeploy => (
            Some(
                service
                    .task_sets
                    .iter()
                    .map(|s| task_set_json(world, service, s))
                    .collect(),
            ),
            Vec::new(),
        ),
        Controller::Ecs => (
            None,
            service
                .task_sets
                .iter()
                .map(|s| deployment_json(service, s))
                .collect(),
        ),
    };
    ServiceOut {
        service_arn: &service.arn,
        service_name: &service.name,
        cluster_arn: world.arn("ecs", &format!("cluster/{}", service.cluster)),
        load_balancers: native_load_balancers(service),
        service_registries: [],
        status: "ACTIVE",
        desired_count: service.desired,
        running_count: service.running(),
        pending_count: service.pending(),
        launch_type: service.launch_type,
        platform_version: "LATEST",
        platform_family: "Linux",
        task_definition: service.task_definition(),
        deployment_configuration: service.blue_green.as_ref().map_or_else(
            || json!({ "maximumPercent": 200, "minimumHealthyPercent": 100 }),
            deployments::configuration_json,
        ),
        task_sets,
        deployments,
        events: service
            .events
            .iter()
            .map(|e| EventOut {
                id: &e.id,
                created_at: epoch_seconds(e.at),
                message: &e.message,
            })
            .collect(),
        created_at: epoch_seconds(service.created_at),
        placement_constraints: [],
        placement_strategy: [],
        network_configuration: network(service),
        health_check_grace_period_seconds: 60,
        scheduling_strategy: "REPLICA",
        deployment_controller: ControllerOut {
            kind: service.controller.as_str(),
        },
        created_by: format!("arn:aws:iam::{}:role/ecs-admin", world.account),
        enable_ecs_managed_tags: false,
        propagate_tags: "NONE",
        enable_execute_command: false,
        availability_zone_rebalancing: "DISABLED",
        current_service_deployment: service.current_deployment.as_deref(),
        current_service_revisions: service
            .blue_green
            .as_ref()
            .map(|_| current_revisions(world, service)),
    }
}

/// `loadBalancers`, with `advancedConfiguration` on an ECS-native blue/green service.
fn native_load_balancers(service: &Service) -> Value {
    let mut v = load_balancers(service, service.load_balancer_target_group.as_ref());
    if let (Some(config), Some(first)) = (&service.blue_green, v.get_mut(0)) {
        first["advancedConfiguration"] = deployments::advanced_json(config);
    }
    v
}

/// `currentServiceRevisions`: the revisions with tasks now, with their counts.
fn current_revisions(world: &World, service: &Service) -> Vec<Value> {
    let mut revisions: Vec<(&str, &TaskSet)> = Vec::new();
    let serving = service.revision.as_deref();
    let deployment = service
        .current_deployment
        .as_ref()
        .and_then(|arn| world.service_deployments.get(arn));
    for set in &service.task_sets {
        let arn = match deployment {
            Some(d) if d.green_set.as_deref() == Some(set.id.as_str()) => {
                Some(d.target_revision.as_str())
            }
            Some(d) if d.blue_set.as_deref() == Some(set.id.as_str()) => {
                d.source_revisions.first().map(String::as_str)
            }
            _ => serving,
        };
        if let Some(arn) = arn {
            revisions.push((arn, set));
        }
    }
    revisions
        .into_iter()
        .map(|(arn, set)| {
            json!({
                "arn": arn,
                "requestedTaskCount": service.computed_desired(set),
                "runningTaskCount": service.set_running(&set.id),
                "pendingTaskCount": service.set_pending(&set.id),
            })
        })
        .collect()
}

fn describe_services(world: &World, input: &Input) -> ApiResult<Answer> {
    let cluster = cluster(world, input)?;
    let Some(names) = input.strings("services")? else {
        return Err(ApiError::new(INVALID, "Services cannot be empty."));
    };
    if names.is_empty() {
        return Err(ApiError::new(INVALID, "Services cannot be empty."));
    }
    if names.len() > DESCRIBE_SERVICES_LIMIT {
        return Err(ApiError::new(
            INVALID,
            format!("services can have at most {DESCRIBE_SERVICES_LIMIT} items."),
        ));
    }
    let mut services = Vec::new();
    let mut failures = Vec::new();
    for name in names {
        match world.service(&cluster, last_segment(name)) {
            Some(s) => services.push(service_json(world, s)),
            None => failures.push(missing(
                &world.arn("ecs", &format!("service/{cluster}/{}", last_segment(name))),
            )),
        }
    }
    #[derive(Serialize)]
    struct Out<'a> {
        services: Vec<ServiceOut<'a>>,
        failures: Vec<Value>,
    }
    let bytes = serde_json::to_vec(&Out { services, failures }).map_err(|e| {
        ApiError::new("ServerException", format!("cannot write the answer: {e}")).with_status(500)
    })?;
    Ok(Answer::JsonBytes(bytes))
}

fn find_service<'w>(world: &'w World, cluster: &str, input: &Input) -> ApiResult<&'w Service> {
    let name = input.required_invalid("service")?;
    world
        .service(cluster, last_segment(name))
        .ok_or_else(|| ApiError::new("ServiceNotFoundException", "Service not found."))
}

fn update_service(world: &mut World, input: &Input) -> ApiResult<Value> {
    let cluster = cluster(world, input)?;
    let service = find_service(world, &cluster, input)?;
    let name = service.name.clone();
    // What a CODE_DEPLOY service refuses: those changes need a new CodeDeploy deployment.
    const DEPLOYMENT_ONLY: [&str; 9] = [
        "taskDefinition",
        "networkConfiguration",
        "platformVersion",
        "loadBalancers",
        "capacityProviderStrategy",
        "serviceRegistries",
        "serviceConnectConfiguration",
        "volumeConfigurations",
        "vpcLatticeConfigurations",
    ];
    // An ECS-native blue/green service deploys a new task definition itself.
    let native = service.blue_green.is_some();
    let given: Vec<&str> = DEPLOYMENT_ONLY
        .iter()
        .copied()
        .filter(|m| input.has(m) && !(native && *m == "taskDefinition"))
        .collect();
    if let Some(member) = given.first() {
        let message = match service.controller {
            Controller::CodeDeploy => format!(
                "Unable to update {member} on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment."
            ),
            Controller::Ecs => format!(
                "The simulator changes desiredCount only; updating {member} is not simulated."
            ),
        };
        return Err(ApiError::new(INVALID, message));
    }
    if input.bool("forceNewDeployment")? == Some(true)
        && service.controller == Controller::CodeDeploy
    {
        return Err(ApiError::new(
            INVALID,
            "Unable to force a new deployment on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.",
        ));
    }
    if let Some(desired) = input.int("desiredCount")? {
        if !(0..=MAX_DESIRED).contains(&desired) {
            return Err(ApiError::new(
                INVALID,
                format!("desiredCount must be between 0 and {MAX_DESIRED}, not {desired}."),
            ));
        }
        if let Some(s) = world.service_mut(&cluster, &name) {
            s.desired = desired as u32;
        }
    }
    if native {
        deployments::start_if_asked(world, input, &cluster, &name)?;
    }
    let service = world
        .service(&cluster, &name)
        .ok_or_else(|| ApiError::new("ServiceNotFoundException", "Service not found."))?;
    Ok(json!({ "service": service_json(world, service) }))
}

fn describe_task_sets(world: &World, input: &Input) -> ApiResult<Value> {
    let cluster = cluster(world, input)?;
    let service = find_service(world, &cluster, input)?;
    if service.controller == Controller::Ecs {
        return Err(ApiError::new(
            INVALID,
            "Amazon ECS only supports task set management on services configured to use external or CODE_DEPLOY deployment controllers.",
        ));
    }
    let wanted = input.strings("taskSets")?;
    let mut sets = Vec::new();
    let mut failures = Vec::new();
    match wanted {
        None => sets.extend(
            service
                .task_sets
                .iter()
                .map(|s| task_set_json(world, service, s)),
        ),
        Some(ids) => {
            for id in ids {
                match service.task_sets.iter().find(|s| s.id == id || s.arn == id) {
                    Some(set) => sets.push(task_set_json(world, service, set)),
                    None => failures.push(missing(id)),
                }
            }
        }
    }
    Ok(json!({ "taskSets": sets, "failures": failures }))
}

fn list_tasks(world: &World, input: &Input) -> ApiResult<Value> {
    let cluster = cluster(world, input)?;
    let service = match input.str("serviceName")? {
        Some(name) => Some(
            world
                .service(&cluster, last_segment(name))
                .ok_or_else(|| ApiError::new("ServiceNotFoundException", "Service not found."))?,
        ),
        None => None,
    };
    let desired = match input.str("desiredStatus")?.unwrap_or("RUNNING") {
        "RUNNING" => TaskStatus::Running,
        "STOPPED" => TaskStatus::Stopped,
        "PENDING" => TaskStatus::Pending,
        other => {
            return Err(ApiError::new(
                INVALID,
                format!("desiredStatus must be RUNNING, PENDING or STOPPED, not {other}."),
            ));
        }
    };
    let started_by = input.str("startedBy")?;
    let family = input.str("family")?;
    let arns: Vec<&String> = world
        .services
        .values()
        .filter(|s| s.cluster == cluster && service.is_none_or(|only| only.name == s.name))
        .flat_map(|s| s.tasks.iter())
        .filter(|t| match desired {
            TaskStatus::Stopped => t.desired_status == TaskStatus::Stopped,
            TaskStatus::Pending => t.status.is_pending(),
            _ => t.desired_status == TaskStatus::Running,
        })
        .filter(|t| started_by.is_none_or(|s| t.task_set_id == s))
        .filter(|t| {
            family.is_none_or(|f| {
                world
                    .task_definitions
                    .get(&t.task_definition)
                    .is_some_and(|d| d.family == f)
            })
        })
        .map(|t| &t.arn)
        .collect();
    let size = input.page_size("maxResults", 100, 100)?;
    let p = page(arns.len(), input.str("nextToken")?, size, INVALID)?;
    Ok(with_token(
        json!({ "taskArns": arns[p.start..p.end] }),
        p.next,
    ))
}

fn describe_tasks(world: &World, input: &Input) -> ApiResult<Value> {
    let cluster = cluster(world, input)?;
    let wanted = input.strings("tasks")?.unwrap_or_default();
    if wanted.is_empty() {
        return Err(ApiError::new(INVALID, "Tasks cannot be empty."));
    }
    if wanted.len() > DESCRIBE_TASKS_LIMIT {
        return Err(ApiError::new(
            INVALID,
            format!("tasks can have at most {DESCRIBE_TASKS_LIMIT} items."),
        ));
    }
    let mut tasks = Vec::new();
    let mut failures = Vec::new();
    for id in wanted {
        let found = world
            .services
            .values()
            .filter(|s| s.cluster == cluster)
            .find_map(|s| {
                s.tasks
                    .iter()
                    .find(|t| t.arn == id || t.id == id)
                    .map(|t| (s, t))
            });
        match found {
            Some((service, task)) => tasks.push(task_json(world, service, task)),
            None => failures.push(missing(
                &world.arn("ecs", &format!("task/{cluster}/{}", last_segment(id))),
            )),
        }
    }
    Ok(json!({ "tasks": tasks, "failures": failures }))
}

fn task_json(world: &World, service: &Service, task: &Task) -> Value {
    let definition = world.task_definitions.get(&task.task_definition);
    let container = definition.map_or(service.container_name.as_str(), |d| d.container_name());
    let image = definition.map_or("", TaskDefinition::image);
    let attachment = format!("{}-eni", &task.id[..8.min(task.id.len())]);
    let stopped = task.status == TaskStatus::Stopped;
    let mut container_json = json!({
        "containerArn": format!("{}/{}", task.arn.replace(":task/", ":container/"), container),
        "taskArn": task.arn,
        "name": container,
        "image": image,
        "lastStatus": task.status.as_str(),
        "networkBindings": [],
        "networkInterfaces": [{ "attachmentId": attachment, "privateIpv4Address": task.ip }],
        "healthStatus": "UNKNOWN",
        "cpu": "0",
    });
    if stopped {
        container_json["exitCode"] = json!(137);
        container_json["reason"] = json!("Container stopped by the scheduler");
    }
    let mut v = json!({
        "taskArn": task.arn,
        "clusterArn": world.arn("ecs", &format!("cluster/{}", service.cluster)),
        "taskDefinitionArn": task.task_definition,
        "lastStatus": task.status.as_str(),
        "desiredStatus": task.desired_status.as_str(),
        "cpu": definition.map_or("256".to_owned(), |d| d.cpu.to_string()),
        "memory": definition.map_or("512".to_owned(), |d| d.memory.to_string()),
        "containers": [container_json],
        "startedBy": task.task_set_id,
        "version": 3,
        "connectivity": "CONNECTED",
        "createdAt": ts(task.created_at),
        "group": format!("service:{}", service.name),
        "launchType": service.launch_type,
        "platformVersion": "1.4.0",
        "platformFamily": "Linux",
        "availabilityZone": task.availability_zone,
        "attachments": [{
            "id": attachment,
            "type": "ElasticNetworkInterface",
            "status": if stopped { "DELETED" } else { "ATTACHED" },
            "details": [
                { "name": "subnetId", "value": service.subnets.first().cloned().unwrap_or_default() },
                { "name": "privateIPv4Address", "value": task.ip },
            ],
        }],
        "healthStatus": "UNKNOWN",
        "tags": [],
        "overrides": { "containerOverrides": [{ "name": container }], "inferenceAcceleratorOverrides": [] },
        "ephemeralStorage": { "sizeInGiB": 20 },
    });
    if let Some(at) = task.started_at {
        v["startedAt"] = ts(at);
        v["pullStartedAt"] = ts(task.created_at + 2_000);
        v["pullStoppedAt"] = ts(at - 1_000);
        v["connectivityAt"] = ts(task.created_at + 1_000);
    }
    if let Some(at) = task.stopping_at {
        v["stoppingAt"] = ts(at);
    }
    if let Some(at) = task.stopped_at {
        v["stoppedAt"] = ts(at);
        v["executionStoppedAt"] = ts(at);
    }
    if let Some(reason) = &task.stopped_reason {
        v["stoppedReason"] = json!(reason);
    }
    if let Some(code) = task.stop_code {
        v["stopCode"] = json!(code);
    }
    v
}

//! ECS task definitions: DescribeTaskDefinition, and RegisterTaskDefinition so that a new
//! revision can be made from outside (the next revision of the family, as ECS numbers them).
//! Each container keeps what DescribeTaskDefinition returns of it for cutover's evidence
//! (image, environment, secrets, first port mapping, command, entry point, sizes); the first
//! container is the one behind the load balancer. It must not start anything: a deployment
//! does.

use serde_json::{Value, json};

use super::{last_segment, ts};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::wire::json::Input;
use crate::sim::world::World;
use crate::sim::world::ecs::{Container, TaskDefinition};

pub(super) fn describe(world: &World, input: &Input) -> ApiResult<Value> {
    let wanted = input.required_invalid("taskDefinition")?;
    let short = last_segment(wanted);
    let found = world
        .task_definitions
        .values()
        .filter(|t| {
            t.arn == wanted || format!("{}:{}", t.family, t.revision) == short || t.family == short
        })
        .max_by_key(|t| t.revision)
        .ok_or_else(|| ApiError::new("ClientException", "Unable to describe task definition."))?;
    Ok(json!({ "taskDefinition": definition_json(world, found), "tags": [] }))
}

fn definition_json(world: &World, found: &TaskDefinition) -> Value {
    let log_group = format!("/ecs/{}", found.family);
    let log = json!({
        "logDriver": "awslogs",
        "options": { "awslogs-group": log_group, "awslogs-region": world.region, "awslogs-stream-prefix": "ecs" },
    });
    let containers: Vec<Value> = found
        .containers
        .iter()
        .map(|c| container_json(c, &log))
        .collect();
    json!({
            "taskDefinitionArn": found.arn,
            "containerDefinitions": containers,
            "family": found.family,
            "executionRoleArn": format!("arn:aws:iam::{}:role/ecsTaskExecutionRole", world.account),
            "networkMode": "awsvpc",
            "revision": found.revision,
            "volumes": [],
            "status": "ACTIVE",
            "requiresAttributes": [],
            "placementConstraints": [],
            "compatibilities": ["EC2", "FARGATE"],
            "requiresCompatibilities": ["FARGATE"],
            // Task-level sizes are strings in ECS's model (`TaskDefinition.cpu`, `.memory`).
            "cpu": found.cpu.to_string(),
            "memory": found.memory.to_string(),
            "registeredAt": ts(found.registered_at),
            "registeredBy": format!("arn:aws:iam::{}:role/CodePipelineServiceRole", world.account),
    })
}

/// A `ContainerDefinition` as DescribeTaskDefinition returns it (botocore's ECS model): the
/// lists ECS always sends (`portMappings`, `environment`, `mountPoints`, `volumesFrom`) even
/// when empty, the optional fields (`memory`, `command`, `entryPoint`, `secrets`) only when
/// they were registered.
fn container_json(c: &Container, log: &Value) -> Value {
    let ports: Vec<Value> = c
        .port
        .iter()
        .map(|p| json!({ "containerPort": p, "hostPort": p, "protocol": "tcp" }))
        .collect();
    let environment: Vec<Value> = c
        .environment
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect();
    let mut v = json!({
        "name": c.name,
        "image": c.image,
        "cpu": c.cpu,
        "portMappings": ports,
        "essential": c.essential,
        "environment": environment,
        "mountPoints": [],
        "volumesFrom": [],
        "logConfiguration": log,
    });
    if let Some(memory) = c.memory {
        v["memory"] = memory.into();
    }
    if let Some(reservation) = c.memory_reservation {
        v["memoryReservation"] = reservation.into();
    }
    if !c.secrets.is_empty() {
        v["secrets"] = c
            .secrets
            .iter()
            .map(|(name, from)| json!({ "name": name, "valueFrom": from }))
            .collect();
    }
    if !c.command.is_empty() {
        v["command"] = c.command.clone().into();
    }
    if !c.entry_point.is_empty() {
        v["entryPoint"] = c.entry_point.clone().into();
    }
    v
}

/// A family name as ECS allows it: up to 255 letters, digits, hyphens and underscores.
fn valid_family(family: &str) -> bool {
    !family.is_empty()
        && family.len() <= 255
        && family
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub(super) fn register(world: &mut World, input: &Input) -> ApiResult<Value> {
    let family = input.required_invalid("family")?;
    if !valid_family(family) {
        return Err(ApiError::new(
            "ClientException",
            "Family contains invalid characters or is longer than 255 characters.",
        ));
    }
    let containers = input
        .objects("containerDefinitions")?
        .unwrap_or_default()
        .iter()
        .map(container)
        .collect::<ApiResult<Vec<Container>>>()?;
    if containers.is_empty() {
        return Err(ApiError::new(
            "ClientException",
            "Container list cannot be empty.",
        ));
    }
    let number = |name: &str| -> ApiResult<Option<u32>> {
        match input.str(name) {
            Ok(text) => Ok(text.and_then(|t| t.parse().ok())),
            Err(_) => Ok(input.int(name)?.map(|n| n as u32)),
        }
    };
    let revision = world
        .task_definitions
        .values()
        .filter(|t| t.family == family)
        .map(|t| t.revision)
        .max()
        .unwrap_or(0)
        + 1;
    let arn = world.arn("ecs", &format!("task-definition/{family}:{revision}"));
    let definition = TaskDefinition {
        family: family.to_owned(),
        revision,
        arn: arn.clone(),
        containers,
        cpu: number("cpu")?.unwrap_or(256),
        memory: number("memory")?.unwrap_or(512),
        registered_at: world.now,
    };
    let out = definition_json(world, &definition);
    world.task_definitions.insert(arn, definition);
    Ok(json!({ "taskDefinition": out, "tags": [] }))
}

/// A registered container definition: what DescribeTaskDefinition gives back of it.
fn container(c: &Input<'_>) -> ApiResult<Container> {
    let port = c
        .objects("portMappings")?
        .and_then(|m| m.first().map(|p| p.int("containerPort")))
        .transpose()?
        .flatten();
    // A `Secret` requires `name` and `valueFrom`; a `KeyValuePair` (`environment`) requires
    // neither in botocore's ECS model, and an entry without a name names nothing here.
    let pairs = |list: &str, value: &str, required: bool| -> ApiResult<Vec<(String, String)>> {
        c.objects(list)?
            .unwrap_or_default()
            .iter()
            .map(|e| {
                let v = if required {
                    e.required_invalid(value)?
                } else {
                    e.str(value)?.unwrap_or_default()
                };
                Ok((e.required_invalid("name")?.to_owned(), v.to_owned()))
            })
            .collect()
    };
    let strings = |name: &str| -> ApiResult<Vec<String>> {
        Ok(c.strings(name)?
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect())
    };
    let size = |name: &str| -> ApiResult<Option<u32>> {
        Ok(c.int(name)?.and_then(|n| u32::try_from(n).ok()))
    };
    Ok(Container {
        name: c.required_invalid("name")?.to_owned(),
        image: c.required_invalid("image")?.to_owned(),
        port: port.and_then(|p| u16::try_from(p).ok()),
        cpu: size("cpu")?.unwrap_or(0),
        memory: size("memory")?,
        memory_reservation: size("memoryReservation")?,
        environment: pairs("environment", "value", false)?,
        secrets: pairs("secrets", "valueFrom", true)?,
        command: strings("command")?,
        entry_point: strings("entryPoint")?,
        // ECS's default: a container is essential unless registered otherwise.
        essential: c.bool("essential")?.unwrap_or(true),
    })
}

//! ECS task definitions: DescribeTaskDefinition, and RegisterTaskDefinition so that a new
//! revision can be made from outside (the next revision of the family, as ECS numbers them).
//! Only what the simulator runs is kept: the first container's name, image and port, cpu and
//! memory. It must not start anything: a deployment does.

use serde_json::{Value, json};

use super::{last_segment, ts};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::wire::json::Input;
use crate::sim::world::World;
use crate::sim::world::ecs::TaskDefinition;

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
    json!({
            "taskDefinitionArn": found.arn,
            "containerDefinitions": [{
                "name": found.container_name,
                "image": found.image,
                "cpu": 0,
                "portMappings": [{ "containerPort": found.container_port, "hostPort": found.container_port, "protocol": "tcp" }],
                "essential": true,
                "environment": [],
                "mountPoints": [],
                "volumesFrom": [],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": { "awslogs-group": log_group, "awslogs-region": world.region, "awslogs-stream-prefix": "ecs" },
                },
            }],
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
            "cpu": found.cpu.to_string(),
            "memory": found.memory.to_string(),
            "registeredAt": ts(found.registered_at),
            "registeredBy": format!("arn:aws:iam::{}:role/CodePipelineServiceRole", world.account),
    })
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
    let containers = input.objects("containerDefinitions")?.unwrap_or_default();
    let Some(first) = containers.first() else {
        return Err(ApiError::new(
            "ClientException",
            "Container list cannot be empty.",
        ));
    };
    let container_name = first.required_invalid("name")?.to_owned();
    let image = first.required_invalid("image")?.to_owned();
    let port = first
        .objects("portMappings")?
        .and_then(|m| m.first().map(|p| p.int("containerPort")))
        .transpose()?
        .flatten()
        .unwrap_or(80);
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
        container_name,
        image,
        container_port: u16::try_from(port).unwrap_or(80),
        cpu: number("cpu")?.unwrap_or(256),
        memory: number("memory")?.unwrap_or(512),
        registered_at: world.now,
    };
    let out = definition_json(world, &definition);
    world.task_definitions.insert(arn, definition);
    Ok(json!({ "taskDefinition": out, "tags": [] }))
}

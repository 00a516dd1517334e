//! Starting action runs: the runs of one `runOrder` group, or a single action again on a
//! retry. An approval gets a token and CodePipeline's seven-day timeout, a build or test a
//! duration and a roll for failure, and a CodeDeployToECS action a new task definition
//! revision and a CodeDeploy deployment of it. It must not decide what the stage does next:
//! finishing runs and settling the stage are the parent's [`super::settle_stage`].

use crate::sim::engine::deploy;
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::world::pipeline::{ActionRun, ActionStatus, Category};
use crate::sim::world::{Millis, World};

/// Seven days, CodePipeline's limit for an unanswered approval.
const APPROVAL_TIMEOUT: Millis = 7 * 24 * 3_600_000;

/// Starts the actions of `stage` whose run order passes `select`.
pub(super) fn start_actions(
    world: &mut World,
    id: &str,
    stage: usize,
    select: impl Fn(u32) -> bool,
) {
    let Some(e) = world.executions.get(id) else {
        return;
    };
    let pipeline = e.pipeline.clone();
    let indices: Vec<usize> = world.pipelines[&pipeline].stages[stage]
        .actions
        .iter()
        .enumerate()
        .filter(|(_, a)| select(a.run_order))
        .map(|(i, _)| i)
        .collect();
    for action in indices {
        start_action(world, id, stage, action);
    }
}

pub(super) fn start_action(world: &mut World, id: &str, stage: usize, action: usize) {
    let now = world.now;
    let Some(e) = world.executions.get(id) else {
        return;
    };
    let pipeline = e.pipeline.clone();
    let attempt = e.attempts[stage];
    let decl = world.pipelines[&pipeline].stages[stage].actions[action].clone();
    let run_id = world.rng.uuid();
    let mut run = ActionRun {
        attempt,
        id: run_id,
        stage,
        action,
        status: ActionStatus::InProgress,
        started_at: now,
        updated_at: now,
        finishes_at: None,
        will_fail: false,
        token: None,
        external_id: None,
        external_url: None,
        summary: None,
        error: None,
        approval: None,
        updated_by: None,
    };
    match decl.category {
        Category::Approval => {
            run.token = Some(world.rng.uuid());
            run.finishes_at = Some(now + APPROVAL_TIMEOUT);
        }
        Category::Deploy if decl.deploy_target().is_some() => {
            let (application, group) = decl
                .deploy_target()
                .map(|(a, g)| (a.to_owned(), g.to_owned()))
                .unwrap_or_default();
            match create_deployment(world, id, &application, &group) {
                Ok(deployment) => {
                    run.external_url = Some(format!(
                        "https://console.aws.amazon.com/codesuite/codedeploy/deployments/{deployment}?region={}",
                        world.region
                    ));
                    run.external_id = Some(deployment);
                }
                Err(error) => {
                    run.status = ActionStatus::Failed;
                    run.error = Some(("JobFailed".to_owned(), error.message));
                }
            }
        }
        _ => {
            let spread = world.rng.between(0, i64::from(decl.seconds / 4 + 1));
            run.finishes_at = Some(now + (i64::from(decl.seconds) + spread) * 1000);
            run.will_fail = world.rng.chance(decl.failure_chance);
            if decl.category != Category::Source {
                let project = decl
                    .configuration
                    .get("ProjectName")
                    .cloned()
                    .unwrap_or_else(|| pipeline.clone());
                let build = world.rng.uuid();
                run.external_id = Some(format!("{project}:{build}"));
                run.external_url = Some(format!(
                    "https://console.aws.amazon.com/codebuild/home?region={}#/builds/{project}:{build}/view/new",
                    world.region
                ));
            }
        }
    }
    if let Some(e) = world.executions.get_mut(id) {
        e.runs.push(run);
        e.updated_at = now;
    }
}

/// The deploy action of an execution creates a deployment of the execution's image.
fn create_deployment(
    world: &mut World,
    id: &str,
    application: &str,
    group: &str,
) -> ApiResult<String> {
    let Some(e) = world.executions.get(id) else {
        return Err(ApiError::new("InternalError", "execution vanished"));
    };
    let rollback_target = e.rollback_target.clone();
    let key = (application.to_owned(), group.to_owned());
    let Some(g) = world.deployment_groups.get(&key) else {
        return Err(ApiError::new(
            "DeploymentGroupDoesNotExistException",
            format!("No Deployment Group found for name: {group}"),
        ));
    };
    let (cluster, service) = (g.cluster.clone(), g.service.clone());
    // A stage rollback redeploys what the target execution deployed.
    let image_tag = rollback_target
        .as_ref()
        .and_then(|t| world.executions.get(t))
        .map_or_else(|| e.image_tag.clone(), |t| t.image_tag.clone());
    let task_definition = register_revision(world, &cluster, &service, &image_tag)?;
    let hooks = world
        .deployment_groups
        .get(&key)
        .and_then(|g| g.last_successful.as_ref())
        .and_then(|d| world.deployments.get(d))
        .map(|d| d.revision.hooks.clone())
        .unwrap_or_default();
    let revision = crate::sim::appspec::revision_for(world, &task_definition, &hooks);
    crate::sim::engine::autopilot::arm_failures(world, &key);
    deploy::create(
        world,
        deploy::CreateRequest {
            application: application.to_owned(),
            group: group.to_owned(),
            config: None,
            description: Some(format!("Deployed by CodePipeline execution {id}")),
            revision,
            creator: "user",
            auto_rollback: None,
            external_id: None,
        },
    )
}

/// Registers the next revision of a service's task definition family with a new image tag.
pub(crate) fn register_revision(
    world: &mut World,
    cluster: &str,
    service: &str,
    tag: &str,
) -> ApiResult<String> {
    let current = world
        .service(cluster, service)
        .and_then(|s| s.task_definition().map(str::to_owned))
        .and_then(|arn| world.task_definitions.get(&arn).cloned())
        .ok_or_else(|| {
            ApiError::new(
                "InvalidECSServiceException",
                format!("The ECS service {service} has no task definition"),
            )
        })?;
    let revision = world
        .task_definitions
        .values()
        .filter(|t| t.family == current.family)
        .map(|t| t.revision)
        .max()
        .unwrap_or(0)
        + 1;
    let arn = world.arn(
        "ecs",
        &format!("task-definition/{}:{revision}", current.family),
    );
    // The build's new image in the container behind the load balancer; the rest as it was.
    let mut containers = current.containers.clone();
    if let Some(main) = containers.first_mut() {
        main.image = match main.image.rsplit_once(':') {
            Some((repo, _)) => format!("{repo}:{tag}"),
            None => format!("{}:{tag}", main.image),
        };
    }
    let definition = crate::sim::world::ecs::TaskDefinition {
        revision,
        arn: arn.clone(),
        containers,
        registered_at: world.now,
        ..current
    };
    world.task_definitions.insert(arn.clone(), definition);
    Ok(arn)
}

//! ECS adapter: clusters, services (with task sets or deployments, events) and stopped tasks,
//! mapped to `model::ecs`. DescribeServices is filled to its limit of 10 per call.

use aws_sdk_ecs::types as sdk;

use super::{AwsError, Clients, all_pages, ts};
use crate::model::ecs::{
    Cluster, EcsDeployment, LoadBalancerLink, Service, ServiceEvent, StoppedContainer, StoppedTask,
    TaskSet,
};
use crate::model::status::{Controller, TaskSetStatus};

pub const DESCRIBE_SERVICES_BATCH: usize = 10;
pub const DESCRIBE_TASKS_BATCH: usize = 100;
/// Events kept per service: enough to explain a failure, not the whole history.
const EVENTS_KEPT: usize = 20;

pub async fn list_clusters(c: &Clients) -> Result<Vec<String>, AwsError> {
    all_pages(|token| async move {
        let _slot = c.ecs.slot().await;
        let out = c
            .ecs
            .client
            .list_clusters()
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| c.error("ecs", "ListClusters", &e))?;
        let items: Vec<_> = out.cluster_arns().to_vec();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}

pub async fn describe_clusters(c: &Clients, names: &[String]) -> Result<Vec<Cluster>, AwsError> {
    let mut clusters = Vec::new();
    for chunk in names.chunks(100) {
        let _slot = c.ecs.slot().await;
        let out = c
            .ecs
            .client
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| c.error("ecs", "DescribeClusters", &e))?;
        clusters.extend(out.clusters().iter().map(|k| Cluster {
            name: k.cluster_name().unwrap_or_default().to_owned(),
            arn: k.cluster_arn().unwrap_or_default().to_owned(),
            running_tasks: k.running_tasks_count(),
            pending_tasks: k.pending_tasks_count(),
            active_services: k.active_services_count(),
        }));
    }
    Ok(clusters)
}

pub async fn list_services(c: &Clients, cluster: &str) -> Result<Vec<String>, AwsError> {
    all_pages(|token| async move {
        let _slot = c.ecs.slot().await;
        let out = c
            .ecs
            .client
            .list_services()
            .cluster(cluster)
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| c.error("ecs", "ListServices", &e).on(cluster))?;
        let items: Vec<_> = out.service_arns().to_vec();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}

/// DescribeServices for up to ten services of one cluster.
pub async fn describe_services(
    c: &Clients,
    cluster: &str,
    services: &[String],
) -> Result<Vec<Service>, AwsError> {
    let out = describe(c, cluster, services).await?;
    Ok(out.services().iter().map(|s| service(cluster, s)).collect())
}

/// One service with every event ECS keeps of it (the newest 100, newest first), for a
/// report that looks back over a deployment; `None` when ECS answers it `MISSING`.
pub async fn service_with_events(
    c: &Clients,
    cluster: &str,
    name: &str,
) -> Result<Option<(Service, Vec<ServiceEvent>)>, AwsError> {
    let out = describe(c, cluster, &[name.to_owned()]).await?;
    Ok(out
        .services()
        .first()
        .map(|s| (service(cluster, s), s.events().iter().map(event).collect())))
}

async fn describe(
    c: &Clients,
    cluster: &str,
    services: &[String],
) -> Result<aws_sdk_ecs::operation::describe_services::DescribeServicesOutput, AwsError> {
    let _slot = c.ecs.slot().await;
    c.ecs
        .client
        .describe_services()
        .cluster(cluster)
        .set_services(Some(services.to_vec()))
        .send()
        .await
        .map_err(|e| c.error("ecs", "DescribeServices", &e).on(cluster))
}

fn event(e: &sdk::ServiceEvent) -> ServiceEvent {
    ServiceEvent {
        at: e.created_at().map(ts),
        message: e.message().unwrap_or_default().to_owned(),
    }
}

fn cluster_name(arn_or_name: &str) -> &str {
    arn_or_name.rsplit('/').next().unwrap_or(arn_or_name)
}

pub fn service(cluster: &str, s: &sdk::Service) -> Service {
    let controller = s
        .deployment_controller()
        .map_or(Controller::Ecs, |d| Controller::parse(d.r#type().as_str()));
    Service {
        cluster: s.cluster_arn().map_or(cluster, cluster_name).to_owned(),
        name: s.service_name().unwrap_or_default().to_owned(),
        arn: s.service_arn().unwrap_or_default().to_owned(),
        controller,
        status: s.status().unwrap_or("UNKNOWN").to_owned(),
        desired: s.desired_count(),
        running: s.running_count(),
        pending: s.pending_count(),
        task_definition: s.task_definition().map(str::to_owned),
        load_balancers: s.load_balancers().iter().map(load_balancer).collect(),
        task_sets: s.task_sets().iter().map(task_set).collect(),
        deployments: s
            .deployments()
            .iter()
            .map(|d| EcsDeployment {
                id: d.id().unwrap_or_default().to_owned(),
                status: d.status().unwrap_or_default().to_owned(),
                task_definition: d.task_definition().map(str::to_owned),
                desired: d.desired_count(),
                running: d.running_count(),
                pending: d.pending_count(),
                failed_tasks: d.failed_tasks(),
                rollout_state: d.rollout_state().map(|r| r.as_str().to_owned()),
                rollout_state_reason: d.rollout_state_reason().map(str::to_owned),
            })
            .collect(),
        events: s.events().iter().take(EVENTS_KEPT).map(event).collect(),
        stopped_tasks: Vec::new(),
    }
}

fn load_balancer(l: &sdk::LoadBalancer) -> LoadBalancerLink {
    let advanced = l.advanced_configuration();
    LoadBalancerLink {
        target_group_arn: l.target_group_arn().map(str::to_owned),
        container_name: l.container_name().map(str::to_owned),
        container_port: l.container_port(),
        alternate_target_group_arn: advanced
            .and_then(|a| a.alternate_target_group_arn().map(str::to_owned)),
        production_listener_rule: advanced
            .and_then(|a| a.production_listener_rule().map(str::to_owned)),
        test_listener_rule: advanced.and_then(|a| a.test_listener_rule().map(str::to_owned)),
    }
}

fn task_set(t: &sdk::TaskSet) -> TaskSet {
    TaskSet {
        id: t.id().unwrap_or_default().to_owned(),
        status: TaskSetStatus::parse(t.status().unwrap_or("")),
        task_definition: t.task_definition().map(str::to_owned),
        desired: t.computed_desired_count(),
        running: t.running_count(),
        pending: t.pending_count(),
        scale_percent: t.scale().map(sdk::Scale::value),
        target_group_arns: t
            .load_balancers()
            .iter()
            .filter_map(|l| l.target_group_arn().map(str::to_owned))
            .collect(),
        stability: t.stability_status().map(|s| s.as_str().to_owned()),
        external_id: t.external_id().map(str::to_owned),
        created: t.created_at().map(ts),
    }
}

/// Recently stopped tasks of a service (one page: the newest are enough to say why).
pub async fn stopped_tasks(
    c: &Clients,
    cluster: &str,
    service: &str,
) -> Result<Vec<StoppedTask>, AwsError> {
    let arns = {
        let _slot = c.ecs.slot().await;
        let out = c
            .ecs
            .client
            .list_tasks()
            .cluster(cluster)
            .service_name(service)
            .desired_status(sdk::DesiredStatus::Stopped)
            .max_results(DESCRIBE_TASKS_BATCH as i32)
            .send()
            .await
            .map_err(|e| {
                c.error("ecs", "ListTasks", &e)
                    .on(format!("{cluster}/{service}"))
            })?;
        out.task_arns().to_vec()
    };
    if arns.is_empty() {
        return Ok(Vec::new());
    }
    let _slot = c.ecs.slot().await;
    let out = c
        .ecs
        .client
        .describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(arns))
        .send()
        .await
        .map_err(|e| {
            c.error("ecs", "DescribeTasks", &e)
                .on(format!("{cluster}/{service}"))
        })?;
    let mut tasks: Vec<StoppedTask> = out
        .tasks()
        .iter()
        .map(|t| StoppedTask {
            arn: t.task_arn().unwrap_or_default().to_owned(),
            started_by: t.started_by().map(str::to_owned),
            stopped_at: t.stopped_at().map(ts),
            stopped_reason: t.stopped_reason().map(str::to_owned),
            stop_code: t.stop_code().map(|c| c.as_str().to_owned()),
            task_definition: t.task_definition_arn().map(str::to_owned),
            containers: t
                .containers()
                .iter()
                .map(|k| StoppedContainer {
                    name: k.name().unwrap_or_default().to_owned(),
                    exit_code: k.exit_code(),
                    reason: k.reason().map(str::to_owned),
                })
                .collect(),
        })
        .collect();
    tasks.sort_by_key(|t| std::cmp::Reverse(t.stopped_at));
    Ok(tasks)
}

//! CodeDeploy adapter: applications, deployment groups, deployments and their ECS targets,
//! mapped to `model::deploy`. Batches are filled to their limits (BatchGetDeployments 25,
//! BatchGetDeploymentGroups and BatchGetApplications 100).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_codedeploy::operation::batch_get_deployment_targets::BatchGetDeploymentTargetsError;
use aws_sdk_codedeploy::operation::list_deployment_targets::ListDeploymentTargetsError;
use aws_sdk_codedeploy::types as sdk;

use super::{AwsError, Clients, ErrorKind, all_pages, revisions, ts};
use crate::model::Timestamp;
use crate::model::deploy::{
    Application, DeployTaskSet, Deployment, DeploymentError, DeploymentGroup, Diagnostics,
    EcsTarget, LifecycleEvent, Routing,
};
use crate::model::status::{
    DeploymentStatus, LifecycleStatus, ReadyAction, TaskSetLabel, TaskSetStatus,
};

pub const BATCH_DEPLOYMENTS: usize = 25;
pub const BATCH_GROUPS: usize = 100;
pub const BATCH_APPLICATIONS: usize = 100;

/// The five built-in ECS configs, known without a call.
pub fn builtin_routing(name: &str) -> Option<Routing> {
    Some(match name {
        "CodeDeployDefault.ECSAllAtOnce" => Routing::AllAtOnce,
        "CodeDeployDefault.ECSCanary10Percent5Minutes" => Routing::Canary {
            percent: 10,
            minutes: 5,
        },
        "CodeDeployDefault.ECSCanary10Percent15Minutes" => Routing::Canary {
            percent: 10,
            minutes: 15,
        },
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes" => Routing::Linear {
            percent: 10,
            minutes: 1,
        },
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes" => Routing::Linear {
            percent: 10,
            minutes: 3,
        },
        _ => return None,
    })
}

pub async fn list_applications(c: &Clients) -> Result<Vec<String>, AwsError> {
    all_pages(|token| async move {
        let _slot = c.codedeploy.slot().await;
        let page = c
            .codedeploy
            .client
            .list_applications()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| c.error("codedeploy", "ListApplications", &e))?;
        let items: Vec<_> = page.applications().to_vec();
        Ok((items, page.next_token().map(str::to_owned)))
    })
    .await
}

pub async fn applications(c: &Clients, names: &[String]) -> Result<Vec<Application>, AwsError> {
    let _slot = c.codedeploy.slot().await;
    let out = c
        .codedeploy
        .client
        .batch_get_applications()
        .set_application_names(Some(names.to_vec()))
        .send()
        .await
        .map_err(|e| c.error("codedeploy", "BatchGetApplications", &e))?;
    Ok(out
        .applications_info()
        .iter()
        .map(|a| Application {
            name: a.application_name().unwrap_or_default().to_owned(),
            id: a.application_id().map(str::to_owned),
            compute_platform: a
                .compute_platform()
                .map_or_else(|| "Server".to_owned(), |p| p.as_str().to_owned()),
        })
        .collect())
}

pub async fn list_groups(c: &Clients, application: &str) -> Result<Vec<String>, AwsError> {
    all_pages(|token| async move {
        let _slot = c.codedeploy.slot().await;
        let page = c
            .codedeploy
            .client
            .list_deployment_groups()
            .application_name(application)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| {
                c.error("codedeploy", "ListDeploymentGroups", &e)
                    .on(application)
            })?;
        let items: Vec<_> = page.deployment_groups().to_vec();
        Ok((items, page.next_token().map(str::to_owned)))
    })
    .await
}

pub async fn groups(
    c: &Clients,
    application: &str,
    names: &[String],
) -> Result<Vec<DeploymentGroup>, AwsError> {
    let batch = {
        let _slot = c.codedeploy.slot().await;
        c.codedeploy
            .client
            .batch_get_deployment_groups()
            .application_name(application)
            .set_deployment_group_names(Some(names.to_vec()))
            .send()
            .await
            .map_err(|e| {
                c.error("codedeploy", "BatchGetDeploymentGroups", &e)
                    .on(application)
            })
    };
    match batch {
        Ok(out) => Ok(out.deployment_groups_info().iter().map(group).collect()),
        // An endpoint that does not serve the batch call (some AWS-compatible servers) is
        // answered one group at a time; a denial or throttling is not worked around.
        Err(error) if error.kind == ErrorKind::Service => {
            let one_by_one = futures::future::join_all(names.iter().map(|name| async move {
                let _slot = c.codedeploy.slot().await;
                c.codedeploy
                    .client
                    .get_deployment_group()
                    .application_name(application)
                    .deployment_group_name(name)
                    .send()
                    .await
            }))
            .await;
            let found: Vec<DeploymentGroup> = one_by_one
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .filter_map(|o| o.deployment_group_info())
                .map(group)
                .collect();
            if found.is_empty() {
                Err(error)
            } else {
                Ok(found)
            }
        }
        Err(error) => Err(error),
    }
}

fn group(g: &sdk::DeploymentGroupInfo) -> DeploymentGroup {
    let ecs = g.ecs_services().first();
    let pair = g
        .load_balancer_info()
        .and_then(|l| l.target_group_pair_info_list().first());
    let blue_green = g.blue_green_deployment_configuration();
    let ready = blue_green.and_then(|b| b.deployment_ready_option());
    let rollback = g.auto_rollback_configuration();
    DeploymentGroup {
        application: g.application_name().unwrap_or_default().to_owned(),
        name: g.deployment_group_name().unwrap_or_default().to_owned(),
        config: g
            .deployment_config_name()
            .unwrap_or("CodeDeployDefault.ECSAllAtOnce")
            .to_owned(),
        routing: None,
        cluster: ecs.and_then(|e| e.cluster_name().map(str::to_owned)),
        service: ecs.and_then(|e| e.service_name().map(str::to_owned)),
        target_group_names: pair
            .map(|p| {
                p.target_groups()
                    .iter()
                    .filter_map(|t| t.name().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        target_group_arns: Vec::new(),
        production_listeners: pair
            .and_then(|p| p.prod_traffic_route())
            .map(|r| r.listener_arns().to_vec())
            .unwrap_or_default(),
        test_listeners: pair
            .and_then(|p| p.test_traffic_route())
            .map(|r| r.listener_arns().to_vec())
            .unwrap_or_default(),
        ready_action: ready
            .and_then(|r| r.action_on_timeout())
            .map(|a| ReadyAction::parse(a.as_str())),
        ready_wait_minutes: ready.map_or(0, sdk::DeploymentReadyOption::wait_time_in_minutes),
        termination_wait_minutes: blue_green
            .and_then(|b| b.terminate_blue_instances_on_deployment_success())
            .map_or(
                0,
                sdk::BlueInstanceTerminationOption::termination_wait_time_in_minutes,
            ),
        auto_rollback: rollback.is_some_and(sdk::AutoRollbackConfiguration::enabled),
        auto_rollback_events: rollback
            .map(|r| r.events().iter().map(|e| e.as_str().to_owned()).collect())
            .unwrap_or_default(),
        last_successful_deployment: g
            .last_successful_deployment()
            .and_then(|d| d.deployment_id().map(str::to_owned)),
        last_attempted_deployment: g
            .last_attempted_deployment()
            .and_then(|d| d.deployment_id().map(str::to_owned)),
        production_rules: Vec::new(),
        test_rules: Vec::new(),
    }
}

/// ListDeployments with a status filter or a creation window, across all applications.
pub async fn list_deployments(
    c: &Clients,
    statuses: &[&str],
    created_after: Option<Timestamp>,
) -> Result<Vec<String>, AwsError> {
    list(c, None, statuses, created_after).await
}

/// ListDeployments of one deployment group, with these statuses (all when empty), newest
/// first as CodeDeploy lists them.
pub async fn group_deployments(
    c: &Clients,
    application: &str,
    group: &str,
    statuses: &[&str],
) -> Result<Vec<String>, AwsError> {
    list(c, Some((application, group)), statuses, None).await
}

/// Every page of ListDeployments: of one `(application, group)` or of all, with these
/// statuses (all when empty), created after a time or at any.
async fn list(
    c: &Clients,
    group: Option<(&str, &str)>,
    statuses: &[&str],
    created_after: Option<Timestamp>,
) -> Result<Vec<String>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    let range = created_after.map(|t| {
        sdk::TimeRange::builder()
            .start(aws_smithy_types::DateTime::from_millis(t.0))
            .build()
    });
    let statuses: Vec<sdk::DeploymentStatus> = statuses
        .iter()
        .map(|s| sdk::DeploymentStatus::from(*s))
        .collect();
    loop {
        let _slot = c.codedeploy.slot().await;
        let page = c
            .codedeploy
            .client
            .list_deployments()
            .set_application_name(group.map(|(a, _)| a.to_owned()))
            .set_deployment_group_name(group.map(|(_, g)| g.to_owned()))
            .set_include_only_statuses((!statuses.is_empty()).then(|| statuses.clone()))
            .set_create_time_range(range.clone())
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| c.error("codedeploy", "ListDeployments", &e))?;
        out.extend(page.deployments().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(out),
        }
    }
}

/// What a refresh keeps of CodeDeploy for the next: deployments that ended (with their target
/// and platform; BatchGetDeployments is not asked for them again) and custom deployment
/// configs (CodeDeploy has no call that changes one). Shared by every clone of the clients.
#[derive(Debug, Clone, Default)]
pub struct Cache(Arc<Mutex<CacheInner>>);

#[derive(Debug, Default)]
struct CacheInner {
    finished: HashMap<String, (Deployment, Platform)>,
    configs: HashMap<String, Routing>,
}

/// How long after a deployment ended its record is read again all the same: AWS writes the
/// rollback that a failure started into the failed deployment's `rollbackInfo` a moment after
/// its status turns Failed.
const SETTLED_MS: i64 = 60_000;

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The deployment as kept when it had ended and settled.
    pub fn finished(&self, id: &str) -> Option<(Deployment, Platform)> {
        self.lock().finished.get(id).cloned()
    }

    /// Keeps the deployments among `read` that ended more than [`SETTLED_MS`] before `now`,
    /// and forgets those not among `listed` (the memory stays as small as the list).
    pub fn keep_finished<'a>(
        &self,
        read: impl IntoIterator<Item = (&'a Deployment, Platform)>,
        listed: &HashSet<&str>,
        now: Timestamp,
    ) {
        let mut inner = self.lock();
        inner.finished.retain(|id, _| listed.contains(id.as_str()));
        for (d, platform) in read {
            let settled = d.completed.is_some_and(|at| now.0 - at.0 > SETTLED_MS);
            if d.status.is_terminal() && settled {
                inner.finished.insert(d.id.clone(), (d.clone(), platform));
            }
        }
    }

    fn config(&self, name: &str) -> Option<Routing> {
        self.lock().configs.get(name).copied()
    }

    fn keep_config(&self, name: &str, routing: Routing) {
        self.lock().configs.insert(name.to_owned(), routing);
    }
}

/// BatchGetDeployments, with each AppSpec revision's text where a person looks into the
/// deployment (read once per revision, see [`revisions::resolve`]). A revision that could not
/// be read stays unread: the cold snapshot reports why.
pub async fn deployments(c: &Clients, ids: &[String]) -> Result<Vec<Deployment>, AwsError> {
    let mut list = batch_deployments(c, ids).await?;
    let _ = revisions::resolve(c, &mut list).await;
    Ok(list)
}

/// BatchGetDeployments alone: AppSpec revisions named by their `sha256`, without their text.
pub async fn batch_deployments(c: &Clients, ids: &[String]) -> Result<Vec<Deployment>, AwsError> {
    Ok(deployments_on(c, ids)
        .await?
        .into_iter()
        .map(|(d, _)| d)
        .collect())
}

/// Whether a deployment runs on ECS, from BatchGetDeployments' `computePlatform` (`ECS`,
/// `Lambda` or `Server`). An answer that leaves it out (some AWS-compatible servers) is
/// taken as ECS: the deployment's group then decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Ecs,
    Other,
}

/// BatchGetDeployments, with each deployment's platform.
pub async fn deployments_on(
    c: &Clients,
    ids: &[String],
) -> Result<Vec<(Deployment, Platform)>, AwsError> {
    let _slot = c.codedeploy.slot().await;
    let out = c
        .codedeploy
        .client
        .batch_get_deployments()
        .set_deployment_ids(Some(ids.to_vec()))
        .send()
        .await
        .map_err(|e| c.error("codedeploy", "BatchGetDeployments", &e))?;
    Ok(out
        .deployments_info()
        .iter()
        .map(|d| {
            let platform = match d.compute_platform() {
                None | Some(sdk::ComputePlatform::Ecs) => Platform::Ecs,
                Some(_) => Platform::Other,
            };
            (deployment(d), platform)
        })
        .collect())
}

pub(super) fn deployment(d: &sdk::DeploymentInfo) -> Deployment {
    let rollback = d.rollback_info();
    let blue_green = d.blue_green_deployment_configuration();
    let ready = blue_green.and_then(|b| b.deployment_ready_option());
    Deployment {
        id: d.deployment_id().unwrap_or_default().to_owned(),
        application: d.application_name().unwrap_or_default().to_owned(),
        deployment_group: d.deployment_group_name().unwrap_or_default().to_owned(),
        config: d.deployment_config_name().unwrap_or_default().to_owned(),
        status: DeploymentStatus::parse(d.status().map_or("", |s| s.as_str())),
        creator: d.creator().map(|c| c.as_str().to_owned()),
        description: d.description().map(str::to_owned),
        created: d.create_time().map(ts),
        started: d.start_time().map(ts),
        completed: d.complete_time().map(ts),
        error: d.error_information().map(|e| DeploymentError {
            code: e.code().map_or_else(String::new, |c| c.as_str().to_owned()),
            message: e.message().unwrap_or_default().to_owned(),
        }),
        rollback_of: rollback
            .and_then(|r| r.rollback_triggering_deployment_id().map(str::to_owned)),
        rolled_back_by: rollback.and_then(|r| r.rollback_deployment_id().map(str::to_owned)),
        rollback_message: rollback.and_then(|r| r.rollback_message().map(str::to_owned)),
        termination_wait_started: d.instance_termination_wait_time_started(),
        ready_action: ready
            .and_then(|r| r.action_on_timeout())
            .map(|a| ReadyAction::parse(a.as_str())),
        ready_wait_minutes: ready.map_or(0, sdk::DeploymentReadyOption::wait_time_in_minutes),
        termination_wait_minutes: blue_green
            .and_then(|b| b.terminate_blue_instances_on_deployment_success())
            .map_or(
                0,
                sdk::BlueInstanceTerminationOption::termination_wait_time_in_minutes,
            ),
        revision: revisions::from_sdk(d.revision()),
        previous_revision: revisions::from_sdk(d.previous_revision()),
        target: None,
        progress: None,
    }
}

/// The targets of a deployment (ListDeploymentTargets, every page): for ECS exactly one,
/// `cluster:service`. A deployment not started yet has none
/// (`DeploymentNotStartedException`).
pub async fn target_ids(c: &Clients, deployment: &str) -> Result<Vec<String>, AwsError> {
    all_pages(|token| async move {
        let _slot = c.codedeploy.slot().await;
        match c
            .codedeploy
            .client
            .list_deployment_targets()
            .deployment_id(deployment)
            .set_next_token(token)
            .send()
            .await
        {
            Ok(page) => Ok((
                page.target_ids().to_vec(),
                page.next_token().map(str::to_owned),
            )),
            Err(e)
                if e.as_service_error().is_some_and(
                    ListDeploymentTargetsError::is_deployment_not_started_exception,
                ) =>
            {
                Ok((Vec::new(), None))
            }
            Err(e) => Err(c
                .error("codedeploy", "ListDeploymentTargets", &e)
                .on(deployment)),
        }
    })
    .await
}

/// The ECS target of a deployment: lifecycle events and task sets with traffic weights;
/// `None` for a deployment that has no target yet (callers skip those that have not
/// started: see [`DeploymentStatus::has_started`]; one that was read as not started a moment
/// ago answers `DeploymentNotStartedException`, which is the same "no target yet").
pub async fn target(
    c: &Clients,
    deployment: &str,
    target_id: &str,
) -> Result<Option<EcsTarget>, AwsError> {
    let _slot = c.codedeploy.slot().await;
    let out = match c
        .codedeploy
        .client
        .batch_get_deployment_targets()
        .deployment_id(deployment)
        .target_ids(target_id)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e)
            if e.as_service_error().is_some_and(
                BatchGetDeploymentTargetsError::is_deployment_not_started_exception,
            ) =>
        {
            return Ok(None);
        }
        Err(e) => {
            return Err(c
                .error("codedeploy", "BatchGetDeploymentTargets", &e)
                .on(deployment));
        }
    };
    Ok(out
        .deployment_targets()
        .iter()
        .find_map(|t| t.ecs_target())
        .map(|t| ecs_target(t, target_id)))
}

/// An ECS deployment target as the model holds it; `target_id` when CodeDeploy leaves it out.
pub(super) fn ecs_target(t: &sdk::EcsTarget, target_id: &str) -> EcsTarget {
    EcsTarget {
        target_id: t.target_id().unwrap_or(target_id).to_owned(),
        status: LifecycleStatus::parse(t.status().map_or("", |s| s.as_str())),
        last_updated: t.last_updated_at().map(ts),
        lifecycle_events: t
            .lifecycle_events()
            .iter()
            .map(|e| LifecycleEvent {
                name: e.lifecycle_event_name().unwrap_or_default().to_owned(),
                status: LifecycleStatus::parse(e.status().map_or("", |s| s.as_str())),
                start: e.start_time().map(ts),
                end: e.end_time().map(ts),
                diagnostics: e.diagnostics().map(|d| Diagnostics {
                    error_code: d.error_code().map(|c| c.as_str().to_owned()),
                    script_name: d.script_name().map(str::to_owned),
                    message: d.message().map(str::to_owned),
                    log_tail: d.log_tail().map(str::to_owned),
                }),
            })
            .collect(),
        task_sets: t
            .task_sets_info()
            .iter()
            .map(|s| DeployTaskSet {
                // CodeDeploy's model spells the member `identifer`.
                id: s.identifer().unwrap_or_default().to_owned(),
                label: TaskSetLabel::parse(s.task_set_label().map_or("", |l| l.as_str())),
                status: TaskSetStatus::parse(s.status().unwrap_or("")),
                desired: s.desired_count(),
                running: s.running_count(),
                pending: s.pending_count(),
                traffic_weight: s.traffic_weight(),
                target_group_name: s.target_group().and_then(|t| t.name().map(str::to_owned)),
            })
            .collect(),
    }
}

/// A custom deployment config's routing, read once (configs never change).
pub async fn config(c: &Clients, name: &str) -> Result<Option<Routing>, AwsError> {
    if let Some(known) = c.codedeploy_cache.config(name) {
        return Ok(Some(known));
    }
    let routing = read_config(c, name).await?;
    if let Some(routing) = routing {
        c.codedeploy_cache.keep_config(name, routing);
    }
    Ok(routing)
}

async fn read_config(c: &Clients, name: &str) -> Result<Option<Routing>, AwsError> {
    let _slot = c.codedeploy.slot().await;
    let out = c
        .codedeploy
        .client
        .get_deployment_config()
        .deployment_config_name(name)
        .send()
        .await
        .map_err(|e| c.error("codedeploy", "GetDeploymentConfig", &e).on(name))?;
    let routing = out
        .deployment_config_info()
        .and_then(|i| i.traffic_routing_config());
    Ok(routing.map(|r| match r.r#type() {
        Some(sdk::TrafficRoutingType::TimeBasedCanary) => {
            let c = r.time_based_canary();
            Routing::Canary {
                percent: c.map_or(0, sdk::TimeBasedCanary::canary_percentage),
                minutes: c.map_or(0, sdk::TimeBasedCanary::canary_interval),
            }
        }
        Some(sdk::TrafficRoutingType::TimeBasedLinear) => {
            let l = r.time_based_linear();
            Routing::Linear {
                percent: l.map_or(0, sdk::TimeBasedLinear::linear_percentage),
                minutes: l.map_or(0, sdk::TimeBasedLinear::linear_interval),
            }
        }
        _ => Routing::AllAtOnce,
    }))
}

//! Reads the fleet into one linked [`Snapshot`]. The four services are read side by side;
//! inside each, calls that do not depend on one another run concurrently (bounded per
//! service by [`Clients`]); lists are paged; batches are filled to their limits; no call is
//! made twice. A failure in one service or resource becomes a [`Gap`] and leaves the rest of
//! the snapshot intact.
//!
//! The critical path is ECS: ListClusters → ListServices → DescribeServices → ListTasks
//! (stopped, failing services only) → DescribeTasks. CodeDeploy needs four rounds, CodePipeline
//! and ELBv2 three.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::oneshot;

use super::codedeploy::Platform;
use super::codepipeline::cache::Within;
use super::{
    AwsError, Clients, codedeploy, codepipeline, ecs, elbv2, revisions, service_deployments,
};
use crate::config::Scope;
use crate::model::deploy::{Application, Deployment, DeploymentGroup, Routing};
use crate::model::ecs::{Cluster, Service};
use crate::model::elb::{Listener, ListenerRule, LoadBalancer, TargetGroup};
use crate::model::pipeline::{ExecutionSummary, Pipeline};
use crate::model::service_deployment::{ServiceDeployment, ServiceRevision};
use crate::model::status::{Controller, ExecutionStatus, StageStatus};
use crate::model::{ServiceRef, Snapshot, Timestamp};

/// Deployments still moving, for ListDeployments' status filter.
const IN_FLIGHT: &[&str] = &["Created", "Queued", "InProgress", "Baking", "Ready"];
const DAY_MS: i64 = 24 * 3_600_000;
/// A running pipeline read whole this recently by the console's warm refresh (every 10 s) is
/// taken as it is: read again, it could only be a few seconds newer.
const RECENT: Duration = Duration::from_secs(10);
/// An idle pipeline is read again after this long at least (so every snapshot, a minute
/// apart, reads it), and in an account of many, after a second per idle pipeline: a new
/// execution is found a little later, and idle pipelines cost at most about a call a second
/// of CodePipeline's budget (5 a second by default) whatever their number.
const IDLE_AT_LEAST: Duration = Duration::from_secs(50);
const IDLE_PER_PIPELINE: Duration = Duration::from_secs(1);

/// Errors met along the way; each becomes a gap in the snapshot.
#[derive(Default)]
struct Gaps(Mutex<Vec<AwsError>>);

impl Gaps {
    fn push(&self, error: AwsError) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(error);
    }

    /// The value, or `None` with the error recorded.
    fn keep<T>(&self, result: Result<T, AwsError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(error);
                None
            }
        }
    }

    fn into_inner(self) -> Vec<AwsError> {
        self.0
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Takes one snapshot. Fails only when nothing could be read (no network, every service
/// denied or unreachable) or the credentials are missing or expired; a service that cannot
/// be reached is a gap, and the rest is read.
pub async fn take(c: &Clients, scope: &Scope) -> Result<Snapshot, AwsError> {
    take_with(c, scope, Reuse::Recent).await
}

/// What a snapshot may take from what was read before instead of reading it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// What cannot have changed (a pipeline's declaration of the same version, a finished
    /// deployment, a still target group's health within its spread), and a pipeline a
    /// refresh read a moment ago.
    Recent,
    /// What cannot have changed alone: a person asked to see it now.
    Unchangeable,
}

/// [`take`], reusing what `reuse` allows.
pub async fn take_with(c: &Clients, scope: &Scope, reuse: Reuse) -> Result<Snapshot, AwsError> {
    // The joined reads make a large future; keep it on the heap, not the caller's stack.
    Box::pin(read(c, scope, reuse)).await
}

async fn read(c: &Clients, scope: &Scope, reuse: Reuse) -> Result<Snapshot, AwsError> {
    let gaps = Gaps::default();
    let (ecs_groups_tx, ecs_groups_rx) = oneshot::channel::<BTreeSet<String>>();
    let (cd_groups_tx, cd_groups_rx) = oneshot::channel::<BTreeSet<String>>();
    let identity = c.identity();
    let (identity, pipelines, deploy, ecs, elb) = tokio::join!(
        identity,
        read_pipelines(c, scope, &gaps, reuse),
        read_deployments(c, scope, &gaps, cd_groups_tx),
        read_ecs(c, scope, &gaps, ecs_groups_tx),
        read_elb(c, &gaps, ecs_groups_rx, cd_groups_rx),
    );
    let identity = match identity {
        Ok(identity) => Some(identity),
        Err(error) if error.is_fatal() => return Err(error),
        Err(error) => {
            gaps.push(error);
            None
        }
    };
    let errors = gaps.into_inner();
    if let Some(fatal) = errors.iter().find(|e| e.is_fatal()) {
        return Err(fatal.clone());
    }
    let EcsRead {
        clusters,
        services,
        service_deployments,
        service_revisions,
    } = ecs;
    let DeployRead {
        applications,
        groups,
        deployments,
        configs,
        not_ours,
    } = deploy;
    let ElbRead {
        load_balancers,
        listeners,
        rules,
        target_groups,
    } = elb;
    let nothing = pipelines.is_empty()
        && applications.is_empty()
        && services.is_empty()
        && load_balancers.is_empty();
    if nothing && let Some(first) = errors.first() {
        return Err(first.clone());
    }
    let mut snapshot = Snapshot {
        taken_at: c.server_time().unwrap_or_else(Timestamp::now),
        source: c.source(),
        identity,
        pipelines,
        applications,
        deployment_groups: groups,
        deployments,
        service_deployments,
        service_revisions,
        clusters,
        services,
        load_balancers,
        listeners,
        rules,
        target_groups,
        deployment_configs: configs,
        gaps: errors.iter().map(AwsError::to_gap).collect(),
        not_ours,
        ..Snapshot::default()
    };
    snapshot.link();
    Ok(snapshot)
}

async fn read_pipelines(c: &Clients, scope: &Scope, gaps: &Gaps, reuse: Reuse) -> Vec<Pipeline> {
    let Some(names) = gaps.keep(codepipeline::list(c).await) else {
        return Vec::new();
    };
    let names: Vec<(String, Option<i32>)> = names
        .into_iter()
        .filter(|(n, _)| scope.pipeline(n))
        .collect();
    let idle = IDLE_PER_PIPELINE * u32::try_from(names.len()).unwrap_or(u32::MAX);
    let within = match reuse {
        Reuse::Recent => Within {
            moving: RECENT,
            idle: IDLE_AT_LEAST.max(idle),
        },
        Reuse::Unchangeable => Within::NOTHING,
    };
    let read = join_all(
        names
            .iter()
            .map(|(n, version)| codepipeline::pipeline_refreshed(c, n, *version, within)),
    )
    .await;
    let mut pipelines: Vec<Pipeline> = read
        .into_iter()
        .filter_map(|r| gaps.keep(r))
        .map(|(pipeline, missing)| {
            for error in missing {
                gaps.push(error);
            }
            pipeline
        })
        .collect();
    // The failed actions of each pipeline's latest failed execution, for "why it failed".
    let failed: Vec<(usize, ExecutionSummary)> = pipelines
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let latest = p.latest_execution()?;
            let stage_failed = p.stages.iter().any(|s| {
                s.status == Some(StageStatus::Failed)
                    && s.execution_id.as_deref() == Some(&latest.id)
            });
            (latest.status == ExecutionStatus::Failed || stage_failed).then(|| (i, latest.clone()))
        })
        .collect();
    let details =
        join_all(failed.iter().map(|(i, execution)| {
            codepipeline::failures_refreshed(c, &pipelines[*i].name, execution)
        }))
        .await;
    for ((i, _), result) in failed.iter().zip(details) {
        if let Some(failures) = gaps.keep(result) {
            pipelines[*i].failures = failures;
        }
    }
    pipelines
}

struct DeployRead {
    applications: Vec<Application>,
    groups: Vec<DeploymentGroup>,
    deployments: Vec<Deployment>,
    configs: BTreeMap<String, Routing>,
    /// Deployments read that are outside the scope or not on ECS.
    not_ours: BTreeSet<String>,
}

async fn read_deployments(
    c: &Clients,
    scope: &Scope,
    gaps: &Gaps,
    target_groups: oneshot::Sender<BTreeSet<String>>,
) -> DeployRead {
    // Round 1: applications and the deployments in flight. The 24-hour window is measured
    // in the service's time, which the first answer tells.
    let (names, in_flight) = tokio::join!(
        codedeploy::list_applications(c),
        codedeploy::list_deployments(c, IN_FLIGHT, None)
    );
    let names: Vec<String> = gaps
        .keep(names)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| scope.application(n))
        .collect();
    let since = c.server_time().unwrap_or_else(Timestamp::now).0 - DAY_MS;
    // Round 2: applications, their groups, the last day's deployments.
    let (applications, group_names, recent) = tokio::join!(
        join_all(
            names
                .chunks(codedeploy::BATCH_APPLICATIONS)
                .map(|chunk| codedeploy::applications(c, chunk))
        ),
        join_all(
            names
                .iter()
                .map(|n| async move { (n.clone(), codedeploy::list_groups(c, n).await) })
        ),
        codedeploy::list_deployments(c, &[], Some(Timestamp(since))),
    );
    let applications: Vec<Application> = applications
        .into_iter()
        .filter_map(|r| gaps.keep(r))
        .flatten()
        .filter(|a| a.compute_platform == "ECS")
        .collect();
    let ecs_apps: HashSet<&str> = applications.iter().map(|a| a.name.as_str()).collect();
    let mut ids: Vec<String> = gaps.keep(in_flight).unwrap_or_default();
    ids.extend(gaps.keep(recent).unwrap_or_default());
    let mut seen = HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    // Round 3: the groups and the deployments, batched.
    let group_batches: Vec<(String, Vec<String>)> = group_names
        .into_iter()
        .filter(|(app, _)| ecs_apps.contains(app.as_str()))
        .filter_map(|(app, result)| gaps.keep(result).map(|names| (app, names)))
        .flat_map(|(app, names)| {
            names
                .chunks(codedeploy::BATCH_GROUPS)
                .map(|c| (app.clone(), c.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect();
    // A deployment that ended is read once: it is kept from the last read.
    let (finished, unread): (Vec<_>, Vec<_>) = ids
        .iter()
        .map(|id| (id, c.codedeploy_cache.finished(id)))
        .partition(|(_, known)| known.is_some());
    let unread: Vec<String> = unread.into_iter().map(|(id, _)| id.clone()).collect();
    let (groups, mut deployments) = tokio::join!(
        join_all(
            group_batches
                .iter()
                .map(|(app, names)| codedeploy::groups(c, app, names))
        ),
        join_all(
            unread
                .chunks(codedeploy::BATCH_DEPLOYMENTS)
                .map(|chunk| codedeploy::deployments_on(c, chunk))
        ),
    );
    deployments.push(Ok(finished.into_iter().filter_map(|(_, d)| d).collect()));
    let groups: Vec<DeploymentGroup> = groups
        .into_iter()
        .filter_map(|r| gaps.keep(r))
        .flatten()
        .filter(|g| {
            g.cluster.as_deref().is_none_or(|k| scope.cluster(k))
                && g.service.as_deref().is_none_or(|s| scope.service(s))
        })
        .collect();
    let names: BTreeSet<String> = groups
        .iter()
        .flat_map(|g| g.target_group_names.iter().cloned())
        .collect();
    let _ = target_groups.send(names);
    let (mut deployments, others) = ours_and_others(gaps, &groups, deployments);
    let not_ours: BTreeSet<String> = others.iter().map(|(d, _)| d.id.clone()).collect();
    // Round 4: what the deployments in flight or failed need, and custom configs.
    let configs = read_details(c, gaps, &groups, &mut deployments).await;
    let listed: HashSet<&str> = ids.iter().map(String::as_str).collect();
    c.codedeploy_cache.keep_finished(
        deployments
            .iter()
            .map(|d| (d, Platform::Ecs))
            // Each with the platform it came with: an ECS deployment left out only because its
            // group could not be read this time must not be kept as another platform's, or
            // every later snapshot would leave it out too.
            .chain(others.iter().map(|(d, platform)| (d, *platform))),
        &listed,
        c.server_time().unwrap_or_else(Timestamp::now),
    );
    DeployRead {
        applications,
        groups,
        deployments,
        configs,
        not_ours,
    }
}

/// Splits the deployments read into those of ECS groups in scope, newest first, and the rest
/// with their platform.
fn ours_and_others(
    gaps: &Gaps,
    groups: &[DeploymentGroup],
    results: Vec<Result<Vec<(Deployment, Platform)>, AwsError>>,
) -> (Vec<Deployment>, Vec<(Deployment, Platform)>) {
    let in_scope: HashSet<(&str, &str)> = groups
        .iter()
        .map(|g| (g.application.as_str(), g.name.as_str()))
        .collect();
    let (ours, others): (Vec<_>, Vec<_>) = results
        .into_iter()
        .filter_map(|r| gaps.keep(r))
        .flatten()
        .partition(|(d, platform)| {
            *platform == Platform::Ecs
                && in_scope.contains(&(d.application.as_str(), d.deployment_group.as_str()))
        });
    let mut deployments: Vec<Deployment> = ours.into_iter().map(|(d, _)| d).collect();
    deployments.sort_by_key(|d| std::cmp::Reverse(d.created));
    (deployments, others)
}

/// Round 4 of reading CodeDeploy: the ECS target and the AppSpec revision (once per revision,
/// cached) of each deployment in flight or failed, and custom configs. Returns the routing of
/// every config the groups and deployments name.
async fn read_details(
    c: &Clients,
    gaps: &Gaps,
    groups: &[DeploymentGroup],
    deployments: &mut [Deployment],
) -> BTreeMap<String, Routing> {
    let wanted = ecs_targets_wanted(groups, deployments);
    let (mut configs, custom) = builtin_configs(groups, deployments);
    let (targets, custom_configs, revision_errors) = tokio::join!(
        join_all(
            wanted
                .iter()
                .map(|(_, id, target)| codedeploy::target(c, id, target))
        ),
        join_all(
            custom
                .iter()
                .map(|name| async move { (name.clone(), codedeploy::config(c, name).await) })
        ),
        revisions::resolve(c, deployments),
    );
    for error in revision_errors {
        gaps.push(error);
    }
    for ((i, _, _), result) in wanted.iter().zip(targets) {
        if let Some(target) = gaps.keep(result) {
            deployments[*i].target = target;
        }
    }
    for (name, result) in custom_configs {
        if let Some(Some(routing)) = gaps.keep(result) {
            configs.insert(name, routing);
        }
    }
    configs
}

/// (index, deployment id, ECS target id `cluster:service`) of each started deployment whose
/// detail is needed.
fn ecs_targets_wanted(
    groups: &[DeploymentGroup],
    deployments: &[Deployment],
) -> Vec<(usize, String, String)> {
    deployments
        .iter()
        .enumerate()
        .filter(|(_, d)| d.status.has_started() && d.needs_detail())
        // One that ended and was kept has its target already.
        .filter(|(_, d)| !(d.status.is_terminal() && d.target.is_some()))
        .filter_map(|(i, d)| {
            let g = groups
                .iter()
                .find(|g| g.application == d.application && g.name == d.deployment_group)?;
            Some((
                i,
                d.id.clone(),
                format!("{}:{}", g.cluster.as_deref()?, g.service.as_deref()?),
            ))
        })
        .collect()
}

/// The routing of the built-in configs the groups and deployments name, and the names of the
/// custom ones, which must be read.
fn builtin_configs(
    groups: &[DeploymentGroup],
    deployments: &[Deployment],
) -> (BTreeMap<String, Routing>, BTreeSet<String>) {
    let mut configs: BTreeMap<String, Routing> = BTreeMap::new();
    let mut custom: BTreeSet<String> = BTreeSet::new();
    for name in groups
        .iter()
        .map(|g| &g.config)
        .chain(deployments.iter().map(|d| &d.config))
    {
        match codedeploy::builtin_routing(name) {
            Some(routing) => {
                configs.insert(name.clone(), routing);
            }
            None if !name.is_empty() => {
                custom.insert(name.clone());
            }
            None => {}
        }
    }
    (configs, custom)
}

struct EcsRead {
    clusters: Vec<Cluster>,
    services: Vec<Service>,
    service_deployments: Vec<ServiceDeployment>,
    service_revisions: Vec<ServiceRevision>,
}

async fn read_ecs(
    c: &Clients,
    scope: &Scope,
    gaps: &Gaps,
    target_groups: oneshot::Sender<BTreeSet<String>>,
) -> EcsRead {
    // Named clusters need no ListClusters; patterns and "all" do.
    let exact = !scope.clusters.is_empty() && scope.clusters.iter().all(|c| !c.contains('*'));
    let names: Vec<String> = if exact {
        scope.clusters.clone()
    } else {
        let arns = gaps.keep(ecs::list_clusters(c).await).unwrap_or_default();
        arns.iter()
            .map(|a| a.rsplit('/').next().unwrap_or(a).to_owned())
            .filter(|n| scope.cluster(n))
            .collect()
    };
    let (clusters, per_cluster) = tokio::join!(
        ecs::describe_clusters(c, &names),
        join_all(names.iter().map(|cluster| async move {
            let Some(arns) = gaps.keep(ecs::list_services(c, cluster).await) else {
                return Vec::new();
            };
            let arns: Vec<String> = arns
                .into_iter()
                .filter(|a| scope.service(a.rsplit('/').next().unwrap_or(a)))
                .collect();
            let described = join_all(
                arns.chunks(ecs::DESCRIBE_SERVICES_BATCH)
                    .map(|chunk| ecs::describe_services(c, cluster, chunk)),
            )
            .await;
            described
                .into_iter()
                .filter_map(|r| gaps.keep(r))
                .flatten()
                .collect::<Vec<Service>>()
        })),
    );
    let clusters = gaps.keep(clusters).unwrap_or_default();
    let mut services: Vec<Service> = per_cluster.into_iter().flatten().collect();
    let _ = target_groups.send(
        services
            .iter()
            .flat_map(|s| s.target_group_arns().map(str::to_owned))
            .collect(),
    );
    // Stopped tasks say why a failing service fails.
    let failing: Vec<usize> = services
        .iter()
        .enumerate()
        .filter(|(_, s)| is_failing(s))
        .map(|(i, _)| i)
        .collect();
    // The service deployments of the services ECS deploys itself; CODE_DEPLOY services are
    // never asked (ListServiceDeployments has nothing to say of them).
    let native: Vec<ServiceRef> = services
        .iter()
        .filter(|s| s.controller == Controller::Ecs)
        .map(|s| ServiceRef::new(&s.cluster, &s.name))
        .collect();
    let since = Timestamp(c.server_time().unwrap_or_else(Timestamp::now).0 - DAY_MS);
    let (stopped, native) = tokio::join!(
        join_all(failing.iter().map(|i| ecs::stopped_tasks(
            c,
            &services[*i].cluster,
            &services[*i].name
        )),),
        service_deployments::read(c, &native, since),
    );
    for (i, result) in failing.iter().zip(stopped) {
        if let Some(tasks) = gaps.keep(result) {
            services[*i].stopped_tasks = tasks;
        }
    }
    for error in native.errors {
        gaps.push(error);
    }
    EcsRead {
        clusters,
        services,
        service_deployments: native.deployments,
        service_revisions: native.revisions,
    }
}

/// Short of tasks, a task set not settling, or an ECS rollout that failed.
fn is_failing(s: &Service) -> bool {
    let expected: i32 = if s.task_sets.is_empty() {
        s.desired
    } else {
        s.task_sets.iter().map(|t| t.desired).sum()
    };
    s.running < expected
        || s.task_sets
            .iter()
            .any(|t| t.stability.as_deref() == Some("STABILIZING"))
        || s.deployments
            .iter()
            .any(|d| d.rollout_state.as_deref() == Some("FAILED") || d.failed_tasks > 0)
}

struct ElbRead {
    load_balancers: Vec<LoadBalancer>,
    listeners: Vec<Listener>,
    rules: Vec<ListenerRule>,
    target_groups: Vec<TargetGroup>,
}

async fn read_elb(
    c: &Clients,
    gaps: &Gaps,
    ecs_groups: oneshot::Receiver<BTreeSet<String>>,
    cd_groups: oneshot::Receiver<BTreeSet<String>>,
) -> ElbRead {
    let (load_balancers, target_groups, (used_by_tasks, names)) =
        tokio::join!(elbv2::load_balancers(c), elbv2::target_groups(c), async {
            let (arns, names) = tokio::join!(ecs_groups, cd_groups);
            (arns.unwrap_or_default(), names.unwrap_or_default())
        });
    // Only what the services and deployment groups read use, whatever the scope: an account's
    // other load balancers are none of this console's business, and ELB's Describe budget is
    // shared with everything in the account.
    let mut target_groups = gaps.keep(target_groups).unwrap_or_default();
    target_groups.retain(|t| used_by_tasks.contains(&t.arn) || names.contains(&t.name));
    let used: HashSet<&str> = target_groups
        .iter()
        .flat_map(|t| t.load_balancer_arns.iter().map(String::as_str))
        .collect();
    let mut load_balancers = gaps.keep(load_balancers).unwrap_or_default();
    load_balancers.retain(|l| used.contains(l.arn.as_str()));
    // Health of the groups behind a load balancer, and of any other group a task set
    // registers into (normally none: AWS registers targets only in attached groups). A still
    // group's health read a little while ago is kept.
    let now = std::time::Instant::now();
    let wanted: Vec<usize> = target_groups
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.load_balancer_arns.is_empty() || used_by_tasks.contains(&t.arn))
        .map(|(i, _)| i)
        .collect();
    let (listeners, health) = tokio::join!(
        join_all(load_balancers.iter().map(|l| elbv2::listeners(c, &l.arn))),
        join_all(wanted.iter().map(|i| {
            let arn = &target_groups[*i].arn;
            async move {
                match c.health.kept(arn, now) {
                    Some(targets) => Ok(targets),
                    None => elbv2::target_health(c, arn).await,
                }
            }
        })),
    );
    for (i, result) in wanted.iter().zip(health) {
        target_groups[*i].targets = gaps.keep(result);
    }
    c.health
        .retain(&target_groups.iter().map(|t| t.arn.as_str()).collect());
    let listeners: Vec<Listener> = listeners
        .into_iter()
        .filter_map(|r| gaps.keep(r))
        .flatten()
        .collect();
    let rules = join_all(listeners.iter().map(|l| elbv2::rules(c, &l.arn))).await;
    let rules = rules
        .into_iter()
        .filter_map(|r| gaps.keep(r))
        .flatten()
        .collect();
    ElbRead {
        load_balancers,
        listeners,
        rules,
        target_groups,
    }
}

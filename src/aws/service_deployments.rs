//! ECS service deployments adapter: ListServiceDeployments (paged, at most 100 a page),
//! DescribeServiceDeployments and DescribeServiceRevisions (at most 20 ARNs a call, as
//! botocore's ECS model documents both), mapped to `model::service_deployment`. An ARN AWS
//! answers in `failures[]` (gone, or not a service deployment) is left out, never an error
//! for the others.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_ecs::types as sdk;
use futures::future::join_all;

use super::{AwsError, Clients, all_pages, ts};
use crate::model::service_deployment::{
    Alarms, CircuitBreaker, HookDetail, RevisionCounts, RollbackInfo, ServiceDeployment,
    ServiceRevision, Strategy, service_of,
};
use crate::model::status::{
    DeploymentStrategy, HookAction, HookStatus, HookTarget, MonitorStatus, ServiceDeploymentStage,
    ServiceDeploymentStatus,
};
use crate::model::{ServiceRef, Timestamp};

/// DescribeServiceDeployments and DescribeServiceRevisions take at most 20 ARNs.
pub const DESCRIBE_BATCH: usize = 20;
/// ListServiceDeployments answers at most 100 a page.
pub const LIST_PAGE: i32 = 100;

/// The statuses of a deployment still moving (AWS's "pending" and "ongoing" phases).
pub const IN_FLIGHT: &[ServiceDeploymentStatus] = &[
    ServiceDeploymentStatus::Pending,
    ServiceDeploymentStatus::InProgress,
    ServiceDeploymentStatus::StopRequested,
    ServiceDeploymentStatus::RollbackRequested,
    ServiceDeploymentStatus::RollbackInProgress,
];

/// Service revisions read with DescribeServiceRevisions, by ARN, shared by every clone of
/// the clients: a revision never changes, so each is read once.
#[derive(Debug, Clone, Default)]
pub struct RevisionCache(Arc<Mutex<HashMap<String, ServiceRevision>>>);

impl RevisionCache {
    fn get(&self, arn: &str) -> Option<ServiceRevision> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(arn).cloned()
    }

    fn insert(&self, revision: ServiceRevision) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.insert(revision.arn.clone(), revision);
    }
}

/// What a refresh keeps of service deployments for the next: those that ended (not described
/// again), and for each service whose deployments were listed, the ARNs of those in flight (so
/// that later snapshots list only the last day's and still follow one in flight for longer).
/// Shared by every clone of the clients.
#[derive(Debug, Clone, Default)]
pub struct Cache(Arc<Mutex<CacheInner>>);

#[derive(Debug, Default)]
struct CacheInner {
    finished: HashMap<String, ServiceDeployment>,
    in_flight: HashMap<ServiceRef, Vec<String>>,
}

/// How long after a deployment ended it is described again all the same: ECS fills in the
/// last counts and `finishedAt` of a deployment a moment after its status changes.
const SETTLED_MS: i64 = 60_000;

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The ARNs in flight when `service` was last listed; `None` if it never was.
    fn in_flight(&self, service: &ServiceRef) -> Option<Vec<String>> {
        self.lock().in_flight.get(service).cloned()
    }

    fn finished(&self, arn: &str) -> Option<ServiceDeployment> {
        self.lock().finished.get(arn).cloned()
    }

    /// Keeps what was read of `services`: those in flight by service, those that ended and
    /// settled by ARN; forgets the ended ones no longer listed.
    fn keep(
        &self,
        services: &[ServiceRef],
        read: &[ServiceDeployment],
        listed: &BTreeSet<String>,
        now: Timestamp,
    ) {
        let mut inner = self.lock();
        inner.finished.retain(|arn, _| listed.contains(arn));
        for service in services {
            inner.in_flight.insert(service.clone(), Vec::new());
        }
        for d in read {
            if d.in_flight() {
                inner
                    .in_flight
                    .entry(d.service.clone())
                    .or_default()
                    .push(d.arn.clone());
            } else if d
                .finished_at
                .or(d.stopped_at)
                .is_some_and(|at| now.0 - at.0 > SETTLED_MS)
            {
                inner.finished.insert(d.arn.clone(), d.clone());
            }
        }
    }
}

/// What the cold snapshot read of service deployments, and what it could not read.
#[derive(Debug, Default)]
pub struct Read {
    pub deployments: Vec<ServiceDeployment>,
    pub revisions: Vec<ServiceRevision>,
    pub errors: Vec<AwsError>,
}

/// The service deployments of `services` (whose controller is ECS: a CODE_DEPLOY service is
/// never asked) in flight, whatever their age (a pause hook may wait up to 14 days), and
/// created since `since`; each described once, in batches of [`DESCRIBE_BATCH`], and one that
/// ended not again; and the revisions they move between, each read once for as long as the
/// clients live.
///
/// A service is listed twice the first time (those in flight, and the last day's), then once
/// (the last day's) with the ARNs in flight at the last read added: a deployment that starts
/// later is in the last day's list.
pub async fn read(c: &Clients, services: &[ServiceRef], since: crate::model::Timestamp) -> Read {
    let mut out = Read::default();
    let now = c.server_time().unwrap_or_else(Timestamp::now);
    let since = aws_smithy_types::DateTime::from_millis(since.0);
    // Round 1: one or two lists per service, side by side.
    let listed = join_all(services.iter().map(|s| async move {
        let known = c.service_deployments.in_flight(s);
        let (in_flight, recent) = tokio::join!(
            async {
                match known {
                    Some(arns) => Ok(arns),
                    None => list(c, s, IN_FLIGHT, None).await,
                }
            },
            list(c, s, &[], Some(since))
        );
        [in_flight, recent]
    }))
    .await;
    let mut seen = BTreeSet::new();
    let mut arns = Vec::new();
    for result in listed.into_iter().flatten() {
        match result {
            Ok(list) => arns.extend(list.into_iter().filter(|a| seen.insert(a.clone()))),
            Err(error) => out.errors.push(error),
        }
    }
    // Round 2: described, twenty at a time; those that ended, from the last read.
    let (finished, unread): (Vec<_>, Vec<_>) = arns
        .iter()
        .map(|arn| (arn, c.service_deployments.finished(arn)))
        .partition(|(_, known)| known.is_some());
    out.deployments
        .extend(finished.into_iter().filter_map(|(_, d)| d));
    let unread: Vec<String> = unread.into_iter().map(|(arn, _)| arn.clone()).collect();
    let described = join_all(
        unread
            .chunks(DESCRIBE_BATCH)
            .map(|chunk| describe(c, chunk)),
    )
    .await;
    for result in described {
        match result {
            Ok(list) => out.deployments.extend(list),
            Err(error) => out.errors.push(error),
        }
    }
    if out.errors.is_empty() {
        c.service_deployments
            .keep(services, &out.deployments, &seen, now);
    }
    out.deployments
        .sort_by_key(|d| std::cmp::Reverse(d.created_at));
    // Round 3: the revisions not read before.
    let wanted: BTreeSet<&str> = out
        .deployments
        .iter()
        .flat_map(|d| d.sources.iter().chain(&d.target).map(|r| r.arn.as_str()))
        .collect();
    let mut missing = Vec::new();
    for arn in wanted {
        match c.service_revisions.get(arn) {
            Some(revision) => out.revisions.push(revision),
            None => missing.push(arn.to_owned()),
        }
    }
    let read = join_all(
        missing
            .chunks(DESCRIBE_BATCH)
            .map(|chunk| revisions(c, chunk)),
    )
    .await;
    for result in read {
        match result {
            Ok(list) => {
                for revision in list {
                    c.service_revisions.insert(revision.clone());
                    out.revisions.push(revision);
                }
            }
            Err(error) => out.errors.push(error),
        }
    }
    out
}

/// The service deployments of one service, newest first as ECS lists them: those in
/// `statuses` (all when empty), created at or after `since` when given.
pub async fn list(
    c: &Clients,
    service: &ServiceRef,
    statuses: &[ServiceDeploymentStatus],
    since: Option<aws_smithy_types::DateTime>,
) -> Result<Vec<String>, AwsError> {
    let created = since.map(|after| sdk::CreatedAt::builder().after(after).build());
    let statuses: Option<Vec<sdk::ServiceDeploymentStatus>> = (!statuses.is_empty()).then(|| {
        statuses
            .iter()
            .map(|s| sdk::ServiceDeploymentStatus::from(s.as_str()))
            .collect()
    });
    all_pages(|token| {
        let created = created.clone();
        let statuses = statuses.clone();
        async move {
            let _slot = c.ecs.slot().await;
            let out = c
                .ecs
                .client
                .list_service_deployments()
                .cluster(&service.cluster)
                .service(&service.service)
                .set_created_at(created)
                .set_status(statuses)
                .max_results(LIST_PAGE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| {
                    c.error("ecs", "ListServiceDeployments", &e)
                        .on(service.to_string())
                })?;
            let arns = out
                .service_deployments()
                .iter()
                .filter_map(|b| b.service_deployment_arn().map(str::to_owned))
                .collect();
            Ok((arns, out.next_token().map(str::to_owned)))
        }
    })
    .await
}

/// The deployments named, in batches of [`DESCRIBE_BATCH`].
pub async fn describe(c: &Clients, arns: &[String]) -> Result<Vec<ServiceDeployment>, AwsError> {
    let mut found = Vec::new();
    for chunk in arns.chunks(DESCRIBE_BATCH) {
        let _slot = c.ecs.slot().await;
        let out = c
            .ecs
            .client
            .describe_service_deployments()
            .set_service_deployment_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| c.error("ecs", "DescribeServiceDeployments", &e))?;
        found.extend(out.service_deployments().iter().filter_map(deployment));
    }
    Ok(found)
}

/// The revisions named, in batches of [`DESCRIBE_BATCH`].
pub async fn revisions(c: &Clients, arns: &[String]) -> Result<Vec<ServiceRevision>, AwsError> {
    let mut found = Vec::new();
    for chunk in arns.chunks(DESCRIBE_BATCH) {
        let _slot = c.ecs.slot().await;
        let out = c
            .ecs
            .client
            .describe_service_revisions()
            .set_service_revision_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| c.error("ecs", "DescribeServiceRevisions", &e))?;
        found.extend(out.service_revisions().iter().filter_map(revision));
    }
    Ok(found)
}

/// A deployment as the model holds it; `None` without an ARN to name it by.
pub fn deployment(d: &sdk::ServiceDeployment) -> Option<ServiceDeployment> {
    let arn = d.service_deployment_arn()?.to_owned();
    let service = service_of(&arn).or_else(|| d.service_arn().and_then(service_of))?;
    Some(ServiceDeployment {
        service,
        status: d.status().map_or_else(
            || ServiceDeploymentStatus::parse(""),
            |s| ServiceDeploymentStatus::parse(s.as_str()),
        ),
        status_reason: d.status_reason().map(str::to_owned),
        stage: d
            .lifecycle_stage()
            .map(|s| ServiceDeploymentStage::parse(s.as_str())),
        created_at: d.created_at().map(ts),
        started_at: d.started_at().map(ts),
        finished_at: d.finished_at().map(ts),
        stopped_at: d.stopped_at().map(ts),
        updated_at: d.updated_at().map(ts),
        sources: d
            .source_service_revisions()
            .iter()
            .filter_map(counts)
            .collect(),
        target: d.target_service_revision().and_then(counts),
        hooks: d.lifecycle_hook_details().iter().filter_map(hook).collect(),
        strategy: d.deployment_configuration().and_then(strategy),
        rollback: d.rollback().map(|r| RollbackInfo {
            reason: r.reason().map(str::to_owned),
            started_at: r.started_at().map(ts),
            revision: r.service_revision_arn().map(str::to_owned),
        }),
        circuit_breaker: d.deployment_circuit_breaker().map(|b| CircuitBreaker {
            status: b.status().map(|s| MonitorStatus::parse(s.as_str())),
            failures: b.failure_count(),
            threshold: b.threshold(),
        }),
        alarms: d.alarms().map(|a| Alarms {
            status: a.status().map(|s| MonitorStatus::parse(s.as_str())),
            names: a.alarm_names().to_vec(),
            triggered: a.triggered_alarm_names().to_vec(),
        }),
        production_rule: None,
        on_green: None,
        arn,
    })
}

fn counts(r: &sdk::ServiceRevisionSummary) -> Option<RevisionCounts> {
    Some(RevisionCounts {
        arn: r.arn()?.to_owned(),
        requested: r.requested_task_count(),
        running: r.running_task_count(),
        pending: r.pending_task_count(),
        test_weight: r.requested_test_traffic_weight(),
        production_weight: r.requested_production_traffic_weight(),
    })
}

fn hook(h: &sdk::DeploymentLifecycleHookDetail) -> Option<HookDetail> {
    Some(HookDetail {
        id: h.hook_id()?.to_owned(),
        target_type: h.target_type().map(|t| HookTarget::parse(t.as_str())),
        target_arn: h.target_arn().map(str::to_owned),
        status: h.status().map(|s| HookStatus::parse(s.as_str())),
        expires_at: h.expires_at().map(ts),
        timeout_action: h.timeout_action().map(|a| HookAction::parse(a.as_str())),
    })
}

fn strategy(c: &sdk::DeploymentConfiguration) -> Option<Strategy> {
    Some(Strategy {
        kind: DeploymentStrategy::parse(c.strategy()?.as_str()),
        bake_minutes: c.bake_time_in_minutes(),
        linear: c.linear_configuration().map(|l| {
            (
                l.step_percent().unwrap_or_default(),
                l.step_bake_time_in_minutes().unwrap_or_default(),
            )
        }),
        canary: c.canary_configuration().map(|k| {
            (
                k.canary_percent().unwrap_or_default(),
                k.canary_bake_time_in_minutes().unwrap_or_default(),
            )
        }),
    })
}

fn revision(r: &sdk::ServiceRevision) -> Option<ServiceRevision> {
    Some(ServiceRevision {
        arn: r.service_revision_arn()?.to_owned(),
        task_definition: r.task_definition().map(str::to_owned),
        images: r
            .container_images()
            .iter()
            .filter_map(|i| match (i.image(), i.image_digest()) {
                (Some(image), Some(digest)) => Some(format!("{image}@{digest}")),
                (Some(image), None) => Some(image.to_owned()),
                (None, digest) => digest.map(str::to_owned),
            })
            .collect(),
        target_group_arns: r
            .load_balancers()
            .iter()
            .filter_map(|l| l.target_group_arn().map(str::to_owned))
            .collect(),
        created_at: r.created_at().map(ts),
    })
}

#[cfg(test)]
mod tests;

//! A CodeDeploy deployment as the report tells it: BatchGetDeployments (the deployment, and
//! its rollback or the deployment it rolls back), its deployment group, its ECS target
//! (ListDeploymentTargets, BatchGetDeploymentTargets: lifecycle events with diagnostics, task
//! sets with their weights), its revisions' task definitions (GetApplicationRevision) and its
//! config's traffic routing. It reads through `aws::codedeploy` and `aws::revisions` only.

use crate::aws::{AwsError, Clients, codedeploy, revisions};
use crate::model::deploy::{Deployment, DeploymentGroup, EcsTarget, Revision, Routing};
use crate::model::status::LifecycleStatus;
use crate::model::{Gap, ServiceRef};

use super::{
    About, Failure, Found, Platform, ReportError, RevisionRef, Rollback, Step, Traffic, Weight,
    Weights, duration,
};

/// The lifecycle events that move traffic (aws-apis.md section 2.3).
const TRAFFIC_EVENTS: &[&str] = &["AllowTestTraffic", "AllowTraffic"];

pub(super) async fn read(c: &Clients, id: &str) -> Result<Found, ReportError> {
    let d = codedeploy::batch_deployments(c, &[id.to_owned()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            ReportError::NotFound(format!(
                "deployment {id} does not exist in {} (CodeDeploy BatchGetDeployments knows no such id)",
                c.source().region
            ))
        })?;
    let mut gaps: Vec<Gap> = Vec::new();
    let related: Vec<String> = d
        .rolled_back_by
        .iter()
        .chain(&d.rollback_of)
        .cloned()
        .collect();
    let (group, target, related, to, from, routing) = tokio::join!(
        codedeploy::groups(c, &d.application, std::slice::from_ref(&d.deployment_group)),
        target(c, &d),
        async {
            if related.is_empty() {
                Ok(Vec::new())
            } else {
                codedeploy::batch_deployments(c, &related).await
            }
        },
        revision(c, &d.application, d.revision.clone()),
        revision(c, &d.application, d.previous_revision.clone()),
        routing(c, &d.config),
    );
    let group = kept(group.map(|g| g.into_iter().next()), &mut gaps).flatten();
    let (target_id, target) = kept(target, &mut gaps).unwrap_or((None, None));
    let related = kept(related, &mut gaps).unwrap_or_default();
    let to = kept(to, &mut gaps).flatten();
    let from = kept(from, &mut gaps).flatten();
    let routing = kept(routing, &mut gaps).flatten();
    let service = service_of(group.as_ref(), target_id.as_deref());
    let rolled_back_by = d
        .rolled_back_by
        .as_ref()
        .and_then(|r| related.iter().find(|x| &x.id == r));
    let end = match rolled_back_by {
        Some(r) => r.completed.zip(d.completed).map(|(a, b)| a.max(b)),
        None => d.completed,
    };
    let rollback_to = match rolled_back_by {
        Some(r) => kept(
            revision(c, &r.application, r.revision.clone()).await,
            &mut gaps,
        )
        .flatten(),
        None => None,
    };
    let mut keys = vec![d.id.clone()];
    keys.extend(related.iter().map(|r| r.id.clone()));
    Ok(Found {
        about: about(&d, service.as_ref(), from.into_iter().collect(), to),
        steps: steps(target.as_ref()),
        traffic: traffic(c, routing, target.as_ref()),
        failure: failure(&d, target.as_ref()),
        rollback: rollback(&d, rolled_back_by, rollback_to),
        span: (d.created.or(d.started).unwrap_or_default(), end),
        nearby: nearby(&d, group.as_ref(), service.as_ref()),
        target_group_names: group
            .as_ref()
            .map(|g| g.target_group_names.clone())
            .unwrap_or_default(),
        service,
        keys,
        gaps,
        notes: notes(target.as_ref()),
    })
}

/// What was read, or `None` with its error among the gaps.
fn kept<T>(result: Result<T, AwsError>, gaps: &mut Vec<Gap>) -> Option<T> {
    result.map_err(|e| gaps.push(e.to_gap())).ok()
}

/// The deployment's ECS target: its id (ListDeploymentTargets) and the target
/// (BatchGetDeploymentTargets); none before the deployment starts.
async fn target(
    c: &Clients,
    d: &Deployment,
) -> Result<(Option<String>, Option<EcsTarget>), AwsError> {
    if !d.status.has_started() {
        return Ok((None, None));
    }
    let Some(id) = codedeploy::target_ids(c, &d.id).await?.into_iter().next() else {
        return Ok((None, None));
    };
    let target = codedeploy::target(c, &d.id, &id).await?;
    Ok((Some(id), target))
}

/// A revision named with its task definition, read once (GetApplicationRevision).
async fn revision(
    c: &Clients,
    application: &str,
    revision: Option<Revision>,
) -> Result<Option<RevisionRef>, AwsError> {
    let Some(revision) = revision else {
        return Ok(None);
    };
    let complete = revisions::complete(c, application, revision).await?;
    Ok(Some(RevisionRef {
        revision: complete.describe(),
        task_definition: complete.task_definition().map(str::to_owned),
    }))
}

async fn routing(c: &Clients, config: &str) -> Result<Option<Routing>, AwsError> {
    match codedeploy::builtin_routing(config) {
        Some(routing) => Ok(Some(routing)),
        None if config.is_empty() => Ok(None),
        None => codedeploy::config(c, config).await,
    }
}

/// The service, from the group or else from the target's id (`cluster:service`).
fn service_of(group: Option<&DeploymentGroup>, target_id: Option<&str>) -> Option<ServiceRef> {
    group
        .and_then(|g| Some(ServiceRef::new(g.cluster.clone()?, g.service.clone()?)))
        .or_else(|| {
            let (cluster, service) = target_id?.split_once(':')?;
            Some(ServiceRef::new(cluster, service))
        })
}

fn about(
    d: &Deployment,
    service: Option<&ServiceRef>,
    from: Vec<RevisionRef>,
    to: Option<RevisionRef>,
) -> About {
    let start = d.started.or(d.created);
    About {
        platform: Platform::CodeDeploy,
        id: d.id.clone(),
        application: Some(d.application.clone()),
        deployment_group: Some(d.deployment_group.clone()),
        cluster: service.map(|s| s.cluster.clone()),
        service: service.map(|s| s.service.clone()),
        status: d.status.to_string(),
        status_reason: None,
        creator: d.creator.clone(),
        config: Some(d.config.clone()).filter(|c| !c.is_empty()),
        description: d.description.clone(),
        created: d.created,
        started: d.started,
        ended: d.completed,
        duration_seconds: duration(start, d.completed),
        from,
        to: to.or_else(|| {
            d.revision.as_ref().map(|r| RevisionRef {
                revision: r.describe(),
                task_definition: r.task_definition().map(str::to_owned),
            })
        }),
    }
}

fn step(e: &crate::model::deploy::LifecycleEvent) -> Step {
    let mut step = Step::new(e.name.clone(), e.status.to_string()).between(e.start, e.end);
    step.diagnostics = e.diagnostics.clone();
    step
}

fn steps(target: Option<&EcsTarget>) -> Vec<Step> {
    target
        .map(|t| t.lifecycle_events.iter().map(step).collect())
        .unwrap_or_default()
}

fn plan(routing: Routing) -> String {
    match routing {
        Routing::AllAtOnce => "all production traffic at once (AllAtOnce)".to_owned(),
        Routing::Canary { percent, minutes } => format!(
            "{percent}% of production traffic first, the rest {minutes} minutes later (TimeBasedCanary)"
        ),
        Routing::Linear { percent, minutes } => format!(
            "{percent}% more production traffic every {minutes} minutes until all of it (TimeBasedLinear)"
        ),
    }
}

fn traffic(c: &Clients, routing: Option<Routing>, target: Option<&EcsTarget>) -> Traffic {
    let events = target
        .map(|t| {
            t.lifecycle_events
                .iter()
                .filter(|e| TRAFFIC_EVENTS.contains(&e.name.as_str()))
                .map(step)
                .collect()
        })
        .unwrap_or_default();
    let weights = target
        .map(|t| {
            t.task_sets
                .iter()
                .map(|s| Weight {
                    name: s.id.clone(),
                    role: s.label.to_string().to_lowercase(),
                    status: Some(s.status.to_string()),
                    task_definition: None,
                    production_percent: Some(s.traffic_weight),
                    test_percent: None,
                    target_group: s.target_group_name.clone(),
                    running: Some(s.running),
                    desired: Some(s.desired),
                })
                .collect()
        })
        .unwrap_or_default();
    Traffic {
        plan: routing.map(plan),
        steps: events,
        now: Weights {
            read_at: c.server_time().unwrap_or_else(crate::model::Timestamp::now),
            weights,
        },
    }
}

fn failure(d: &Deployment, target: Option<&EcsTarget>) -> Option<Failure> {
    let failed: Vec<Step> = target
        .map(|t| {
            t.lifecycle_events
                .iter()
                .filter(|e| e.status == LifecycleStatus::Failed)
                .map(step)
                .collect()
        })
        .unwrap_or_default();
    if d.error.is_none() && failed.is_empty() {
        return None;
    }
    Some(Failure {
        code: d.error.as_ref().map(|e| e.code.clone()),
        message: d.error.as_ref().map(|e| e.message.clone()),
        failed_steps: failed,
        details: Vec::new(),
    })
}

/// The rollback this deployment led to and how it went, or the deployment it rolls back.
fn rollback(d: &Deployment, by: Option<&Deployment>, to: Option<RevisionRef>) -> Option<Rollback> {
    if d.rolled_back_by.is_none() && d.rollback_of.is_none() && d.rollback_message.is_none() {
        return None;
    }
    Some(Rollback {
        deployment: d.rolled_back_by.clone(),
        rolls_back: d.rollback_of.clone(),
        message: d.rollback_message.clone(),
        status: by.map(|r| r.status.to_string()),
        started: by.and_then(|r| r.started.or(r.created)),
        ended: by.and_then(|r| r.completed),
        to,
        error: by.and_then(|r| r.error.clone()),
    })
}

/// What an action on the deployment's surroundings names: the group, the service, the
/// group's listeners.
fn nearby(
    d: &Deployment,
    group: Option<&DeploymentGroup>,
    service: Option<&ServiceRef>,
) -> Vec<String> {
    let mut names = vec![format!("{}/{}", d.application, d.deployment_group)];
    names.extend(service.map(ToString::to_string));
    if let Some(g) = group {
        names.extend(g.production_listeners.iter().cloned());
        names.extend(g.test_listeners.iter().cloned());
    }
    names
}

fn notes(target: Option<&EcsTarget>) -> Vec<String> {
    let mut notes = vec![
        "CodeDeploy records when each traffic event began and ended, not each weight it set on the way: the plan is the deployment config's, the weights are as read now.".to_owned(),
    ];
    if target.is_none() {
        notes.push(
            "CodeDeploy gave no ECS target for this deployment (it had not started, or it is not an ECS deployment): no lifecycle events are known.".to_owned(),
        );
    }
    notes
}

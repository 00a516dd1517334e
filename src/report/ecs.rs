//! An ECS service deployment (ECS-native blue/green, linear, canary or rolling) as the report
//! tells it: DescribeServiceDeployments and the service revisions it moves between
//! (DescribeServiceRevisions). ECS stamps a few moments (created, started, rollback started,
//! stopped, finished) and reports only the lifecycle stage it is in and its hooks' statuses:
//! the report says so rather than invent when each stage ran. It reads through
//! `aws::service_deployments` only.

use crate::aws::{Clients, service_deployments};
use crate::model::Timestamp;
use crate::model::deploy::short_task_definition;
use crate::model::service_deployment::{
    HookDetail, RevisionCounts, ServiceDeployment, ServiceRevision, Strategy,
};
use crate::model::status::{DeploymentStrategy, MonitorStatus, ServiceDeploymentStatus};

use super::{
    About, Failure, Found, Platform, ReportError, RevisionRef, Rollback, Step, Traffic, Weight,
    Weights, duration,
};

pub(super) async fn read(c: &Clients, arn: &str) -> Result<Found, ReportError> {
    let d = service_deployments::describe(c, &[arn.to_owned()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            ReportError::NotFound(format!(
                "service deployment {arn} does not exist (ECS DescribeServiceDeployments answers it in failures)"
            ))
        })?;
    // The rollback's revision is mostly one of the sources: each asked for once.
    let wanted: Vec<String> = d
        .sources
        .iter()
        .chain(&d.target)
        .map(|r| r.arn.clone())
        .chain(d.rollback.iter().filter_map(|r| r.revision.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut gaps = Vec::new();
    let revisions = if wanted.is_empty() {
        Vec::new()
    } else {
        service_deployments::revisions(c, &wanted)
            .await
            .unwrap_or_else(|e| {
                gaps.push(e.to_gap());
                Vec::new()
            })
    };
    let named = |arn: &str| RevisionRef {
        revision: arn.rsplit('/').next().unwrap_or(arn).to_owned(),
        task_definition: revisions
            .iter()
            .find(|r| r.arn == arn)
            .and_then(|r| r.task_definition.clone()),
    };
    let end = d.finished_at.or(d.stopped_at).filter(|_| !d.in_flight());
    Ok(Found {
        about: about(&d, &named),
        steps: steps(&d),
        traffic: traffic(c, &d, &revisions),
        failure: failure(&d),
        rollback: rollback(&d, &named),
        span: (d.started_at.or(d.created_at).unwrap_or_default(), end),
        service: Some(d.service.clone()),
        target_group_names: Vec::new(),
        keys: vec![d.arn.clone()],
        nearby: vec![d.service.to_string()],
        gaps,
        notes: vec![
            "ECS reports the lifecycle stage a service deployment is in, not when each stage began or ended: only the moments ECS stamps are timed.".to_owned(),
            "ECS does not say who started a service deployment (CloudTrail's UpdateService or CreateService event does).".to_owned(),
            "The traffic weights are those ECS requested for each revision, as read now; ECS keeps no history of them.".to_owned(),
        ],
    })
}

fn about(d: &ServiceDeployment, named: &dyn Fn(&str) -> RevisionRef) -> About {
    let start = d.started_at.or(d.created_at);
    let end = d.finished_at.or(d.stopped_at);
    About {
        platform: Platform::Ecs,
        id: d.arn.clone(),
        application: None,
        deployment_group: None,
        cluster: Some(d.service.cluster.clone()),
        service: Some(d.service.service.clone()),
        status: d.status.to_string(),
        status_reason: d.status_reason.clone(),
        creator: None,
        config: d.strategy.as_ref().map(strategy),
        description: None,
        created: d.created_at,
        started: d.started_at,
        ended: end,
        duration_seconds: duration(start, end),
        from: d.sources.iter().map(|r| named(&r.arn)).collect(),
        to: d.target.as_ref().map(|r| named(&r.arn)),
    }
}

/// `LINEAR: 10% every 6 minutes, bake 15 minutes`.
fn strategy(s: &Strategy) -> String {
    let mut text = s.kind.to_string();
    match (&s.kind, s.linear, s.canary) {
        (DeploymentStrategy::Linear, Some((step, wait)), _) => {
            text.push_str(&format!(": {step}% more every {wait} minutes"));
        }
        (DeploymentStrategy::Canary, _, Some((percent, wait))) => {
            text.push_str(&format!(
                ": {percent}% first, the rest {wait} minutes later"
            ));
        }
        _ => {}
    }
    if let Some(bake) = s.bake_minutes {
        text.push_str(&format!(", bake {bake} minutes"));
    }
    text
}

fn moment(name: &str, at: Option<Timestamp>, status: &str) -> Option<Step> {
    at.map(|at| Step::new(name, status).between(Some(at), None))
}

fn steps(d: &ServiceDeployment) -> Vec<Step> {
    let mut steps: Vec<Step> = [
        moment("created", d.created_at, "-"),
        moment("started", d.started_at, "-"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(stage) = &d.stage {
        let status = if d.in_flight() {
            "current"
        } else {
            "last reported"
        };
        steps.push(Step::new(format!("lifecycle stage {stage}"), status));
    }
    steps.extend(d.hooks.iter().map(hook_step));
    if let Some(r) = &d.rollback {
        steps.extend(moment("rollback started", r.started_at, "-").map(|mut s| {
            s.detail = r.reason.clone();
            s
        }));
    }
    steps.extend(moment("stopped", d.stopped_at, d.status.as_str()));
    steps.extend(moment("finished", d.finished_at, d.status.as_str()));
    steps
}

fn hook_step(h: &HookDetail) -> Step {
    let kind = h
        .target_type
        .as_ref()
        .map_or_else(String::new, |t| format!(" ({t})"));
    let mut step = Step::new(
        format!("hook {}{kind}", h.id),
        h.status.as_ref().map_or("unknown", |s| s.as_str()),
    );
    let mut detail: Vec<String> = h.target_arn.iter().cloned().collect();
    if let Some(at) = h.expires_at {
        detail.push(format!("expires {}", at.rfc3339()));
    }
    if let Some(action) = &h.timeout_action {
        detail.push(format!("then {action}"));
    }
    step.detail = (!detail.is_empty()).then(|| detail.join(", "));
    step
}

fn plan(d: &ServiceDeployment) -> Option<String> {
    let s = d.strategy.as_ref()?;
    Some(match (&s.kind, s.linear, s.canary) {
        (DeploymentStrategy::Linear, Some((step, wait)), _) => {
            format!("{step}% more production traffic every {wait} minutes until all of it (LINEAR)")
        }
        (DeploymentStrategy::Canary, _, Some((percent, wait))) => {
            format!(
                "{percent}% of production traffic first, the rest {wait} minutes later (CANARY)"
            )
        }
        (DeploymentStrategy::BlueGreen, ..) => {
            "test traffic to green, then all production traffic at once (BLUE_GREEN)".to_owned()
        }
        (DeploymentStrategy::Rolling, ..) => {
            "tasks replaced in batches; no traffic shift (ROLLING)".to_owned()
        }
        (kind, ..) => kind.to_string(),
    })
}

fn weight(r: &RevisionCounts, role: &str, revisions: &[ServiceRevision]) -> Weight {
    Weight {
        name: r.arn.rsplit('/').next().unwrap_or(&r.arn).to_owned(),
        role: role.to_owned(),
        status: None,
        task_definition: revisions
            .iter()
            .find(|x| x.arn == r.arn)
            .and_then(|x| x.task_definition.as_deref())
            .map(|t| short_task_definition(t).to_owned()),
        production_percent: r.production_weight,
        test_percent: r.test_weight,
        target_group: revisions
            .iter()
            .find(|x| x.arn == r.arn)
            .and_then(|x| x.target_group_arns.first())
            .map(|arn| arn.split('/').nth(1).unwrap_or(arn).to_owned()),
        running: Some(i64::from(r.running)),
        desired: Some(i64::from(r.requested)),
    }
}

fn traffic(c: &Clients, d: &ServiceDeployment, revisions: &[ServiceRevision]) -> Traffic {
    let weights = d
        .sources
        .iter()
        .map(|r| weight(r, "source", revisions))
        .chain(d.target.iter().map(|r| weight(r, "target", revisions)))
        .collect();
    Traffic {
        plan: plan(d),
        steps: Vec::new(),
        now: Weights {
            read_at: c.server_time().unwrap_or_else(Timestamp::now),
            weights,
        },
    }
}

fn failed(d: &ServiceDeployment) -> bool {
    matches!(
        d.status,
        ServiceDeploymentStatus::Stopped
            | ServiceDeploymentStatus::StopRequested
            | ServiceDeploymentStatus::RollbackRequested
            | ServiceDeploymentStatus::RollbackInProgress
            | ServiceDeploymentStatus::RollbackSuccessful
            | ServiceDeploymentStatus::RollbackFailed
    )
}

fn failure(d: &ServiceDeployment) -> Option<Failure> {
    let failed_hooks: Vec<Step> = d.failed_hooks().map(hook_step).collect();
    let mut details = Vec::new();
    if let Some(b) = &d.circuit_breaker
        && b.status == Some(MonitorStatus::Triggered)
    {
        details.push(format!(
            "the deployment circuit breaker triggered: {} failed tasks (threshold {})",
            b.failures, b.threshold
        ));
    }
    if let Some(a) = &d.alarms
        && !a.triggered.is_empty()
    {
        details.push(format!("alarms in ALARM: {}", a.triggered.join(", ")));
    }
    if !failed(d) && failed_hooks.is_empty() && details.is_empty() {
        return None;
    }
    Some(Failure {
        code: None,
        message: d
            .status_reason
            .clone()
            .or_else(|| d.rollback.as_ref().and_then(|r| r.reason.clone())),
        failed_steps: failed_hooks,
        details,
    })
}

/// ECS rolls back inside the same service deployment: its `rollback` and its status say how.
fn rollback(d: &ServiceDeployment, named: &dyn Fn(&str) -> RevisionRef) -> Option<Rollback> {
    let r = d.rollback.as_ref()?;
    let rolling_back = matches!(
        d.status,
        ServiceDeploymentStatus::RollbackRequested
            | ServiceDeploymentStatus::RollbackInProgress
            | ServiceDeploymentStatus::RollbackSuccessful
            | ServiceDeploymentStatus::RollbackFailed
    );
    Some(Rollback {
        deployment: None,
        rolls_back: None,
        message: r.reason.clone(),
        status: rolling_back.then(|| d.status.to_string()),
        started: r.started_at,
        ended: d.finished_at.filter(|_| !d.in_flight()),
        to: r.revision.as_deref().map(named),
        error: None,
    })
}

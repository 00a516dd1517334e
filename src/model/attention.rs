//! What needs a person, first: approvals waiting, deployments in flight, failures of the last
//! 24 hours with their reason, services short of tasks or with unhealthy targets. Derived from
//! a snapshot at the instant it was taken.

use serde::Serialize;

use super::pipeline::{DeployTarget, SourceRevision};
use super::progress::Phase;
use super::service_deployment::ShareFrom;
use super::snapshot::Snapshot;
use super::status::{
    DeploymentStatus, DeploymentStrategy, ExecutionStatus, HookAction, ServiceDeploymentStage,
    ServiceDeploymentStatus, Severity, Status,
};
use super::time::Timestamp;

const DAY: i64 = 24 * 3_600_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Attention {
    pub approvals: Vec<WaitingApproval>,
    pub in_flight: Vec<InFlight>,
    /// ECS service deployments in flight, beside CodeDeploy's.
    pub in_flight_ecs: Vec<EcsInFlight>,
    /// ECS pause hooks waiting for a person, beside the approvals: the soonest timeout first.
    pub hooks: Vec<WaitingHook>,
    pub failures: Vec<Failure>,
    pub services: Vec<ServiceTrouble>,
}

impl Attention {
    pub fn is_empty(&self) -> bool {
        self.approvals.is_empty()
            && self.in_flight.is_empty()
            && self.in_flight_ecs.is_empty()
            && self.hooks.is_empty()
            && self.failures.is_empty()
            && self.services.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitingApproval {
    pub pipeline: String,
    pub stage: String,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<Timestamp>,
    pub token: String,
    /// What the waiting execution carries: its source revision, when the execution is among
    /// those read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRevision>,
    /// Where the pipeline deploys once approved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploys_to: Option<DeployTarget>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InFlight {
    pub deployment_id: String,
    pub application: String,
    pub deployment_group: String,
    pub status: DeploymentStatus,
    pub phase: Phase,
    pub percent_on_green: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_at: Option<Timestamp>,
    pub rollback: bool,
}

/// An ECS service deployment in flight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EcsInFlight {
    pub arn: String,
    pub cluster: String,
    pub service: String,
    pub status: ServiceDeploymentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<ServiceDeploymentStage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<DeploymentStrategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent_on_green: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent_from: Option<ShareFrom>,
    pub rollback: bool,
}

/// A pause hook waiting for a person: ContinueServiceDeployment answers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitingHook {
    pub deployment_arn: String,
    pub cluster: String,
    pub service: String,
    pub hook_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<ServiceDeploymentStage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// Seconds left, at the snapshot's instant, before the timeout action fires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_action: Option<HookAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureSource {
    Deployment,
    Pipeline,
    /// An ECS service deployment, by its ARN.
    ServiceDeployment,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub source: FailureSource,
    /// The deployment id, or the pipeline name.
    pub id: String,
    /// `application/group` for a deployment, `stage/action` for a pipeline.
    pub place: String,
    pub status: String,
    /// What the status means, whichever service's it is.
    #[serde(skip)]
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    pub reason: String,
    /// The rollback deployment it led to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolled_back_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceTrouble {
    pub cluster: String,
    pub service: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub unhealthy_targets: usize,
    pub reason: String,
}

pub fn derive(s: &Snapshot) -> Attention {
    let mut out = Attention::default();
    approvals(s, &mut out);
    for d in &s.deployments {
        let Some(progress) = &d.progress else {
            continue;
        };
        if d.status.is_terminal() {
            continue;
        }
        out.in_flight.push(InFlight {
            deployment_id: d.id.clone(),
            application: d.application.clone(),
            deployment_group: d.deployment_group.clone(),
            status: d.status.clone(),
            phase: progress.phase,
            percent_on_green: progress.percent_on_green,
            next_at: progress.next_step_at.or(progress.wait_ends_at),
            rollback: d.rollback_of.is_some(),
        });
    }
    service_deployments(s, &mut out);
    deployment_failures(s, &mut out);
    pipeline_failures(s, &mut out);
    service_deployment_failures(s, &mut out);
    out.failures.sort_by_key(|f| std::cmp::Reverse(f.at));
    services(s, &mut out);
    out
}

/// One row per execution waiting at a gate: in PARALLEL mode several wait at one.
fn approvals(s: &Snapshot, out: &mut Attention) {
    for p in &s.pipelines {
        for waiting in p.waiting_approvals() {
            // What approving lets through: the deploy after the gate, not the pipeline's
            // first (a test stage before it).
            let deploys_to = p.deploys_after(&waiting.stage, &waiting.action);
            let source = waiting
                .execution_id
                .as_deref()
                .and_then(|id| p.execution(id))
                .and_then(|e| e.source_revisions.first().cloned());
            out.approvals.push(WaitingApproval {
                pipeline: p.name.clone(),
                stage: waiting.stage,
                action: waiting.action,
                execution_id: waiting.execution_id,
                waiting_since: waiting.since,
                token: waiting.token,
                source,
                deploys_to,
            });
        }
    }
    // The longest wait first.
    out.approvals.sort_by_key(|a| a.waiting_since);
}

/// ECS service deployments in flight, and the pause hooks among them waiting for a person.
fn service_deployments(s: &Snapshot, out: &mut Attention) {
    for d in s.service_deployments.iter().filter(|d| d.in_flight()) {
        out.in_flight_ecs.push(EcsInFlight {
            arn: d.arn.clone(),
            cluster: d.service.cluster.clone(),
            service: d.service.service.clone(),
            status: d.status.clone(),
            stage: d.stage.clone(),
            strategy: d.strategy.as_ref().map(|k| k.kind.clone()),
            percent_on_green: d.on_green.map(|g| g.percent),
            percent_from: d.on_green.map(|g| g.from),
            rollback: d.is_rollback(),
        });
        for hook in d.waiting_hooks() {
            out.hooks.push(WaitingHook {
                deployment_arn: d.arn.clone(),
                cluster: d.service.cluster.clone(),
                service: d.service.service.clone(),
                hook_id: hook.id.clone(),
                stage: d.stage.clone(),
                expires_at: hook.expires_at,
                seconds_left: hook.expires_at.map(|t| (t.0 - s.taken_at.0).max(0) / 1000),
                timeout_action: hook.timeout_action.clone(),
            });
        }
    }
    out.hooks
        .sort_by_key(|h| h.expires_at.map_or(i64::MAX, |t| t.0));
}

/// ECS service deployments stopped or rolled back in the last 24 hours, with ECS's reason.
fn service_deployment_failures(s: &Snapshot, out: &mut Attention) {
    for d in s.service_deployments.iter().filter(|d| d.failed()) {
        let at = d.ended_or_created();
        if at.is_some_and(|t| s.taken_at.0 - t.0 > DAY) {
            continue;
        }
        let rollback = d
            .rollback
            .as_ref()
            .and_then(|r| r.reason.clone())
            .filter(|r| d.status_reason.as_ref() != Some(r));
        let reason = [d.status_reason.clone(), rollback]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
        out.failures.push(Failure {
            source: FailureSource::ServiceDeployment,
            id: d.arn.clone(),
            place: d.service.to_string(),
            status: d.status.as_str().to_owned(),
            severity: d.status.severity(),
            at,
            reason: if reason.is_empty() {
                "no reason given".to_owned()
            } else {
                reason
            },
            rolled_back_by: None,
        });
    }
}

fn deployment_failures(s: &Snapshot, out: &mut Attention) {
    for d in &s.deployments {
        if !matches!(
            d.status,
            DeploymentStatus::Failed | DeploymentStatus::Stopped
        ) {
            continue;
        }
        let at = d.completed.or(d.created);
        if at.is_some_and(|t| s.taken_at.0 - t.0 > DAY) {
            continue;
        }
        let hook = d.failed_event().and_then(|e| {
            let message = e.diagnostics.as_ref()?.message.as_ref()?;
            // The event's diagnostics often repeat the deployment's error: say it once.
            let repeated = d.error.as_ref().is_some_and(|err| err.message == *message);
            (!repeated).then(|| format!("{} failed: {message}", e.name))
        });
        let error = d
            .error
            .as_ref()
            .map(|e| format!("{}: {}", e.code, e.message));
        let reason = [error, hook]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
        out.failures.push(Failure {
            source: FailureSource::Deployment,
            id: d.id.clone(),
            place: format!("{}/{}", d.application, d.deployment_group),
            status: d.status.as_str().to_owned(),
            severity: d.status.severity(),
            at,
            reason: if reason.is_empty() {
                "no reason given".to_owned()
            } else {
                reason
            },
            rolled_back_by: d.rolled_back_by.clone(),
        });
    }
}

fn pipeline_failures(s: &Snapshot, out: &mut Attention) {
    for p in &s.pipelines {
        let Some(latest) = p.latest_execution() else {
            continue;
        };
        if latest.status != ExecutionStatus::Failed {
            continue;
        }
        let at = latest.updated.or(latest.started);
        if at.is_some_and(|t| s.taken_at.0 - t.0 > DAY) {
            continue;
        }
        let failure = p.failures.iter().find(|f| f.execution_id == latest.id);
        let reason = failure
            .and_then(|f| {
                f.error
                    .as_ref()
                    .map(|e| e.message.clone())
                    .or_else(|| f.external_summary.clone())
            })
            .or_else(|| latest.status_summary.clone())
            .unwrap_or_else(|| "no reason given".to_owned());
        out.failures.push(Failure {
            source: FailureSource::Pipeline,
            id: p.name.clone(),
            place: failure.map_or_else(String::new, |f| format!("{}/{}", f.stage, f.action)),
            status: latest.status.as_str().to_owned(),
            severity: latest.status.severity(),
            at,
            reason,
            rolled_back_by: None,
        });
    }
}

fn services(s: &Snapshot, out: &mut Attention) {
    for service in &s.services {
        // During a blue/green deployment a service runs both task sets: compare with what
        // its task sets (or ECS deployments) ask for, not with the service's desired count.
        let expected: i32 = if !service.task_sets.is_empty() {
            service.task_sets.iter().map(|t| t.desired).sum()
        } else if !service.deployments.is_empty() {
            service.deployments.iter().map(|d| d.desired).sum()
        } else {
            service.desired
        };
        let mut groups: Vec<&str> = service.target_group_arns().collect();
        groups.sort_unstable();
        groups.dedup();
        let unhealthy: Vec<_> = groups
            .iter()
            .filter_map(|arn| s.target_group(arn))
            .flat_map(super::elb::TargetGroup::unhealthy)
            .collect();
        let short = service.running < expected;
        if !short && unhealthy.is_empty() {
            continue;
        }
        let mut reasons = Vec::new();
        if short {
            reasons.push(format!("running {} of {expected}", service.running));
        }
        if let Some(target) = unhealthy.first() {
            let why = target
                .reason
                .clone()
                .or_else(|| target.description.clone())
                .unwrap_or_else(|| "unhealthy".to_owned());
            reasons.push(format!("{} unhealthy target(s): {why}", unhealthy.len()));
        }
        if let Some(stopped) = service
            .stopped_tasks
            .iter()
            .find_map(|t| t.stopped_reason.as_ref())
        {
            reasons.push(format!("last stopped task: {stopped}"));
        }
        out.services.push(ServiceTrouble {
            cluster: service.cluster.clone(),
            service: service.name.clone(),
            desired: service.desired,
            running: service.running,
            pending: service.pending,
            unhealthy_targets: unhealthy.len(),
            reason: reasons.join("; "),
        });
    }
}

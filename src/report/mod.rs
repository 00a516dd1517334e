//! `cutover report DEPLOYMENT`: one document for a postmortem about one deployment of either
//! platform, a CodeDeploy deployment (`d-XXXXXXXXX`) or an ECS service deployment (its ARN):
//! what it was, its lifecycle, its traffic, why it failed and how its rollback went, what the
//! service said and which tasks stopped around it, the targets unhealthy now, and the actions
//! taken on it with cutover (the audit log). [`gather`] reads, [`markdown`] writes; the JSON
//! is [`Report`] serialized. It must not invent what AWS does not record: what is not known
//! is said to be unknown ([`Report::notes`]), and what could not be read is named
//! ([`Report::gaps`]) while the rest is still told.
//!
//! # JSON (`--format json`), schema version 1
//!
//! `{schema_version, written_at, source, deployment, steps, traffic, failure?, rollback?,
//! window, service_events, stopped_tasks, target_health, actions, notes, gaps}`. Times are
//! RFC 3339; a member in `?` is left out when unknown.
//!
//! - `source`: `{profile?, account?, region, endpoint?}`: where it was read.
//! - `deployment`: `{platform: "codedeploy"|"ecs", id, application?, deployment_group?,
//!   cluster?, service?, status, status_reason?, creator?, config?, description?, created?,
//!   started?, ended?, duration_seconds?, from[], to?}`; `from[]` and `to` are
//!   `{revision, task_definition?}` (CodeDeploy: `previousRevision` and `revision`; ECS: the
//!   source and target service revisions).
//! - `steps[]`: `{name, status, start?, end?, duration_seconds?, diagnostics?, detail?}`:
//!   CodeDeploy's lifecycle events of the ECS target (`diagnostics`: `{error_code?,
//!   script_name?, message?, log_tail?}`); for ECS the moments AWS stamps (created, started,
//!   rollback started, stopped, finished), the lifecycle stage last reported and each hook.
//! - `traffic`: `{plan?, steps[], now: {read_at, weights[]}}`: the config's or strategy's
//!   steps, the traffic events with their times (CodeDeploy AllowTestTraffic, AllowTraffic),
//!   and the weights as read now: `{name, role: "blue"|"green"|"source"|"target", status?,
//!   task_definition?, production_percent?, test_percent?, target_group?, running?,
//!   desired?}`.
//! - `failure`: `{code?, message?, failed_steps[], details[]}`: `errorInformation` or
//!   `statusReason`, the failed events or hooks, the circuit breaker and alarms.
//! - `rollback`: `{deployment?, rolls_back?, message?, status?, started?, ended?, to?,
//!   error?}`: the rollback deployment this one led to (or the one it rolls back) and how it
//!   went; for ECS the deployment's own `rollback`.
//! - `window`: `{from, to, margin_minutes, open}`: the deployment's span (with its rollback),
//!   widened by the margin each side; `open` while it still runs (`to` is then now).
//! - `service_events[]`: `{at?, message}` inside the window, newest first.
//! - `stopped_tasks[]`: `{arn, started_by?, stopped_at?, stopped_reason?, stop_code?,
//!   task_definition?, containers[{name, exit_code?, reason?}]}` inside the window.
//! - `target_health`: `{read_at, target_groups[{name, arn, targets, healthy}],
//!   unhealthy[{target_group, id, port?, state, reason?, description?}]}`: now, not then.
//! - `actions[]`: `{at, action, target, outcome, principal?, profile?, account?, region,
//!   request_id?, error?, observed?, parameters, sent?}`: one per action of the audit log
//!   (its requested record and its outcome), `outcome` `succeeded|failed|unknown|requested`.
//! - `notes[]`: what AWS keeps and does not say, as sentences.
//! - `gaps[]`: `{service, operation, target?, kind, code?, message, request_id?, hint?}`.

mod actions;
mod around;
pub mod cli;
mod codedeploy;
mod ecs;
mod markdown;

use serde::Serialize;
use thiserror::Error;

use crate::audit::Audit;
use crate::aws::{AwsError, Clients};
use crate::model::deploy::Diagnostics;
use crate::model::ecs::{ServiceEvent, StoppedTask};
use crate::model::{DeploymentRef, Gap, ServiceRef, Source, Timestamp};

pub use markdown::markdown;

pub const SCHEMA_VERSION: u32 = 1;
/// Minutes added before a deployment's start and after its end when looking for what the
/// service said and which tasks stopped: ECS stamps the events that led to a failure a
/// little before CodeDeploy calls it one, and the last tasks stop a little after.
pub const MARGIN_MINUTES: i64 = 5;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    /// When it was read, on the service's clock.
    pub written_at: Timestamp,
    pub source: Source,
    pub deployment: About,
    pub steps: Vec<Step>,
    pub traffic: Traffic,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback: Option<Rollback>,
    pub window: Window,
    pub service_events: Vec<ServiceEvent>,
    pub stopped_tasks: Vec<StoppedTask>,
    pub target_health: TargetHealth,
    pub actions: Vec<Action>,
    pub notes: Vec<String>,
    pub gaps: Vec<Gap>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    #[serde(rename = "codedeploy")]
    CodeDeploy,
    Ecs,
}

/// What the deployment was.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct About {
    pub platform: Platform,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<i64>,
    pub from: Vec<RevisionRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<RevisionRef>,
}

/// A revision as a person names it, with the task definition it runs when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisionRef {
    pub revision: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
}

/// A lifecycle event, a stage, a hook or a moment AWS stamped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub name: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Diagnostics>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Step {
    fn new(name: impl Into<String>, status: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: status.into(),
            start: None,
            end: None,
            duration_seconds: None,
            diagnostics: None,
            detail: None,
        }
    }

    fn between(mut self, start: Option<Timestamp>, end: Option<Timestamp>) -> Self {
        self.start = start;
        self.end = end;
        self.duration_seconds = start.zip(end).map(|(s, e)| s.seconds_until(e));
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Traffic {
    /// The steps the config or strategy prescribes, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// The traffic events AWS recorded, with their times.
    pub steps: Vec<Step>,
    pub now: Weights,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weights {
    pub read_at: Timestamp,
    pub weights: Vec<Weight>,
}

/// Where traffic goes now: a task set (CodeDeploy) or a service revision (ECS).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weight {
    pub name: String,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub failed_steps: Vec<Step>,
    pub details: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollback {
    /// The rollback deployment this one led to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// The deployment this one rolls back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolls_back: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How the rollback went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<Timestamp>,
    /// The revision it returns to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<RevisionRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::model::deploy::DeploymentError>,
}

/// The span looked at for service events and stopped tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub from: Timestamp,
    pub to: Timestamp,
    pub margin_minutes: i64,
    /// The deployment (or its rollback) still runs: `to` is now.
    pub open: bool,
}

impl Window {
    /// From `start` to `end` (now when `None`), with the margin each side.
    fn around(start: Timestamp, end: Option<Timestamp>, now: Timestamp) -> Self {
        Self {
            from: start.plus_minutes(-MARGIN_MINUTES),
            to: end.map_or(now, |e| e.plus_minutes(MARGIN_MINUTES)),
            margin_minutes: MARGIN_MINUTES,
            open: end.is_none(),
        }
    }

    pub fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at <= self.to
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetHealth {
    pub read_at: Timestamp,
    pub target_groups: Vec<GroupHealth>,
    pub unhealthy: Vec<UnhealthyTarget>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupHealth {
    pub name: String,
    pub arn: String,
    pub targets: usize,
    pub healthy: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnhealthyTarget {
    pub target_group: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One action of the audit log: its requested record and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub at: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
    pub parameters: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<serde_json::Value>,
}

/// Why there is no report.
#[derive(Debug, Error)]
pub enum ReportError {
    /// Not a deployment id nor a service deployment ARN; nothing was read.
    #[error("{0}")]
    Invalid(String),
    /// AWS knows no such deployment where the clients point.
    #[error("{0}")]
    NotFound(String),
    /// The deployment itself could not be read.
    #[error(transparent)]
    Aws(Box<AwsError>),
}

impl From<AwsError> for ReportError {
    fn from(error: AwsError) -> Self {
        Self::Aws(Box::new(error))
    }
}

/// What a platform's reader found of the deployment itself, before what surrounds it.
#[derive(Debug)]
struct Found {
    about: About,
    steps: Vec<Step>,
    traffic: Traffic,
    failure: Option<Failure>,
    rollback: Option<Rollback>,
    /// From its start to its end, or its rollback's (`None` while either runs).
    span: (Timestamp, Option<Timestamp>),
    service: Option<ServiceRef>,
    /// Target groups known by name only (CodeDeploy's pair).
    target_group_names: Vec<String>,
    /// Ids and ARNs that make an audit record about this deployment at any time.
    keys: Vec<String>,
    /// Names that make an audit record about it inside its window (its service, group,
    /// listeners and rules).
    nearby: Vec<String>,
    gaps: Vec<Gap>,
    notes: Vec<String>,
}

/// The deployment `id` names: a CodeDeploy id or an ECS service deployment ARN.
pub fn parse(id: &str) -> Result<DeploymentRef, ReportError> {
    let id = id.trim();
    if id.starts_with("arn:") {
        return match crate::model::service_deployment::service_of(id) {
            Some(_) if id.contains(":service-deployment/") => Ok(DeploymentRef::Ecs(id.to_owned())),
            _ => Err(ReportError::Invalid(format!(
                "'{id}' is not an ECS service deployment ARN (arn:aws:ecs:REGION:ACCOUNT:service-deployment/CLUSTER/SERVICE/ID)"
            ))),
        };
    }
    let well_formed = id.len() == 11
        && id.starts_with("d-")
        && id[2..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if well_formed {
        Ok(DeploymentRef::CodeDeploy(id.to_owned()))
    } else {
        Err(ReportError::Invalid(format!(
            "'{id}' is neither a CodeDeploy deployment id (d- and nine letters or digits) nor an ECS service deployment ARN"
        )))
    }
}

/// Reads everything the report holds about the deployment `id` through `clients`, and the
/// actions on it from `audit` when given. Only the deployment itself must be read: every
/// other part that cannot be is a gap of the report.
pub async fn gather(
    clients: &Clients,
    id: &str,
    audit: Option<&Audit>,
) -> Result<Report, ReportError> {
    let reference = parse(id)?;
    let found = match &reference {
        // Boxed: the reads run side by side and their futures are large.
        DeploymentRef::CodeDeploy(id) => Box::pin(codedeploy::read(clients, id)).await?,
        DeploymentRef::Ecs(arn) => Box::pin(ecs::read(clients, arn)).await?,
    };
    let now = clients.server_time().unwrap_or_else(Timestamp::now);
    let window = Window::around(found.span.0, found.span.1, now);
    let around = around::read(
        clients,
        found.service.as_ref(),
        &found.target_group_names,
        &window,
    )
    .await;
    let mut gaps = found.gaps;
    gaps.extend(around.gaps);
    let mut notes = found.notes;
    notes.extend(around.notes);
    let mut traffic = found.traffic;
    for w in traffic
        .now
        .weights
        .iter_mut()
        .filter(|w| w.task_definition.is_none())
    {
        w.task_definition = around
            .task_sets
            .iter()
            .find(|(id, _)| *id == w.name)
            .and_then(|(_, td)| td.as_deref())
            .map(|td| crate::model::deploy::short_task_definition(td).to_owned());
    }
    let mut nearby = found.nearby;
    nearby.extend(around.nearby);
    let actions = match audit {
        Some(audit) => match actions::about(audit, &found.keys, &nearby, &window) {
            Ok(actions) => actions,
            Err(gap) => {
                gaps.push(*gap);
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    // Whose account the report is about; a denial leaves the account unnamed.
    if let Err(error) = clients.identity().await {
        gaps.push(error.to_gap());
    }
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        written_at: clients.server_time().unwrap_or(now),
        source: clients.source(),
        deployment: found.about,
        steps: found.steps,
        traffic,
        failure: found.failure,
        rollback: found.rollback,
        window,
        service_events: around.events,
        stopped_tasks: around.stopped,
        target_health: around.health,
        actions,
        notes,
        gaps,
    })
}

/// Seconds from `start` to `end`, when both are known.
fn duration(start: Option<Timestamp>, end: Option<Timestamp>) -> Option<i64> {
    start.zip(end).map(|(s, e)| s.seconds_until(e))
}

#[cfg(test)]
mod tests;

//! What needs a person, as events: a gate starts waiting, a deployment waits in Ready or at a
//! pause hook, a deployment or pipeline fails, a deployment rolls back, a source loses its
//! credentials. The console's notification area and `cutover watch` both take them from a
//! [`Tracker`], which turns successive snapshots of one source into events, each once.
//!
//! Each event has a key naming the occurrence, not the thing: a gate waiting again in a later
//! execution is a new event, the same execution waiting on the next refresh is not. Keys seen
//! are kept until a day after their thing left every snapshot, so a refresh that cannot read
//! part of the account (a gap) makes nothing come back as new once it can again; and a refresh
//! that fails outright changes nothing, so what happened meanwhile comes with the next one.
//! It must not read AWS, print or decide how an event is delivered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::progress::Phase;
use super::snapshot::Snapshot;
use super::status::DeploymentStatus;
use super::time::Timestamp;

/// How long a key is remembered after its thing was last seen.
const REMEMBER_MS: i64 = 24 * 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A manual approval started waiting (CodePipeline).
    GateWaiting,
    /// A CodeDeploy deployment waits in Ready for production to be rerouted.
    ReadyWait,
    /// An ECS pause hook waits for CONTINUE or ROLLBACK.
    HookWaiting,
    /// A deployment (either platform) failed or was stopped.
    DeploymentFailed,
    /// A deployment is rolling back (a CodeDeploy rollback deployment, an ECS rollback).
    RolledBack,
    /// A pipeline execution failed.
    PipelineFailed,
    /// A source's credentials were refused or ran out: nothing there refreshes.
    CredentialsLost,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::GateWaiting,
        Kind::ReadyWait,
        Kind::HookWaiting,
        Kind::DeploymentFailed,
        Kind::RolledBack,
        Kind::PipelineFailed,
        Kind::CredentialsLost,
    ];

    /// The name in JSON, in the config file's `[alerts] on` list and `--on`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::GateWaiting => "gate_waiting",
            Kind::ReadyWait => "ready_wait",
            Kind::HookWaiting => "hook_waiting",
            Kind::DeploymentFailed => "deployment_failed",
            Kind::RolledBack => "rolled_back",
            Kind::PipelineFailed => "pipeline_failed",
            Kind::CredentialsLost => "credentials_lost",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == text)
    }

    /// Whether a person must act for the thing to go on (a gate, Ready, a pause hook), rather
    /// than learn that something went wrong.
    pub fn waits(self) -> bool {
        matches!(
            self,
            Kind::GateWaiting | Kind::ReadyWait | Kind::HookWaiting
        )
    }
}

/// One thing that happened in one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub kind: Kind,
    /// The occurrence: the same key is never emitted twice.
    pub key: String,
    /// When it happened by AWS's clock when AWS says, else when it was first seen.
    pub at: Timestamp,
    /// The source's name (its `[[source]]` label, else `profile/region`).
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub region: String,
    /// What it is about: `pipeline/stage/action`, a deployment id, a service deployment ARN.
    pub subject: String,
    /// One line for a person.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// `cluster/service` of an ECS deployment or hook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The commit a waiting gate's execution carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

/// Where the events come from, as they name it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub source: String,
    pub account: Option<String>,
    pub region: String,
}

/// One source's events so far: the keys it emitted and when their thing was last seen. Saved
/// between runs by `cutover watch`, so that a restart replays nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tracker {
    /// Key → when its thing was last seen (ms).
    seen: BTreeMap<String, i64>,
    /// What happened before this instant is not news (failures of the last day, when a
    /// tracker starts with nothing seen). `None`: everything found is news.
    #[serde(default)]
    since: Option<i64>,
    /// Whether the source's credentials are known to be lost (said once until they work).
    #[serde(default)]
    credentials_lost: bool,
    /// `since` is the first snapshot's time, once it comes.
    #[serde(default)]
    fresh: bool,
}

impl Tracker {
    /// A tracker for which nothing that ended before `since` is news. Waiting gates, Ready
    /// waits and hooks are news whenever they started: they need a person now.
    pub fn since(since: Timestamp) -> Self {
        Self {
            since: Some(since.0),
            ..Self::default()
        }
    }

    /// A tracker for which nothing that ended before its first snapshot was taken is news,
    /// by AWS's clock: what a first run of `cutover watch` takes, so that yesterday's
    /// failures are not announced.
    pub fn fresh() -> Self {
        Self {
            fresh: true,
            ..Self::default()
        }
    }

    /// A tracker for which everything in `snapshot` is already known: the console's, whose
    /// screen shows what was there when it opened.
    pub fn known(snapshot: &Snapshot) -> Self {
        let mut tracker = Self::default();
        for (event, _) in found(snapshot, &Origin::default()) {
            tracker.seen.insert(event.key, snapshot.taken_at.0);
        }
        tracker
    }

    /// The events in `snapshot` not emitted before, oldest first; they are remembered.
    pub fn observe(&mut self, snapshot: &Snapshot, origin: &Origin) -> Vec<Event> {
        let now = snapshot.taken_at.0;
        if std::mem::take(&mut self.fresh) {
            self.since = Some(now);
        }
        let mut news = Vec::new();
        // A snapshot came: the credentials work again, and a later loss is news.
        self.credentials_lost = false;
        for (event, ended) in found(snapshot, origin) {
            let old = ended && self.since.is_some_and(|since| event.at.0 < since);
            if self.seen.insert(event.key.clone(), now).is_none() && !old {
                news.push(event);
            }
        }
        self.seen.retain(|_, last| now - *last <= REMEMBER_MS);
        news.sort_by_key(|e| e.at);
        news
    }

    /// A refresh failed: an event when the reason is lost credentials and it was not said
    /// yet; nothing else changes, so what happens meanwhile comes with the next snapshot.
    pub fn failed(
        &mut self,
        at: Timestamp,
        kind: &str,
        message: &str,
        origin: &Origin,
    ) -> Option<Event> {
        let lost = matches!(kind, "expired_credentials" | "no_credentials");
        if !lost || self.credentials_lost {
            return None;
        }
        self.credentials_lost = true;
        Some(Event {
            key: format!("credentials/{}/{}", origin.source, at.0),
            message: format!("{}: credentials lost: {message}", origin.source),
            reason: Some(message.to_owned()),
            ..event(Kind::CredentialsLost, at, origin, origin.source.clone())
        })
    }

    /// How many keys it remembers.
    pub fn remembered(&self) -> usize {
        self.seen.len()
    }
}

/// A bare event of `kind` about `subject`; the finders fill in the rest.
fn event(kind: Kind, at: Timestamp, origin: &Origin, subject: String) -> Event {
    Event {
        kind,
        key: String::new(),
        at,
        source: origin.source.clone(),
        account: origin.account.clone(),
        region: origin.region.clone(),
        subject,
        message: String::new(),
        pipeline: None,
        execution_id: None,
        deployment_id: None,
        service: None,
        reason: None,
        revision: None,
    }
}

/// Every event `snapshot` holds, each with whether it is something that ended (a failure, a
/// rollback) rather than something waiting.
fn found(s: &Snapshot, origin: &Origin) -> Vec<(Event, bool)> {
    let mut out = Vec::new();
    gates(s, origin, &mut out);
    waits(s, origin, &mut out);
    endings(s, origin, &mut out);
    out
}

fn gates(s: &Snapshot, origin: &Origin, out: &mut Vec<(Event, bool)>) {
    for a in &s.attention.approvals {
        let subject = format!("{}/{}/{}", a.pipeline, a.stage, a.action);
        let occurrence = a.execution_id.as_deref().unwrap_or(&a.token);
        let revision = a.source.as_ref().map(|r| r.revision_id.clone());
        let commit = a.source.as_ref().map_or_else(String::new, |r| {
            let short: String = r.revision_id.chars().take(7).collect();
            match r.summary.as_deref().and_then(|m| m.lines().next()) {
                Some(message) => format!(" at {short} \"{message}\""),
                None => format!(" at {short}"),
            }
        });
        out.push((
            Event {
                key: format!("gate/{subject}/{occurrence}"),
                message: format!(
                    "{}: gate {} of {} waits for approval{commit}",
                    origin.source, a.action, a.pipeline
                ),
                pipeline: Some(a.pipeline.clone()),
                execution_id: a.execution_id.clone(),
                revision,
                ..event(
                    Kind::GateWaiting,
                    a.waiting_since.unwrap_or(s.taken_at),
                    origin,
                    subject,
                )
            },
            false,
        ));
    }
}

fn waits(s: &Snapshot, origin: &Origin, out: &mut Vec<(Event, bool)>) {
    for d in &s.attention.in_flight {
        if d.phase != Phase::ReadyWait {
            continue;
        }
        let place = format!("{}/{}", d.application, d.deployment_group);
        out.push((
            Event {
                key: format!("ready/{}", d.deployment_id),
                message: format!(
                    "{}: {} of {place} waits in Ready to reroute production",
                    origin.source, d.deployment_id
                ),
                deployment_id: Some(d.deployment_id.clone()),
                ..event(Kind::ReadyWait, s.taken_at, origin, d.deployment_id.clone())
            },
            false,
        ));
    }
    for h in &s.attention.hooks {
        let service = format!("{}/{}", h.cluster, h.service);
        let stage = h.stage.as_ref().map_or("its stage", |st| st.as_str());
        out.push((
            Event {
                key: format!("hook/{}/{}", h.deployment_arn, h.hook_id),
                message: format!(
                    "{}: {service} waits at a pause hook in {stage}",
                    origin.source
                ),
                deployment_id: Some(h.deployment_arn.clone()),
                service: Some(service),
                ..event(
                    Kind::HookWaiting,
                    s.taken_at,
                    origin,
                    h.deployment_arn.clone(),
                )
            },
            false,
        ));
    }
}

/// Failures and rollbacks of either platform, and failed pipeline executions.
fn endings(s: &Snapshot, origin: &Origin, out: &mut Vec<(Event, bool)>) {
    use super::attention::FailureSource;
    for f in &s.attention.failures {
        let at = f.at.unwrap_or(s.taken_at);
        let base = match f.source {
            FailureSource::Deployment => Event {
                key: format!("failed/{}", f.id),
                message: format!(
                    "{}: deployment {} of {} {}: {}",
                    origin.source,
                    f.id,
                    f.place,
                    f.status.to_lowercase(),
                    f.reason
                ),
                deployment_id: Some(f.id.clone()),
                ..event(Kind::DeploymentFailed, at, origin, f.id.clone())
            },
            FailureSource::ServiceDeployment => {
                let rolled = s
                    .service_deployments
                    .iter()
                    .any(|d| d.arn == f.id && d.is_rollback());
                let (kind, key, what) = if rolled {
                    (Kind::RolledBack, "rollback", "rolled back")
                } else {
                    (Kind::DeploymentFailed, "failed", "stopped")
                };
                Event {
                    key: format!("{key}/{}", f.id),
                    message: format!("{}: {} {what}: {}", origin.source, f.place, f.reason),
                    deployment_id: Some(f.id.clone()),
                    service: Some(f.place.clone()),
                    ..event(kind, at, origin, f.id.clone())
                }
            }
            FailureSource::Pipeline => {
                let execution = s
                    .pipelines
                    .iter()
                    .find(|p| p.name == f.id)
                    .and_then(|p| p.latest_execution())
                    .map(|e| e.id.clone());
                Event {
                    key: format!(
                        "pipeline-failed/{}/{}",
                        f.id,
                        execution.as_deref().unwrap_or("?")
                    ),
                    message: format!(
                        "{}: pipeline {} failed at {}: {}",
                        origin.source, f.id, f.place, f.reason
                    ),
                    pipeline: Some(f.id.clone()),
                    execution_id: execution,
                    ..event(Kind::PipelineFailed, at, origin, f.id.clone())
                }
            }
        };
        out.push((
            Event {
                reason: Some(f.reason.clone()),
                ..base
            },
            true,
        ));
    }
    rollbacks(s, origin, out);
}

/// Rollbacks under way: a CodeDeploy rollback deployment, an ECS deployment rolling back.
fn rollbacks(s: &Snapshot, origin: &Origin, out: &mut Vec<(Event, bool)>) {
    for d in &s.deployments {
        let Some(of) = &d.rollback_of else {
            continue;
        };
        if d.status == DeploymentStatus::Succeeded && !recent(s, d.created) {
            continue;
        }
        let reason = d.rollback_message.clone();
        out.push((
            Event {
                key: format!("rollback/{of}"),
                message: format!(
                    "{}: {of} of {}/{} rolls back ({}){}",
                    origin.source,
                    d.application,
                    d.deployment_group,
                    d.id,
                    reason
                        .as_deref()
                        .map_or(String::new(), |r| format!(": {r}"))
                ),
                deployment_id: Some(of.clone()),
                reason,
                ..event(
                    Kind::RolledBack,
                    d.created.unwrap_or(s.taken_at),
                    origin,
                    of.clone(),
                )
            },
            true,
        ));
    }
    for d in s.service_deployments.iter().filter(|d| d.in_flight()) {
        if !d.is_rollback() {
            continue;
        }
        let service = d.service.to_string();
        let reason = d.rollback.as_ref().and_then(|r| r.reason.clone());
        out.push((
            Event {
                key: format!("rollback/{}", d.arn),
                message: format!(
                    "{}: {service} rolls back{}",
                    origin.source,
                    reason
                        .as_deref()
                        .map_or(String::new(), |r| format!(": {r}"))
                ),
                deployment_id: Some(d.arn.clone()),
                service: Some(service),
                reason,
                ..event(
                    Kind::RolledBack,
                    d.updated_at.or(d.created_at).unwrap_or(s.taken_at),
                    origin,
                    d.arn.clone(),
                )
            },
            true,
        ));
    }
}

/// Within the last day of the snapshot.
fn recent(s: &Snapshot, at: Option<Timestamp>) -> bool {
    at.is_some_and(|t| s.taken_at.0 - t.0 <= REMEMBER_MS)
}

#[cfg(test)]
mod tests;

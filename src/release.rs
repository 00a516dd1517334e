//! A release: the pipelines and services that ship together, across sources, as one thing.
//! The config file names each (`[[release]] name, pipelines, services`, `*` wildcards,
//! matched in every source); without configuration, pipelines whose current executions carry
//! the same commit make one too ([`by_revision`], named `rev:` and the commit's first
//! characters). This gathers a release's members from the snapshots read and says where it
//! stands: gates waiting and for how long, deployments in flight and their share of
//! production on green, services short of tasks or with unhealthy targets.

mod revision;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;

pub use crate::config::ReleaseDef;
use crate::config::glob;
use crate::model::Snapshot;
use crate::model::pipeline::{ExecutionSummary, Pipeline, SourceRevision};
use crate::model::time::human_duration;
use crate::sources::SourceSpec;
pub use revision::{REVISION_PREFIX, by_revision, deploys_to, find};

/// A release as read: its members in every source, and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Release {
    pub name: String,
    pub members: Vec<Member>,
    pub summary: Summary,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    /// The source's name (its label, or `profile/region`).
    pub source: String,
    /// `pipeline` or `service`.
    pub kind: &'static str,
    /// The pipeline's name, or `cluster/service`.
    pub name: String,
    /// Gates waiting on a person: pipeline approvals, ECS pause hooks.
    pub waiting: Vec<Waiting>,
    /// The latest execution's status (pipelines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
    /// The commit the pipeline's current execution ([`Pipeline::current_execution`]) carries:
    /// the release's own, in a group of a shared revision; else its first source's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<Revision>,
    /// A deployment in flight (services).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment: Option<InFlight>,
    /// The newest deployment of the service, when it has ended and none is in flight since
    /// (services; among those the snapshot read: the last 24 hours).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<Ended>,
    /// Tasks running of those desired (services).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<(i32, i32)>,
    /// Why the service is in trouble, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trouble: Option<String>,
}

/// A source revision as a pipeline execution carries it: CodePipeline ListPipelineExecutions'
/// `sourceRevisions` (`revisionId`, `revisionSummary`, `revisionUrl`). AWS gives no author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// The commit id (or image digest, or S3 object version).
    pub id: String,
    /// The commit message's first line: the `CommitMessage` of the JSON a connection
    /// (GitHub, GitLab, Bitbucket) reports, else the summary as it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Revision {
    fn of(r: &SourceRevision) -> Self {
        Self {
            id: r.revision_id.clone(),
            summary: r.summary.as_deref().and_then(subject),
            url: r.url.clone(),
        }
    }

    /// The id's first seven characters (of what follows `sha256:`, for an image digest).
    pub fn short(&self) -> String {
        revision::bare(&self.id).chars().take(7).collect()
    }
}

/// The first line of a revision summary, from the JSON object connections send
/// (`{"ProviderType":"GitHub","CommitMessage":"…"}`) or the text itself.
fn subject(summary: &str) -> Option<String> {
    let message = serde_json::from_str::<serde_json::Value>(summary)
        .ok()
        .and_then(|v| v.get("CommitMessage")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| summary.to_owned());
    let line = message.lines().map(str::trim).find(|l| !l.is_empty())?;
    Some(line.to_owned())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waiting {
    /// `stage/action`, or the hook's stage.
    pub at: String,
    /// Seconds it has waited, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub for_seconds: Option<i64>,
    /// The execution waiting (PARALLEL pipelines have several at one gate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<String>,
    /// The approval's stage and action; `None` for a pause hook.
    #[serde(skip)]
    pub gate: Option<(String, String)>,
}

/// A service's newest deployment, ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ended {
    /// The CodeDeploy deployment's id, or the ECS service deployment's ARN.
    pub id: String,
    pub status: String,
    /// Whether it succeeded (CodeDeploy `Succeeded`, ECS `SUCCESSFUL`).
    pub succeeded: bool,
    /// When it ended, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<crate::model::Timestamp>,
    /// Seconds from its end to when its source was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_seconds_ago: Option<i64>,
    /// `application/group`, for a CodeDeploy deployment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The deployment it rolled back, when it is a rollback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InFlight {
    pub id: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent_on_green: Option<f64>,
}

/// The release at a glance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pipelines: usize,
    pub gates_waiting: usize,
    pub services: usize,
    pub deploying: usize,
    pub healthy: usize,
}

/// The members of `def` in each source read. A group of a shared revision
/// ([`ReleaseDef::revision`]) takes only the pipelines whose current execution carries its
/// commit, only their gates of executions carrying it, and only the services they deploy to
/// in their own source.
pub fn gather(def: &ReleaseDef, read: &[(SourceSpec, &Snapshot)]) -> Release {
    let mut members = Vec::new();
    for (source, s) in read {
        let source = source.name();
        let mut deployed = BTreeSet::new();
        for p in s
            .pipelines
            .iter()
            .filter(|p| def.pipelines.iter().any(|g| glob(g, &p.name)))
        {
            if let Some(member) = pipeline_member(def, &source, s, p) {
                deployed.extend(deploys_to(s, p));
                members.push(member);
            }
        }
        for v in s.services.iter().filter(|v| {
            let name = format!("{}/{}", v.cluster, v.name);
            def.services.iter().any(|g| glob(g, &name))
                && (def.revision.is_none() || deployed.contains(&name))
        }) {
            members.push(service_member(
                &source,
                s,
                &v.cluster,
                &v.name,
                (v.running, v.desired),
            ));
        }
    }
    let summary = Summary {
        pipelines: members.iter().filter(|m| m.kind == "pipeline").count(),
        gates_waiting: members.iter().map(|m| m.waiting.len()).sum(),
        services: members.iter().filter(|m| m.kind == "service").count(),
        deploying: members.iter().filter(|m| m.deployment.is_some()).count(),
        healthy: members
            .iter()
            .filter(|m| m.kind == "service" && m.trouble.is_none())
            .count(),
    };
    Release {
        name: def.name.clone(),
        members,
        summary,
    }
}

/// Whether an execution carries `commit` among its source revisions.
fn carries(e: &ExecutionSummary, commit: &str) -> bool {
    e.source_revisions.iter().any(|r| r.revision_id == commit)
}

/// A pipeline of the release: its gates waiting and its current commit; `None` when the
/// release is a revision's and the pipeline is not at it.
fn pipeline_member(def: &ReleaseDef, source: &str, s: &Snapshot, p: &Pipeline) -> Option<Member> {
    let current = p.current_execution();
    let revision = match &def.revision {
        Some(commit) => Some(
            current?
                .source_revisions
                .iter()
                .find(|r| &r.revision_id == commit)?,
        ),
        None => current.and_then(|e| e.source_revisions.first()),
    };
    // A revision's gates are those of executions shown to carry it: another commit's
    // execution waiting at the same gate (PARALLEL mode) is not the release's to answer.
    let at_revision = |execution: Option<&str>| match &def.revision {
        None => true,
        Some(commit) => execution
            .and_then(|id| p.execution(id))
            .is_some_and(|e| carries(e, commit)),
    };
    let waiting = s
        .attention
        .approvals
        .iter()
        .filter(|a| a.pipeline == p.name && at_revision(a.execution_id.as_deref()))
        .map(|a| Waiting {
            at: format!("{}/{}", a.stage, a.action),
            for_seconds: a.waiting_since.map(|t| t.seconds_until(s.taken_at)),
            execution: a.execution_id.clone(),
            gate: Some((a.stage.clone(), a.action.clone())),
        })
        .collect();
    Some(Member {
        source: source.to_owned(),
        kind: "pipeline",
        name: p.name.clone(),
        waiting,
        latest: p.latest_execution().map(|e| e.status.as_str().to_owned()),
        revision: revision.map(Revision::of),
        deployment: None,
        last: None,
        tasks: None,
        trouble: None,
    })
}

/// A service of the release: its deployment in flight on either platform, its pause hooks
/// waiting, its tasks and its trouble.
fn service_member(
    source: &str,
    s: &Snapshot,
    cluster: &str,
    service: &str,
    tasks: (i32, i32),
) -> Member {
    let a = &s.attention;
    let codedeploy = a.in_flight.iter().find(|d| {
        s.group(&d.application, &d.deployment_group)
            .is_some_and(|g| {
                g.cluster.as_deref() == Some(cluster) && g.service.as_deref() == Some(service)
            })
    });
    let ecs = a
        .in_flight_ecs
        .iter()
        .find(|d| d.cluster == cluster && d.service == service);
    let deployment = match (codedeploy, ecs) {
        (Some(d), _) => Some(InFlight {
            id: d.deployment_id.clone(),
            status: d.status.as_str().to_owned(),
            percent_on_green: Some(d.percent_on_green),
        }),
        (None, Some(d)) => Some(InFlight {
            id: d.arn.clone(),
            status: d.status.as_str().to_owned(),
            percent_on_green: d.percent_on_green,
        }),
        (None, None) => None,
    };
    let waiting = a
        .hooks
        .iter()
        .filter(|h| h.cluster == cluster && h.service == service)
        .map(|h| Waiting {
            at: h.stage.as_ref().map_or_else(
                || "a pause hook".to_owned(),
                |st| format!("a pause hook ({st})"),
            ),
            for_seconds: None,
            execution: None,
            gate: None,
        })
        .collect();
    let last = if deployment.is_some() {
        None
    } else {
        last_ended(s, cluster, service)
    };
    let trouble = a
        .services
        .iter()
        .find(|t| t.cluster == cluster && t.service == service)
        .map(|t| t.reason.clone());
    Member {
        source: source.to_owned(),
        kind: "service",
        name: format!("{cluster}/{service}"),
        waiting,
        latest: None,
        revision: None,
        deployment,
        last,
        tasks: Some(tasks),
        trouble,
    }
}

/// The newest deployment of a service, of either platform, when it has ended: the newest of
/// its CodeDeploy group's and of its ECS service deployments.
fn last_ended(s: &Snapshot, cluster: &str, service: &str) -> Option<Ended> {
    let ago = |t: Option<crate::model::Timestamp>| t.map(|t| t.seconds_until(s.taken_at));
    let codedeploy = s
        .deployment_groups
        .iter()
        .find(|g| g.cluster.as_deref() == Some(cluster) && g.service.as_deref() == Some(service))
        .and_then(|g| {
            s.deployments
                .iter()
                .filter(|d| d.application == g.application && d.deployment_group == g.name)
                .max_by_key(|d| d.created)
        })
        .map(|d| {
            let ended = d.completed.or(d.created);
            (
                d.created,
                Ended {
                    id: d.id.clone(),
                    status: d.status.as_str().to_owned(),
                    succeeded: d.status == crate::model::status::DeploymentStatus::Succeeded,
                    ended,
                    ended_seconds_ago: ago(ended),
                    group: Some(format!("{}/{}", d.application, d.deployment_group)),
                    rollback_of: d.rollback_of.clone(),
                },
                d.status.is_terminal(),
            )
        });
    let ecs = s
        .service_deployments
        .iter()
        .filter(|d| d.service.cluster == cluster && d.service.service == service)
        .max_by_key(|d| d.created_at)
        .map(|d| {
            let ended = d.finished_at.or(d.stopped_at).or(d.updated_at);
            (
                d.created_at,
                Ended {
                    id: d.arn.clone(),
                    status: d.status.as_str().to_owned(),
                    succeeded: d.status
                        == crate::model::status::ServiceDeploymentStatus::Successful,
                    ended,
                    ended_seconds_ago: ago(ended),
                    group: None,
                    rollback_of: None,
                },
                d.status.is_terminal(),
            )
        });
    let newest = match (codedeploy, ecs) {
        (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
        (a, b) => a.or(b),
    };
    newest.and_then(|(_, ended, terminal)| terminal.then_some(ended))
}

/// The commit every pipeline of the release is at, when they are all at one.
pub fn shared_revision(r: &Release) -> Option<&Revision> {
    let mut pipelines = r.members.iter().filter(|m| m.kind == "pipeline");
    let first = pipelines.next()?.revision.as_ref()?;
    pipelines
        .all(|m| m.revision.as_ref().is_some_and(|v| v.id == first.id))
        .then_some(first)
}

/// What is said of the commit the release is at: its subject for a group of a shared
/// revision (whose name says the commit), else the commit and its subject when every pipeline
/// is at one.
fn at_commit(r: &Release) -> Option<String> {
    let v = shared_revision(r)?;
    let subject = v.summary.as_ref().map(|s| format!("\"{s}\""));
    if r.name.starts_with(REVISION_PREFIX) {
        subject
    } else {
        Some(subject.map_or_else(
            || format!("at {}", v.short()),
            |s| format!("at {} {s}", v.short()),
        ))
    }
}

/// The releases as text, a line each: its name, the commit it is at, its gates waiting, its
/// services deploying and healthy, its members.
pub fn glance(releases: &[Release]) -> String {
    let mut out = String::new();
    if releases.is_empty() {
        let _ = writeln!(
            out,
            "no releases: the config file has no [[release]], and no two pipelines' current executions carry the same commit"
        );
    }
    let width = releases.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for r in releases {
        let m = r.summary;
        let mut parts: Vec<String> = at_commit(r).into_iter().collect();
        parts.push(format!(
            "{} gate{} waiting",
            m.gates_waiting,
            if m.gates_waiting == 1 { "" } else { "s" }
        ));
        parts.push(format!("{} of {} deploying", m.deploying, m.services));
        parts.push(format!("{} of {} healthy", m.healthy, m.services));
        parts.push(format!(
            "{} member{}",
            r.members.len(),
            if r.members.len() == 1 { "" } else { "s" }
        ));
        let _ = writeln!(out, "{:<width$}  {}", r.name, parts.join(" · "));
    }
    out
}

/// The release as text: the glance first, then a line per member.
pub fn human(r: &Release) -> String {
    let mut out = String::new();
    let m = r.summary;
    let _ = writeln!(
        out,
        "release {}{} · {} gate{} waiting · {} of {} services deploying · {} of {} healthy · {} pipelines",
        r.name,
        at_commit(r).map_or_else(String::new, |c| format!(" · {c}")),
        m.gates_waiting,
        if m.gates_waiting == 1 { "" } else { "s" },
        m.deploying,
        m.services,
        m.healthy,
        m.services,
        m.pipelines,
    );
    if r.members.is_empty() {
        let _ = writeln!(out, "\nno pipeline or service matches its patterns");
    }
    for member in &r.members {
        let mut state = Vec::new();
        for w in &member.waiting {
            let since = w
                .for_seconds
                .map_or_else(String::new, |s| format!(" for {}", human_duration(s)));
            state.push(format!("waiting at {}{since}", w.at));
        }
        if let Some(latest) = &member.latest {
            state.push(format!("latest {latest}"));
        }
        if let Some(v) = &member.revision {
            state.push(format!("at {}", v.short()));
        }
        if let Some(d) = &member.deployment {
            let percent = d
                .percent_on_green
                .map_or_else(String::new, |p| format!(" {p:.0}% on green"));
            state.push(format!("deploying {}{percent}", d.status));
        }
        if let Some((running, desired)) = member.tasks {
            state.push(format!("{running}/{desired} tasks"));
        }
        if let Some(trouble) = &member.trouble {
            state.push(trouble.clone());
        } else if member.kind == "service" {
            state.push("healthy".to_owned());
        }
        let _ = writeln!(
            out,
            "  {:<12} {:<8} {:<36} {}",
            member.source,
            member.kind,
            member.name,
            state.join(" · ")
        );
    }
    out
}

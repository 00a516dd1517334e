//! The evidence beside a decision: what changes between what runs and what will run (from
//! the two task definitions), the source revision that carries it, and the health of what
//! was already deployed. Three decisions have it: a pipeline's manual approval, a CodeDeploy
//! deployment waiting in Ready, an ECS service deployment's pause hook. This module is pure:
//! [`pick`] chooses from a snapshot what to compare, [`Diff`] compares, [`Evidence::lines`]
//! says it in a terminal's few words; `aws::evidence` reads. It must never hold, print or
//! serialize the value of an environment variable or a secret.

mod diff;
mod pick;
mod text;

use serde::Serialize;

pub use diff::{Change, Container, ContainerDiff, Diff, Fingerprint, Names, TaskDefinition};
pub use pick::{NotFound, Picked, pick};

use super::ServiceRef;
use super::pipeline::SourceRevision;
use super::status::TargetHealthState;

/// A decision a person makes, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Point {
    /// A manual approval in a pipeline: the named one, or with no stage the first waiting.
    Gate {
        pipeline: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        stage: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        action: Option<String>,
        /// The execution waiting at it, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        execution_id: Option<String>,
    },
    /// A CodeDeploy deployment waiting in Ready for ContinueDeployment.
    Ready { deployment: String },
    /// An ECS service deployment whose pause hook waits for ContinueServiceDeployment.
    Hook { deployment_arn: String },
}

impl Point {
    /// From the command line: `PIPELINE[/STAGE/ACTION]`, a CodeDeploy id (`d-` and nine
    /// letters or digits) or an ECS service deployment ARN.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("name a pipeline, a deployment id or a service deployment ARN".into());
        }
        if text.starts_with("arn:") {
            return if text.contains(":service-deployment/") {
                Ok(Self::Hook {
                    deployment_arn: text.to_owned(),
                })
            } else {
                Err(format!(
                    "'{text}' is not an ECS service deployment ARN (…:service-deployment/CLUSTER/SERVICE/ID)"
                ))
            };
        }
        let deployment_id = text.len() == 11
            && text.starts_with("d-")
            && text[2..]
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if deployment_id {
            return Ok(Self::Ready {
                deployment: text.to_owned(),
            });
        }
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [pipeline] => Ok(Self::Gate {
                pipeline: (*pipeline).to_owned(),
                stage: None,
                action: None,
                execution_id: None,
            }),
            [pipeline, stage, action] if parts.iter().all(|p| !p.is_empty()) => Ok(Self::Gate {
                pipeline: (*pipeline).to_owned(),
                stage: Some((*stage).to_owned()),
                action: Some((*action).to_owned()),
                execution_id: None,
            }),
            _ => Err(format!(
                "'{text}' is not PIPELINE or PIPELINE/STAGE/ACTION, a deployment id (d-…) or a service deployment ARN"
            )),
        }
    }
}

/// The source revision the decision carries. CodePipeline's `SourceRevision` (and
/// `ArtifactRevision`) has no author field in botocore's model; a CodeStar connection
/// (GitHub, Bitbucket, GitLab) sends `revisionSummary` as a JSON document
/// (`{"ProviderType":"GitHub","CommitMessage":"…"}`), CodeCommit and GitHub (version 1) send
/// the commit message, an S3 source the object's `codepipeline-artifact-revision-summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commit {
    /// The source action that read it.
    pub action: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `GitHub`, `Bitbucket`: a connection's provider, when the summary names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Only when the summary carries one; CodePipeline itself never says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
}

impl Commit {
    pub fn of(revision: &SourceRevision) -> Self {
        let summary = revision.summary.as_deref().map(str::trim);
        let document = summary
            .filter(|s| s.starts_with('{'))
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .filter(serde_json::Value::is_object);
        let field = |names: &[&str]| {
            let document = document.as_ref()?;
            names.iter().find_map(|n| {
                document
                    .get(*n)
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            })
        };
        let (message, provider, author) = if document.is_some() {
            (
                field(&["CommitMessage"]),
                field(&["ProviderType"]),
                // AWS documents no author key: one is shown only if the summary has it.
                field(&["AuthorDisplayName", "AuthorName", "Author"]),
            )
        } else {
            (
                summary.filter(|s| !s.is_empty()).map(str::to_owned),
                None,
                None,
            )
        };
        Self {
            action: revision.action.clone(),
            id: revision.revision_id.clone(),
            message,
            url: revision.url.clone(),
            provider,
            author,
        }
    }
}

/// One side of the comparison: what runs now, or what will run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// `production now`, `test (Dev)`, `original (blue)`, `replacement (green)`.
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceRef>,
    pub task_definition: String,
}

/// A target that is not healthy, with ELB's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SickTarget {
    pub id: String,
    pub state: TargetHealthState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A service's health now: its tasks, and its targets in every target group read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    pub service: ServiceRef,
    pub running: i32,
    pub desired: i32,
    pub pending: i32,
    /// Targets healthy and in all; `None` when no target health was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<(usize, usize)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unhealthy: Vec<SickTarget>,
}

/// The evidence beside one decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub point: Point,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Commit>,
    /// What runs now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running: Option<Side>,
    /// What will run once the decision is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Side>,
    /// The difference, when both task definitions were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<Diff>,
    /// The health of what was already deployed: for a gate the earlier stage's service, for
    /// a deployment its service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<Health>,
    /// What could not be told, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unavailable: Vec<String>,
}

impl Evidence {
    /// The evidence of what was picked, before any task definition is read.
    pub fn from_picked(point: Point, picked: Picked) -> Self {
        Self {
            point,
            source: picked.source,
            running: picked.running,
            next: picked.next,
            diff: None,
            health: picked.health,
            unavailable: picked.missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(summary: &str) -> SourceRevision {
        SourceRevision {
            action: "Source".into(),
            revision_id: "9cfbd65aa1".into(),
            summary: Some(summary.into()),
            url: Some("https://github.com/acme/web/commit/9cfbd65aa1".into()),
        }
    }

    #[test]
    fn a_connection_summary_is_read_as_json_and_a_plain_one_as_the_message() {
        let github = Commit::of(&revision(
            r#"{"ProviderType":"GitHub","CommitMessage":"Add feature X\n\nLonger body"}"#,
        ));
        assert_eq!(
            github.message.as_deref(),
            Some("Add feature X\n\nLonger body")
        );
        assert_eq!(github.provider.as_deref(), Some("GitHub"));
        assert_eq!(github.author, None, "the summary names no author");
        let plain = Commit::of(&revision("Fix the cart total"));
        assert_eq!(plain.message.as_deref(), Some("Fix the cart total"));
        assert_eq!(plain.provider, None);
        let with_author = Commit::of(&revision(
            r#"{"ProviderType":"Bitbucket","CommitMessage":"m","AuthorDisplayName":"Ana"}"#,
        ));
        assert_eq!(with_author.author.as_deref(), Some("Ana"));
    }

    #[test]
    fn a_target_is_a_gate_a_deployment_id_or_a_service_deployment_arn() {
        assert!(matches!(
            Point::parse("web-release/Approval/Approve"),
            Ok(Point::Gate { stage: Some(_), .. })
        ));
        assert!(matches!(
            Point::parse("web-release"),
            Ok(Point::Gate { stage: None, .. })
        ));
        assert!(matches!(
            Point::parse("d-ABCDEF123"),
            Ok(Point::Ready { .. })
        ));
        assert!(matches!(
            Point::parse("arn:aws:ecs:eu-west-1:1:service-deployment/lab/pay/x1"),
            Ok(Point::Hook { .. })
        ));
        assert!(Point::parse("web-release/Approval").is_err());
        assert!(Point::parse("arn:aws:ecs:eu-west-1:1:service/lab/pay").is_err());
        assert!(Point::parse(" ").is_err());
    }
}

//! CodeDeploy as the console sees it: applications, deployment groups (with the blue/green
//! setup resolved to ARNs), deployments with their ECS target, lifecycle events and task sets.
//! CodeDeploy's quirks end here: target groups by name, `Blue`/`Green` labels.

use serde::Serialize;

use super::status::{DeploymentStatus, LifecycleStatus, ReadyAction, TaskSetLabel, TaskSetStatus};
use super::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Application {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub compute_platform: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Routing {
    AllAtOnce,
    Canary { percent: i32, minutes: i32 },
    Linear { percent: i32, minutes: i32 },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentGroup {
    pub application: String,
    pub name: String,
    pub config: String,
    /// The traffic routing of `config`, when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing: Option<Routing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub target_group_names: Vec<String>,
    /// The pair resolved to ARNs (ELBv2), in the order of `target_group_names`.
    pub target_group_arns: Vec<Option<String>>,
    pub production_listeners: Vec<String>,
    pub test_listeners: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_action: Option<ReadyAction>,
    pub ready_wait_minutes: i32,
    pub termination_wait_minutes: i32,
    pub auto_rollback: bool,
    pub auto_rollback_events: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_successful_deployment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_attempted_deployment: Option<String>,
    /// Rules on the production listener that forward to the pair.
    pub production_rules: Vec<String>,
    /// Rules on the test listener that forward to the pair.
    pub test_rules: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostics {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_tail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LifecycleEvent {
    pub name: String,
    pub status: LifecycleStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Diagnostics>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeployTaskSet {
    pub id: String,
    pub label: TaskSetLabel,
    pub status: TaskSetStatus,
    pub desired: i64,
    pub running: i64,
    pub pending: i64,
    /// Percent of production traffic.
    pub traffic_weight: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EcsTarget {
    pub target_id: String,
    pub status: LifecycleStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    pub lifecycle_events: Vec<LifecycleEvent>,
    pub task_sets: Vec<DeployTaskSet>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentError {
    pub code: String,
    pub message: String,
}

/// What a deployment deploys: CodeDeploy's revision. GetDeployment names an AppSpec by its
/// SHA-256 only (its content is "always null"); the text is read once with
/// GetApplicationRevision. An S3 revision is a YAML or JSON AppSpec object, deployed again by
/// reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Revision {
    AppSpec {
        sha256: String,
        /// The AppSpec text, once read.
        #[serde(skip_serializing_if = "Option::is_none")]
        content: Option<String>,
        /// The `TaskDefinition` the AppSpec names, once read.
        #[serde(skip_serializing_if = "Option::is_none")]
        task_definition: Option<String>,
    },
    S3 {
        bucket: String,
        key: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        bundle_type: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        etag: Option<String>,
    },
    /// GitHub, String or a type this version does not know; ECS deployments use neither.
    Other { revision_type: String },
}

impl Revision {
    /// The task definition an AppSpec revision deploys, once read.
    pub fn task_definition(&self) -> Option<&str> {
        match self {
            Self::AppSpec {
                task_definition, ..
            } => task_definition.as_deref(),
            _ => None,
        }
    }

    /// What is deployed, in a few words: `web:7 (AppSpec 1a2b3c4d)`,
    /// `s3://bucket/key (version v3, YAML)`.
    pub fn describe(&self) -> String {
        match self {
            Self::AppSpec {
                sha256,
                task_definition,
                ..
            } => {
                let digest = sha256.get(..8).unwrap_or(sha256);
                match task_definition {
                    Some(td) => format!("{} (AppSpec {digest})", short_task_definition(td)),
                    None => format!("AppSpec {digest}"),
                }
            }
            Self::S3 {
                bucket,
                key,
                bundle_type,
                version,
                etag,
            } => {
                let mut details: Vec<String> = Vec::new();
                if let Some(v) = version {
                    details.push(format!("version {v}"));
                } else if let Some(e) = etag {
                    details.push(format!("ETag {e}"));
                }
                if let Some(b) = bundle_type {
                    details.push(b.clone());
                }
                if details.is_empty() {
                    format!("s3://{bucket}/{key}")
                } else {
                    format!("s3://{bucket}/{key} ({})", details.join(", "))
                }
            }
            Self::Other { revision_type } => format!("a {revision_type} revision"),
        }
    }
}

/// `web:7` from a task definition ARN; anything else as it is.
pub fn short_task_definition(arn: &str) -> &str {
    arn.split_once(":task-definition/")
        .map_or(arn, |(_, name)| name)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployment {
    pub id: String,
    pub application: String,
    pub deployment_group: String,
    pub config: String,
    pub status: DeploymentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<DeploymentError>,
    /// The deployment this one rolls back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<String>,
    /// The rollback deployment created for this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolled_back_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_message: Option<String>,
    pub termination_wait_started: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_action: Option<ReadyAction>,
    pub ready_wait_minutes: i32,
    pub termination_wait_minutes: i32,
    /// What the deployment deploys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<Revision>,
    /// What the group ran before (`previousRevision`: the revision of the group's last
    /// successful deployment before this one), named as `revision` is, its text unread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_revision: Option<Revision>,
    /// The ECS target, read for deployments in flight and recent failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<EcsTarget>,
    /// Derived: where the deployment is and what comes next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<super::progress::Progress>,
}

impl Deployment {
    /// A deployment of payments/ledger with nothing but an id and a status, for tests.
    #[cfg(test)]
    pub(crate) fn example(id: &str, status: super::status::DeploymentStatus) -> Self {
        Self {
            id: id.to_owned(),
            application: "payments".into(),
            deployment_group: "ledger".into(),
            config: "CodeDeployDefault.ECSAllAtOnce".into(),
            status,
            creator: None,
            description: None,
            created: None,
            started: None,
            completed: None,
            error: None,
            rollback_of: None,
            rolled_back_by: None,
            rollback_message: None,
            termination_wait_started: false,
            ready_action: None,
            ready_wait_minutes: 0,
            termination_wait_minutes: 0,
            revision: None,
            previous_revision: None,
            target: None,
            progress: None,
        }
    }

    /// The typed reference screens, marks and actions hold.
    pub fn reference(&self) -> super::DeploymentRef {
        super::DeploymentRef::CodeDeploy(self.id.clone())
    }

    /// In flight, failed or rolled back: a deployment a person looks into, whose ECS target
    /// and revision are read.
    pub fn needs_detail(&self) -> bool {
        !self.status.is_terminal() || self.error.is_some() || self.rolled_back_by.is_some()
    }

    /// The task definition the deployment's AppSpec names, once read.
    pub fn task_definition(&self) -> Option<&str> {
        self.revision.as_ref().and_then(Revision::task_definition)
    }

    pub fn event(&self, name: &str) -> Option<&LifecycleEvent> {
        self.target
            .as_ref()?
            .lifecycle_events
            .iter()
            .find(|e| e.name == name)
    }

    pub fn task_set(&self, label: &TaskSetLabel) -> Option<&DeployTaskSet> {
        self.target
            .as_ref()?
            .task_sets
            .iter()
            .find(|s| &s.label == label)
    }

    /// The failed lifecycle event, if one failed.
    pub fn failed_event(&self) -> Option<&LifecycleEvent> {
        self.target
            .as_ref()?
            .lifecycle_events
            .iter()
            .find(|e| e.status == LifecycleStatus::Failed)
    }
}

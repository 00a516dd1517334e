//! CodePipeline as the console sees it: pipelines with their stages and actions, the latest
//! run of each action, recent executions, and what failed.

use std::collections::BTreeMap;

use serde::Serialize;

use super::status::{ActionCategory, ActionStatus, ExecutionStatus, StageStatus};
use super::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pipeline {
    pub name: String,
    pub arn: Option<String>,
    pub version: Option<i32>,
    pub stages: Vec<Stage>,
    /// Newest first.
    pub executions: Vec<ExecutionSummary>,
    /// Failed actions of recent executions, with the error the action reported.
    pub failures: Vec<ActionFailure>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    pub name: String,
    pub inbound_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// The status of the latest execution to reach this stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StageStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    /// An execution waiting to enter the stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound_execution_id: Option<String>,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub name: String,
    pub category: ActionCategory,
    pub provider: String,
    pub run_order: i32,
    pub configuration: BTreeMap<String, String>,
    /// `(application, deployment group)` of a CodeDeployToECS action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploys_to: Option<DeployTarget>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<ActionRun>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployTarget {
    pub application: String,
    pub deployment_group: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRun {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_execution_id: Option<String>,
    pub status: ActionStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_change: Option<Timestamp>,
    /// The approval token of a manual approval that waits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// For a CodeDeployToECS action: the deployment id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorDetails {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceRevision {
    pub action: String,
    pub revision_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecutionSummary {
    pub id: String,
    pub status: ExecutionStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    pub source_revisions: Vec<SourceRevision>,
    pub rollback: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_target: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionFailure {
    pub execution_id: String,
    pub stage: String,
    pub action: String,
    pub status: ActionStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

impl Pipeline {
    pub fn latest_execution(&self) -> Option<&ExecutionSummary> {
        self.executions.first()
    }

    pub fn actions(&self) -> impl Iterator<Item = (&Stage, &Action)> {
        self.stages
            .iter()
            .flat_map(|s| s.actions.iter().map(move |a| (s, a)))
    }
}

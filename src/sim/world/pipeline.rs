//! CodePipeline resources as the simulator holds them: pipeline declarations, their
//! executions and the action executions inside them.

use std::collections::{BTreeMap, VecDeque};

use super::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Source,
    Build,
    Test,
    Approval,
    Deploy,
    Invoke,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Source => "Source",
            Self::Build => "Build",
            Self::Test => "Test",
            Self::Approval => "Approval",
            Self::Deploy => "Deploy",
            Self::Invoke => "Invoke",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ActionDecl {
    pub name: String,
    pub category: Category,
    pub provider: String,
    pub run_order: u32,
    pub configuration: BTreeMap<String, String>,
    pub input_artifacts: Vec<String>,
    pub output_artifacts: Vec<String>,
    /// How long the simulated action runs (approvals and deploys run until answered or done).
    pub seconds: u32,
    /// Chance that a run of this action fails (builds and tests).
    pub failure_chance: f64,
}

impl ActionDecl {
    pub fn owner(&self) -> &'static str {
        if self.provider == "GitHub" {
            "ThirdParty"
        } else {
            "AWS"
        }
    }

    /// `ApplicationName`/`DeploymentGroupName` for a CodeDeployToECS action.
    pub fn deploy_target(&self) -> Option<(&str, &str)> {
        if self.provider != "CodeDeployToECS" {
            return None;
        }
        Some((
            self.configuration.get("ApplicationName")?.as_str(),
            self.configuration.get("DeploymentGroupName")?.as_str(),
        ))
    }
}

#[derive(Debug, Clone)]
pub struct StageDecl {
    pub name: String,
    pub actions: Vec<ActionDecl>,
}

/// How a pipeline handles several executions (`PipelineDeclaration.executionMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecutionMode {
    /// A newer execution waiting at a stage replaces an older one waiting there (the default).
    #[default]
    Superseded,
    /// Executions wait in order at a stage's entrance; one at a time per stage, none
    /// superseded.
    Queued,
    /// Executions run independently, each through every stage; several may be in one stage
    /// (and wait at one approval) at once.
    Parallel,
}

impl ExecutionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Superseded => "SUPERSEDED",
            Self::Queued => "QUEUED",
            Self::Parallel => "PARALLEL",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Transition {
    pub enabled: bool,
    pub reason: Option<String>,
    pub changed_by: Option<String>,
    pub changed_at: Option<Millis>,
}

#[derive(Debug, Clone)]
pub struct Pipeline {
    pub name: String,
    pub arn: String,
    pub version: u32,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub role_arn: String,
    pub artifact_bucket: String,
    pub stages: Vec<StageDecl>,
    pub mode: ExecutionMode,
    pub inbound: Vec<Transition>,
    /// Outbound transitions: an execution may not leave a stage whose outbound is disabled.
    pub outbound: Vec<Transition>,
    /// Execution ids, oldest first.
    pub executions: Vec<String>,
    /// The executions in each stage: at most one in SUPERSEDED and QUEUED modes, any number
    /// in PARALLEL mode.
    pub occupants: Vec<Vec<String>>,
    /// The executions waiting to enter each stage, first in line first: at most one in
    /// SUPERSEDED mode (a newer one supersedes it), in arrival order in QUEUED mode, and in
    /// PARALLEL mode only those a disabled transition holds.
    pub waiting: Vec<VecDeque<String>>,
    /// The latest execution to have entered each stage.
    pub latest_in_stage: Vec<Option<String>>,
    /// The repository the source action reads, for revision links.
    pub repository: String,
    pub idempotency: BTreeMap<String, String>,
}

impl Pipeline {
    pub fn stage_index(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.name == name)
    }

    /// Whether `stage` takes no other execution now: always false in PARALLEL mode.
    pub fn stage_busy(&self, stage: usize) -> bool {
        self.mode != ExecutionMode::Parallel && !self.occupants[stage].is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionStatus {
    InProgress,
    Stopping,
    Stopped,
    Succeeded,
    Superseded,
    Failed,
}

impl ExecutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::Stopping => "Stopping",
            Self::Stopped => "Stopped",
            Self::Succeeded => "Succeeded",
            Self::Superseded => "Superseded",
            Self::Failed => "Failed",
        }
    }

    pub fn is_done(self) -> bool {
        matches!(
            self,
            Self::Stopped | Self::Succeeded | Self::Superseded | Self::Failed
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageStatus {
    InProgress,
    Failed,
    Stopped,
    Stopping,
    Succeeded,
    Cancelled,
}

impl StageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::Failed => "Failed",
            Self::Stopped => "Stopped",
            Self::Stopping => "Stopping",
            Self::Succeeded => "Succeeded",
            Self::Cancelled => "Cancelled",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionStatus {
    InProgress,
    Abandoned,
    Succeeded,
    Failed,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::Abandoned => "Abandoned",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Approval {
    pub approved: bool,
    pub summary: String,
    pub by: String,
    pub at: Millis,
}

#[derive(Debug, Clone)]
pub struct ActionRun {
    pub id: String,
    pub stage: usize,
    pub action: usize,
    pub status: ActionStatus,
    pub started_at: Millis,
    pub updated_at: Millis,
    /// When a timed action finishes.
    pub finishes_at: Option<Millis>,
    pub will_fail: bool,
    pub token: Option<String>,
    pub external_id: Option<String>,
    pub external_url: Option<String>,
    pub summary: Option<String>,
    pub error: Option<(String, String)>,
    pub approval: Option<Approval>,
    pub updated_by: Option<String>,
    /// Which attempt at the stage this run belongs to; ALL_ACTIONS retries start a new one.
    pub attempt: u32,
}

#[derive(Debug, Clone)]
pub struct SourceRevision {
    pub action: String,
    pub revision_id: String,
    pub summary: String,
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct Execution {
    pub id: String,
    pub pipeline: String,
    pub pipeline_version: u32,
    pub status: ExecutionStatus,
    pub status_summary: Option<String>,
    pub started_at: Millis,
    pub updated_at: Millis,
    pub trigger_type: &'static str,
    pub trigger_detail: String,
    /// The pipeline's mode when the execution started, as AWS records it on the execution.
    pub mode: ExecutionMode,
    pub source: SourceRevision,
    /// Per stage: the status of this execution there, if it reached it.
    pub stages: Vec<Option<StageStatus>>,
    /// The stage it is in or waiting for.
    pub position: usize,
    pub in_stage: bool,
    pub runs: Vec<ActionRun>,
    /// Per stage: the current attempt (see [`ActionRun::attempt`]).
    pub attempts: Vec<u32>,
    pub rollback_target: Option<String>,
    pub stop: Option<(bool, String)>,
    /// The image tag the execution deploys.
    pub image_tag: String,
}

impl Execution {
    pub fn is_rollback(&self) -> bool {
        self.rollback_target.is_some()
    }

    /// The latest run of each action of `stage`, in declaration order.
    pub fn latest_runs(&self, stage: usize) -> impl Iterator<Item = &ActionRun> {
        let mut latest: BTreeMap<usize, &ActionRun> = BTreeMap::new();
        let attempt = self.attempts.get(stage).copied().unwrap_or(0);
        for run in self
            .runs
            .iter()
            .filter(|r| r.stage == stage && r.attempt == attempt)
        {
            latest.insert(run.action, run);
        }
        latest.into_values()
    }
}

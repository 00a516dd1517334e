//! ECS-native blue/green as the simulator holds it: a service's `deploymentConfiguration`
//! (strategy, bake time, lifecycle hooks) and `advancedConfiguration`, its service revisions
//! and its service deployments with their lifecycle stage and hooks. Names and enums follow
//! botocore's ECS model (`DeploymentStrategy`, `ServiceDeploymentStatus`,
//! `ServiceDeploymentLifecycleStage`, `DeploymentLifecycleHookStage`). It must not move
//! anything: the engine does (`engine::native`).

use super::Millis;

/// `deploymentConfiguration.strategy` with its own configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strategy {
    BlueGreen,
    /// `linearConfiguration`: `stepPercent` (3.0..=100.0), `stepBakeTimeInMinutes`.
    Linear {
        step_percent: f64,
        step_bake_minutes: u32,
    },
    /// `canaryConfiguration`: `canaryPercent` (0.1..=100.0), `canaryBakeTimeInMinutes`.
    Canary {
        percent: f64,
        bake_minutes: u32,
    },
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BlueGreen => "BLUE_GREEN",
            Self::Linear { .. } => "LINEAR",
            Self::Canary { .. } => "CANARY",
        }
    }
}

/// `DeploymentLifecycleHookStage`: where a hook may run. `PRE_PRODUCTION_TRAFFIC_SHIFT` is a
/// hook stage only; `SCALE_UP`, `BAKE_TIME` and `CLEAN_UP` are never hook stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HookStage {
    ReconcileService,
    PreScaleUp,
    PostScaleUp,
    TestTrafficShift,
    PostTestTrafficShift,
    PreProductionTrafficShift,
    ProductionTrafficShift,
    PostProductionTrafficShift,
}

impl HookStage {
    pub const ALL: [Self; 8] = [
        Self::ReconcileService,
        Self::PreScaleUp,
        Self::PostScaleUp,
        Self::TestTrafficShift,
        Self::PostTestTrafficShift,
        Self::PreProductionTrafficShift,
        Self::ProductionTrafficShift,
        Self::PostProductionTrafficShift,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReconcileService => "RECONCILE_SERVICE",
            Self::PreScaleUp => "PRE_SCALE_UP",
            Self::PostScaleUp => "POST_SCALE_UP",
            Self::TestTrafficShift => "TEST_TRAFFIC_SHIFT",
            Self::PostTestTrafficShift => "POST_TEST_TRAFFIC_SHIFT",
            Self::PreProductionTrafficShift => "PRE_PRODUCTION_TRAFFIC_SHIFT",
            Self::ProductionTrafficShift => "PRODUCTION_TRAFFIC_SHIFT",
            Self::PostProductionTrafficShift => "POST_PRODUCTION_TRAFFIC_SHIFT",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// `ServiceDeploymentLifecycleStage`, in the order the stages run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    ReconcileService,
    PreScaleUp,
    ScaleUp,
    PostScaleUp,
    TestTrafficShift,
    PostTestTrafficShift,
    ProductionTrafficShift,
    PostProductionTrafficShift,
    BakeTime,
    CleanUp,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReconcileService => "RECONCILE_SERVICE",
            Self::PreScaleUp => "PRE_SCALE_UP",
            Self::ScaleUp => "SCALE_UP",
            Self::PostScaleUp => "POST_SCALE_UP",
            Self::TestTrafficShift => "TEST_TRAFFIC_SHIFT",
            Self::PostTestTrafficShift => "POST_TEST_TRAFFIC_SHIFT",
            Self::ProductionTrafficShift => "PRODUCTION_TRAFFIC_SHIFT",
            Self::PostProductionTrafficShift => "POST_PRODUCTION_TRAFFIC_SHIFT",
            Self::BakeTime => "BAKE_TIME",
            Self::CleanUp => "CLEAN_UP",
        }
    }
}

/// `DeploymentLifecycleHookAction`: a PAUSE hook's answer, or what its timeout does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookAction {
    Continue,
    Rollback,
}

impl HookAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Continue => "CONTINUE",
            Self::Rollback => "ROLLBACK",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "CONTINUE" => Some(Self::Continue),
            "ROLLBACK" => Some(Self::Rollback),
            _ => None,
        }
    }
}

/// `DeploymentLifecycleHookTargetType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookTarget {
    /// A Lambda function's ARN.
    Lambda(String),
    Pause,
}

/// `deploymentConfiguration.lifecycleHooks[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecycleHook {
    pub target: HookTarget,
    pub role_arn: Option<String>,
    pub stages: Vec<HookStage>,
    /// `timeoutConfiguration.timeoutInMinutes`: 1..=20160, 1440 when not given (AWS API docs).
    pub timeout_minutes: u32,
    /// `timeoutConfiguration.action`: ROLLBACK when not given (AWS API docs).
    pub timeout_action: HookAction,
}

impl LifecycleHook {
    pub const DEFAULT_TIMEOUT_MINUTES: u32 = 1_440;
}

/// `loadBalancers[].advancedConfiguration`.
#[derive(Debug, Clone, PartialEq)]
pub struct Advanced {
    pub alternate_target_group: String,
    pub production_rule: String,
    pub test_rule: Option<String>,
    pub role_arn: String,
}

/// What makes a service an ECS-native blue/green one.
#[derive(Debug, Clone, PartialEq)]
pub struct BlueGreen {
    pub strategy: Strategy,
    pub bake_minutes: u32,
    pub hooks: Vec<LifecycleHook>,
    pub advanced: Advanced,
}

/// A service revision: what a service runs (task definition, load balancer) at one time.
#[derive(Debug, Clone)]
pub struct ServiceRevision {
    pub arn: String,
    pub cluster: String,
    pub service: String,
    pub task_definition: String,
    /// The target group the revision's tasks register in.
    pub target_group: String,
    pub created_at: Millis,
}

/// `ServiceDeploymentStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    InProgress,
    StopRequested,
    RollbackRequested,
    RollbackInProgress,
    Successful,
    Stopped,
    RollbackSuccessful,
    RollbackFailed,
}

impl Status {
    pub const ALL: [Self; 9] = [
        Self::Pending,
        Self::InProgress,
        Self::StopRequested,
        Self::RollbackRequested,
        Self::RollbackInProgress,
        Self::Successful,
        Self::Stopped,
        Self::RollbackSuccessful,
        Self::RollbackFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::InProgress => "IN_PROGRESS",
            Self::StopRequested => "STOP_REQUESTED",
            Self::RollbackRequested => "ROLLBACK_REQUESTED",
            Self::RollbackInProgress => "ROLLBACK_IN_PROGRESS",
            Self::Successful => "SUCCESSFUL",
            Self::Stopped => "STOPPED",
            Self::RollbackSuccessful => "ROLLBACK_SUCCESSFUL",
            Self::RollbackFailed => "ROLLBACK_FAILED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_done(self) -> bool {
        matches!(
            self,
            Self::Successful | Self::Stopped | Self::RollbackSuccessful | Self::RollbackFailed
        )
    }
}

/// `DeploymentLifecycleHookStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStatus {
    AwaitingAction,
    InProgress,
    Succeeded,
    Failed,
    TimedOut,
}

impl HookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingAction => "AWAITING_ACTION",
            Self::InProgress => "IN_PROGRESS",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::TimedOut => "TIMED_OUT",
        }
    }
}

/// One hook's run at one stage of a deployment (`lifecycleHookDetails[]`).
#[derive(Debug, Clone)]
pub struct HookRun {
    pub hook_id: String,
    /// Index into the deployment's `config.hooks`.
    pub hook: usize,
    pub stage: HookStage,
    pub status: HookStatus,
    pub started_at: Millis,
    /// When a Lambda hook answers; when a PAUSE hook's timeout fires (`expiresAt`).
    pub ends_at: Millis,
    /// A Lambda hook that will answer FAILED (a scenario armed it).
    pub fails: bool,
}

/// The engine's place in a deployment: a stage's own work, then the hooks of a hook stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Work(Stage),
    Hooks(HookStage),
}

/// The rollback record (`rollback{reason, startedAt, serviceRevisionArn}`).
#[derive(Debug, Clone)]
pub struct RollbackRecord {
    pub reason: String,
    pub started_at: Millis,
    pub revision: String,
}

#[derive(Debug, Clone)]
pub struct ServiceDeployment {
    pub arn: String,
    pub cluster: String,
    pub service: String,
    pub source_revisions: Vec<String>,
    pub target_revision: String,
    pub status: Status,
    pub status_reason: Option<String>,
    pub stage: Option<Stage>,
    /// The index of the engine's step in [`crate::sim::engine::native::STEPS`].
    pub step: usize,
    pub step_since: Millis,
    /// When the current step's timed work ends (a quick stage, a bake, the next shift).
    pub next_at: Option<Millis>,
    pub created_at: Millis,
    pub started_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    pub stopped_at: Option<Millis>,
    pub updated_at: Millis,
    /// The configuration the deployment runs with, as it was when it started.
    pub config: BlueGreen,
    pub hooks: Vec<HookRun>,
    pub rollback: Option<RollbackRecord>,
    /// Percent of production (0.0..=100.0) on green, as the deployment requested it.
    pub production_percent: f64,
    pub test_on_green: bool,
    pub blue_target_group: String,
    pub green_target_group: String,
    pub blue_set: Option<String>,
    pub green_set: Option<String>,
    /// Scenario: a Lambda hook of this stage answers FAILED.
    pub fail_hook_at: Option<HookStage>,
    pub task_definition: String,
}

impl ServiceDeployment {
    pub fn waiting_hook(&self) -> Option<&HookRun> {
        self.hooks
            .iter()
            .find(|h| h.status == HookStatus::AwaitingAction)
    }
}

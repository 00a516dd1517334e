//! CodeDeploy resources as the simulator holds them: applications, deployment configs,
//! deployment groups and ECS blue/green deployments with their lifecycle.

use super::Millis;

#[derive(Debug, Clone)]
pub struct Application {
    pub name: String,
    pub id: String,
    pub created_at: Millis,
    /// The platform of the application, and so of its groups and deployments.
    pub compute_platform: ComputePlatform,
}

/// CodeDeploy's `ComputePlatform`. The simulator runs ECS blue/green deployments; Lambda and
/// EC2/on-premises (`Server`) ones are held and answered for, as an account shared with
/// other teams has them, but nothing runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ComputePlatform {
    #[default]
    Ecs,
    Lambda,
    Server,
}

impl ComputePlatform {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ecs => "ECS",
            Self::Lambda => "Lambda",
            Self::Server => "Server",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Routing {
    AllAtOnce,
    Canary { percent: u32, minutes: u32 },
    Linear { percent: u32, minutes: u32 },
}

#[derive(Debug, Clone)]
pub struct DeploymentConfig {
    pub name: String,
    pub id: String,
    pub routing: Routing,
    pub created_at: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadyAction {
    Continue,
    Stop,
}

impl ReadyAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Continue => "CONTINUE_DEPLOYMENT",
            Self::Stop => "STOP_DEPLOYMENT",
        }
    }
}

#[derive(Debug, Clone)]
pub struct DeploymentGroup {
    pub application: String,
    pub name: String,
    pub id: String,
    pub config: String,
    pub service_role_arn: String,
    pub cluster: String,
    pub service: String,
    /// The pair of target group names, as CodeDeploy reports them.
    pub target_groups: [String; 2],
    pub prod_listener: String,
    pub test_listener: Option<String>,
    pub ready_action: ReadyAction,
    pub ready_wait_minutes: u32,
    pub termination_wait_minutes: u32,
    pub auto_rollback: bool,
    pub rollback_events: Vec<String>,
    pub last_successful: Option<String>,
    pub last_attempted: Option<String>,
    /// Scenario: the next deployment fails at this lifecycle event.
    pub fail_next_hook: Option<LifecycleEventName>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LifecycleEventName {
    BeforeInstall,
    Install,
    AfterInstall,
    AllowTestTraffic,
    AfterAllowTestTraffic,
    BeforeAllowTraffic,
    AllowTraffic,
    AfterAllowTraffic,
}

impl LifecycleEventName {
    pub const ALL: [Self; 8] = [
        Self::BeforeInstall,
        Self::Install,
        Self::AfterInstall,
        Self::AllowTestTraffic,
        Self::AfterAllowTestTraffic,
        Self::BeforeAllowTraffic,
        Self::AllowTraffic,
        Self::AfterAllowTraffic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BeforeInstall => "BeforeInstall",
            Self::Install => "Install",
            Self::AfterInstall => "AfterInstall",
            Self::AllowTestTraffic => "AllowTestTraffic",
            Self::AfterAllowTestTraffic => "AfterAllowTestTraffic",
            Self::BeforeAllowTraffic => "BeforeAllowTraffic",
            Self::AllowTraffic => "AllowTraffic",
            Self::AfterAllowTraffic => "AfterAllowTraffic",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == text)
    }

    /// Events an AppSpec may attach a hook to.
    pub fn hookable(self) -> bool {
        !matches!(
            self,
            Self::Install | Self::AllowTestTraffic | Self::AllowTraffic
        )
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Pending,
    InProgress,
    Succeeded,
    Failed,
    Skipped,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::InProgress => "InProgress",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Skipped => "Skipped",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Diagnostics {
    pub error_code: &'static str,
    pub script_name: String,
    pub message: String,
    pub log_tail: String,
}

#[derive(Debug, Clone)]
pub struct LifecycleEvent {
    pub name: LifecycleEventName,
    pub status: EventStatus,
    pub start: Option<Millis>,
    pub end: Option<Millis>,
    pub diagnostics: Option<Diagnostics>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentStatus {
    Created,
    InProgress,
    Ready,
    Succeeded,
    Failed,
    Stopped,
}

impl DeploymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::InProgress => "InProgress",
            Self::Ready => "Ready",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Stopped => "Stopped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Created,
            Self::InProgress,
            Self::Ready,
            Self::Succeeded,
            Self::Failed,
            Self::Stopped,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Stopped)
    }
}

/// Where a deployment is in its run, beyond what the lifecycle events say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Accepted; starts on the next tick.
    Created,
    /// Running the lifecycle event with this index.
    Event(usize),
    /// Parked in `Ready` until ContinueDeployment(READY_WAIT) or the wait runs out.
    ReadyWait,
    /// Traffic is on the replacement; the original task set is kept for the termination wait.
    TerminationWait,
    /// The original task set is draining; the deployment succeeds when it is gone.
    Draining,
    /// Failed or stopped: the replacement is being removed and traffic is back on the original.
    Reverting,
    Done,
}

/// An Amazon S3 revision's location, as CodeDeploy's `S3Location` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
    pub bundle_type: Option<String>,
    pub version: Option<String>,
    pub etag: Option<String>,
}

impl S3Location {
    /// Whether this location is the one `asked` names: the same bucket and key, and the same
    /// bundle type, version and ETag wherever `asked` gives them.
    pub fn matches(&self, asked: &S3Location) -> bool {
        let same = |mine: &Option<String>, theirs: &Option<String>| {
            theirs.as_ref().is_none_or(|t| mine.as_ref() == Some(t))
        };
        self.bucket == asked.bucket
            && self.key == asked.key
            && same(&self.bundle_type, &asked.bundle_type)
            && same(&self.version, &asked.version)
            && same(&self.etag, &asked.etag)
    }
}

/// Where a revision's AppSpec is, as CodeDeploy's `RevisionLocation` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevisionSource {
    /// `AppSpecContent`: the AppSpec text itself and its SHA-256 (lowercase hex), which is how
    /// CodeDeploy names the revision afterwards.
    AppSpec { content: String, sha256: String },
    /// `S3`: a YAML or JSON AppSpec object in a bucket, deployed by reference.
    S3(S3Location),
}

#[derive(Debug, Clone)]
pub struct Revision {
    pub source: RevisionSource,
    pub task_definition: String,
    pub hooks: Vec<(LifecycleEventName, String)>,
}

#[derive(Debug, Clone)]
pub struct Deployment {
    pub id: String,
    pub application: String,
    pub group: String,
    pub config: String,
    pub routing: Routing,
    pub status: DeploymentStatus,
    pub creator: &'static str,
    pub description: Option<String>,
    pub revision: Revision,
    pub previous_revision: Option<Revision>,
    pub created_at: Millis,
    pub started_at: Option<Millis>,
    pub completed_at: Option<Millis>,
    pub error: Option<(&'static str, String)>,
    pub rollback_deployment: Option<String>,
    pub rollback_of: Option<String>,
    pub rollback_message: Option<String>,
    pub events: Vec<LifecycleEvent>,
    pub cluster: String,
    pub service: String,
    pub ready_action: ReadyAction,
    pub ready_wait_minutes: u32,
    pub termination_wait_minutes: u32,
    pub auto_rollback: bool,
    pub rollback_events: Vec<String>,
    /// The task set that served production when the deployment began.
    pub original_set: Option<String>,
    /// The task set this deployment moves traffic to.
    pub replacement_set: Option<String>,
    pub original_target_group: String,
    pub replacement_target_group: String,
    pub phase: Phase,
    pub phase_since: Millis,
    /// Percent of production traffic on the replacement.
    pub shifted: u32,
    pub next_shift_at: Option<Millis>,
    pub termination_wait_started: bool,
    pub fail_at: Option<LifecycleEventName>,
    pub status_messages: Vec<String>,
    pub external_id: Option<String>,
}

impl Deployment {
    pub fn event(&self, name: LifecycleEventName) -> &LifecycleEvent {
        &self.events[name.index()]
    }

    pub fn event_mut(&mut self, name: LifecycleEventName) -> &mut LifecycleEvent {
        &mut self.events[name.index()]
    }

    pub fn is_rollback(&self) -> bool {
        self.rollback_of.is_some()
    }

    /// The ECS deployment target's status, derived from the deployment's.
    pub fn target_status(&self) -> &'static str {
        match self.status {
            DeploymentStatus::Created => "Pending",
            DeploymentStatus::InProgress => "InProgress",
            DeploymentStatus::Ready => "Ready",
            DeploymentStatus::Succeeded => "Succeeded",
            DeploymentStatus::Failed | DeploymentStatus::Stopped => "Failed",
        }
    }
}

impl super::World {
    /// The compute platform of an application (ECS when unknown).
    pub fn platform_of(&self, application: &str) -> ComputePlatform {
        self.applications
            .get(application)
            .map_or(ComputePlatform::Ecs, |a| a.compute_platform)
    }

    /// Puts a deployment of another platform in flight (`InProgress`) in `group` of
    /// `application`, both made on that platform if new: another team's Lambda or EC2
    /// release, seen from an account shared with it. It is listed and read like any other
    /// deployment, with its `computePlatform`; nothing runs it, so it stays in flight.
    pub fn hold_other_deployment(
        &mut self,
        application: &str,
        group: &str,
        platform: ComputePlatform,
    ) -> String {
        let now = self.now;
        self.ensure_application(application, platform);
        let config = match platform {
            ComputePlatform::Lambda => "CodeDeployDefault.LambdaAllAtOnce",
            ComputePlatform::Ecs | ComputePlatform::Server => "CodeDeployDefault.AllAtOnce",
        };
        let id = self.deployment_id();
        let key = (application.to_owned(), group.to_owned());
        self.ensure_empty_group(&key, config);
        if let Some(g) = self.deployment_groups.get_mut(&key) {
            g.last_attempted = Some(id.clone());
        }
        let deployment = Deployment {
            id: id.clone(),
            application: application.to_owned(),
            group: group.to_owned(),
            config: config.to_owned(),
            routing: Routing::AllAtOnce,
            status: DeploymentStatus::InProgress,
            creator: "user",
            description: None,
            revision: lambda_revision(group),
            previous_revision: None,
            created_at: now,
            started_at: Some(now),
            completed_at: None,
            error: None,
            rollback_deployment: None,
            rollback_of: None,
            rollback_message: None,
            events: Vec::new(),
            cluster: String::new(),
            service: String::new(),
            ready_action: ReadyAction::Continue,
            ready_wait_minutes: 0,
            termination_wait_minutes: 0,
            auto_rollback: false,
            rollback_events: Vec::new(),
            original_set: None,
            replacement_set: None,
            original_target_group: String::new(),
            replacement_target_group: String::new(),
            phase: Phase::Created,
            phase_since: now,
            shifted: 0,
            next_shift_at: None,
            termination_wait_started: false,
            fail_at: None,
            status_messages: Vec::new(),
            external_id: None,
        };
        self.deployments.insert(id.clone(), deployment);
        self.deployment_order.push(id.clone());
        id
    }

    /// Makes `application` on `platform` unless it exists.
    fn ensure_application(&mut self, application: &str, platform: ComputePlatform) {
        if self.applications.contains_key(application) {
            return;
        }
        let id = self.rng.uuid();
        self.applications.insert(
            application.to_owned(),
            Application {
                name: application.to_owned(),
                id,
                created_at: self.now,
                compute_platform: platform,
            },
        );
    }

    /// Makes the deployment group `key` (application, group) unless it exists, attached to no
    /// service, listener or target group: a group of another platform, which nothing runs.
    fn ensure_empty_group(&mut self, key: &(String, String), config: &str) {
        if self.deployment_groups.contains_key(key) {
            return;
        }
        let (application, group) = key;
        let group_id = self.rng.uuid();
        let role = format!("arn:aws:iam::{}:role/CodeDeployServiceRole", self.account);
        self.deployment_groups.insert(
            key.clone(),
            DeploymentGroup {
                application: application.to_owned(),
                name: group.to_owned(),
                id: group_id,
                config: config.to_owned(),
                service_role_arn: role,
                cluster: String::new(),
                service: String::new(),
                target_groups: [String::new(), String::new()],
                prod_listener: String::new(),
                test_listener: None,
                ready_action: ReadyAction::Continue,
                ready_wait_minutes: 0,
                termination_wait_minutes: 0,
                auto_rollback: false,
                rollback_events: Vec::new(),
                last_successful: None,
                last_attempted: None,
                fail_next_hook: None,
            },
        );
    }
}

/// The AppSpec revision of another team's Lambda release of function `group`.
fn lambda_revision(group: &str) -> Revision {
    let content = format!(
        "version: 0.0\nResources:\n  - {group}:\n      Type: AWS::Lambda::Function\n      Properties:\n        Name: {group}\n        Alias: live\n        CurrentVersion: \"1\"\n        TargetVersion: \"2\"\n"
    );
    Revision {
        source: RevisionSource::AppSpec {
            sha256: crate::sim::appspec::sha256_hex(&content),
            content,
        },
        task_definition: String::new(),
        hooks: Vec::new(),
    }
}

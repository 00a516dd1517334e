//! ECS resources as the simulator holds them: clusters, services, task sets, tasks and task
//! definitions. Counts are never stored where they can be derived from the tasks.

use super::Millis;

#[derive(Debug, Clone)]
pub struct Cluster {
    pub name: String,
    pub arn: String,
}

/// Which controller manages a service's deployments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Controller {
    CodeDeploy,
    Ecs,
}

impl Controller {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CodeDeploy => "CODE_DEPLOY",
            Self::Ecs => "ECS",
        }
    }
}

/// A task definition revision. It never changes once registered, as in ECS.
#[derive(Debug, Clone)]
pub struct TaskDefinition {
    pub family: String,
    pub revision: u32,
    pub arn: String,
    /// In the order registered; the first is the one behind the load balancer.
    pub containers: Vec<Container>,
    /// Task-level CPU units and MiB (DescribeTaskDefinition sends them as strings).
    pub cpu: u32,
    pub memory: u32,
    pub registered_at: Millis,
}

impl TaskDefinition {
    fn main(&self) -> Option<&Container> {
        self.containers.first()
    }

    /// The container behind the load balancer.
    pub fn container_name(&self) -> &str {
        self.main().map_or("app", |c| c.name.as_str())
    }

    pub fn image(&self) -> &str {
        self.main().map_or("", |c| c.image.as_str())
    }

    pub fn container_port(&self) -> u16 {
        self.main().and_then(|c| c.port).unwrap_or(80)
    }
}

/// A container definition: what DescribeTaskDefinition returns of it (`containerDefinitions[]`
/// in botocore's ECS model), as registered.
#[derive(Debug, Clone, Default)]
pub struct Container {
    pub name: String,
    pub image: String,
    /// The first port mapping's container port (hostPort is the same under awsvpc).
    pub port: Option<u16>,
    /// Container-level CPU units (0 when not set, as ECS reports it).
    pub cpu: u32,
    pub memory: Option<u32>,
    pub memory_reservation: Option<u32>,
    /// `environment[]`: name and value.
    pub environment: Vec<(String, String)>,
    /// `secrets[]`: name and `valueFrom`.
    pub secrets: Vec<(String, String)>,
    pub command: Vec<String>,
    pub entry_point: Vec<String>,
    pub essential: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskSetStatus {
    Primary,
    Active,
    Draining,
}

impl TaskSetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "PRIMARY",
            Self::Active => "ACTIVE",
            Self::Draining => "DRAINING",
        }
    }
}

/// A task set (CODE_DEPLOY services) or a service deployment (ECS-controller services): a
/// group of tasks of one task definition behind one target group.
#[derive(Debug, Clone)]
pub struct TaskSet {
    /// `ecs-svc/<digits>`.
    pub id: String,
    pub arn: String,
    pub status: TaskSetStatus,
    pub task_definition: String,
    pub target_group_arn: Option<String>,
    /// Percent of the service's desired count this set runs.
    pub scale: f64,
    /// Percent of production traffic, as CodeDeploy reports it.
    pub traffic_weight: f64,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub started_by: String,
    pub external_id: Option<String>,
    pub stability_at: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    Provisioning,
    Pending,
    Running,
    Stopped,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provisioning => "PROVISIONING",
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Stopped => "STOPPED",
        }
    }

    pub fn is_pending(self) -> bool {
        matches!(self, Self::Provisioning | Self::Pending)
    }
}

/// How a task's target fares in its target group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Initial,
    Healthy,
    Unhealthy,
    Draining,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub arn: String,
    pub task_set_id: String,
    pub task_definition: String,
    pub status: TaskStatus,
    pub desired_status: TaskStatus,
    pub ip: String,
    pub availability_zone: String,
    pub created_at: Millis,
    /// When the task moves to its next state (pending → running, or stopping).
    pub next_at: Millis,
    pub started_at: Option<Millis>,
    pub stopping_at: Option<Millis>,
    pub stopped_at: Option<Millis>,
    pub stopped_reason: Option<String>,
    pub stop_code: Option<&'static str>,
    pub health: Health,
    /// When the target in the load balancer changes health next.
    pub health_at: Millis,
    pub registered: bool,
}

#[derive(Debug, Clone)]
pub struct ServiceEvent {
    pub id: String,
    pub at: Millis,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub cluster: String,
    pub name: String,
    pub arn: String,
    pub controller: Controller,
    pub desired: u32,
    pub created_at: Millis,
    pub launch_type: &'static str,
    pub container_name: String,
    pub container_port: u16,
    /// Target groups named in the service's `loadBalancers` (the first of the pair).
    pub load_balancer_target_group: Option<String>,
    pub task_sets: Vec<TaskSet>,
    pub tasks: Vec<Task>,
    /// Newest first, at most [`Service::MAX_EVENTS`].
    pub events: Vec<ServiceEvent>,
    pub subnets: Vec<String>,
    pub security_group: String,
    /// Whether the service was steady at the last tick, so it reports reaching it once.
    pub steady: bool,
    /// ECS-native blue/green configuration (ECS controller with a BLUE_GREEN, LINEAR or
    /// CANARY strategy).
    pub blue_green: Option<super::native::BlueGreen>,
    /// The service revision production runs now (ECS-native services).
    pub revision: Option<String>,
    /// The service deployment in progress or most recent (`currentServiceDeployment`).
    pub current_deployment: Option<String>,
    /// Scenario: the next service deployment's Lambda hook at this stage fails.
    pub fail_next_hook: Option<super::native::HookStage>,
}

impl Service {
    pub const MAX_EVENTS: usize = 100;

    pub fn running(&self) -> u32 {
        self.count(|t| t.status == TaskStatus::Running)
    }

    pub fn pending(&self) -> u32 {
        self.count(|t| t.status.is_pending())
    }

    pub fn set_running(&self, set: &str) -> u32 {
        self.count(|t| t.task_set_id == set && t.status == TaskStatus::Running)
    }

    pub fn set_pending(&self, set: &str) -> u32 {
        self.count(|t| t.task_set_id == set && t.status.is_pending())
    }

    fn count(&self, keep: impl Fn(&Task) -> bool) -> u32 {
        self.tasks.iter().filter(|t| keep(t)).count() as u32
    }

    /// `computedDesiredCount`: the service's desired count times the set's scale, rounded up.
    pub fn computed_desired(&self, set: &TaskSet) -> u32 {
        if set.status == TaskSetStatus::Draining {
            return 0;
        }
        (f64::from(self.desired) * set.scale / 100.0).ceil() as u32
    }

    pub fn task_set(&self, id: &str) -> Option<&TaskSet> {
        self.task_sets.iter().find(|s| s.id == id)
    }

    pub fn task_set_mut(&mut self, id: &str) -> Option<&mut TaskSet> {
        self.task_sets.iter_mut().find(|s| s.id == id)
    }

    pub fn primary(&self) -> Option<&TaskSet> {
        self.task_sets
            .iter()
            .find(|s| s.status == TaskSetStatus::Primary)
    }

    pub fn push_event(&mut self, id: String, at: Millis, message: String) {
        self.events.insert(0, ServiceEvent { id, at, message });
        self.events.truncate(Self::MAX_EVENTS);
    }

    /// The task definition the service reports: that of its primary task set.
    pub fn task_definition(&self) -> Option<&str> {
        self.primary().map(|s| s.task_definition.as_str())
    }
}

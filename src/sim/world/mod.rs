//! Everything the simulated account holds, in one place, so that the four APIs are views of
//! the same facts. Collections are ordered maps: iteration order must not depend on hashing,
//! or a seed would not replay the same day.

pub mod codedeploy;
pub mod ecs;
pub mod elb;
pub mod native;
pub mod pipeline;
mod stream;

use std::collections::BTreeMap;

pub use crate::sim::clock::Millis;
use crate::sim::rng::Rng;

use codedeploy::{Application, Deployment, DeploymentConfig, DeploymentGroup};
use ecs::{Cluster, Service, TaskDefinition};
use elb::{Listener, LoadBalancer, Rule, TargetGroup};
use pipeline::{Execution, Pipeline};
pub use stream::Stream;

/// Durations the engine uses, in virtual seconds.
#[derive(Debug, Clone)]
pub struct Timings {
    pub task_start: (i64, i64),
    pub health_check: i64,
    pub unhealthy_replace: i64,
    pub deregistration: i64,
    pub hook: (i64, i64),
    pub install_timeout: i64,
    pub stopped_task_retention: i64,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            task_start: (15, 40),
            health_check: 30,
            unhealthy_replace: 90,
            deregistration: 30,
            hook: (20, 60),
            install_timeout: 600,
            stopped_task_retention: 3600,
        }
    }
}

/// What keeps a demo world alive without anyone touching it.
#[derive(Debug, Clone)]
pub struct Autopilot {
    pub enabled: bool,
    /// Minutes between new pipeline executions, as a range.
    pub start_every: (i64, i64),
    /// Chance that a deployment started by a pipeline fails a hook.
    pub hook_failure_chance: f64,
    /// Chance that a deployment's replacement targets fail their health checks.
    pub unhealthy_chance: f64,
    /// Approvals autopilot leaves waiting for a person.
    pub keep_waiting: usize,
    /// Minutes after which a colleague answers an approval autopilot does not keep.
    pub approve_after: (i64, i64),
    /// Minutes after which autopilot continues a deployment parked in Ready.
    pub continue_after: (i64, i64),
    /// History simulated before the clock starts, in minutes.
    pub warmup_minutes: i64,
    pub next_start_at: Millis,
    /// Minutes between deployments of ECS-native blue/green services, as a range.
    pub service_deploy_every: (i64, i64),
    /// Chance that such a deployment fails its first Lambda hook.
    pub service_hook_failure_chance: f64,
    /// When autopilot next deploys an ECS-native service; none before the first choice.
    pub next_service_deploy_at: Option<Millis>,
    /// Target groups autopilot made unhealthy, to heal once their deployment is over.
    pub poisoned: std::collections::BTreeSet<String>,
}

impl Default for Autopilot {
    fn default() -> Self {
        Self {
            enabled: false,
            start_every: (2, 6),
            hook_failure_chance: 0.1,
            unhealthy_chance: 0.05,
            keep_waiting: 2,
            approve_after: (4, 20),
            continue_after: (3, 10),
            warmup_minutes: 0,
            next_start_at: 0,
            service_deploy_every: (8, 20),
            service_hook_failure_chance: 0.1,
            next_service_deploy_at: None,
            poisoned: std::collections::BTreeSet::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct World {
    pub name: String,
    pub account: String,
    pub region: String,
    pub principal: String,
    pub now: Millis,
    pub rng: Rng,
    pub timings: Timings,
    pub autopilot: Autopilot,
    pub clusters: BTreeMap<String, Cluster>,
    /// Keyed by `(cluster, service)`.
    pub services: BTreeMap<(String, String), Service>,
    pub task_definitions: BTreeMap<String, TaskDefinition>,
    pub load_balancers: BTreeMap<String, LoadBalancer>,
    pub listeners: BTreeMap<String, Listener>,
    pub rules: BTreeMap<String, Rule>,
    pub target_groups: BTreeMap<String, TargetGroup>,
    pub tags: BTreeMap<String, Vec<(String, String)>>,
    pub applications: BTreeMap<String, Application>,
    pub deployment_configs: BTreeMap<String, DeploymentConfig>,
    /// Keyed by `(application, group)`.
    pub deployment_groups: BTreeMap<(String, String), DeploymentGroup>,
    pub deployments: BTreeMap<String, Deployment>,
    /// Deployment ids, oldest first.
    pub deployment_order: Vec<String>,
    pub pipelines: BTreeMap<String, Pipeline>,
    pub executions: BTreeMap<String, Execution>,
    /// ECS service revisions, keyed by ARN.
    pub service_revisions: BTreeMap<String, native::ServiceRevision>,
    /// ECS service deployments, keyed by ARN.
    pub service_deployments: BTreeMap<String, native::ServiceDeployment>,
    /// Service deployment ARNs, oldest first.
    pub service_deployment_order: Vec<String>,
    next_ip: u32,
    next_event: u64,
    /// The stream drawn from now, and the other one's generator and counters.
    stream: Stream,
    parked: stream::Parked,
}

impl World {
    pub fn new(name: &str, account: &str, region: &str, start: Millis, seed: u64) -> Self {
        Self {
            name: name.to_owned(),
            account: account.to_owned(),
            region: region.to_owned(),
            principal: format!("arn:aws:sts::{account}:assumed-role/ReleaseManager/operator"),
            now: start,
            rng: Rng::new(seed),
            timings: Timings::default(),
            autopilot: Autopilot::default(),
            clusters: BTreeMap::new(),
            services: BTreeMap::new(),
            task_definitions: BTreeMap::new(),
            load_balancers: BTreeMap::new(),
            listeners: BTreeMap::new(),
            rules: BTreeMap::new(),
            target_groups: BTreeMap::new(),
            tags: BTreeMap::new(),
            applications: BTreeMap::new(),
            deployment_configs: BTreeMap::new(),
            deployment_groups: BTreeMap::new(),
            deployments: BTreeMap::new(),
            deployment_order: Vec::new(),
            pipelines: BTreeMap::new(),
            executions: BTreeMap::new(),
            service_revisions: BTreeMap::new(),
            service_deployments: BTreeMap::new(),
            service_deployment_order: Vec::new(),
            next_ip: 10,
            next_event: 0,
            stream: Stream::Main,
            parked: stream::Parked::native(seed),
        }
    }

    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}:{resource}",
            self.region, self.account
        )
    }

    pub fn deployment_id(&mut self) -> String {
        loop {
            let id = format!(
                "d-{}",
                self.rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 9)
            );
            if !self.deployments.contains_key(&id) {
                return id;
            }
        }
    }

    pub fn task_set_id(&mut self) -> String {
        format!("ecs-svc/{}", self.rng.string(b"0123456789", 19))
    }

    /// A private address in the world's VPC, never handed out twice.
    pub fn private_ip(&mut self) -> String {
        self.next_ip += 1;
        let n = self.next_ip;
        format!("10.0.{}.{}", (n / 250) % 250, n % 250 + 4)
    }

    pub fn event_id(&mut self) -> String {
        self.next_event += 1;
        let random = self.rng.hex(8);
        format!(
            "{random}-{:04x}-4{:03x}-8000-{:012x}",
            self.next_event >> 16,
            self.next_event & 0xfff,
            self.next_event
        )
    }

    pub fn zones(&self) -> [String; 2] {
        [format!("{}a", self.region), format!("{}b", self.region)]
    }

    pub fn service(&self, cluster: &str, name: &str) -> Option<&Service> {
        self.services.get(&(cluster.to_owned(), name.to_owned()))
    }

    pub fn service_mut(&mut self, cluster: &str, name: &str) -> Option<&mut Service> {
        self.services
            .get_mut(&(cluster.to_owned(), name.to_owned()))
    }

    pub fn target_group_by_name(&self, name: &str) -> Option<&TargetGroup> {
        self.target_groups.values().find(|t| t.name == name)
    }

    /// Resolves a cluster given by name or ARN.
    pub fn cluster_name(&self, name_or_arn: &str) -> Option<String> {
        let name = name_or_arn.rsplit('/').next().unwrap_or(name_or_arn);
        self.clusters.contains_key(name).then(|| name.to_owned())
    }

    /// The rules of a listener that forward to either target group of a pair.
    pub fn rules_for_pair(&self, listener: &str, pair: [&str; 2]) -> Vec<String> {
        let Some(listener) = self.listeners.get(listener) else {
            return Vec::new();
        };
        listener
            .rules
            .iter()
            .filter(|arn| {
                self.rules
                    .get(*arn)
                    .is_some_and(|r| pair.iter().any(|tg| r.forwards_to(tg)))
            })
            .cloned()
            .collect()
    }

    /// Load balancers whose listeners send traffic to a target group.
    pub fn load_balancers_of(&self, target_group_arn: &str) -> Vec<String> {
        let mut arns: Vec<String> = self
            .rules
            .values()
            .filter(|r| r.forwards_to(target_group_arn))
            .filter_map(|r| self.listeners.get(&r.listener_arn))
            .map(|l| l.load_balancer_arn.clone())
            .collect();
        arns.sort();
        arns.dedup();
        arns
    }

    pub fn active_deployment(&self, application: &str, group: &str) -> Option<&Deployment> {
        self.deployments
            .values()
            .find(|d| d.application == application && d.group == group && !d.status.is_terminal())
    }
}

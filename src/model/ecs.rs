//! ECS as the console sees it: clusters, services with their counts, task sets (or
//! deployments, for ECS-controller services), recent events and stopped tasks with reasons.

use serde::Serialize;

use super::status::{Controller, TaskSetStatus};
use super::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    pub name: String,
    pub arn: String,
    pub running_tasks: i32,
    pub pending_tasks: i32,
    pub active_services: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadBalancerLink {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_port: Option<i32>,
    /// ECS-native blue/green: the second target group and the rules ECS moves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternate_target_group_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_listener_rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_listener_rule: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskSet {
    pub id: String,
    pub status: TaskSetStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_percent: Option<f64>,
    pub target_group_arns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stability: Option<String>,
    /// For CODE_DEPLOY task sets: the deployment that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EcsDeployment {
    pub id: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub failed_tasks: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout_state_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceEvent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoppedTask {
    pub arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    /// Its containers, with how each ended.
    pub containers: Vec<StoppedContainer>,
}

/// A container of a stopped task (DescribeTasks' `containers[]`): its exit code, and the
/// reason ECS gives when it stopped it or it could not start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoppedContainer {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    pub cluster: String,
    pub name: String,
    pub arn: String,
    pub controller: Controller,
    pub status: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    pub load_balancers: Vec<LoadBalancerLink>,
    pub task_sets: Vec<TaskSet>,
    pub deployments: Vec<EcsDeployment>,
    /// The newest events, newest first.
    pub events: Vec<ServiceEvent>,
    /// Recently stopped tasks, read when the service is failing.
    pub stopped_tasks: Vec<StoppedTask>,
}

impl Service {
    /// An active service of `cluster` with 2 tasks of 2 running and nothing else, for tests.
    #[cfg(test)]
    pub(crate) fn example(cluster: &str, name: &str) -> Self {
        Self {
            cluster: cluster.to_owned(),
            name: name.to_owned(),
            arn: format!("arn:aws:ecs:us-east-1:123456789012:service/{cluster}/{name}"),
            controller: super::status::Controller::Ecs,
            status: "ACTIVE".to_owned(),
            desired: 2,
            running: 2,
            pending: 0,
            task_definition: None,
            load_balancers: Vec::new(),
            task_sets: Vec::new(),
            deployments: Vec::new(),
            events: Vec::new(),
            stopped_tasks: Vec::new(),
        }
    }

    /// Every target group the service or its task sets send traffic through.
    pub fn target_group_arns(&self) -> impl Iterator<Item = &str> {
        self.load_balancers
            .iter()
            .flat_map(|l| {
                [
                    l.target_group_arn.as_deref(),
                    l.alternate_target_group_arn.as_deref(),
                ]
            })
            .flatten()
            .chain(
                self.task_sets
                    .iter()
                    .flat_map(|s| s.target_group_arns.iter().map(String::as_str)),
            )
    }
}

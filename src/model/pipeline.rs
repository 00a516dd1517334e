//! CodePipeline as the console sees it: pipelines with their stages and actions, the latest
//! run of each action, recent executions, the approvals waiting (one per execution and gate),
//! and what failed.

use std::collections::BTreeMap;

use serde::Serialize;

use super::status::{ActionCategory, ActionStatus, ExecutionMode, ExecutionStatus, StageStatus};
use super::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pipeline {
    pub name: String,
    pub arn: Option<String>,
    pub version: Option<i32>,
    /// How the pipeline handles several executions (SUPERSEDED when AWS does not say).
    pub execution_mode: ExecutionMode,
    pub stages: Vec<Stage>,
    /// Newest first.
    pub executions: Vec<ExecutionSummary>,
    /// Approvals waiting, read per execution in progress with ListActionExecutions: how a
    /// PARALLEL-mode pipeline tells them, since its state carries no token. Empty for the
    /// other modes, whose state tells the one execution at each gate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingApproval>,
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
    /// Every execution waiting to enter the stage, first in line first (QUEUED mode lines
    /// them up).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inbound_execution_ids: Vec<String>,
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

impl ExecutionSummary {
    /// An execution with nothing but its id and status, for tests.
    #[cfg(test)]
    pub(crate) fn example(id: &str, status: ExecutionStatus) -> Self {
        Self {
            id: id.to_owned(),
            status,
            status_summary: None,
            started: None,
            updated: None,
            trigger: None,
            source_revisions: Vec::new(),
            rollback: false,
            rollback_target: None,
        }
    }
}

/// A manual approval waiting in one execution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingApproval {
    pub stage: String,
    pub action: String,
    /// The execution waiting at the gate, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    /// What PutApprovalResult takes: the state's token, or in PARALLEL mode the approval's
    /// `externalExecutionId`.
    pub token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
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
    /// A pipeline with nothing but its name (superseded, no stages, never run), for tests.
    #[cfg(test)]
    pub(crate) fn example(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            arn: None,
            version: None,
            execution_mode: super::status::ExecutionMode::Superseded,
            stages: Vec::new(),
            executions: Vec::new(),
            pending: Vec::new(),
            failures: Vec::new(),
        }
    }

    pub fn latest_execution(&self) -> Option<&ExecutionSummary> {
        self.executions.first()
    }

    /// The execution the pipeline is at: the newest in progress, else the newest (of those
    /// read). What a release of a shared source revision groups pipelines by.
    pub fn current_execution(&self) -> Option<&ExecutionSummary> {
        self.executions
            .iter()
            .find(|e| e.status == ExecutionStatus::InProgress)
            .or_else(|| self.executions.first())
    }

    pub fn actions(&self) -> impl Iterator<Item = (&Stage, &Action)> {
        self.stages
            .iter()
            .flat_map(|s| s.actions.iter().map(move |a| (s, a)))
    }

    /// Where the pipeline deploys once the action `stage`/`action` is done: the first deploy
    /// action after it (later in its stage by run order, or in a later stage). `None` when no
    /// deploy follows it, or it is not in the pipeline.
    pub fn deploys_after(&self, stage: &str, action: &str) -> Option<DeployTarget> {
        let at = self.stages.iter().position(|s| s.name == stage)?;
        let order = self.stages[at]
            .actions
            .iter()
            .find(|a| a.name == action)?
            .run_order;
        let later_here = self.stages[at]
            .actions
            .iter()
            .filter(|a| a.run_order > order);
        let later_stages = self.stages[at + 1..].iter().flat_map(|s| s.actions.iter());
        later_here
            .chain(later_stages)
            .find_map(|a| a.deploys_to.clone())
    }

    pub fn execution(&self, id: &str) -> Option<&ExecutionSummary> {
        self.executions.iter().find(|e| e.id == id)
    }

    /// Whether every action running is a manual approval, in a mode where the state shows
    /// every execution (not PARALLEL): such a pipeline moves only when a person answers, or
    /// when the approval times out after days.
    pub fn waits_on_people(&self) -> bool {
        let mut running = self
            .actions()
            .filter(|(_, a)| {
                a.latest
                    .as_ref()
                    .is_some_and(|r| r.status == ActionStatus::InProgress)
            })
            .peekable();
        self.execution_mode != ExecutionMode::Parallel
            && running.peek().is_some()
            && running.all(|(_, a)| a.category == ActionCategory::Approval)
    }

    /// Every approval waiting, one per execution and gate, in stage order and then the longest
    /// wait first: the state's token of each gate (SUPERSEDED and QUEUED modes), and the
    /// approvals read per execution ([`Pipeline::pending`], PARALLEL mode).
    pub fn waiting_approvals(&self) -> Vec<PendingApproval> {
        let mut out: Vec<PendingApproval> = Vec::new();
        for (stage, action) in self
            .actions()
            .filter(|(_, a)| a.category == ActionCategory::Approval)
        {
            if let Some(run) = action
                .latest
                .as_ref()
                .filter(|r| r.status == ActionStatus::InProgress)
                && let Some(token) = &run.token
            {
                out.push(PendingApproval {
                    stage: stage.name.clone(),
                    action: action.name.clone(),
                    execution_id: stage.execution_id.clone(),
                    token: token.clone(),
                    since: run.last_change,
                });
            }
        }
        for p in &self.pending {
            let known = out.iter().any(|o| {
                o.token == p.token
                    || (o.stage == p.stage
                        && o.action == p.action
                        && o.execution_id.is_some()
                        && o.execution_id == p.execution_id)
            });
            if !known {
                out.push(p.clone());
            }
        }
        let order = |name: &str| self.stages.iter().position(|s| s.name == name);
        out.sort_by_key(|a| (order(&a.stage), a.since));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(name: &str, run_order: i32, to: Option<(&str, &str)>) -> Action {
        Action {
            name: name.to_owned(),
            category: if to.is_some() {
                ActionCategory::Deploy
            } else {
                ActionCategory::Approval
            },
            provider: "CodeDeployToECS".to_owned(),
            run_order,
            configuration: BTreeMap::new(),
            deploys_to: to.map(|(a, g)| DeployTarget {
                application: a.to_owned(),
                deployment_group: g.to_owned(),
            }),
            latest: None,
        }
    }

    fn stage(name: &str, actions: Vec<Action>) -> Stage {
        Stage {
            name: name.to_owned(),
            inbound_enabled: true,
            disabled_reason: None,
            status: None,
            execution_id: None,
            inbound_execution_id: None,
            inbound_execution_ids: Vec::new(),
            actions,
        }
    }

    #[test]
    fn a_gate_lets_through_the_deploy_after_it_not_the_test_stage_before() {
        let pipeline = Pipeline {
            stages: vec![
                stage("Test", vec![action("Deploy", 1, Some(("web", "test")))]),
                stage(
                    "Prod",
                    vec![
                        action("Approve", 1, None),
                        action("Deploy", 2, Some(("web", "prod"))),
                    ],
                ),
                stage("Last", vec![action("Check", 1, None)]),
            ],
            ..Pipeline::example("web-release")
        };
        let to = pipeline.deploys_after("Prod", "Approve");
        assert_eq!(to.map(|t| t.deployment_group).as_deref(), Some("prod"));
        assert_eq!(
            pipeline.deploys_after("Last", "Check"),
            None,
            "nothing follows"
        );
        assert_eq!(pipeline.deploys_after("Prod", "Nope"), None);
    }
}

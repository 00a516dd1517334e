//! ELBv2 resources as the simulator holds them: load balancers, listeners, rules with their
//! forward weights, target groups. Targets are not stored: they are the tasks registered in
//! a target group, so a target can never outlive its task.

use super::Millis;

#[derive(Debug, Clone)]
pub struct LoadBalancer {
    pub name: String,
    pub arn: String,
    pub dns_name: String,
    pub created_at: Millis,
    pub scheme: String,
    pub vpc_id: String,
    pub zones: Vec<(String, String)>,
    pub security_group: String,
    pub listeners: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Listener {
    pub arn: String,
    pub load_balancer_arn: String,
    pub port: u16,
    pub protocol: String,
    /// Rule ARNs in priority order; the default rule is last.
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: String,
    pub values: Vec<String>,
}

/// One forward target: a target group and its weight (0..=999).
#[derive(Debug, Clone, PartialEq)]
pub struct Forward {
    pub target_group_arn: String,
    pub weight: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub kind: String,
    pub order: Option<u32>,
    pub forward: Vec<Forward>,
    pub stickiness: Option<(bool, Option<u32>)>,
    /// Anything else a non-forward action carries (redirect, fixed response), kept as the
    /// flattened query parameters it arrived with so it can be echoed back.
    pub extra: Vec<(String, String)>,
}

impl Action {
    pub fn forward_to(target_groups: Vec<Forward>) -> Self {
        Self {
            kind: "forward".into(),
            order: None,
            forward: target_groups,
            stickiness: None,
            extra: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub arn: String,
    pub listener_arn: String,
    /// `"1"`..`"50000"`, or `"default"`.
    pub priority: String,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
    pub is_default: bool,
}

impl Rule {
    /// The share (0.0..=100.0) of this rule's traffic sent to `target_group_arn`.
    pub fn share_of(&self, target_group_arn: &str) -> f64 {
        let Some(forward) = self.actions.iter().find(|a| a.kind == "forward") else {
            return 0.0;
        };
        let total: u32 = forward.forward.iter().map(|f| f.weight).sum();
        if total == 0 {
            return 0.0;
        }
        let mine: u32 = forward
            .forward
            .iter()
            .filter(|f| f.target_group_arn == target_group_arn)
            .map(|f| f.weight)
            .sum();
        f64::from(mine) * 100.0 / f64::from(total)
    }

    pub fn forwards_to(&self, target_group_arn: &str) -> bool {
        self.actions.iter().any(|a| {
            a.forward
                .iter()
                .any(|f| f.target_group_arn == target_group_arn)
        })
    }
}

#[derive(Debug, Clone)]
pub struct TargetGroup {
    pub name: String,
    pub arn: String,
    pub port: u16,
    pub protocol: String,
    pub vpc_id: String,
    pub health_check_path: String,
    pub created_at: Millis,
    /// Set by a scenario: every target in the group fails its health checks with this reason.
    pub failing: Option<HealthFailure>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthFailure {
    ResponseCodeMismatch,
    Timeout,
}

impl HealthFailure {
    pub fn reason(self) -> &'static str {
        match self {
            Self::ResponseCodeMismatch => "Target.ResponseCodeMismatch",
            Self::Timeout => "Target.Timeout",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::ResponseCodeMismatch => "Health checks failed with these codes: [503]",
            Self::Timeout => "Request timed out",
        }
    }
}

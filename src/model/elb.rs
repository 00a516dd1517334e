//! ELBv2 as the console sees it: load balancers, listeners, rules with their conditions and
//! forward weights, target groups with each target's health.

use serde::Serialize;

use super::status::TargetHealthState;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadBalancer {
    pub arn: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listener {
    pub arn: String,
    pub load_balancer_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub field: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forward {
    pub target_group_arn: String,
    pub weight: i32,
}

/// The forward targets after a weights action: every group forwarded to now keeps its place
/// and weight unless `named` gives it a new one; a named group not forwarded to yet is added
/// at the end. ELBv2's Modify calls replace the whole forward action, so what the person did
/// not name must be sent again as it is.
pub fn merge_weights(current: &[Forward], named: &[(String, i32)]) -> Vec<Forward> {
    let mut out: Vec<Forward> = current
        .iter()
        .map(|f| Forward {
            target_group_arn: f.target_group_arn.clone(),
            weight: named
                .iter()
                .find(|(arn, _)| *arn == f.target_group_arn)
                .map_or(f.weight, |(_, w)| *w),
        })
        .collect();
    for (arn, weight) in named {
        if !out.iter().any(|f| f.target_group_arn == *arn) {
            out.push(Forward {
                target_group_arn: arn.clone(),
                weight: *weight,
            });
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListenerRule {
    pub arn: String,
    pub listener_arn: String,
    pub priority: String,
    pub is_default: bool,
    pub conditions: Vec<Condition>,
    /// Forward targets with their weights; one group with no weight reads as weight 1.
    pub forwards: Vec<Forward>,
    /// The type of a non-forward final action (`fixed-response`, `redirect`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_action: Option<String>,
}

impl ListenerRule {
    /// Percent (0–100) of this rule's traffic that goes to a target group.
    pub fn share_of(&self, target_group_arn: &str) -> f64 {
        let total: i32 = self.forwards.iter().map(|f| f.weight).sum();
        if total <= 0 {
            return 0.0;
        }
        let mine: i32 = self
            .forwards
            .iter()
            .filter(|f| f.target_group_arn == target_group_arn)
            .map(|f| f.weight)
            .sum();
        f64::from(mine) * 100.0 / f64::from(total)
    }

    pub fn forwards_to(&self, target_group_arn: &str) -> bool {
        self.forwards
            .iter()
            .any(|f| f.target_group_arn == target_group_arn)
    }

    /// `/admin/*`, `default`: what a person calls the rule.
    pub fn label(&self) -> String {
        if self.is_default {
            return "default".to_owned();
        }
        let values: Vec<&str> = self
            .conditions
            .iter()
            .flat_map(|c| c.values.iter().map(String::as_str))
            .collect();
        if values.is_empty() {
            format!("priority {}", self.priority)
        } else {
            values.join(" ")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    pub state: TargetHealthState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetGroup {
    pub arn: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    pub load_balancer_arns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_path: Option<String>,
    /// Targets with their health; `None` when health was not read for this group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<Target>>,
}

impl TargetGroup {
    pub fn unhealthy(&self) -> impl Iterator<Item = &Target> {
        self.targets.iter().flatten().filter(|t| {
            matches!(
                t.state,
                TargetHealthState::Unhealthy | TargetHealthState::UnhealthyDraining
            )
        })
    }
}

//! The weights action planned on fresh state: the forward action of the rule (or listener
//! default) is read, the named target groups are merged into it (the others keep their
//! weights, stickiness is kept), and the whole result is checked against ELBv2's limits and
//! shown. It must not send anything: [`super::execute`] does, and sends nothing if the
//! forward action moved between the plan and the call.

use crate::aws::act::is_rule_arn;
use crate::aws::{Clients, ErrorKind, elbv2};
use crate::model::elb::{Forward, merge_weights};

use super::prepare::Call;
use super::{MAX_FORWARD_GROUPS, OpError};

/// What a person confirms: the summary lines, the name to type, and the call.
pub struct WeightsPlan {
    pub summary: Vec<String>,
    pub typed_name: String,
    pub call: Call,
}

pub async fn plan(
    c: &Clients,
    target: &str,
    weights: &[(String, i64)],
) -> Result<WeightsPlan, OpError> {
    let named: Vec<String> = weights.iter().map(|(n, _)| n.clone()).collect();
    let groups = elbv2::target_groups_named(c, &named)
        .await
        .map_err(|e| match e.kind {
            ErrorKind::NotFound => {
                OpError::Invalid(format!("there is no such target group: {}", e.message))
            }
            _ => e.into(),
        })?;
    let mut resolved = Vec::new();
    for (name, weight) in weights {
        let Some(tg) = groups.iter().find(|t| t.name == *name || t.arn == *name) else {
            return Err(OpError::Invalid(format!("there is no target group {name}")));
        };
        resolved.push((tg.arn.clone(), i32::try_from(*weight).unwrap_or(0)));
    }
    let current = current_forward(c, target).await?;
    if current.is_empty() {
        return Err(OpError::Precondition(format!(
            "{target} forwards to no target group: there are no weights to set"
        )));
    }
    let merged = merge_weights(&current, &resolved);
    check(&merged)?;
    // Names for the groups the person did not name, read in one call.
    let others: Vec<String> = merged
        .iter()
        .filter(|f| !groups.iter().any(|t| t.arn == f.target_group_arn))
        .map(|f| f.target_group_arn.clone())
        .collect();
    let mut known = groups;
    if !others.is_empty() {
        known.extend(elbv2::target_groups_named(c, &others).await?);
    }
    let line = merged
        .iter()
        .map(|f| {
            let name = known
                .iter()
                .find(|t| t.arn == f.target_group_arn)
                .map_or(f.target_group_arn.as_str(), |t| t.name.as_str());
            format!("{name}={}", f.weight)
        })
        .collect::<Vec<_>>()
        .join(" ");
    let kept = if merged.len() > resolved.len() {
        " (groups not named keep their weights; stickiness is kept)"
    } else {
        " (stickiness is kept)"
    };
    Ok(WeightsPlan {
        summary: vec![
            format!("Set the forward weights of {target} to {line}{kept}."),
            "CodeDeploy or ECS may move these weights back during a managed deployment.".to_owned(),
        ],
        typed_name: load_balancer_of(target).unwrap_or_else(|| target.to_owned()),
        call: Call::Weights {
            target: target.to_owned(),
            weights: pairs(&merged),
            was: pairs(&current),
        },
    })
}

fn pairs(forwards: &[Forward]) -> Vec<(String, i32)> {
    forwards
        .iter()
        .map(|f| (f.target_group_arn.clone(), f.weight))
        .collect()
}

/// The forward targets of a rule, or of a listener's default rule, as they are now.
pub async fn current_forward(c: &Clients, target: &str) -> Result<Vec<Forward>, OpError> {
    let rules = if is_rule_arn(target) {
        elbv2::rules_by_arn(c, vec![target.to_owned()]).await?
    } else {
        elbv2::rules(c, target).await?
    };
    let rule = if is_rule_arn(target) {
        rules.into_iter().find(|r| r.arn == target)
    } else {
        rules.into_iter().find(|r| r.is_default)
    };
    rule.map(|r| r.forwards)
        .ok_or_else(|| OpError::Precondition(format!("{target} has no rule to set weights on")))
}

/// The forward action after the change, against ELBv2's limits.
pub fn check(merged: &[Forward]) -> Result<(), OpError> {
    if merged.len() > MAX_FORWARD_GROUPS {
        return Err(OpError::Invalid(format!(
            "the forward action would have {} target groups; ELBv2 takes at most {MAX_FORWARD_GROUPS}",
            merged.len()
        )));
    }
    if merged.iter().all(|f| f.weight == 0) {
        return Err(OpError::Invalid(
            "all weights are zero: no target group would get traffic".to_owned(),
        ));
    }
    Ok(())
}

/// The load balancer's name in a listener or rule ARN (`…:listener/app/NAME/…`).
pub fn load_balancer_of(arn: &str) -> Option<String> {
    let path = arn.split_once(":listener")?.1;
    path.split('/').nth(2).map(str::to_owned)
}

//! Set the forward weights of a listener rule (or a listener's default action), planned on
//! fresh state: the forward action is read, the named target groups are merged into it (the
//! others keep their weights, stickiness is kept), and the whole result is checked against
//! ELBv2's limits and shown. The call sends nothing if the forward action moved between the
//! plan and the call (CodeDeploy or ECS shifting traffic).

use serde::Serialize;

use super::{ActArgs, Ask, Begin, Here, Prepared, Spec, Starts, Verb, done};
use crate::aws::act::{self, is_rule_arn};
use crate::aws::{AwsError, Clients, ErrorKind, elbv2};
use crate::config::Scope;
use crate::model::elb::{Forward, merge_weights};
use crate::ops::execute::Outcome;
use crate::ops::{MAX_FORWARD_GROUPS, MAX_WEIGHT, OpError};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weights {
    /// A rule ARN, or a listener ARN for its default action.
    pub target: String,
    pub weights: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub target: String,
    /// The whole forward list confirmed: every target group ARN with its weight.
    pub weights: Vec<(String, i32)>,
    /// The forward list read when the plan was made: if it has moved by the time the
    /// call is sent (CodeDeploy or ECS shifting traffic), nothing is sent.
    pub was: Vec<(String, i32)>,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule or listener ARN.
    target: String,
    /// TARGET_GROUP=WEIGHT, by name or ARN, weights 0–999.
    #[arg(required = true)]
    weights: Vec<String>,
    #[command(flatten)]
    act: ActArgs,
}

impl Verb for Weights {
    type Call = Call;
    type Args = Args;

    const SPEC: Spec = Spec {
        name: "weights",
        dangerous: true,
        scope: (
            &[],
            "a listener rule belongs to no cluster, service, application or pipeline that \
             the scope could check",
        ),
    };

    fn target(&self) -> String {
        self.target.clone()
    }

    fn validate(&self) -> Result<(), OpError> {
        validate_weights(&self.weights)
    }

    fn fill(&mut self, text: &str) -> Result<(), OpError> {
        let pairs: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        self.weights = parse_weights(&pairs)?;
        Ok(())
    }

    /// A listener rule belongs to no name the scope holds; the command line refuses scope
    /// flags for it, and the config file's scope is about what to read.
    async fn scope(&self, _: &Clients, _: &Scope) -> Result<(), OpError> {
        Ok(())
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<Call>, OpError> {
        plan(c, &self.target, &self.weights).await
    }

    async fn send(c: &Clients, call: &Call) -> Result<Outcome, AwsError> {
        let id = act::set_weights(c, &call.target, &call.weights, &call.was).await?;
        Ok(done(id, format!("{}: weights set", call.target)))
    }

    async fn observe(c: &Clients, call: &Call) -> Result<String, OpError> {
        let target = &call.target;
        match current_forward(c, target).await {
            Ok(forwards) => {
                let weights: Vec<String> = forwards
                    .iter()
                    .map(|f| format!("{}={}", short(&f.target_group_arn), f.weight))
                    .collect();
                Ok(format!("{target} forwards {}", weights.join(" ")))
            }
            // The rule is gone: that is what was found.
            Err(OpError::Precondition(found)) => Ok(found),
            Err(error) => Err(error),
        }
    }

    fn from_args(args: Args) -> Result<(Self, ActArgs), OpError> {
        let weights = parse_weights(&args.weights)?;
        Ok((
            Self {
                target: args.target,
                weights,
            },
            args.act,
        ))
    }
}

/// `w`: the rules forwarding to the target group here; tab picks one.
pub fn begin(here: &Here) -> Result<Begin, String> {
    if here.rules.is_empty() {
        return Err("select a target group a rule forwards to (traffic screen)".to_owned());
    }
    Ok(Begin {
        title: "Shift weights".to_owned(),
        start: Starts::Ask(Ask {
            prompt: "Weights, as TARGET_GROUP=WEIGHT separated by spaces:",
            drafts: here
                .rules
                .iter()
                .map(|(target, _)| {
                    Weights {
                        target: target.clone(),
                        weights: Vec::new(),
                    }
                    .into()
                })
                .collect(),
            labels: here
                .rules
                .iter()
                .map(|(_, label)| format!(" rule {label}"))
                .collect(),
            chosen: Some((0, "rule")),
        }),
    })
}

/// `customer-tg-one` from a target group ARN.
fn short(arn: &str) -> &str {
    arn.split(":targetgroup/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(arn)
}

fn validate_weights(weights: &[(String, i64)]) -> Result<(), OpError> {
    let invalid = |m: String| Err(OpError::Invalid(m));
    if weights.is_empty() {
        return invalid("give at least one TARGET_GROUP=WEIGHT".to_owned());
    }
    if weights.len() > MAX_FORWARD_GROUPS {
        return invalid(format!(
            "a forward action takes at most {MAX_FORWARD_GROUPS} target groups, not {}",
            weights.len()
        ));
    }
    for (group, weight) in weights {
        if group.trim().is_empty() {
            return invalid("a target group name is empty".to_owned());
        }
        if !(0..=MAX_WEIGHT).contains(weight) {
            return invalid(format!(
                "the weight of {group} is {weight}; weights go from 0 to {MAX_WEIGHT}"
            ));
        }
    }
    let mut names: Vec<&str> = weights.iter().map(|(g, _)| g.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return invalid("a target group is named twice".to_owned());
    }
    // Whether all weights end up zero depends on the groups not named: checked on the
    // merged forward action when the action is planned (`weights::check`).
    Ok(())
}

/// Parses `TG=WEIGHT` pairs from the command line, with the reason a pair is wrong.
pub fn parse_weights(pairs: &[String]) -> Result<Vec<(String, i64)>, OpError> {
    pairs
        .iter()
        .map(|pair| {
            let (group, weight) = pair
                .split_once('=')
                .ok_or_else(|| OpError::Invalid(format!("'{pair}' is not TARGET_GROUP=WEIGHT")))?;
            let weight: i64 = weight.trim().parse().map_err(|_| {
                OpError::Invalid(format!("the weight in '{pair}' is not a whole number"))
            })?;
            Ok((group.trim().to_owned(), weight))
        })
        .collect()
}

/// The forward action with the named groups merged in, checked, with names for every group.
async fn plan(
    c: &Clients,
    target: &str,
    weights: &[(String, i64)],
) -> Result<Prepared<Call>, OpError> {
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
    Ok(Prepared {
        summary: vec![
            format!("Set the forward weights of {target} to {line}{kept}."),
            "CodeDeploy or ECS may move these weights back during a managed deployment.".to_owned(),
        ],
        typed_name: load_balancer_of(target).unwrap_or_else(|| target.to_owned()),
        call: Call {
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

//! ELBv2 adapter: load balancers, listeners, rules (conditions and forward weights), target
//! groups and target health, mapped to `model::elb`. Lists page with `Marker` at the largest
//! page the service allows.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_sdk_elasticloadbalancingv2::types as sdk;

use super::{AwsError, Clients, all_pages};
use crate::model::elb::{
    Condition, Forward, Listener, ListenerRule, LoadBalancer, Target, TargetGroup,
};
use crate::model::status::TargetHealthState;

const PAGE: i32 = 400;

pub async fn load_balancers(c: &Clients) -> Result<Vec<LoadBalancer>, AwsError> {
    all_pages(|marker| async move {
        let _slot = c.elb.slot().await;
        let page = c
            .elb
            .client
            .describe_load_balancers()
            .page_size(PAGE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| c.error("elasticloadbalancing", "DescribeLoadBalancers", &e))?;
        let items: Vec<_> = page
            .load_balancers()
            .iter()
            .map(|l| LoadBalancer {
                arn: l.load_balancer_arn().unwrap_or_default().to_owned(),
                name: l.load_balancer_name().unwrap_or_default().to_owned(),
                dns_name: l.dns_name().map(str::to_owned),
                scheme: l.scheme().map(|s| s.as_str().to_owned()),
                state: l
                    .state()
                    .and_then(|s| s.code())
                    .map(|c| c.as_str().to_owned()),
                kind: l.r#type().map(|t| t.as_str().to_owned()),
            })
            .collect();
        Ok((items, page.next_marker().map(str::to_owned)))
    })
    .await
}

pub async fn target_groups(c: &Clients) -> Result<Vec<TargetGroup>, AwsError> {
    all_pages(|marker| async move {
        let _slot = c.elb.slot().await;
        let page = c
            .elb
            .client
            .describe_target_groups()
            .page_size(PAGE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| c.error("elasticloadbalancing", "DescribeTargetGroups", &e))?;
        let items: Vec<_> = page.target_groups().iter().map(target_group).collect();
        Ok((items, page.next_marker().map(str::to_owned)))
    })
    .await
}

fn target_group(t: &sdk::TargetGroup) -> TargetGroup {
    TargetGroup {
        arn: t.target_group_arn().unwrap_or_default().to_owned(),
        name: t.target_group_name().unwrap_or_default().to_owned(),
        port: t.port(),
        protocol: t.protocol().map(|p| p.as_str().to_owned()),
        load_balancer_arns: t.load_balancer_arns().to_vec(),
        health_check_path: t.health_check_path().map(str::to_owned),
        targets: None,
    }
}

/// Just the target groups named (by name or ARN), in one call for each kind: resolving the
/// groups of a weights action must not list the whole account.
pub async fn target_groups_named(
    c: &Clients,
    names: &[String],
) -> Result<Vec<TargetGroup>, AwsError> {
    let (arns, plain): (Vec<String>, Vec<String>) =
        names.iter().cloned().partition(|n| n.starts_with("arn:"));
    let mut out = Vec::new();
    for (by_arn, list) in [(true, arns), (false, plain)] {
        if list.is_empty() {
            continue;
        }
        let _slot = c.elb.slot().await;
        let request = c.elb.client.describe_target_groups();
        let request = if by_arn {
            request.set_target_group_arns(Some(list))
        } else {
            request.set_names(Some(list))
        };
        let page = request
            .send()
            .await
            .map_err(|e| c.error("elasticloadbalancing", "DescribeTargetGroups", &e))?;
        out.extend(page.target_groups().iter().map(target_group));
    }
    Ok(out)
}

pub async fn listeners(c: &Clients, load_balancer: &str) -> Result<Vec<Listener>, AwsError> {
    all_pages(|marker| async move {
        let _slot = c.elb.slot().await;
        let page = c
            .elb
            .client
            .describe_listeners()
            .load_balancer_arn(load_balancer)
            .page_size(PAGE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| {
                c.error("elasticloadbalancing", "DescribeListeners", &e)
                    .on(load_balancer)
            })?;
        let items: Vec<_> = page
            .listeners()
            .iter()
            .map(|l| Listener {
                arn: l.listener_arn().unwrap_or_default().to_owned(),
                load_balancer_arn: l.load_balancer_arn().unwrap_or(load_balancer).to_owned(),
                port: l.port(),
                protocol: l.protocol().map(|p| p.as_str().to_owned()),
            })
            .collect();
        Ok((items, page.next_marker().map(str::to_owned)))
    })
    .await
}

pub async fn rules(c: &Clients, listener: &str) -> Result<Vec<ListenerRule>, AwsError> {
    all_pages(|marker| async move {
        let _slot = c.elb.slot().await;
        let page = c
            .elb
            .client
            .describe_rules()
            .listener_arn(listener)
            .page_size(PAGE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| {
                c.error("elasticloadbalancing", "DescribeRules", &e)
                    .on(listener)
            })?;
        let items: Vec<_> = page.rules().iter().map(|r| rule(listener, r)).collect();
        Ok((items, page.next_marker().map(str::to_owned)))
    })
    .await
}

pub fn rule(listener: &str, r: &sdk::Rule) -> ListenerRule {
    let conditions = r
        .conditions()
        .iter()
        .map(|c| {
            let mut values: Vec<String> = c.values().to_vec();
            if let Some(p) = c.path_pattern_config() {
                values.extend(p.values().iter().cloned());
            }
            if let Some(h) = c.host_header_config() {
                values.extend(h.values().iter().cloned());
            }
            values.dedup();
            Condition {
                field: c.field().unwrap_or_default().to_owned(),
                values,
            }
        })
        .collect();
    let (forwards, other_action) = forwards(r.actions());
    ListenerRule {
        arn: r.rule_arn().unwrap_or_default().to_owned(),
        listener_arn: listener.to_owned(),
        priority: r.priority().unwrap_or_default().to_owned(),
        is_default: r.is_default().unwrap_or(false),
        conditions,
        forwards,
        other_action,
    }
}

/// The forward targets of an action list. AWS may send a single-group forward both as
/// `TargetGroupArn` and as a one-tuple `ForwardConfig`; either reads as weight 1.
pub fn forwards(actions: &[sdk::Action]) -> (Vec<Forward>, Option<String>) {
    let mut out = Vec::new();
    let mut other = None;
    for action in actions {
        match action.r#type() {
            Some(sdk::ActionTypeEnum::Forward) => {
                let tuples = action
                    .forward_config()
                    .map(sdk::ForwardActionConfig::target_groups)
                    .unwrap_or_default();
                if tuples.is_empty() {
                    if let Some(arn) = action.target_group_arn() {
                        out.push(Forward {
                            target_group_arn: arn.to_owned(),
                            weight: 1,
                        });
                    }
                } else {
                    out.extend(tuples.iter().filter_map(|t| {
                        Some(Forward {
                            target_group_arn: t.target_group_arn()?.to_owned(),
                            weight: t.weight().unwrap_or(1),
                        })
                    }));
                }
            }
            Some(kind)
                if !matches!(
                    kind,
                    sdk::ActionTypeEnum::AuthenticateCognito
                        | sdk::ActionTypeEnum::AuthenticateOidc
                ) =>
            {
                other = Some(kind.as_str().to_owned());
            }
            _ => {}
        }
    }
    (out, other)
}

/// Target health read, by target group, with when: the cold snapshot reads a still group's
/// again only when it is old ([`HealthCache::kept`]), while the hot refresh reads the groups
/// of what moves on its own rhythm. Shared by every clone of the clients.
#[derive(Debug, Clone, Default)]
pub struct HealthCache(Arc<Mutex<HashMap<String, HealthRead>>>);

/// One group's targets as read, and when.
#[derive(Debug, Clone)]
struct HealthRead {
    at: Instant,
    targets: Vec<Target>,
}

/// How old a still group's health may be before a snapshot reads it again: between
/// [`STILL_HEALTH_MIN`] and twice that, spread by the group's ARN so that groups first read
/// together are not all read again in one burst. DescribeTargetHealth takes one group a call
/// and ELB's Describe budget (10 a second per account and region) is shared with everything
/// else in the account.
const STILL_HEALTH_MIN: Duration = Duration::from_mins(5);

impl HealthCache {
    fn keep(&self, arn: &str, targets: &[Target]) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.insert(
            arn.to_owned(),
            HealthRead {
                at: Instant::now(),
                targets: targets.to_vec(),
            },
        );
    }

    /// The targets last read of `arn` if they are all healthy (a group with a target in any
    /// other state is moving) and younger than the group's age limit at `now`.
    pub fn kept(&self, arn: &str, now: Instant) -> Option<Vec<Target>> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let HealthRead { at, targets } = map.get(arn)?;
        let mut h = DefaultHasher::new();
        arn.hash(&mut h);
        let spread = Duration::from_secs(h.finish() % STILL_HEALTH_MIN.as_secs().max(1));
        let still = targets
            .iter()
            .all(|t| t.state == TargetHealthState::Healthy);
        (still && now.duration_since(*at) < STILL_HEALTH_MIN + spread).then(|| targets.clone())
    }

    /// Forgets the groups not in `arns`.
    pub fn retain(&self, arns: &HashSet<&str>) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|arn, _| arns.contains(arn.as_str()));
    }
}

/// DescribeTargetHealth of one group; what it read is kept in [`HealthCache`].
pub async fn target_health(c: &Clients, target_group: &str) -> Result<Vec<Target>, AwsError> {
    let targets = read_target_health(c, target_group).await?;
    c.health.keep(target_group, &targets);
    Ok(targets)
}

async fn read_target_health(c: &Clients, target_group: &str) -> Result<Vec<Target>, AwsError> {
    let _slot = c.elb.slot().await;
    let out = c
        .elb
        .client
        .describe_target_health()
        .target_group_arn(target_group)
        .send()
        .await
        .map_err(|e| {
            c.error("elasticloadbalancing", "DescribeTargetHealth", &e)
                .on(target_group)
        })?;
    Ok(out
        .target_health_descriptions()
        .iter()
        .map(target)
        .collect())
}

/// One target and its health; a state left out reads as an unknown one.
pub(super) fn target(d: &sdk::TargetHealthDescription) -> Target {
    let target = d.target();
    let health = d.target_health();
    Target {
        id: target.and_then(|t| t.id()).unwrap_or_default().to_owned(),
        port: target.and_then(sdk::TargetDescription::port),
        zone: target.and_then(|t| t.availability_zone().map(str::to_owned)),
        state: health
            .and_then(|h| h.state())
            .map_or(TargetHealthState::Unknown(String::new()), |s| {
                TargetHealthState::parse(s.as_str())
            }),
        reason: health
            .and_then(|h| h.reason())
            .map(|r| r.as_str().to_owned()),
        description: health.and_then(|h| h.description().map(str::to_owned)),
    }
}

/// DescribeRules for known rule ARNs (the rules a deployment moves).
pub async fn rules_by_arn(c: &Clients, arns: Vec<String>) -> Result<Vec<ListenerRule>, AwsError> {
    if arns.is_empty() {
        return Ok(Vec::new());
    }
    let _slot = c.elb.slot().await;
    let out = c
        .elb
        .client
        .describe_rules()
        .set_rule_arns(Some(arns))
        .send()
        .await
        .map_err(|e| c.error("elasticloadbalancing", "DescribeRules", &e))?;
    // A rule ARN carries its listener's: `…:listener-rule/app/LB/ID/LISTENER/RULE`.
    Ok(out
        .rules()
        .iter()
        .map(|r| {
            let listener = r.rule_arn().map(listener_of).unwrap_or_default();
            rule(&listener, r)
        })
        .collect())
}

fn listener_of(rule_arn: &str) -> String {
    match rule_arn.rsplit_once('/') {
        Some((head, _)) => head.replacen(":listener-rule/", ":listener/", 1),
        None => rule_arn.to_owned(),
    }
}

//! The Describe operations: load balancers, listeners, rules, target groups, target health
//! and tags, each checking its arguments and paging as the service does. They must not change
//! the world: they read a `&World`, so ModifyListener can answer through DescribeListeners.

use super::xml::{write_actions, write_rule, x_text};
use super::{
    INVALID, finish, lb_not_found, listener_not_found, paged, rule_not_found, tg_not_found,
};
use crate::sim::clock::iso8601;
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::wire::query::{Params, Xml};
use crate::sim::world::World;
use crate::sim::world::ecs::TaskStatus;
use crate::sim::world::elb::{Listener, LoadBalancer, Rule, TargetGroup};

const MAX_LOAD_BALANCER_ARNS: usize = 20;
const MAX_TAG_ARNS: usize = 20;

pub(super) fn describe_load_balancers(world: &World, params: &Params) -> ApiResult<String> {
    let arns = params.strings("LoadBalancerArns");
    let names = params.strings("Names");
    if arns.len() > MAX_LOAD_BALANCER_ARNS {
        return Err(ApiError::new(
            INVALID,
            format!("LoadBalancerArns can have at most {MAX_LOAD_BALANCER_ARNS} items"),
        ));
    }
    let mut found: Vec<&LoadBalancer> = Vec::new();
    if !arns.is_empty() || !names.is_empty() {
        for arn in &arns {
            found.push(
                world
                    .load_balancers
                    .get(arn)
                    .ok_or_else(|| lb_not_found(arn))?,
            );
        }
        for name in &names {
            found.push(
                world
                    .load_balancers
                    .values()
                    .find(|l| &l.name == name)
                    .ok_or_else(|| lb_not_found(name))?,
            );
        }
    } else {
        found = world.load_balancers.values().collect();
    }
    let (page, next) = paged(&found, params)?;
    let mut xml = Xml::new();
    xml.list("LoadBalancers", &page, |x, lb| {
        x.leaf("LoadBalancerArn", &lb.arn)
            .leaf("DNSName", &lb.dns_name)
            .leaf("CanonicalHostedZoneId", "Z35SXDOTRQ7X7K")
            .leaf("CreatedTime", &iso8601(lb.created_at))
            .leaf("LoadBalancerName", &lb.name)
            .leaf("Scheme", &lb.scheme)
            .leaf("VpcId", &lb.vpc_id);
        x.open("State").leaf("Code", "active").close("State");
        x.leaf("Type", "application");
        x.list("AvailabilityZones", &lb.zones, |x, (zone, subnet)| {
            x.leaf("ZoneName", zone).leaf("SubnetId", subnet);
            x.open("LoadBalancerAddresses")
                .close("LoadBalancerAddresses");
        });
        x.list(
            "SecurityGroups",
            std::slice::from_ref(&lb.security_group),
            |x, sg| {
                x_text(x, sg);
            },
        );
        x.leaf("IpAddressType", "ipv4");
    });
    Ok(finish(xml, next.as_deref()))
}

pub(super) fn describe_listeners(world: &World, params: &Params) -> ApiResult<String> {
    let arns = params.strings("ListenerArns");
    let listeners: Vec<&Listener> = match (params.get("LoadBalancerArn"), arns.is_empty()) {
        (Some(lb), true) => {
            let lb = world
                .load_balancers
                .get(lb)
                .ok_or_else(|| lb_not_found(lb))?;
            lb.listeners
                .iter()
                .filter_map(|arn| world.listeners.get(arn))
                .collect()
        }
        (None, false) => arns
            .iter()
            .map(|arn| {
                world
                    .listeners
                    .get(arn)
                    .ok_or_else(|| listener_not_found(arn))
            })
            .collect::<ApiResult<_>>()?,
        (Some(_), false) => {
            return Err(ApiError::new(
                INVALID,
                "Specify either LoadBalancerArn or ListenerArns, not both",
            ));
        }
        (None, true) => {
            return Err(ApiError::new(
                INVALID,
                "You must specify either listener ARNs or a load balancer ARN",
            ));
        }
    };
    let (page, next) = paged(&listeners, params)?;
    let mut xml = Xml::new();
    xml.list("Listeners", &page, |x, l| {
        x.leaf("ListenerArn", &l.arn)
            .leaf("LoadBalancerArn", &l.load_balancer_arn)
            .num("Port", l.port)
            .leaf("Protocol", &l.protocol);
        let default = l
            .rules
            .last()
            .and_then(|arn| world.rules.get(arn))
            .filter(|r| r.is_default);
        write_actions(
            x,
            "DefaultActions",
            default.map_or(&[][..], |r| r.actions.as_slice()),
        );
    });
    Ok(finish(xml, next.as_deref()))
}

pub(super) fn describe_rules(world: &World, params: &Params) -> ApiResult<String> {
    let arns = params.strings("RuleArns");
    let rules: Vec<&Rule> = match (params.get("ListenerArn"), arns.is_empty()) {
        (Some(l), true) => {
            let listener = world
                .listeners
                .get(l)
                .ok_or_else(|| listener_not_found(l))?;
            listener
                .rules
                .iter()
                .filter_map(|arn| world.rules.get(arn))
                .collect()
        }
        (None, false) => arns
            .iter()
            .map(|arn| world.rules.get(arn).ok_or_else(|| rule_not_found(arn)))
            .collect::<ApiResult<_>>()?,
        (Some(_), false) => {
            return Err(ApiError::new(
                INVALID,
                "Specify either ListenerArn or RuleArns, not both",
            ));
        }
        (None, true) => {
            return Err(ApiError::new(
                INVALID,
                "You must specify either listener ARN or rule ARNs",
            ));
        }
    };
    let (page, next) = paged(&rules, params)?;
    let mut xml = Xml::new();
    xml.list("Rules", &page, |x, r| write_rule(x, r));
    Ok(finish(xml, next.as_deref()))
}

pub(super) fn describe_target_groups(world: &World, params: &Params) -> ApiResult<String> {
    let arns = params.strings("TargetGroupArns");
    let names = params.strings("Names");
    let groups: Vec<&TargetGroup> = if let Some(lb) = params.get("LoadBalancerArn") {
        if !world.load_balancers.contains_key(lb) {
            return Err(lb_not_found(lb));
        }
        world
            .target_groups
            .values()
            .filter(|t| world.load_balancers_of(&t.arn).iter().any(|a| a == lb))
            .collect()
    } else if !arns.is_empty() || !names.is_empty() {
        let mut found = Vec::new();
        for arn in &arns {
            found.push(
                world
                    .target_groups
                    .get(arn)
                    .ok_or_else(|| tg_not_found(arn))?,
            );
        }
        for name in &names {
            found.push(
                world
                    .target_group_by_name(name)
                    .ok_or_else(|| tg_not_found(name))?,
            );
        }
        found
    } else {
        world.target_groups.values().collect()
    };
    let (page, next) = paged(&groups, params)?;
    let mut xml = Xml::new();
    xml.list("TargetGroups", &page, |x, t| {
        x.leaf("TargetGroupArn", &t.arn)
            .leaf("TargetGroupName", &t.name)
            .leaf("Protocol", &t.protocol)
            .num("Port", t.port)
            .leaf("VpcId", &t.vpc_id)
            .leaf("HealthCheckProtocol", "HTTP")
            .leaf("HealthCheckPort", "traffic-port")
            .leaf("HealthCheckEnabled", "true")
            .num("HealthCheckIntervalSeconds", 15)
            .num("HealthCheckTimeoutSeconds", 5)
            .num("HealthyThresholdCount", 2)
            .num("UnhealthyThresholdCount", 2)
            .leaf("HealthCheckPath", &t.health_check_path);
        x.open("Matcher").leaf("HttpCode", "200").close("Matcher");
        x.list(
            "LoadBalancerArns",
            &world.load_balancers_of(&t.arn),
            |x, arn| x_text(x, arn),
        );
        x.leaf("TargetType", "ip")
            .leaf("ProtocolVersion", "HTTP1")
            .leaf("IpAddressType", "ipv4");
    });
    Ok(finish(xml, next.as_deref()))
}

/// One target as DescribeTargetHealth reports it.
struct TargetRow {
    id: String,
    port: u16,
    zone: Option<String>,
    state: &'static str,
    reason: Option<&'static str>,
    description: Option<&'static str>,
}

pub(super) fn describe_target_health(world: &World, params: &Params) -> ApiResult<String> {
    let arn = params.required("TargetGroupArn")?;
    let group = world
        .target_groups
        .get(arn)
        .ok_or_else(|| tg_not_found(arn))?;
    let mut rows: Vec<TargetRow> = Vec::new();
    for service in world.services.values() {
        for task in service
            .tasks
            .iter()
            .filter(|t| t.registered && t.status != TaskStatus::Stopped)
        {
            let in_group = service
                .task_set(&task.task_set_id)
                .and_then(|s| s.target_group_arn.as_deref())
                == Some(arn);
            if !in_group {
                continue;
            }
            let (state, reason, description) = task.health.describe(group.failing);
            rows.push(TargetRow {
                id: task.ip.clone(),
                port: group.port,
                zone: Some(task.availability_zone.clone()),
                state,
                reason,
                description,
            });
        }
    }
    let asked = params.members("Targets");
    if !asked.is_empty() {
        let mut chosen = Vec::new();
        for target in asked {
            let id = target.get("Id").unwrap_or("").to_owned();
            if id.is_empty() {
                return Err(ApiError::new(INVALID, "Each target needs an Id"));
            }
            let port = target.int("Port")?.map(|p| p as u16);
            match rows
                .iter()
                .position(|r| r.id == id && port.is_none_or(|p| p == r.port))
            {
                Some(index) => chosen.push(rows.swap_remove(index)),
                None => chosen.push(TargetRow {
                    id,
                    port: port.unwrap_or(group.port),
                    zone: None,
                    state: "unused",
                    reason: Some("Target.NotRegistered"),
                    description: Some("Target is not registered to the target group"),
                }),
            }
        }
        rows = chosen;
    }
    let mut xml = Xml::new();
    xml.list("TargetHealthDescriptions", &rows, |x, r| {
        x.open("Target").leaf("Id", &r.id).num("Port", r.port);
        x.leaf_opt("AvailabilityZone", r.zone.as_deref());
        x.close("Target");
        x.leaf("HealthCheckPort", &r.port.to_string());
        x.open("TargetHealth").leaf("State", r.state);
        x.leaf_opt("Reason", r.reason)
            .leaf_opt("Description", r.description);
        x.close("TargetHealth");
    });
    Ok(xml.into_string())
}

pub(super) fn describe_tags(world: &World, params: &Params) -> ApiResult<String> {
    let arns = params.strings("ResourceArns");
    if arns.is_empty() {
        return Err(ApiError::new(INVALID, "ResourceArns is required"));
    }
    if arns.len() > MAX_TAG_ARNS {
        return Err(ApiError::new(
            INVALID,
            format!("ResourceArns can have at most {MAX_TAG_ARNS} items"),
        ));
    }
    for arn in &arns {
        let exists = world.load_balancers.contains_key(arn)
            || world.target_groups.contains_key(arn)
            || world.listeners.contains_key(arn)
            || world.rules.contains_key(arn);
        if !exists {
            return Err(if arn.contains(":targetgroup/") {
                tg_not_found(arn)
            } else if arn.contains(":listener-rule/") {
                rule_not_found(arn)
            } else if arn.contains(":listener/") {
                listener_not_found(arn)
            } else {
                lb_not_found(arn)
            });
        }
    }
    let mut xml = Xml::new();
    xml.list("TagDescriptions", &arns, |x, arn| {
        x.leaf("ResourceArn", arn);
        let tags = world.tags.get(arn).map_or(&[][..], Vec::as_slice);
        x.list("Tags", tags, |x, (k, v)| {
            x.leaf("Key", k).leaf("Value", v);
        });
    });
    Ok(xml.into_string())
}

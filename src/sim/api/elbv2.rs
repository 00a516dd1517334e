//! Elastic Load Balancing v2 (awsQuery, XML answers). Error codes are the query codes, without
//! the `Exception` suffix (`RuleNotFound`, `TargetGroupNotFound`). ModifyListener and
//! ModifyRule replace the action list whole, as the service does.

use super::unknown_operation;
use crate::sim::clock::iso8601;
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::wire::json::page;
use crate::sim::wire::query::{Params, Xml};
use crate::sim::world::World;
use crate::sim::world::ecs::TaskStatus;
use crate::sim::world::elb::{
    Action, Condition, Forward, Listener, LoadBalancer, Rule, TargetGroup,
};

const INVALID: &str = "ValidationError";
const MAX_PAGE: usize = 400;
const MAX_LOAD_BALANCER_ARNS: usize = 20;
const MAX_TAG_ARNS: usize = 20;
const MAX_FORWARD_GROUPS: usize = 5;
const MAX_WEIGHT: i64 = 999;

pub fn handle(world: &mut World, operation: &str, params: &Params) -> ApiResult<String> {
    match operation {
        "DescribeLoadBalancers" => describe_load_balancers(world, params),
        "DescribeListeners" => describe_listeners(world, params),
        "DescribeRules" => describe_rules(world, params),
        "DescribeTargetGroups" => describe_target_groups(world, params),
        "DescribeTargetHealth" => describe_target_health(world, params),
        "DescribeTags" => describe_tags(world, params),
        "ModifyListener" => modify_listener(world, params),
        "ModifyRule" => modify_rule(world, params),
        other => Err(unknown_operation("ELBv2", other).with_code("InvalidAction")),
    }
}

impl ApiError {
    fn with_code(mut self, code: &str) -> Self {
        code.clone_into(&mut self.code);
        self
    }
}

/// `Marker`/`PageSize` paging; the page's `NextMarker` when more remain.
fn paged<T: Clone>(items: &[T], params: &Params) -> ApiResult<(Vec<T>, Option<String>)> {
    let size = match params.int("PageSize")? {
        None => MAX_PAGE,
        Some(n) if (1..=MAX_PAGE as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(ApiError::new(
                INVALID,
                format!("PageSize must be between 1 and {MAX_PAGE}, not {n}"),
            ));
        }
    };
    let p = page(items.len(), params.get("Marker"), size, INVALID)?;
    Ok((items[p.start..p.end].to_vec(), p.next))
}

fn finish(mut xml: Xml, next: Option<&str>) -> String {
    xml.leaf_opt("NextMarker", next);
    xml.into_string()
}

fn describe_load_balancers(world: &World, params: &Params) -> ApiResult<String> {
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

fn x_text(x: &mut Xml, text: &str) {
    x.text(text);
}

fn lb_not_found(name: &str) -> ApiError {
    ApiError::new(
        "LoadBalancerNotFound",
        format!("One or more load balancers not found: {name}"),
    )
}

fn listener_not_found(arn: &str) -> ApiError {
    ApiError::new(
        "ListenerNotFound",
        format!("One or more listeners not found: {arn}"),
    )
}

fn write_actions(x: &mut Xml, name: &str, actions: &[Action]) {
    x.list(name, actions, |x, action| {
        x.leaf("Type", &action.kind);
        if let Some(order) = action.order {
            x.num("Order", order);
        }
        if action.kind == "forward" {
            if let [only] = action.forward.as_slice() {
                x.leaf("TargetGroupArn", &only.target_group_arn);
            }
            x.open("ForwardConfig");
            x.list("TargetGroups", &action.forward, |x, f| {
                x.leaf("TargetGroupArn", &f.target_group_arn)
                    .num("Weight", f.weight);
            });
            let (enabled, duration) = action.stickiness.unwrap_or((false, None));
            x.open("TargetGroupStickinessConfig")
                .leaf("Enabled", if enabled { "true" } else { "false" });
            if let Some(duration) = duration {
                x.num("DurationSeconds", duration);
            }
            x.close("TargetGroupStickinessConfig");
            x.close("ForwardConfig");
        }
        write_tree(x, &action.extra);
    });
}

/// Writes flattened query keys (`FixedResponseConfig.StatusCode`, `X.member.1.Y`) as nested
/// XML, so an action the simulator does not model is echoed back as it was sent.
fn write_tree(x: &mut Xml, pairs: &[(String, String)]) {
    let mut heads: Vec<&str> = pairs
        .iter()
        .map(|(k, _)| k.split('.').next().unwrap_or(k))
        .collect();
    heads.dedup();
    let mut seen = std::collections::BTreeSet::new();
    for head in heads {
        if !seen.insert(head) {
            continue;
        }
        let direct = pairs.iter().find(|(k, _)| k == head);
        if let Some((_, value)) = direct {
            x.leaf(head, value);
            continue;
        }
        let prefix = format!("{head}.");
        let children: Vec<(String, String)> = pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&prefix)
                    .map(|rest| (rest.to_owned(), v.clone()))
            })
            .collect();
        x.open(head);
        if children.iter().all(|(k, _)| k.starts_with("member.")) {
            let mut indices: Vec<u32> = children
                .iter()
                .filter_map(|(k, _)| k.split('.').nth(1).and_then(|n| n.parse().ok()))
                .collect();
            indices.sort_unstable();
            indices.dedup();
            for index in indices {
                let inner_prefix = format!("member.{index}");
                let member: Vec<(String, String)> = children
                    .iter()
                    .filter_map(|(k, v)| {
                        if k == &inner_prefix {
                            Some((String::new(), v.clone()))
                        } else {
                            k.strip_prefix(&format!("{inner_prefix}."))
                                .map(|rest| (rest.to_owned(), v.clone()))
                        }
                    })
                    .collect();
                x.open("member");
                if let [(key, value)] = member.as_slice()
                    && key.is_empty()
                {
                    x_text(x, value);
                    x.close("member");
                    continue;
                }
                write_tree(x, &member);
                x.close("member");
            }
        } else {
            write_tree(x, &children);
        }
        x.close(head);
    }
}

fn describe_listeners(world: &World, params: &Params) -> ApiResult<String> {
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

fn write_rule(x: &mut Xml, rule: &Rule) {
    x.leaf("RuleArn", &rule.arn)
        .leaf("Priority", &rule.priority);
    x.list("Conditions", &rule.conditions, |x, c| {
        x.leaf("Field", &c.field);
        x.list("Values", &c.values, |x, v| x_text(x, v));
        let config = match c.field.as_str() {
            "path-pattern" => Some("PathPatternConfig"),
            "host-header" => Some("HostHeaderConfig"),
            _ => None,
        };
        if let Some(config) = config {
            x.open(config);
            x.list("Values", &c.values, |x, v| x_text(x, v));
            x.close(config);
        }
    });
    write_actions(x, "Actions", &rule.actions);
    x.leaf("IsDefault", if rule.is_default { "true" } else { "false" });
}

fn rule_not_found(arn: &str) -> ApiError {
    ApiError::new(
        "RuleNotFound",
        format!("One or more rules not found: {arn}"),
    )
}

fn describe_rules(world: &World, params: &Params) -> ApiResult<String> {
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

fn tg_not_found(name: &str) -> ApiError {
    ApiError::new(
        "TargetGroupNotFound",
        format!("One or more target groups not found: {name}"),
    )
}

fn describe_target_groups(world: &World, params: &Params) -> ApiResult<String> {
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

fn describe_target_health(world: &World, params: &Params) -> ApiResult<String> {
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

fn describe_tags(world: &World, params: &Params) -> ApiResult<String> {
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

/// Reads and validates an action list (`Actions.member.N…`).
fn parse_actions(world: &World, params: &Params, name: &str) -> ApiResult<Vec<Action>> {
    let mut actions = Vec::new();
    for member in params.members(name) {
        let kind = member
            .get("Type")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::new(INVALID, "Each action needs a Type"))?;
        let known = [
            "forward",
            "redirect",
            "fixed-response",
            "authenticate-oidc",
            "authenticate-cognito",
            "jwt-validation",
        ];
        if !known.contains(&kind) {
            return Err(ApiError::new(
                INVALID,
                format!("Action type '{kind}' must be one of {}", known.join(", ")),
            ));
        }
        let order = match member.int("Order")? {
            None => None,
            Some(o) if (1..=50_000).contains(&o) => Some(o as u32),
            Some(o) => {
                return Err(ApiError::new(
                    INVALID,
                    format!("Action order must be between 1 and 50000, not {o}"),
                ));
            }
        };
        let mut action = Action {
            kind: kind.to_owned(),
            order,
            forward: Vec::new(),
            stickiness: None,
            extra: Vec::new(),
        };
        if kind == "forward" {
            let single = member.get("TargetGroupArn").filter(|s| !s.is_empty());
            let config = member.sub("ForwardConfig");
            let tuples = config.members("TargetGroups");
            if tuples.len() > MAX_FORWARD_GROUPS {
                return Err(ApiError::new(
                    "TooManyTargetGroups",
                    format!("A forward action can have at most {MAX_FORWARD_GROUPS} target groups"),
                ));
            }
            for tuple in &tuples {
                let arn = tuple
                    .get("TargetGroupArn")
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        ApiError::new(INVALID, "Each forward target group needs a TargetGroupArn")
                    })?;
                let weight = tuple.int("Weight")?.unwrap_or(1);
                if !(0..=MAX_WEIGHT).contains(&weight) {
                    return Err(ApiError::new(
                        INVALID,
                        format!(
                            "Target group weight must be between 0 and {MAX_WEIGHT}, not {weight}"
                        ),
                    ));
                }
                if action.forward.iter().any(|f| f.target_group_arn == arn) {
                    return Err(ApiError::new(
                        INVALID,
                        format!("Target group {arn} is listed twice in one forward action"),
                    ));
                }
                action.forward.push(Forward {
                    target_group_arn: arn.to_owned(),
                    weight: weight as u32,
                });
            }
            match (single, action.forward.as_slice()) {
                (Some(arn), []) => action.forward.push(Forward {
                    target_group_arn: arn.to_owned(),
                    weight: 1,
                }),
                (Some(arn), [only]) if only.target_group_arn == arn => {}
                (Some(_), _) => {
                    return Err(ApiError::new(
                        INVALID,
                        "With both TargetGroupArn and ForwardConfig, the ForwardConfig may list only that target group",
                    ));
                }
                (None, []) => {
                    return Err(ApiError::new(
                        INVALID,
                        "A forward action needs a TargetGroupArn or a ForwardConfig",
                    ));
                }
                (None, _) => {}
            }
            for f in &action.forward {
                if !world.target_groups.contains_key(&f.target_group_arn) {
                    return Err(tg_not_found(&f.target_group_arn));
                }
            }
            let stickiness = config.sub("TargetGroupStickinessConfig");
            if !stickiness.is_empty() {
                let enabled = stickiness.bool("Enabled")?.unwrap_or(false);
                let duration = stickiness.int("DurationSeconds")?;
                if let Some(d) = duration
                    && !(1..=604_800).contains(&d)
                {
                    return Err(ApiError::new(
                        INVALID,
                        "Stickiness duration must be between 1 and 604800 seconds",
                    ));
                }
                action.stickiness = Some((enabled, duration.map(|d| d as u32)));
            }
        } else {
            action.extra = member
                .pairs()
                .filter(|(k, _)| !matches!(*k, "Type" | "Order"))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        }
        actions.push(action);
    }
    if actions.is_empty() {
        return Err(ApiError::new(
            INVALID,
            format!("{name} must contain at least one action"),
        ));
    }
    if actions
        .iter()
        .filter(|a| a.kind == "forward" || a.kind == "redirect" || a.kind == "fixed-response")
        .count()
        != 1
    {
        return Err(ApiError::new(
            "InvalidLoadBalancerAction",
            "An action list must end in exactly one forward, redirect or fixed-response action",
        ));
    }
    Ok(actions)
}

fn modify_listener(world: &mut World, params: &Params) -> ApiResult<String> {
    let arn = params.required("ListenerArn")?.to_owned();
    let listener = world
        .listeners
        .get(&arn)
        .ok_or_else(|| listener_not_found(&arn))?
        .clone();
    let actions = if params.has_list("DefaultActions") {
        Some(parse_actions(world, params, "DefaultActions")?)
    } else {
        None
    };
    let port = match params.int("Port")? {
        None => None,
        Some(p) if (1..=65_535).contains(&p) => Some(p as u16),
        Some(p) => {
            return Err(ApiError::new(
                INVALID,
                format!("Port must be between 1 and 65535, not {p}"),
            ));
        }
    };
    if let Some(protocol) = params.get("Protocol") {
        if !["HTTP", "HTTPS"].contains(&protocol) {
            return Err(ApiError::new(
                "IncompatibleProtocols",
                format!("Protocol {protocol} does not suit an application load balancer"),
            ));
        }
        if protocol == "HTTPS" {
            return Err(ApiError::new(
                "CertificateNotFound",
                "An HTTPS listener needs a certificate; the simulator has none",
            ));
        }
    }
    if let Some(port) = port {
        let clash = world.listeners.values().any(|l| {
            l.load_balancer_arn == listener.load_balancer_arn && l.port == port && l.arn != arn
        });
        if clash {
            return Err(ApiError::new(
                "DuplicateListener",
                format!("A listener already exists on port {port}"),
            ));
        }
    }
    if let Some(l) = world.listeners.get_mut(&arn)
        && let Some(port) = port
    {
        l.port = port;
    }
    if let Some(actions) = actions
        && let Some(rule) = listener
            .rules
            .last()
            .and_then(|r| world.rules.get_mut(r))
            .filter(|r| r.is_default)
    {
        rule.actions = actions;
    }
    describe_listeners(
        world,
        &Params::parse(format!("ListenerArns.member.1={}", urlencode(&arn)).as_bytes()),
    )
}

fn modify_rule(world: &mut World, params: &Params) -> ApiResult<String> {
    let arn = params.required("RuleArn")?.to_owned();
    let rule = world
        .rules
        .get(&arn)
        .ok_or_else(|| rule_not_found(&arn))?
        .clone();
    let actions = if params.has_list("Actions") {
        Some(parse_actions(world, params, "Actions")?)
    } else {
        None
    };
    let conditions = if params.has_list("Conditions") {
        if rule.is_default {
            return Err(ApiError::new(
                "OperationNotPermitted",
                "The conditions of a default rule cannot be modified",
            ));
        }
        let mut list = Vec::new();
        for member in params.members("Conditions") {
            let field = member.get("Field").unwrap_or("").to_owned();
            let mut values = member.strings("Values");
            for config in ["PathPatternConfig", "HostHeaderConfig"] {
                values.extend(member.sub(config).strings("Values"));
            }
            if field.is_empty() || values.is_empty() {
                return Err(ApiError::new(
                    INVALID,
                    "Each condition needs a Field and at least one value",
                ));
            }
            values.dedup();
            list.push(Condition { field, values });
        }
        Some(list)
    } else {
        None
    };
    if let Some(r) = world.rules.get_mut(&arn) {
        if let Some(actions) = actions {
            r.actions = actions;
        }
        if let Some(conditions) = conditions {
            r.conditions = conditions;
        }
    }
    let rule = world.rules.get(&arn).ok_or_else(|| rule_not_found(&arn))?;
    let mut xml = Xml::new();
    xml.list("Rules", std::slice::from_ref(rule), write_rule);
    Ok(xml.into_string())
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

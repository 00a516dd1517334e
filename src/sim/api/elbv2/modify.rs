//! ModifyListener and ModifyRule, and reading and validating the action list they take. A
//! refused call must not leave a change half made: everything is checked before the world is
//! touched.

use super::describe::describe_listeners;
use super::xml::write_rule;
use super::{INVALID, listener_not_found, rule_not_found, tg_not_found};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::wire::query::{Params, Xml};
use crate::sim::world::World;
use crate::sim::world::elb::{Action, Condition, Forward};

const MAX_FORWARD_GROUPS: usize = 5;
const MAX_WEIGHT: i64 = 999;

/// Reads and validates an action list (`Actions.member.N…`).
fn parse_actions(world: &World, params: &Params, name: &str) -> ApiResult<Vec<Action>> {
    let actions = params
        .members(name)
        .iter()
        .map(|member| parse_action(world, member))
        .collect::<ApiResult<Vec<_>>>()?;
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

/// Reads one member of an action list. Only forward actions are understood; any other kind
/// keeps its fields as sent.
fn parse_action(world: &World, member: &Params) -> ApiResult<Action> {
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
        let config = member.sub("ForwardConfig");
        action.forward = forward_targets(world, member, &config)?;
        action.stickiness = parse_stickiness(&config)?;
    } else {
        action.extra = member
            .pairs()
            .filter(|(k, _)| !matches!(*k, "Type" | "Order"))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
    }
    Ok(action)
}

/// The target groups a forward action sends to, from its `TargetGroupArn`, its
/// `ForwardConfig` or both (when they agree), each of which must exist.
fn forward_targets(world: &World, member: &Params, config: &Params) -> ApiResult<Vec<Forward>> {
    let single = member.get("TargetGroupArn").filter(|s| !s.is_empty());
    let mut forward = weighted_target_groups(config)?;
    match (single, forward.as_slice()) {
        (Some(arn), []) => forward.push(Forward {
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
    for f in &forward {
        if !world.target_groups.contains_key(&f.target_group_arn) {
            return Err(tg_not_found(&f.target_group_arn));
        }
    }
    Ok(forward)
}

/// Reads a `ForwardConfig`'s `TargetGroups` list: at most five, each once, weights 0 to 999.
fn weighted_target_groups(config: &Params) -> ApiResult<Vec<Forward>> {
    let tuples = config.members("TargetGroups");
    if tuples.len() > MAX_FORWARD_GROUPS {
        return Err(ApiError::new(
            "TooManyTargetGroups",
            format!("A forward action can have at most {MAX_FORWARD_GROUPS} target groups"),
        ));
    }
    let mut forward: Vec<Forward> = Vec::new();
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
                format!("Target group weight must be between 0 and {MAX_WEIGHT}, not {weight}"),
            ));
        }
        if forward.iter().any(|f| f.target_group_arn == arn) {
            return Err(ApiError::new(
                INVALID,
                format!("Target group {arn} is listed twice in one forward action"),
            ));
        }
        forward.push(Forward {
            target_group_arn: arn.to_owned(),
            weight: weight as u32,
        });
    }
    Ok(forward)
}

/// A `ForwardConfig`'s `TargetGroupStickinessConfig` as (enabled, duration in seconds), if sent.
fn parse_stickiness(config: &Params) -> ApiResult<Option<(bool, Option<u32>)>> {
    let stickiness = config.sub("TargetGroupStickinessConfig");
    if stickiness.is_empty() {
        return Ok(None);
    }
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
    Ok(Some((enabled, duration.map(|d| d as u32))))
}

pub(super) fn modify_listener(world: &mut World, params: &Params) -> ApiResult<String> {
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

pub(super) fn modify_rule(world: &mut World, params: &Params) -> ApiResult<String> {
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

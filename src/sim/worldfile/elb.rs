//! Load balancers from `[[load_balancer]]` tables: each gets its production listener (and
//! test listener), and once every service has claimed its route, one rule per path route in
//! priority order with the default rule last. It must not let two services claim one route.

use std::collections::BTreeSet;

use toml::Spanned;

use super::build::{Builder, DAY, NameRule, check_name, tag_list};
use super::schema::{LoadBalancerSection, Protocol, Scheme};
use super::{BuildResult, Fault};
use crate::sim::world::Stream;
use crate::sim::world::elb::{Action, Condition, Forward, Listener, LoadBalancer, Rule};

/// A load balancer being built: its listeners, and the routes services claim on them.
pub(super) struct Lb {
    pub name: String,
    pub hex: String,
    pub production: (String, String),
    pub test: Option<(String, String)>,
    pub claims: Vec<Claim>,
}

/// A service's claim on a load balancer's listeners.
pub(super) struct Claim {
    pub service: String,
    /// `"default"` or a path pattern.
    pub route: Spanned<String>,
    pub priority: Option<Spanned<u32>>,
    /// The target group the production listener forwards to.
    pub production: String,
    /// The target group the test listener forwards to; none for ECS-controller services.
    pub test: Option<String>,
    /// The stream the service's rules draw their ids from.
    pub stream: Stream,
}

impl Claim {
    fn is_default(&self) -> bool {
        self.route.get_ref() == "default"
    }
}

pub(super) fn add_load_balancer(b: &mut Builder, section: &LoadBalancerSection) -> BuildResult<()> {
    let name = section.name.get_ref();
    check_name(&section.name, "load_balancer.name", NameRule::Elb)?;
    if b.load_balancer(name).is_some() {
        return Err(Fault::at(
            &section.name,
            "load_balancer.name",
            format!("a load balancer named \"{name}\" is already declared"),
        ));
    }
    let protocol = section.protocol.unwrap_or(Protocol::Http);
    let production_port = listener_ports(section, protocol)?;
    let scheme = section.scheme.unwrap_or(Scheme::InternetFacing);
    let hex = b.world.rng.hex(16);
    let arn = b.world.arn(
        "elasticloadbalancing",
        &format!("loadbalancer/app/{name}/{hex}"),
    );
    let digits = b.world.rng.string(b"0123456789", 10);
    let prefix = if scheme == Scheme::Internal {
        "internal-"
    } else {
        ""
    };
    let dns_name = format!(
        "{prefix}{name}-{digits}.{}.elb.amazonaws.com",
        b.world.region
    );
    let created_at = b.ago(200 * DAY, 900 * DAY);
    let security_group = format!("sg-{}", b.world.rng.hex(17));
    let listener = |b: &mut Builder, port: u16| {
        let listener_hex = b.world.rng.hex(16);
        let listener_arn = b.world.arn(
            "elasticloadbalancing",
            &format!("listener/app/{name}/{hex}/{listener_hex}"),
        );
        b.world.listeners.insert(
            listener_arn.clone(),
            Listener {
                arn: listener_arn.clone(),
                load_balancer_arn: arn.clone(),
                port,
                protocol: protocol.as_str().to_owned(),
                rules: Vec::new(),
            },
        );
        (listener_arn, listener_hex)
    };
    let production = listener(b, production_port);
    let test = section
        .test_port
        .as_ref()
        .map(|port| listener(b, *port.get_ref()));
    let zones = b.world.zones();
    let mut listeners = vec![production.0.clone()];
    listeners.extend(test.iter().map(|(arn, _)| arn.clone()));
    b.world.load_balancers.insert(
        arn.clone(),
        LoadBalancer {
            name: name.clone(),
            arn: arn.clone(),
            dns_name,
            created_at,
            scheme: scheme.as_str().to_owned(),
            vpc_id: b.vpc_id.clone(),
            zones: zones.into_iter().zip(b.subnets.iter().cloned()).collect(),
            security_group,
            listeners,
        },
    );
    if !section.tags.is_empty() {
        b.world.tags.insert(arn.clone(), tag_list(&section.tags));
    }
    b.load_balancers.push(Lb {
        name: name.clone(),
        hex,
        production,
        test,
        claims: Vec::new(),
    });
    Ok(())
}

/// The production listener's port (the protocol's own unless given), once both ports are
/// checked: from 1 to 65535, and the test port not the production one.
fn listener_ports(section: &LoadBalancerSection, protocol: Protocol) -> BuildResult<u16> {
    let production_port = section
        .production_port
        .as_ref()
        .map_or(protocol.default_port(), |p| *p.get_ref());
    if let Some(port) = section
        .production_port
        .as_ref()
        .filter(|p| *p.get_ref() == 0)
    {
        return Err(Fault::at(
            port,
            "load_balancer.production_port",
            "expected a port from 1 to 65535",
        ));
    }
    if let Some(test) = &section.test_port
        && (*test.get_ref() == 0 || *test.get_ref() == production_port)
    {
        return Err(Fault::at(
            test,
            "load_balancer.test_port",
            "expected a port from 1 to 65535, other than the production port",
        ));
    }
    Ok(production_port)
}

/// Each listener gets one rule per path route, in priority order, and its default rule last.
/// A default rule no service claims answers 404, as a freshly made listener would be set up.
pub(super) fn add_rules(b: &mut Builder, lb: &Lb) -> BuildResult<()> {
    let priorities = assign_priorities(lb)?;
    let listeners = [
        Some((&lb.production, Side::Production)),
        lb.test.as_ref().map(|l| (l, Side::Test)),
    ];
    for ((listener_arn, listener_hex), side) in listeners.into_iter().flatten() {
        let mut ordered: Vec<(u32, String)> = Vec::new();
        let mut default_target: Option<&str> = None;
        for (claim, priority) in lb.claims.iter().zip(&priorities) {
            let target = match side {
                Side::Production => Some(claim.production.as_str()),
                Side::Test => claim.test.as_deref(),
            };
            let Some(target) = target else { continue };
            if claim.is_default() {
                default_target = Some(target);
                continue;
            }
            let conditions = vec![Condition {
                field: "path-pattern".into(),
                values: vec![claim.route.get_ref().clone()],
            }];
            b.world.switch_stream(claim.stream);
            let arn = rule(
                b,
                lb,
                listener_arn,
                listener_hex,
                priority.to_string(),
                conditions,
                forward(target),
            );
            b.world.switch_stream(Stream::Main);
            ordered.push((*priority, arn));
        }
        ordered.sort();
        let action = default_target.map_or_else(not_found, forward);
        let default_arn = rule(
            b,
            lb,
            listener_arn,
            listener_hex,
            "default".into(),
            Vec::new(),
            action,
        );
        let mut arns: Vec<String> = ordered.into_iter().map(|(_, arn)| arn).collect();
        arns.push(default_arn);
        if let Some(listener) = b.world.listeners.get_mut(listener_arn) {
            listener.rules = arns;
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Side {
    Production,
    Test,
}

fn forward(target_group_arn: &str) -> Action {
    Action::forward_to(vec![Forward {
        target_group_arn: target_group_arn.to_owned(),
        weight: 1,
    }])
}

fn not_found() -> Action {
    Action {
        kind: "fixed-response".into(),
        order: None,
        forward: Vec::new(),
        stickiness: None,
        extra: vec![
            ("FixedResponseConfig.StatusCode".into(), "404".into()),
            (
                "FixedResponseConfig.ContentType".into(),
                "text/plain".into(),
            ),
        ],
    }
}

fn rule(
    b: &mut Builder,
    lb: &Lb,
    listener_arn: &str,
    listener_hex: &str,
    priority: String,
    conditions: Vec<Condition>,
    action: Action,
) -> String {
    let rule_hex = b.world.rng.hex(16);
    let arn = b.world.arn(
        "elasticloadbalancing",
        &format!(
            "listener-rule/app/{}/{}/{listener_hex}/{rule_hex}",
            lb.name, lb.hex
        ),
    );
    let is_default = priority == "default";
    b.world.rules.insert(
        arn.clone(),
        Rule {
            arn: arn.clone(),
            listener_arn: listener_arn.to_owned(),
            priority,
            conditions,
            actions: vec![action],
            is_default,
        },
    );
    arn
}

/// Explicit priorities first; the rest are numbered in file order with what is left from 1.
fn assign_priorities(lb: &Lb) -> BuildResult<Vec<u32>> {
    let mut taken = BTreeSet::new();
    let mut default_owner: Option<&str> = None;
    let mut paths: Vec<(&str, &str)> = Vec::new();
    for claim in &lb.claims {
        let route = claim.route.get_ref();
        if claim.is_default() {
            if let Some(owner) = default_owner {
                return Err(Fault::at(
                    &claim.route,
                    "service.route",
                    format!(
                        "the default route of load balancer \"{}\" is already claimed by service \"{owner}\"",
                        lb.name
                    ),
                ));
            }
            default_owner = Some(&claim.service);
        } else if let Some((_, owner)) = paths.iter().find(|(p, _)| *p == route) {
            return Err(Fault::at(
                &claim.route,
                "service.route",
                format!(
                    "the route \"{route}\" on load balancer \"{}\" is already claimed by service \"{owner}\"",
                    lb.name
                ),
            ));
        } else {
            paths.push((route, &claim.service));
        }
        if let Some(priority) = &claim.priority {
            let value = *priority.get_ref();
            if !(1..=50_000).contains(&value) {
                return Err(Fault::at(
                    priority,
                    "service.priority",
                    "expected a rule priority from 1 to 50000",
                ));
            }
            if claim.is_default() {
                return Err(Fault::at(
                    priority,
                    "service.priority",
                    "the default route has no priority",
                ));
            }
            if !taken.insert(value) {
                return Err(Fault::at(
                    priority,
                    "service.priority",
                    format!(
                        "priority {value} is already used on load balancer \"{}\"",
                        lb.name
                    ),
                ));
            }
        }
    }
    let mut next = 1;
    let mut out = Vec::with_capacity(lb.claims.len());
    for claim in &lb.claims {
        if let Some(priority) = &claim.priority {
            out.push(*priority.get_ref());
        } else if claim.is_default() {
            out.push(0);
        } else {
            while taken.contains(&next) {
                next += 1;
            }
            taken.insert(next);
            out.push(next);
        }
    }
    Ok(out)
}

//! Builds a [`World`] from a parsed world file: the account, clusters, load balancers with
//! their listeners and rules, then each service (see `services`), deployment groups (see
//! `history`) and pipelines (see `pipelines`). Every identifier comes from the world's seeded
//! generator in file order, so a seed always builds the same world. It must not return a
//! world that failed a check half-way.

use std::collections::BTreeSet;

use toml::Spanned;

use super::schema::{AutopilotSection, Protocol, Scheme, TimingsSection, WorldFile};
use super::{BuildResult, Fault, history, pipelines, services};
use crate::sim::world::elb::{Action, Condition, Forward, Listener, LoadBalancer, Rule};
use crate::sim::world::ecs::Cluster;
use crate::sim::world::{Millis, World};

pub(super) const MINUTE: Millis = 60_000;
pub(super) const HOUR: Millis = 60 * MINUTE;
pub(super) const DAY: Millis = 24 * HOUR;

/// The world being built, with what later tables need to find earlier ones.
pub(super) struct Builder {
    pub world: World,
    pub start: Millis,
    pub vpc_id: String,
    pub subnets: [String; 2],
    pub load_balancers: Vec<Lb>,
    pub target_group_names: BTreeSet<String>,
    pub connection_arn: String,
    pub artifact_bucket: String,
}

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
}

impl Claim {
    fn is_default(&self) -> bool {
        self.route.get_ref() == "default"
    }
}

impl Builder {
    /// A random time between `low` and `high` (ms, in whole minutes plus a random second)
    /// before `start`; never less than `low` before it.
    pub fn ago(&mut self, low: Millis, high: Millis) -> Millis {
        let low = (low + MINUTE - 1) / MINUTE;
        let minutes = self.world.rng.between(low, (high / MINUTE).max(low));
        self.start - minutes * MINUTE - self.world.rng.between(0, 59) * 1000
    }

    pub fn load_balancer(&self, name: &str) -> Option<usize> {
        self.load_balancers.iter().position(|lb| lb.name == name)
    }
}

pub(super) fn build(spec: &WorldFile, start: Millis, seed: u64) -> BuildResult<World> {
    let header = &spec.world;
    let account = header.account_id.get_ref();
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Fault::at(&header.account_id, "world.account_id", "expected 12 digits"));
    }
    let region = header.region.get_ref();
    let parts: Vec<&str> = region.split('-').collect();
    let region_ok = parts.len() == 3
        && parts[..2].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !parts[2].is_empty()
        && parts[2].bytes().all(|b| b.is_ascii_digit());
    if !region_ok {
        return Err(Fault::at(&header.region, "world.region", "expected a region such as \"us-east-1\""));
    }
    let mut world = World::new(&header.name, account, region, start, seed);
    apply_autopilot(&mut world, spec.autopilot.as_ref())?;
    apply_timings(&mut world, spec.timings.as_ref());
    let vpc_id = format!("vpc-{}", world.rng.hex(17));
    let subnets = [format!("subnet-{}", world.rng.hex(17)), format!("subnet-{}", world.rng.hex(17))];
    let connection = world.rng.uuid();
    let connection_arn = world.arn("codeconnections", &format!("connection/{connection}"));
    let artifact_bucket = format!("codepipeline-{region}-{}", world.rng.string(b"0123456789", 12));
    let mut b = Builder {
        world,
        start,
        vpc_id,
        subnets,
        load_balancers: Vec::new(),
        target_group_names: BTreeSet::new(),
        connection_arn,
        artifact_bucket,
    };
    history::add_configs(&mut b, &spec.deployment_config)?;
    add_clusters(&mut b, spec)?;
    for section in &spec.load_balancer {
        add_load_balancer(&mut b, section)?;
    }
    for section in &spec.service {
        services::add(&mut b, section)?;
    }
    let lbs = std::mem::take(&mut b.load_balancers);
    for lb in &lbs {
        add_rules(&mut b, lb)?;
    }
    for section in &spec.pipeline {
        pipelines::add(&mut b, section)?;
    }
    let mut world = b.world;
    let mut order: Vec<(Millis, String)> =
        world.deployments.values().map(|d| (d.created_at, d.id.clone())).collect();
    order.sort();
    world.deployment_order = order.into_iter().map(|(_, id)| id).collect();
    Ok(world)
}

fn apply_autopilot(world: &mut World, section: Option<&AutopilotSection>) -> BuildResult<()> {
    let Some(s) = section else { return Ok(()) };
    let a = &mut world.autopilot;
    // Writing the table at all says the world should keep itself alive.
    a.enabled = s.enabled.unwrap_or(true);
    if let Some(range) = &s.start_every_minutes {
        if range.get_ref().0 < 1 {
            return Err(Fault::at(range, "autopilot.start_every_minutes", "expected at least 1 minute between starts"));
        }
        a.start_every = (range.get_ref().0, range.get_ref().1);
    }
    if let Some(c) = s.hook_failure_chance {
        a.hook_failure_chance = c.0;
    }
    if let Some(c) = s.unhealthy_chance {
        a.unhealthy_chance = c.0;
    }
    if let Some(n) = s.keep_waiting {
        a.keep_waiting = n;
    }
    if let Some(r) = s.approve_after_minutes {
        a.approve_after = (r.0, r.1);
    }
    if let Some(r) = s.continue_after_minutes {
        a.continue_after = (r.0, r.1);
    }
    if let Some(m) = s.warmup_minutes {
        a.warmup_minutes = i64::from(m);
    }
    a.next_start_at = world.now;
    Ok(())
}

fn apply_timings(world: &mut World, section: Option<&TimingsSection>) {
    let Some(s) = section else { return };
    let t = &mut world.timings;
    if let Some(r) = s.task_start {
        t.task_start = (r.0, r.1);
    }
    if let Some(r) = s.hook {
        t.hook = (r.0, r.1);
    }
    let seconds = [
        (s.health_check, &mut t.health_check),
        (s.unhealthy_replace, &mut t.unhealthy_replace),
        (s.deregistration, &mut t.deregistration),
        (s.install_timeout, &mut t.install_timeout),
        (s.stopped_task_retention, &mut t.stopped_task_retention),
    ];
    for (given, slot) in seconds {
        if let Some(value) = given {
            *slot = i64::from(value);
        }
    }
}

fn add_clusters(b: &mut Builder, spec: &WorldFile) -> BuildResult<()> {
    for section in &spec.cluster {
        let name = section.name.get_ref();
        check_name(&section.name, "cluster.name", NameRule::Ecs)?;
        if b.world.clusters.contains_key(name) {
            return Err(Fault::at(&section.name, "cluster.name", format!("a cluster named \"{name}\" is already declared")));
        }
        let arn = b.world.arn("ecs", &format!("cluster/{name}"));
        if !section.tags.is_empty() {
            b.world.tags.insert(arn.clone(), tag_list(&section.tags));
        }
        b.world.clusters.insert(name.clone(), Cluster { name: name.clone(), arn });
    }
    Ok(())
}

fn add_load_balancer(b: &mut Builder, section: &super::schema::LoadBalancerSection) -> BuildResult<()> {
    let name = section.name.get_ref();
    check_name(&section.name, "load_balancer.name", NameRule::Elb)?;
    if b.load_balancer(name).is_some() {
        return Err(Fault::at(&section.name, "load_balancer.name", format!("a load balancer named \"{name}\" is already declared")));
    }
    let protocol = section.protocol.unwrap_or(Protocol::Http);
    let production_port = section.production_port.as_ref().map_or(protocol.default_port(), |p| *p.get_ref());
    if production_port == 0 {
        if let Some(port) = &section.production_port {
            return Err(Fault::at(port, "load_balancer.production_port", "expected a port from 1 to 65535"));
        }
    }
    if let Some(test) = &section.test_port {
        if *test.get_ref() == 0 || *test.get_ref() == production_port {
            return Err(Fault::at(test, "load_balancer.test_port", "expected a port from 1 to 65535, other than the production port"));
        }
    }
    let scheme = section.scheme.unwrap_or(Scheme::InternetFacing);
    let hex = b.world.rng.hex(16);
    let arn = b.world.arn("elasticloadbalancing", &format!("loadbalancer/app/{name}/{hex}"));
    let digits = b.world.rng.string(b"0123456789", 10);
    let prefix = if scheme == Scheme::Internal { "internal-" } else { "" };
    let dns_name = format!("{prefix}{name}-{digits}.{}.elb.amazonaws.com", b.world.region);
    let created_at = b.ago(200 * DAY, 900 * DAY);
    let security_group = format!("sg-{}", b.world.rng.hex(17));
    let listener = |b: &mut Builder, port: u16| {
        let listener_hex = b.world.rng.hex(16);
        let listener_arn = b.world.arn("elasticloadbalancing", &format!("listener/app/{name}/{hex}/{listener_hex}"));
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
    let test = section.test_port.as_ref().map(|port| listener(b, *port.get_ref()));
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
    b.load_balancers.push(Lb { name: name.clone(), hex, production, test, claims: Vec::new() });
    Ok(())
}

/// Each listener gets one rule per path route, in priority order, and its default rule last.
/// A default rule no service claims answers 404, as a freshly made listener would be set up.
fn add_rules(b: &mut Builder, lb: &Lb) -> BuildResult<()> {
    let priorities = assign_priorities(lb)?;
    let listeners = [Some((&lb.production, Side::Production)), lb.test.as_ref().map(|l| (l, Side::Test))];
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
            let conditions = vec![Condition { field: "path-pattern".into(), values: vec![claim.route.get_ref().clone()] }];
            let arn = rule(b, lb, listener_arn, listener_hex, priority.to_string(), conditions, forward(target));
            ordered.push((*priority, arn));
        }
        ordered.sort();
        let action = default_target.map_or_else(not_found, forward);
        let default_arn = rule(b, lb, listener_arn, listener_hex, "default".into(), Vec::new(), action);
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
    Action::forward_to(vec![Forward { target_group_arn: target_group_arn.to_owned(), weight: 1 }])
}

fn not_found() -> Action {
    Action {
        kind: "fixed-response".into(),
        order: None,
        forward: Vec::new(),
        stickiness: None,
        extra: vec![
            ("FixedResponseConfig.StatusCode".into(), "404".into()),
            ("FixedResponseConfig.ContentType".into(), "text/plain".into()),
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
    let arn = b
        .world
        .arn("elasticloadbalancing", &format!("listener-rule/app/{}/{}/{listener_hex}/{rule_hex}", lb.name, lb.hex));
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
                    format!("the default route of load balancer \"{}\" is already claimed by service \"{owner}\"", lb.name),
                ));
            }
            default_owner = Some(&claim.service);
        } else if let Some((_, owner)) = paths.iter().find(|(p, _)| *p == route) {
            return Err(Fault::at(
                &claim.route,
                "service.route",
                format!("the route \"{route}\" on load balancer \"{}\" is already claimed by service \"{owner}\"", lb.name),
            ));
        } else {
            paths.push((route, &claim.service));
        }
        if let Some(priority) = &claim.priority {
            let value = *priority.get_ref();
            if !(1..=50_000).contains(&value) {
                return Err(Fault::at(priority, "service.priority", "expected a rule priority from 1 to 50000"));
            }
            if claim.is_default() {
                return Err(Fault::at(priority, "service.priority", "the default route has no priority"));
            }
            if !taken.insert(value) {
                return Err(Fault::at(
                    priority,
                    "service.priority",
                    format!("priority {value} is already used on load balancer \"{}\"", lb.name),
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

pub(super) fn tag_list(tags: &std::collections::BTreeMap<String, String>) -> Vec<(String, String)> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The naming rules of the AWS resource kinds a world file names.
#[derive(Debug, Clone, Copy)]
pub(super) enum NameRule {
    /// Clusters and services: up to 255 letters, digits, hyphens and underscores.
    Ecs,
    /// Load balancers and target groups: up to 32 letters, digits and hyphens, no hyphen at
    /// either end.
    Elb,
    /// CodeDeploy applications, groups and configs, CodePipeline pipelines, stages and actions.
    Named,
}

pub(super) fn check_name(name: &Spanned<String>, field: &str, rule: NameRule) -> BuildResult<()> {
    let text = name.get_ref();
    let (limit, ok, describe) = match rule {
        NameRule::Ecs => (
            255,
            text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "letters, digits, hyphens and underscores",
        ),
        NameRule::Elb => (
            32,
            text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') && !text.starts_with('-') && !text.ends_with('-'),
            "letters, digits and hyphens, not starting or ending with a hyphen",
        ),
        NameRule::Named => (
            100,
            text.bytes().all(|c| c.is_ascii_alphanumeric() || b".@-_".contains(&c)),
            "letters, digits and . @ - _",
        ),
    };
    if text.is_empty() || text.len() > limit || !ok {
        return Err(Fault::at(name, field, format!("\"{text}\" is not a valid name: expected 1 to {limit} {describe}")));
    }
    Ok(())
}

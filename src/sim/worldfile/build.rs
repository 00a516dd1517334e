//! Builds a [`World`] from a parsed world file: the account, deployment configs (see
//! `configs`), clusters, load balancers (see `elb`), each service with its deployment group
//! (see `services` and `history`), then pipelines (see `pipelines`). Every identifier comes
//! from the world's seeded generator in file order, so a seed always builds the same world.
//! It must not return a world that failed a check half-way.

use std::collections::BTreeSet;

use toml::Spanned;

use super::elb::Lb;
use super::schema::{
    AutopilotSection, OtherDeploymentSection, OtherPlatform, TimingsSection, WorldFile,
};
use super::{BuildResult, Fault, configs, elb, pipelines, services};
use crate::sim::world::codedeploy::ComputePlatform;
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
    /// ECS-native services waiting for their load balancer's rules.
    pub native: Vec<super::native::Pending>,
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
        return Err(Fault::at(
            &header.account_id,
            "world.account_id",
            "expected 12 digits",
        ));
    }
    let region = header.region.get_ref();
    let parts: Vec<&str> = region.split('-').collect();
    let region_ok = parts.len() == 3
        && parts[..2]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !parts[2].is_empty()
        && parts[2].bytes().all(|b| b.is_ascii_digit());
    if !region_ok {
        return Err(Fault::at(
            &header.region,
            "world.region",
            "expected a region such as \"us-east-1\"",
        ));
    }
    let mut world = World::new(&header.name, account, region, start, seed);
    apply_autopilot(&mut world, spec.autopilot.as_ref())?;
    apply_timings(&mut world, spec.timings.as_ref());
    let vpc_id = format!("vpc-{}", world.rng.hex(17));
    let subnets = [
        format!("subnet-{}", world.rng.hex(17)),
        format!("subnet-{}", world.rng.hex(17)),
    ];
    let connection = world.rng.uuid();
    let connection_arn = world.arn("codeconnections", &format!("connection/{connection}"));
    let artifact_bucket = format!(
        "codepipeline-{region}-{}",
        world.rng.string(b"0123456789", 12)
    );
    let mut b = Builder {
        world,
        start,
        vpc_id,
        subnets,
        load_balancers: Vec::new(),
        target_group_names: BTreeSet::new(),
        connection_arn,
        artifact_bucket,
        native: Vec::new(),
    };
    configs::add_configs(&mut b, &spec.deployment_config)?;
    add_clusters(&mut b, spec)?;
    for section in &spec.load_balancer {
        elb::add_load_balancer(&mut b, section)?;
    }
    for section in &spec.service {
        services::add(&mut b, section)?;
    }
    let lbs = std::mem::take(&mut b.load_balancers);
    for lb in &lbs {
        elb::add_rules(&mut b, lb)?;
    }
    let pending = std::mem::take(&mut b.native);
    super::native::finish(&mut b, pending, &lbs);
    for section in &spec.pipeline {
        pipelines::add(&mut b, section)?;
    }
    for section in &spec.other_deployment {
        add_other_deployment(&mut b, section)?;
    }
    let mut world = b.world;
    let mut order: Vec<(Millis, String)> = world
        .deployments
        .values()
        .map(|d| (d.created_at, d.id.clone()))
        .collect();
    order.sort();
    world.deployment_order = order.into_iter().map(|(_, id)| id).collect();
    Ok(world)
}

/// Another team's deployment on Lambda or EC2: in an application of that platform (an ECS
/// application cannot hold one), one in flight per group, as CodeDeploy allows.
fn add_other_deployment(b: &mut Builder, section: &OtherDeploymentSection) -> BuildResult<()> {
    check_name(
        &section.application,
        "other_deployment.application",
        NameRule::Named,
    )?;
    check_name(&section.group, "other_deployment.group", NameRule::Named)?;
    let platform = match section.platform {
        OtherPlatform::Lambda => ComputePlatform::Lambda,
        OtherPlatform::Server => ComputePlatform::Server,
    };
    let (application, group) = (section.application.get_ref(), section.group.get_ref());
    if let Some(app) = b.world.applications.get(application)
        && app.compute_platform != platform
    {
        return Err(Fault::at(
            &section.application,
            "other_deployment.application",
            format!(
                "application \"{application}\" is on {}: another platform's deployments need an application of their own",
                app.compute_platform.as_str()
            ),
        ));
    }
    let key = (application.clone(), group.clone());
    if b.world.deployment_groups.contains_key(&key) {
        return Err(Fault::at(
            &section.group,
            "other_deployment.group",
            format!("group \"{group}\" of \"{application}\" already has a deployment in flight"),
        ));
    }
    b.world.hold_other_deployment(application, group, platform);
    Ok(())
}

/// The simulator runs the warmup tick by tick before it serves: a day is 86,400 ticks,
/// seconds of start-up; the 4,294,967,295 minutes a `u32` allows were centuries of ticks.
const MAX_WARMUP_MINUTES: u32 = 1_440;

fn apply_autopilot(world: &mut World, section: Option<&AutopilotSection>) -> BuildResult<()> {
    let Some(s) = section else { return Ok(()) };
    let a = &mut world.autopilot;
    // Writing the table at all says the world should keep itself alive.
    a.enabled = s.enabled.unwrap_or(true);
    if let Some(range) = &s.start_every_minutes {
        if range.get_ref().0 < 1 {
            return Err(Fault::at(
                range,
                "autopilot.start_every_minutes",
                "expected at least 1 minute between starts",
            ));
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
    if let Some(m) = &s.warmup_minutes {
        if *m.get_ref() > MAX_WARMUP_MINUTES {
            return Err(Fault::at(
                m,
                "autopilot.warmup_minutes",
                format!("expected at most {MAX_WARMUP_MINUTES} minutes (a day) of history"),
            ));
        }
        a.warmup_minutes = i64::from(*m.get_ref());
    }
    if let Some(range) = &s.service_deploy_every_minutes {
        if range.get_ref().0 < 1 {
            return Err(Fault::at(
                range,
                "autopilot.service_deploy_every_minutes",
                "expected at least 1 minute between deployments",
            ));
        }
        a.service_deploy_every = (range.get_ref().0, range.get_ref().1);
    }
    if let Some(c) = s.service_hook_failure_chance {
        a.service_hook_failure_chance = c.0;
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
            return Err(Fault::at(
                &section.name,
                "cluster.name",
                format!("a cluster named \"{name}\" is already declared"),
            ));
        }
        let arn = b.world.arn("ecs", &format!("cluster/{name}"));
        if !section.tags.is_empty() {
            b.world.tags.insert(arn.clone(), tag_list(&section.tags));
        }
        b.world.clusters.insert(
            name.clone(),
            Cluster {
                name: name.clone(),
                arn,
            },
        );
    }
    Ok(())
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
            text.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "letters, digits, hyphens and underscores",
        ),
        NameRule::Elb => (
            32,
            text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                && !text.starts_with('-')
                && !text.ends_with('-'),
            "letters, digits and hyphens, not starting or ending with a hyphen",
        ),
        NameRule::Named => (
            100,
            text.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b".@-_".contains(&c)),
            "letters, digits and . @ - _",
        ),
    };
    if text.is_empty() || text.len() > limit || !ok {
        return Err(Fault::at(
            name,
            field,
            format!("\"{text}\" is not a valid name: expected 1 to {limit} {describe}"),
        ));
    }
    Ok(())
}

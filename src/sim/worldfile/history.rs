//! The CodeDeploy side of a world file: deployment groups, and the one
//! Succeeded deployment per group that put the running task set in place, so a group has a
//! `lastSuccessfulDeployment` and a revision (with its hooks) for the next release to reuse.
//! It must not invent history that contradicts what ECS and ELBv2 show now.

use toml::Spanned;

use super::build::{Builder, DAY, HOUR, MINUTE, NameRule, check_name};
use super::configs::MAX_WAIT_MINUTES;
use super::schema::{DeploymentSection, Ready};
use super::{BuildResult, Fault};
use crate::sim::appspec;
use crate::sim::world::Millis;
use crate::sim::world::codedeploy::{
    Application, ComputePlatform, Deployment, DeploymentGroup, DeploymentStatus, EventStatus,
    LifecycleEvent, LifecycleEventName as Ev, Phase, ReadyAction, Routing,
};

/// How long a lifecycle event without a hook takes, as the engine runs it.
const QUICK_EVENT: Millis = 2_000;

/// A `[service.deployment]` table, checked and with its defaults filled in.
pub(super) struct GroupSpec {
    pub application: String,
    pub name: String,
    pub config: String,
    pub routing: Routing,
    pub ready: ReadyAction,
    pub ready_wait: u32,
    pub termination_wait: u32,
    pub auto_rollback: bool,
    /// In lifecycle order.
    pub hooks: Vec<(Ev, String)>,
}

pub(super) fn resolve_group(
    b: &Builder,
    section: &DeploymentSection,
    service: &str,
) -> BuildResult<GroupSpec> {
    check_name(
        &section.application,
        "service.deployment.application",
        NameRule::Named,
    )?;
    let application = section.application.get_ref().clone();
    let group = section
        .group
        .clone()
        .unwrap_or_else(|| Spanned::new(section.application.span(), service.to_owned()));
    check_name(&group, "service.deployment.group", NameRule::Named)?;
    let name = group.get_ref().clone();
    if b.world
        .deployment_groups
        .contains_key(&(application.clone(), name.clone()))
    {
        return Err(Fault::at(
            &group,
            "service.deployment.group",
            format!(
                "application \"{application}\" already has a deployment group named \"{name}\""
            ),
        ));
    }
    let config = section
        .config
        .as_ref()
        .map_or("CodeDeployDefault.ECSAllAtOnce", |c| c.get_ref().as_str());
    let Some(routing) = b.world.deployment_configs.get(config).map(|c| c.routing) else {
        let known: Vec<&str> = b
            .world
            .deployment_configs
            .keys()
            .map(String::as_str)
            .collect();
        let at = section.config.as_ref().unwrap_or(&section.application);
        return Err(Fault::at(
            at,
            "service.deployment.config",
            format!(
                "no deployment config is named \"{config}\"; known: {}",
                known.join(", ")
            ),
        ));
    };
    let ready = match section.ready {
        Some(Ready::Stop) => ReadyAction::Stop,
        _ => ReadyAction::Continue,
    };
    let ready_wait = ready_wait(section, ready)?;
    let termination_wait = termination_wait(section)?;
    let hooks = hooks(section)?;
    Ok(GroupSpec {
        application,
        name,
        config: config.to_owned(),
        routing,
        ready,
        ready_wait,
        termination_wait,
        auto_rollback: section.auto_rollback.unwrap_or(true),
        hooks,
    })
}

/// `ready_wait_minutes`, defaulting to an hour when the group stops at Ready and to none
/// otherwise.
fn ready_wait(section: &DeploymentSection, ready: ReadyAction) -> BuildResult<u32> {
    match (&section.ready_wait_minutes, ready) {
        (Some(m), ReadyAction::Stop) if *m.get_ref() == 0 => Err(Fault::at(
            m,
            "service.deployment.ready_wait_minutes",
            "ready = \"stop\" needs a wait of at least 1 minute",
        )),
        (Some(m), _) if *m.get_ref() > MAX_WAIT_MINUTES => Err(Fault::at(
            m,
            "service.deployment.ready_wait_minutes",
            format!("expected at most {MAX_WAIT_MINUTES} minutes"),
        )),
        (Some(m), _) => Ok(*m.get_ref()),
        (None, ReadyAction::Stop) => Ok(60),
        (None, ReadyAction::Continue) => Ok(0),
    }
}

fn termination_wait(section: &DeploymentSection) -> BuildResult<u32> {
    match &section.termination_wait_minutes {
        Some(m) if *m.get_ref() > MAX_WAIT_MINUTES => Err(Fault::at(
            m,
            "service.deployment.termination_wait_minutes",
            format!("expected at most {MAX_WAIT_MINUTES} minutes"),
        )),
        Some(m) => Ok(*m.get_ref()),
        None => Ok(5),
    }
}

/// The lifecycle hooks (event, Lambda function), in lifecycle order.
fn hooks(section: &DeploymentSection) -> BuildResult<Vec<(Ev, String)>> {
    let mut hooks = Vec::new();
    for (event, function) in &section.hooks {
        let Some(parsed) = Ev::parse(event.get_ref()).filter(|e| e.hookable()) else {
            let hookable: Vec<&str> = Ev::ALL
                .iter()
                .filter(|e| e.hookable())
                .map(|e| e.as_str())
                .collect();
            return Err(Fault::at(
                event,
                "service.deployment.hooks",
                format!(
                    "\"{}\" is not a hookable lifecycle event; expected one of {}",
                    event.get_ref(),
                    hookable.join(", ")
                ),
            ));
        };
        if function.trim().is_empty() {
            return Err(Fault::at(
                event,
                "service.deployment.hooks",
                "a hook names a Lambda function",
            ));
        }
        hooks.push((parsed, function.clone()));
    }
    hooks.sort_by_key(|(e, _)| *e);
    Ok(hooks)
}

/// When the last release of a service happened, as absolute times before `start`.
pub(super) struct Timeline {
    pub created: Millis,
    /// Start and end of each lifecycle event, for a CodeDeploy release.
    pub events: Option<[(Millis, Millis); 8]>,
    pub install_start: Millis,
    pub install_end: Millis,
    /// When production traffic reached the running task set.
    pub shifted: Millis,
    pub completed: Millis,
    /// `(created, started)` of each running task.
    pub tasks: Vec<(Millis, Millis)>,
}

impl Timeline {
    /// A release without CodeDeploy: the task set started, its tasks came up, done.
    pub fn plain(b: &mut Builder, desired: u32) -> Self {
        let (tasks, ready) = task_times(b, desired, 0);
        let end = ready + b.world.rng.between(1, 5) * 1000;
        let completed = end + b.world.rng.between(2, 20) * 1000;
        let created = b.ago(2 * HOUR + completed, 20 * HOUR + completed);
        let mut timeline = Self {
            created: 0,
            events: None,
            install_start: 0,
            install_end: end,
            shifted: end,
            completed,
            tasks,
        };
        timeline.shift(created);
        timeline
    }

    fn shift(&mut self, by: Millis) {
        self.created += by;
        self.install_start += by;
        self.install_end += by;
        self.shifted += by;
        self.completed += by;
        for (created, started) in &mut self.tasks {
            *created += by;
            *started += by;
        }
        if let Some(events) = &mut self.events {
            for (begin, end) in events.iter_mut() {
                *begin += by;
                *end += by;
            }
        }
    }
}

/// Task creation and start times from `from`, and when the last of them turned healthy.
fn task_times(b: &mut Builder, desired: u32, from: Millis) -> (Vec<(Millis, Millis)>, Millis) {
    let (low, high) = b.world.timings.task_start;
    let health = b.world.timings.health_check * 1000;
    let mut ready = from + 1_000;
    let mut tasks = Vec::new();
    for index in 0..desired {
        let created = from + 1_000 + Millis::from(index) * 150;
        let started = created + b.world.rng.between(low, high) * 1000;
        ready = ready.max(started + health);
        tasks.push((created, started));
    }
    (tasks, ready)
}

/// The last release's lifecycle, laid out as the engine would run it, ending at least an
/// hour before `start`.
pub(super) fn timeline(b: &mut Builder, g: &GroupSpec, desired: u32) -> Timeline {
    let mut events = [(0, 0); 8];
    let mut tasks = Vec::new();
    let mut at: Millis = 1_000;
    let mut shifted = 0;
    for (index, event) in Ev::ALL.into_iter().enumerate() {
        let begin = at;
        let hooked = g.hooks.iter().any(|(e, _)| *e == event);
        let length = match event {
            Ev::Install => {
                let (list, ready) = task_times(b, desired, begin);
                tasks = list;
                ready - begin + b.world.rng.between(1, 5) * 1000
            }
            Ev::AllowTraffic => shift_length(g.routing) + QUICK_EVENT,
            _ if hooked => {
                let (low, high) = b.world.timings.hook;
                b.world.rng.between(low, high) * 1000
            }
            _ => QUICK_EVENT,
        };
        let end = begin + length;
        events[index] = (begin, end);
        at = end;
        if event == Ev::AfterAllowTestTraffic && g.ready == ReadyAction::Stop {
            // Someone reviewed the test traffic and continued the deployment.
            let (low, high) = b.world.autopilot.continue_after;
            at += b.world.rng.between(low, high) * MINUTE + b.world.rng.between(0, 59) * 1000;
        }
        if event == Ev::AllowTraffic {
            shifted = end;
        }
    }
    let completed = at
        + i64::from(g.termination_wait) * MINUTE
        + b.world.timings.deregistration * 1000
        + b.world.rng.between(2, 15) * 1000;
    let created = b.ago(HOUR + completed, 20 * HOUR + completed);
    let mut timeline = Timeline {
        created: 0,
        events: Some(events),
        install_start: events[Ev::Install.index()].0,
        install_end: events[Ev::Install.index()].1,
        shifted,
        completed,
        tasks,
    };
    timeline.shift(created);
    timeline
}

/// How long production traffic takes to move entirely, after the first step.
fn shift_length(routing: Routing) -> Millis {
    match routing {
        Routing::AllAtOnce => 0,
        Routing::Canary { minutes, .. } => i64::from(minutes) * MINUTE,
        Routing::Linear { percent, minutes } => {
            let steps = 100_u32.div_ceil(percent.max(1));
            i64::from(steps.saturating_sub(1)) * i64::from(minutes) * MINUTE
        }
    }
}

/// What the deployment group needs to know about the service it deploys.
pub(super) struct ServiceFacts<'a> {
    pub cluster: &'a str,
    pub name: &'a str,
    pub task_definition: &'a str,
    pub task_set: &'a str,
    /// `[blue, green]` names and ARNs.
    pub target_groups: &'a [String],
    pub target_group_arns: &'a [String],
    /// Production listener, and the test listener when the load balancer has one.
    pub listeners: (String, Option<String>),
}

/// Adds the group, its application if new, and its last (Succeeded) deployment; returns the
/// deployment's id.
pub(super) fn add_group(
    b: &mut Builder,
    g: &GroupSpec,
    facts: &ServiceFacts<'_>,
    timeline: &Timeline,
) -> String {
    add_application(b, &g.application, timeline);
    let name_at = |i: usize| facts.target_groups.get(i).cloned().unwrap_or_default();
    let arn_at = |i: usize| facts.target_group_arns.get(i).cloned().unwrap_or_default();
    let rollback_events: Vec<String> = if g.auto_rollback {
        vec![
            "DEPLOYMENT_FAILURE".to_owned(),
            "DEPLOYMENT_STOP_ON_REQUEST".to_owned(),
        ]
    } else {
        Vec::new()
    };
    let id = b.world.deployment_id();
    let group = DeploymentGroup {
        application: g.application.clone(),
        name: g.name.clone(),
        id: b.world.rng.uuid(),
        config: g.config.clone(),
        service_role_arn: format!(
            "arn:aws:iam::{}:role/CodeDeployServiceRole",
            b.world.account
        ),
        cluster: facts.cluster.to_owned(),
        service: facts.name.to_owned(),
        target_groups: [name_at(0), name_at(1)],
        prod_listener: facts.listeners.0.clone(),
        test_listener: facts.listeners.1.clone(),
        ready_action: g.ready,
        ready_wait_minutes: g.ready_wait,
        termination_wait_minutes: g.termination_wait,
        auto_rollback: g.auto_rollback,
        rollback_events: rollback_events.clone(),
        last_successful: Some(id.clone()),
        last_attempted: Some(id.clone()),
        fail_next_hook: None,
    };
    let revision = appspec::revision_for(&b.world, facts.task_definition, &g.hooks);
    let deployment = Deployment {
        id: id.clone(),
        application: g.application.clone(),
        group: g.name.clone(),
        config: g.config.clone(),
        routing: g.routing,
        status: DeploymentStatus::Succeeded,
        creator: "user",
        description: None,
        revision,
        previous_revision: None,
        created_at: timeline.created,
        started_at: Some(timeline.created + 1_000),
        completed_at: Some(timeline.completed),
        error: None,
        rollback_deployment: None,
        rollback_of: None,
        rollback_message: None,
        events: succeeded_events(timeline),
        cluster: facts.cluster.to_owned(),
        service: facts.name.to_owned(),
        ready_action: g.ready,
        ready_wait_minutes: g.ready_wait,
        termination_wait_minutes: g.termination_wait,
        auto_rollback: g.auto_rollback,
        rollback_events,
        original_set: None,
        replacement_set: Some(facts.task_set.to_owned()),
        // The release moved production from the group now green to the one now blue.
        original_target_group: arn_at(1),
        replacement_target_group: arn_at(0),
        phase: Phase::Done,
        phase_since: timeline.completed,
        shifted: 100,
        next_shift_at: None,
        termination_wait_started: true,
        fail_at: None,
        status_messages: Vec::new(),
        external_id: None,
    };
    b.world
        .deployment_groups
        .insert((g.application.clone(), g.name.clone()), group);
    b.world.deployments.insert(id.clone(), deployment);
    id
}

/// Adds `application` (on ECS) unless an earlier group made it, created well before the
/// release.
fn add_application(b: &mut Builder, application: &str, timeline: &Timeline) {
    if b.world.applications.contains_key(application) {
        return;
    }
    let id = b.world.rng.uuid();
    let created_at = b.ago(100 * DAY, 700 * DAY).min(timeline.created);
    b.world.applications.insert(
        application.to_owned(),
        Application {
            name: application.to_owned(),
            id,
            created_at,
            compute_platform: ComputePlatform::Ecs,
        },
    );
}

/// The eight lifecycle events of the last release, all Succeeded, at the timeline's times.
fn succeeded_events(timeline: &Timeline) -> Vec<LifecycleEvent> {
    let events = timeline.events.unwrap_or_default();
    Ev::ALL
        .into_iter()
        .map(|name| {
            let (start, end) = events[name.index()];
            LifecycleEvent {
                name,
                status: EventStatus::Succeeded,
                start: Some(start),
                end: Some(end),
                diagnostics: None,
            }
        })
        .collect()
}

//! One `[[service]]` table into its ECS service, task definition, target groups, running
//! tasks and service events, plus its claim on a load balancer's listeners. Everything a
//! service already runs is steady and healthy: the world starts between releases.

use std::collections::BTreeMap;

use toml::Spanned;

use super::build::{Builder, DAY, HOUR, MINUTE, NameRule, check_name, tag_list};
use super::elb::Claim;
use super::history::{self, Timeline};
use super::schema::{ControllerKind, ServiceSection, TestRoute};
use super::{BuildResult, Fault};
use crate::sim::world::ecs::{
    Container, Controller, Health, Service, Task, TaskDefinition, TaskSet, TaskSetStatus,
    TaskStatus,
};
use crate::sim::world::elb::TargetGroup;
use crate::sim::world::{Millis, Stream};

/// The most tasks one service may ask for, as ECS allows.
const MAX_DESIRED: u32 = 1_000;

/// Adds a service; an ECS-native blue/green one draws from the world's native stream (see
/// [`Stream`]), so that adding one leaves the ids of the rest of the world as they were.
pub(super) fn add(b: &mut Builder, spec: &ServiceSection) -> BuildResult<()> {
    let stream = if spec.ecs_deployment.is_some() {
        Stream::Native
    } else {
        Stream::Main
    };
    b.world.switch_stream(stream);
    let added = add_in_stream(b, spec);
    b.world.switch_stream(Stream::Main);
    added
}

fn add_in_stream(b: &mut Builder, spec: &ServiceSection) -> BuildResult<()> {
    let resolved = resolve(b, spec)?;
    let placed = place(b, spec, &resolved)?;
    if let Some(index) = resolved.lb {
        claim_route(
            b,
            spec,
            index,
            (resolved.controller, resolved.blue_green.is_some()),
            &placed.target_group_arns,
        )?;
        if let Some(g) = &resolved.group {
            record_last_deployment(b, spec, index, g, &resolved, &placed);
        }
        if let Some(config) = resolved.blue_green.clone() {
            b.native.push(super::native::Pending {
                cluster: resolved.cluster.clone(),
                service: resolved.name.clone(),
                lb: index,
                target_groups: placed.target_group_arns.clone(),
                config,
            });
        }
    }
    Ok(())
}

/// A `[[service]]` table checked against the world built so far, before any of it is added.
struct Resolved {
    cluster: String,
    name: String,
    desired: u32,
    controller: Controller,
    /// The index of its load balancer in the builder.
    lb: Option<usize>,
    group: Option<history::GroupSpec>,
    target_group_names: Vec<String>,
    blue_green: Option<crate::sim::world::native::BlueGreen>,
}

fn resolve(b: &mut Builder, spec: &ServiceSection) -> BuildResult<Resolved> {
    let cluster = spec.cluster.get_ref().clone();
    let name = spec.name.get_ref().clone();
    if !b.world.clusters.contains_key(&cluster) {
        return Err(Fault::at(
            &spec.cluster,
            "service.cluster",
            format!("no [[cluster]] is named \"{cluster}\""),
        ));
    }
    check_name(&spec.name, "service.name", NameRule::Ecs)?;
    if b.world.service(&cluster, &name).is_some() {
        return Err(Fault::at(
            &spec.name,
            "service.name",
            format!("cluster \"{cluster}\" already has a service named \"{name}\""),
        ));
    }
    let desired = *spec.desired.get_ref();
    if desired > MAX_DESIRED {
        return Err(Fault::at(
            &spec.desired,
            "service.desired",
            format!("expected at most {MAX_DESIRED} tasks"),
        ));
    }
    let controller = match spec.controller.as_ref().map(|c| *c.get_ref()) {
        Some(ControllerKind::Ecs) => Controller::Ecs,
        _ => Controller::CodeDeploy,
    };
    let lb = match &spec.load_balancer {
        Some(lb_name) => Some(b.load_balancer(lb_name.get_ref()).ok_or_else(|| {
            Fault::at(
                lb_name,
                "service.load_balancer",
                format!("no [[load_balancer]] is named \"{}\"", lb_name.get_ref()),
            )
        })?),
        None => None,
    };
    check_without_load_balancer(spec, lb.is_some())?;
    let group = resolve_deployment(b, spec, controller, lb.is_some())?;
    let blue_green = super::native::resolve(b, spec, controller, lb.is_some())?;
    let target_group_names = if lb.is_some() {
        target_group_names(b, spec, controller, blue_green.is_some())?
    } else {
        Vec::new()
    };
    Ok(Resolved {
        cluster,
        name,
        desired,
        controller,
        lb,
        group,
        target_group_names,
        blue_green,
    })
}

/// The `[service.deployment]` table, refused on a service CodeDeploy cannot deploy.
fn resolve_deployment(
    b: &Builder,
    spec: &ServiceSection,
    controller: Controller,
    has_lb: bool,
) -> BuildResult<Option<history::GroupSpec>> {
    match &spec.deployment {
        Some(section) if controller == Controller::Ecs => Err(Fault::at(
            &section.application,
            "service.deployment.application",
            "only CODE_DEPLOY services have a CodeDeploy deployment group; remove [service.deployment] or the controller",
        )),
        Some(section) if !has_lb => Err(Fault::at(
            &section.application,
            "service.deployment.application",
            "a blue/green deployment group needs the service behind a load_balancer",
        )),
        Some(section) => Ok(Some(history::resolve_group(
            b,
            section,
            spec.name.get_ref(),
        )?)),
        None => Ok(None),
    }
}

/// What [`place`] put in the world that the load balancer and the deployment group refer to.
struct Placed {
    task_definition: String,
    task_set: String,
    target_group_arns: Vec<String>,
    timeline: Timeline,
}

/// Adds the service with its task definition, target groups, primary task set, running tasks
/// and events.
fn place(b: &mut Builder, spec: &ServiceSection, r: &Resolved) -> BuildResult<Placed> {
    let name = &r.name;
    let container_name = spec.container_name.clone().unwrap_or_else(|| name.clone());
    let container_port = spec.container_port.unwrap_or(80);
    let created_at = b.ago(30 * DAY, 400 * DAY);
    let revision = match &spec.revision {
        Some(given) if *given.get_ref() == 0 => {
            return Err(Fault::at(
                given,
                "service.revision",
                "task definition revisions start at 1",
            ));
        }
        Some(given) => *given.get_ref(),
        None => b.world.rng.between(3, 40) as u32,
    };
    let image = spec.image.clone().unwrap_or_else(|| {
        let tag = b.world.rng.hex(7);
        format!(
            "{}.dkr.ecr.{}.amazonaws.com/{name}:{tag}",
            b.world.account, b.world.region
        )
    });

    // The last release: a CodeDeploy deployment for services with a group, a plain start
    // for the rest. Its install is when the running tasks were started.
    let timeline = match &r.group {
        Some(g) => history::timeline(b, g, r.desired),
        None => Timeline::plain(b, r.desired),
    };
    let task_definition = b
        .world
        .arn("ecs", &format!("task-definition/{name}:{revision}"));
    b.world.task_definitions.insert(
        task_definition.clone(),
        TaskDefinition {
            family: name.clone(),
            revision,
            arn: task_definition.clone(),
            containers: vec![Container {
                name: container_name.clone(),
                image,
                port: Some(container_port),
                essential: true,
                environment: pairs(&spec.environment),
                secrets: pairs(&spec.secrets),
                command: spec.command.clone(),
                ..Container::default()
            }],
            cpu: spec.cpu.unwrap_or(256),
            memory: spec.memory.unwrap_or(512),
            registered_at: timeline.created - b.world.rng.between(5, 90) * MINUTE,
        },
    );

    let mut target_group_arns = Vec::new();
    for tg_name in &r.target_group_names {
        target_group_arns.push(add_target_group(
            b,
            spec,
            tg_name,
            container_port,
            created_at,
        ));
    }
    let service_arn = b.world.arn("ecs", &format!("service/{}/{name}", r.cluster));
    if !spec.tags.is_empty() {
        b.world
            .tags
            .insert(service_arn.clone(), tag_list(&spec.tags));
    }
    let mut service = Service {
        cluster: r.cluster.clone(),
        name: name.clone(),
        arn: service_arn,
        controller: r.controller,
        desired: r.desired,
        created_at,
        launch_type: "FARGATE",
        container_name,
        container_port,
        load_balancer_target_group: target_group_arns.first().cloned(),
        task_sets: Vec::new(),
        tasks: Vec::new(),
        events: Vec::new(),
        subnets: b.subnets.to_vec(),
        security_group: format!("sg-{}", b.world.rng.hex(17)),
        steady: true,
        blue_green: None,
        revision: None,
        current_deployment: None,
        fail_next_hook: None,
    };
    let set_id = add_primary_task_set(b, &mut service, &task_definition, &timeline);
    add_tasks(b, &mut service, &set_id, &task_definition, &timeline);
    write_history(b, &mut service, &set_id, &timeline);
    b.world
        .services
        .insert((r.cluster.clone(), name.clone()), service);
    Ok(Placed {
        task_definition,
        task_set: set_id,
        target_group_arns,
        timeline,
    })
}

/// Adds the task set that runs now, taking all of the service's traffic, and returns its id.
fn add_primary_task_set(
    b: &mut Builder,
    service: &mut Service,
    task_definition: &str,
    timeline: &Timeline,
) -> String {
    let set_id = b.world.task_set_id();
    let install_at = timeline.install_start;
    service.task_sets.push(TaskSet {
        id: set_id.clone(),
        arn: b.world.arn(
            "ecs",
            &format!("task-set/{}/{}/{set_id}", service.cluster, service.name),
        ),
        status: TaskSetStatus::Primary,
        task_definition: task_definition.to_owned(),
        target_group_arn: service.load_balancer_target_group.clone(),
        scale: 100.0,
        traffic_weight: if service.load_balancer_target_group.is_none() {
            0.0
        } else {
            100.0
        },
        created_at: install_at,
        updated_at: timeline.shifted,
        started_by: if service.controller == Controller::CodeDeploy {
            "CodeDeploy".to_owned()
        } else {
            String::new()
        },
        external_id: None,
        stability_at: timeline.install_end,
    });
    set_id
}

/// Claims the service's route on its load balancer's listeners: production on the first
/// target group, the test route (CODE_DEPLOY only) on blue or green.
fn claim_route(
    b: &mut Builder,
    spec: &ServiceSection,
    index: usize,
    (controller, blue_green): (Controller, bool),
    target_group_arns: &[String],
) -> BuildResult<()> {
    let route = spec
        .route
        .clone()
        .unwrap_or_else(|| Spanned::new(spec.name.span(), "default".to_owned()));
    check_route(&route)?;
    let production = target_group_arns.first().cloned().unwrap_or_default();
    let test = match (controller, spec.test_route.unwrap_or_default()) {
        // An ECS-native service's test rule forwards to the primary, as its production
        // rule does, until a deployment moves it.
        (Controller::Ecs, _) if blue_green => Some(production.clone()),
        (Controller::Ecs, _) => None,
        (Controller::CodeDeploy, TestRoute::Blue) => Some(production.clone()),
        (Controller::CodeDeploy, TestRoute::Green) => target_group_arns.get(1).cloned(),
    };
    b.load_balancers[index].claims.push(Claim {
        service: spec.name.get_ref().clone(),
        route,
        priority: spec.priority.clone(),
        production,
        test,
        stream: if blue_green {
            Stream::Native
        } else {
            Stream::Main
        },
    });
    Ok(())
}

/// Adds the deployment group with the Succeeded deployment that put the task set in place,
/// and marks the task set as that deployment's.
fn record_last_deployment(
    b: &mut Builder,
    spec: &ServiceSection,
    index: usize,
    g: &history::GroupSpec,
    r: &Resolved,
    placed: &Placed,
) {
    let lb = &b.load_balancers[index];
    let listeners = (
        lb.production.0.clone(),
        lb.test.as_ref().map(|(arn, _)| arn.clone()),
    );
    let facts = history::ServiceFacts {
        cluster: spec.cluster.get_ref(),
        name: &r.name,
        task_definition: &placed.task_definition,
        task_set: &placed.task_set,
        target_groups: &r.target_group_names,
        target_group_arns: &placed.target_group_arns,
        listeners,
    };
    let id = history::add_group(b, g, &facts, &placed.timeline);
    if let Some(set) = b
        .world
        .service_mut(spec.cluster.get_ref(), &r.name)
        .and_then(|s| s.task_set_mut(&placed.task_set))
    {
        set.external_id = Some(id);
    }
}

/// Fields that only mean something behind a load balancer.
fn check_without_load_balancer(spec: &ServiceSection, has_lb: bool) -> BuildResult<()> {
    if has_lb {
        return Ok(());
    }
    let needs = "needs the service behind a load_balancer";
    if let Some(route) = &spec.route {
        return Err(Fault::at(route, "service.route", needs));
    }
    if let Some(priority) = &spec.priority {
        return Err(Fault::at(priority, "service.priority", needs));
    }
    if let Some(tgs) = &spec.target_groups {
        return Err(Fault::at(tgs, "service.target_groups", needs));
    }
    Ok(())
}

fn check_route(route: &Spanned<String>) -> BuildResult<()> {
    let text = route.get_ref();
    let valid = text == "default"
        || (text.starts_with('/') && text.len() <= 128 && !text.chars().any(char::is_whitespace));
    if valid {
        Ok(())
    } else {
        Err(Fault::at(
            route,
            "service.route",
            format!(
                "expected \"default\" or a path pattern such as \"/admin/*\", found \"{text}\""
            ),
        ))
    }
}

/// The pair for a CODE_DEPLOY or ECS-native blue/green service (`[blue, green]`), one group
/// for a rolling ECS-controller one.
fn target_group_names(
    b: &mut Builder,
    spec: &ServiceSection,
    controller: Controller,
    blue_green: bool,
) -> BuildResult<Vec<String>> {
    let name = spec.name.get_ref();
    let wanted = if controller == Controller::CodeDeploy || blue_green {
        2
    } else {
        1
    };
    let given: Vec<Spanned<String>> = match &spec.target_groups {
        Some(list) if list.get_ref().len() != wanted => {
            let what = if wanted == 2 {
                "two target groups: [blue (serving now), green]"
            } else {
                "one target group"
            };
            return Err(Fault::at(
                list,
                "service.target_groups",
                format!("a {} service takes {what}", controller.as_str()),
            ));
        }
        Some(list) => list.get_ref().clone(),
        None => {
            // Keep derived names within the 32 characters ELBv2 allows.
            let suffixes: &[&str] = if wanted == 2 {
                &["-tg-1", "-tg-2"]
            } else {
                &["-tg"]
            };
            suffixes
                .iter()
                .map(|suffix| {
                    let stem: String = name.chars().take(32 - suffix.len()).collect();
                    Spanned::new(
                        spec.name.span(),
                        format!(
                            "{}{suffix}",
                            stem.trim_end_matches(['-', '_']).replace('_', "-")
                        ),
                    )
                })
                .collect()
        }
    };
    let mut names = Vec::new();
    for tg in &given {
        check_name(tg, "service.target_groups", NameRule::Elb)?;
        if names.contains(tg.get_ref()) {
            return Err(Fault::at(
                tg,
                "service.target_groups",
                format!("target group \"{}\" is named twice", tg.get_ref()),
            ));
        }
        if !b.target_group_names.insert(tg.get_ref().clone()) {
            return Err(Fault::at(
                tg,
                "service.target_groups",
                format!(
                    "target group \"{}\" already belongs to another service",
                    tg.get_ref()
                ),
            ));
        }
        names.push(tg.get_ref().clone());
    }
    Ok(names)
}

fn add_target_group(
    b: &mut Builder,
    spec: &ServiceSection,
    name: &str,
    port: u16,
    created_at: Millis,
) -> String {
    let hex = b.world.rng.hex(16);
    let arn = b
        .world
        .arn("elasticloadbalancing", &format!("targetgroup/{name}/{hex}"));
    let mut tags = vec![("service".to_owned(), spec.name.get_ref().clone())];
    tags.extend(
        spec.tags
            .iter()
            .filter(|(k, _)| *k != "service")
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    tags.sort();
    b.world.tags.insert(arn.clone(), tags);
    b.world.target_groups.insert(
        arn.clone(),
        TargetGroup {
            name: name.to_owned(),
            arn: arn.clone(),
            port,
            protocol: "HTTP".to_owned(),
            vpc_id: b.vpc_id.clone(),
            health_check_path: spec
                .health_check_path
                .clone()
                .unwrap_or_else(|| "/health".to_owned()),
            created_at,
            failing: None,
        },
    );
    arn
}

fn add_tasks(
    b: &mut Builder,
    service: &mut Service,
    set_id: &str,
    task_definition: &str,
    timeline: &Timeline,
) {
    let zones = b.world.zones();
    let registered = service.load_balancer_target_group.is_some();
    for (index, (created_at, started_at)) in timeline.tasks.iter().copied().enumerate() {
        let id = b.world.rng.hex(32);
        service.tasks.push(Task {
            arn: b
                .world
                .arn("ecs", &format!("task/{}/{id}", service.cluster)),
            id,
            task_set_id: set_id.to_owned(),
            task_definition: task_definition.to_owned(),
            status: TaskStatus::Running,
            desired_status: TaskStatus::Running,
            ip: b.world.private_ip(),
            availability_zone: zones[index % 2].clone(),
            created_at,
            next_at: started_at,
            started_at: Some(started_at),
            stopping_at: None,
            stopped_at: None,
            stopped_reason: None,
            stop_code: None,
            health: if registered {
                Health::Healthy
            } else {
                Health::Initial
            },
            health_at: started_at + b.world.timings.health_check * 1000,
            registered,
        });
    }
}

/// The events ECS would have written since the last release: tasks started, targets
/// registered, a steady state, and the steady state ECS repeats about every six hours.
fn write_history(b: &mut Builder, service: &mut Service, set_id: &str, timeline: &Timeline) {
    let name = service.name.clone();
    let mut events: Vec<(Millis, String)> = Vec::new();
    if !service.tasks.is_empty() {
        let list: Vec<String> = service
            .tasks
            .iter()
            .map(|t| format!("(task {})", t.id))
            .collect();
        events.push((
            timeline.install_start + 1_000,
            format!(
                "(service {name}) has started {} tasks: {}.",
                list.len(),
                list.join(" ")
            ),
        ));
    }
    if let Some(tg) = &service.load_balancer_target_group {
        for task in &service.tasks {
            let at = task.started_at.unwrap_or(timeline.install_start);
            events.push((
                at,
                format!("(service {name}) registered 1 targets in (target-group {tg})"),
            ));
        }
    }
    if service.controller == Controller::Ecs {
        events.push((
            timeline.completed,
            format!("(service {name}) (deployment {set_id}) deployment completed."),
        ));
    }
    let steady = format!("(service {name}) has reached a steady state.");
    let mut at = timeline.completed + 1_000;
    while at < b.start {
        events.push((at, steady.clone()));
        at += 6 * HOUR + b.world.rng.between(0, 300) * 1000;
    }
    events.sort_by_key(|(at, _)| *at);
    for (at, message) in events {
        let id = b.world.event_id();
        service.push_event(id, at, message);
    }
}

/// A world file's table as the name/value list a container definition holds.
fn pairs(table: &BTreeMap<String, String>) -> Vec<(String, String)> {
    table
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

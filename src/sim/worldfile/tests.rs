use super::*;
use crate::sim::world::codedeploy::{DeploymentStatus, LifecycleEventName, ReadyAction, Routing};
use crate::sim::world::ecs::{Controller, Health, TaskSetStatus, TaskStatus};
use crate::sim::world::pipeline::{Category, ExecutionMode};

pub(super) const START: Millis = 1_767_261_600_000; // 2026-01-01T10:00:00Z

pub(super) const BASE: &str = r#"[world]
name = "t"
account_id = "111122223333"
region = "eu-west-1"

[[cluster]]
name = "c"

[[load_balancer]]
name = "lb"
test_port = 8080
"#;

fn world(extra: &str) -> World {
    parse("t.toml", &format!("{BASE}{extra}"), START, 7).expect("valid world")
}

fn refused(extra: &str) -> WorldFileError {
    parse("t.toml", &format!("{BASE}{extra}"), START, 7).expect_err("the file should be refused")
}

/// The 1-based line of the first line of `extra` containing `needle`.
fn line_of_extra(extra: &str, needle: &str) -> usize {
    let base_lines = BASE.lines().count();
    let index = extra
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle in extra");
    base_lines + index + 1
}

fn listener_on(world: &World, lb: &str, port: u16) -> String {
    let lb = world
        .load_balancers
        .values()
        .find(|l| l.name == lb)
        .expect("load balancer");
    lb.listeners
        .iter()
        .find(|arn| world.listeners[*arn].port == port)
        .cloned()
        .expect("listener on port")
}

/// `(priority, path or "", target group name or the non-forward action)` per rule, in order.
fn rules_of(world: &World, listener: &str) -> Vec<(String, String, String)> {
    world.listeners[listener]
        .rules
        .iter()
        .map(|arn| {
            let rule = &world.rules[arn];
            let path = rule
                .conditions
                .first()
                .map(|c| c.values.join(","))
                .unwrap_or_default();
            let action = &rule.actions[0];
            let target = match action.forward.as_slice() {
                [only] => world.target_groups[&only.target_group_arn].name.clone(),
                _ => action.kind.clone(),
            };
            (rule.priority.clone(), path, target)
        })
        .collect()
}

#[test]
fn default_world_holds_the_tutorial_and_the_release() {
    let world = default_world(START, 1);
    assert_eq!(world.clusters.len(), 4);
    assert_eq!(world.services.len(), 37);
    assert_eq!(world.load_balancers.len(), 4);
    assert_eq!(world.deployment_groups.len(), 30);
    assert_eq!(world.deployments.len(), 30);
    assert_eq!(world.pipelines.len(), 28);
    let modes: Vec<(&str, ExecutionMode)> = world
        .pipelines
        .values()
        .filter(|p| p.mode != ExecutionMode::Superseded)
        .map(|p| (p.name.as_str(), p.mode))
        .collect();
    assert_eq!(
        modes,
        vec![
            ("receipts-release", ExecutionMode::Queued),
            ("reviews-release", ExecutionMode::Parallel)
        ]
    );
    assert_eq!(world.deployment_configs.len(), 7);
    let ecs = world
        .services
        .values()
        .filter(|s| s.controller == Controller::Ecs)
        .count();
    assert_eq!(ecs, 7);
    assert!(world.autopilot.enabled);
    assert_eq!(world.autopilot.warmup_minutes, 360);
    assert_eq!(world.autopilot.service_deploy_every, (8, 20));
    assert_default_world_has_native_services(&world);

    let production = listener_on(&world, "microservicesLB", 80);
    let test = listener_on(&world, "microservicesLB", 8080);
    let p = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        rules_of(&world, &production),
        vec![
            p("1", "/admin/*", "employee-tg-two"),
            p("default", "", "customer-tg-two")
        ]
    );
    assert_eq!(
        rules_of(&world, &test),
        vec![
            p("1", "/admin/*", "employee-tg-one"),
            p("default", "", "customer-tg-one")
        ]
    );
    let group = &world.deployment_groups[&(
        "microservices".to_owned(),
        "microservices-customer".to_owned(),
    )];
    assert_eq!(
        group.target_groups,
        ["customer-tg-two".to_owned(), "customer-tg-one".to_owned()]
    );
    assert_eq!(group.prod_listener, production);
    assert_eq!(group.test_listener.as_deref(), Some(test.as_str()));

    let stages = |name: &str| -> Vec<String> {
        world.pipelines[name]
            .stages
            .iter()
            .map(|s| s.name.clone())
            .collect()
    };
    assert_eq!(stages("update-customer-microservice"), ["Source", "Deploy"]);
    assert_eq!(
        stages("ledger-release"),
        ["Source", "Build", "Approval", "Production"]
    );
    assert_eq!(
        stages("storefront-promotion"),
        ["Source", "Build", "Dev", "Test", "Approval", "Prod"]
    );
    let integration = &world.pipelines["storefront-promotion"].stages[3].actions[0];
    assert_eq!(
        (integration.category, integration.seconds),
        (Category::Test, 240)
    );
}

/// One ECS-native service per strategy, a PAUSE hook before production traffic and a Lambda
/// hook, each with its blue/green pair and the rules its route claimed.
fn assert_default_world_has_native_services(world: &World) {
    use crate::sim::world::native::{HookAction, HookStage, HookTarget};
    let native: Vec<(&str, &str, usize)> = world
        .services
        .values()
        .filter_map(|s| {
            let c = s.blue_green.as_ref()?;
            Some((s.name.as_str(), c.strategy.as_str(), c.hooks.len()))
        })
        .collect();
    assert_eq!(
        native,
        [
            ("payment-methods", "BLUE_GREEN", 1),
            ("gift-cards", "BLUE_GREEN", 1),
            ("loyalty", "CANARY", 0),
            ("wishlist", "LINEAR", 0),
        ]
    );
    let config = |cluster: &str, name: &str| {
        world
            .service(cluster, name)
            .and_then(|s| s.blue_green.clone())
            .expect("blue/green")
    };
    let pause = &config("payments-prod", "payment-methods").hooks[0];
    assert_eq!(pause.target, HookTarget::Pause);
    assert_eq!(pause.stages, [HookStage::PreProductionTrafficShift]);
    assert_eq!(
        (pause.timeout_minutes, pause.timeout_action),
        (30, HookAction::Continue)
    );
    let lambda = &config("web-prod", "gift-cards").hooks[0];
    assert!(
        matches!(&lambda.target, HookTarget::Lambda(arn) if arn.ends_with(":function:web-native-smoke-test"))
    );
    for (cluster, name) in [
        ("payments-prod", "payment-methods"),
        ("web-prod", "gift-cards"),
        ("web-prod", "loyalty"),
        ("web-prod", "wishlist"),
    ] {
        let advanced = config(cluster, name).advanced;
        let green = &world.target_groups[&advanced.alternate_target_group];
        assert_eq!(green.name, format!("{name}-green"), "{name}");
        let production = &world.rules[&advanced.production_rule];
        assert_eq!(
            production.conditions[0].values,
            [format!("/{name}/*")],
            "{name}"
        );
        assert!(advanced.test_rule.is_some(), "{name}");
        assert!(
            world
                .service(cluster, name)
                .is_some_and(|s| s.revision.is_some())
        );
    }
}

#[test]
fn every_deploy_action_targets_its_own_existing_group() {
    let world = default_world(START, 1);
    let mut seen = std::collections::BTreeSet::new();
    for pipeline in world.pipelines.values() {
        for action in pipeline.stages.iter().flat_map(|s| &s.actions) {
            if let Some((app, group)) = action.deploy_target() {
                let key = (app.to_owned(), group.to_owned());
                assert!(
                    world.deployment_groups.contains_key(&key),
                    "{} deploys to missing {key:?}",
                    pipeline.name
                );
                assert!(
                    seen.insert(key.clone()),
                    "two deploy actions target {key:?}"
                );
                assert_eq!(
                    action.input_artifacts,
                    [action.configuration["TaskDefinitionTemplateArtifact"].clone()]
                );
            }
        }
    }
    assert_eq!(seen.len(), 29);
}

#[test]
fn services_start_steady_with_a_succeeded_release_behind_them() {
    let world = default_world(START, 3);
    for service in world.services.values() {
        assert!(service.steady);
        assert_eq!(service.running(), service.desired, "{}", service.name);
        let set = service.primary().expect("primary task set");
        assert_eq!(set.status, TaskSetStatus::Primary);
        assert!((set.traffic_weight - 100.0).abs() < f64::EPSILON);
        for task in &service.tasks {
            assert_eq!(task.status, TaskStatus::Running);
            assert_eq!(task.health, Health::Healthy);
            assert!(task.registered);
            assert!(
                task.started_at.is_some_and(|at| at <= START - 3_600_000),
                "{} started too late",
                task.id
            );
        }
        assert!(
            service
                .events
                .iter()
                .any(|e| e.message.ends_with("has reached a steady state."))
        );
    }
    for group in world.deployment_groups.values() {
        let id = group
            .last_successful
            .as_ref()
            .expect("last successful deployment");
        let d = &world.deployments[id];
        assert_eq!(d.status, DeploymentStatus::Succeeded);
        assert!(d.events.iter().all(|e| e.start <= e.end && e.end.is_some()));
        assert!(d.completed_at.is_some_and(|at| at <= START - 3_600_000));
        let service = world
            .service(&group.cluster, &group.service)
            .expect("service");
        assert_eq!(
            d.replacement_set.as_deref(),
            service.primary().map(|s| s.id.as_str())
        );
        assert_eq!(
            d.revision.task_definition,
            service.task_definition().unwrap_or_default()
        );
    }
    let created: Vec<Millis> = world
        .deployment_order
        .iter()
        .map(|id| world.deployments[id].created_at)
        .collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]));
    let gateway = &world.deployment_groups[&("payments".to_owned(), "payment-gateway".to_owned())];
    assert_eq!(gateway.ready_action, ReadyAction::Stop);
    let hooks = &world.deployments[gateway.last_successful.as_deref().unwrap_or_default()]
        .revision
        .hooks;
    assert_eq!(hooks[0].0, LifecycleEventName::AfterAllowTestTraffic);
    assert_eq!(
        world.deployment_configs["Canary20Percent10Minutes"].routing,
        Routing::Canary {
            percent: 20,
            minutes: 10
        }
    );
}

#[test]
fn loading_is_deterministic_for_a_seed() {
    let a = format!("{:?}", default_world(START, 42));
    let b = format!("{:?}", default_world(START, 42));
    let c = format!("{:?}", default_world(START, 43));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn a_pipeline_release_runs_end_to_end_on_the_loaded_world() {
    let mut world = default_world(START, 5);
    LoadOptions {
        autopilot: Some(false),
        warmup_minutes: None,
    }
    .apply(&mut world);
    let trigger = crate::sim::engine::pipeline::Trigger {
        kind: "StartPipelineExecution",
        detail: "test",
    };
    let id = crate::sim::engine::pipeline::start(
        &mut world,
        "update-customer-microservice",
        trigger,
        None,
    )
    .expect("execution starts");
    world.advance_to(START + 40 * 60_000);
    let execution = &world.executions[&id];
    assert_eq!(
        execution.status.as_str(),
        "Succeeded",
        "{:?}",
        execution.status_summary
    );
    let production = listener_on(&world, "microservicesLB", 80);
    let default_rule = rules_of(&world, &production).pop().expect("default rule");
    assert_eq!(default_rule.2, "customer-tg-one");
}

#[test]
fn default_world_is_consistent_and_stays_so_under_autopilot() {
    let mut world = default_world(START, 11);
    assert_eq!(world.check_invariants(), Vec::<String>::new());
    for step in 1..=12 {
        world.advance_to(START + step * 10 * 60_000);
        assert_eq!(
            world.check_invariants(),
            Vec::<String>::new(),
            "after {} minutes",
            step * 10
        );
    }
    assert!(
        !world.executions.is_empty(),
        "autopilot started no execution"
    );
}

#[test]
fn a_syntax_error_names_the_line() {
    let extra = "\n[[service]]\ncluster = \"c\"\nname = \"a\" \"b\"\n";
    let error = refused(extra);
    assert!(matches!(error, WorldFileError::Syntax { .. }), "{error}");
    assert_eq!(error.line(), Some(line_of_extra(extra, "name = \"a\"")));
    assert!(error.to_string().starts_with("t.toml: line "), "{error}");
}

#[test]
fn an_unknown_field_is_refused_at_its_line() {
    let extra = "\n[[service]]\ncluster = \"c\"\nname = \"a\"\ndesired = 1\ndesird = 2\n";
    let error = refused(extra);
    assert_eq!(error.field(), Some("service.desird"));
    assert_eq!(error.line(), Some(line_of_extra(extra, "desird")));
}

#[test]
fn a_value_of_the_wrong_type_says_what_was_expected() {
    let extra = "\n[[service]]\ncluster = \"c\"\nname = \"a\"\ndesired = \"two\"\n";
    let error = refused(extra);
    let line = line_of_extra(extra, "desired");
    assert_eq!(
        error.to_string(),
        format!(
            "t.toml: line {line}: field `service.desired`: expected a non-negative integer, found string \"two\""
        )
    );
}

#[test]
fn nested_fields_and_missing_fields_are_named_by_their_path() {
    let extra = "\n[[service]]\ncluster = \"c\"\nname = \"a\"\ndesired = 1\nload_balancer = \"lb\"\n[service.deployment]\napplication = \"app\"\nready = \"later\"\n";
    let error = refused(extra);
    assert_eq!(error.field(), Some("service.deployment.ready"));
    assert_eq!(error.line(), Some(line_of_extra(extra, "ready =")));

    let extra = "\n[[service]]\ncluster = \"c\"\ndesired = 1\n";
    let error = refused(extra);
    assert_eq!(error.field(), Some("service.name"));
    assert_eq!(error.line(), Some(line_of_extra(extra, "[[service]]")));

    let extra = "\n[[pipeline]]\nname = \"p\"\nstages = [\n  { name = \"S\", actions = [\n    { name = \"A\", provider = \"Jenkins\" }] },\n]\n";
    let error = refused(extra);
    assert_eq!(error.field(), Some("pipeline.stages.actions.provider"));
    assert_eq!(error.line(), Some(line_of_extra(extra, "Jenkins")));
}

#[test]
fn an_execution_mode_is_one_aws_knows_spelled_as_aws_spells_it() {
    let extra = "\n[[pipeline]]\nname = \"p\"\ntemplate = \"gated\"\ndeploy = \"app/a\"\nexecution_mode = \"parallel\"\n";
    let error = refused(extra);
    assert_eq!(error.field(), Some("pipeline.execution_mode"));
    assert_eq!(error.line(), Some(line_of_extra(extra, "execution_mode")));
    assert!(error.to_string().contains("PARALLEL"), "{error}");
}

#[test]
fn unknown_references_are_refused_at_the_referring_field() {
    let extra =
        "\n[[service]]\ncluster = \"c\"\nname = \"a\"\ndesired = 1\nload_balancer = \"nope\"\n";
    let error = refused(extra);
    assert_eq!(error.field(), Some("service.load_balancer"));
    assert_eq!(error.line(), Some(line_of_extra(extra, "nope")));
    assert!(
        error
            .to_string()
            .contains("no [[load_balancer]] is named \"nope\""),
        "{error}"
    );

    let extra = "\n[[service]]\ncluster = \"elsewhere\"\nname = \"a\"\ndesired = 1\n";
    assert_eq!(refused(extra).field(), Some("service.cluster"));

    let extra = "\n[[service]]\ncluster = \"c\"\nname = \"a\"\ndesired = 1\nload_balancer = \"lb\"\n[service.deployment]\napplication = \"app\"\nconfig = \"Fast\"\n";
    let error = refused(extra);
    assert_eq!(error.field(), Some("service.deployment.config"));
    assert_eq!(error.line(), Some(line_of_extra(extra, "Fast")));

    let extra = "\n[[pipeline]]\nname = \"p\"\ntemplate = \"gated\"\ndeploy = \"app/missing\"\n";
    let error = refused(extra);
    assert_eq!(error.field(), Some("pipeline.deploy"));
    assert_eq!(error.line(), Some(line_of_extra(extra, "app/missing")));
}

#[test]
fn conflicting_declarations_are_refused() {
    let two = |a: &str, b: &str| {
        format!(
            "\n[[service]]\ncluster = \"c\"\nname = \"one\"\ndesired = 1\nload_balancer = \"lb\"\n{a}\n\n[[service]]\ncluster = \"c\"\nname = \"two\"\ndesired = 1\nload_balancer = \"lb\"\n{b}\n"
        )
    };
    let extra = two("route = \"default\"", "route = \"default\"");
    let error = refused(&extra);
    assert_eq!(error.field(), Some("service.route"));
    let last = extra
        .lines()
        .collect::<Vec<_>>()
        .iter()
        .rposition(|l| l.contains("default"))
        .unwrap_or(0);
    assert_eq!(error.line(), Some(BASE.lines().count() + last + 1));

    let extra = "\n[[service]]\ncluster = \"c\"\nname = \"a\"\ndesired = 1\nload_balancer = \"lb\"\ntarget_groups = [\"a-tg\", \"a-tg\"]\n";
    let error = refused(extra);
    assert_eq!(error.field(), Some("service.target_groups"));
    assert!(error.to_string().contains("named twice"), "{error}");

    let extra = "\n[[cluster]]\nname = \"c\"\n";
    assert_eq!(refused(extra).field(), Some("cluster.name"));

    let extra = "\n[[service]]\ncluster = \"c\"\nname = \"a\"\ndesired = 1001\n";
    assert_eq!(refused(extra).field(), Some("service.desired"));

    let extra = "\n[[service]]\ncluster = \"c\"\nname = \"a\"\ndesired = 1\n[service.deployment]\napplication = \"app\"\n";
    assert!(
        refused(extra)
            .to_string()
            .contains("needs the service behind a load_balancer")
    );

    let extra = "\n[[service]]\ncluster = \"c\"\nname = \"a\"\ndesired = 1\nload_balancer = \"lb\"\n[service.deployment]\napplication = \"app\"\nhooks = { Install = \"fn\" }\n";
    assert_eq!(refused(extra).field(), Some("service.deployment.hooks"));

    let extra = "\n[[pipeline]]\nname = \"p\"\nstages = [{ name = \"Source\", actions = [] }]\n";
    assert_eq!(refused(extra).field(), Some("pipeline.stages"));
}

#[test]
fn derived_names_and_defaults_fill_in_a_short_service() {
    let w = world(
        "\n[[service]]\ncluster = \"c\"\nname = \"a-service-with-a-rather-long-name\"\ndesired = 2\nload_balancer = \"lb\"\n[service.deployment]\napplication = \"app\"\n",
    );
    let names: Vec<&str> = w.target_groups.values().map(|t| t.name.as_str()).collect();
    assert!(names.iter().all(|n| n.len() <= 32), "{names:?}");
    let group = &w.deployment_groups[&(
        "app".to_owned(),
        "a-service-with-a-rather-long-name".to_owned(),
    )];
    assert_eq!(group.config, "CodeDeployDefault.ECSAllAtOnce");
    assert_eq!(
        (group.termination_wait_minutes, group.ready_action),
        (5, ReadyAction::Continue)
    );
    assert!(w.tags.values().any(|tags| tags.contains(&(
        "service".to_owned(),
        "a-service-with-a-rather-long-name".to_owned()
    ))));
    assert!(!w.autopilot.enabled);
}

#[test]
fn stage_tables_and_services_without_a_load_balancer_build() {
    let extra = r#"
[[service]]
cluster = "c"
name = "worker"
desired = 3
controller = "ECS"

[[service]]
cluster = "c"
name = "api"
desired = 2
load_balancer = "lb"
route = "/api/*"
priority = 10
test_route = "green"
[service.deployment]
application = "app"
ready = "stop"

[[pipeline]]
name = "api-pipeline"
repository = "acme/api"

[[pipeline.stages]]
name = "Source"
[[pipeline.stages.actions]]
name = "Checkout"
provider = "GitHub"

[[pipeline.stages]]
name = "Ship"
[[pipeline.stages.actions]]
name = "Notify"
provider = "Lambda"
run_order = 2
[[pipeline.stages.actions]]
name = "Ship"
provider = "CodeDeployToECS"
deploy = "app/api"
"#;
    let w = world(extra);
    let worker = w.service("c", "worker").expect("worker");
    assert_eq!(worker.running(), 3);
    assert!(worker.tasks.iter().all(|t| !t.registered));
    assert_eq!(worker.primary().map(|s| s.traffic_weight), Some(0.0));

    let production = listener_on(&w, "lb", 80);
    let test = listener_on(&w, "lb", 8080);
    let p = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        rules_of(&w, &production),
        vec![
            p("10", "/api/*", "api-tg-1"),
            p("default", "", "fixed-response")
        ]
    );
    assert_eq!(
        rules_of(&w, &test),
        vec![
            p("10", "/api/*", "api-tg-2"),
            p("default", "", "fixed-response")
        ]
    );

    let pipeline = &w.pipelines["api-pipeline"];
    let ship = &pipeline.stages[1].actions;
    assert_eq!((ship[0].category, ship[0].run_order), (Category::Invoke, 2));
    assert_eq!(ship[1].deploy_target(), Some(("app", "api")));
    assert_eq!(ship[1].input_artifacts, ["CheckoutArtifact".to_owned()]);
    let group = &w.deployment_groups[&("app".to_owned(), "api".to_owned())];
    assert_eq!(
        (group.ready_action, group.ready_wait_minutes),
        (ReadyAction::Stop, 60)
    );
}

#[test]
fn other_teams_deployments_are_held_on_their_platform_and_conflicts_refused() {
    use crate::sim::world::codedeploy::ComputePlatform;
    let other = "\n[[other_deployment]]\napplication = \"billing-functions\"\ngroup = \"invoice\"\nplatform = \"Lambda\"\n";
    let w = world(other);
    assert_eq!(w.platform_of("billing-functions"), ComputePlatform::Lambda);
    let held: Vec<_> = w
        .deployments
        .values()
        .filter(|d| d.application == "billing-functions")
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].status, DeploymentStatus::InProgress);
    assert!(w.deployment_order.contains(&held[0].id));
    assert!(
        w.check_invariants().is_empty(),
        "{:?}",
        w.check_invariants()
    );

    let twice = format!("{other}{other}");
    let error = refused(&twice);
    assert_eq!(error.field(), Some("other_deployment.group"));
    assert!(
        error
            .to_string()
            .contains("already has a deployment in flight"),
        "{error}"
    );

    let on_ecs = "\n[[service]]\ncluster = \"c\"\nname = \"a\"\ndesired = 1\nload_balancer = \"lb\"\n[service.deployment]\napplication = \"app\"\n\n[[other_deployment]]\napplication = \"app\"\ngroup = \"fn\"\nplatform = \"Server\"\n";
    let error = refused(on_ecs);
    assert_eq!(error.field(), Some("other_deployment.application"));
    let last = on_ecs
        .lines()
        .collect::<Vec<_>>()
        .iter()
        .rposition(|l| l.contains("application = \"app\""))
        .unwrap_or(0);
    assert_eq!(error.line(), Some(BASE.lines().count() + last + 1));
}

//! The evidence beside a decision, against `tests/worlds/evidence.toml`: what changes between
//! the task definitions of a gate (test against production), a deployment in Ready (blue
//! against the replacement) and a pause hook (source against target revision), through the
//! library, `cutover evidence` and the plans of `approve`, `reroute` and `continue`. No value
//! of an environment variable or a secret ever appears in what is printed.

use aws_sdk_codedeploy::types::{AppSpecContent, RevisionLocation, RevisionLocationType};
use aws_sdk_ecs::types::{ContainerDefinition, KeyValuePair, PortMapping};
use cutover::aws::task_definitions::TaskDefinitionCache;
use cutover::aws::{Clients, ConnectOptions, connect};
use cutover::evidence::read;
use cutover::model::evidence::{ContainerDiff, Evidence, Point};

use super::*;

/// Every value the world and the tests give an environment variable or a secret: none may be
/// printed.
const VALUES: &[&str] = &[
    "postgres://",
    "test-db.internal",
    "prod-db.internal",
    "new-db.internal",
    "secret:web-test-api",
    "psp.example",
    "\"500\"",
];

fn block<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

async fn clients(lab: &Lab) -> Clients {
    connect(&ConnectOptions {
        endpoint_url: Some(lab.sim.endpoint()),
        region: Some("eu-west-1".to_owned()),
        max_attempts: Some(1),
        concurrency: 4,
        static_credentials: Some(("AKIDTEST".to_owned(), "secret".to_owned())),
        ..ConnectOptions::default()
    })
    .await
}

fn evidence_of(lab: &Lab, cache: &TaskDefinitionCache, target: &str) -> Evidence {
    let point = Point::parse(target).expect("a target");
    block(async { read(&clients(lab).await, cache, &point).await }).expect("evidence")
}

/// Registers the next revision of `family` (container named after it, port 80) through
/// RegisterTaskDefinition; its ARN.
fn register(lab: &Lab, family: &str, image: &str, env: &[(&str, &str)]) -> String {
    let container = ContainerDefinition::builder()
        .name(family)
        .image(image)
        .port_mappings(PortMapping::builder().container_port(80).build())
        .set_environment(Some(
            env.iter()
                .map(|(k, v)| KeyValuePair::builder().name(*k).value(*v).build())
                .collect(),
        ))
        .build();
    block(async {
        lab.sim
            .ecs()
            .register_task_definition()
            .family(family)
            .cpu("256")
            .memory("1024")
            .container_definitions(container)
            .send()
            .await
            .expect("registered")
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .expect("an ARN")
            .to_owned()
    })
}

/// The container's changes: fields by name, and env and secret names.
fn changed(e: &Evidence, container: &str) -> (Vec<(String, String, String)>, String, String) {
    let diff = e.diff.as_ref().expect("a diff");
    diff.containers
        .iter()
        .find_map(|c| match c {
            ContainerDiff::Changed {
                name,
                fields,
                environment,
                secrets,
            } if name == container => Some((
                fields
                    .iter()
                    .map(|f| {
                        (
                            f.field.to_owned(),
                            f.from.clone().unwrap_or_default(),
                            f.to.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
                format!("{:?}", environment),
                format!("{:?}", secrets),
            )),
            _ => None,
        })
        .expect("the container changed")
}

fn no_value_in(outputs: &[&str]) {
    for text in outputs {
        for value in VALUES {
            assert!(!text.contains(value), "{value} printed in:\n{text}");
        }
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_gate_compares_what_test_runs_with_production_and_shows_the_commit_and_health() {
    let lab = lab_of("evidence.toml");
    ok(&lab.run(&["start", "web-promotion", "--yes"]));
    let execution = lab
        .world(|w| w.pipelines["web-promotion"].executions.last().cloned())
        .expect("started");
    lab.until(3600, |w| {
        w.executions[&execution]
            .runs
            .iter()
            .any(|r| r.token.is_some())
    });
    let commit = lab.world(|w| w.executions[&execution].source.revision_id.clone());
    let tag: String = commit.chars().take(7).collect();

    let e = evidence_of(&lab, &TaskDefinitionCache::default(), "web-promotion");
    let running = e.running.as_ref().expect("production now");
    let next = e.next.as_ref().expect("what test runs");
    assert_eq!(
        running.service.as_ref().map(|s| s.service.as_str()),
        Some("web")
    );
    assert_eq!(
        next.service.as_ref().map(|s| s.service.as_str()),
        Some("web-test")
    );
    assert!(next.task_definition.contains(":task-definition/web-test:"));
    let (fields, env, secrets) = changed(&e, "web");
    assert_eq!(fields.len(), 1, "only the image differs: {fields:?}");
    assert!(fields[0].1.ends_with("/web:1.4.2") && fields[0].2.ends_with(&format!("/web:{tag}")));
    assert!(env.contains("added: [\"FEATURE_X\"]"), "{env}");
    assert!(env.contains("removed: [\"OLD_FLAG\"]"), "{env}");
    assert!(env.contains("changed: [\"DB_URL\"]"), "{env}");
    assert!(secrets.contains("added: [\"API_KEY\"]"), "{secrets}");
    assert_eq!(
        e.source.as_ref().map(|c| c.id.as_str()),
        Some(commit.as_str())
    );
    let health = e.health.as_ref().expect("the test service's health");
    assert_eq!(health.service.service, "web-test");
    assert_eq!((health.running, health.desired), (2, 2));
    assert_eq!(health.targets, Some((2, 2)));

    let text = ok(&lab.run(&["evidence", "web-promotion/Approval/ApproveProduction"]));
    assert!(
        text.contains(&format!("web  image  web:1.4.2 → web:{tag}")),
        "{text}"
    );
    assert!(
        text.contains("web  env  + FEATURE_X  − OLD_FLAG  ~ DB_URL"),
        "{text}"
    );
    assert!(text.contains("web  secrets  + API_KEY"), "{text}");
    assert!(
        text.contains("health    lab/web-test  2/2 running · 2/2 targets healthy"),
        "{text}"
    );
    let json = ok(&lab.run(&["evidence", "web-promotion", "--json"]));
    let document: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(document["point"]["kind"], "gate");
    assert_eq!(document["source"]["id"], commit.as_str());

    let approve = lab.run(&["approve", "web-promotion", "--comment", "ok", "--yes"]);
    ok(&approve);
    let plan = stderr(&approve);
    assert!(
        plan.contains("  web  env  + FEATURE_X  − OLD_FLAG  ~ DB_URL"),
        "{plan}"
    );
    no_value_in(&[&text, &json, &plan]);
}

#[test]
fn a_ready_deployment_compares_blue_with_the_replacement_reading_each_revision_once() {
    let lab = lab_of("evidence.toml");
    let replacement = register(
        &lab,
        "api",
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:2.0.0",
        &[
            ("DB_URL", "postgres://new-db.internal/api"),
            ("RETRIES", "3"),
        ],
    );
    let content = format!(
        "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"{replacement}\"\n        LoadBalancerInfo:\n          ContainerName: \"api\"\n          ContainerPort: 80\n"
    );
    let id = block(async {
        lab.sim
            .codedeploy()
            .create_deployment()
            .application_name("lab")
            .deployment_group_name("api")
            .revision(
                RevisionLocation::builder()
                    .revision_type(RevisionLocationType::AppSpecContent)
                    .app_spec_content(AppSpecContent::builder().content(content).build())
                    .build(),
            )
            .send()
            .await
            .expect("created")
            .deployment_id()
            .expect("an id")
            .to_owned()
    });
    lab.until(1800, |w| {
        w.deployments[&id].status == DeploymentStatus::Ready
    });

    let cache = TaskDefinitionCache::default();
    let before = lab.count("ecs:DescribeTaskDefinition");
    let e = evidence_of(&lab, &cache, &id);
    assert_eq!(
        e.running.as_ref().map(|s| s.label.as_str()),
        Some("original (blue)")
    );
    assert_eq!(
        e.next.as_ref().map(|s| s.task_definition.as_str()),
        Some(replacement.as_str())
    );
    let (fields, env, _) = changed(&e, "api");
    let image = fields.iter().find(|f| f.0 == "image").expect("the image");
    assert!(image.2.ends_with("/api:2.0.0"), "{image:?}");
    assert!(env.contains("added: [\"RETRIES\"]"), "{env}");
    assert!(env.contains("removed: [\"TIMEOUT_MS\"]"), "{env}");
    assert!(env.contains("changed: [\"DB_URL\"]"), "{env}");
    assert_eq!(
        e.diff.as_ref().map(|d| d.task.len()),
        Some(1),
        "memory 512 → 1024"
    );
    assert_eq!(lab.count("ecs:DescribeTaskDefinition") - before, 2);
    // Read again with the same cache (a clone of it, as the console shares it): no call.
    let again = evidence_of(&lab, &cache.clone(), &id);
    assert_eq!(again.diff, e.diff);
    assert_eq!(lab.count("ecs:DescribeTaskDefinition") - before, 2);

    let text = ok(&lab.run(&["evidence", &id]));
    assert!(
        text.contains("api  env  + RETRIES  − TIMEOUT_MS  ~ DB_URL"),
        "{text}"
    );
    assert!(text.contains("task  memory 512 → 1024"), "{text}");
    let json = ok(&lab.run(&["evidence", &id, "--json"]));
    let reroute = lab.run(&["reroute", &id, "--yes"]);
    ok(&reroute);
    let plan = stderr(&reroute);
    assert!(plan.contains("api  image"), "{plan}");
    no_value_in(&[&text, &json, &plan]);
}

#[test]
fn a_pause_hook_compares_the_source_revision_with_the_target() {
    let lab = lab_of("evidence.toml");
    let target = register(
        &lab,
        "pay",
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/pay:3.1.0",
        &[("PSP_URL", "https://psp.example/v2")],
    );
    let arn = lab
        .sim
        .handle
        .shared()
        .with_world(|w| cutover::sim::engine::native::start(w, "lab", "pay", &target))
        .expect("a service deployment");
    lab.until(1800, |w| {
        w.service_deployments[&arn].waiting_hook().is_some()
    });

    let e = evidence_of(&lab, &TaskDefinitionCache::default(), &arn);
    assert_eq!(
        e.running.as_ref().map(|s| s.label.as_str()),
        Some("source revision")
    );
    assert_eq!(
        e.next.as_ref().map(|s| s.task_definition.as_str()),
        Some(target.as_str())
    );
    let (fields, env, _) = changed(&e, "pay");
    assert!(
        fields
            .iter()
            .any(|f| f.0 == "image" && f.2.ends_with("/pay:3.1.0"))
    );
    assert!(env.contains("changed: [\"PSP_URL\"]"), "{env}");
    assert!(e.unavailable.is_empty(), "{:?}", e.unavailable);

    let text = ok(&lab.run(&["evidence", &arn]));
    assert!(text.contains("pay  env  ~ PSP_URL"), "{text}");
    let json = ok(&lab.run(&["evidence", &arn, "--json"]));
    let go_on = lab.run(&["continue", &arn, "--yes"]);
    ok(&go_on);
    let plan = stderr(&go_on);
    assert!(plan.contains("pay  image  pay:"), "{plan}");
    no_value_in(&[&text, &json, &plan]);
}

#[test]
fn evidence_of_nothing_that_matches_is_a_usage_error() {
    let lab = lab_of("evidence.toml");
    refused(
        &lab.run(&["evidence", "no-such-pipeline"]),
        2,
        "no pipeline named",
    );
    refused(
        &lab.run(&["evidence", "d-AAAAAAAAA"]),
        2,
        "d-AAAAAAAAA was not read",
    );
    refused(
        &lab.run(&["evidence", "web-promotion"]),
        2,
        "no approval waits in web-promotion",
    );
    refused(
        &lab.run(&["evidence", "web-promotion/Approval"]),
        2,
        "is not PIPELINE",
    );
    refused(
        &lab.run(&["evidence", "web-promotion", "--cluster", "lab"]),
        2,
        "does not take --cluster",
    );
    assert_eq!(lab.mutating(), 0);
}

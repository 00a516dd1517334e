//! ECS service deployments from the command line, against the simulator's ECS-native world
//! (`tests/worlds/native.toml`): a pause hook answered both ways, rollbacks by ARN and by
//! `CLUSTER/SERVICE`, with the confirmations, audit records and refusals of every action.

use cutover::sim::world::native::{HookStatus, Status};

use super::*;

/// Starts a deployment of the service's current task definition, as UpdateService with
/// `forceNewDeployment` does; its ARN.
fn deploy_native(lab: &Lab, service: &str) -> String {
    lab.sim
        .handle
        .shared()
        .with_world(|w| {
            let task_definition = w
                .service("lab", service)
                .and_then(|s| s.task_definition())
                .unwrap_or_default()
                .to_owned();
            cutover::sim::engine::native::start(w, "lab", service, &task_definition)
        })
        .expect("a service deployment started")
}

fn status(lab: &Lab, arn: &str) -> Status {
    lab.world(|w| w.service_deployments[arn].status)
}

/// Until the deployment's pause hook waits for a person.
fn until_paused(lab: &Lab, arn: &str) {
    lab.until(900, |w| {
        w.service_deployments[arn]
            .hooks
            .iter()
            .any(|h| h.status == HookStatus::AwaitingAction)
    });
}

#[test]
fn a_pause_hook_is_continued_with_a_yes_and_the_deployment_goes_on() {
    let lab = lab_of("native.toml");
    let arn = deploy_native(&lab, "pay");
    until_paused(&lab, &arn);
    // The service stands for its deployment in flight; a plain yes is enough to go on.
    let out = ok(&lab.run(&["continue", "lab/pay", "--yes"]));
    assert!(out.contains("answered, going on"), "{out}");
    lab.until(900, |w| {
        w.service_deployments[&arn].status == Status::Successful
    });
    let audit = lab.audit();
    let phases: Vec<(&str, &str)> = audit
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap_or(""),
                r["phase"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        phases,
        [("continue", "requested"), ("continue", "succeeded")]
    );
    assert_eq!(audit[1]["sent"]["deployment"], arn.as_str());
    // Nothing waits any more: a second answer is refused and sends nothing.
    let before = lab.count("ecs:ContinueServiceDeployment");
    refused(&lab.run(&["continue", &arn, "--yes"]), 1, "no hook waits");
    assert_eq!(lab.count("ecs:ContinueServiceDeployment"), before);
}

#[test]
fn a_pause_hook_answered_rollback_needs_the_service_typed_and_rolls_back() {
    let lab = lab_of("native.toml");
    let arn = deploy_native(&lab, "pay");
    until_paused(&lab, &arn);
    refused(
        &lab.run(&["continue", &arn, "--rollback", "--yes"]),
        4,
        "--confirm lab/pay",
    );
    assert_eq!(lab.count("ecs:ContinueServiceDeployment"), 0);
    ok(&lab.run(&["continue", &arn, "--rollback", "--confirm", "lab/pay"]));
    lab.until(900, |w| w.service_deployments[&arn].status.is_done());
    assert_eq!(status(&lab, &arn), Status::RollbackSuccessful);
}

#[test]
fn a_deployment_in_flight_rolls_back_by_arn_or_by_its_service() {
    let lab = lab_of("native.toml");
    let arn = deploy_native(&lab, "shop");
    lab.until(900, |w| {
        w.service_deployments[&arn].production_percent > 0.0
    });
    // Typed: the service's name, since an ARN is nobody's to type.
    refused(
        &lab.run(&["rollback", &arn, "--yes"]),
        4,
        "--confirm lab/shop",
    );
    let out = ok(&lab.run(&["rollback", &arn, "--confirm", "lab/shop"]));
    assert!(out.contains("rolling back"), "{out}");
    lab.until(900, |w| w.service_deployments[&arn].status.is_done());
    assert_eq!(status(&lab, &arn), Status::RollbackSuccessful);
    assert_eq!(lab.count("ecs:StopServiceDeployment"), 1);

    let second = deploy_native(&lab, "cart");
    lab.until(900, |w| {
        w.service_deployments[&second].status == Status::InProgress
    });
    ok(&lab.run(&["rollback", "lab/cart", "--confirm", "lab/cart"]));
    lab.until(900, |w| w.service_deployments[&second].status.is_done());
    assert_eq!(status(&lab, &second), Status::RollbackSuccessful);
    // Nothing in flight now: the service names nothing to roll back.
    refused(
        &lab.run(&["rollback", "lab/cart", "--confirm", "lab/cart"]),
        1,
        "no service deployment of lab/cart is in flight",
    );
    assert_eq!(lab.count("ecs:StopServiceDeployment"), 2);
}

#[test]
fn bad_ecs_targets_are_refused_before_anything_is_sent() {
    let lab = lab_of("native.toml");
    for (args, says) in [
        (
            vec![
                "rollback",
                "arn:aws:ecs:eu-west-1:1:service/lab/pay",
                "--yes",
            ],
            "not an ECS service deployment ARN",
        ),
        (
            vec!["continue", "d-ABCDEFGHI", "--yes"],
            "CodeDeploy deployment",
        ),
        (
            vec!["continue", "lab/pay", "--hook", " ", "--yes"],
            "--hook",
        ),
        (vec!["continue", "pay", "--yes"], "CLUSTER/SERVICE"),
    ] {
        refused(&lab.run(&args), 2, says);
    }
    // Outside the scope: refused before the deployment is read.
    refused(
        &lab.run(&[
            "rollback",
            "lab/pay",
            "--service",
            "shop",
            "--confirm",
            "lab/pay",
        ]),
        4,
        "outside the scope",
    );
    assert_eq!(lab.mutating(), 0);
}

#[test]
fn the_operator_policy_allows_every_call_the_ecs_actions_make() {
    let lab = lab_of("native.toml");
    let arn = deploy_native(&lab, "pay");
    until_paused(&lab, &arn);
    ok(&lab.run(&["continue", "lab/pay", "--yes"]));
    let second = deploy_native(&lab, "shop");
    lab.until(900, |w| {
        w.service_deployments[&second].status == Status::InProgress
    });
    ok(&lab.run(&["rollback", "lab/shop", "--confirm", "lab/shop"]));
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/iam/cutover-operator.json");
    let policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("policy")).expect("JSON");
    let allowed: Vec<String> = policy["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    let log = lab.sim.handle.shared().request_log();
    let counts = log.counts();
    let missing: Vec<&String> = counts
        .keys()
        .filter(|k| !k.starts_with("sts:") && !allowed.contains(k))
        .collect();
    assert!(missing.is_empty(), "the operator policy lacks {missing:?}");
    for call in ["ecs:ContinueServiceDeployment", "ecs:StopServiceDeployment"] {
        assert!(counts.contains_key(call), "{call} was made");
    }
}

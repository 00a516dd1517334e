//! `cutover status` as a script runs it: output, JSON schema, exit codes.

use std::process::{Command, Output};

use cutover::sim::SimOptions;

use crate::common::{Sim, options};

/// Where `cutover status` finds its config file here: budgets that let every call go at once.
const CONFIG_HOME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/status/config");

pub fn status(endpoint: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .arg("status")
        .args(["--endpoint-url", endpoint, "--region", "us-east-1"])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("XDG_CONFIG_HOME", CONFIG_HOME)
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run cutover status")
}

#[tokio::test]
async fn status_prints_attention_first_and_exits_zero() {
    let sim = Sim::start_with(SimOptions {
        speed: None,
        autopilot: Some(true),
        seed: 5,
        ..options()
    })
    .await;
    let endpoint = sim.endpoint();
    let out = tokio::task::spawn_blocking(move || status(&endpoint, &[]))
        .await
        .expect("ran");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("cutover status · account 123456789012"),
        "{text}"
    );
    let approvals = text.find("APPROVALS WAITING").expect("approvals section");
    let summary = text.find("SUMMARY").expect("summary");
    assert!(approvals < summary, "attention before the summary");
}

#[tokio::test]
async fn json_carries_the_schema_version_and_the_whole_model() {
    let sim = Sim::start_with(SimOptions {
        speed: None,
        autopilot: Some(true),
        seed: 5,
        ..options()
    })
    .await;
    let endpoint = sim.endpoint();
    let out = tokio::task::spawn_blocking(move || status(&endpoint, &["--json"]))
        .await
        .expect("ran");
    assert!(out.status.success());
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value["schema_version"], 2);
    for key in [
        "pipelines",
        "deployment_groups",
        "deployments",
        "services",
        "rules",
        "target_groups",
        "attention",
        "gaps",
    ] {
        assert!(value.get(key).is_some(), "{key} missing");
    }
    assert!(value["taken_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    // docs/status-json.md: `source` is `{profile?, region, endpoint?}`; the account is the
    // identity's.
    let source = value["source"].as_object().expect("a source object");
    assert!(source["region"].is_string(), "{source:?}");
    assert!(
        source
            .keys()
            .all(|k| ["profile", "region", "endpoint"].contains(&k.as_str())),
        "{source:?}"
    );
}

#[tokio::test]
async fn fail_on_exits_three_when_something_needs_attention() {
    let busy = Sim::start_with(SimOptions {
        speed: None,
        autopilot: Some(true),
        seed: 5,
        ..options()
    })
    .await;
    // A quiet world: nothing waits, nothing moves, nothing fails.
    let world = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worlds/lab.toml");
    let quiet = Sim::start_with(SimOptions {
        world: Some(world),
        speed: None,
        autopilot: Some(false),
        ..options()
    })
    .await;
    let (busy_endpoint, quiet_endpoint) = (busy.endpoint(), quiet.endpoint());
    let (approvals, calm, any) = tokio::task::spawn_blocking(move || {
        (
            status(&busy_endpoint, &["--fail-on", "approvals"]),
            status(
                &quiet_endpoint,
                &["--fail-on", "approvals,in-flight,failures,services,gaps"],
            ),
            status(&quiet_endpoint, &["--fail-on", "any"]),
        )
    })
    .await
    .expect("ran");
    assert_eq!(
        approvals.status.code(),
        Some(3),
        "approvals wait in the busy world"
    );
    assert_eq!(
        calm.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&calm.stdout)
    );
    assert_eq!(any.status.code(), Some(0));
}

#[tokio::test]
async fn an_unreachable_endpoint_exits_one_with_a_message() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = tokio::task::spawn_blocking(move || status(&endpoint, &[]))
        .await
        .expect("ran");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("cannot read the fleet") && text.contains("network"),
        "{text}"
    );
}

#[tokio::test]
async fn a_bad_flag_is_refused_with_a_message() {
    let out =
        tokio::task::spawn_blocking(|| status("http://127.0.0.1:1", &["--fail-on", "everything"]))
            .await
            .expect("ran");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'everything'"));
}

#[tokio::test]
async fn a_bad_budget_in_the_config_file_is_refused_before_any_call() {
    let sim = Sim::start().await;
    let endpoint = sim.endpoint();
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/status/config/bad-budget.toml"
    );
    let out = tokio::task::spawn_blocking(move || status(&endpoint, &["--config", config]))
        .await
        .expect("ran");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("bad-budget.toml: line 3: budget.elb.rate must be a positive number"),
        "{text}"
    );
    assert_eq!(
        sim.handle.shared().request_log().last_seq(),
        0,
        "nothing sent"
    );
}

/// `cutover status` with one service's endpoint dead: the SDK reads per-service endpoints from
/// `AWS_ENDPOINT_URL_<SERVICE_ID>` over `AWS_ENDPOINT_URL` (aws-apis.md 1.1), so ELBv2 alone
/// is unreachable. The snapshot is the rest, with a gap naming ELBv2, and exits as
/// docs/status-json.md says: 0, or 3 with `--fail-on gaps`.
#[tokio::test]
async fn one_unreachable_service_is_a_gap_and_the_rest_is_read() {
    let sim = Sim::start_with(SimOptions {
        speed: None,
        autopilot: Some(true),
        seed: 5,
        ..options()
    })
    .await;
    let endpoint = sim.endpoint();
    // A port that was free a moment ago: nothing listens there.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let run = move |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cutover"))
            .arg("status")
            .args(["--region", "us-east-1"])
            .args(args)
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env(
                "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
                format!("http://127.0.0.1:{dead}"),
            )
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("XDG_CONFIG_HOME", CONFIG_HOME)
            .env("AWS_MAX_ATTEMPTS", "1")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("run cutover status")
    };
    let (json, human, fail_on) = tokio::task::spawn_blocking(move || {
        (run(&["--json"]), run(&[]), run(&["--fail-on", "gaps"]))
    })
    .await
    .expect("ran");
    assert_eq!(
        json.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    for read in ["pipelines", "deployment_groups", "services"] {
        assert!(
            value[read].as_array().is_some_and(|l| !l.is_empty()),
            "{read} read"
        );
    }
    assert!(
        value["load_balancers"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    let gaps = value["gaps"].as_array().cloned().unwrap_or_default();
    assert!(!gaps.is_empty());
    assert!(
        gaps.iter()
            .all(|g| g["service"] == "elasticloadbalancing" && g["kind"] == "network"),
        "{gaps:?}"
    );
    let text = String::from_utf8_lossy(&human.stdout);
    assert_eq!(human.status.code(), Some(0));
    assert!(
        text.contains("NOT READ") && text.contains("elasticloadbalancing"),
        "{text}"
    );
    assert_eq!(fail_on.status.code(), Some(3));
}

//! The `/_sim/` control surface over plain HTTP: clock, request log, faults, scenario, reset.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::Sim;

async fn request(endpoint: &str, method: &str, path: &str, body: &str) -> String {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
}

pub async fn post(endpoint: &str, path: &str, body: &str) -> String {
    request(endpoint, "POST", path, body).await
}

pub async fn get(endpoint: &str, path: &str) -> String {
    request(endpoint, "GET", path, "").await
}

fn json_body(response: &str) -> serde_json::Value {
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {response}"))
}

#[tokio::test]
async fn the_clock_advances_on_request_and_the_log_counts_what_was_served() {
    let sim = Sim::start().await;
    let before = json_body(&get(&sim.endpoint(), "/_sim/clock").await);
    assert_eq!(before["manual"], true);
    let after =
        json_body(&post(&sim.endpoint(), "/_sim/clock/advance", r#"{"seconds": 90}"#).await);
    let moved = after["now"].as_f64().unwrap_or(0.0) - before["now"].as_f64().unwrap_or(0.0);
    assert!((moved - 90.0).abs() < 1.0, "moved {moved}");
    let refused = post(&sim.endpoint(), "/_sim/clock/advance", r#"{"seconds": -5}"#).await;
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");

    sim.ecs().list_clusters().send().await.expect("list");
    sim.ecs()
        .update_service()
        .cluster("microservices-serverlesscluster")
        .service("customer-microservice")
        .desired_count(3)
        .send()
        .await
        .expect("scale");
    let log = json_body(&get(&sim.endpoint(), "/_sim/requests").await);
    assert_eq!(log["counts"]["ecs:ListClusters"], 1);
    assert_eq!(log["counts"]["ecs:UpdateService"], 1);
    assert_eq!(log["mutating"], 1);
    let requests = log["requests"].as_array().expect("requests");
    assert_eq!(
        requests.last().and_then(|r| r["operation"].as_str()),
        Some("UpdateService")
    );
    let last = log["last"].as_u64().unwrap_or(0);
    sim.ecs().list_clusters().send().await.expect("list");
    let newer = json_body(&get(&sim.endpoint(), &format!("/_sim/requests?since={last}")).await);
    assert_eq!(newer["requests"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn scenario_events_and_reset_change_the_world() {
    let sim = Sim::start().await;
    let started = json_body(
        &post(
            &sim.endpoint(),
            "/_sim/scenario",
            r#"{"event":"start_execution","pipeline":"update-customer-microservice"}"#,
        )
        .await,
    );
    let id = started["pipelineExecutionId"]
        .as_str()
        .expect("execution id")
        .to_owned();
    let out = sim
        .codepipeline()
        .get_pipeline_execution()
        .pipeline_name("update-customer-microservice")
        .pipeline_execution_id(&id)
        .send()
        .await;
    assert!(out.is_ok(), "{out:?}");
    let unknown = post(
        &sim.endpoint(),
        "/_sim/scenario",
        r#"{"event":"start_execution","pipeline":"nope"}"#,
    )
    .await;
    assert!(unknown.starts_with("HTTP/1.1 400"), "{unknown}");
    let bad = post(&sim.endpoint(), "/_sim/scenario", r#"{"event":"explode"}"#).await;
    assert!(bad.starts_with("HTTP/1.1 400"));
    let reset = post(&sim.endpoint(), "/_sim/reset", "").await;
    assert!(reset.starts_with("HTTP/1.1 200"));
    let gone = sim
        .codepipeline()
        .get_pipeline_execution()
        .pipeline_name("update-customer-microservice")
        .pipeline_execution_id(&id)
        .send()
        .await;
    assert!(gone.is_err(), "reset forgets the execution");
    let state = json_body(&get(&sim.endpoint(), "/_sim/state").await);
    assert!(state["services"].as_u64().unwrap_or(0) >= 30);
    let invariants = json_body(&get(&sim.endpoint(), "/_sim/invariants").await);
    assert_eq!(invariants["violations"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn faults_are_set_and_read_back_and_bad_values_are_refused() {
    let sim = Sim::start().await;
    let set = json_body(
        &post(
            &sim.endpoint(),
            "/_sim/faults",
            r#"{"deny":["ecs:DescribeServices"]}"#,
        )
        .await,
    );
    assert_eq!(set["deny"][0], "ecs:DescribeServices");
    let refused = post(&sim.endpoint(), "/_sim/faults", r#"{"throttle_rate": 2}"#).await;
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
    let unknown = post(&sim.endpoint(), "/_sim/faults", r#"{"thrott": 0.5}"#).await;
    assert!(unknown.starts_with("HTTP/1.1 400"), "{unknown}");
    let current = json_body(&get(&sim.endpoint(), "/_sim/faults").await);
    assert_eq!(
        current["throttle_rate"], 0.0,
        "a refused change changes nothing"
    );
}

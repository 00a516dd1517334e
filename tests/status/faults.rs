//! Errors from injected faults, classified; one denied service leaves the rest intact.

use cutover::aws::ErrorKind;
use cutover::aws::snapshot::take;
use cutover::config::Scope;
use cutover::sim::SimOptions;
use cutover::sim::faults::Faults;

use crate::clients;
use crate::common::{Sim, options};

async fn faulty(faults: Faults) -> Sim {
    Sim::start_with(SimOptions {
        speed: None,
        autopilot: Some(false),
        faults,
        ..options()
    })
    .await
}

#[tokio::test]
async fn expired_credentials_stop_the_snapshot_with_the_fix() {
    let sim = faulty(Faults {
        expired_credentials: true,
        ..Faults::default()
    })
    .await;
    let error = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect_err("cannot read");
    assert_eq!(error.kind, ErrorKind::ExpiredCredentials);
    assert!(
        error.hint().is_some_and(|h| h.contains("aws sso login")),
        "{error}"
    );
}

#[tokio::test]
async fn a_dropped_network_stops_the_snapshot() {
    let sim = faulty(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let error = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect_err("cannot read");
    assert_eq!(error.kind, ErrorKind::Network, "{error}");
}

#[tokio::test]
async fn throttling_everywhere_is_reported_as_throttling() {
    let sim = faulty(Faults {
        throttle_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let error = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect_err("nothing read");
    assert_eq!(error.kind, ErrorKind::Throttled, "{error}");
}

#[tokio::test]
async fn a_denied_service_leaves_the_rest_of_the_snapshot_intact() {
    let sim = faulty(Faults {
        deny: vec!["ecs:*".into()],
        ..Faults::default()
    })
    .await;
    let s = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect("the rest is read");
    assert!(s.services.is_empty());
    assert!(
        !s.pipelines.is_empty() && !s.deployment_groups.is_empty() && !s.target_groups.is_empty()
    );
    let gap = s.gaps.iter().find(|g| g.service == "ecs").expect("ecs gap");
    assert_eq!(gap.kind, "access_denied");
    assert!(
        gap.hint
            .as_deref()
            .is_some_and(|h| h.contains("ecs:ListClusters")),
        "{gap:?}"
    );
}

#[tokio::test]
async fn one_denied_operation_marks_only_what_it_reads() {
    let sim = faulty(Faults {
        deny: vec!["elasticloadbalancing:DescribeTargetHealth".into()],
        ..Faults::default()
    })
    .await;
    let s = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect("snapshot");
    assert!(s.gaps.iter().all(|g| g.operation == "DescribeTargetHealth"));
    assert!(!s.gaps.is_empty());
    assert!(
        s.target_groups.iter().all(|t| t.targets.is_none()),
        "health unknown, not empty"
    );
    assert!(!s.rules.is_empty() && !s.services.is_empty());
    assert!(
        s.gaps[0]
            .target
            .as_deref()
            .is_some_and(|t| t.contains(":targetgroup/"))
    );
}

/// A read of the deployment groups that failed once (here refused; a throttle the retries did
/// not outlast does the same) leaves the deployments of those groups out of that snapshot,
/// with a gap. The next snapshot, the groups read again, has them all: those that ended are
/// not remembered as another platform's.
#[tokio::test]
async fn deployments_left_out_once_for_want_of_their_group_come_back_with_it() {
    let sim = Sim::busy().await;
    let ids = |s: &cutover::model::Snapshot| -> std::collections::BTreeSet<String> {
        s.deployments.iter().map(|d| d.id.clone()).collect()
    };
    let truth = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect("read");
    assert!(truth.deployments.iter().any(|d| d.status.is_terminal()));

    let c = clients(&sim.endpoint()).await;
    sim.handle.shared().set_faults(Faults {
        deny: vec!["codedeploy:BatchGetDeploymentGroups".into()],
        ..Faults::default()
    });
    let without_groups = take(&c, &Scope::default()).await.expect("the rest is read");
    assert!(without_groups.deployments.is_empty());
    assert!(
        without_groups
            .gaps
            .iter()
            .any(|g| g.operation == "BatchGetDeploymentGroups")
    );
    sim.handle.shared().set_faults(Faults::default());
    let again = take(&c, &Scope::default()).await.expect("read");
    assert_eq!(ids(&again), ids(&truth));
}

/// An endpoint that accepts connections and never answers: each attempt is cut at the
/// attempt timeout and the call as a whole at the call timeout, with the SDK's retries
/// (`TimeoutConfig`'s operation and attempt timeouts, aws-smithy-types). Shortened here;
/// the console's own are `Timeouts::default()`.
#[tokio::test]
async fn an_endpoint_that_never_answers_ends_the_call_at_its_timeout() {
    use cutover::aws::{ConnectOptions, Timeouts, connect};
    use std::time::{Duration, Instant};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let clients = connect(&ConnectOptions {
        endpoint_url: Some(endpoint),
        region: Some("us-east-1".to_owned()),
        concurrency: ConnectOptions::DEFAULT_CONCURRENCY,
        static_credentials: Some(("AKIDTEST".to_owned(), "secret".to_owned())),
        timeouts: Some(Timeouts {
            connect: Duration::from_millis(500),
            attempt: Duration::from_secs(2),
            call: Duration::from_millis(800),
        }),
        ..ConnectOptions::default()
    })
    .await;
    let started = Instant::now();
    let error = take(&clients, &Scope::default())
        .await
        .expect_err("nothing answers");
    let took = started.elapsed();
    silent.abort();
    assert_eq!(error.kind, ErrorKind::Timeout, "{error}");
    // Three attempts of 2 s would take over 6 s: the call's own limit cut them.
    assert!(
        took < Duration::from_secs(4),
        "cut by the call timeout, not by its attempts': {took:?}"
    );
    assert!(
        error.hint().is_some_and(|h| h.contains("asked again")),
        "{error}"
    );
}

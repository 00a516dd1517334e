//! Random requests to the control surface (`/_sim/…`): fault settings of every type and
//! size, scenario events naming what exists and what does not, clock advances out of range.
//! Each is answered 200, or 400/404 with a reason, never a panic; fault settings that are
//! taken never break a later request.

use std::net::SocketAddr;

use hyper::Method;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use cutover::sim::faults::{Faults, MAX_LATENCY_MS};
use cutover::sim::rng::Rng;

use crate::parsers::{Vocabulary, Wire, runner, runtime, shared, vocabulary};

const FAULT_FIELDS: &[&str] = &[
    "latency_ms",
    "jitter_ms",
    "throttle_rate",
    "error_rate",
    "drop_rate",
    "lost_answer_rate",
    "deny",
    "expired_credentials",
    "services",
    "operations",
    "bogus",
];

const SCENARIO_FIELDS: &[&str] = &[
    "event",
    "pipeline",
    "application",
    "deployment_group",
    "lifecycle_event",
    "cluster",
    "service",
    "lifecycle_stage",
    "target_group",
    "deployment_config",
    "enabled",
];

const EVENTS: &[&str] = &[
    "start_execution",
    "fail_next_hook",
    "fail_next_service_hook",
    "unhealthy_target_group",
    "healthy_target_group",
    "create_deployment",
    "autopilot",
    "explode",
];

fn odd_json(vocabulary: &Vocabulary) -> impl Strategy<Value = Value> + use<> {
    let words = vocabulary.0.clone();
    prop_oneof![
        2 => proptest::sample::select(words).prop_map(Value::String),
        2 => proptest::sample::select(EVENTS).prop_map(|e| json!(e)),
        2 => proptest::sample::select(&[
            0.0, 0.5, 1.0, 1.5, -1.0, 1e300, 3_600_000.0, 3_600_001.0, 9.3e18, 1.8e19,
        ][..])
        .prop_map(|f| json!(f)),
        1 => any::<u64>().prop_map(|n| json!(n)),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
        1 => proptest::collection::vec(
            prop_oneof![Just("ecs:*".to_owned()), Just("*".to_owned()), any::<String>()],
            0..3
        )
        .prop_map(|v| json!(v)),
        1 => Just(json!({})),
    ]
}

fn control(vocabulary: &Vocabulary) -> impl Strategy<Value = Wire> + use<> {
    let faults = proptest::collection::btree_map(
        proptest::sample::select(FAULT_FIELDS),
        odd_json(vocabulary),
        0..4,
    )
    .prop_map(|m| (Method::POST, "/_sim/faults", json!(m).to_string()));
    let scenario = proptest::collection::btree_map(
        proptest::sample::select(SCENARIO_FIELDS),
        odd_json(vocabulary),
        0..4,
    )
    .prop_map(|m| (Method::POST, "/_sim/scenario", json!(m).to_string()));
    // Advances the world can afford: a valid one of days would tick for minutes.
    let advance = proptest::sample::select(
        &[
            "-1", "0", "1.5", "30", "2592001", "1e400", "\"x\"", "null", "[1]",
        ][..],
    )
    .prop_map(|s| {
        (
            Method::POST,
            "/_sim/clock/advance",
            format!("{{\"seconds\":{s}}}"),
        )
    });
    let other = (
        proptest::sample::select(&[Method::GET, Method::POST, Method::PUT, Method::DELETE][..]),
        proptest::sample::select(
            &[
                "/_sim/health",
                "/_sim/clock",
                "/_sim/requests?since=x",
                "/_sim/requests?since=18446744073709551616",
                "/_sim/faults",
                "/_sim/invariants",
                "/_sim/state",
                "/_sim",
                "/_sim/nothing",
            ][..],
        ),
        prop_oneof![
            Just(String::new()),
            Just("{".to_owned()),
            Just("[]".to_owned())
        ],
    );
    prop_oneof![
        4 => faults,
        4 => scenario,
        1 => advance,
        2 => other,
        1 => (proptest::collection::vec(any::<u8>(), 0..50), proptest::sample::select(&["/_sim/faults", "/_sim/scenario"][..]))
            .prop_map(|(b, p)| (Method::POST, p, String::from_utf8_lossy(&b).into_owned())),
    ]
    .prop_map(|(method, path, body)| Wire {
        method,
        path: path.to_owned(),
        target: None,
        body: body.into_bytes(),
    })
}

#[test]
fn random_control_requests_are_answered_and_leave_faults_that_work() {
    let rt = runtime();
    let shared = shared();
    let vocabulary = vocabulary(&rt, &shared);
    let mut runner = runner(1_500);
    let result = runner.run(&control(&vocabulary), |wire| {
        let response = rt
            .block_on(cutover::sim::server::handle(
                std::sync::Arc::clone(&shared),
                wire.request(),
                SocketAddr::from(([127, 0, 0, 1], 50_000)),
            ))
            .map_err(|_| TestCaseError::fail("the control surface never drops"))?;
        let status = response.status().as_u16();
        prop_assert!([200, 400, 404].contains(&status), "{status} for {wire:?}");
        let faults = shared.faults();
        prop_assert_eq!(faults.validate(), Ok(()), "taken faults are valid");
        let mut rng = Rng::new(1);
        let latency = faults.latency(&mut rng, "ecs", "ListClusters");
        prop_assert!(latency <= 2 * MAX_LATENCY_MS);
        let _ = faults.decide(&mut rng, "ecs", "ListClusters", "arn:aws:iam::1:user/x");
        shared.set_faults(Faults::default());
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let problems = shared.with_world(|w| w.check_invariants());
    assert!(problems.is_empty(), "{problems:?}");
}

/// `{"jitter_ms": 9223372036854775807}` was taken, and the next AWS request panicked drawing
/// its jitter and lost its connection.
#[test]
fn a_latency_past_an_hour_is_refused_by_the_control_surface() {
    let rt = runtime();
    let shared = shared();
    for field in ["latency_ms", "jitter_ms"] {
        let wire = Wire {
            method: Method::POST,
            path: "/_sim/faults".to_owned(),
            target: None,
            body: json!({ field: 9_223_372_036_854_775_807u64 })
                .to_string()
                .into_bytes(),
        };
        let answer = crate::parsers::call(&rt, &shared, &wire);
        assert_eq!(answer.status, 400);
        let body: Map<String, Value> = serde_json::from_slice(&answer.body).expect("JSON");
        let error = body["error"].as_str().unwrap_or("");
        assert!(error.contains("at most 3600000"), "{error}");
        assert_eq!(shared.faults(), Faults::default());
    }
}

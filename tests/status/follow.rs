//! A deployment followed through its phases on the manual clock, as snapshots see it.

use cutover::aws::snapshot::take;
use cutover::config::Scope;
use cutover::model::Snapshot;
use cutover::model::progress::Phase;
use cutover::sim::SimOptions;

use crate::clients;
use crate::common::{Sim, options};

async fn lab() -> Sim {
    let world = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worlds/lab.toml");
    Sim::start_with(SimOptions {
        world: Some(world),
        speed: None,
        autopilot: Some(false),
        ..options()
    })
    .await
}

async fn start(sim: &Sim, event: &str) -> String {
    let started = sim.handle.shared().with_world(|w| {
        let task_definition = w
            .service("lab", "web")
            .and_then(|s| s.task_definition().map(str::to_owned))
            .expect("td");
        let revision = cutover::sim::appspec::revision_for(w, &task_definition, &[]);
        cutover::sim::engine::deploy::create(
            w,
            cutover::sim::engine::deploy::CreateRequest {
                application: "lab".into(),
                group: "web".into(),
                config: Some(event.into()),
                description: None,
                revision,
                creator: "user",
                auto_rollback: None,
                external_id: None,
            },
        )
    });
    started.expect("deployment created")
}

async fn phase_of(sim: &Sim, id: &str) -> (Snapshot, Phase, f64) {
    let s = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect("snapshot");
    let d = s.deployment(id).expect("deployment read");
    let p = d
        .progress
        .clone()
        .unwrap_or_else(|| panic!("no progress: {d:?}"));
    (s.clone(), p.phase, p.percent_on_green)
}

/// Advances until the snapshot shows `phase`; the snapshot.
async fn until(sim: &Sim, id: &str, phase: Phase, limit: i64) -> Snapshot {
    for _ in 0..limit / 5 {
        let (s, now, _) = phase_of(sim, id).await;
        if now == phase {
            return s;
        }
        sim.advance(5);
    }
    panic!("{id} never reached {phase:?}");
}

#[tokio::test]
async fn a_canary_deployment_is_followed_through_every_phase() {
    let sim = lab().await;
    let id = start(&sim, "CodeDeployDefault.ECSCanary10Percent5Minutes").await;
    sim.advance(2);
    let s = until(&sim, &id, Phase::Installing, 60).await;
    assert!(s.attention.in_flight.iter().any(|d| d.deployment_id == id));
    until(&sim, &id, Phase::TestTraffic, 300).await;
    let s = until(&sim, &id, Phase::Shifting, 300).await;
    let d = s.deployment(&id).expect("deployment");
    let progress = d.progress.as_ref().expect("progress");
    assert_eq!(progress.percent_on_green, 10.0);
    let started = d
        .event("AllowTraffic")
        .and_then(|e| e.start)
        .expect("AllowTraffic started");
    assert_eq!(
        progress.next_step_at,
        Some(started.plus_minutes(5)),
        "the canary's next step"
    );
    let group = s.group_of(d).expect("group");
    let green = d
        .task_set(&cutover::model::status::TaskSetLabel::Green)
        .and_then(|t| t.target_group_name.clone())
        .expect("green tg");
    let green_arn = s
        .target_groups
        .iter()
        .find(|t| t.name == green)
        .map(|t| t.arn.clone())
        .expect("arn");
    assert_eq!(
        s.rule_share(group, &green_arn),
        Some(10.0),
        "the rule agrees with the task set"
    );
    let s = until(&sim, &id, Phase::TerminationWait, 600).await;
    let d = s.deployment(&id).expect("deployment");
    let ends = d
        .progress
        .as_ref()
        .and_then(|p| p.wait_ends_at)
        .expect("wait end");
    let after = d
        .event("AfterAllowTraffic")
        .and_then(|e| e.end)
        .expect("AfterAllowTraffic ended");
    assert_eq!(ends, after.plus_minutes(5));
    until(&sim, &id, Phase::Succeeded, 900).await;
    let (s, _, green) = phase_of(&sim, &id).await;
    assert_eq!(green, 100.0);
    assert!(s.attention.in_flight.is_empty());
}

#[tokio::test]
async fn a_failed_deployment_says_why_and_links_its_rollback() {
    let sim = lab().await;
    sim.handle.shared().with_world(|w| {
        if let Some(g) = w
            .deployment_groups
            .get_mut(&("lab".to_owned(), "web".to_owned()))
        {
            g.fail_next_hook =
                Some(cutover::sim::world::codedeploy::LifecycleEventName::AfterAllowTestTraffic);
        }
    });
    let id = start(&sim, "CodeDeployDefault.ECSAllAtOnce").await;
    let s = until(&sim, &id, Phase::Failed, 900).await;
    let failure = s
        .attention
        .failures
        .iter()
        .find(|f| f.id == id)
        .expect("listed as a failure");
    assert!(
        failure.reason.contains("HOOK_EXECUTION_FAILURE"),
        "{}",
        failure.reason
    );
    assert!(
        failure.reason.contains("AfterAllowTestTraffic"),
        "{}",
        failure.reason
    );
    let rollback = failure.rolled_back_by.clone().expect("rollback");
    let d = s.deployment(&rollback).expect("rollback read");
    assert_eq!(d.rollback_of.as_deref(), Some(id.as_str()));
    assert!(
        s.attention
            .in_flight
            .iter()
            .any(|f| f.deployment_id == rollback && f.rollback),
        "the rollback is followed"
    );
}

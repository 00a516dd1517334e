//! A simulated day of the default world with autopilot on: the four APIs tell the same story
//! after every tick, and the day holds what the demo promises (approvals waiting, deployments
//! of every kind, failures that roll back).

use cutover::sim::SimOptions;
use cutover::sim::world::World;
use cutover::sim::world::codedeploy::DeploymentStatus;
use cutover::sim::world::native::{HookStatus, Status};

use crate::common::{Sim, options};

#[tokio::test]
async fn a_simulated_day_keeps_every_invariant_at_every_step() {
    let sim = Sim::start_with(SimOptions {
        speed: None,
        autopilot: Some(true),
        seed: 7,
        ..options()
    })
    .await;
    let mut max_waiting = 0;
    let mut in_flight_seen = 0;
    let mut pauses_seen = 0;
    for minute in 0..24 * 60 {
        for _ in 0..60 {
            sim.advance(1);
            let violations = sim.invariants();
            assert!(violations.is_empty(), "minute {minute}: {violations:#?}");
        }
        let (waiting, in_flight) = sim.handle.shared().with_world(|w| {
            let waiting = w
                .executions
                .values()
                .filter(|e| e.status.as_str() == "InProgress")
                .flat_map(|e| e.runs.iter())
                .filter(|r| r.token.is_some() && r.status.as_str() == "InProgress")
                .count();
            (
                waiting,
                w.deployments
                    .values()
                    .filter(|d| !d.status.is_terminal())
                    .count(),
            )
        });
        pauses_seen += sim.handle.shared().with_world(|w| pauses_awaiting(w));
        max_waiting = max_waiting.max(waiting);
        in_flight_seen = in_flight_seen.max(in_flight);
        if minute >= 60 {
            assert!(
                waiting >= 1,
                "minute {minute}: autopilot keeps an approval waiting"
            );
        }
    }
    let (succeeded, failed, rollbacks) = sim.handle.shared().with_world(|w| {
        let count = |s: DeploymentStatus| w.deployments.values().filter(|d| d.status == s).count();
        (
            count(DeploymentStatus::Succeeded),
            count(DeploymentStatus::Failed),
            w.deployments.values().filter(|d| d.is_rollback()).count(),
        )
    });
    assert!(
        succeeded > 20,
        "a day of deployments: {succeeded} succeeded"
    );
    assert!(
        failed >= 1 && rollbacks >= 1,
        "now and then one fails and rolls back: {failed} failed, {rollbacks} rollbacks"
    );
    assert!(
        in_flight_seen >= 2,
        "deployments overlap: at most {in_flight_seen} at once"
    );
    assert!(
        pauses_seen >= 10,
        "a PAUSE hook waits for a person: seen in {pauses_seen} minutes"
    );
    sim.handle.shared().with_world(|w| assert_native_day(w));
}

/// PAUSE hooks waiting for an answer now.
fn pauses_awaiting(world: &World) -> usize {
    world
        .service_deployments
        .values()
        .flat_map(|d| &d.hooks)
        .filter(|h| h.status == HookStatus::AwaitingAction)
        .count()
}

/// The ECS-native services of the default world were deployed all day: every strategy
/// succeeded, the flaky Lambda hook failed and rolled back, and the pause that nobody
/// answered went on by its timeout action (CONTINUE).
fn assert_native_day(world: &World) {
    let done = |strategy: &str, status: Status| {
        world
            .service_deployments
            .values()
            .filter(|d| d.config.strategy.as_str() == strategy && d.status == status)
            .count()
    };
    for strategy in ["BLUE_GREEN", "LINEAR", "CANARY"] {
        assert!(
            done(strategy, Status::Successful) >= 2,
            "{strategy} deployments succeed"
        );
    }
    let failed_hook = world.service_deployments.values().any(|d| {
        d.status == Status::RollbackSuccessful
            && d.hooks.iter().any(|h| h.status == HookStatus::Failed)
    });
    assert!(failed_hook, "a failed Lambda hook rolls back now and then");
    let paused_then_went_on = world.service_deployments.values().any(|d| {
        d.service == "payment-methods"
            && d.status == Status::Successful
            && d.hooks.iter().any(|h| h.status == HookStatus::TimedOut)
    });
    assert!(
        paused_then_went_on,
        "an unanswered pause continues on its timeout"
    );
}

#[tokio::test]
async fn the_same_seed_replays_the_same_day() {
    let run = |seed| async move {
        let sim = Sim::start_with(SimOptions {
            speed: None,
            autopilot: Some(true),
            seed,
            ..options()
        })
        .await;
        sim.advance(6 * 3600);
        sim.handle.shared().with_world(|w| {
            w.deployment_order
                .iter()
                .map(|id| {
                    format!(
                        "{id}:{}:{}",
                        w.deployments[id].group,
                        w.deployments[id].status.as_str()
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    let first = run(11).await;
    assert_eq!(first, run(11).await);
    assert_ne!(first, run(12).await);
}

//! The scheduling rules, with plain values: a clock in milliseconds, snapshots built by hand.

use super::{Arrived, Intervals, OnScreen, Refresh, Scheduler};
use crate::aws::AwsError;
use crate::model::Snapshot;
use crate::model::deploy::Deployment;
use crate::model::status::DeploymentStatus;

fn deployment(id: &str, status: DeploymentStatus) -> Deployment {
    Deployment::example(id, status)
}

/// One deployment in flight, one done.
fn moving() -> Snapshot {
    Snapshot {
        deployments: vec![
            deployment("d-INFLIGHT1", DeploymentStatus::InProgress),
            deployment("d-DONE00001", DeploymentStatus::Succeeded),
        ],
        ..Snapshot::default()
    }
}

/// Nothing in flight.
fn still() -> Snapshot {
    Snapshot {
        deployments: vec![deployment("d-DONE00001", DeploymentStatus::Succeeded)],
        ..Snapshot::default()
    }
}

const NOTHING: OnScreen<'static> = OnScreen { deployment: None };

/// A scheduler whose first cold snapshot came back at `at`.
fn after_first_snapshot(at: u64) -> Scheduler {
    let mut sync = Scheduler::new(Intervals::default());
    assert_eq!(sync.due(0, None, NOTHING), Some(Refresh::Cold));
    sync.cold_done(at, Ok(()));
    sync
}

fn hot_ids(refresh: Option<Refresh>) -> Vec<String> {
    match refresh {
        Some(Refresh::Hot(set)) => set.deployments.into_iter().collect(),
        other => panic!("a hot refresh: {other:?}"),
    }
}

#[test]
fn the_cold_snapshot_comes_first_and_alone() {
    let mut sync = Scheduler::new(Intervals::default());
    let snapshot = moving();
    assert_eq!(sync.due(0, Some(&snapshot), NOTHING), Some(Refresh::Cold));
    assert!(sync.cold().in_flight && !sync.hot().in_flight);
}

#[test]
fn nothing_is_asked_again_while_it_runs() {
    let mut sync = Scheduler::new(Intervals::default());
    let snapshot = moving();
    assert_eq!(sync.due(0, Some(&snapshot), NOTHING), Some(Refresh::Cold));
    assert_eq!(
        sync.due(60_000, Some(&snapshot), NOTHING),
        None,
        "no second cold one, and no hot one while a cold one runs"
    );
    sync.cold_done(60_000, Ok(()));
    assert!(sync.due(62_000, Some(&snapshot), NOTHING).is_some());
    assert_eq!(
        sync.due(64_000, Some(&snapshot), NOTHING),
        None,
        "no second hot one"
    );
    sync.hot_done(64_500, Arrived::Yes, None);
    assert!(sync.due(66_500, Some(&snapshot), NOTHING).is_some());
}

#[test]
fn the_hot_refresh_runs_only_while_something_moves() {
    let mut sync = after_first_snapshot(0);
    assert_eq!(sync.due(2_000, Some(&still()), NOTHING), None);
    assert!(!sync.hot().in_flight, "nothing asked, nothing in flight");
    assert_eq!(
        hot_ids(sync.due(2_000, Some(&moving()), NOTHING)),
        ["d-INFLIGHT1"]
    );
}

#[test]
fn no_hot_refresh_without_a_snapshot() {
    let mut sync = Scheduler::new(Intervals::default());
    assert_eq!(sync.due(0, None, NOTHING), Some(Refresh::Cold));
    sync.cold_done(
        1_000,
        Err(AwsError::local("sts", "GetCallerIdentity", "no route")),
    );
    assert_eq!(sync.due(5_000, None, NOTHING), None);
}

#[test]
fn the_intervals_are_respected() {
    let mut sync = after_first_snapshot(1_000);
    let snapshot = moving();
    assert_eq!(
        sync.due(2_999, Some(&snapshot), NOTHING),
        None,
        "2 s since the cold one"
    );
    assert!(matches!(
        sync.due(3_000, Some(&snapshot), NOTHING),
        Some(Refresh::Hot(_))
    ));
    sync.hot_done(3_500, Arrived::Yes, None);
    assert_eq!(sync.due(5_499, Some(&snapshot), NOTHING), None);
    assert_eq!(
        sync.due(31_000, Some(&snapshot), NOTHING),
        Some(Refresh::Cold),
        "the cold one every 30 s, before a hot one"
    );
}

#[test]
fn refresh_now_makes_the_cold_snapshot_due_at_once() {
    let mut sync = after_first_snapshot(0);
    assert_eq!(sync.due(1_000, Some(&still()), NOTHING), None);
    sync.refresh_now();
    assert_eq!(
        sync.due(1_001, Some(&still()), NOTHING),
        Some(Refresh::Cold)
    );
}

#[test]
fn refresh_now_while_a_cold_one_runs_folds_into_it() {
    let mut sync = Scheduler::new(Intervals::default());
    assert_eq!(sync.due(0, None, NOTHING), Some(Refresh::Cold));
    sync.refresh_now();
    assert_eq!(sync.due(100, None, NOTHING), None, "not sent twice");
    sync.cold_done(500, Ok(()));
    assert_eq!(
        sync.due(600, Some(&still()), NOTHING),
        None,
        "the one that ran answered it"
    );
}

#[test]
fn the_deployment_on_screen_stays_hot_after_it_ends() {
    let mut sync = after_first_snapshot(0);
    let on_screen = OnScreen {
        deployment: Some("d-DONE00001"),
    };
    assert_eq!(
        hot_ids(sync.due(2_000, Some(&still()), on_screen)),
        ["d-DONE00001"]
    );
}

#[test]
fn a_failed_refresh_keeps_when_data_last_arrived() {
    let mut sync = after_first_snapshot(1_000);
    assert!(sync.due(3_000, Some(&moving()), NOTHING).is_some());
    let throttled = AwsError::local("ecs", "DescribeServices", "Rate exceeded");
    sync.hot_done(4_000, Arrived::Yes, Some(throttled));
    assert_eq!(sync.data_age(9_000), Some(5));
    assert_eq!(sync.error().map(|e| e.operation), Some("DescribeServices"));
    sync.refresh_now();
    assert_eq!(sync.due(9_000, None, NOTHING), Some(Refresh::Cold));
    sync.cold_done(
        9_500,
        Err(AwsError::local("sts", "GetCallerIdentity", "expired")),
    );
    assert_eq!(sync.data_age(10_000), Some(6), "still the hot one's data");
    assert_eq!(
        sync.error().map(|e| e.operation),
        Some("GetCallerIdentity"),
        "the cold error first"
    );
}

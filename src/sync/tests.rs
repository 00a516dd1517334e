//! The scheduling rules, with plain values: a clock in milliseconds, snapshots built by hand.

use super::{Arrived, Intervals, OnScreen, Refresh, Scheduler};
use crate::aws::AwsError;
use crate::aws::hot::{Lane, Lanes};
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

const NOTHING: OnScreen<'static> = OnScreen {
    deployment: None,
    pipeline: None,
};

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
    assert_eq!(sync.due(0, None, NOTHING), Some(Refresh::Cold));
    assert_eq!(
        sync.due(60_000, None, NOTHING),
        None,
        "no second cold one, and no hot one without a snapshot"
    );
    sync.cold_done(60_000, Ok(()));
    assert!(sync.due(62_000, Some(&snapshot), NOTHING).is_some());
    assert_eq!(
        sync.due(64_000, Some(&snapshot), NOTHING),
        None,
        "no second hot one"
    );
    sync.hot_done(64_500, Lanes::ALL, Arrived::Yes, None);
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
    assert_eq!(sync.due(2_500, None, NOTHING), None);
    assert_eq!(
        sync.due(3_000, Some(&moving()), NOTHING),
        Some(Refresh::Cold),
        "the snapshot is asked again, not a hot refresh"
    );
}

#[test]
fn a_failed_cold_snapshot_is_asked_again_at_the_hot_rhythm_until_one_comes() {
    let mut sync = after_first_snapshot(0);
    let snapshot = moving();
    assert_eq!(
        sync.due(60_000, Some(&snapshot), NOTHING),
        Some(Refresh::Cold)
    );
    sync.cold_done(
        61_000,
        Err(AwsError::local("ecs", "ListClusters", "connection closed")),
    );
    assert_eq!(sync.due(62_999, Some(&snapshot), NOTHING), None);
    assert_eq!(
        sync.due(63_000, Some(&snapshot), NOTHING),
        Some(Refresh::Cold),
        "one hot interval later, the whole snapshot again"
    );
    sync.cold_done(63_500, Ok(()));
    assert!(sync.error().is_none());
    assert!(matches!(
        sync.due(65_500, Some(&snapshot), NOTHING),
        Some(Refresh::Hot(_))
    ));
    sync.hot_done(65_600, Lanes::ALL, Arrived::Yes, None);
    assert_eq!(
        sync.due(123_499, Some(&snapshot), NOTHING)
            .filter(|r| *r == Refresh::Cold),
        None,
        "back to a minute once one came"
    );
    assert_eq!(
        sync.due(123_500, Some(&snapshot), NOTHING),
        Some(Refresh::Cold)
    );
}

#[test]
fn the_data_is_stale_only_while_the_latest_refresh_brought_nothing() {
    let mut sync = after_first_snapshot(1_000);
    assert!(sync.due(3_000, Some(&moving()), NOTHING).is_some());
    let throttled = AwsError::local("ecs", "DescribeServices", "Rate exceeded");
    sync.hot_done(3_500, Lanes::ALL, Arrived::Yes, Some(throttled));
    assert_eq!(
        sync.stale(9_000),
        None,
        "a refresh that read in part brought data"
    );
    assert!(sync.due(9_000, Some(&moving()), NOTHING).is_some());
    let dropped = AwsError::local("ecs", "DescribeServiceDeployments", "connection closed");
    sync.hot_done(9_500, Lanes::ALL, Arrived::No, Some(dropped));
    assert_eq!(sync.stale(12_000), Some(8), "since the hot one at 3.5 s");
    assert!(sync.due(12_000, Some(&moving()), NOTHING).is_some());
    sync.hot_done(12_100, Lanes::ALL, Arrived::Yes, None);
    assert_eq!(sync.stale(13_000), None);
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
    sync.hot_done(3_500, Lanes::ALL, Arrived::Yes, None);
    assert_eq!(sync.due(5_499, Some(&snapshot), NOTHING), None);
    assert_eq!(
        sync.due(61_000, Some(&snapshot), NOTHING),
        Some(Refresh::Cold),
        "the cold one every minute, before a hot one"
    );
}

#[test]
fn refresh_now_makes_the_cold_snapshot_due_at_once() {
    let mut sync = after_first_snapshot(0);
    assert_eq!(sync.due(1_000, Some(&still()), NOTHING), None);
    sync.refresh_now();
    assert_eq!(
        sync.due(1_001, Some(&still()), NOTHING),
        Some(Refresh::Asked)
    );
    sync.cold_done(1_500, Ok(()));
    assert_eq!(
        sync.due(61_500, Some(&still()), NOTHING),
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
        pipeline: None,
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
    sync.hot_done(4_000, Lanes::ALL, Arrived::Yes, Some(throttled));
    assert_eq!(sync.data_age(9_000), Some(5));
    assert_eq!(sync.error().map(|e| e.operation), Some("DescribeServices"));
    sync.refresh_now();
    assert_eq!(sync.due(9_000, None, NOTHING), Some(Refresh::Asked));
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

/// A deployment waiting in Ready, one shifting traffic, a running pipeline.
fn in_flight_and_waiting() -> Snapshot {
    use crate::model::pipeline::{ExecutionSummary, Pipeline};
    use crate::model::status::ExecutionStatus;
    let running = ExecutionSummary::example("e-1", ExecutionStatus::InProgress);
    Snapshot {
        deployments: vec![
            deployment("d-SHIFTING1", DeploymentStatus::InProgress),
            deployment("d-READY0001", DeploymentStatus::Ready),
        ],
        pipelines: vec![Pipeline {
            name: "web-release".to_owned(),
            arn: None,
            version: None,
            execution_mode: crate::model::status::ExecutionMode::Superseded,
            stages: Vec::new(),
            executions: vec![running],
            pending: Vec::new(),
            failures: Vec::new(),
        }],
        ..Snapshot::default()
    }
}

#[test]
fn what_waits_is_read_every_warm_interval_and_what_moves_every_hot_one() {
    let mut sync = after_first_snapshot(0);
    let s = in_flight_and_waiting();
    // 2 s after the cold snapshot: only what moves.
    let Some(Refresh::Hot(set)) = sync.due(2_000, Some(&s), NOTHING) else {
        panic!("a hot refresh")
    };
    assert_eq!(set.deployments.iter().collect::<Vec<_>>(), ["d-SHIFTING1"]);
    assert!(set.pipelines.is_empty(), "a running pipeline is warm");
    assert!(
        !set.discover,
        "deployments started since are looked for when warm"
    );
    sync.hot_done(2_000, Lanes::ALL, Arrived::Yes, None);
    // 10 s after the cold snapshot: the warm part too.
    for at in [4_000, 6_000, 8_000] {
        let Some(Refresh::Hot(set)) = sync.due(at, Some(&s), NOTHING) else {
            panic!("a hot refresh at {at}")
        };
        assert!(set.pipelines.is_empty(), "still not warm at {at}");
        sync.hot_done(at, Lanes::ALL, Arrived::Yes, None);
    }
    let Some(Refresh::Hot(set)) = sync.due(10_000, Some(&s), NOTHING) else {
        panic!("a hot refresh")
    };
    assert_eq!(
        set.deployments.iter().collect::<Vec<_>>(),
        ["d-READY0001", "d-SHIFTING1"]
    );
    assert_eq!(set.pipelines.iter().collect::<Vec<_>>(), ["web-release"]);
    assert!(set.discover);
    sync.hot_done(10_000, Lanes::ALL, Arrived::Yes, None);
    // And not again for another 10 s.
    let Some(Refresh::Hot(set)) = sync.due(12_000, Some(&s), NOTHING) else {
        panic!("a hot refresh")
    };
    assert!(set.pipelines.is_empty() && !set.discover);
}

#[test]
fn the_pipeline_on_screen_is_hot() {
    let mut sync = after_first_snapshot(0);
    let on_screen = OnScreen {
        deployment: None,
        pipeline: Some("web-release"),
    };
    let Some(Refresh::Hot(set)) = sync.due(2_000, Some(&in_flight_and_waiting()), on_screen) else {
        panic!("a hot refresh")
    };
    assert_eq!(set.pipelines.iter().collect::<Vec<_>>(), ["web-release"]);
}

/// An ECS service lab/shop behind a load balancer, and a deployment of it baking.
fn ecs_in_flight() -> Snapshot {
    use crate::model::ecs::{LoadBalancerLink, Service};
    use crate::model::service_deployment::ServiceDeployment;
    use crate::model::status::{ServiceDeploymentStage, ServiceDeploymentStatus};
    let service = Service {
        load_balancers: vec![LoadBalancerLink {
            target_group_arn: Some("tg/blue".to_owned()),
            container_name: None,
            container_port: None,
            alternate_target_group_arn: Some("tg/green".to_owned()),
            production_listener_rule: Some("rule/prod".to_owned()),
            test_listener_rule: None,
        }],
        ..Service::example("lab", "shop")
    };
    let d = ServiceDeployment::example(
        "abc",
        ServiceDeploymentStatus::InProgress,
        Some(ServiceDeploymentStage::BakeTime),
    );
    Snapshot {
        services: vec![service],
        service_deployments: vec![d.clone()],
        ..Snapshot::default()
    }
}

#[test]
fn the_rules_of_an_ecs_deployment_are_hot_only_while_they_lag_what_it_asked_for() {
    use crate::model::service_deployment::{GreenShare, RevisionCounts, ShareFrom};
    use crate::model::status::ServiceDeploymentStage;
    let mut s = ecs_in_flight();
    let mut d = s.service_deployments[0].clone();
    let hot = |s: &Snapshot| super::heat::hot_set(s, NOTHING, super::heat::Warm::Left);
    assert_eq!(
        hot(&s).service_deployments.len(),
        1,
        "the batch is always hot"
    );
    assert!(hot(&s).rules.is_empty(), "baking: the rules do not move");
    // Shifting production, its rule not read yet: hot.
    d.stage = Some(ServiceDeploymentStage::ProductionTrafficShift);
    d.target = Some(RevisionCounts {
        arn: "green-rev".to_owned(),
        requested: 2,
        running: 2,
        pending: 0,
        test_weight: None,
        production_weight: Some(30.0),
    });
    s.service_deployments = vec![d.clone()];
    assert_eq!(hot(&s).rules.iter().collect::<Vec<_>>(), ["rule/prod"]);
    // Its rule seen sending what it asked for: warm again, until it asks for more.
    d.on_green = Some(GreenShare {
        percent: 30.0,
        from: ShareFrom::ProductionRule,
    });
    s.service_deployments = vec![d.clone()];
    assert!(hot(&s).rules.is_empty(), "the rule sends what was asked");
    if let Some(target) = &mut d.target {
        target.production_weight = Some(60.0);
    }
    s.service_deployments = vec![d];
    assert_eq!(hot(&s).rules.iter().collect::<Vec<_>>(), ["rule/prod"]);
    // Its service when warm; its target groups' health every third warm refresh.
    let warm = super::heat::hot_set(&s, NOTHING, super::heat::Warm::Included);
    assert_eq!(
        warm.services.iter().collect::<Vec<_>>(),
        [&("lab".to_owned(), "shop".to_owned())]
    );
    assert!(warm.target_groups.is_empty());
    let health = super::heat::hot_set(&s, NOTHING, super::heat::Warm::WithHealth);
    assert_eq!(
        health.target_groups.iter().collect::<Vec<_>>(),
        ["tg/blue", "tg/green"]
    );
}

#[test]
fn target_health_of_what_is_in_flight_is_read_every_third_warm_refresh() {
    let mut sync = after_first_snapshot(0);
    let s = ecs_in_flight();
    let (mut warm, mut health) = (Vec::new(), Vec::new());
    for at in (2_000..=62_000).step_by(2_000) {
        if let Some(Refresh::Hot(set)) = sync.due(at, Some(&s), NOTHING) {
            if set.discover {
                warm.push(at);
            }
            if !set.target_groups.is_empty() {
                health.push(at);
            }
        }
        sync.hot_done(at, Lanes::ALL, Arrived::Yes, None);
    }
    // At a minute the cold snapshot is sent, and never comes back here: the hot refresh
    // goes on beside it, with what is warm when due.
    assert_eq!(warm, [10_000, 20_000, 30_000, 40_000, 50_000, 62_000]);
    assert_eq!(health, [30_000, 62_000]);
}

#[test]
fn a_pipeline_that_waits_only_on_a_person_is_left_to_the_cold_snapshot() {
    use crate::model::pipeline::{Action, ActionRun, Stage};
    use crate::model::status::{ActionCategory, ActionStatus};
    let mut s = in_flight_and_waiting();
    let run = ActionRun {
        action_execution_id: None,
        status: ActionStatus::InProgress,
        summary: None,
        last_change: None,
        token: Some("token".to_owned()),
        external_id: None,
        external_url: None,
        error: None,
        updated_by: None,
    };
    s.pipelines[0].stages = vec![Stage {
        name: "Approve".to_owned(),
        inbound_enabled: true,
        disabled_reason: None,
        status: None,
        execution_id: Some("e-1".to_owned()),
        inbound_execution_id: None,
        inbound_execution_ids: Vec::new(),
        actions: vec![Action {
            name: "Gate".to_owned(),
            category: ActionCategory::Approval,
            provider: "Manual".to_owned(),
            run_order: 1,
            configuration: std::collections::BTreeMap::default(),
            deploys_to: None,
            latest: Some(run),
        }],
    }];
    let warm = super::heat::hot_set(&s, NOTHING, super::heat::Warm::Included);
    assert!(warm.pipelines.is_empty(), "{:?}", warm.pipelines);
    // On screen, it is hot all the same.
    let on_screen = OnScreen {
        deployment: None,
        pipeline: Some("web-release"),
    };
    let hot = super::heat::hot_set(&s, on_screen, super::heat::Warm::Left);
    assert_eq!(hot.pipelines.len(), 1);
}

#[test]
fn a_snapshot_that_comes_supersedes_the_hot_refreshs_error() {
    let mut sync = after_first_snapshot(0);
    assert!(sync.due(2_000, Some(&moving()), NOTHING).is_some());
    let dropped = AwsError::local("ecs", "DescribeServiceDeployments", "connection closed");
    sync.hot_done(2_500, Lanes::ALL, Arrived::No, Some(dropped));
    sync.refresh_now();
    assert_eq!(
        sync.due(3_000, Some(&moving()), NOTHING),
        Some(Refresh::Asked)
    );
    sync.cold_done(3_500, Ok(()));
    assert!(sync.error().is_none(), "{:?}", sync.error());
    assert_eq!(sync.stale(4_000), None);
}

#[test]
fn a_refused_call_is_told_for_two_cold_intervals_after_it_was_last_seen() {
    let mut sync = after_first_snapshot(0);
    let refused = AwsError {
        kind: crate::aws::ErrorKind::AccessDenied,
        ..AwsError::local(
            "elasticloadbalancing",
            "DescribeTargetHealth",
            "not authorized",
        )
    };
    sync.saw_refused(30_000, refused.to_gap());
    assert_eq!(
        sync.refused(149_999).map(|g| g.operation.as_str()),
        Some("DescribeTargetHealth")
    );
    assert_eq!(
        sync.refused(150_000),
        None,
        "granted since, or no longer asked"
    );
}

#[test]
fn the_hot_refresh_goes_on_while_a_long_cold_snapshot_is_read() {
    let mut sync = after_first_snapshot(0);
    let s = moving();
    assert_eq!(sync.due(60_000, Some(&s), NOTHING), Some(Refresh::Cold));
    for at in [62_000, 64_000, 66_000] {
        assert_eq!(hot_ids(sync.due(at, Some(&s), NOTHING)), ["d-INFLIGHT1"]);
        sync.hot_done(at, Lanes::ALL, Arrived::Yes, None);
    }
    assert!(sync.cold().in_flight, "the cold one still runs");
}

/// Two moving lanes: a deployment in progress (CodeDeploy) and an ECS service deployment.
fn two_lanes() -> Snapshot {
    let mut s = ecs_in_flight();
    s.deployments = moving().deployments;
    s
}

#[test]
fn each_lane_is_sent_when_its_own_last_came_back() {
    let mut sync = after_first_snapshot(0);
    let s = two_lanes();
    let Some(Refresh::Hot(set)) = sync.due(2_000, Some(&s), NOTHING) else {
        panic!("a hot refresh")
    };
    assert_eq!(
        set.lanes(),
        Lanes::one(Lane::CodeDeploy).with(Lane::Ecs),
        "{set:?}"
    );
    // ECS answers; CodeDeploy hangs.
    sync.hot_done(2_100, Lanes::one(Lane::Ecs), Arrived::Yes, None);
    for at in [4_100, 6_100] {
        let Some(Refresh::Hot(set)) = sync.due(at, Some(&s), NOTHING) else {
            panic!("a hot refresh at {at}")
        };
        assert_eq!(set.lanes(), Lanes::one(Lane::Ecs), "at {at}");
        assert!(set.deployments.is_empty(), "CodeDeploy is still out");
        sync.hot_done(at, Lanes::one(Lane::Ecs), Arrived::Yes, None);
    }
    // CodeDeploy comes back, failed: only its own lane is in error, and nothing is stale.
    let slow = AwsError::local("codedeploy", "BatchGetDeployments", "timed out");
    sync.hot_done(7_000, Lanes::one(Lane::CodeDeploy), Arrived::No, Some(slow));
    assert_eq!(
        sync.error().map(|e| e.operation),
        Some("BatchGetDeployments")
    );
    assert_eq!(sync.stale(7_500), None, "ECS data still arrives");
    let Some(Refresh::Hot(set)) = sync.due(9_000, Some(&s), NOTHING) else {
        panic!("a hot refresh")
    };
    assert_eq!(set.lanes(), Lanes::one(Lane::CodeDeploy).with(Lane::Ecs));
}

#[test]
fn stale_only_when_every_lane_that_ran_since_brought_nothing() {
    let mut sync = after_first_snapshot(0);
    let s = two_lanes();
    assert!(sync.due(2_000, Some(&s), NOTHING).is_some());
    let gone = |op| AwsError::local("ecs", op, "connection refused");
    sync.hot_done(
        2_100,
        Lanes::one(Lane::Ecs),
        Arrived::No,
        Some(gone("DescribeServiceDeployments")),
    );
    assert_eq!(
        sync.stale(2_200),
        Some(2),
        "the one lane back brought nothing"
    );
    sync.hot_done(2_300, Lanes::one(Lane::CodeDeploy), Arrived::Yes, None);
    assert_eq!(sync.stale(2_400), None, "CodeDeploy's data arrived");
    assert!(sync.due(4_300, Some(&s), NOTHING).is_some());
    sync.hot_done(
        4_400,
        Lanes::one(Lane::CodeDeploy),
        Arrived::No,
        Some(gone("BatchGetDeployments")),
    );
    assert_eq!(
        sync.stale(5_000),
        Some(2),
        "since CodeDeploy's data at 2.3 s"
    );
}

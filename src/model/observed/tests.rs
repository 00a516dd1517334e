use super::*;
use crate::model::service_deployment::{GreenShare, ShareFrom, Strategy};
use crate::model::status::ServiceDeploymentStatus;

const MINUTE: i64 = 60_000;

fn linear(stage: ServiceDeploymentStage, percent: f64) -> ServiceDeployment {
    ServiceDeployment {
        created_at: Some(Timestamp(0)),
        strategy: Some(Strategy {
            kind: DeploymentStrategy::Linear,
            bake_minutes: Some(10),
            linear: Some((20.0, 3)),
            canary: None,
        }),
        on_green: Some(GreenShare {
            percent,
            from: ShareFrom::ProductionRule,
        }),
        ..ServiceDeployment::example("lin", ServiceDeploymentStatus::InProgress, Some(stage))
    }
}

fn snapshot(at: i64, deployments: Vec<ServiceDeployment>) -> Snapshot {
    Snapshot {
        taken_at: Timestamp(at),
        service_deployments: deployments,
        ..Snapshot::default()
    }
}

#[test]
fn a_step_seen_happening_is_estimated_about_and_one_found_at_the_first_read_at_most() {
    let mut seen = Observed::default();
    // First read: already 20 % on green. When that step happened is not known, so the next
    // one is at most the step's wait away.
    let d = linear(ServiceDeploymentStage::ProductionTrafficShift, 20.0);
    seen.observe(&snapshot(MINUTE, vec![d.clone()]));
    let c = seen.countdown(&d).expect("a linear step waits");
    assert_eq!(
        (c.what, c.at, c.about),
        ("next step", Timestamp(4 * MINUTE), false)
    );
    assert_eq!(c.left(Timestamp(2 * MINUTE)), "at most 2m 00s");
    // The share moves between two reads: the next step is counted from that read.
    let d = linear(ServiceDeploymentStage::ProductionTrafficShift, 40.0);
    seen.observe(&snapshot(5 * MINUTE, vec![d.clone()]));
    let c = seen.countdown(&d).expect("seen");
    assert_eq!((c.at, c.about), (Timestamp(8 * MINUTE), true));
    assert_eq!(c.left(Timestamp(6 * MINUTE)), "about 2m 00s");
    // The same share read again changes nothing.
    seen.observe(&snapshot(6 * MINUTE, vec![d.clone()]));
    assert_eq!(seen.countdown(&d).expect("seen").at, Timestamp(8 * MINUTE));
}

#[test]
fn bake_time_counts_from_when_the_stage_was_seen_and_the_trail_keeps_each_stage() {
    let mut seen = Observed::default();
    let shifting = linear(ServiceDeploymentStage::ProductionTrafficShift, 100.0);
    seen.observe(&snapshot(MINUTE, vec![shifting.clone()]));
    // At 100 % nothing waits on a step.
    assert_eq!(seen.countdown(&shifting), None);
    let baking = linear(ServiceDeploymentStage::BakeTime, 100.0);
    seen.observe(&snapshot(2 * MINUTE, vec![baking.clone()]));
    let c = seen.countdown(&baking).expect("seen");
    assert_eq!(
        (c.what, c.at, c.about),
        ("bake time ends", Timestamp(12 * MINUTE), true)
    );
    let trail = seen.trail(&baking.arn).expect("seen");
    let stages: Vec<&str> = trail.stages.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(stages, ["PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME"]);
    let (began, ended) = trail
        .span(&ServiceDeploymentStage::ProductionTrafficShift)
        .expect("seen");
    assert_eq!(
        (began.at, ended.map(|e| e.at)),
        (Timestamp(MINUTE), Some(Timestamp(2 * MINUTE)))
    );
    assert!(!began.seen_changing, "found so at the first read");
}

#[test]
fn a_deployment_created_after_the_last_read_is_seen_from_its_start_and_an_ended_one_is_forgotten() {
    let mut seen = Observed::default();
    seen.observe(&snapshot(MINUTE, Vec::new()));
    let fresh = ServiceDeployment {
        created_at: Some(Timestamp(MINUTE + 500)),
        ..linear(ServiceDeploymentStage::BakeTime, 100.0)
    };
    seen.observe(&snapshot(2 * MINUTE, vec![fresh.clone()]));
    assert!(seen.countdown(&fresh).expect("seen").about);
    let done = ServiceDeployment {
        status: ServiceDeploymentStatus::Successful,
        ..fresh.clone()
    };
    seen.observe(&snapshot(3 * MINUTE, vec![done.clone()]));
    assert_eq!(seen.trail(&done.arn), None);
    assert_eq!(seen.countdown(&done), None);
}

#[test]
fn no_strategy_or_a_stage_without_a_wait_has_no_countdown() {
    let mut seen = Observed::default();
    let d = ServiceDeployment {
        strategy: None,
        ..linear(ServiceDeploymentStage::BakeTime, 100.0)
    };
    seen.observe(&snapshot(MINUTE, vec![d.clone()]));
    assert_eq!(seen.countdown(&d), None);
    let d = linear(ServiceDeploymentStage::ScaleUp, 0.0);
    seen.observe(&snapshot(2 * MINUTE, vec![d.clone()]));
    assert_eq!(seen.countdown(&d), None);
}

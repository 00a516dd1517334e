//! What `cutover wait` counts as there, failed or still going, on each platform: CodeDeploy's
//! statuses and lifecycle events (CodeDeploy API reference, DeploymentInfo and
//! LifecycleEvent; the ECS events of the user guide's AppSpec hooks section), ECS's service
//! deployment statuses and lifecycle stages (ECS API reference, ServiceDeployment).

use super::*;
use crate::model::deploy::{DeploymentError, EcsTarget, LifecycleEvent};
use crate::model::progress::Progress;

fn codedeploy(
    status: DeploymentStatus,
    phase: Phase,
    events: &[(&str, LifecycleStatus)],
) -> Deployment {
    Deployment {
        target: Some(EcsTarget {
            target_id: "lab:web".into(),
            status: LifecycleStatus::InProgress,
            last_updated: None,
            lifecycle_events: events
                .iter()
                .map(|(name, status)| LifecycleEvent {
                    name: (*name).to_owned(),
                    status: status.clone(),
                    start: None,
                    end: None,
                    diagnostics: None,
                })
                .collect(),
            task_sets: Vec::new(),
        }),
        progress: Some(Progress {
            phase,
            percent_on_green: 0.0,
            current_event: None,
            next_step_at: None,
            wait_ends_at: None,
        }),
        ..Deployment::example("d-WAIT00001", status)
    }
}

#[test]
fn goals_and_targets_read_from_the_command_line() {
    assert_eq!(Goal::parse("ready"), Ok(Goal::Ready));
    assert_eq!(Goal::parse("done"), Ok(Goal::Done));
    assert_eq!(
        Goal::parse("stage:AfterAllowTestTraffic"),
        Ok(Goal::Stage("AfterAllowTestTraffic".into()))
    );
    for bad in ["", "Ready", "stage:", "stage", "finished"] {
        assert!(Goal::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        Target::parse("d-ABCDEFGH1"),
        Ok(Target::CodeDeploy("d-ABCDEFGH1".into()))
    );
    let arn = "arn:aws:ecs:us-east-1:123456789012:service-deployment/lab/shop/abc";
    assert_eq!(Target::parse(arn), Ok(Target::Ecs(arn.into())));
    for bad in ["d-", "web", "arn:aws:ecs:us-east-1:1:service/lab/shop"] {
        assert!(Target::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_codedeploy_deployment_is_ready_in_ready_or_once_production_moves() {
    use LifecycleStatus::{InProgress, Pending, Succeeded};
    let testing = codedeploy(
        DeploymentStatus::InProgress,
        Phase::TestTraffic,
        &[
            ("AllowTestTraffic", Succeeded),
            ("AfterAllowTestTraffic", InProgress),
        ],
    );
    assert_eq!(judge_codedeploy(&testing, &Goal::Ready), Ok(Verdict::Going));
    assert_eq!(
        judge_codedeploy(&testing, &Goal::Stage("afterallowtesttraffic".into())),
        Ok(Verdict::Reached),
        "a stage is reached when it starts, whatever its case"
    );
    assert_eq!(
        judge_codedeploy(&testing, &Goal::Stage("BeforeAllowTraffic".into())),
        Ok(Verdict::Going)
    );
    let ready = codedeploy(
        DeploymentStatus::Ready,
        Phase::ReadyWait,
        &[("BeforeAllowTraffic", Pending)],
    );
    assert_eq!(judge_codedeploy(&ready, &Goal::Ready), Ok(Verdict::Reached));
    assert_eq!(judge_codedeploy(&ready, &Goal::Done), Ok(Verdict::Going));
    let shifting = codedeploy(DeploymentStatus::InProgress, Phase::Shifting, &[]);
    assert_eq!(
        judge_codedeploy(&shifting, &Goal::Ready),
        Ok(Verdict::Reached),
        "a deployment that never stops in Ready is ready once production moves"
    );
    let done = codedeploy(DeploymentStatus::Succeeded, Phase::Succeeded, &[]);
    for goal in [
        Goal::Ready,
        Goal::Done,
        Goal::Stage("AfterAllowTraffic".into()),
    ] {
        assert_eq!(
            judge_codedeploy(&done, &goal),
            Ok(Verdict::Reached),
            "{goal:?}"
        );
    }
}

#[test]
fn a_failed_or_stopped_codedeploy_deployment_fails_the_wait_with_its_reason() {
    let mut failed = codedeploy(DeploymentStatus::Failed, Phase::Failed, &[]);
    failed.error = Some(DeploymentError {
        code: "HOOK_EXECUTION_FAILURE".into(),
        message: "the AfterAllowTestTraffic hook failed".into(),
    });
    failed.rolled_back_by = Some("d-ROLLBACK1".into());
    let Ok(Verdict::Failed(why)) = judge_codedeploy(&failed, &Goal::Done) else {
        panic!("failed");
    };
    assert_eq!(
        why,
        "d-WAIT00001 failed (rolled back by d-ROLLBACK1): HOOK_EXECUTION_FAILURE: the AfterAllowTestTraffic hook failed"
    );
    let stopped = codedeploy(DeploymentStatus::Stopped, Phase::Stopped, &[]);
    assert!(matches!(
        judge_codedeploy(&stopped, &Goal::Ready),
        Ok(Verdict::Failed(_))
    ));
}

#[test]
fn a_stage_of_the_other_platform_or_none_is_refused_naming_the_stages() {
    let d = codedeploy(DeploymentStatus::InProgress, Phase::Installing, &[]);
    let error = judge_codedeploy(&d, &Goal::Stage("POST_TEST_TRAFFIC_SHIFT".into()))
        .expect_err("an ECS stage");
    assert!(error.contains("AfterAllowTestTraffic"), "{error}");
    let ecs = ServiceDeployment::example("1", ServiceDeploymentStatus::InProgress, None);
    let error =
        judge_ecs(&ecs, &Goal::Stage("AllowTraffic".into())).expect_err("a CodeDeploy event");
    assert!(error.contains("POST_TEST_TRAFFIC_SHIFT"), "{error}");
    let error = judge_ecs(&ecs, &Goal::Stage("PRE_PRODUCTION_TRAFFIC_SHIFT".into()))
        .expect_err("a hook stage");
    assert!(error.contains("never reports"), "{error}");
}

#[test]
fn an_ecs_deployment_reaches_a_stage_once_it_is_in_it_or_past_it() {
    use ServiceDeploymentStage as Stage;
    let at =
        |stage| ServiceDeployment::example("1", ServiceDeploymentStatus::InProgress, Some(stage));
    let scaling = at(Stage::ScaleUp);
    assert_eq!(judge_ecs(&scaling, &Goal::Ready), Ok(Verdict::Going));
    assert_eq!(
        judge_ecs(&scaling, &Goal::Stage("scale_up".into())),
        Ok(Verdict::Reached)
    );
    let tested = at(Stage::PostTestTrafficShift);
    assert_eq!(judge_ecs(&tested, &Goal::Ready), Ok(Verdict::Reached));
    assert_eq!(
        judge_ecs(&tested, &Goal::Stage("PRODUCTION_TRAFFIC_SHIFT".into())),
        Ok(Verdict::Going)
    );
    assert_eq!(judge_ecs(&tested, &Goal::Done), Ok(Verdict::Going));
    let rolling = ServiceDeployment::example("2", ServiceDeploymentStatus::InProgress, None);
    assert_eq!(
        judge_ecs(&rolling, &Goal::Ready),
        Ok(Verdict::Going),
        "a rolling deployment has no stages: ready when done"
    );
    let done = ServiceDeployment::example("3", ServiceDeploymentStatus::Successful, None);
    assert_eq!(judge_ecs(&done, &Goal::Ready), Ok(Verdict::Reached));
}

#[test]
fn an_ecs_deployment_that_stops_or_rolls_back_fails_the_wait() {
    use ServiceDeploymentStatus as S;
    for status in [
        S::Stopped,
        S::StopRequested,
        S::RollbackRequested,
        S::RollbackInProgress,
        S::RollbackSuccessful,
        S::RollbackFailed,
    ] {
        let mut d = ServiceDeployment::example("1", status.clone(), None);
        d.status_reason = Some("circuit breaker: 3 tasks failed".into());
        let verdict = judge_ecs(&d, &Goal::Done);
        assert_eq!(
            verdict,
            Ok(Verdict::Failed(format!(
                "lab/shop {}: circuit breaker: 3 tasks failed",
                status.as_str()
            ))),
            "{status:?}"
        );
    }
}

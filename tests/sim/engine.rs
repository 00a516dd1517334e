//! The engine on the manual clock, driven and observed through the SDK clients: traffic
//! shifting per config, the Ready and termination waits, stop and rollback, failed hooks,
//! unhealthy targets, approvals and the pipeline's deploy action.

use aws_sdk_codedeploy::types::{
    AppSpecContent, DeploymentWaitType, RevisionLocation, RevisionLocationType,
};
use aws_sdk_codepipeline::types::{ApprovalResult, ApprovalStatus};
use cutover::sim::SimOptions;
use cutover::sim::world::World;
use cutover::sim::world::codedeploy::{DeploymentStatus, LifecycleEventName, Phase};

use crate::common::{Sim, code, options};

pub async fn lab() -> Sim {
    let world = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worlds/lab.toml");
    Sim::start_with(SimOptions {
        world: Some(world),
        speed: None,
        autopilot: Some(false),
        ..options()
    })
    .await
}

/// Steps the clock one second at a time until `done` holds; the seconds it took.
pub fn advance_until(sim: &Sim, limit: i64, done: impl Fn(&World) -> bool) -> i64 {
    for second in 0..=limit {
        if sim.handle.shared().with_world(|w| done(w)) {
            return second;
        }
        sim.advance(1);
    }
    panic!("condition not reached within {limit} virtual seconds");
}

fn phase(sim: &Sim, id: &str) -> (DeploymentStatus, Phase, u32) {
    sim.handle.shared().with_world(|w| {
        let d = &w.deployments[id];
        (d.status, d.phase, d.shifted)
    })
}

fn event_running(id: &str, event: LifecycleEventName) -> impl Fn(&World) -> bool + '_ {
    move |w: &World| {
        w.deployments[id].event(event).status
            == cutover::sim::world::codedeploy::EventStatus::InProgress
    }
}

/// The task definition a lab service runs now, as ECS reports it.
async fn task_definition(sim: &Sim, group: &str) -> String {
    let service = sim
        .ecs()
        .describe_services()
        .cluster("lab")
        .services(group)
        .send()
        .await
        .expect("service");
    service.services()[0]
        .task_definition()
        .expect("task definition")
        .to_owned()
}

/// An AppSpecContent revision of `content`.
fn appspec(content: String) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::AppSpecContent)
        .app_spec_content(AppSpecContent::builder().content(content).build())
        .build()
}

/// Starts a deployment of the group's current task definition through CreateDeployment.
pub async fn deploy(sim: &Sim, group: &str, config: Option<&str>) -> String {
    let task_definition = task_definition(sim, group).await;
    let content = format!(
        "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"{task_definition}\"\n        LoadBalancerInfo:\n          ContainerName: \"{group}\"\n          ContainerPort: 80\nHooks:\n  - AfterAllowTestTraffic: \"arn:aws:lambda:eu-west-1:111122223333:function:{group}-smoke\"\n"
    );
    let revision = appspec(content);
    let out = sim
        .codedeploy()
        .create_deployment()
        .application_name("lab")
        .deployment_group_name(group)
        .set_deployment_config_name(config.map(str::to_owned))
        .revision(revision)
        .send()
        .await
        .expect("create deployment");
    out.deployment_id().expect("id").to_owned()
}

/// Production weights `(blue, green)` as the rule and as the task sets report them.
async fn weights(sim: &Sim, id: &str, group: &str) -> ((f64, f64), (f64, f64)) {
    let target = sim
        .codedeploy()
        .get_deployment_target()
        .deployment_id(id)
        .target_id(format!("lab:{group}"))
        .send()
        .await
        .expect("target");
    let sets = target
        .deployment_target()
        .and_then(|t| t.ecs_target())
        .expect("ecs")
        .task_sets_info()
        .to_vec();
    let weight_of = |label: &str| {
        sets.iter()
            .find(|s| s.task_set_label().map(|l| l.as_str()) == Some(label))
            .map_or(0.0, |s| s.traffic_weight())
    };
    let task_sets = (weight_of("Blue"), weight_of("Green"));
    let elb = sim.elb();
    let tgs = elb
        .describe_target_groups()
        .names(format!("{group}-blue"))
        .names(format!("{group}-green"))
        .send()
        .await
        .expect("tgs");
    let blue = tgs.target_groups()[0]
        .target_group_arn()
        .expect("arn")
        .to_owned();
    let green = tgs.target_groups()[1]
        .target_group_arn()
        .expect("arn")
        .to_owned();
    let lb = elb
        .describe_load_balancers()
        .names("lab-alb")
        .send()
        .await
        .expect("lb");
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(lb.load_balancers()[0].load_balancer_arn().expect("arn"))
        .send()
        .await
        .expect("listeners");
    let prod = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(80))
        .expect("prod");
    let rules = elb
        .describe_rules()
        .listener_arn(prod.listener_arn().expect("arn"))
        .send()
        .await
        .expect("rules");
    let rule = rules
        .rules()
        .iter()
        .find(|r| {
            r.actions().iter().any(|a| {
                a.forward_config().is_some_and(|f| {
                    f.target_groups().iter().any(|t| {
                        [blue.as_str(), green.as_str()]
                            .contains(&t.target_group_arn().unwrap_or_default())
                    })
                })
            })
        })
        .expect("the group's production rule");
    let tuples = rule.actions()[0]
        .forward_config()
        .expect("forward")
        .target_groups()
        .to_vec();
    let total: i32 = tuples.iter().filter_map(|t| t.weight()).sum();
    let share = |arn: &str| {
        tuples
            .iter()
            .filter(|t| t.target_group_arn() == Some(arn))
            .filter_map(|t| t.weight())
            .sum::<i32>() as f64
            * 100.0
            / total as f64
    };
    // Blue is whichever group served production before the deployment: web-blue at start.
    ((share(&blue), share(&green)), task_sets)
}

#[tokio::test]
async fn canary_ten_percent_shifts_ten_then_all_five_minutes_later() {
    let sim = lab().await;
    let id = deploy(
        &sim,
        "web",
        Some("CodeDeployDefault.ECSCanary10Percent5Minutes"),
    )
    .await;
    advance_until(
        &sim,
        900,
        event_running(&id, LifecycleEventName::AllowTraffic),
    );
    let (rule, sets) = weights(&sim, &id, "web").await;
    assert_eq!(rule, (90.0, 10.0));
    assert_eq!(sets, (90.0, 10.0));
    sim.advance(299);
    assert_eq!(
        phase(&sim, &id).2,
        10,
        "still 10 % one second before the step"
    );
    sim.advance(1);
    let (rule, sets) = weights(&sim, &id, "web").await;
    assert_eq!(rule, (0.0, 100.0));
    assert_eq!(sets, (0.0, 100.0));
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn linear_shifts_ten_percent_each_minute() {
    let sim = lab().await;
    let id = deploy(
        &sim,
        "web",
        Some("CodeDeployDefault.ECSLinear10PercentEvery1Minutes"),
    )
    .await;
    advance_until(
        &sim,
        900,
        event_running(&id, LifecycleEventName::AllowTraffic),
    );
    for step in 1..=10u32 {
        assert_eq!(phase(&sim, &id).2, step * 10);
        let (rule, sets) = weights(&sim, &id, "web").await;
        assert_eq!(rule.1, f64::from(step * 10));
        assert_eq!(sets.1, f64::from(step * 10));
        sim.advance(60);
    }
}

#[tokio::test]
async fn all_at_once_then_termination_wait_then_the_original_is_removed() {
    let sim = lab().await;
    let id = deploy(&sim, "web", None).await;
    advance_until(
        &sim,
        900,
        event_running(&id, LifecycleEventName::AllowTraffic),
    );
    assert_eq!(weights(&sim, &id, "web").await.0, (0.0, 100.0));
    advance_until(&sim, 300, |w| {
        w.deployments[&id].phase == Phase::TerminationWait
    });
    let info = sim
        .codedeploy()
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    let info = info.deployment_info().expect("info");
    assert!(info.instance_termination_wait_time_started());
    assert_eq!(info.status().map(|s| s.as_str()), Some("InProgress"));
    let waited = advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Succeeded
    });
    assert!(
        waited >= 300,
        "the five-minute termination wait ran ({waited} s)"
    );
    let service = sim
        .ecs()
        .describe_services()
        .cluster("lab")
        .services("web")
        .send()
        .await
        .expect("service");
    let sets = service.services()[0].task_sets();
    assert_eq!(sets.len(), 1, "only the replacement remains");
    assert_eq!(sets[0].status(), Some("PRIMARY"));
    let blue = sim
        .elb()
        .describe_target_groups()
        .names("web-blue")
        .send()
        .await
        .expect("tg");
    let health = sim
        .elb()
        .describe_target_health()
        .target_group_arn(blue.target_groups()[0].target_group_arn().expect("arn"))
        .send()
        .await
        .expect("health");
    assert!(
        health.target_health_descriptions().is_empty(),
        "no targets outlive the original task set"
    );
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn finish_now_ends_the_termination_wait_early() {
    let sim = lab().await;
    let id = deploy(&sim, "web", None).await;
    advance_until(&sim, 1200, |w| {
        w.deployments[&id].phase == Phase::TerminationWait
    });
    let cd = sim.codedeploy();
    let error = cd
        .continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::ReadyWait)
        .send()
        .await
        .expect_err("not ready");
    assert_eq!(code(&error), "DeploymentIsNotInReadyStateException");
    cd.continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::TerminationWait)
        .send()
        .await
        .expect("finish now");
    let took = advance_until(&sim, 300, |w| {
        w.deployments[&id].status == DeploymentStatus::Succeeded
    });
    assert!(
        took < 120,
        "finished after draining, not after the wait ({took} s)"
    );
    let error = cd
        .continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::TerminationWait)
        .send()
        .await
        .expect_err("done");
    assert_eq!(code(&error), "DeploymentAlreadyCompletedException");
}

#[tokio::test]
async fn ready_waits_for_continue_then_shifts() {
    let sim = lab().await;
    let id = deploy(&sim, "api", None).await;
    advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Ready
    });
    let info = sim
        .codedeploy()
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    assert_eq!(
        info.deployment_info()
            .and_then(|d| d.status())
            .map(|s| s.as_str()),
        Some("Ready")
    );
    assert_eq!(
        weights(&sim, &id, "api").await.0,
        (100.0, 0.0),
        "production has not moved"
    );
    sim.advance(120);
    assert_eq!(
        phase(&sim, &id).0,
        DeploymentStatus::Ready,
        "it keeps waiting"
    );
    sim.codedeploy()
        .continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::ReadyWait)
        .send()
        .await
        .expect("reroute");
    advance_until(&sim, 300, |w| w.deployments[&id].shifted == 100);
    let error = sim
        .codedeploy()
        .continue_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect_err("no longer ready");
    assert_eq!(code(&error), "DeploymentIsNotInReadyStateException");
}

#[tokio::test]
async fn ready_times_out_to_stopped_and_traffic_stays_on_the_original() {
    let sim = lab().await;
    let id = deploy(&sim, "api", None).await;
    advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Ready
    });
    let waited = advance_until(&sim, 700, |w| {
        w.deployments[&id].status == DeploymentStatus::Stopped
    });
    assert!(
        (599..=601).contains(&waited),
        "the ten-minute ready wait ran out ({waited} s)"
    );
    let info = sim
        .codedeploy()
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    let error = info
        .deployment_info()
        .and_then(|d| d.error_information())
        .expect("error information");
    assert_eq!(error.code().map(|c| c.as_str()), Some("TIMEOUT"));
    advance_until(&sim, 300, |w| {
        w.service("lab", "api")
            .is_some_and(|s| s.task_sets.len() == 1)
    });
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn stop_with_rollback_creates_a_linked_rollback_that_moves_traffic_back() {
    let sim = lab().await;
    let id = deploy(
        &sim,
        "web",
        Some("CodeDeployDefault.ECSCanary10Percent5Minutes"),
    )
    .await;
    advance_until(
        &sim,
        900,
        event_running(&id, LifecycleEventName::AllowTraffic),
    );
    let cd = sim.codedeploy();
    let out = cd
        .stop_deployment()
        .deployment_id(&id)
        .auto_rollback_enabled(true)
        .send()
        .await
        .expect("stop");
    assert_eq!(out.status().map(|s| s.as_str()), Some("Pending"));
    let info = cd
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    let info = info.deployment_info().expect("info");
    assert_eq!(info.status().map(|s| s.as_str()), Some("Stopped"));
    let rollback = info
        .rollback_info()
        .and_then(|r| r.rollback_deployment_id())
        .expect("rollback id")
        .to_owned();
    let back = cd
        .get_deployment()
        .deployment_id(&rollback)
        .send()
        .await
        .expect("rollback");
    let back = back.deployment_info().expect("info");
    assert_eq!(
        back.creator().map(|c| c.as_str()),
        Some("codeDeployRollback")
    );
    assert_eq!(
        back.rollback_info()
            .and_then(|r| r.rollback_triggering_deployment_id()),
        Some(id.as_str())
    );
    advance_until(&sim, 600, |w| {
        w.deployments[&rollback].status == DeploymentStatus::Succeeded
    });
    assert_eq!(
        weights(&sim, &rollback, "web").await.0,
        (100.0, 0.0),
        "production is back on the original"
    );
    let service = sim
        .ecs()
        .describe_services()
        .cluster("lab")
        .services("web")
        .send()
        .await
        .expect("service");
    assert_eq!(service.services()[0].task_sets().len(), 1);
    let error = cd
        .stop_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect_err("already over");
    assert_eq!(code(&error), "DeploymentAlreadyCompletedException");
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

pub async fn control_post(sim: &Sim, body: &str) {
    control(sim, body).await;
}

async fn control(sim: &Sim, body: &str) {
    let response = crate::control::post(&sim.endpoint(), "/_sim/scenario", body).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[tokio::test]
async fn a_failed_hook_fails_the_deployment_with_diagnostics_and_rolls_back() {
    let sim = lab().await;
    control(
        &sim,
        r#"{"event":"fail_next_hook","application":"lab","deployment_group":"web"}"#,
    )
    .await;
    let id = deploy(&sim, "web", None).await;
    advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Failed
    });
    let cd = sim.codedeploy();
    let info = cd
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    let info = info.deployment_info().expect("info");
    assert_eq!(
        info.error_information()
            .and_then(|e| e.code())
            .map(|c| c.as_str()),
        Some("HOOK_EXECUTION_FAILURE")
    );
    let target = cd
        .get_deployment_target()
        .deployment_id(&id)
        .target_id("lab:web")
        .send()
        .await
        .expect("target");
    let events = target
        .deployment_target()
        .and_then(|t| t.ecs_target())
        .expect("ecs")
        .lifecycle_events()
        .to_vec();
    let failed = events
        .iter()
        .find(|e| e.status().map(|s| s.as_str()) == Some("Failed"))
        .expect("a failed event");
    assert_eq!(failed.lifecycle_event_name(), Some("AfterAllowTestTraffic"));
    assert!(
        failed
            .diagnostics()
            .and_then(|d| d.message())
            .is_some_and(|m| !m.is_empty())
    );
    assert!(
        events
            .iter()
            .skip(5)
            .all(|e| e.status().map(|s| s.as_str()) == Some("Skipped"))
    );
    let rollback = info
        .rollback_info()
        .and_then(|r| r.rollback_deployment_id())
        .expect("auto rollback")
        .to_owned();
    advance_until(&sim, 600, |w| {
        w.deployments[&rollback].status == DeploymentStatus::Succeeded
    });
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn a_failed_hook_without_auto_rollback_reverts_in_place() {
    let sim = lab().await;
    control(&sim, r#"{"event":"fail_next_hook","application":"lab","deployment_group":"jobs","lifecycle_event":"AfterInstall"}"#).await;
    let id = deploy(&sim, "jobs", None).await;
    advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Failed
    });
    let info = sim
        .codedeploy()
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    assert!(
        info.deployment_info()
            .and_then(|d| d.rollback_info())
            .and_then(|r| r.rollback_deployment_id())
            .is_none()
    );
    advance_until(&sim, 300, |w| {
        w.service("lab", "jobs")
            .is_some_and(|s| s.task_sets.len() == 1)
    });
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn unhealthy_green_targets_show_their_reason_and_fail_the_install() {
    let sim = lab().await;
    control(
        &sim,
        r#"{"event":"unhealthy_target_group","target_group":"web-green"}"#,
    )
    .await;
    let id = deploy(&sim, "web", None).await;
    advance_until(&sim, 300, |w| {
        w.service("lab", "web").is_some_and(|s| {
            s.tasks
                .iter()
                .any(|t| t.health == cutover::sim::world::ecs::Health::Unhealthy)
        })
    });
    let elb = sim.elb();
    let green = elb
        .describe_target_groups()
        .names("web-green")
        .send()
        .await
        .expect("tg");
    let health = elb
        .describe_target_health()
        .target_group_arn(green.target_groups()[0].target_group_arn().expect("arn"))
        .send()
        .await
        .expect("health");
    let unhealthy = health
        .target_health_descriptions()
        .iter()
        .filter_map(|t| t.target_health())
        .find(|h| h.state().map(|s| s.as_str()) == Some("unhealthy"))
        .expect("an unhealthy target");
    assert_eq!(
        unhealthy.reason().map(|r| r.as_str()),
        Some("Target.ResponseCodeMismatch")
    );
    advance_until(&sim, 900, |w| {
        w.deployments[&id].status == DeploymentStatus::Failed
    });
    let info = sim
        .codedeploy()
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("get");
    assert_eq!(
        info.deployment_info()
            .and_then(|d| d.error_information())
            .and_then(|e| e.code())
            .map(|c| c.as_str()),
        Some("ECS_UPDATE_ERROR")
    );
    let stopped = sim
        .ecs()
        .list_tasks()
        .cluster("lab")
        .service_name("web")
        .desired_status(aws_sdk_ecs::types::DesiredStatus::Stopped)
        .send()
        .await
        .expect("stopped");
    let tasks = sim
        .ecs()
        .describe_tasks()
        .cluster("lab")
        .set_tasks(Some(stopped.task_arns().to_vec()))
        .send()
        .await
        .expect("tasks");
    assert!(tasks.tasks().iter().any(|t| {
        t.stopped_reason()
            .is_some_and(|r| r.contains("failed ELB health checks"))
    }));
}

#[tokio::test]
async fn a_second_deployment_to_a_busy_group_is_refused() {
    let sim = lab().await;
    deploy(&sim, "web", None).await;
    let td = task_definition(&sim, "web").await;
    let revision = appspec(format!(
        "Resources:\n  - T:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: {td}\n"
    ));
    let error = sim
        .codedeploy()
        .create_deployment()
        .application_name("lab")
        .deployment_group_name("web")
        .revision(revision)
        .send()
        .await
        .expect_err("busy");
    assert_eq!(code(&error), "DeploymentLimitExceededException");
    let bad = appspec("not: [valid".to_owned());
    let error = sim
        .codedeploy()
        .create_deployment()
        .application_name("lab")
        .deployment_group_name("api")
        .revision(bad)
        .send()
        .await
        .expect_err("bad appspec");
    assert_eq!(code(&error), "InvalidRevisionException");
}

async fn approval(sim: &Sim) -> (String, String, String) {
    let state = sim
        .codepipeline()
        .get_pipeline_state()
        .name("web-release")
        .send()
        .await
        .expect("state");
    for stage in state.stage_states() {
        for action in stage.action_states() {
            if let Some(token) = action.latest_execution().and_then(|e| e.token()) {
                return (
                    stage.stage_name().unwrap_or_default().to_owned(),
                    action.action_name().unwrap_or_default().to_owned(),
                    token.to_owned(),
                );
            }
        }
    }
    panic!("no approval waiting: {state:?}");
}

#[tokio::test]
async fn an_approval_waits_for_its_answer_then_the_deploy_action_follows_the_deployment() {
    let sim = lab().await;
    let cp = sim.codepipeline();
    let started = cp
        .start_pipeline_execution()
        .name("web-release")
        .send()
        .await
        .expect("start");
    let execution = started.pipeline_execution_id().expect("id").to_owned();
    advance_until(&sim, 1200, |w| {
        w.executions[&execution]
            .runs
            .iter()
            .any(|r| r.token.is_some())
    });
    let (stage, action, token) = approval(&sim).await;
    sim.advance(3600);
    assert_eq!(approval(&sim).await.2, token, "still waiting an hour later");
    let result = |status| {
        ApprovalResult::builder()
            .summary("ship it")
            .status(status)
            .build()
            .expect("result")
    };
    let error = cp
        .put_approval_result()
        .pipeline_name("web-release")
        .stage_name(&stage)
        .action_name(&action)
        .token("00000000-0000-4000-a000-000000000000")
        .result(result(ApprovalStatus::Approved))
        .send()
        .await
        .expect_err("wrong token");
    assert_eq!(code(&error), "InvalidApprovalTokenException");
    let long = ApprovalResult::builder()
        .summary("x".repeat(513))
        .status(ApprovalStatus::Approved)
        .build()
        .expect("result");
    let error = cp
        .put_approval_result()
        .pipeline_name("web-release")
        .stage_name(&stage)
        .action_name(&action)
        .token(&token)
        .result(long)
        .send()
        .await
        .expect_err("too long");
    assert_eq!(code(&error), "ValidationException");
    let out = cp
        .put_approval_result()
        .pipeline_name("web-release")
        .stage_name(&stage)
        .action_name(&action)
        .token(&token)
        .result(result(ApprovalStatus::Approved))
        .send()
        .await
        .expect("approve");
    assert!(out.approved_at().is_some());
    let error = cp
        .put_approval_result()
        .pipeline_name("web-release")
        .stage_name(&stage)
        .action_name(&action)
        .token(&token)
        .result(result(ApprovalStatus::Rejected))
        .send()
        .await
        .expect_err("twice");
    assert_eq!(code(&error), "ApprovalAlreadyCompletedException");

    advance_until(&sim, 60, |w| {
        w.deployments.values().any(|d| {
            d.description
                .as_deref()
                .is_some_and(|t| t.contains(&execution))
        })
    });
    let actions = cp
        .list_action_executions()
        .pipeline_name("web-release")
        .filter(
            aws_sdk_codepipeline::types::ActionExecutionFilter::builder()
                .pipeline_execution_id(&execution)
                .build(),
        )
        .send()
        .await
        .expect("actions");
    let deploy_action = actions
        .action_execution_details()
        .iter()
        .find(|a| a.action_name() == Some("Deploy"))
        .expect("deploy ran");
    let deployment = deploy_action
        .output()
        .and_then(|o| o.execution_result())
        .and_then(|r| r.external_execution_id())
        .expect("external id")
        .to_owned();
    let info = sim
        .codedeploy()
        .get_deployment()
        .deployment_id(&deployment)
        .send()
        .await
        .expect("the deployment exists");
    assert_eq!(
        info.deployment_info()
            .and_then(|d| d.deployment_group_name()),
        Some("web")
    );
    advance_until(&sim, 3600, |w| {
        w.executions[&execution].status.as_str() == "Succeeded"
    });
    assert_eq!(phase(&sim, &deployment).0, DeploymentStatus::Succeeded);
}

#[tokio::test]
async fn a_rejected_approval_fails_the_stage_and_the_execution() {
    let sim = lab().await;
    let cp = sim.codepipeline();
    let execution = cp
        .start_pipeline_execution()
        .name("web-release")
        .send()
        .await
        .expect("start")
        .pipeline_execution_id()
        .expect("id")
        .to_owned();
    advance_until(&sim, 1200, |w| {
        w.executions[&execution]
            .runs
            .iter()
            .any(|r| r.token.is_some())
    });
    let (stage, action, token) = approval(&sim).await;
    let result = ApprovalResult::builder()
        .summary("not today")
        .status(ApprovalStatus::Rejected)
        .build()
        .expect("result");
    cp.put_approval_result()
        .pipeline_name("web-release")
        .stage_name(&stage)
        .action_name(&action)
        .token(&token)
        .result(result)
        .send()
        .await
        .expect("reject");
    let out = cp
        .get_pipeline_execution()
        .pipeline_name("web-release")
        .pipeline_execution_id(&execution)
        .send()
        .await
        .expect("execution");
    assert_eq!(
        out.pipeline_execution()
            .and_then(|e| e.status())
            .map(|s| s.as_str()),
        Some("Failed")
    );
    let state = cp
        .get_pipeline_state()
        .name("web-release")
        .send()
        .await
        .expect("state");
    let gate = state
        .stage_states()
        .iter()
        .find(|s| s.stage_name() == Some(stage.as_str()))
        .expect("stage");
    assert_eq!(
        gate.latest_execution().map(|e| e.status().as_str()),
        Some("Failed")
    );
}

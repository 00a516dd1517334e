//! What each decision compares, picked from hand-made snapshots: no AWS.

use super::*;
use crate::model::deploy::{DeploymentGroup, EcsTarget};
use crate::model::ecs::TaskSet;
use crate::model::elb::{Target, TargetGroup};
use crate::model::pipeline::{ActionRun, DeployTarget, ExecutionSummary, SourceRevision};
use crate::model::service_deployment::{
    HookDetail, RevisionCounts, ServiceDeployment, ServiceRevision,
};
use crate::model::status::{ActionStatus, HookStatus, LifecycleStatus, ServiceDeploymentStatus};

fn td(name: &str) -> String {
    format!("arn:aws:ecs:us-east-1:123456789012:task-definition/{name}")
}

fn group(name: &str, service: &str) -> DeploymentGroup {
    DeploymentGroup {
        application: "web".into(),
        name: name.into(),
        config: "CodeDeployDefault.ECSAllAtOnce".into(),
        routing: None,
        cluster: Some("lab".into()),
        service: Some(service.into()),
        target_group_names: Vec::new(),
        target_group_arns: Vec::new(),
        production_listeners: Vec::new(),
        test_listeners: Vec::new(),
        ready_action: None,
        ready_wait_minutes: 0,
        termination_wait_minutes: 0,
        auto_rollback: false,
        auto_rollback_events: Vec::new(),
        last_successful_deployment: None,
        last_attempted_deployment: None,
        production_rules: Vec::new(),
        test_rules: Vec::new(),
    }
}

fn service(name: &str, task_definition: &str, target_group: &str) -> Service {
    let mut s = Service::example("lab", name);
    s.task_definition = Some(td(task_definition));
    s.load_balancers = vec![crate::model::ecs::LoadBalancerLink {
        target_group_arn: Some(target_group.into()),
        container_name: None,
        container_port: None,
        alternate_target_group_arn: None,
        production_listener_rule: None,
        test_listener_rule: None,
    }];
    s
}

fn action(
    name: &str,
    category: ActionCategory,
    deploys: Option<&str>,
    token: Option<&str>,
) -> Action {
    Action {
        name: name.into(),
        category,
        provider: String::new(),
        run_order: 1,
        configuration: std::collections::BTreeMap::default(),
        deploys_to: deploys.map(|g| DeployTarget {
            application: "web".into(),
            deployment_group: g.into(),
        }),
        latest: token.map(|t| ActionRun {
            action_execution_id: None,
            status: ActionStatus::InProgress,
            summary: None,
            last_change: None,
            token: Some(t.into()),
            external_id: None,
            external_url: None,
            error: None,
            updated_by: None,
        }),
    }
}

fn stage(name: &str, actions: Vec<Action>) -> Stage {
    Stage {
        name: name.into(),
        inbound_enabled: true,
        disabled_reason: None,
        status: None,
        execution_id: Some("e1".into()),
        inbound_execution_id: None,
        inbound_execution_ids: Vec::new(),
        actions,
    }
}

fn target(id: &str, state: TargetHealthState) -> Target {
    Target {
        id: id.into(),
        port: None,
        zone: None,
        state,
        reason: Some("Target.ResponseCodeMismatch".into()),
        description: None,
    }
}

fn fleet() -> Snapshot {
    let mut p = Pipeline::example("web-promotion");
    p.stages = vec![
        stage(
            "Source",
            vec![action("Source", ActionCategory::Source, None, None)],
        ),
        stage(
            "Test",
            vec![action(
                "DeployToTest",
                ActionCategory::Deploy,
                Some("web-test"),
                None,
            )],
        ),
        stage(
            "Approval",
            vec![action(
                "Approve",
                ActionCategory::Approval,
                None,
                Some("tok"),
            )],
        ),
        stage(
            "Prod",
            vec![action(
                "DeployToProd",
                ActionCategory::Deploy,
                Some("web"),
                None,
            )],
        ),
    ];
    let mut execution =
        ExecutionSummary::example("e1", crate::model::status::ExecutionStatus::InProgress);
    execution.source_revisions = vec![SourceRevision {
        action: "Source".into(),
        revision_id: "9cfbd65aa".into(),
        summary: Some(r#"{"ProviderType":"GitHub","CommitMessage":"Add feature X"}"#.into()),
        url: None,
    }];
    p.executions = vec![execution];
    let healthy = TargetGroup {
        arn: "tg-test".into(),
        name: "tg-test".into(),
        port: None,
        protocol: None,
        load_balancer_arns: Vec::new(),
        health_check_path: None,
        targets: Some(vec![
            target("10.0.0.1", TargetHealthState::Healthy),
            target("10.0.0.2", TargetHealthState::Unhealthy),
        ]),
    };
    let prod_tg = TargetGroup {
        arn: "tg-prod".into(),
        name: "tg-prod".into(),
        targets: None,
        ..healthy.clone()
    };
    Snapshot {
        pipelines: vec![p],
        deployment_groups: vec![group("web-test", "web-test"), group("web", "web")],
        services: vec![
            service("web-test", "web-test:9", "tg-test"),
            service("web", "web:14", "tg-prod"),
        ],
        target_groups: vec![healthy, prod_tg],
        ..Snapshot::default()
    }
}

#[test]
fn a_gate_compares_what_the_stage_before_deployed_with_what_production_runs() {
    let s = fleet();
    let gate = Point::parse("web-promotion").expect("a gate");
    let picked = pick(&s, &gate).expect("found");
    assert_eq!(
        picked.next.as_ref().map(|n| n.task_definition.clone()),
        Some(td("web-test:9"))
    );
    assert_eq!(
        picked.running.as_ref().map(|r| r.task_definition.clone()),
        Some(td("web:14"))
    );
    assert_eq!(
        picked.source.as_ref().and_then(|c| c.message.as_deref()),
        Some("Add feature X")
    );
    let health = picked.health.expect("the test service's health");
    assert_eq!(health.service, ServiceRef::new("lab", "web-test"));
    assert_eq!(health.targets, Some((1, 2)));
    assert_eq!(health.unhealthy[0].id, "10.0.0.2");
    assert!(picked.missing.is_empty(), "{:?}", picked.missing);
    let named = Point::parse("web-promotion/Approval/Approve").expect("named");
    assert_eq!(
        pick(&s, &named).expect("found").next,
        pick(&s, &gate).expect("found").next
    );
    assert!(
        pick(
            &s,
            &Point::parse("web-promotion/Prod/DeployToProd").expect("parsed")
        )
        .is_err()
    );
    assert!(pick(&s, &Point::parse("other").expect("parsed")).is_err());
}

#[test]
fn a_gate_with_no_deploy_before_it_says_what_will_run_is_not_known_yet() {
    let mut s = fleet();
    s.pipelines[0].stages.remove(1);
    let picked = pick(&s, &Point::parse("web-promotion").expect("a gate")).expect("found");
    assert!(picked.next.is_none());
    assert!(picked.running.is_some());
    assert!(
        picked.missing[0].contains("no stage before Approval deploys"),
        "{:?}",
        picked.missing
    );
}

#[test]
fn a_ready_deployment_compares_its_blue_task_set_with_its_appspec() {
    let mut s = fleet();
    let mut d = Deployment::example("d-ABCDEF123", DeploymentStatus::Ready);
    d.application = "web".into();
    d.deployment_group = "web".into();
    d.revision = Some(crate::model::deploy::Revision::AppSpec {
        sha256: "ab".into(),
        content: None,
        task_definition: Some(td("web:15")),
    });
    let set = |id: &str, label: TaskSetLabel| DeployTaskSet {
        id: id.into(),
        label,
        status: TaskSetStatus::Primary,
        desired: 2,
        running: 2,
        pending: 0,
        traffic_weight: 0.0,
        target_group_name: None,
    };
    d.target = Some(EcsTarget {
        target_id: "lab:web".into(),
        status: LifecycleStatus::InProgress,
        last_updated: None,
        lifecycle_events: Vec::new(),
        task_sets: vec![
            set("ecs-svc/1", TaskSetLabel::Blue),
            set("ecs-svc/2", TaskSetLabel::Green),
        ],
    });
    s.deployments.push(d);
    let task_set = |id: &str, def: &str| TaskSet {
        id: id.into(),
        status: TaskSetStatus::Active,
        task_definition: Some(td(def)),
        desired: 2,
        running: 2,
        pending: 0,
        scale_percent: None,
        target_group_arns: Vec::new(),
        stability: None,
        external_id: None,
        created: None,
    };
    s.services[1].task_sets = vec![
        task_set("ecs-svc/1", "web:13"),
        task_set("ecs-svc/2", "web:15"),
    ];
    let picked = pick(&s, &Point::parse("d-ABCDEF123").expect("an id")).expect("found");
    assert_eq!(
        picked.running.map(|r| r.task_definition),
        Some(td("web:13"))
    );
    assert_eq!(picked.next.map(|n| n.task_definition), Some(td("web:15")));
    assert!(picked.missing.is_empty(), "{:?}", picked.missing);
    assert!(pick(&s, &Point::parse("d-ZZZZZZZZZ").expect("an id")).is_err());
}

#[test]
fn a_pause_hook_compares_the_source_revision_with_the_target_revision() {
    let mut s = fleet();
    let mut d = ServiceDeployment::example("x1", ServiceDeploymentStatus::InProgress, None);
    d.service = ServiceRef::new("lab", "web");
    let counts = |arn: &str| RevisionCounts {
        arn: arn.into(),
        requested: 1,
        running: 1,
        pending: 0,
        test_weight: None,
        production_weight: None,
    };
    d.sources = vec![counts("rev-blue")];
    d.target = Some(counts("rev-green"));
    d.hooks = vec![HookDetail {
        id: "h1".into(),
        target_type: None,
        target_arn: None,
        status: Some(HookStatus::AwaitingAction),
        expires_at: None,
        timeout_action: None,
    }];
    let arn = d.arn.clone();
    s.service_deployments.push(d);
    let revision = |arn: &str, def: &str| ServiceRevision {
        arn: arn.into(),
        task_definition: Some(td(def)),
        images: Vec::new(),
        target_group_arns: Vec::new(),
        created_at: None,
    };
    s.service_revisions = vec![
        revision("rev-blue", "web:14"),
        revision("rev-green", "web:16"),
    ];
    let picked = pick(&s, &Point::parse(&arn).expect("an ARN")).expect("found");
    assert_eq!(
        picked.running.map(|r| r.task_definition),
        Some(td("web:14"))
    );
    assert_eq!(picked.next.map(|n| n.task_definition), Some(td("web:16")));
    assert!(picked.missing.is_empty(), "{:?}", picked.missing);
}

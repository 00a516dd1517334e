//! Answers this version does not expect, mapped by the adapters: enum values AWS added after
//! the SDK was built, optional members left out, empty lists. Every enum of the SDK is
//! `#[non_exhaustive]` with an `Unknown(..)` variant (aws-apis.md section 1.6, item 3), so
//! such a value parses; the adapters must keep it, as the model's `Unknown(raw)`, never drop
//! it or take it for a known one. The shapes are built as the SDK's deserializers leave them.

use super::{codedeploy, codepipeline, ecs, elbv2, service_deployments};
use crate::model::status::{
    ActionCategory, ActionStatus, Controller, DeploymentStatus, ExecutionStatus, LifecycleStatus,
    ServiceDeploymentStatus, StageStatus, Status, TargetHealthState, TaskSetLabel, TaskSetStatus,
};

#[test]
fn codedeploy_keeps_a_deployment_status_and_target_values_it_does_not_know() {
    use aws_sdk_codedeploy::types as sdk;
    let info = sdk::DeploymentInfo::builder()
        .deployment_id("d-NOVEL0001")
        .status(sdk::DeploymentStatus::from("Paused"))
        .build();
    let d = codedeploy::deployment(&info);
    assert_eq!(d.status, DeploymentStatus::Unknown("Paused".into()));
    assert!(!d.status.is_terminal(), "not taken for finished");

    let bare = codedeploy::deployment(&sdk::DeploymentInfo::builder().build());
    assert_eq!(bare.id, "");
    assert_eq!(bare.status, DeploymentStatus::Unknown(String::new()));
    assert_eq!(
        (bare.created, bare.error, bare.revision, bare.ready_action),
        (None, None, None, None)
    );

    let target = sdk::EcsTarget::builder()
        .status(sdk::TargetStatus::from("Hibernating"))
        .lifecycle_events(
            sdk::LifecycleEvent::builder()
                .lifecycle_event_name("AfterAllowTraffic")
                .status(sdk::LifecycleEventStatus::from("Deferred"))
                .build(),
        )
        .task_sets_info(
            sdk::EcsTaskSet::builder()
                .task_set_label(sdk::TargetLabel::from("Purple"))
                .status("SCALING")
                .build(),
        )
        .build();
    let t = codedeploy::ecs_target(&target, "prod:api");
    assert_eq!(t.target_id, "prod:api", "the id asked for when none came");
    assert_eq!(t.status, LifecycleStatus::Unknown("Hibernating".into()));
    assert_eq!(
        t.lifecycle_events[0].status,
        LifecycleStatus::Unknown("Deferred".into())
    );
    assert_eq!(t.task_sets[0].label, TaskSetLabel::Unknown("Purple".into()));
    assert_eq!(
        t.task_sets[0].status,
        TaskSetStatus::Unknown("SCALING".into())
    );
    let empty = codedeploy::ecs_target(&sdk::EcsTarget::builder().build(), "prod:api");
    assert!(empty.lifecycle_events.is_empty() && empty.task_sets.is_empty());
}

#[test]
fn ecs_keeps_a_controller_and_a_task_set_status_it_does_not_know() {
    use aws_sdk_ecs::types as sdk;
    let controller = sdk::DeploymentController::builder()
        .r#type(sdk::DeploymentControllerType::from("QUANTUM"))
        .build()
        .expect("a controller");
    let service = sdk::Service::builder()
        .service_name("api")
        .deployment_controller(controller)
        .task_sets(sdk::TaskSet::builder().status("HIBERNATING").build())
        .build();
    let s = ecs::service("prod", &service);
    assert_eq!(s.controller, Controller::Unknown("QUANTUM".into()));
    assert_eq!(
        s.task_sets[0].status,
        TaskSetStatus::Unknown("HIBERNATING".into())
    );

    let bare = ecs::service("prod", &sdk::Service::builder().build());
    assert_eq!(
        (
            bare.cluster.as_str(),
            bare.name.as_str(),
            bare.status.as_str()
        ),
        ("prod", "", "UNKNOWN")
    );
    assert_eq!(bare.controller, Controller::Ecs, "ECS's default controller");
    assert!(bare.task_sets.is_empty() && bare.deployments.is_empty() && bare.events.is_empty());

    let novel = aws_sdk_ecs::types::ServiceDeployment::builder()
        .service_deployment_arn(
            "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/api/abc123",
        )
        .status(sdk::ServiceDeploymentStatus::from("PAUSED_FOR_LUNCH"))
        .lifecycle_stage(sdk::ServiceDeploymentLifecycleStage::from("TELEPORT"))
        .build();
    let d = service_deployments::deployment(&novel).expect("mapped");
    assert_eq!(
        d.status,
        ServiceDeploymentStatus::Unknown("PAUSED_FOR_LUNCH".into())
    );
    assert_eq!(
        d.stage,
        Some(crate::model::status::ServiceDeploymentStage::Unknown(
            "TELEPORT".into()
        ))
    );
    assert!(d.sources.is_empty() && d.hooks.is_empty() && d.target.is_none());
}

#[test]
fn elb_keeps_a_target_state_it_does_not_know_and_a_rule_without_actions() {
    use aws_sdk_elasticloadbalancingv2::types as sdk;
    let described = sdk::TargetHealthDescription::builder()
        .target(sdk::TargetDescription::builder().id("10.0.1.23").build())
        .target_health(
            sdk::TargetHealth::builder()
                .state(sdk::TargetHealthStateEnum::from("degraded"))
                .reason(sdk::TargetHealthReasonEnum::from("Elb.Moody"))
                .build(),
        )
        .build();
    let t = elbv2::target(&described);
    assert_eq!(t.state, TargetHealthState::Unknown("degraded".into()));
    assert_eq!(t.reason.as_deref(), Some("Elb.Moody"));
    let bare = elbv2::target(&sdk::TargetHealthDescription::builder().build());
    assert_eq!(bare.state, TargetHealthState::Unknown(String::new()));
    assert_eq!((bare.id.as_str(), bare.port), ("", None));

    let rule = elbv2::rule("listener", &sdk::Rule::builder().build());
    assert!(rule.forwards.is_empty() && rule.conditions.is_empty());
    assert_eq!(rule.other_action, None);
    let teleports = sdk::Rule::builder()
        .actions(
            sdk::Action::builder()
                .r#type(sdk::ActionTypeEnum::from("teleport"))
                .build(),
        )
        .build();
    assert_eq!(
        elbv2::rule("listener", &teleports).other_action.as_deref(),
        Some("teleport"),
        "an action not known is said, not taken for a forward"
    );
}

#[test]
fn codepipeline_keeps_statuses_and_a_category_it_does_not_know() {
    use aws_sdk_codepipeline::types as sdk;
    let type_id = sdk::ActionTypeId::builder()
        .category(sdk::ActionCategory::from("Quantum"))
        .owner(sdk::ActionOwner::Aws)
        .provider("Teleporter")
        .version("1")
        .build()
        .expect("a type id");
    let declaration = sdk::StageDeclaration::builder()
        .name("Deploy")
        .actions(
            sdk::ActionDeclaration::builder()
                .name("Beam")
                .action_type_id(type_id)
                .build()
                .expect("an action"),
        )
        .build()
        .expect("a stage");
    let stage_state = sdk::StageState::builder()
        .stage_name("Deploy")
        .latest_execution(
            sdk::StageExecution::builder()
                .pipeline_execution_id("e-1")
                .status(sdk::StageExecutionStatus::from("Hibernating"))
                .build()
                .expect("an execution"),
        )
        .action_states(
            sdk::ActionState::builder()
                .action_name("Beam")
                .latest_execution(
                    sdk::ActionExecution::builder()
                        .status(sdk::ActionExecutionStatus::from("Paused"))
                        .build(),
                )
                .build(),
        )
        .build();
    let stage = codepipeline::stage(&declaration, Some(&stage_state));
    assert_eq!(
        stage.status,
        Some(StageStatus::Unknown("Hibernating".into()))
    );
    let action = &stage.actions[0];
    assert_eq!(action.category, ActionCategory::Unknown("Quantum".into()));
    assert_eq!(
        action.latest.as_ref().map(|l| l.status.clone()),
        Some(ActionStatus::Unknown("Paused".into()))
    );
    let unread = codepipeline::stage(&declaration, None);
    assert_eq!(unread.status, None, "a stage no execution reached");
    assert!(unread.actions[0].latest.is_none());

    let summary = sdk::PipelineExecutionSummary::builder()
        .pipeline_execution_id("e-1")
        .status(sdk::PipelineExecutionStatus::from("Paused"))
        .build();
    let e = codepipeline::execution(&summary);
    assert_eq!(e.status, ExecutionStatus::Unknown("Paused".into()));
    let bare = codepipeline::execution(&sdk::PipelineExecutionSummary::builder().build());
    assert_eq!(bare.status, ExecutionStatus::Unknown(String::new()));
    assert!(bare.source_revisions.is_empty() && bare.trigger.is_none());
}

#[test]
fn a_value_left_out_reads_as_unknown_and_one_not_known_as_it_came() {
    assert_eq!(ExecutionStatus::Unknown(String::new()).text(), "unknown");
    assert_eq!(ExecutionStatus::Unknown("Paused".into()).text(), "Paused");
    assert_eq!(
        ExecutionStatus::Unknown(String::new()).as_str(),
        "",
        "the JSON keeps what came"
    );
}

use aws_sdk_ecs::types::DeploymentControllerType;

use crate::common::{Sim, code};

const CLUSTER: &str = "microservices-serverlesscluster";

#[tokio::test]
async fn clusters_and_services_are_listed_across_pages() {
    let sim = Sim::start().await;
    let ecs = sim.ecs();
    let clusters = ecs.list_clusters().send().await.expect("list clusters");
    let arns = clusters.cluster_arns();
    assert!(
        arns.iter()
            .any(|a| a.ends_with(&format!("cluster/{CLUSTER}"))),
        "{arns:?}"
    );
    assert!(arns.iter().any(|a| a.ends_with("cluster/payments-prod")));

    // ListServices pages by 10 by default: collect with the SDK's paginator and by hand.
    let all: Vec<String> = ecs
        .list_services()
        .cluster("payments-prod")
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate");
    assert!(
        all.len() > 10,
        "payments-prod should need two pages, has {}",
        all.len()
    );
    let first = ecs
        .list_services()
        .cluster("payments-prod")
        .send()
        .await
        .expect("page 1");
    assert_eq!(first.service_arns().len(), 10);
    let token = first.next_token().expect("a second page").to_owned();
    let second = ecs
        .list_services()
        .cluster("payments-prod")
        .next_token(&token)
        .send()
        .await
        .expect("page 2");
    assert_eq!(second.service_arns().len(), all.len() - 10);
    assert!(second.next_token().is_none(), "no token on the last page");
    let small = ecs
        .list_services()
        .cluster("payments-prod")
        .max_results(3)
        .send()
        .await
        .expect("page of 3");
    assert_eq!(small.service_arns().len(), 3);

    let error = ecs
        .list_services()
        .max_results(101)
        .cluster(CLUSTER)
        .send()
        .await
        .expect_err("101 is over the limit");
    assert_eq!(code(&error), "InvalidParameterException");
    let error = ecs
        .list_services()
        .cluster("nope")
        .send()
        .await
        .expect_err("unknown cluster");
    assert_eq!(code(&error), "ClusterNotFoundException");
}

#[tokio::test]
async fn describe_services_reports_code_deploy_task_sets_and_missing_services() {
    let sim = Sim::start().await;
    let ecs = sim.ecs();
    let out = ecs
        .describe_services()
        .cluster(CLUSTER)
        .services("customer-microservice")
        .services("no-such-service")
        .send()
        .await
        .expect("describe");
    let service = &out.services()[0];
    assert_eq!(service.service_name(), Some("customer-microservice"));
    assert_eq!(
        service.deployment_controller().map(|c| c.r#type()),
        Some(&DeploymentControllerType::CodeDeploy)
    );
    assert_eq!(service.running_count(), service.desired_count());
    let sets = service.task_sets();
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].status(), Some("PRIMARY"));
    assert!(sets[0].id().is_some_and(|id| id.starts_with("ecs-svc/")));
    assert!(
        service.deployments().is_empty(),
        "CODE_DEPLOY services list no deployments"
    );
    assert!(!service.events().is_empty());
    let failure = &out.failures()[0];
    assert_eq!(failure.reason(), Some("MISSING"));
    assert!(failure.arn().is_some_and(|a| a.ends_with("service/microservices-serverlesscluster/no-such-service")));

    let eleven: Vec<String> = (0..11).map(|i| format!("s{i}")).collect();
    let error = ecs
        .describe_services()
        .cluster(CLUSTER)
        .set_services(Some(eleven))
        .send()
        .await
        .expect_err("11 > 10");
    assert_eq!(code(&error), "InvalidParameterException");
}

#[tokio::test]
async fn task_sets_task_definitions_and_tasks_describe_the_same_service() {
    let sim = Sim::start().await;
    let ecs = sim.ecs();
    let sets = ecs
        .describe_task_sets()
        .cluster(CLUSTER)
        .service("customer-microservice")
        .send()
        .await
        .expect("task sets");
    let set = &sets.task_sets()[0];
    assert_eq!(set.scale().map(|s| s.value()), Some(100.0));
    let definition = set.task_definition().expect("task definition").to_owned();
    let described = ecs
        .describe_task_definition()
        .task_definition(&definition)
        .send()
        .await
        .expect("describe td");
    let td = described.task_definition().expect("td");
    assert_eq!(td.task_definition_arn(), Some(definition.as_str()));
    assert!(td.container_definitions()[0].log_configuration().is_some());

    let tasks = ecs
        .list_tasks()
        .cluster(CLUSTER)
        .service_name("customer-microservice")
        .send()
        .await
        .expect("list tasks");
    assert_eq!(tasks.task_arns().len() as i64, set.running_count() as i64);
    let described = ecs
        .describe_tasks()
        .cluster(CLUSTER)
        .set_tasks(Some(tasks.task_arns().to_vec()))
        .tasks("nope")
        .send()
        .await
        .expect("describe tasks");
    assert!(
        described
            .tasks()
            .iter()
            .all(|t| t.last_status() == Some("RUNNING"))
    );
    assert_eq!(described.failures()[0].reason(), Some("MISSING"));

    let error = ecs
        .describe_task_definition()
        .task_definition("nothing:1")
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(code(&error), "ClientException");
}

#[tokio::test]
async fn scaling_a_service_starts_tasks_that_become_running_and_stopping_keeps_a_reason() {
    let sim = Sim::start().await;
    let ecs = sim.ecs();
    let before = ecs
        .describe_services()
        .cluster(CLUSTER)
        .services("employee-microservice")
        .send()
        .await
        .expect("describe");
    let desired = before.services()[0].desired_count();
    let out = ecs
        .update_service()
        .cluster(CLUSTER)
        .service("employee-microservice")
        .desired_count(desired + 2)
        .send()
        .await
        .expect("scale up");
    assert_eq!(out.service().map(|s| s.desired_count()), Some(desired + 2));
    sim.advance(2);
    let mid = ecs
        .describe_services()
        .cluster(CLUSTER)
        .services("employee-microservice")
        .send()
        .await
        .expect("describe");
    assert_eq!(mid.services()[0].pending_count(), 2);
    sim.advance(60);
    let after = ecs
        .describe_services()
        .cluster(CLUSTER)
        .services("employee-microservice")
        .send()
        .await
        .expect("describe");
    assert_eq!(after.services()[0].running_count(), desired + 2);
    assert_eq!(after.services()[0].pending_count(), 0);

    ecs.update_service()
        .cluster(CLUSTER)
        .service("employee-microservice")
        .desired_count(desired)
        .send()
        .await
        .expect("scale down");
    sim.advance(60);
    let stopped = ecs
        .list_tasks()
        .cluster(CLUSTER)
        .service_name("employee-microservice")
        .desired_status(aws_sdk_ecs::types::DesiredStatus::Stopped)
        .send()
        .await
        .expect("stopped");
    assert_eq!(stopped.task_arns().len(), 2);
    let tasks = ecs
        .describe_tasks()
        .cluster(CLUSTER)
        .set_tasks(Some(stopped.task_arns().to_vec()))
        .send()
        .await
        .expect("describe");
    for task in tasks.tasks() {
        assert_eq!(task.last_status(), Some("STOPPED"));
        assert!(
            task.stopped_reason()
                .is_some_and(|r| r.contains("desired count")),
            "{:?}",
            task.stopped_reason()
        );
    }
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

#[tokio::test]
async fn code_deploy_services_refuse_changes_that_need_a_deployment() {
    let sim = Sim::start().await;
    let ecs = sim.ecs();
    let error = ecs
        .update_service()
        .cluster(CLUSTER)
        .service("customer-microservice")
        .task_definition("customer-microservice:1")
        .send()
        .await
        .expect_err("refused");
    assert_eq!(code(&error), "InvalidParameterException");
    assert!(
        error
            .as_service_error()
            .and_then(|e| aws_sdk_ecs::error::ProvideErrorMetadata::message(e))
            .is_some_and(|m| m.contains("CODE_DEPLOY"))
    );
    for bad in [-1, 5001] {
        let error = ecs
            .update_service()
            .cluster(CLUSTER)
            .service("customer-microservice")
            .desired_count(bad)
            .send()
            .await
            .expect_err("bad count");
        assert_eq!(code(&error), "InvalidParameterException");
    }
    let error = ecs
        .update_service()
        .cluster(CLUSTER)
        .service("ghost")
        .desired_count(1)
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(code(&error), "ServiceNotFoundException");
}

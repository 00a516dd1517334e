use aws_sdk_codedeploy::types::{
    AppSpecContent, BundleType, DeploymentStatus, RevisionLocation, RevisionLocationType,
    S3Location, TargetFilterName,
};

use crate::common::{Sim, code};

#[tokio::test]
async fn applications_groups_and_configs_are_read_as_the_tutorial_set_them_up() {
    let sim = Sim::start().await;
    let cd = sim.codedeploy();
    let apps = cd.list_applications().send().await.expect("apps");
    assert!(apps.applications().contains(&"microservices".to_owned()));
    let app = cd
        .get_application()
        .application_name("microservices")
        .send()
        .await
        .expect("app");
    assert_eq!(
        app.application()
            .and_then(|a| a.compute_platform())
            .map(|p| p.as_str()),
        Some("ECS")
    );
    let groups = cd
        .list_deployment_groups()
        .application_name("microservices")
        .send()
        .await
        .expect("groups");
    assert_eq!(groups.deployment_groups().len(), 2);
    let info = cd
        .batch_get_deployment_groups()
        .application_name("microservices")
        .set_deployment_group_names(Some(groups.deployment_groups().to_vec()))
        .send()
        .await
        .expect("batch groups");
    for group in info.deployment_groups_info() {
        let service = &group.ecs_services()[0];
        assert_eq!(
            service.cluster_name(),
            Some("microservices-serverlesscluster")
        );
        let pair = &group
            .load_balancer_info()
            .expect("lb info")
            .target_group_pair_info_list()[0];
        assert_eq!(pair.target_groups().len(), 2);
        assert_eq!(
            pair.prod_traffic_route()
                .expect("prod")
                .listener_arns()
                .len(),
            1
        );
        assert!(pair.test_traffic_route().is_some());
        assert!(
            group.last_successful_deployment().is_some(),
            "the world starts with a deployment history"
        );
    }
    let configs = cd.list_deployment_configs().send().await.expect("configs");
    assert!(
        configs
            .deployment_configs_list()
            .contains(&"CodeDeployDefault.ECSCanary10Percent5Minutes".to_owned())
    );
    let canary = cd
        .get_deployment_config()
        .deployment_config_name("CodeDeployDefault.ECSCanary10Percent5Minutes")
        .send()
        .await
        .expect("config");
    let routing = canary
        .deployment_config_info()
        .and_then(|c| c.traffic_routing_config())
        .expect("routing");
    assert_eq!(
        routing
            .time_based_canary()
            .map(|c| (c.canary_percentage(), c.canary_interval())),
        Some((10, 5))
    );

    let error = cd
        .get_application()
        .application_name("nope")
        .send()
        .await
        .expect_err("unknown app");
    assert_eq!(code(&error), "ApplicationDoesNotExistException");
    let error = cd
        .get_deployment_group()
        .application_name("microservices")
        .deployment_group_name("nope")
        .send()
        .await
        .expect_err("unknown group");
    assert_eq!(code(&error), "DeploymentGroupDoesNotExistException");
    let names: Vec<String> = (0..101).map(|i| format!("g{i}")).collect();
    let error = cd
        .batch_get_deployment_groups()
        .application_name("microservices")
        .set_deployment_group_names(Some(names))
        .send()
        .await
        .expect_err("batch limit");
    assert_eq!(code(&error), "BatchLimitExceededException");
    let names: Vec<String> = (0..101).map(|i| format!("a{i}")).collect();
    let error = cd
        .batch_get_applications()
        .set_application_names(Some(names))
        .send()
        .await
        .expect_err("batch limit");
    assert_eq!(code(&error), "BatchLimitExceededException");
}

#[tokio::test]
async fn deployments_are_listed_with_filters_and_batched_to_25() {
    let sim = Sim::start().await;
    let cd = sim.codedeploy();
    let all = cd.list_deployments().send().await.expect("list");
    assert!(!all.deployments().is_empty());
    let ok = cd
        .list_deployments()
        .include_only_statuses(DeploymentStatus::Succeeded)
        .send()
        .await
        .expect("succeeded");
    assert_eq!(
        ok.deployments().len(),
        all.deployments().len(),
        "the history is all succeeded"
    );
    let none = cd
        .list_deployments()
        .include_only_statuses(DeploymentStatus::Failed)
        .send()
        .await
        .expect("failed");
    assert!(none.deployments().is_empty());
    let future = aws_smithy_types::DateTime::from_secs(4_000_000_000);
    let range = aws_sdk_codedeploy::types::TimeRange::builder()
        .start(future)
        .build();
    let later = cd
        .list_deployments()
        .create_time_range(range)
        .send()
        .await
        .expect("range");
    assert!(later.deployments().is_empty());
    let bad = aws_sdk_codedeploy::types::TimeRange::builder()
        .start(future)
        .end(aws_smithy_types::DateTime::from_secs(1))
        .build();
    let error = cd
        .list_deployments()
        .create_time_range(bad)
        .send()
        .await
        .expect_err("bad range");
    assert_eq!(code(&error), "InvalidTimeRangeException");
    let error = cd
        .list_deployments()
        .application_name("microservices")
        .send()
        .await
        .expect_err("group needed");
    assert_eq!(code(&error), "DeploymentGroupNameRequiredException");

    let batch = cd
        .batch_get_deployments()
        .set_deployment_ids(Some(
            all.deployments()[..all.deployments().len().min(25)].to_vec(),
        ))
        .send()
        .await
        .expect("batch");
    assert_eq!(
        batch.deployments_info().len(),
        all.deployments().len().min(25)
    );
    let ids: Vec<String> = (0..26).map(|i| format!("d-AAAAAAA{i:02}")).collect();
    let error = cd
        .batch_get_deployments()
        .set_deployment_ids(Some(ids))
        .send()
        .await
        .expect_err("26 > 25");
    assert_eq!(code(&error), "BatchLimitExceededException");
    let error = cd
        .get_deployment()
        .deployment_id("d-NOTHERE00")
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(code(&error), "DeploymentDoesNotExistException");
    let error = cd
        .get_deployment()
        .deployment_id("nonsense")
        .send()
        .await
        .expect_err("invalid id");
    assert_eq!(code(&error), "InvalidDeploymentIdException");
}

#[tokio::test]
async fn an_ecs_deployment_has_one_target_with_eight_events_and_its_task_sets() {
    let sim = Sim::start().await;
    let cd = sim.codedeploy();
    let list = cd
        .list_deployments()
        .application_name("microservices")
        .deployment_group_name("microservices-customer")
        .send()
        .await
        .expect("list");
    let id = list.deployments()[0].clone();
    let targets = cd
        .list_deployment_targets()
        .deployment_id(&id)
        .send()
        .await
        .expect("targets");
    assert_eq!(
        targets.target_ids(),
        ["microservices-serverlesscluster:customer-microservice"]
    );
    let filtered = cd
        .list_deployment_targets()
        .deployment_id(&id)
        .target_filters(TargetFilterName::TargetStatus, vec!["Failed".to_owned()])
        .send()
        .await
        .expect("filtered");
    assert!(filtered.target_ids().is_empty());
    let out = cd
        .batch_get_deployment_targets()
        .deployment_id(&id)
        .set_target_ids(Some(targets.target_ids().to_vec()))
        .send()
        .await
        .expect("batch targets");
    let ecs = out.deployment_targets()[0]
        .ecs_target()
        .expect("ecs target");
    let names: Vec<&str> = ecs
        .lifecycle_events()
        .iter()
        .filter_map(|e| e.lifecycle_event_name())
        .collect();
    assert_eq!(
        names,
        [
            "BeforeInstall",
            "Install",
            "AfterInstall",
            "AllowTestTraffic",
            "AfterAllowTestTraffic",
            "BeforeAllowTraffic",
            "AllowTraffic",
            "AfterAllowTraffic"
        ]
    );
    let green = &ecs.task_sets_info()[0];
    assert!(green.identifer().is_some_and(|i| i.starts_with("ecs-svc/")));
    assert_eq!(green.traffic_weight(), 100.0);
    assert_eq!(
        green.target_group().and_then(|t| t.name()),
        Some("customer-tg-two")
    );
    let single = cd
        .get_deployment_target()
        .deployment_id(&id)
        .target_id("microservices-serverlesscluster:customer-microservice")
        .send()
        .await
        .expect("one target");
    assert!(
        single
            .deployment_target()
            .and_then(|t| t.ecs_target())
            .is_some()
    );
    let error = cd
        .get_deployment_target()
        .deployment_id(&id)
        .target_id("x:y")
        .send()
        .await
        .expect_err("unknown target");
    assert_eq!(code(&error), "DeploymentTargetDoesNotExistException");
    let many: Vec<String> = (0..26).map(|i| format!("c:{i}")).collect();
    let error = cd
        .batch_get_deployment_targets()
        .deployment_id(&id)
        .set_target_ids(Some(many))
        .send()
        .await
        .expect_err("limit");
    assert_eq!(code(&error), "DeploymentTargetListSizeExceededException");
}

/// AWS's GetDeployment documentation: "The `content` property of the `appSpecContent` object
/// in the returned revision is always null. Use `GetApplicationRevision` and the `sha256`
/// property of the returned `appSpecContent` object to get the content of the deployment's
/// AppSpec file." BatchGetDeployments answers the same `DeploymentInfo`.
#[tokio::test]
async fn get_deployment_names_the_appspec_by_its_sha256_and_get_application_revision_gives_its_text()
 {
    let sim = Sim::start().await;
    let cd = sim.codedeploy();
    let list = cd
        .list_deployments()
        .application_name("microservices")
        .deployment_group_name("microservices-customer")
        .send()
        .await
        .expect("list");
    let id = list.deployments()[0].clone();
    let got = cd
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("deployment");
    let revision = got
        .deployment_info()
        .and_then(|d| d.revision())
        .expect("a revision");
    assert_eq!(
        revision.revision_type(),
        Some(&RevisionLocationType::AppSpecContent)
    );
    let appspec = revision.app_spec_content().expect("appSpecContent");
    assert_eq!(appspec.content(), None, "the content is always null");
    let sha256 = appspec.sha256().expect("sha256").to_owned();
    assert_eq!(sha256.len(), 64);
    let batch = cd
        .batch_get_deployments()
        .deployment_ids(&id)
        .send()
        .await
        .expect("batch");
    let batched = batch.deployments_info()[0]
        .revision()
        .and_then(|r| r.app_spec_content())
        .expect("appSpecContent");
    assert_eq!(batched.content(), None);
    assert_eq!(batched.sha256(), Some(sha256.as_str()));

    let read = cd
        .get_application_revision()
        .application_name("microservices")
        .revision(by_sha256(&sha256))
        .send()
        .await
        .expect("the revision");
    assert_eq!(read.application_name(), Some("microservices"));
    let content = read
        .revision()
        .and_then(|r| r.app_spec_content())
        .and_then(|a| a.content())
        .expect("the AppSpec text");
    // AWS documents `sha256` as the SHA-256 hash of the content.
    assert_eq!(cutover::sim::appspec::sha256_hex(content), sha256);
    let task_definition = sim
        .handle
        .shared()
        .with_world(|w| w.deployments[&id].revision.task_definition.clone());
    assert!(content.contains(&task_definition), "{content}");
    let info = read.revision_info().expect("revisionInfo");
    assert!(
        info.deployment_groups()
            .contains(&"microservices-customer".to_owned())
    );
    assert!(info.register_time().is_some() && info.first_used_time().is_some());
    assert!(info.last_used_time() >= info.first_used_time());

    let error = cd
        .get_application_revision()
        .application_name("microservices")
        .revision(by_sha256(&"0".repeat(64)))
        .send()
        .await
        .expect_err("no such revision");
    assert_eq!(code(&error), "RevisionDoesNotExistException");
    let error = cd
        .get_application_revision()
        .application_name("nope")
        .revision(by_sha256(&sha256))
        .send()
        .await
        .expect_err("no such application");
    assert_eq!(code(&error), "ApplicationDoesNotExistException");
    let error = cd
        .get_application_revision()
        .application_name("microservices")
        .revision(
            RevisionLocation::builder()
                .revision_type(RevisionLocationType::AppSpecContent)
                .build(),
        )
        .send()
        .await
        .expect_err("names nothing");
    assert_eq!(code(&error), "InvalidRevisionException");
}

fn by_sha256(sha256: &str) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::AppSpecContent)
        .app_spec_content(AppSpecContent::builder().sha256(sha256).build())
        .build()
}

fn s3(bundle: BundleType) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::S3)
        .s3_location(
            S3Location::builder()
                .bucket("lab-releases")
                .key("jobs/appspec.yaml")
                .bundle_type(bundle)
                .version("v7")
                .build(),
        )
        .build()
}

/// aws-apis.md 2.10: an ECS deployment takes an `AppSpecContent` revision, or an `S3` one
/// whose object is a YAML or JSON AppSpec. The simulator serves no S3: a location never
/// deployed before deploys the task definition the service runs now (docs/simulator.md).
#[tokio::test]
async fn an_s3_revision_is_deployed_by_reference_and_registered_to_the_application() {
    let sim = crate::engine::lab().await;
    let cd = sim.codedeploy();
    let error = cd
        .create_deployment()
        .application_name("lab")
        .deployment_group_name("jobs")
        .revision(s3(BundleType::Zip))
        .send()
        .await
        .expect_err("a zip bundle is not an ECS AppSpec");
    assert_eq!(code(&error), "InvalidRevisionException");
    let running = sim.handle.shared().with_world(|w| {
        w.service("lab", "jobs")
            .and_then(|s| s.task_definition().map(str::to_owned))
            .expect("a task definition")
    });
    let id = cd
        .create_deployment()
        .application_name("lab")
        .deployment_group_name("jobs")
        .revision(s3(BundleType::Yaml))
        .send()
        .await
        .expect("an S3 revision is accepted")
        .deployment_id()
        .expect("id")
        .to_owned();
    let deployed = sim
        .handle
        .shared()
        .with_world(|w| w.deployments[&id].revision.task_definition.clone());
    assert_eq!(deployed, running);
    let got = cd
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect("deployment");
    let revision = got
        .deployment_info()
        .and_then(|d| d.revision())
        .expect("revision");
    assert_eq!(revision.revision_type(), Some(&RevisionLocationType::S3));
    assert!(revision.app_spec_content().is_none());
    let location = revision.s3_location().expect("s3Location");
    assert_eq!(
        (
            location.bucket(),
            location.key(),
            location.bundle_type(),
            location.version()
        ),
        (
            Some("lab-releases"),
            Some("jobs/appspec.yaml"),
            Some(&BundleType::Yaml),
            Some("v7")
        )
    );
    let read = cd
        .get_application_revision()
        .application_name("lab")
        .revision(s3(BundleType::Yaml))
        .send()
        .await
        .expect("registered by the deployment");
    assert_eq!(
        read.revision()
            .and_then(|r| r.s3_location())
            .and_then(|l| l.version()),
        Some("v7")
    );
    assert_eq!(
        read.revision_info().map(|i| i.deployment_groups().to_vec()),
        Some(vec!["jobs".to_owned()])
    );
    let other = RevisionLocation::builder()
        .revision_type(RevisionLocationType::S3)
        .s3_location(
            S3Location::builder()
                .bucket("lab-releases")
                .key("jobs/appspec.yaml")
                .version("v8")
                .build(),
        )
        .build();
    let error = cd
        .get_application_revision()
        .application_name("lab")
        .revision(other)
        .send()
        .await
        .expect_err("another version was never deployed");
    assert_eq!(code(&error), "RevisionDoesNotExistException");
}

/// An account shared with other teams holds Lambda deployments too. CodeDeploy tells them
/// apart by `computePlatform` on the application, the group and the deployment (botocore
/// codedeploy `ApplicationInfo`, `DeploymentGroupInfo`, `DeploymentInfo`); a Lambda group has
/// no `ecsServices` and no target group pair.
#[tokio::test]
async fn another_teams_lambda_deployment_is_listed_with_its_platform_and_never_run() {
    use cutover::sim::world::codedeploy::ComputePlatform;
    let sim = Sim::start().await;
    let id = sim.handle.shared().with_world(|w| {
        w.hold_other_deployment("billing-functions", "invoice", ComputePlatform::Lambda)
    });
    sim.advance(3_600);
    let cd = sim.codedeploy();
    let listed = cd
        .list_deployments()
        .include_only_statuses(DeploymentStatus::InProgress)
        .send()
        .await
        .expect("list");
    assert!(listed.deployments().contains(&id), "listed account-wide");
    let info = cd
        .batch_get_deployments()
        .deployment_ids(&id)
        .send()
        .await
        .expect("batch");
    let d = &info.deployments_info()[0];
    assert_eq!(d.compute_platform().map(|p| p.as_str()), Some("Lambda"));
    assert_eq!(
        d.status(),
        Some(&DeploymentStatus::InProgress),
        "nothing runs it"
    );
    assert!(d.load_balancer_info().is_none());
    let app = cd
        .get_application()
        .application_name("billing-functions")
        .send()
        .await
        .expect("app");
    assert_eq!(
        app.application()
            .and_then(|a| a.compute_platform())
            .map(|p| p.as_str()),
        Some("Lambda")
    );
    let group = cd
        .get_deployment_group()
        .application_name("billing-functions")
        .deployment_group_name("invoice")
        .send()
        .await
        .expect("group");
    let group = group.deployment_group_info().expect("info");
    assert_eq!(group.compute_platform().map(|p| p.as_str()), Some("Lambda"));
    assert!(group.ecs_services().is_empty() && group.load_balancer_info().is_none());
    assert!(sim.invariants().is_empty(), "{:?}", sim.invariants());
}

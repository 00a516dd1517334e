//! ECS service deployments (ECS-native blue/green, linear and canary) in the data layer,
//! against the simulator's `tests/worlds/native.toml`: the cold snapshot reads them for the
//! services ECS deploys itself (never for CODE_DEPLOY ones), links them to their service and
//! production rule, and takes the share on green from the rule's weights.

use cutover::aws::hot::refresh;
use cutover::aws::snapshot::take;
use cutover::config::Scope;
use cutover::model::Snapshot;
use cutover::model::service_deployment::ShareFrom;
use cutover::model::status::ServiceDeploymentStatus;
use cutover::sim::SimOptions;
use cutover::sim::faults::Faults;
use cutover::sim::world::World;
use cutover::sim::world::native::{HookStage, Status};
use cutover::sync::OnScreen;
use cutover::sync::heat::{Warm, hot_set, moving};

use crate::clients;
use crate::common::{Sim, options};

pub async fn native_world(faults: Faults) -> Sim {
    let world = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worlds/native.toml");
    Sim::start_with(SimOptions {
        world: Some(world),
        speed: None,
        autopilot: Some(false),
        faults,
        ..options()
    })
    .await
}

/// Starts a deployment of the service's current task definition; its ARN.
pub fn deploy(sim: &Sim, service: &str) -> String {
    sim.handle
        .shared()
        .with_world(|w| {
            let task_definition = w
                .service("lab", service)
                .and_then(|s| s.task_definition())
                .unwrap_or_default()
                .to_owned();
            cutover::sim::engine::native::start(w, "lab", service, &task_definition)
        })
        .expect("a service deployment started")
}

/// Advances the clock a second at a time until `done` holds.
pub fn until(sim: &Sim, limit: i64, done: impl Fn(&World) -> bool) {
    for _ in 0..=limit {
        if sim.handle.shared().with_world(|w| done(w)) {
            return;
        }
        sim.advance(1);
    }
    panic!("not reached within {limit} virtual seconds");
}

pub fn calls(sim: &Sim, operation: &str) -> u64 {
    sim.handle
        .shared()
        .request_log()
        .counts()
        .get(&format!("ecs:{operation}"))
        .copied()
        .unwrap_or(0)
}

pub async fn snapshot(sim: &Sim) -> Snapshot {
    take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect("snapshot")
}

#[tokio::test]
async fn a_canary_in_flight_is_read_with_its_share_from_the_production_rule() {
    let sim = native_world(Faults::default()).await;
    let arn = deploy(&sim, "shop");
    until(&sim, 900, |w| {
        w.service_deployments[&arn].production_percent > 0.0
    });
    let s = snapshot(&sim).await;
    let d = s.service_deployment(&arn).expect("the canary is read");
    assert_eq!(d.status, ServiceDeploymentStatus::InProgress);
    assert!(d.stage.is_some());
    // The rule the service's advancedConfiguration names, and its weights: 10 % on green.
    let (rule, green) = sim.handle.shared().with_world(|w| {
        let d = &w.service_deployments[&arn];
        (
            d.config.advanced.production_rule.clone(),
            d.green_target_group.clone(),
        )
    });
    assert_eq!(d.production_rule.as_deref(), Some(rule.as_str()));
    let share = d.on_green.expect("a share on green");
    assert_eq!(share.from, ShareFrom::ProductionRule);
    assert_eq!(share.percent, 10.0);
    assert_eq!(
        s.rule(&rule).map(|r| r.share_of(&green)),
        Some(share.percent)
    );
    // The target revision's task definition, read once.
    let target = d.target.as_ref().expect("a target revision");
    let revision = s.service_revision(&target.arn).expect("target revision");
    assert!(revision.task_definition.is_some());
    assert!(revision.target_group_arns.contains(&green));
    assert!(
        d.sources
            .iter()
            .all(|r| s.service_revision(&r.arn).is_some())
    );
    assert!(s.gaps.is_empty(), "{:?}", s.gaps);
}

#[tokio::test]
async fn revisions_are_read_once_and_every_ecs_service_listed_twice_then_once() {
    let sim = native_world(Faults::default()).await;
    let arn = deploy(&sim, "cart");
    sim.advance(5);
    let c = clients(&sim.endpoint()).await;
    let first = take(&c, &Scope::default()).await.expect("snapshot");
    assert!(first.service_deployment(&arn).is_some());
    let revisions = calls(&sim, "DescribeServiceRevisions");
    assert_eq!(revisions, 1, "source and target in one batch");
    // In flight whatever its age, and the last day's: two lists per ECS service.
    let ecs = first.services.len() as u64;
    assert_eq!(calls(&sim, "ListServiceDeployments"), 2 * ecs);
    assert_eq!(calls(&sim, "DescribeServiceDeployments"), 1);
    sim.advance(5);
    let second = take(&c, &Scope::default()).await.expect("snapshot");
    assert_eq!(calls(&sim, "DescribeServiceRevisions"), revisions);
    assert_eq!(second.service_revisions, first.service_revisions);
    // Then the last day's list alone, with the one in flight described by its ARN: it is
    // remembered, so one in flight for longer than a day is still followed.
    assert_eq!(calls(&sim, "ListServiceDeployments"), 3 * ecs);
    assert_eq!(calls(&sim, "DescribeServiceDeployments"), 2);
    assert!(second.service_deployment(&arn).is_some());
}

#[tokio::test]
async fn code_deploy_services_are_never_asked_for_service_deployments() {
    let sim = Sim::start().await;
    let s = snapshot(&sim).await;
    let native = s
        .services
        .iter()
        .filter(|v| v.controller == cutover::model::status::Controller::Ecs)
        .count() as u64;
    assert!(s.services.len() as u64 > native);
    assert_eq!(calls(&sim, "ListServiceDeployments"), 2 * native);
}

#[tokio::test]
async fn a_denied_describe_is_a_gap_and_the_rest_is_read() {
    let sim = native_world(Faults {
        deny: vec!["ecs:DescribeServiceDeployments".into()],
        ..Faults::default()
    })
    .await;
    let arn = deploy(&sim, "search");
    sim.advance(5);
    let s = snapshot(&sim).await;
    assert!(s.service_deployment(&arn).is_none());
    assert!(!s.services.is_empty() && !s.rules.is_empty());
    let gap = s
        .gaps
        .iter()
        .find(|g| g.operation == "DescribeServiceDeployments")
        .expect("a gap");
    assert_eq!(gap.kind, "access_denied");
}

#[tokio::test]
async fn a_rolled_back_deployment_of_the_last_day_is_read_with_production_back_on_blue() {
    let sim = native_world(Faults::default()).await;
    let arn = deploy(&sim, "search");
    sim.handle.shared().with_world(|w| {
        if let Some(d) = w.service_deployments.get_mut(&arn) {
            d.fail_hook_at = Some(HookStage::PostTestTrafficShift);
        }
    });
    until(&sim, 3_600, |w| {
        w.service_deployments[&arn].status.is_done()
    });
    assert_eq!(
        sim.handle
            .shared()
            .with_world(|w| w.service_deployments[&arn].status),
        Status::RollbackSuccessful
    );
    let s = snapshot(&sim).await;
    let d = s.service_deployment(&arn).expect("read");
    assert_eq!(d.status, ServiceDeploymentStatus::RollbackSuccessful);
    assert_eq!(d.on_green.map(|g| g.percent), Some(0.0));
}

/// Every call served since `seq`, by operation.
fn calls_since(sim: &Sim, seq: u64) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for r in sim.handle.shared().request_log().since(seq) {
        *counts.entry(r.operation).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn a_deployment_in_flight_is_hot_with_one_describe_per_poll_and_cools_down_when_done() {
    let sim = native_world(Faults::default()).await;
    let arn = deploy(&sim, "shop");
    sim.advance(5);
    let c = clients(&sim.endpoint()).await;
    let mut s = take(&c, &Scope::default()).await.expect("snapshot");
    // Found by the cold snapshot, hot at once: one batch reads it. Its service and target
    // groups are warm: the deployment reports its revisions' tasks itself.
    let hot = |s: &cutover::model::Snapshot| hot_set(s, OnScreen::default(), Warm::Left);
    let set = hot(&s);
    assert!(set.service_deployments.contains(&arn));
    assert!(
        set.services.is_empty() && set.target_groups.is_empty(),
        "{set:?}"
    );
    let warm = moving(&s);
    assert!(
        warm.services
            .contains(&("lab".to_owned(), "shop".to_owned()))
    );
    assert!(!warm.target_groups.is_empty());
    let rule = s
        .service_deployment(&arn)
        .and_then(|d| d.production_rule.clone())
        .expect("linked");
    assert!(warm.rules.contains(&rule));
    until(&sim, 900, |w| {
        w.service_deployments[&arn].production_percent > 0.0
    });
    // The next hot poll reads it shifting production: from then on its rules are hot too.
    let update = refresh(&c, &hot(&s)).await;
    update.apply(&mut s, c.server_time().expect("time"));
    let set = hot(&s);
    assert!(set.rules.contains(&rule), "{set:?}");
    let seq = sim.handle.shared().request_log().last_seq();
    let update = refresh(&c, &set).await;
    let polled = calls_since(&sim, seq);
    eprintln!("calls per hot poll, one canary shifting: {polled:?}");
    // One DescribeServiceDeployments batch and the rules' read, nothing else: the search
    // for CodeDeploy deployments started since is warm.
    assert_eq!(polled.get("DescribeServiceDeployments"), Some(&1));
    assert_eq!(polled.get("DescribeRules"), Some(&1));
    assert_eq!(polled.len(), 2, "{polled:?}");
    let taken_at = c.server_time().expect("time");
    assert!(update.apply(&mut s, taken_at));
    let d = s.service_deployment(&arn).expect("still there");
    assert_eq!(
        d.on_green.map(|g| (g.percent, g.from)),
        Some((10.0, ShareFrom::ProductionRule))
    );
    // Once it is over, the next poll reads it done and it cools down.
    until(&sim, 3_600, |w| {
        w.service_deployments[&arn].status.is_done()
    });
    let update = refresh(&c, &moving(&s)).await;
    update.apply(&mut s, c.server_time().expect("time"));
    assert_eq!(
        s.service_deployment(&arn).map(|d| d.status.clone()),
        Some(ServiceDeploymentStatus::Successful)
    );
    let set = moving(&s);
    assert!(
        set.service_deployments.is_empty() && set.is_empty(),
        "{set:?}"
    );
}

//! The hot refresh (what the console polls every 2 s) against the simulator: it keeps to the
//! scope and to ECS deployments, reads another team's deployments once at most, and a
//! deployment that has not started is no error.

use cutover::aws::hot::refresh;
use cutover::aws::snapshot::take;
use cutover::config::Scope;
use cutover::sim::SimOptions;
use cutover::sim::engine::deploy::redeploy_current;
use cutover::sim::world::codedeploy::ComputePlatform;
use cutover::sync::heat::moving;

use crate::clients;
use crate::common::{Sim, options};

async fn lab() -> Sim {
    let world = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worlds/lab.toml");
    Sim::start_with(SimOptions {
        world: Some(world),
        speed: None,
        autopilot: Some(false),
        ..options()
    })
    .await
}

/// BatchGetDeployments calls served since `seq`.
fn batch_gets(sim: &Sim, seq: u64) -> usize {
    sim.handle
        .shared()
        .request_log()
        .since(seq)
        .iter()
        .filter(|r| r.operation == "BatchGetDeployments")
        .count()
}

fn last_seq(sim: &Sim) -> u64 {
    sim.handle.shared().request_log().last_seq()
}

/// Another team's Lambda releases, one per function (one deployment per group at a time):
/// 25 fill a BatchGetDeployments call (aws-apis.md 1.5), so reading them shows as a call.
fn lambda_releases(sim: &Sim, prefix: &str) -> Vec<String> {
    sim.handle.shared().with_world(|w| {
        (0..25)
            .map(|i| {
                w.hold_other_deployment(
                    "billing-functions",
                    &format!("{prefix}-{i}"),
                    ComputePlatform::Lambda,
                )
            })
            .collect()
    })
}

/// CodeDeploy answers `computePlatform` on every deployment (botocore codedeploy
/// `DeploymentInfo.computePlatform`: `Server | Lambda | ECS`); ListDeployments without an
/// application lists the whole account's.
#[tokio::test]
async fn the_hot_refresh_reads_only_ecs_deployments_in_scope() {
    let sim = lab().await;
    let (ours, theirs) = sim.handle.shared().with_world(|w| {
        (
            redeploy_current(w, "lab", "web", None).expect("web deploys"),
            redeploy_current(w, "lab", "api", None).expect("api deploys"),
        )
    });
    let lambdas = lambda_releases(&sim, "fn");
    sim.advance(5);
    let scope = Scope {
        services: vec!["web".into()],
        ..Scope::default()
    };
    let c = clients(&sim.endpoint()).await;
    let snapshot = take(&c, &scope).await.expect("snapshot");
    let ids: Vec<&str> = snapshot.deployments.iter().map(|d| d.id.as_str()).collect();
    assert!(ids.contains(&ours.as_str()), "{ids:?}");
    assert!(!ids.contains(&theirs.as_str()) && !ids.contains(&lambdas[0].as_str()));

    let seq = last_seq(&sim);
    let update = refresh(&c, &moving(&snapshot)).await;
    assert!(update.errors.is_empty(), "{:?}", update.errors);
    let read: Vec<&str> = update.deployments.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(read, [ours.as_str()], "only the ECS deployment in scope");
    assert_eq!(
        batch_gets(&sim, seq),
        1,
        "the deployments found not ours by the snapshot are not read again"
    );

    // Another team starts 25 more: read once to learn they are not ours, then left alone.
    let mut snapshot = snapshot;
    lambda_releases(&sim, "fn-next");
    let seq = last_seq(&sim);
    let update = refresh(&c, &moving(&snapshot)).await;
    assert_eq!(batch_gets(&sim, seq), 2, "26 deployments, read once");
    let read: Vec<&str> = update.deployments.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(read, [ours.as_str()]);
    let taken_at = snapshot.taken_at;
    update.apply(&mut snapshot, taken_at);
    let seq = last_seq(&sim);
    let update = refresh(&c, &moving(&snapshot)).await;
    assert_eq!(batch_gets(&sim, seq), 1, "then only ours");
    assert!(update.errors.is_empty(), "{:?}", update.errors);
}

/// A deployment not started yet has no targets: CodeDeploy answers a read of them with
/// `DeploymentNotStartedException` (botocore codedeploy: in the error list of
/// ListDeploymentTargets, BatchGetDeploymentTargets and GetDeploymentTarget).
#[tokio::test]
async fn a_deployment_not_started_yet_is_no_error_however_often_it_is_read() {
    let sim = lab().await;
    let id = sim
        .handle
        .shared()
        .with_world(|w| redeploy_current(w, "lab", "web", None).expect("web deploys"));
    let c = clients(&sim.endpoint()).await;
    let mut snapshot = take(&c, &Scope::default()).await.expect("snapshot");
    assert!(snapshot.gaps.is_empty(), "{:?}", snapshot.gaps);
    let created = snapshot.deployment(&id).expect("read");
    assert_eq!(created.status.as_str(), "Created");
    assert!(created.target.is_none());
    for _ in 0..3 {
        let update = refresh(&c, &moving(&snapshot)).await;
        assert!(update.errors.is_empty(), "{:?}", update.errors);
        let taken_at = snapshot.taken_at;
        update.apply(&mut snapshot, taken_at);
        assert_eq!(snapshot.all_gaps().count(), 0, "{:?}", snapshot.hot_gaps);
    }
    // Once it starts, its target is read.
    sim.advance(5);
    let update = refresh(&c, &moving(&snapshot)).await;
    assert!(update.errors.is_empty(), "{:?}", update.errors);
    let started = update
        .deployments
        .iter()
        .find(|d| d.id == id)
        .expect("read");
    assert!(started.target.is_some(), "{started:?}");
}

/// A hot refresh reads only what moves: what the full read could not read stays reported
/// until the next full read, whatever the hot refresh met.
#[tokio::test]
async fn a_gap_of_the_full_read_outlives_a_clean_hot_refresh() {
    let sim = lab().await;
    sim.handle
        .shared()
        .set_faults(cutover::sim::faults::Faults {
            deny: vec!["elasticloadbalancing:DescribeLoadBalancers".into()],
            ..Default::default()
        });
    sim.handle
        .shared()
        .with_world(|w| redeploy_current(w, "lab", "web", None).expect("web deploys"));
    let c = clients(&sim.endpoint()).await;
    let mut snapshot = take(&c, &Scope::default()).await.expect("snapshot");
    let denied = |s: &cutover::model::Snapshot| {
        s.all_gaps()
            .filter(|g| g.operation == "DescribeLoadBalancers")
            .count()
    };
    assert_eq!(denied(&snapshot), 1, "{:?}", snapshot.gaps);
    sim.advance(5);
    let update = refresh(&c, &moving(&snapshot)).await;
    assert!(update.errors.is_empty(), "{:?}", update.errors);
    let taken_at = snapshot.taken_at;
    update.apply(&mut snapshot, taken_at);
    assert_eq!(
        denied(&snapshot),
        1,
        "the full read's gap is still reported"
    );
}

//! `cutover wait` against the simulator on a manual clock, the process's exit status checked:
//! a CodeDeploy deployment of lab/api reaching Ready (its group waits for ContinueDeployment:
//! `deploymentReadyOption.actionOnTimeout` STOP_DEPLOYMENT, CodeDeploy API reference), a
//! lifecycle event started, a failure at a hook (HOOK_EXECUTION_FAILURE, as the CodeDeploy
//! user guide describes a failed hook) and its rollback; an ECS-native deployment reaching a
//! stage (ECS API reference, ServiceDeployment.lifecycleStage); the timeout; a deployment
//! that is not there.

use std::path::{Path, PathBuf};

use cutover::sim::world::codedeploy::LifecycleEventName;

use crate::child::Running;
use crate::common::Sim;
use crate::watch::lab;

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cutover-wait-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// `cutover wait ARGS --every 1` on `sim`, stepping its clock `step` seconds at a time until
/// it exits: its status, standard output and error.
fn wait(sim: &Sim, dir: &Path, args: &[&str], step: i64) -> (i32, String, String) {
    let (out, err) = (dir.join("out"), dir.join("err"));
    let mut child = Running::start(
        sim,
        &[&["wait"], args, &["--every", "1", "--region", "eu-west-1"]].concat(),
        std::fs::File::create(&out).expect("stdout"),
        std::fs::File::create(&err).expect("stderr"),
    );
    let status = child.until_exit(sim, step);
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    (status.code().unwrap_or(-1), read(&out), read(&err))
}

/// The deployment api-release starts on lab/api once its source action is done.
fn api_deployment(sim: &Sim) -> String {
    for _ in 0..600 {
        let id = sim
            .handle
            .shared()
            .with_world(|w| w.active_deployment("lab", "api").map(|d| d.id.clone()));
        if let Some(id) = id {
            return id;
        }
        sim.advance(1);
    }
    panic!("api-release deployed nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_codedeploy_deployment_is_waited_for_to_a_stage_then_to_ready() {
    let sim = lab().await;
    let dir = scratch("ready");
    sim.start_at("api-release", "1234567aa").await;
    let id = api_deployment(&sim);

    let (code, out, err) = wait(
        &sim,
        &dir,
        &[&id, "--for", "stage:AfterAllowTestTraffic"],
        5,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("{id} reached stage AfterAllowTestTraffic")),
        "{out}"
    );
    let status = sim
        .handle
        .shared()
        .with_world(|w| w.deployments[&id].status.as_str().to_owned());
    assert_eq!(status, "InProgress", "not past it yet: ready comes next");

    let (code, out, err) = wait(&sim, &dir, &[&id, "--for", "ready"], 5);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("{id} reached ready")), "{out}");
    let status = sim
        .handle
        .shared()
        .with_world(|w| w.deployments[&id].status.as_str().to_owned());
    assert_eq!(status, "Ready", "it waits for ContinueDeployment");

    // Nothing moves on a still clock: the timeout's status, and one progress line, since
    // nothing changed and standard error is not a terminal.
    let (code, out, err) = wait(&sim, &dir, &[&id, "--for", "done", "--timeout", "3s"], 0);
    assert_eq!(code, 124, "{out}");
    assert!(
        out.starts_with("timed out after 3s waiting for done"),
        "{out}"
    );
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [format!("{id} lab/api · Ready · 0% on green")],
        "a line per change when not on a terminal"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_deployment_ends_the_wait_with_1_and_its_reason() {
    let sim = lab().await;
    let dir = scratch("failed");
    sim.handle.shared().with_world(|w| {
        let group = w
            .deployment_groups
            .get_mut(&("lab".to_owned(), "api".to_owned()))
            .expect("lab/api");
        group.fail_next_hook = Some(LifecycleEventName::AfterInstall);
    });
    sim.start_at("api-release", "7654321aa").await;
    let id = api_deployment(&sim);
    let (code, out, err) = wait(&sim, &dir, &[&id, "--for", "done"], 10);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(&format!("{id} failed")), "{out}");
    assert!(out.contains("HOOK_EXECUTION_FAILURE"), "{out}");
    assert!(
        out.contains("rolled back by d-"),
        "lab/api rolls back on failure: {out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ecs_deployment_is_waited_for_to_a_stage_and_a_bad_goal_or_id_is_refused() {
    let sim = crate::native::native_world(Default::default()).await;
    let dir = scratch("ecs");
    let arn = crate::native::deploy(&sim, "search");
    let (code, out, err) = wait(
        &sim,
        &dir,
        &[&arn, "--for", "stage:POST_TEST_TRAFFIC_SHIFT"],
        5,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("lab/search"), "{out}");
    assert!(out.contains("POST_TEST_TRAFFIC_SHIFT"), "{out}");

    let (code, _, err) = wait(&sim, &dir, &[&arn, "--for", "stage:AllowTraffic"], 0);
    assert_eq!(code, 2, "a CodeDeploy event on an ECS deployment: {err}");
    assert!(err.contains("POST_TEST_TRAFFIC_SHIFT"), "{err}");

    let (code, _, err) = wait(&sim, &dir, &["d-NOTHERE01", "--for", "done"], 0);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no deployment d-NOTHERE01"), "{err}");

    let (code, _, err) = wait(&sim, &dir, &["web", "--for", "done"], 0);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("d-XXXXXXXXX"), "{err}");
}

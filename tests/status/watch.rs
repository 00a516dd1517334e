//! `cutover watch` against the lab world on a manual clock: a gate opens (web-release's
//! ApproveProduction), then the deployment the approval lets through fails at its hook and
//! CodeDeploy rolls it back (the deployment group's automatic rollback on failure, as the
//! CodeDeploy user guide's "Redeploy and roll back a deployment" describes, and as
//! `tests/sim/engine/failures.rs` checks of the simulator). Each event is printed once, as
//! JSON, and handed once to `--exec`; a restart on the same state replays none of them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cutover::sim::SimOptions;
use cutover::sim::world::codedeploy::LifecycleEventName;

use crate::child::Running;
use crate::common::{Sim, options};

/// The lab world: one gated pipeline (web-release) deploying lab/web, automatic rollback on.
pub(crate) async fn lab() -> Sim {
    let world = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worlds/lab.toml");
    Sim::start_with(SimOptions {
        world: Some(world),
        speed: None,
        autopilot: Some(false),
        ..options()
    })
    .await
}

/// `cutover watch --json --exec …` on `sim`, writing to files in `dir`.
fn watch(sim: &Sim, dir: &Path, run: &str) -> Running {
    let out = std::fs::File::create(dir.join(format!("{run}.out"))).expect("stdout file");
    let err = std::fs::File::create(dir.join(format!("{run}.err"))).expect("stderr file");
    let exec = format!("cat >> '{}'", dir.join("exec.jsonl").display());
    let state = dir.join("state.json");
    let args = [
        "watch",
        "--json",
        "--exec",
        &exec,
        "--state",
        state.to_str().expect("a path"),
        "--hot-seconds",
        "1",
        "--warm-seconds",
        "1",
        "--cold-seconds",
        "5",
        "--region",
        "eu-west-1",
    ];
    Running::start(sim, &args, out, err)
}

/// The JSON objects of a file of lines.
fn objects(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

fn keys(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["key"].as_str().expect("a key").to_owned())
        .collect()
}

/// Steps the simulator's clock ten seconds at a time, giving the watch time to refresh, until
/// `run`'s output holds an event of `kind`.
fn until_event(sim: &Sim, dir: &Path, run: &str, kind: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let found = objects(&dir.join(format!("{run}.out")))
            .into_iter()
            .find(|e| e["kind"] == kind);
        if let Some(event) = found {
            return event;
        }
        assert!(
            Instant::now() < deadline,
            "no {kind} event; stderr: {}",
            std::fs::read_to_string(dir.join(format!("{run}.err"))).unwrap_or_default()
        );
        sim.advance(10);
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The approval token of web-release's gate (GetPipelineState's `latestExecution.token`).
async fn token(sim: &Sim) -> String {
    let state = sim
        .codepipeline()
        .get_pipeline_state()
        .name("web-release")
        .send()
        .await
        .expect("pipeline state");
    state
        .stage_states()
        .iter()
        .flat_map(|s| s.action_states())
        .find_map(|a| a.latest_execution()?.token().map(str::to_owned))
        .expect("a gate waits")
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cutover-watch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gate_and_a_failed_deployment_are_each_told_once_and_not_again_after_a_restart() {
    let sim = lab().await;
    let dir = scratch();
    let first = watch(&sim, &dir, "first");
    sim.start_at("web-release", "9cfbd65aa0b1c2d3").await;
    let gate = until_event(&sim, &dir, "first", "gate_waiting");
    assert_eq!(gate["subject"], "web-release/Approval/ApproveProduction");
    assert_eq!(gate["revision"], "9cfbd65aa0b1c2d3");
    assert_eq!(gate["account"], "111122223333");
    assert!(gate.get("token").is_none(), "the approval token stays home");

    // Approved, the deployment to lab/web fails at its AfterAllowTestTraffic hook.
    sim.handle.shared().with_world(|w| {
        let group = w
            .deployment_groups
            .get_mut(&("lab".to_owned(), "web".to_owned()))
            .expect("lab/web");
        group.fail_next_hook = Some(LifecycleEventName::AfterAllowTestTraffic);
    });
    let token = token(&sim).await;
    sim.codepipeline()
        .put_approval_result()
        .pipeline_name("web-release")
        .stage_name("Approval")
        .action_name("ApproveProduction")
        .token(token)
        .result(
            aws_sdk_codepipeline::types::ApprovalResult::builder()
                .summary("ship it")
                .status(aws_sdk_codepipeline::types::ApprovalStatus::Approved)
                .build()
                .expect("result"),
        )
        .send()
        .await
        .expect("approved");
    let failed = until_event(&sim, &dir, "first", "deployment_failed");
    assert!(
        failed["reason"]
            .as_str()
            .is_some_and(|r| r.contains("HOOK_EXECUTION_FAILURE")),
        "{failed}"
    );
    until_event(&sim, &dir, "first", "rolled_back");
    until_event(&sim, &dir, "first", "pipeline_failed");
    // More refreshes pass: nothing is said twice.
    for _ in 0..5 {
        sim.advance(30);
        std::thread::sleep(Duration::from_millis(500));
    }
    first.stop();
    let printed = keys(&objects(&dir.join("first.out")));
    let mut unique = printed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(printed.len(), unique.len(), "repeated: {printed:?}");
    assert_eq!(
        keys(&objects(&dir.join("exec.jsonl"))),
        printed,
        "--exec got each once"
    );

    // A restart on the same state: the next gate is news, nothing before it.
    let second = watch(&sim, &dir, "second");
    sim.start_at("web-release", "0ddba11aa0b1c2d3").await;
    let next = until_event(&sim, &dir, "second", "gate_waiting");
    assert_eq!(next["revision"], "0ddba11aa0b1c2d3");
    for _ in 0..3 {
        sim.advance(30);
        std::thread::sleep(Duration::from_millis(500));
    }
    second.stop();
    let again = keys(&objects(&dir.join("second.out")));
    assert!(
        again.iter().all(|k| !printed.contains(k)),
        "replayed after a restart: {again:?} of {printed:?}"
    );
    assert_eq!(again.len(), 1, "{again:?}");
}

#[test]
fn a_bad_kind_or_a_damaged_state_file_is_refused_before_anything_is_read() {
    let dir = std::env::temp_dir().join(format!("cutover-watch-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let state = dir.join("state.json");
    std::fs::write(&state, "{not json").expect("a damaged state file");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args([
                "watch",
                "--endpoint-url",
                "http://127.0.0.1:9",
                "--region",
                "us-east-1",
            ])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("XDG_CONFIG_HOME", crate::sources::CONFIG_HOME)
            .env("XDG_STATE_HOME", &dir)
            .output()
            .expect("cutover runs")
    };
    let out = run(&["--on", "gate"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("cutover watch: --on gate: not an event; the events are gate_waiting"),
        "{err}"
    );
    let out = run(&["--state", state.to_str().expect("a path")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not cutover watch's state"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&state).expect("still there"),
        "{not json",
        "left as it was"
    );
}

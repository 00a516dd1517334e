//! `cutover report DEPLOYMENT` as a person runs it after an incident, against the simulator's
//! test worlds: a CodeDeploy deployment whose hook failed and that CodeDeploy rolled back
//! (errorInformation, the failed event's diagnostics and `rollbackInfo` as the CodeDeploy API
//! reference describes them: aws-apis.md sections 2.3 and 2.8), one stopped and rolled back
//! with `cutover rollback`, and an ECS service deployment rolled back the same way (its
//! `rollback` and status as DescribeServiceDeployments reports them: aws-apis.md 3.5); each in
//! Markdown and JSON, with the actions from the audit log. A bad id is refused before any
//! call; a denied read is named as a gap and the rest is still told.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cutover::sim::SimOptions;
use cutover::sim::clock::wall_now;
use cutover::sim::faults::Faults;
use cutover::sim::world::World;
use cutover::sim::world::codedeploy::{DeploymentStatus, LifecycleEventName};
use cutover::sim::world::native::Status;

use crate::common::{Sim, options};

/// The config of the status tests: budgets that let every call go at once.
const CONFIG_HOME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/status/config");

/// A simulator on a test world whose manual clock starts three minutes before the wall clock,
/// so that the audit log's times (wall clock) fall where the deployments' (virtual, a few
/// minutes long) do, as they do against AWS; and a state directory for the audit log.
struct Lab {
    sim: Sim,
    state: PathBuf,
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state);
    }
}

async fn lab(world: &str, faults: Faults) -> Lab {
    let sim = Sim::start_with(SimOptions {
        world: Some(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/worlds")
                .join(world),
        ),
        speed: None,
        autopilot: Some(false),
        start: Some(wall_now() - 3 * 60_000),
        faults,
        ..options()
    })
    .await;
    let state = std::env::temp_dir().join(format!(
        "cutover-report-{}-{}",
        std::process::id(),
        sim.handle.addr.port()
    ));
    Lab { sim, state }
}

impl Lab {
    /// `cutover ARGS` against the simulator, with the audit log in the lab's directory.
    async fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
        command
            .args(args)
            .args([
                "--endpoint-url",
                &self.sim.endpoint(),
                "--region",
                "eu-west-1",
            ])
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_MAX_ATTEMPTS", "1")
            .env("XDG_CONFIG_HOME", CONFIG_HOME)
            .env("XDG_STATE_HOME", &self.state)
            .env_remove("AWS_PROFILE");
        tokio::task::spawn_blocking(move || command.output().expect("run cutover"))
            .await
            .expect("ran")
    }

    fn world<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        self.sim.handle.shared().with_world(f)
    }

    fn until(&self, limit: i64, done: impl Fn(&World) -> bool) {
        for _ in 0..limit {
            if self.world(|w| done(w)) {
                return;
            }
            self.sim.advance(1);
        }
        panic!("not reached in {limit} virtual seconds");
    }

    fn served(&self) -> usize {
        self.sim.handle.shared().request_log().since(0).len()
    }
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).expect("the report is one JSON object")
}

/// Starts a deployment of `group`'s running task definition, as a pipeline would.
fn deploy(lab: &Lab, group: &str) -> String {
    lab.world(|w| cutover::sim::engine::deploy::redeploy_current(w, "lab", group, None))
        .expect("deployment created")
}

#[tokio::test]
async fn a_failed_deployment_is_reported_with_its_hook_diagnostics_its_rollback_and_the_actions_on_its_service()
 {
    let lab = lab("lab.toml", Faults::default()).await;
    // The scenario the simulator documents: the next deployment's AfterAllowTestTraffic hook
    // reports Failed, and the group's auto-rollback (DEPLOYMENT_FAILURE) starts a rollback.
    lab.world(|w| {
        let group = w
            .deployment_groups
            .get_mut(&("lab".to_owned(), "web".to_owned()))
            .expect("lab/web");
        group.fail_next_hook = Some(LifecycleEventName::AfterAllowTestTraffic);
    });
    let id = deploy(&lab, "web");
    lab.until(1800, |w| {
        w.deployments[&id].status == DeploymentStatus::Failed
    });
    let rollback = lab
        .world(|w| w.deployments[&id].rollback_deployment.clone())
        .expect("a rollback deployment");
    lab.until(1800, |w| w.deployments[&rollback].status.is_terminal());
    // An action on the service after the failure, inside the report's window.
    ok(&lab.run(&["scale", "lab/web", "3", "--yes"]).await);

    let md = ok(&lab.run(&["report", &id]).await);
    for says in [
        &format!("# Deployment {id}: Failed"),
        "| Application / deployment group | lab / web |",
        "**HOOK_EXECUTION_FAILURE**",
        "### AfterAllowTestTraffic failed",
        "- Error code: ScriptFailed",
        "- Script: web-smoke-test",
        "assertion failed: error rate 30% > 1%",
        &format!("- Rolled back by deployment `{rollback}`"),
        "- How it went: Succeeded",
        "| AllowTestTraffic | Succeeded |",
        "| scale | lab/web | succeeded |",
        "Window: from ",
        "## Stopped tasks",
        "Container stopped by the scheduler",
    ] {
        assert!(md.contains(says), "the report should say {says:?}:\n{md}");
    }

    let report = json(&lab.run(&["report", &id, "--format", "json"]).await);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["deployment"]["platform"], "codedeploy");
    assert_eq!(report["deployment"]["status"], "Failed");
    assert_eq!(report["deployment"]["creator"], "user");
    assert_eq!(report["failure"]["code"], "HOOK_EXECUTION_FAILURE");
    let failed = &report["failure"]["failed_steps"][0];
    assert_eq!(failed["name"], "AfterAllowTestTraffic");
    assert_eq!(failed["diagnostics"]["error_code"], "ScriptFailed");
    assert_eq!(report["rollback"]["deployment"], rollback.as_str());
    assert_eq!(report["rollback"]["status"], "Succeeded");
    let steps = report["steps"].as_array().expect("steps");
    assert_eq!(
        steps.len(),
        8,
        "the eight lifecycle events of an ECS target"
    );
    let actions = report["actions"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["action"], "scale");
    assert_eq!(actions[0]["outcome"], "succeeded");
    assert_eq!(actions[0]["account"], "111122223333");
    assert!(actions[0]["request_id"].is_string());
    assert!(
        report["service_events"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    assert!(report["gaps"].as_array().is_some_and(Vec::is_empty));
    // The rollback's own report names the deployment it rolls back and who made it.
    let back = json(&lab.run(&["report", &rollback, "--format", "json"]).await);
    assert_eq!(back["deployment"]["creator"], "codeDeployRollback");
    assert_eq!(back["rollback"]["rolls_back"], id.as_str());
}

#[tokio::test]
async fn a_deployment_rolled_back_with_cutover_is_reported_with_the_rollback_action() {
    let lab = lab("lab.toml", Faults::default()).await;
    let id = deploy(&lab, "api");
    // The api group waits in Ready (readiness STOP_DEPLOYMENT) until someone acts.
    lab.until(1800, |w| {
        w.deployments[&id].status == DeploymentStatus::Ready
    });
    ok(&lab.run(&["rollback", &id, "--confirm", &id]).await);
    let rollback = lab
        .world(|w| w.deployments[&id].rollback_deployment.clone())
        .expect("a rollback deployment");
    lab.until(1800, |w| w.deployments[&rollback].status.is_terminal());

    let report = json(&lab.run(&["report", &id, "--format", "json"]).await);
    assert_eq!(report["deployment"]["status"], "Stopped");
    assert!(report["failure"]["code"].is_string(), "{report}");
    assert_eq!(report["rollback"]["deployment"], rollback.as_str());
    let actions = report["actions"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["action"], "rollback");
    assert_eq!(actions[0]["target"], id.as_str());
    assert_eq!(actions[0]["outcome"], "succeeded");
    assert!(actions[0]["principal"].is_string());

    let md = ok(&lab.run(&["report", &id]).await);
    assert!(
        md.contains(&format!("| rollback | {id} | succeeded |")),
        "{md}"
    );
    assert!(md.contains("## Rollback"), "{md}");
}

#[tokio::test]
async fn an_ecs_service_deployment_rolled_back_is_reported_with_its_stages_weights_and_action() {
    let lab = lab("native.toml", Faults::default()).await;
    let arn = lab
        .world(|w| {
            let task_definition = w
                .service("lab", "shop")
                .and_then(|s| s.task_definition())
                .unwrap_or_default()
                .to_owned();
            cutover::sim::engine::native::start(w, "lab", "shop", &task_definition)
        })
        .expect("a service deployment");
    lab.until(1800, |w| {
        w.service_deployments[&arn].production_percent > 0.0
    });
    ok(&lab.run(&["rollback", &arn, "--confirm", "lab/shop"]).await);
    lab.until(1800, |w| w.service_deployments[&arn].status.is_done());
    assert_eq!(
        lab.world(|w| w.service_deployments[&arn].status),
        Status::RollbackSuccessful
    );

    let report = json(&lab.run(&["report", &arn, "--format", "json"]).await);
    assert_eq!(report["deployment"]["platform"], "ecs");
    assert_eq!(report["deployment"]["cluster"], "lab");
    assert_eq!(report["deployment"]["service"], "shop");
    assert_eq!(report["deployment"]["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(report["rollback"]["status"], "ROLLBACK_SUCCESSFUL");
    assert!(report["rollback"]["started"].is_string(), "{report}");
    assert!(report["deployment"]["to"]["task_definition"].is_string());
    let roles: Vec<&str> = report["traffic"]["now"]["weights"]
        .as_array()
        .expect("weights")
        .iter()
        .filter_map(|w| w["role"].as_str())
        .collect();
    assert!(
        roles.contains(&"source") && roles.contains(&"target"),
        "{roles:?}"
    );
    let actions = report["actions"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["action"], "rollback");
    // ECS stamps moments, not each stage: the report says so instead of inventing times.
    let notes = report["notes"].to_string();
    assert!(notes.contains("not when each stage began"), "{notes}");

    let md = ok(&lab.run(&["report", &arn]).await);
    assert!(md.contains("| Platform | ECS service deployment |"), "{md}");
    assert!(md.contains("## Stages and hooks"), "{md}");
    assert!(md.contains("| Created by | not said by ECS |"), "{md}");
}

#[tokio::test]
async fn a_bad_id_or_an_existing_file_is_refused_before_any_call() {
    let lab = lab("lab.toml", Faults::default()).await;
    for (args, says) in [
        (
            vec!["report", "d-bad"],
            "is neither a CodeDeploy deployment id",
        ),
        (
            vec![
                "report",
                "arn:aws:ecs:eu-west-1:111122223333:service/lab/web",
            ],
            "is not an ECS service deployment ARN",
        ),
        (
            vec!["report", "d-AAAAAAAAA", "--profile", "a", "--profile", "b"],
            "a report reads one source",
        ),
    ] {
        let out = lab.run(&args).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
    std::fs::create_dir_all(&lab.state).expect("state directory");
    let existing = lab.state.join("postmortem.md");
    std::fs::write(&existing, "notes").expect("a file");
    let path = existing.to_string_lossy().into_owned();
    let out = lab.run(&["report", "d-AAAAAAAAA", "--output", &path]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(lab.served(), 0, "nothing was read");
    assert_eq!(std::fs::read_to_string(&existing).expect("kept"), "notes");
    // Well formed, but no such deployment: refused with what was asked.
    let out = lab.run(&["report", "d-AAAAAAAAA"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("d-AAAAAAAAA does not exist"), "{stderr}");
}

#[tokio::test]
async fn denied_reads_are_named_as_gaps_and_the_rest_is_written_to_the_file() {
    let lab = lab(
        "lab.toml",
        Faults {
            deny: vec![
                "ecs:ListTasks".to_owned(),
                "elasticloadbalancing:DescribeTargetHealth".to_owned(),
            ],
            ..Faults::default()
        },
    )
    .await;
    let id = deploy(&lab, "jobs");
    lab.until(1800, |w| w.deployments[&id].status.is_terminal());
    std::fs::create_dir_all(&lab.state).expect("state directory");
    let file = lab.state.join("report.json");
    let path = file.to_string_lossy().into_owned();
    let out = lab
        .run(&["report", &id, "--format", "json", "--output", &path])
        .await;
    assert!(ok(&out).is_empty(), "written to the file, not printed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not be read"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("written")).expect("json");
    let denied: Vec<String> = report["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .filter(|g| g["kind"] == "access_denied")
        .map(|g| {
            format!(
                "{} {}",
                g["service"].as_str().unwrap_or(""),
                g["operation"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(denied.contains(&"ecs ListTasks".to_owned()), "{denied:?}");
    assert!(
        denied.contains(&"elasticloadbalancing DescribeTargetHealth".to_owned()),
        "{denied:?}"
    );
    assert_eq!(report["deployment"]["status"], "Succeeded");
    assert_eq!(report["steps"].as_array().map(Vec::len), Some(8));
    // A file that exists is replaced only with --force; the Markdown names the gaps.
    let again = lab.run(&["report", &id, "--output", &path]).await;
    assert_eq!(again.status.code(), Some(2));
    ok(&lab
        .run(&["report", &id, "--output", &path, "--force"])
        .await);
    let md = std::fs::read_to_string(&file).expect("replaced");
    assert!(md.contains("## Not read"), "{md}");
    assert!(md.contains("ecs ListTasks"), "{md}");
    assert!(md.contains("allow ecs:ListTasks"), "{md}");
}

//! Operator actions from the command line, end to end against the simulator: each action's
//! effect checked in the simulator's state; bad inputs, read-only mode and races refused with
//! no mutating request in the simulator's log; the audit log written before and after, and
//! surviving a kill in the middle of an action.

// Pedantic lints guard the library; in tests they would only rename bindings and closures.
#![allow(clippy::pedantic)]

#[allow(dead_code)]
#[path = "../sim/common.rs"]
mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use cutover::sim::SimOptions;
use cutover::sim::world::World;
use cutover::sim::world::codedeploy::{DeploymentStatus, Phase};

use common::{Sim, options};

mod console;
mod evidence;
mod flags;
mod modes;
mod native;
mod once;
mod pipelines;

pub struct Lab {
    pub sim: Sim,
    pub state: PathBuf,
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state);
    }
}

pub fn lab() -> Lab {
    lab_of("lab.toml")
}

/// A lab on one of the test worlds in `tests/worlds/`.
pub fn lab_of(file: &str) -> Lab {
    let world = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/worlds")
        .join(file);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sim = runtime.block_on(Sim::start_with(SimOptions {
        world: Some(world),
        speed: None,
        autopilot: Some(false),
        ..options()
    }));
    let state = std::env::temp_dir().join(format!(
        "cutover-ops-{}-{}",
        std::process::id(),
        sim.handle.addr.port()
    ));
    Lab { sim, state }
}

impl Lab {
    /// Runs cutover with `args`, then the simulator's endpoint and region.
    fn run(&self, args: &[&str]) -> Output {
        self.cutover()
            .args(args)
            .args([
                "--endpoint-url",
                &self.sim.endpoint(),
                "--region",
                "eu-west-1",
            ])
            .output()
            .expect("run cutover")
    }

    /// The cutover binary with this lab's credentials, config and state directories.
    fn cutover(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
        command
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("XDG_CONFIG_HOME", self.state.join("config"))
            .env("XDG_STATE_HOME", &self.state)
            .env_remove("AWS_PROFILE");
        command
    }

    pub fn world<T>(&self, f: impl FnOnce(&World) -> T) -> T {
        self.sim.handle.shared().with_world(|w| f(w))
    }

    pub fn until(&self, limit: i64, done: impl Fn(&World) -> bool) {
        for _ in 0..limit {
            if self.world(|w| done(w)) {
                return;
            }
            self.sim.advance(1);
        }
        panic!("not reached in {limit} virtual seconds");
    }

    pub fn mutating(&self) -> usize {
        self.sim
            .handle
            .shared()
            .request_log()
            .since(0)
            .iter()
            .filter(|r| r.mutating)
            .count()
    }

    /// How many times an operation (`service:Operation`) was served.
    pub fn count(&self, operation: &str) -> u64 {
        self.sim
            .handle
            .shared()
            .request_log()
            .counts()
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    pub fn audit(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.state.join("cutover").join("audit.jsonl"))
            .unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("every audit line parses"))
            .collect()
    }

    /// Starts a deployment of the group's current task definition (as a pipeline would).
    pub fn deploy(&self, group: &str, config: Option<&str>) -> String {
        self.sim
            .handle
            .shared()
            .with_world(|w| cutover::sim::engine::deploy::redeploy_current(w, "lab", group, config))
            .expect("deployment created")
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

fn refused(out: &Output, code: i32, says: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(says), "'{stderr}' should say '{says}'");
}

#[test]
fn reroute_then_finish_a_ready_deployment() {
    let lab = lab();
    let id = lab.deploy("api", None);
    lab.until(900, |w| {
        w.deployments[&id].status == DeploymentStatus::Ready
    });
    ok(&lab.run(&["reroute", &id, "--yes"]));
    lab.until(300, |w| w.deployments[&id].phase == Phase::TerminationWait);
    refused(
        &lab.run(&["finish", &id, "--yes"]),
        4,
        &format!("--confirm {id}"),
    );
    ok(&lab.run(&["finish", &id, "--confirm", &id]));
    lab.until(120, |w| {
        w.deployments[&id].status == DeploymentStatus::Succeeded
    });
    let audit = lab.audit();
    let phases: Vec<(&str, &str)> = audit
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap_or(""),
                r["phase"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        phases,
        [
            ("reroute", "requested"),
            ("reroute", "succeeded"),
            ("finish", "requested"),
            ("finish", "succeeded")
        ]
    );
    assert_eq!(audit[1]["account"], "111122223333");
    assert!(audit[1]["request_id"].is_string());
    assert!(
        audit[1]["principal"]
            .as_str()
            .is_some_and(|p| p.starts_with("arn:aws:sts::"))
    );
}

#[test]
fn rollback_creates_a_rollback_that_finishes_and_redeploy_sends_the_previous_revision() {
    let lab = lab();
    let first = lab.deploy("web", Some("CodeDeployDefault.ECSCanary10Percent5Minutes"));
    lab.until(900, |w| w.deployments[&first].shifted == 10);
    ok(&lab.run(&["rollback", &first, "--confirm", &first]));
    let rollback = lab
        .world(|w| w.deployments[&first].rollback_deployment.clone())
        .expect("a rollback deployment");
    lab.until(900, |w| {
        w.deployments[&rollback].status == DeploymentStatus::Succeeded
    });
    refused(
        &lab.run(&["rollback", &first, "--confirm", &first]),
        1,
        "already finished",
    );

    let previous = lab
        .world(|w| {
            w.deployment_groups[&("lab".to_owned(), "web".to_owned())]
                .last_successful
                .clone()
        })
        .expect("last success");
    // GetDeployment carries no AppSpec text (as on AWS): it is read with
    // GetApplicationRevision, and the plan names the task definition it deploys.
    let out = lab.run(&["redeploy", "lab/web", "--confirm", "lab/web"]);
    ok(&out);
    let (new, revision, old_revision) = lab.world(|w| {
        let d = w
            .deployment_order
            .last()
            .and_then(|id| w.deployments.get(id))
            .expect("new deployment");
        (
            d.id.clone(),
            d.revision.clone(),
            w.deployments[&previous].revision.clone(),
        )
    });
    assert_ne!(new, previous);
    assert_eq!(
        revision.source, old_revision.source,
        "the previous revision is deployed again"
    );
    assert_eq!(revision.task_definition, old_revision.task_definition);
    let short = old_revision
        .task_definition
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!("{previous}: {short} (AppSpec ")),
        "the plan names the task definition: {said}"
    );
    assert_eq!(lab.count("codedeploy:GetApplicationRevision"), 1);
}

#[test]
fn redeploy_sends_an_s3_revision_again_by_reference() {
    use cutover::sim::engine::deploy::{CreateRequest, create, s3_revision};
    use cutover::sim::world::codedeploy::{RevisionSource, S3Location};

    let lab = lab();
    let location = S3Location {
        bucket: "lab-releases".to_owned(),
        key: "jobs/appspec.yaml".to_owned(),
        bundle_type: Some("YAML".to_owned()),
        version: Some("3".to_owned()),
        etag: None,
    };
    let first = lab
        .sim
        .handle
        .shared()
        .with_world(|w| {
            let revision = s3_revision(w, "lab", "jobs", location.clone())?;
            create(
                w,
                CreateRequest {
                    application: "lab".to_owned(),
                    group: "jobs".to_owned(),
                    config: None,
                    description: None,
                    revision,
                    creator: "user",
                    auto_rollback: None,
                    external_id: None,
                },
            )
        })
        .expect("an S3 deployment");
    lab.until(900, |w| {
        w.deployments[&first].status == DeploymentStatus::Succeeded
    });
    let out = lab.run(&["redeploy", "lab/jobs", "--confirm", "lab/jobs"]);
    ok(&out);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("s3://lab-releases/jobs/appspec.yaml (version 3, YAML)"),
        "the plan names the object: {said}"
    );
    let (new, source) = lab.world(|w| {
        let d = w
            .deployment_order
            .last()
            .and_then(|id| w.deployments.get(id))
            .expect("new deployment");
        (d.id.clone(), d.revision.source.clone())
    });
    assert_ne!(new, first);
    assert_eq!(source, RevisionSource::S3(location));
}

#[test]
fn scale_and_weights_change_the_service_and_the_rule() {
    let lab = lab();
    ok(&lab.run(&["scale", "lab/jobs", "3", "--yes"]));
    assert_eq!(
        lab.world(|w| w.service("lab", "jobs").map(|s| s.desired)),
        Some(3)
    );
    let rule = lab.world(|w| {
        let tg = w
            .target_group_by_name("jobs-blue")
            .map(|t| t.arn.clone())
            .unwrap_or_default();
        let test_listener = w.deployment_groups[&("lab".to_owned(), "jobs".to_owned())]
            .test_listener
            .clone()
            .unwrap_or_default();
        w.rules_for_pair(&test_listener, [&tg, &tg])
            .first()
            .cloned()
            .expect("jobs rule on the test listener")
    });
    ok(&lab.run(&[
        "weights",
        &rule,
        "jobs-blue=80",
        "jobs-green=20",
        "--confirm",
        "lab-alb",
    ]));
    let weights = lab.world(|w| {
        w.rules[&rule].actions[0]
            .forward
            .iter()
            .map(|f| f.weight)
            .collect::<Vec<_>>()
    });
    assert_eq!(weights, [80, 20]);
}

/// ELBv2's Modify calls replace the whole forward action (aws-apis.md 5.3; botocore elbv2
/// `ForwardActionConfig{TargetGroups, TargetGroupStickinessConfig{Enabled, DurationSeconds}}`):
/// setting one weight must send the other groups and the stickiness again as they are.
#[test]
fn weights_change_only_the_named_group_and_keep_stickiness_and_the_other_groups() {
    use cutover::sim::world::elb::Forward;
    let lab = lab();
    let arn = |w: &World, name: &str| {
        w.target_group_by_name(name)
            .map(|t| t.arn.clone())
            .unwrap_or_default()
    };
    let rule = lab.sim.handle.shared().with_world(|w| {
        let (blue, green, web) = (
            arn(w, "jobs-blue"),
            arn(w, "jobs-green"),
            arn(w, "web-green"),
        );
        let rule = w
            .rules
            .values()
            .find(|r| !r.is_default && r.forwards_to(&blue))
            .map(|r| r.arn.clone())
            .expect("a jobs rule");
        let forward = w
            .rules
            .get_mut(&rule)
            .and_then(|r| r.actions.iter_mut().find(|a| a.kind == "forward"))
            .expect("a forward action");
        forward.forward = vec![
            Forward {
                target_group_arn: blue,
                weight: 50,
            },
            Forward {
                target_group_arn: green,
                weight: 30,
            },
            Forward {
                target_group_arn: web,
                weight: 20,
            },
        ];
        forward.stickiness = Some((true, Some(3600)));
        rule
    });
    let out = lab.run(&["weights", &rule, "jobs-green=60", "--confirm", "lab-alb"]);
    ok(&out);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains("jobs-blue=50 jobs-green=60 web-green=20"),
        "the plan shows the whole forward action: {summary}"
    );
    let (forward, stickiness) = lab.world(|w| {
        let action = w.rules[&rule]
            .actions
            .iter()
            .find(|a| a.kind == "forward")
            .cloned()
            .expect("still a forward action");
        let names: Vec<(String, u32)> = action
            .forward
            .iter()
            .map(|f| {
                let name = w
                    .target_groups
                    .get(&f.target_group_arn)
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                (name, f.weight)
            })
            .collect();
        (names, action.stickiness)
    });
    assert_eq!(
        forward,
        [
            ("jobs-blue".to_owned(), 50),
            ("jobs-green".to_owned(), 60),
            ("web-green".to_owned(), 20)
        ]
    );
    assert_eq!(stickiness, Some((true, Some(3600))));
}

#[test]
fn bad_input_is_refused_and_nothing_is_sent() {
    let lab = lab();
    let long = "x".repeat(513);
    let jobs_rule = lab.world(|w| {
        let blue = w
            .target_group_by_name("jobs-blue")
            .map(|t| t.arn.clone())
            .unwrap_or_default();
        w.rules
            .values()
            .find(|r| !r.is_default && r.forwards_to(&blue))
            .map(|r| r.arn.clone())
            .expect("a jobs rule")
    });
    let table: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["scale", "lab/jobs", "-1", "--yes"], 2, "negative"),
        (
            vec!["scale", "lab/jobs", "ten", "--yes"],
            2,
            "not a whole number",
        ),
        (vec!["scale", "lab/jobs", "5001", "--yes"], 2, "quota"),
        (vec!["scale", "nojobs", "3", "--yes"], 2, "CLUSTER/SERVICE"),
        (
            vec!["scale", "lab/ghost", "3", "--yes"],
            1,
            "does not exist",
        ),
        (
            vec!["approve", "web-release", "--comment", &long, "--yes"],
            2,
            "at most 512",
        ),
        (
            vec![
                "approve",
                "web-release",
                "--comment",
                "ok",
                "--stage",
                "Nowhere",
                "--yes",
            ],
            2,
            "no stage Nowhere",
        ),
        (vec!["weights", "arn:x", "a=1000", "--yes"], 2, "0 to 999"),
        (
            vec![
                "weights",
                &jobs_rule,
                "jobs-blue=0",
                "jobs-green=0",
                "--yes",
            ],
            2,
            "all weights are zero",
        ),
        (
            vec!["weights", "arn:x", "a", "--yes"],
            2,
            "TARGET_GROUP=WEIGHT",
        ),
        (
            vec!["weights", "arn:x", "ghost=1", "--yes"],
            2,
            "no such target group",
        ),
        (vec!["reroute", "d-nope", "--yes"], 2, "not a deployment id"),
        (vec!["reroute", "d-ABCDEFGH1", "--yes"], 1, "does not exist"),
        (vec!["redeploy", "lab", "--yes"], 2, "APPLICATION/GROUP"),
        (
            vec!["stop", "web-release", "--reason", &long, "--yes"],
            2,
            "at most 200",
        ),
        (
            vec!["retry", "nope-release", "--yes"],
            1,
            "PipelineNotFound",
        ),
    ];
    for (args, code, says) in table {
        refused(&lab.run(&args), code, says);
    }
    assert_eq!(
        lab.mutating(),
        0,
        "no mutating request reached the simulator"
    );
    assert!(lab.audit().is_empty(), "nothing was requested");
}

#[test]
fn read_only_refuses_every_action_before_any_call() {
    let lab = lab();
    let commands: Vec<Vec<&str>> = vec![
        vec!["approve", "web-release", "--comment", "ok"],
        vec!["reroute", "d-ABCDEFGH1"],
        vec!["finish", "d-ABCDEFGH1"],
        vec!["rollback", "d-ABCDEFGH1"],
        vec!["redeploy", "lab/web"],
        vec!["scale", "lab/jobs", "2"],
        vec!["weights", "arn:x", "a=1"],
        vec!["retry", "web-release"],
        vec!["stop", "web-release"],
        vec!["start", "web-release"],
        vec!["rollback-stage", "api-release", "--stage", "Deploy"],
    ];
    for command in &commands {
        let mut args = command.clone();
        args.extend(["--read-only", "--yes"]);
        refused(&lab.run(&args), 4, "--read-only");
    }
    let config = lab.state.join("config").join("cutover");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("config.toml"),
        "[profiles.prod]\nread_only = true\n",
    )
    .expect("config");
    refused(
        &lab.run(&["scale", "lab/jobs", "2", "--yes", "--profile", "prod"]),
        4,
        "read-only",
    );
    assert_eq!(
        lab.sim.handle.shared().request_log().since(0).len(),
        0,
        "not even a read was made"
    );
}

#[test]
fn a_deployment_that_moved_on_is_answered_plainly_and_nothing_is_sent() {
    let lab = lab();
    let id = lab.deploy("api", None);
    lab.until(900, |w| {
        w.deployments[&id].status == DeploymentStatus::Ready
    });
    // Someone else reroutes first.
    lab.sim
        .handle
        .shared()
        .with_world(|w| cutover::sim::engine::deploy::continue_deployment(w, &id, "READY_WAIT"))
        .expect("continued");
    let before = lab.mutating();
    refused(&lab.run(&["reroute", &id, "--yes"]), 1, "not Ready");
    assert_eq!(lab.mutating(), before);
}

#[test]
fn the_audit_log_survives_a_kill_in_the_middle_of_an_action() {
    let lab = lab();
    // Slow calls, so the action is in flight when it is killed.
    let faults = r#"{"latency_ms": 3000, "services": ["ecs"]}"#;
    lab.sim
        .handle
        .shared()
        .set_faults(serde_json::from_str(faults).expect("faults"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args([
            "scale",
            "lab/jobs",
            "2",
            "--yes",
            "--endpoint-url",
            &lab.sim.endpoint(),
            "--region",
            "eu-west-1",
        ])
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("XDG_STATE_HOME", &lab.state)
        .env("XDG_CONFIG_HOME", lab.state.join("config"))
        .spawn()
        .expect("spawn");
    let log = lab.state.join("cutover").join("audit.jsonl");
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("\"requested\"")
    {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "no requested record"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    let records = lab.audit();
    assert_eq!(records.len(), 1, "the requested record, whole");
    assert_eq!(records[0]["phase"], "requested");
    assert_eq!(records[0]["action"], "scale");
}

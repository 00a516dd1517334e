//! Acting on a whole release across two accounts (the two simulators of `sources.rs`, behind
//! AWS profiles `dev` and `prod`): `cutover approve --release NAME` answers every gate waiting
//! in both, each in its own account, and `cutover rollback --release NAME [--since TIME]`
//! stops every deployment in flight with rollback (CodeDeploy StopDeployment with
//! `autoRollbackEnabled`; ECS StopServiceDeployment with `stopType` ROLLBACK) and redeploys
//! the revision before a success since TIME (CodeDeploy CreateDeployment with that revision,
//! as the CodeDeploy user guide's "Redeploy and roll back a deployment" does by hand). Each
//! checked by reading both simulators' worlds, and the audit log under a directory of the
//! test's own.

use std::path::PathBuf;
use std::process::Output;

use cutover::sim::engine::pipeline::{Trigger, start};

use crate::common::Sim;
use crate::sources::{command, config_home, json_ok, two_profiles};

/// The two accounts, a config file with `release` (and `more`), and a state directory for
/// the audit log.
pub(crate) struct Two {
    pub(crate) dev: Sim,
    pub(crate) prod: Sim,
    dir: PathBuf,
    aws: PathBuf,
    home: String,
}

pub(crate) async fn two(test: &str, release: &str, more: &str) -> Two {
    let (dev, prod, dir, aws) = two_profiles(&format!("relact-{test}")).await;
    let home = config_home(&dir, &format!("{release}\n{more}"));
    Two {
        dev,
        prod,
        dir,
        aws,
        home,
    }
}

impl Two {
    /// `cutover --profile dev --profile prod ARGS`, its audit log in the test's directory.
    pub(crate) async fn run(&self, args: &[&str]) -> Output {
        let mut command = command(
            &self.aws,
            &self.home,
            &[&["--profile", "dev", "--profile", "prod"], args].concat(),
        );
        command.env("XDG_STATE_HOME", self.dir.join("state"));
        tokio::task::spawn_blocking(move || command.output().expect("run cutover"))
            .await
            .expect("ran")
    }

    /// The audit log's records.
    pub(crate) fn audit(&self) -> Vec<serde_json::Value> {
        let path = self.dir.join("state/cutover/audit.jsonl");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("an audit record"))
            .collect()
    }

    /// The mutating calls each simulator was sent since `seqs`.
    fn sent_since(&self, seqs: (u64, u64)) -> (usize, usize) {
        let count = |sim: &Sim, seq: u64| {
            sim.handle
                .shared()
                .request_log()
                .since(seq)
                .iter()
                .filter(|r| r.mutating)
                .count()
        };
        (count(&self.dev, seqs.0), count(&self.prod, seqs.1))
    }

    fn seqs(&self) -> (u64, u64) {
        let seq = |sim: &Sim| sim.handle.shared().request_log().last_seq();
        (seq(&self.dev), seq(&self.prod))
    }
}

impl Drop for Two {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The executions waiting at an approval in a world.
pub(crate) fn waiting(sim: &Sim, pipeline: &str) -> Vec<String> {
    sim.handle.shared().with_world(|w| {
        w.executions
            .values()
            .filter(|e| e.pipeline == pipeline)
            .filter(|e| {
                e.runs
                    .iter()
                    .any(|r| r.token.is_some() && r.status.as_str() == "InProgress")
            })
            .map(|e| e.id.clone())
            .collect()
    })
}

fn run_pipeline(sim: &Sim, pipeline: &str) -> String {
    sim.handle
        .shared()
        .with_world(|w| {
            start(
                w,
                pipeline,
                Trigger {
                    kind: "StartPipelineExecution",
                    detail: "test",
                },
                None,
            )
        })
        .expect("started")
}

/// Two executions of prod's PARALLEL `parallel-release` waiting at its one gate.
fn two_waiting_in_prod(sim: &Sim) {
    run_pipeline(sim, "parallel-release");
    sim.advance(20);
    run_pipeline(sim, "parallel-release");
    for _ in 0..3600 {
        if waiting(sim, "parallel-release").len() == 2 {
            return;
        }
        sim.advance(1);
    }
    panic!("the executions never reached their approval");
}

const REVIEWS: &str = "[[release]]\nname = \"reviews\"\n\
     pipelines = [\"reviews-release\", \"parallel-release\"]\nservices = [\"*/reviews\"]\n";

#[tokio::test]
async fn a_release_is_approved_whole_across_both_accounts() {
    let t = two("approve", REVIEWS, "").await;
    two_waiting_in_prod(&t.prod);
    assert_eq!(
        waiting(&t.dev, "reviews-release").len(),
        2,
        "the default world's PARALLEL gate"
    );
    let out = t
        .run(&[
            "approve",
            "--release",
            "reviews",
            "--comment",
            "ship the reviews",
            "--confirm",
            "reviews",
        ])
        .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    // The plan: a line per gate (each execution at a PARALLEL gate its own), with its source.
    let planned: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("approve Approval/ApproveProduction execution"))
        .collect();
    assert_eq!(planned.len(), 4, "{stderr}");
    assert_eq!(planned.iter().filter(|l| l.contains("dev ")).count(), 2);
    assert_eq!(planned.iter().filter(|l| l.contains("prod ")).count(), 2);
    assert_eq!(stdout.matches(" ok: approved").count(), 4, "{stdout}");
    assert!(waiting(&t.dev, "reviews-release").is_empty());
    assert!(waiting(&t.prod, "parallel-release").is_empty());
    let after = json_ok(&t.run(&["release", "reviews", "--json"]).await);
    assert_eq!(after["summary"]["gates_waiting"], 0, "{after}");
    // One record before and one after each gate, naming its source and account.
    let audit = t.audit();
    let done: Vec<(&str, &str)> = audit
        .iter()
        .filter(|r| r["phase"] == "succeeded")
        .map(|r| {
            assert_eq!(r["action"], "approve");
            (
                r["source"].as_str().unwrap_or_default(),
                r["account"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        done,
        [
            ("dev", "123456789012"),
            ("dev", "123456789012"),
            ("prod", "444455556666"),
            ("prod", "444455556666")
        ]
    );
    assert_eq!(audit.len(), 8, "{audit:?}");
    let executions: std::collections::BTreeSet<&str> = audit
        .iter()
        .filter_map(|r| r["sent"]["execution"].as_str())
        .collect();
    assert_eq!(executions.len(), 4, "each execution answered once");
}

#[tokio::test]
async fn without_the_release_typed_nothing_is_sent() {
    let t = two("unconfirmed", REVIEWS, "").await;
    two_waiting_in_prod(&t.prod);
    let seqs = t.seqs();
    let asked = ["approve", "--release", "reviews", "--comment", "ship"];
    let bare = t.run(&asked).await;
    let yes = t.run(&[&asked[..], &["--yes"]].concat()).await;
    let wrong = t
        .run(&[&asked[..], &["--confirm", "review"]].concat())
        .await;
    for out in [&bare, &yes] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{stderr}");
        assert!(stderr.contains("pass --confirm reviews"), "{stderr}");
        assert!(
            stderr.contains("approve release reviews: 4 actions to send"),
            "{stderr}"
        );
    }
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(wrong.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("does not match reviews"), "{stderr}");
    assert_eq!(t.sent_since(seqs), (0, 0));
    assert_eq!(waiting(&t.dev, "reviews-release").len(), 2);
    assert_eq!(waiting(&t.prod, "parallel-release").len(), 2);
    assert!(t.audit().is_empty());
    // A release the config file does not have: its releases named, nothing read.
    let unknown = t
        .run(&["rollback", "--release", "nope", "--confirm", "nope"])
        .await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("no release nope in the config file; it has reviews")
    );
    // The release form and a target at once.
    let both = t
        .run(&["rollback", "d-ABCDEFGHI", "--release", "reviews"])
        .await;
    assert_eq!(both.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&both.stderr).contains("cannot be used with"),
        "{}",
        String::from_utf8_lossy(&both.stderr)
    );
}

#[tokio::test]
async fn a_read_only_accounts_members_are_refused_and_the_others_approved() {
    let t = two("readonly", REVIEWS, "[profiles.prod]\nread_only = true\n").await;
    two_waiting_in_prod(&t.prod);
    let seqs = t.seqs();
    let out = t
        .run(&[
            "approve",
            "--release",
            "reviews",
            "--comment",
            "ship",
            "--confirm",
            "reviews",
        ])
        .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(4),
        "refused in part: {stdout}\n{stderr}"
    );
    assert_eq!(
        stderr
            .matches("refused: read-only (profile prod is read-only in the config file)")
            .count(),
        2,
        "{stderr}"
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("dev ") && l.contains("ok: approved"))
            .count(),
        2,
        "{stdout}"
    );
    assert!(!stdout.contains("prod "), "{stdout}");
    assert_eq!(t.sent_since(seqs).1, 0, "nothing sent to prod");
    assert!(waiting(&t.dev, "reviews-release").is_empty());
    assert_eq!(waiting(&t.prod, "parallel-release").len(), 2);
    assert!(t.audit().iter().all(|r| r["source"] == "dev"));
}

/// The deployments of `group` in a world not ended yet.
fn in_flight(sim: &Sim, group: &str) -> Vec<String> {
    sim.handle.shared().with_world(|w| {
        w.deployments
            .values()
            .filter(|d| d.group == group)
            .filter(|d| !["Succeeded", "Failed", "Stopped"].contains(&d.status.as_str()))
            .map(|d| d.id.clone())
            .collect()
    })
}

fn status_of(sim: &Sim, id: &str) -> (String, Option<String>) {
    sim.handle.shared().with_world(|w| {
        let d = &w.deployments[id];
        (d.status.as_str().to_owned(), d.rollback_deployment.clone())
    })
}

/// Whether a deployment of modes/jobs in flight has its replacement task set: there is then
/// something to roll back (the simulator, as CodeDeploy, creates no rollback deployment for a
/// deployment stopped before it installed anything).
fn installed(sim: &Sim) -> bool {
    let ids = in_flight(sim, "jobs");
    sim.handle.shared().with_world(|w| {
        ids.iter()
            .any(|id| w.deployments[id].replacement_set.is_some())
    })
}

/// Runs prod's `jobs-release` (source, then deploy to modes/jobs) until its deployment in
/// flight has installed its replacement, or (`to_the_end`) until the execution ended.
fn deploy_jobs(sim: &Sim, to_the_end: bool) {
    let id = run_pipeline(sim, "jobs-release");
    for _ in 0..3600 {
        let ended = sim
            .handle
            .shared()
            .with_world(|w| w.executions[&id].status.as_str() != "InProgress");
        if if to_the_end { ended } else { installed(sim) } {
            return;
        }
        sim.advance(1);
    }
    panic!("jobs-release never got there");
}

#[tokio::test]
async fn a_release_is_rolled_back_whole_across_both_accounts() {
    let release = "[[release]]\nname = \"shop\"\n\
         services = [\"web-prod/checkout\", \"web-prod/inventory\", \"modes/jobs\"]\n";
    let t = two("rollback", release, "").await;
    deploy_jobs(&t.prod, false);
    let dev: Vec<String> = ["checkout", "inventory"]
        .iter()
        .flat_map(|g| in_flight(&t.dev, g))
        .collect();
    let prod = in_flight(&t.prod, "jobs");
    assert_eq!((dev.len(), prod.len()), (2, 1), "{dev:?} {prod:?}");
    let out = t
        .run(&["rollback", "--release", "shop", "--confirm", "shop"])
        .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for id in dev.iter().chain(&prod) {
        assert!(
            stderr.contains(&format!("stop {id} with rollback")),
            "{stderr}"
        );
    }
    for (sim, id) in dev
        .iter()
        .map(|id| (&t.dev, id))
        .chain(prod.iter().map(|id| (&t.prod, id)))
    {
        let (status, rollback) = status_of(sim, id);
        assert_eq!(status, "Stopped", "{id}");
        assert!(rollback.is_some(), "{id} is rolled back by a deployment");
    }
    let audit = t.audit();
    let sources: Vec<&str> = audit
        .iter()
        .filter(|r| r["phase"] == "succeeded" && r["action"] == "rollback")
        .filter_map(|r| r["source"].as_str())
        .collect();
    assert_eq!(sources, ["dev", "dev", "prod"]);
}

/// The newest deployment of `group` and the task definition of the last success before it.
fn newest_and_before(sim: &Sim, group: &str) -> (String, String, String) {
    sim.handle.shared().with_world(|w| {
        let mut of: Vec<_> = w
            .deployments
            .values()
            .filter(|d| d.group == group)
            .collect();
        of.sort_by_key(|d| d.created_at);
        let newest = of.last().expect("a deployment");
        assert_eq!(newest.status.as_str(), "Succeeded", "{}", newest.id);
        let before = of
            .iter()
            .rev()
            .skip(1)
            .find(|d| d.status.as_str() == "Succeeded")
            .expect("a success before");
        (
            newest.id.clone(),
            newest.revision.task_definition.clone(),
            before.revision.task_definition.clone(),
        )
    })
}

fn newest_revision(sim: &Sim, group: &str) -> String {
    sim.handle.shared().with_world(|w| {
        w.deployments
            .values()
            .filter(|d| d.group == group)
            .max_by_key(|d| d.created_at)
            .map(|d| d.revision.task_definition.clone())
            .expect("a deployment")
    })
}

#[tokio::test]
async fn since_redeploys_the_revision_before_a_success_in_both_accounts() {
    let release = "[[release]]\nname = \"back\"\n\
         services = [\"web-prod/reviews\", \"modes/jobs\"]\n";
    let t = two("since", release, "").await;
    deploy_jobs(&t.prod, true);
    deploy_jobs(&t.prod, true);
    let (dev_newest, _, dev_before) = newest_and_before(&t.dev, "reviews");
    let (prod_newest, _, prod_before) = newest_and_before(&t.prod, "jobs");
    let out = t
        .run(&[
            "rollback",
            "--release",
            "back",
            "--since",
            "12h",
            "--confirm",
            "back",
        ])
        .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("with the revision before {dev_newest}")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("with the revision before {prod_newest}")),
        "{stderr}"
    );
    assert_eq!(stdout.matches("ok: ").count(), 2, "{stdout}");
    assert_eq!(newest_revision(&t.dev, "reviews"), dev_before);
    assert_eq!(newest_revision(&t.prod, "jobs"), prod_before);
    let audit = t.audit();
    let undone: Vec<(&str, &str)> = audit
        .iter()
        .filter(|r| r["phase"] == "succeeded")
        .map(|r| {
            (
                r["source"].as_str().unwrap_or_default(),
                r["parameters"]["undo"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        undone,
        [("dev", dev_newest.as_str()), ("prod", prod_newest.as_str())]
    );
}

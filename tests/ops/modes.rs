//! Actions on pipelines in QUEUED and PARALLEL mode from the command line: where several
//! executions wait or run, an action that could mean more than one is refused with their ids
//! (exit 2) and nothing is sent; named with --execution it acts on that one only. Stage
//! rollback never targets a rollback execution (AWS refuses one: "You cannot roll back to a
//! target execution ID that is a rollback execution type").

use cutover::sim::engine::pipeline::{self, Trigger};
use cutover::sim::world::World;
use cutover::sim::world::codedeploy::LifecycleEventName;

use crate::{Lab, lab_of, ok, refused};

fn start(lab: &Lab, name: &str) -> String {
    lab.sim
        .handle
        .shared()
        .with_world(|w| {
            pipeline::start(
                w,
                name,
                Trigger {
                    kind: "StartPipelineExecution",
                    detail: "test",
                },
                None,
            )
        })
        .expect("started")
}

/// The status of the approval run of an execution.
fn approval_of(w: &World, id: &str) -> Option<String> {
    w.executions[id]
        .runs
        .iter()
        .find(|r| r.token.is_some())
        .map(|r| r.status.as_str().to_owned())
}

fn two_waiting(lab: &Lab) -> (String, String) {
    let first = start(lab, "parallel-release");
    lab.sim.advance(20);
    let second = start(lab, "parallel-release");
    lab.until(1200, |w| {
        approval_of(w, &first).as_deref() == Some("InProgress")
            && approval_of(w, &second).as_deref() == Some("InProgress")
    });
    (first, second)
}

#[test]
fn approve_refuses_to_guess_between_executions_at_one_gate_and_answers_the_one_named() {
    let lab = lab_of("modes.toml");
    let (first, second) = two_waiting(&lab);
    let out = lab.run(&[
        "approve",
        "parallel-release",
        "--comment",
        "ship it",
        "--yes",
    ]);
    refused(
        &out,
        2,
        "2 executions wait at parallel-release Approval/ApproveProduction",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&first) && stderr.contains(&second) && stderr.contains("--execution"),
        "the ids to choose from: {stderr}"
    );
    assert_eq!(lab.mutating(), 0, "nothing sent");

    refused(
        &lab.run(&[
            "approve",
            "parallel-release",
            "--execution",
            "00000000-0000-4000-8000-000000000000",
            "--comment",
            "ship it",
            "--yes",
        ]),
        1,
        "is not waiting at an approval",
    );
    assert_eq!(lab.mutating(), 0, "nothing sent");

    let said = ok(&lab.run(&[
        "approve",
        "parallel-release",
        "--execution",
        &second,
        "--comment",
        "ship the second",
        "--yes",
    ]));
    assert!(said.contains(&second), "{said}");
    lab.world(|w| {
        assert_eq!(approval_of(w, &second).as_deref(), Some("Succeeded"));
        assert_eq!(
            approval_of(w, &first).as_deref(),
            Some("InProgress"),
            "the other execution still waits"
        );
    });
    let approved = lab
        .audit()
        .iter()
        .any(|r| r["action"] == "approve" && r["parameters"]["execution"] == second.as_str());
    assert!(
        approved,
        "the audit log names the execution: {:?}",
        lab.audit()
    );
    // The first execution's evidence does not lend it the stage results of the second,
    // which ran those stages last.
    let out = lab.run(&[
        "approve",
        "parallel-release",
        "--execution",
        &first,
        "--comment",
        "ship the first",
        "--yes",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("(latest run: execution {})", &second[..8])),
        "{stderr}"
    );
}

#[test]
fn stop_in_parallel_mode_names_the_execution_or_is_refused_with_the_ids() {
    let lab = lab_of("modes.toml");
    let (first, second) = two_waiting(&lab);
    let out = lab.run(&["stop", "parallel-release", "--confirm", "parallel-release"]);
    refused(
        &out,
        2,
        "2 executions of parallel-release are running (PARALLEL mode)",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&first) && stderr.contains(&second),
        "{stderr}"
    );
    assert_eq!(lab.mutating(), 0, "nothing sent");

    ok(&lab.run(&[
        "stop",
        "parallel-release",
        "--execution",
        &first,
        "--abandon",
        "--confirm",
        "parallel-release",
    ]));
    lab.until(60, |w| w.executions[&first].status.as_str() == "Stopped");
    lab.world(|w| assert_eq!(w.executions[&second].status.as_str(), "InProgress"));
    refused(
        &lab.run(&[
            "stop",
            "parallel-release",
            "--execution",
            &first,
            "--confirm",
            "parallel-release",
        ]),
        1,
        "is Stopped: there is nothing to stop",
    );
}

#[test]
fn rollback_stage_never_targets_a_rollback_execution() {
    let lab = lab_of("modes.toml");
    let succeed = |lab: &Lab| {
        let id = start(lab, "jobs-release");
        lab.until(1800, |w| w.executions[&id].status.as_str() == "Succeeded");
        id
    };
    let first = succeed(&lab);
    let _second = succeed(&lab);
    let rollback = lab
        .sim
        .handle
        .shared()
        .with_world(|w| pipeline::rollback_stage(w, "jobs-release", "Deploy", &first))
        .expect("rolled back");
    lab.until(1800, |w| {
        w.executions[&rollback].status.as_str() == "Succeeded"
    });

    let out = lab.run(&[
        "rollback-stage",
        "jobs-release",
        "--stage",
        "Deploy",
        "--to",
        &rollback,
        "--confirm",
        "jobs-release",
    ]);
    refused(&out, 2, "was itself a rollback");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("roll back to {first} instead")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lab.mutating(), 0, "nothing sent");

    // A later execution fails in the stage: the newest success there is the rollback, so
    // what to go back to is what it deployed, never the rollback itself.
    lab.sim.handle.shared().with_world(|w| {
        if let Some(g) = w
            .deployment_groups
            .get_mut(&("modes".to_owned(), "jobs".to_owned()))
        {
            g.fail_next_hook = Some(LifecycleEventName::AfterInstall);
        }
    });
    let third = start(&lab, "jobs-release");
    lab.until(1800, |w| w.executions[&third].status.as_str() == "Failed");
    lab.until(1800, |w| w.active_deployment("modes", "jobs").is_none());
    ok(&lab.run(&[
        "rollback-stage",
        "jobs-release",
        "--stage",
        "Deploy",
        "--confirm",
        "jobs-release",
    ]));
    let target = lab.world(|w| {
        w.pipelines["jobs-release"]
            .executions
            .last()
            .and_then(|id| w.executions[id].rollback_target.clone())
    });
    assert_eq!(target.as_deref(), Some(first.as_str()));

    refused(
        &lab.run(&[
            "rollback-stage",
            "parallel-release",
            "--stage",
            "Production",
            "--confirm",
            "parallel-release",
        ]),
        1,
        "PARALLEL mode, where AWS offers no stage rollback",
    );
}

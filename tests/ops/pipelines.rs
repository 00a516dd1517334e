//! The pipeline actions from the command line: approve, start, stop, retry, and a stage
//! rolled back, against the simulator.

use super::*;

#[test]
fn pipeline_controls_approve_start_stop_and_retry() {
    let lab = lab();
    ok(&lab.run(&["start", "web-release", "--yes"]));
    let execution = lab
        .world(|w| w.pipelines["web-release"].executions.last().cloned())
        .expect("started");
    lab.until(1800, |w| {
        w.executions[&execution]
            .runs
            .iter()
            .any(|r| r.token.is_some())
    });
    ok(&lab.run(&[
        "approve",
        "web-release",
        "--comment",
        "ship release 42",
        "--yes",
    ]));
    let approval = lab
        .world(|w| {
            w.executions[&execution]
                .runs
                .iter()
                .find_map(|r| r.approval.clone())
        })
        .expect("recorded");
    assert!(approval.approved && approval.summary == "ship release 42");
    refused(
        &lab.run(&["approve", "web-release", "--comment", "again", "--yes"]),
        1,
        "no approval is waiting",
    );

    ok(&lab.run(&["start", "api-release", "--yes"]));
    ok(&lab.run(&[
        "stop",
        "api-release",
        "--abandon",
        "--confirm",
        "api-release",
    ]));
    let stopped = lab.world(|w| {
        w.pipelines["api-release"]
            .executions
            .last()
            .map(|id| w.executions[id].status.as_str())
    });
    assert!(
        matches!(stopped, Some("Stopped" | "Stopping")),
        "{stopped:?}"
    );
    lab.sim.advance(2);
    refused(
        &lab.run(&["retry", "web-release", "--yes"]),
        1,
        "nothing to retry",
    );
}

#[test]
fn a_stage_rolls_back_to_the_execution_before_the_newest_success() {
    let lab = lab();
    let mut runs = Vec::new();
    for _ in 0..2 {
        ok(&lab.run(&["start", "api-release", "--yes"]));
        let execution = lab
            .world(|w| w.pipelines["api-release"].executions.last().cloned())
            .expect("started");
        lab.until(1800, |w| {
            w.deployments
                .values()
                .any(|d| d.group == "api" && d.status == DeploymentStatus::Ready)
        });
        let ready = lab
            .world(|w| {
                w.deployments
                    .values()
                    .find(|d| d.status == DeploymentStatus::Ready)
                    .map(|d| d.id.clone())
            })
            .expect("ready");
        ok(&lab.run(&["reroute", &ready, "--yes"]));
        lab.until(1800, |w| {
            w.executions[&execution].status.as_str() == "Succeeded"
        });
        runs.push(execution);
    }
    refused(
        &lab.run(&[
            "rollback-stage",
            "api-release",
            "--stage",
            "Deploy",
            "--yes",
        ]),
        4,
        "--confirm api-release",
    );
    refused(
        &lab.run(&[
            "rollback-stage",
            "api-release",
            "--stage",
            "Nope",
            "--confirm",
            "api-release",
        ]),
        2,
        "no stage Nope",
    );
    ok(&lab.run(&[
        "rollback-stage",
        "api-release",
        "--stage",
        "Deploy",
        "--confirm",
        "api-release",
    ]));
    let target = lab.world(|w| {
        w.pipelines["api-release"]
            .executions
            .last()
            .and_then(|id| w.executions[id].rollback_target.clone())
    });
    assert_eq!(
        target.as_deref(),
        Some(runs[0].as_str()),
        "back to the run before the newest"
    );
}

#[test]
fn a_failed_stage_is_retried_and_a_gate_rejected() {
    let lab = lab();
    lab.sim.handle.shared().with_world(|w| {
        if let Some(g) = w
            .deployment_groups
            .get_mut(&("lab".to_owned(), "api".to_owned()))
        {
            g.fail_next_hook =
                Some(cutover::sim::world::codedeploy::LifecycleEventName::AfterInstall);
        }
    });
    ok(&lab.run(&["start", "api-release", "--yes"]));
    let failed = lab
        .world(|w| w.pipelines["api-release"].executions.last().cloned())
        .expect("started");
    lab.until(1800, |w| w.executions[&failed].status.as_str() == "Failed");
    lab.until(900, |w| w.active_deployment("lab", "api").is_none());
    ok(&lab.run(&["retry", "api-release", "--yes"]));
    assert_eq!(
        lab.world(|w| w.executions[&failed].status.as_str()),
        "InProgress",
        "the failed stage runs again"
    );

    ok(&lab.run(&["start", "web-release", "--yes"]));
    let gated = lab
        .world(|w| w.pipelines["web-release"].executions.last().cloned())
        .expect("started");
    lab.until(1800, |w| {
        w.executions[&gated].runs.iter().any(|r| r.token.is_some())
    });
    ok(&lab.run(&[
        "approve",
        "web-release",
        "--reject",
        "--comment",
        "not today",
        "--yes",
    ]));
    let approval = lab
        .world(|w| {
            w.executions[&gated]
                .runs
                .iter()
                .find_map(|r| r.approval.clone())
        })
        .expect("answered");
    assert!(!approval.approved && approval.summary == "not today");
    assert_eq!(
        lab.world(|w| w.executions[&gated].status.as_str()),
        "Failed"
    );
    let actions: Vec<String> = lab
        .audit()
        .iter()
        .filter(|r| r["phase"] == "succeeded")
        .map(|r| r["action"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(actions, ["start", "retry", "start", "reject"]);
}

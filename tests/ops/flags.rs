//! The global flags mean the same before or after any subcommand (`cutover --read-only scale
//! …` as the AWS CLI, kubectl and k9s users type it), and a flag a command cannot honour is
//! refused with exit status 2 before anything is read or sent.

use std::process::Output;

use crate::{Lab, lab, ok, refused};

impl Lab {
    /// Runs cutover with the simulator's endpoint and region *before* the subcommand.
    fn run_before(&self, before: &[&str], after: &[&str]) -> Output {
        self.cutover()
            .args([
                "--endpoint-url",
                &self.sim.endpoint(),
                "--region",
                "eu-west-1",
            ])
            .args(before)
            .args(after)
            .output()
            .expect("run cutover")
    }

    fn requests(&self) -> usize {
        self.sim.handle.shared().request_log().since(0).len()
    }
}

fn desired(lab: &Lab, service: &str) -> Option<u32> {
    lab.world(|w| w.service("lab", service).map(|s| s.desired))
}

#[test]
fn read_only_before_the_subcommand_refuses_every_action() {
    let lab = lab();
    let commands: Vec<Vec<&str>> = vec![
        vec!["approve", "web-release", "--comment", "ok", "--yes"],
        vec!["reroute", "d-ABCDEFGH1", "--yes"],
        vec!["rollback", "d-ABCDEFGH1", "--confirm", "d-ABCDEFGH1"],
        vec!["redeploy", "lab/web", "--confirm", "lab/web"],
        vec!["scale", "lab/jobs", "3", "--yes"],
        vec!["start", "web-release", "--yes"],
        vec!["stop", "web-release", "--confirm", "web-release"],
    ];
    for command in &commands {
        refused(&lab.run_before(&["--read-only"], command), 4, "--read-only");
    }
    assert_eq!(desired(&lab, "jobs"), Some(1), "the service was not scaled");
    assert_eq!(lab.requests(), 0, "not even a read was made");
}

#[test]
fn where_to_reach_aws_counts_before_the_subcommand() {
    let lab = lab();
    // The endpoint and region are given before `scale` only: the call reaches the simulator.
    ok(&lab.run_before(&[], &["scale", "lab/jobs", "2", "--yes"]));
    assert_eq!(desired(&lab, "jobs"), Some(2));
    // And the same after it.
    ok(&lab.run(&["scale", "lab/jobs", "4", "--yes"]));
    assert_eq!(desired(&lab, "jobs"), Some(4));
}

#[test]
fn status_reads_the_same_scope_with_the_flags_on_either_side() {
    let lab = lab();
    let services = |out: &Output| -> Vec<String> {
        let json: serde_json::Value =
            serde_json::from_str(&ok(out)).expect("status --json prints JSON");
        json["services"]
            .as_array()
            .expect("services")
            .iter()
            .map(|s| s["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let before = services(&lab.run_before(&["--service", "api"], &["status", "--json"]));
    let after = services(&lab.run(&["status", "--json", "--service", "api"]));
    assert_eq!(before, ["api"]);
    assert_eq!(after, before);
    let all = services(&lab.run(&["status", "--json"]));
    assert_eq!(all.len(), 3, "{all:?}");
}

#[test]
fn the_scope_keeps_an_action_inside_it() {
    let lab = lab();
    refused(
        &lab.run_before(
            &["--cluster", "other"],
            &["scale", "lab/jobs", "3", "--yes"],
        ),
        4,
        "outside the scope (--cluster",
    );
    refused(
        &lab.run(&["scale", "lab/jobs", "3", "--yes", "--service", "web"]),
        4,
        "outside the scope (--service",
    );
    refused(
        &lab.run_before(&["--pipeline", "api-*"], &["start", "web-release", "--yes"]),
        4,
        "outside the scope (--pipeline",
    );
    assert_eq!(desired(&lab, "jobs"), Some(1));
    assert_eq!(lab.mutating(), 0, "nothing was sent");
    // Inside the scope, the action goes through.
    ok(&lab.run_before(
        &["--cluster", "lab", "--service", "j*"],
        &["scale", "lab/jobs", "3", "--yes"],
    ));
    assert_eq!(desired(&lab, "jobs"), Some(3));
}

#[test]
fn a_flag_a_command_cannot_honour_is_refused_before_anything_is_read() {
    let lab = lab();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--profile", "prod", "sim"],
            "`cutover sim` does not take --profile",
        ),
        (
            vec!["sim", "--read-only"],
            "`cutover sim` does not take --read-only",
        ),
        (
            vec!["--cluster", "lab", "audit"],
            "`cutover audit` does not take --cluster",
        ),
        (vec!["--demo", "status"], "--demo is for the console"),
        (
            vec!["--hot-seconds", "5", "scale", "lab/jobs", "2"],
            "--hot-seconds is for the console",
        ),
        (
            vec!["--service", "web", "weights", "arn:aws:x", "a=1", "--yes"],
            "`cutover weights` does not take --service",
        ),
        (
            vec!["--demo", "--profile", "prod"],
            "--demo runs on its embedded simulator",
        ),
        (
            vec!["--pipeline", "api-*", "scale", "lab/jobs", "3", "--yes"],
            "`cutover scale` does not take --pipeline",
        ),
        (
            vec![
                "--cluster",
                "lab",
                "approve",
                "web-release",
                "--comment",
                "ok",
                "--yes",
            ],
            "`cutover approve` does not take --cluster",
        ),
        (
            vec!["rollback", "d-ABCDEFGH1", "--pipeline", "web-*", "--yes"],
            "`cutover rollback` does not take --pipeline",
        ),
    ];
    for (args, says) in &cases {
        let out = lab.cutover().args(args).output().expect("run cutover");
        refused(&out, 2, says);
    }
    assert_eq!(lab.requests(), 0);
}

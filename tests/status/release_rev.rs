//! Releases without configuration: the pipelines whose current executions carry the same
//! commit, in the test account (`dev`, the default world) and the prod account (`prod`, the
//! modes world), with the services they deploy to. Each pipeline is started at one commit
//! with StartPipelineExecution's `sourceRevisions` override (`revisionType` COMMIT_ID), as a
//! release promoted from test to prod is; the commit comes back in ListPipelineExecutions'
//! `sourceRevisions` (`revisionId`, `revisionSummary`, `revisionUrl`).

use crate::common::Sim;
use crate::release_act::{two, waiting};
use crate::sources::json_ok;

const COMMIT: &str = "9cfbd65a1e0c4d2b8f7a6e5d4c3b2a1908f7e6d5";

const RECEIPTS: &str = "[[release]]\nname = \"receipts\"\n\
     pipelines = [\"jobs-release\"]\nservices = [\"*/receipts\"]\n";

/// Starts `pipeline` at [`COMMIT`] and runs the world until that execution waits at its
/// approval; its id.
async fn at_the_gate(sim: &Sim, pipeline: &str) -> String {
    let id = sim.start_at(pipeline, COMMIT).await;
    for _ in 0..3600 {
        if waiting(sim, pipeline).contains(&id) {
            return id;
        }
        sim.advance(1);
    }
    panic!("{pipeline} never reached its approval");
}

fn names(doc: &serde_json::Value) -> Vec<String> {
    doc.as_array()
        .expect("a list")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn pipelines_at_one_commit_in_both_accounts_are_a_release_listed_shown_and_approved() {
    let t = two("rev", RECEIPTS, "").await;
    let before = json_ok(&t.run(&["release", "--json"]).await);
    assert_eq!(names(&before), ["receipts"], "no commit shared yet");
    let older = waiting(&t.dev, "reviews-release");
    assert_eq!(
        older.len(),
        2,
        "the default world's PARALLEL gate, at other commits"
    );
    let dev = at_the_gate(&t.dev, "reviews-release").await;
    let prod = at_the_gate(&t.prod, "parallel-release").await;

    // Listed after the configured release, a line each.
    let listed = t.run(&["release"]).await;
    let text = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(listed.status.code(), Some(0), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("receipts "), "{text}");
    assert!(lines[1].starts_with("rev:9cfbd65 "), "{text}");
    assert!(
        lines[1].contains(" · 2 gates waiting · ") && lines[1].ends_with(" · 4 members"),
        "{text}"
    );
    let all = json_ok(&t.run(&["release", "--json"]).await);
    assert_eq!(names(&all), ["receipts", "rev:9cfbd65"]);

    // Shown by its name or a longer start of the commit: its pipelines in both accounts,
    // only their gates at the commit, and the services they deploy to.
    let doc = json_ok(&t.run(&["release", "rev:9cfbd65a1e0c", "--json"]).await);
    assert_eq!(doc["name"], "rev:9cfbd65", "{doc}");
    let members: Vec<(&str, &str)> = doc["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["source"].as_str().unwrap_or(""),
                m["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("dev", "pipeline"),
            ("dev", "service"),
            ("prod", "pipeline"),
            ("prod", "service")
        ],
        "{doc}"
    );
    assert_eq!(doc["members"][0]["name"], "reviews-release");
    assert_eq!(doc["members"][2]["name"], "parallel-release");
    assert_eq!(doc["members"][3]["name"], "modes/reviews");
    for pipeline in [&doc["members"][0], &doc["members"][2]] {
        assert_eq!(pipeline["revision"]["id"], COMMIT, "{doc}");
    }
    let gates: Vec<&str> = doc["members"]
        .as_array()
        .expect("members")
        .iter()
        .flat_map(|m| m["waiting"].as_array().expect("waiting"))
        .map(|w| w["execution"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(gates, [dev.as_str(), prod.as_str()]);
    let shown = t.run(&["release", "rev:9cfbd65"]).await;
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.starts_with("release rev:9cfbd65 · \""), "{text}");
    assert!(text.contains(" · 2 gates waiting · "), "{text}");

    // A name no release has: the config file's and the shared revisions named.
    let unknown = t.run(&["release", "rev:0000000"]).await;
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains(
            "no release rev:0000000 in the config file; it has receipts; \
             the revisions pipelines share: rev:9cfbd65"
        ),
        "{stderr}"
    );

    // Approved whole: the gate of each account's execution at the commit, and not the
    // default world's two older executions waiting at the same PARALLEL gate.
    let out = t
        .run(&[
            "approve",
            "--release",
            "rev:9cfbd65",
            "--comment",
            "ship the TLS upgrade",
            "--confirm",
            "rev:9cfbd65",
        ])
        .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(stdout.matches(" ok: approved").count(), 2, "{stdout}");
    assert_eq!(waiting(&t.dev, "reviews-release"), older);
    assert!(waiting(&t.prod, "parallel-release").is_empty());
    let audit = t.audit();
    let approved: Vec<&str> = audit
        .iter()
        .filter(|r| r["phase"] == "succeeded")
        .map(|r| r["source"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(approved, ["dev", "prod"]);
}

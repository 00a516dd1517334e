//! A console that polls for hours reads nothing twice that cannot have changed: a pipeline's
//! declaration while its version stands, its executions while its stages' executions stand,
//! a deployment that ended, a custom deployment config, a still target group's health for a
//! while. Kept or read afresh, the snapshot is the same.

use std::collections::BTreeMap;

use cutover::aws::snapshot::take;
use cutover::config::Scope;

use crate::clients;
use crate::common::Sim;

/// Every call served since `seq`, by operation (`service:Operation`).
fn calls_since(sim: &Sim, seq: u64) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in sim.handle.shared().request_log().since(seq) {
        *counts
            .entry(format!("{}:{}", r.service, r.operation))
            .or_default() += 1;
    }
    counts
}

fn last_seq(sim: &Sim) -> u64 {
    sim.handle.shared().request_log().last_seq()
}

fn count(calls: &BTreeMap<String, usize>, op: &str) -> usize {
    calls.get(op).copied().unwrap_or(0)
}

#[tokio::test]
async fn what_cannot_have_changed_is_not_read_again_and_the_snapshot_is_the_same() {
    let sim = Sim::start().await;
    let c = clients(&sim.endpoint()).await;
    take(&c, &Scope::default()).await.expect("first snapshot");
    // Deployments that ended are kept once they settled (a minute after they ended).
    sim.advance(120);
    take(&c, &Scope::default()).await.expect("second snapshot");
    // The clock stands still from here: the same fleet read with what was kept, and afresh.
    let seq = last_seq(&sim);
    let kept = take(&c, &Scope::default())
        .await
        .expect("snapshot with what was kept");
    let economical = calls_since(&sim, seq);
    let seq = last_seq(&sim);
    let fresh = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect("snapshot read afresh");
    let whole = calls_since(&sim, seq);
    eprintln!("kept: {economical:?}\nafresh: {whole:?}");
    assert_eq!(kept, fresh, "what was kept is what AWS answers");
    // No pipeline was edited, and no stage moved while the clock stood still.
    assert_eq!(count(&economical, "codepipeline:GetPipeline"), 0);
    assert_eq!(count(&economical, "codepipeline:ListPipelineExecutions"), 0);
    assert!(
        count(&economical, "codepipeline:GetPipelineState")
            <= count(&whole, "codepipeline:GetPipelineState"),
        "the state is how a new execution is found: read every time, unless just read"
    );
    assert!(count(&whole, "codepipeline:GetPipeline") > 0);
    // Deployments that ended are not read again, nor their targets, nor custom configs.
    assert!(
        count(&economical, "codedeploy:BatchGetDeployments")
            < count(&whole, "codedeploy:BatchGetDeployments")
            || count(&economical, "codedeploy:BatchGetDeploymentTargets")
                < count(&whole, "codedeploy:BatchGetDeploymentTargets"),
        "{economical:?}"
    );
    assert_eq!(count(&economical, "codedeploy:GetDeploymentConfig"), 0);
    // Target groups whose targets are all healthy are not read again for minutes.
    assert!(
        count(&economical, "elasticloadbalancing:DescribeTargetHealth")
            < count(&whole, "elasticloadbalancing:DescribeTargetHealth") / 2,
        "{economical:?}"
    );
    // ECS deployments: one list per service once each was listed, none described again
    // that ended.
    assert!(
        count(&economical, "ecs:ListServiceDeployments")
            < count(&whole, "ecs:ListServiceDeployments")
    );
    let total = |calls: &BTreeMap<String, usize>| calls.values().sum::<usize>();
    eprintln!(
        "calls per snapshot: {} with what was kept, {} afresh",
        total(&economical),
        total(&whole)
    );
}

/// A snapshot a person asked for (`r`, or after an action) reads every pipeline's state again,
/// even one a refresh read a moment ago: what they just did must show. What cannot have
/// changed (declarations of the same version) is still not read again.
#[tokio::test]
async fn a_snapshot_asked_for_reads_every_pipeline_state_again() {
    use cutover::aws::snapshot::{Reuse, take_with};
    let sim = Sim::start().await;
    let c = clients(&sim.endpoint()).await;
    take(&c, &Scope::default()).await.expect("first snapshot");
    let pipelines = take(&c, &Scope::default())
        .await
        .expect("second snapshot")
        .pipelines
        .len();
    let seq = last_seq(&sim);
    take(&c, &Scope::default())
        .await
        .expect("the minute's snapshot");
    let reused = count(&calls_since(&sim, seq), "codepipeline:GetPipelineState");
    let seq = last_seq(&sim);
    take_with(&c, &Scope::default(), Reuse::Unchangeable)
        .await
        .expect("the snapshot asked for");
    let asked = calls_since(&sim, seq);
    assert!(
        reused < pipelines,
        "a moment after the last, some are reused: {reused} of {pipelines}"
    );
    assert_eq!(
        count(&asked, "codepipeline:GetPipelineState"),
        pipelines,
        "{asked:?}"
    );
    assert_eq!(count(&asked, "codepipeline:GetPipeline"), 0, "{asked:?}");
}

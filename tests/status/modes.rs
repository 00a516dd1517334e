//! Pipelines in QUEUED and PARALLEL mode as snapshots read them: every execution waiting at a
//! PARALLEL gate is its own approval, with its execution, source revision and token (read
//! with ListActionExecutions, since GetPipelineState carries no token in that mode), and
//! nothing more is read for pipelines with nothing running.

use cutover::aws::snapshot::take;
use cutover::config::Scope;
use cutover::model::status::ExecutionMode;
use cutover::sim::SimOptions;

use crate::clients;
use crate::common::{Sim, options};

async fn modes() -> Sim {
    let world = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worlds/modes.toml");
    Sim::start_with(SimOptions {
        world: Some(world),
        speed: None,
        autopilot: Some(false),
        ..options()
    })
    .await
}

fn start(sim: &Sim, pipeline: &str) -> String {
    sim.handle
        .shared()
        .with_world(|w| {
            cutover::sim::engine::pipeline::start(
                w,
                pipeline,
                cutover::sim::engine::pipeline::Trigger {
                    kind: "StartPipelineExecution",
                    detail: "test",
                },
                None,
            )
        })
        .expect("started")
}

/// Two executions of `parallel-release`, started 20 s apart, both waiting at its gate.
fn two_waiting(sim: &Sim) -> (String, String) {
    let first = start(sim, "parallel-release");
    sim.advance(20);
    let second = start(sim, "parallel-release");
    until_waiting(sim, &[&first, &second]);
    (first, second)
}

/// Steps the clock until every execution named waits at its approval.
fn until_waiting(sim: &Sim, ids: &[&str]) {
    for _ in 0..3600 {
        let waiting = sim.handle.shared().with_world(|w| {
            ids.iter().all(|id| {
                w.executions[*id]
                    .runs
                    .iter()
                    .any(|r| r.token.is_some() && r.status.as_str() == "InProgress")
            })
        });
        if waiting {
            return;
        }
        sim.advance(1);
    }
    panic!("the executions never reached their approval");
}

#[tokio::test]
async fn two_executions_waiting_at_one_parallel_gate_are_two_approvals_each_with_its_own_token() {
    let sim = modes().await;
    let (first, second) = two_waiting(&sim);
    sim.handle.shared().request_log().clear();
    let s = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect("snapshot");
    assert!(s.gaps.is_empty(), "{:#?}", s.gaps);

    let p = s.pipeline("parallel-release").expect("pipeline");
    assert_eq!(p.execution_mode, ExecutionMode::Parallel);
    assert_eq!(
        s.pipeline("queued-release")
            .map(|p| p.execution_mode.clone()),
        Some(ExecutionMode::Queued)
    );
    let mut approvals: Vec<_> = s
        .attention
        .approvals
        .iter()
        .filter(|a| a.pipeline == "parallel-release")
        .collect();
    approvals.sort_by_key(|a| a.waiting_since);
    let executions: Vec<Option<&str>> = approvals
        .iter()
        .map(|a| a.execution_id.as_deref())
        .collect();
    assert_eq!(
        executions,
        vec![Some(first.as_str()), Some(second.as_str())],
        "one approval per waiting execution, the longest wait first"
    );
    let (tokens, sources) = sim.handle.shared().with_world(|w| {
        let token = |id: &str| {
            w.executions[id]
                .runs
                .iter()
                .find_map(|r| r.token.clone())
                .expect("token")
        };
        (
            vec![token(&first), token(&second)],
            vec![
                w.executions[&first].source.revision_id.clone(),
                w.executions[&second].source.revision_id.clone(),
            ],
        )
    });
    assert_eq!(
        approvals
            .iter()
            .map(|a| a.token.clone())
            .collect::<Vec<_>>(),
        tokens,
        "each execution's own token"
    );
    assert_eq!(
        approvals
            .iter()
            .map(|a| a.source.as_ref().map(|r| r.revision_id.clone()))
            .collect::<Vec<_>>(),
        sources.into_iter().map(Some).collect::<Vec<_>>(),
        "each with the revision it carries"
    );
    for a in &approvals {
        assert_eq!(
            (a.stage.as_str(), a.action.as_str()),
            ("Approval", "ApproveProduction")
        );
        assert!(a.waiting_since.is_some());
    }

    // Economy: one ListActionExecutions per execution in progress of the PARALLEL pipeline,
    // none for pipelines with nothing running or whose state tells the waiting execution.
    let listed = sim
        .handle
        .shared()
        .request_log()
        .counts()
        .get("codepipeline:ListActionExecutions")
        .copied();
    assert_eq!(listed, Some(2));
}

#[tokio::test]
async fn executions_lined_up_at_a_queued_stage_are_read_in_order() {
    let sim = modes().await;
    let first = start(&sim, "queued-release");
    let second = start(&sim, "queued-release");
    let third = start(&sim, "queued-release");
    until_waiting(&sim, &[&first]);
    for _ in 0..3600 {
        if sim
            .handle
            .shared()
            .with_world(|w| w.pipelines["queued-release"].waiting[2].len() == 2)
        {
            break;
        }
        sim.advance(1);
    }
    sim.handle.shared().request_log().clear();
    let s = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect("snapshot");
    let p = s.pipeline("queued-release").expect("pipeline");
    let gate = p
        .stages
        .iter()
        .find(|st| st.name == "Approval")
        .expect("stage");
    assert_eq!(gate.inbound_execution_ids, vec![second.clone(), third]);
    assert_eq!(gate.inbound_execution_id.as_deref(), Some(second.as_str()));
    let waiting: Vec<_> = s
        .attention
        .approvals
        .iter()
        .filter(|a| a.pipeline == "queued-release")
        .collect();
    assert_eq!(
        waiting.len(),
        1,
        "one execution at a time holds a QUEUED gate"
    );
    assert_eq!(waiting[0].execution_id.as_deref(), Some(first.as_str()));
    let listed = sim
        .handle
        .shared()
        .request_log()
        .counts()
        .get("codepipeline:ListActionExecutions")
        .copied();
    assert_eq!(
        listed, None,
        "the state names the one waiting execution and its token"
    );
}

#[tokio::test]
async fn status_names_each_execution_waiting_at_a_parallel_gate() {
    let sim = modes().await;
    let (first, second) = two_waiting(&sim);
    let endpoint = sim.endpoint();
    let out = tokio::task::spawn_blocking(move || crate::command::status(&endpoint, &[]))
        .await
        .expect("ran");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("parallel-release"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains(&format!("execution {first}"))
            && lines[1].contains(&format!("execution {second}")),
        "the ids approve --execution takes: {text}"
    );
}

/// In PARALLEL mode an older execution can wait at the gate after a newer one ended: the
/// pipeline stays hot (polled every 2 s) while any execution of it runs, not only its newest.
#[tokio::test]
async fn a_parallel_pipeline_stays_hot_while_an_older_execution_waits() {
    let sim = modes().await;
    let (older, newer) = two_waiting(&sim);
    sim.handle
        .shared()
        .with_world(|w| {
            cutover::sim::engine::pipeline::stop(w, "parallel-release", &newer, true, "test")
        })
        .expect("the newer one stops");
    sim.advance(60);
    let s = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect("snapshot");
    let p = s.pipeline("parallel-release").expect("pipeline");
    assert_eq!(
        p.latest_execution().map(|e| e.id.as_str()),
        Some(newer.as_str())
    );
    assert_eq!(
        p.latest_execution().map(|e| e.status.as_str()),
        Some("Stopped"),
        "the newest has ended"
    );
    assert_eq!(
        p.execution(&older).map(|e| e.status.as_str()),
        Some("InProgress"),
        "the older one still waits"
    );
    assert!(
        cutover::sync::heat::moving(&s)
            .pipelines
            .contains("parallel-release"),
        "the older execution still waits, so the pipeline is hot"
    );
}

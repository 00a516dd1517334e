//! The approvals an approve or reject key answers, one gate and execution each: the row
//! under the cursor (one execution at one gate), or every execution waiting in the marked
//! pipelines. In PARALLEL mode several executions wait at one gate, and each is its own gate
//! here, so an answer never goes to an execution nobody chose. It must not plan or send: the
//! fresh-state check does that.

use super::rows::Row;
use super::{App, FeedId};
pub use crate::ops::verbs::approve::{Gate, short};

/// The gates `a` and `x` answer: the marked pipelines' (every execution waiting at each of
/// their gates, each its own gate: marking is choosing them all), else the approval row
/// under the cursor (that execution only), else the pipeline here (every gate waiting in
/// it, unless several executions wait at one gate: then which one is for the person to say,
/// on its row, as the command line asks for `--execution`). `Err` says why nothing is.
/// In source `feed`: `row` is the row under the cursor when it is of that source, and the
/// marks taken are that source's.
pub fn gates_here(
    app: &App,
    feed: FeedId,
    row: Option<&Row>,
    pipeline: Option<String>,
) -> Result<Vec<Gate>, String> {
    let waiting = app
        .snapshot(feed)
        .map(|s| s.attention.approvals.clone())
        .unwrap_or_default();
    let marked: Vec<String> = app
        .marks
        .iter()
        .filter(|(f, _)| *f == feed)
        .filter_map(|(_, m)| m.pipeline())
        .map(str::to_owned)
        .collect();
    if marked.is_empty()
        && let Some(Row::Approval {
            pipeline,
            stage,
            action,
            execution,
        }) = row
    {
        let crowded = waiting
            .iter()
            .filter(|w| &w.pipeline == pipeline && &w.stage == stage && &w.action == action)
            .count()
            > 1;
        return Ok(vec![Gate {
            pipeline: pipeline.clone(),
            stage: Some(stage.clone()),
            action: Some(action.clone()),
            execution: execution.clone(),
            crowded,
        }]);
    }
    if marked.is_empty()
        && let Some(p) = &pipeline
    {
        let mut gates: Vec<(&str, &str)> = waiting
            .iter()
            .filter(|w| &w.pipeline == p)
            .map(|w| (w.stage.as_str(), w.action.as_str()))
            .collect();
        let all = gates.len();
        gates.sort_unstable();
        gates.dedup();
        if gates.len() < all {
            return Err(format!(
                "several executions wait at one gate of {p}: select the approval row of the one to answer (or mark the pipeline to answer them all)"
            ));
        }
    }
    let pipelines = if marked.is_empty() {
        pipeline.into_iter().collect()
    } else {
        marked
    };
    if pipelines.is_empty() {
        return Err("no approval here: select one, or mark several with space".to_owned());
    }
    Ok(pipelines
        .iter()
        .flat_map(|p| {
            let open: Vec<Gate> = waiting
                .iter()
                .filter(|w| &w.pipeline == p)
                .map(|w| Gate {
                    pipeline: p.clone(),
                    stage: Some(w.stage.clone()),
                    action: Some(w.action.clone()),
                    execution: w.execution_id.clone(),
                    crowded: false,
                })
                .collect();
            if open.is_empty() {
                vec![Gate {
                    pipeline: p.clone(),
                    stage: None,
                    action: None,
                    execution: None,
                    crowded: false,
                }]
            } else {
                open
            }
        })
        .collect())
}

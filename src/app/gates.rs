//! The approvals an approve or reject key answers, one gate and execution each: the row
//! under the cursor (one execution at one gate), or every execution waiting in the marked
//! pipelines. In PARALLEL mode several executions wait at one gate, and each is its own gate
//! here, so an answer never goes to an execution nobody chose. It must not plan or send: the
//! fresh-state check does that.

use super::rows::Row;
use super::{App, Subject};

/// One execution waiting at one approval, as far as the snapshot knows it: stage, action and
/// execution are unknown when the snapshot did not show the gate waiting (the fresh-state
/// check then finds it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub pipeline: String,
    pub stage: Option<String>,
    pub action: Option<String>,
    pub execution: Option<String>,
}

/// The gates `a` and `x` answer: the marked pipelines' (every execution waiting at each of
/// their gates, each its own gate: marking is choosing them all), else the approval row
/// under the cursor (that execution only), else the pipeline here (every gate waiting in
/// it, unless several executions wait at one gate: then which one is for the person to say,
/// on its row, as the command line asks for `--execution`). `Err` says why nothing is.
pub fn gates_here(
    app: &App,
    row: Option<&Row>,
    pipeline: Option<String>,
) -> Result<Vec<Gate>, String> {
    let waiting = app
        .snapshot
        .as_ref()
        .map(|s| s.attention.approvals.clone())
        .unwrap_or_default();
    let marked: Vec<String> = app
        .marks
        .iter()
        .filter_map(Subject::pipeline)
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
        return Ok(vec![Gate {
            pipeline: pipeline.clone(),
            stage: Some(stage.clone()),
            action: Some(action.clone()),
            execution: execution.clone(),
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
                })
                .collect();
            if open.is_empty() {
                vec![Gate {
                    pipeline: p.clone(),
                    stage: None,
                    action: None,
                    execution: None,
                }]
            } else {
                open
            }
        })
        .collect())
}

/// The first eight characters of an execution id, as the screens show it.
pub fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// The dialog's title for answering `gates`.
pub fn title(app: &App, verb: &str, gates: &[Gate]) -> String {
    match gates {
        [
            Gate {
                pipeline,
                stage: Some(stage),
                action: Some(action),
                execution,
            },
        ] => {
            // Name the execution when it is one of several at the gate.
            let several = app.snapshot.as_ref().is_some_and(|s| {
                s.attention
                    .approvals
                    .iter()
                    .filter(|w| &w.pipeline == pipeline && &w.stage == stage && &w.action == action)
                    .count()
                    > 1
            });
            match execution {
                Some(id) if several => format!(
                    "{verb} {pipeline} {stage}/{action} (execution {})",
                    short(id)
                ),
                _ => format!("{verb} {pipeline} {stage}/{action}"),
            }
        }
        [gate] => format!("{verb} {}", gate.pipeline),
        many => format!("{verb} {} approvals", many.len()),
    }
}

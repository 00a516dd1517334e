//! Operator actions in the console: the key that starts one on the thing under the cursor
//! (or on every marked row), the dialog that asks for a comment or a count, shows the
//! evidence read fresh, asks for a plain yes (focus starts on "no") or the target's name
//! typed, sends once, and shows the result. In read-only mode none of this is reachable.

use crossterm::event::{KeyCode, KeyEvent};

use super::gates::{self, Gate, gates_here};
use super::rows::{Row, rows};
use super::{App, Command, Mode, Subject, View};
use crate::ops::prepare::Plan;
use crate::ops::{Confirm, Ended, Op, RetryMode, StopMode, Verdict, parse_weights};

/// What the dialog asks for before it can plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Comment {
        gates: Vec<Gate>,
        verdict: Verdict,
    },
    Count {
        cluster: String,
        service: String,
    },
    /// The rules that forward to the selected target group, as `(arn, label)`; `tab` moves
    /// between them.
    Weights {
        choices: Vec<(String, String)>,
        chosen: usize,
    },
    Nothing,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Input {
        text: String,
        error: Option<String>,
    },
    /// Reading what the actions act on again.
    Preparing,
    Confirm {
        plans: Vec<Plan>,
        problems: Vec<String>,
        needs: Confirm,
        typed: String,
        yes: bool,
    },
    /// Sent: further presses do nothing until the answers come back. `notes` are what the
    /// runner said meanwhile (an unknown result being read again).
    Running {
        notes: Vec<String>,
    },
    /// Each action's target and how it ended.
    Done {
        results: Vec<(String, Ended)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dialog {
    pub title: String,
    pub ask: Ask,
    pub step: Step,
}

/// The action keys; absent from the keymap, the help and the footer in read-only mode.
pub const KEYS: &[(&str, &str)] = &[
    ("a / x", "approve / reject"),
    ("space", "mark for many"),
    ("R", "reroute now (Ready)"),
    ("F", "finish now: drop blue"),
    ("B", "stop and roll back"),
    ("D", "redeploy last success"),
    ("s", "scale the service"),
    ("w", "shift rule weights"),
    ("t / T", "retry failed / all actions"),
    ("S / A", "stop: wait / abandon"),
    ("n", "start the pipeline"),
    ("b", "roll the deploy stage back"),
];

/// A key in normal mode that starts an action; `None` when the key is not one.
pub fn start(app: &mut App, key: KeyEvent) -> Option<Vec<Command>> {
    if app.context.read_only {
        return None;
    }
    let KeyCode::Char(c) = key.code else {
        return None;
    };
    let row = rows(app).get(app.screen().selected).cloned();
    let deployment = deployment_here(app, row.as_ref());
    let pipeline = pipeline_here(app, row.as_ref());
    let dialog = |title: String, ask: Ask| Dialog {
        title,
        ask,
        step: Step::Input {
            text: String::new(),
            error: None,
        },
    };
    let plain = |app: &mut App, title: String, ops: Vec<Op>| -> Option<Vec<Command>> {
        app.mode = Mode::Dialog(Dialog {
            title,
            ask: Ask::Nothing,
            step: Step::Preparing,
        });
        Some(vec![Command::Prepare(ops)])
    };
    match c {
        ' ' => {
            let mark = match &row {
                Some(Row::Approval { pipeline, .. } | Row::Pipeline { name: pipeline }) => {
                    Subject::Pipeline(pipeline.clone())
                }
                Some(Row::Deployment { id }) => Subject::Deployment(id.clone()),
                _ => return Some(Vec::new()),
            };
            if !app.marks.remove(&mark) {
                app.marks.insert(mark);
            }
            Some(Vec::new())
        }
        'a' | 'x' => {
            let verdict = if c == 'a' {
                Verdict::Approve
            } else {
                Verdict::Reject
            };
            let gates = match gates_here(app, row.as_ref(), pipeline) {
                Ok(gates) => gates,
                Err(why) => {
                    app.message = Some(why);
                    return Some(Vec::new());
                }
            };
            let verb = if verdict == Verdict::Approve {
                "Approve"
            } else {
                "Reject"
            };
            let title = gates::title(app, verb, &gates);
            app.mode = Mode::Dialog(dialog(title, Ask::Comment { gates, verdict }));
            Some(Vec::new())
        }
        'R' | 'F' | 'D' => {
            let Some(id) = deployment else {
                app.message = Some("select a deployment first".to_owned());
                return Some(Vec::new());
            };
            match c {
                'R' => plain(
                    app,
                    format!("Reroute {id}"),
                    vec![Op::Reroute { deployment: id }],
                ),
                'F' => plain(
                    app,
                    format!("Finish {id}"),
                    vec![Op::Finish { deployment: id }],
                ),
                _ => {
                    let group = app
                        .snapshot
                        .as_ref()
                        .and_then(|s| s.deployment(&id))
                        .map(|d| (d.application.clone(), d.deployment_group.clone()));
                    let (application, group) = group?;
                    plain(
                        app,
                        format!("Redeploy {application}/{group}"),
                        vec![Op::Redeploy { application, group }],
                    )
                }
            }
        }
        'B' => {
            let marked: Vec<String> = app
                .marks
                .iter()
                .filter_map(Subject::deployment)
                .map(str::to_owned)
                .collect();
            let ids = if marked.is_empty() {
                deployment.into_iter().collect()
            } else {
                marked
            };
            if ids.is_empty() {
                app.message = Some("select a deployment, or mark several with space".to_owned());
                return Some(Vec::new());
            }
            let title = if ids.len() == 1 {
                format!("Roll back {}", ids[0])
            } else {
                format!("Roll back {} deployments", ids.len())
            };
            plain(
                app,
                title,
                ids.into_iter()
                    .map(|deployment| Op::Rollback { deployment })
                    .collect(),
            )
        }
        's' => {
            let service = service_here(app, row.as_ref());
            let Some((cluster, service)) = service else {
                app.message = Some("select a service or a deployment first".to_owned());
                return Some(Vec::new());
            };
            app.mode = Mode::Dialog(dialog(
                format!("Scale {cluster}/{service}"),
                Ask::Count { cluster, service },
            ));
            Some(Vec::new())
        }
        'w' => {
            let choices: Vec<(String, String)> = match (&row, &app.snapshot) {
                (Some(Row::TargetGroup { arn }), Some(s)) => s
                    .rules
                    .iter()
                    .filter(|r| r.forwards_to(arn))
                    .map(|r| {
                        let port = s
                            .listeners
                            .iter()
                            .find(|l| l.arn == r.listener_arn)
                            .and_then(|l| l.port)
                            .unwrap_or(0);
                        // A listener's default action is changed with ModifyListener, not ModifyRule.
                        let target = if r.is_default {
                            r.listener_arn.clone()
                        } else {
                            r.arn.clone()
                        };
                        (target, format!(":{port} {}", r.label()))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            if choices.is_empty() {
                app.message =
                    Some("select a target group a rule forwards to (traffic screen)".to_owned());
                return Some(Vec::new());
            }
            app.mode = Mode::Dialog(dialog(
                "Shift weights".to_owned(),
                Ask::Weights { choices, chosen: 0 },
            ));
            Some(Vec::new())
        }
        'b' => {
            let Some(name) = pipeline else {
                app.message = Some("select a pipeline first".to_owned());
                return Some(Vec::new());
            };
            // The stage that deploys (else the last one) goes back to the success before.
            let stage = app
                .snapshot
                .as_ref()
                .and_then(|s| s.pipeline(&name))
                .and_then(|p| {
                    p.stages
                        .iter()
                        .find(|st| st.actions.iter().any(|a| a.deploys_to.is_some()))
                        .or_else(|| p.stages.last())
                        .map(|st| st.name.clone())
                });
            let Some(stage) = stage else {
                return Some(Vec::new());
            };
            plain(
                app,
                format!("Roll back {name} {stage}"),
                vec![Op::RollbackStage {
                    pipeline: name,
                    stage,
                    to: None,
                }],
            )
        }
        't' | 'T' | 'S' | 'A' | 'n' => {
            let Some(name) = pipeline else {
                app.message = Some("select a pipeline first".to_owned());
                return Some(Vec::new());
            };
            let retry = |mode| Op::Retry {
                pipeline: name.clone(),
                stage: None,
                mode,
            };
            // On an approval row the execution is known: stop that one, not a guess.
            let execution = match &row {
                Some(Row::Approval {
                    pipeline: p,
                    execution,
                    ..
                }) if *p == name => execution.clone(),
                _ => None,
            };
            let stop = |mode| Op::Stop {
                pipeline: name.clone(),
                execution: execution.clone(),
                mode,
                reason: "Stopped with cutover".to_owned(),
            };
            let (title, op) = match c {
                't' => (
                    format!("Retry the failed actions of {name}"),
                    retry(RetryMode::FailedActions),
                ),
                'T' => (
                    format!("Retry every action of the failed stage of {name}"),
                    retry(RetryMode::AllActions),
                ),
                'S' => (
                    format!("Stop {name}, letting running actions finish"),
                    stop(StopMode::Wait),
                ),
                'A' => (
                    format!("Stop {name}, abandoning running actions"),
                    stop(StopMode::Abandon),
                ),
                _ => (
                    format!("Start {name}"),
                    Op::Start {
                        pipeline: name.clone(),
                    },
                ),
            };
            plain(app, title, vec![op])
        }
        _ => None,
    }
}

fn deployment_here(app: &App, row: Option<&Row>) -> Option<String> {
    match (app.screen().view, row) {
        (View::Deployment, _) => app
            .screen()
            .subject
            .as_ref()
            .and_then(Subject::deployment)
            .map(str::to_owned),
        (_, Some(Row::Deployment { id })) => Some(id.clone()),
        _ => None,
    }
}

fn pipeline_here(app: &App, row: Option<&Row>) -> Option<String> {
    match (app.screen().view, row) {
        (View::Pipeline, _) => app
            .screen()
            .subject
            .as_ref()
            .and_then(Subject::pipeline)
            .map(str::to_owned),
        (_, Some(Row::Approval { pipeline, .. } | Row::Pipeline { name: pipeline })) => {
            Some(pipeline.clone())
        }
        _ => None,
    }
}

fn service_here(app: &App, row: Option<&Row>) -> Option<(String, String)> {
    let s = app.snapshot.as_ref()?;
    if let Some(Row::Service { cluster, name }) = row {
        return Some((cluster.clone(), name.clone()));
    }
    let d = s.deployment(&deployment_here(app, row)?)?;
    let g = s.group_of(d)?;
    Some((g.cluster.clone()?, g.service.clone()?))
}

/// A key while a dialog is open.
pub fn key(app: &mut App, mut dialog: Dialog, key: KeyEvent) -> Vec<Command> {
    let mut out = Vec::new();
    match &mut dialog.step {
        Step::Input { text, error } => match key.code {
            KeyCode::Esc => return close(app),
            KeyCode::Tab => {
                if let Ask::Weights { choices, chosen } = &mut dialog.ask {
                    *chosen = (*chosen + 1) % choices.len().max(1);
                }
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) => text.push(c),
            KeyCode::Enter => match ops_from(&dialog.ask, text) {
                Ok(ops) => {
                    dialog.step = Step::Preparing;
                    out.push(Command::Prepare(ops));
                }
                Err(message) => *error = Some(message),
            },
            _ => {}
        },
        Step::Preparing => {
            if key.code == KeyCode::Esc {
                return close(app);
            }
        }
        Step::Confirm {
            plans,
            needs,
            typed,
            yes,
            ..
        } => match (key.code, needs.clone()) {
            (KeyCode::Esc, _) | (KeyCode::Enter, Confirm::Plain)
                if !matches!(key.code, KeyCode::Enter) || !*yes =>
            {
                return close(app);
            }
            (KeyCode::Enter, Confirm::Typed(name)) if *typed == name && !plans.is_empty() => {
                out.push(Command::Execute(plans.clone()));
                dialog.step = Step::Running { notes: Vec::new() };
            }
            (KeyCode::Enter, Confirm::Plain) if *yes && !plans.is_empty() => {
                out.push(Command::Execute(plans.clone()));
                dialog.step = Step::Running { notes: Vec::new() };
            }
            (KeyCode::Backspace, Confirm::Typed(_)) => {
                typed.pop();
            }
            (KeyCode::Char(c), Confirm::Typed(_)) => typed.push(c),
            (KeyCode::Left | KeyCode::Right | KeyCode::Tab, Confirm::Plain) => *yes = !*yes,
            (KeyCode::Char('y'), Confirm::Plain) => *yes = true,
            (KeyCode::Char('n'), Confirm::Plain) => *yes = false,
            _ => {}
        },
        // One press, one call: nothing is sent again while the first is in flight.
        Step::Running { .. } => {}
        Step::Done { .. } => return close(app),
    }
    app.mode = Mode::Dialog(dialog);
    out
}

fn close(app: &mut App) -> Vec<Command> {
    let finished = matches!(
        &app.mode,
        Mode::Dialog(Dialog {
            step: Step::Done { .. },
            ..
        })
    );
    app.mode = Mode::Normal;
    if finished {
        app.marks.clear();
        // What the actions changed is read at once.
        app.sync.refresh_now();
    }
    Vec::new()
}

/// The actions a dialog's input asks for, or what is wrong with the input.
fn ops_from(ask: &Ask, text: &str) -> Result<Vec<Op>, String> {
    let ops: Vec<Op> = match ask {
        Ask::Comment { gates, verdict } => gates
            .iter()
            .map(|gate| Op::Approve {
                pipeline: gate.pipeline.clone(),
                stage: gate.stage.clone(),
                action: gate.action.clone(),
                execution: gate.execution.clone(),
                comment: text.to_owned(),
                verdict: *verdict,
            })
            .collect(),
        Ask::Count { cluster, service } => {
            let count = text
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("'{}' is not a whole number", text.trim()))?;
            vec![Op::Scale {
                cluster: cluster.clone(),
                service: service.clone(),
                count,
            }]
        }
        Ask::Weights { choices, chosen } => {
            let pairs: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
            let weights = parse_weights(&pairs).map_err(|e| e.to_string())?;
            let target = choices
                .get(*chosen)
                .map(|(arn, _)| arn.clone())
                .unwrap_or_default();
            vec![Op::Weights { target, weights }]
        }
        Ask::Nothing => Vec::new(),
    };
    for op in &ops {
        op.validate().map_err(|e| e.to_string())?;
    }
    Ok(ops)
}

/// The fresh-state checks came back: confirm what can go, say why the rest cannot.
pub fn prepared(app: &mut App, results: Vec<Result<Plan, crate::ops::OpError>>) {
    let Mode::Dialog(mut dialog) = app.mode.clone() else {
        return;
    };
    if dialog.step != Step::Preparing {
        return;
    }
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok(plan) => plans.push(plan),
            Err(problem) => problems.push(problem.to_string()),
        }
    }
    let protected = app.context.protects(app.snapshot.as_ref());
    let needs = match plans.as_slice() {
        [one] => one.op.confirmation(&one.typed_name, protected),
        [] => Confirm::Plain,
        many => Confirm::Typed(format!("{} {}", many[0].op.name(), many.len())),
    };
    dialog.step = Step::Confirm {
        plans,
        problems,
        needs,
        typed: String::new(),
        yes: false,
    };
    app.mode = Mode::Dialog(dialog);
}

pub fn executed(app: &mut App, results: Vec<(String, Ended)>) {
    let Mode::Dialog(mut dialog) = app.mode.clone() else {
        return;
    };
    dialog.step = Step::Done { results };
    app.mode = Mode::Dialog(dialog);
}

/// A line from an action still running (its result is unknown and being read again).
pub fn progress(app: &mut App, line: String) {
    if let Mode::Dialog(Dialog {
        step: Step::Running { notes },
        ..
    }) = &mut app.mode
    {
        notes.push(line);
    }
}

//! Operator actions in the console: an action key resolves what is under the cursor (and
//! marked) into a [`Here`] for its verb, which says what to plan or what to ask; then the
//! dialog asks for a comment or a count, shows the evidence read fresh, asks for a plain yes
//! (focus starts on "no") or the target's name typed, sends once, and shows the result. What
//! each verb does is the verb's ([`crate::ops::verbs`]); this module never builds an action
//! itself. In read-only mode none of this is reachable (`update` refuses the keys).

use crossterm::event::{KeyCode, KeyEvent};

use super::gates::gates_here;
use super::rows::{Row, rows};
use super::{App, Command, Mode, Subject, View};
use crate::model::{DeploymentRef, ServiceRef};
use crate::ops::prepare::Plan;
pub use crate::ops::verbs::Ask;
use crate::ops::verbs::{Act, Begin, Here, Starts};
use crate::ops::{Confirm, Ended};

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
    /// What it asks for before it can plan, if anything.
    pub ask: Option<Ask>,
    pub step: Step,
}

/// An action key: what its verb does with what is under the cursor (and marked). The
/// read-only rule is `update`'s, before this is reached.
pub fn start(app: &mut App, act: Act) -> Vec<Command> {
    let here = here(app);
    match act.begin(&here) {
        Err(why) => {
            app.message = Some(why);
            Vec::new()
        }
        Ok(Begin {
            title,
            start: Starts::Plan(ops),
        }) => {
            app.mode = Mode::Dialog(Dialog {
                title,
                ask: None,
                step: Step::Preparing,
            });
            vec![Command::Prepare(ops)]
        }
        Ok(Begin {
            title,
            start: Starts::Ask(ask),
        }) => {
            app.mode = Mode::Dialog(Dialog {
                title,
                ask: Some(ask),
                step: Step::Input {
                    text: String::new(),
                    error: None,
                },
            });
            Vec::new()
        }
    }
}

/// Space: marks the pipeline or deployment under the cursor, or unmarks it.
pub fn mark(app: &mut App) {
    let mark = match rows(app).get(app.screen().selected) {
        Some(Row::Approval { pipeline, .. } | Row::Pipeline { name: pipeline }) => {
            Subject::Pipeline(pipeline.clone())
        }
        Some(Row::Deployment { id }) => Subject::Deployment(id.clone()),
        Some(Row::Hook { deployment, .. }) => {
            Subject::Deployment(DeploymentRef::Ecs(deployment.clone()))
        }
        _ => return,
    };
    if !app.marks.remove(&mark) {
        app.marks.insert(mark);
    }
}

/// What is under the cursor and marked, resolved against the snapshot, for a verb.
fn here(app: &App) -> Here {
    let row = rows(app).get(app.screen().selected).cloned();
    let deployment = deployment_here(app, row.as_ref());
    let pipeline = pipeline_here(app, row.as_ref());
    let snapshot = app.snapshot.as_ref();
    Here {
        group: deployment
            .as_ref()
            .and_then(|d| snapshot?.find(d))
            .map(|d| (d.application.clone(), d.deployment_group.clone())),
        service: service_here(app, row.as_ref()),
        marked_deployments: app
            .marks
            .iter()
            .filter_map(Subject::deployment)
            .cloned()
            .collect(),
        execution: match &row {
            Some(Row::Approval {
                pipeline: p,
                execution,
                ..
            }) if Some(p) == pipeline.as_ref() => execution.clone(),
            _ => None,
        },
        deploy_stage: pipeline
            .as_deref()
            .and_then(|name| deploy_stage(snapshot?.pipeline(name)?)),
        gates: gates_here(app, row.as_ref(), pipeline.clone()),
        rules: rules_here(app, row.as_ref()),
        hook: match &row {
            Some(Row::Hook { deployment, hook }) => Some((deployment.clone(), hook.clone())),
            _ => None,
        },
        deployment,
        pipeline,
    }
}

/// The stage that deploys, else the last one: what `b` rolls back.
fn deploy_stage(p: &crate::model::pipeline::Pipeline) -> Option<String> {
    p.stages
        .iter()
        .find(|st| st.actions.iter().any(|a| a.deploys_to.is_some()))
        .or_else(|| p.stages.last())
        .map(|st| st.name.clone())
}

/// The rules that forward to the target group under the cursor, as `(arn, label)`: a
/// listener's default action is changed with ModifyListener, so its ARN is the listener's.
fn rules_here(app: &App, row: Option<&Row>) -> Vec<(String, String)> {
    let (Some(Row::TargetGroup { arn }), Some(s)) = (row, &app.snapshot) else {
        return Vec::new();
    };
    s.rules
        .iter()
        .filter(|r| r.forwards_to(arn))
        .map(|r| {
            let port = s
                .listeners
                .iter()
                .find(|l| l.arn == r.listener_arn)
                .and_then(|l| l.port)
                .unwrap_or(0);
            let target = if r.is_default {
                r.listener_arn.clone()
            } else {
                r.arn.clone()
            };
            (target, format!(":{port} {}", r.label()))
        })
        .collect()
}

fn deployment_here(app: &App, row: Option<&Row>) -> Option<DeploymentRef> {
    match (app.screen().view, row) {
        (View::Deployment, _) => app
            .screen()
            .subject
            .as_ref()
            .and_then(Subject::deployment)
            .cloned(),
        (_, Some(Row::Deployment { id })) => Some(id.clone()),
        (_, Some(Row::Hook { deployment, .. })) => Some(DeploymentRef::Ecs(deployment.clone())),
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

fn service_here(app: &App, row: Option<&Row>) -> Option<ServiceRef> {
    let s = app.snapshot.as_ref()?;
    if let Some(Row::Service { cluster, name }) = row {
        return Some(ServiceRef::new(cluster, name));
    }
    match deployment_here(app, row)? {
        DeploymentRef::Ecs(arn) => Some(s.service_deployment(&arn)?.service.clone()),
        codedeploy @ DeploymentRef::CodeDeploy(_) => {
            let g = s.group_of(s.find(&codedeploy)?)?;
            Some(ServiceRef::new(g.cluster.clone()?, g.service.clone()?))
        }
    }
}

/// A key while a dialog is open.
pub fn key(app: &mut App, mut dialog: Dialog, key: KeyEvent) -> Vec<Command> {
    let mut out = Vec::new();
    match &mut dialog.step {
        Step::Input { text, error } => match key.code {
            KeyCode::Esc => return close(app),
            KeyCode::Tab => {
                if let Some(ask) = &mut dialog.ask {
                    ask.next();
                }
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) => text.push(c),
            KeyCode::Enter => match dialog.ask.as_ref().map_or(Ok(Vec::new()), |a| a.ops(text)) {
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

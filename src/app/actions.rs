//! Operator actions in the console: an action key resolves what is under the cursor (and
//! marked) into a [`Here`] for its verb, which says what to plan or what to ask; then the
//! dialog asks for a comment or a count, shows the evidence read fresh, asks for a plain yes
//! (focus starts on "no") or the target's name typed, sends once, and shows the result. What
//! each verb does is the verb's ([`crate::ops::verbs`]); this module never builds an action
//! itself. In read-only mode none of this is reachable (`update` refuses the keys).

use crossterm::event::{KeyCode, KeyEvent};

use super::gates::gates_here;
use super::rows::{Entry, Row, rows};
use super::{App, Command, FeedId, Mode, Subject, View};
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
        /// Each plan with the source it goes to.
        plans: Vec<(FeedId, Plan)>,
        /// With several sources, the name of each plan's (what the dialog lists it under);
        /// empty with one.
        places: Vec<String>,
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
    /// The source of each of the ask's drafts, in order.
    pub ask_feeds: Vec<FeedId>,
    pub step: Step,
}

/// An action key: what its verb does with what is under the cursor (and marked), in each
/// source concerned: the marks' sources, else the row's or the screen's. The read-only rule
/// is `update`'s, before this is reached, and this one's for a mix of sources.
pub fn start(app: &mut App, act: Act) -> Vec<Command> {
    let entry = rows(app).get(app.screen().selected).cloned();
    let mut feeds: Vec<FeedId> = app.marks.iter().map(|(feed, _)| *feed).collect();
    feeds.dedup();
    if feeds.is_empty() {
        feeds.push(match (&entry, app.screen().view.is_list()) {
            (Some(e), true) => e.feed,
            _ => app.screen().feed,
        });
    }
    let (writable, refused): (Vec<FeedId>, Vec<FeedId>) =
        feeds.into_iter().partition(|f| !app.read_only(*f));
    if writable.is_empty() {
        let names: Vec<&str> = refused
            .iter()
            .map(|f| app.feed(*f).origin.label.as_str())
            .collect();
        app.message = Some(format!(
            "{} is read-only: nothing was sent",
            names.join(", ")
        ));
        return Vec::new();
    }
    let mut begun = Vec::new();
    for feed in writable {
        let row = entry.as_ref().filter(|e| e.feed == feed).map(|e| &e.row);
        match act.begin(&here(app, feed, row)) {
            Ok(started) => begun.push((feed, started)),
            Err(why) => {
                app.message = Some(app.named(feed, &why));
                return Vec::new();
            }
        }
    }
    match merge(app, begun) {
        Err(why) => {
            app.message = Some(why);
            Vec::new()
        }
        Ok((title, Starts::Plan(ops), feeds)) => {
            app.mode = Mode::Dialog(Dialog {
                title,
                ask: None,
                ask_feeds: Vec::new(),
                step: Step::Preparing,
            });
            vec![Command::Prepare(feeds.into_iter().zip(ops).collect())]
        }
        Ok((title, Starts::Ask(ask), feeds)) => {
            app.mode = Mode::Dialog(Dialog {
                title,
                ask: Some(ask),
                ask_feeds: feeds,
                step: Step::Input {
                    text: String::new(),
                    error: None,
                },
            });
            Vec::new()
        }
    }
}

/// One dialog from what the act begins in each source: their plans, or their drafts under
/// one question, each line naming its source when there are several; with the source of each
/// op or draft.
fn merge(app: &App, begun: Vec<(FeedId, Begin)>) -> Result<(String, Starts, Vec<FeedId>), String> {
    let several = begun.len() > 1;
    let title = begun
        .first()
        .map(|(_, b)| b.title.clone())
        .unwrap_or_default();
    let mut ops = Vec::new();
    let mut drafts: Option<Ask> = None;
    let mut feeds = Vec::new();
    for (feed, begin) in begun {
        match begin.start {
            Starts::Plan(plan) if drafts.is_none() => {
                feeds.extend(std::iter::repeat_n(feed, plan.len()));
                ops.extend(plan);
            }
            Starts::Ask(ask) if ops.is_empty() => {
                feeds.extend(std::iter::repeat_n(feed, ask.drafts.len()));
                let labels = ask.labels.iter().map(|l| {
                    if several {
                        format!("{} · {l}", app.feed(feed).origin.label)
                    } else {
                        l.clone()
                    }
                });
                match &mut drafts {
                    None => {
                        let labels = labels.collect();
                        drafts = Some(Ask { labels, ..ask });
                    }
                    Some(all) => {
                        all.labels.extend(labels);
                        all.drafts.extend(ask.drafts);
                    }
                }
            }
            _ => {
                return Err(
                    "the marked rows need different answers: act on one source at a time"
                        .to_owned(),
                );
            }
        }
    }
    Ok(match drafts {
        Some(ask) => (title, Starts::Ask(ask), feeds),
        None => (title, Starts::Plan(ops), feeds),
    })
}

/// Space: marks the pipeline or deployment under the cursor, or unmarks it.
pub fn mark(app: &mut App) {
    let Some(Entry { feed, row }) = rows(app).get(app.screen().selected).cloned() else {
        return;
    };
    let mark = match row {
        Row::Approval { pipeline, .. } | Row::Pipeline { name: pipeline } => {
            Subject::Pipeline(pipeline)
        }
        Row::Deployment { id } => Subject::Deployment(id),
        Row::Hook { deployment, .. } => Subject::Deployment(DeploymentRef::Ecs(deployment)),
        _ => return,
    };
    let mark = (feed, mark);
    if !app.marks.remove(&mark) {
        app.marks.insert(mark);
    }
}

/// What is under the cursor and marked in source `feed`, resolved against its snapshot, for
/// a verb: `row` is the row under the cursor when it is of that source.
fn here(app: &App, feed: FeedId, row: Option<&Row>) -> Here {
    let on_screen = app.screen().feed == feed;
    let deployment = deployment_here(app, on_screen, row);
    let pipeline = pipeline_here(app, on_screen, row);
    let snapshot = app.snapshot(feed);
    Here {
        group: deployment
            .as_ref()
            .and_then(|d| snapshot?.find(d))
            .map(|d| (d.application.clone(), d.deployment_group.clone())),
        service: service_here(snapshot, deployment.as_ref(), row),
        marked_deployments: app
            .marks
            .iter()
            .filter(|(f, _)| *f == feed)
            .filter_map(|(_, m)| m.deployment())
            .cloned()
            .collect(),
        execution: match row {
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
        gates: gates_here(app, feed, row, pipeline.clone()),
        rules: rules_here(snapshot, row),
        hook: match row {
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
fn rules_here(
    snapshot: Option<&crate::model::Snapshot>,
    row: Option<&Row>,
) -> Vec<(String, String)> {
    let (Some(Row::TargetGroup { arn }), Some(s)) = (row, snapshot) else {
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

/// `on_screen`: the detail screen shown is of the source asked about.
fn deployment_here(app: &App, on_screen: bool, row: Option<&Row>) -> Option<DeploymentRef> {
    match (app.screen().view, row) {
        (View::Deployment, _) if on_screen => app
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

fn pipeline_here(app: &App, on_screen: bool, row: Option<&Row>) -> Option<String> {
    match (app.screen().view, row) {
        (View::Pipeline, _) if on_screen => app
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

fn service_here(
    snapshot: Option<&crate::model::Snapshot>,
    deployment: Option<&DeploymentRef>,
    row: Option<&Row>,
) -> Option<ServiceRef> {
    let s = snapshot?;
    if let Some(Row::Service { cluster, name }) = row {
        return Some(ServiceRef::new(cluster, name));
    }
    match deployment?.clone() {
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
                    let feeds = asked_feeds(&dialog);
                    dialog.step = Step::Preparing;
                    out.push(Command::Prepare(feeds.into_iter().zip(ops).collect()));
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
        for feed in &mut app.feeds {
            feed.sync.refresh_now();
        }
    }
    Vec::new()
}

/// The sources of the ops an ask's input gives: the chosen draft's, or every draft's.
fn asked_feeds(dialog: &Dialog) -> Vec<FeedId> {
    match dialog.ask.as_ref().and_then(|a| a.chosen) {
        Some((i, _)) => dialog.ask_feeds.get(i).copied().into_iter().collect(),
        None => dialog.ask_feeds.clone(),
    }
}

/// The fresh-state checks came back: confirm what can go, say why the rest cannot. In a
/// protected source a single action needs its name typed; several always need `verb N`.
pub fn prepared(app: &mut App, results: Vec<(FeedId, Result<Plan, crate::ops::OpError>)>) {
    let Mode::Dialog(mut dialog) = app.mode.clone() else {
        return;
    };
    if dialog.step != Step::Preparing {
        return;
    }
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for (feed, result) in results {
        match result {
            Ok(plan) => plans.push((feed, plan)),
            Err(problem) => problems.push(app.named(feed, &problem.to_string())),
        }
    }
    let needs = match plans.as_slice() {
        [(feed, one)] => one.op.confirmation(&one.typed_name, app.protects(*feed)),
        [] => Confirm::Plain,
        many => Confirm::Typed(format!("{} {}", many[0].1.op.name(), many.len())),
    };
    let places = if app.several() {
        plans
            .iter()
            .map(|(feed, _)| {
                let origin = &app.feed(*feed).origin;
                match app.feed(*feed).account() {
                    Some(account) => format!("{} ({account})", origin.label),
                    None => origin.label.clone(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    dialog.step = Step::Confirm {
        places,
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

//! Operator actions in the console: an action key resolves what is under the cursor (and
//! marked) into a [`Here`] for its verb, which says what to plan or what to ask; then the
//! dialog asks for a comment or a count, shows the evidence read fresh, asks for a plain yes
//! (focus starts on "no") or the target's name typed, sends once, and shows the result. What
//! each verb does is the verb's ([`crate::ops::verbs`]); this module never builds an action
//! itself. In read-only mode none of this is reachable (`update` refuses the keys).

use crossterm::event::{KeyCode, KeyEvent};

use super::gates::{Gate, gates_here};
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
    /// On a release: its name, which confirms whatever is planned.
    pub release: Option<String>,
    pub step: Step,
}

/// An action key: what its verb does with what is under the cursor (and marked), in each
/// source concerned: the marks' sources, else the row's or the screen's. The read-only rule
/// is `update`'s, before this is reached, and this one's for a mix of sources.
pub fn start(app: &mut App, act: Act) -> Vec<Command> {
    if let Some(release) = app.screen().subject.as_ref().and_then(Subject::release) {
        let release = release.to_owned();
        return start_release(app, act, &release);
    }
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
    let heres = writable
        .into_iter()
        .map(|feed| {
            let row = entry.as_ref().filter(|e| e.feed == feed).map(|e| &e.row);
            (feed, here(app, feed, row))
        })
        .collect();
    open(app, act, heres, None)
}

/// An action key on a release's screen: `a`/`x` answer every gate waiting in its pipelines,
/// `B` rolls back every deployment in flight of its services, each in its member's source
/// (a read-only one is left out, and said so); the release's name is typed to confirm.
fn start_release(app: &mut App, act: Act, name: &str) -> Vec<Command> {
    let Some(release) = app.release(name) else {
        app.message = Some(format!("no release {name}"));
        return Vec::new();
    };
    let mut heres: Vec<(FeedId, Here)> = Vec::new();
    let mut refused = Vec::new();
    for member in &release.members {
        let Some(feed) = app.feed_named(&member.source) else {
            continue;
        };
        if app.read_only(feed) {
            refused.push(member.source.clone());
            continue;
        }
        let at = if let Some(at) = heres.iter().position(|(f, _)| *f == feed) {
            at
        } else {
            // What the release holds, nothing marked or under the cursor.
            let here = Here {
                gates: Ok(Vec::new()),
                marked_deployments: Vec::new(),
                ..here(app, feed, None)
            };
            heres.push((feed, here));
            heres.len() - 1
        };
        let here = &mut heres[at].1;
        let gates = member.waiting.iter().filter_map(|w| {
            let (stage, action) = w.gate.clone()?;
            Some(Gate {
                pipeline: member.name.clone(),
                stage: Some(stage),
                action: Some(action),
                execution: w.execution.clone(),
                crowded: false,
            })
        });
        let mut all = here.gates.clone().unwrap_or_default();
        all.extend(gates);
        here.gates = Ok(all);
        if let Some(d) = &member.deployment
            && let Some(reference) = app.snapshot(feed).and_then(|s| reference_of(s, &d.id))
        {
            here.marked_deployments.push(reference);
        }
    }
    refused.dedup();
    if !refused.is_empty() {
        app.message = Some(format!("{} is read-only: left out", refused.join(", ")));
    }
    // Only the sources with something to act on.
    heres.retain(|(_, h)| {
        let gates = h.gates.as_ref().is_ok_and(|g| !g.is_empty());
        match act {
            Act::Approve | Act::Reject => gates,
            _ => !h.marked_deployments.is_empty(),
        }
    });
    if heres.is_empty() {
        app.message = Some(match act {
            Act::Approve | Act::Reject => format!("no gate waits in release {name}"),
            _ => format!("nothing of release {name} to act on here"),
        });
        return Vec::new();
    }
    open(app, act, heres, Some(name.to_owned()))
}

/// The deployment an id of a release member names: a CodeDeploy id, or an ECS ARN.
fn reference_of(s: &crate::model::Snapshot, id: &str) -> Option<DeploymentRef> {
    if s.service_deployment(id).is_some() {
        return Some(DeploymentRef::Ecs(id.to_owned()));
    }
    s.deployments
        .iter()
        .find(|d| d.id == id)
        .map(crate::model::deploy::Deployment::reference)
}

/// The dialog for `act` on what is here in each source; `release`: the name to type.
fn open(
    app: &mut App,
    act: Act,
    heres: Vec<(FeedId, Here)>,
    release: Option<String>,
) -> Vec<Command> {
    let mut begun = Vec::new();
    for (feed, here) in heres {
        match act.begin(&here) {
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
                release,
                step: Step::Preparing,
            });
            vec![Command::Prepare(feeds.into_iter().zip(ops).collect())]
        }
        Ok((title, Starts::Ask(ask), feeds)) => {
            app.mode = Mode::Dialog(Dialog {
                title,
                ask: Some(ask),
                ask_feeds: feeds,
                release,
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
    let needs = match (plans.as_slice(), &dialog.release) {
        ([], _) => Confirm::Plain,
        (_, Some(release)) => Confirm::Typed(release.clone()),
        ([(feed, one)], None) => one.op.confirmation(&one.typed_name, app.protects(*feed)),
        (many, None) => Confirm::Typed(format!("{} {}", many[0].1.op.name(), many.len())),
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

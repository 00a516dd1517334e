//! `update`: the console's logic, message by message. Pure: no I/O, no await, no clock —
//! time arrives in `Msg::Tick`.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEventKind};

use super::keymap::{self, Action};
use super::rows::{self, Row};
use super::{App, Command, Mode, Mono, Msg, Screen, Subject, View};
use crate::aws::AwsError;
use crate::aws::hot::HotUpdate;
use crate::model::budget::BudgetState;
use crate::model::{DeploymentRef, Gap, Snapshot, Timestamp};
use crate::sync::{Arrived, OnScreen, Refresh};

/// How stale the header's "updated" time may get on a screen where nothing else changes.
const HEADER_REFRESH_MS: u64 = 15_000;

/// Rows a page key moves.
const PAGE: usize = 10;
/// The first screen row of a list's body: header, the block's border, the table's header.
/// One lower while the line under the header tells trouble.
const LIST_TOP: u16 = 3;

pub fn update(app: &mut App, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => {
            app.dirty = true;
            app.message = None;
            let mut commands = key_pressed(app, key);
            if app.context.read_only {
                // The code path refuses actions too, whatever asked for them.
                commands.retain(|c| !matches!(c, Command::Prepare(_) | Command::Execute(_)));
            }
            commands.extend(after_key(app));
            if app.quit { Vec::new() } else { commands }
        }
        Msg::Key(_) => Vec::new(),
        Msg::Mouse(mouse) => {
            mouse_moved(app, mouse);
            Vec::new()
        }
        Msg::Resize(_, height) => {
            app.height = height;
            app.dirty = true;
            Vec::new()
        }
        Msg::Tick(now) => {
            let second_changed = now / 1000 != app.now / 1000;
            app.now = now;
            if second_changed && counting_down(app) {
                app.dirty = true;
            }
            // The header's "updated" time is kept within a few seconds of the truth.
            if now.saturating_sub(app.drawn_at) >= HEADER_REFRESH_MS {
                app.dirty = true;
            }
            schedule(app)
        }
        Msg::SnapshotTaken {
            at,
            result,
            budgets,
            ..
        } => {
            budgets_read(app, budgets);
            snapshot_taken(app, at, result);
            Vec::new()
        }
        Msg::Prepared { results, .. } => {
            super::actions::prepared(app, results);
            app.dirty = true;
            Vec::new()
        }
        Msg::Executed { results, .. } => {
            super::actions::executed(app, results);
            app.dirty = true;
            Vec::new()
        }
        Msg::ActionProgress(line) => {
            super::actions::progress(app, line);
            app.dirty = true;
            Vec::new()
        }
        Msg::HotRefreshed {
            at,
            update,
            server_time,
            budgets,
            ..
        } => {
            budgets_read(app, budgets);
            hot_refreshed(app, at, *update, server_time);
            Vec::new()
        }
    }
}

/// The cold snapshot came back: it replaces the one on screen, keeping what it could not
/// read; or it failed, and the one on screen stays.
fn snapshot_taken(app: &mut App, at: Mono, result: Result<Box<Snapshot>, AwsError>) {
    match result {
        Ok(mut snapshot) => {
            if let Some(refused) = snapshot.gaps.iter().find(|g| g.needs_a_person()) {
                app.sync.saw_refused(at, refused.clone());
            }
            if let Some(previous) = &app.snapshot {
                snapshot.keep_unread(previous);
            }
            for (update, taken_at) in std::mem::take(&mut app.hot_while_cold) {
                let taken_at = taken_at.max(snapshot.taken_at);
                update.apply(&mut snapshot, taken_at);
            }
            app.seen.observe(&snapshot);
            app.snapshot = Some(*snapshot);
            app.data_at = at;
            app.sync.cold_done(at, Ok(()));
            clamp(app);
        }
        Err(error) => {
            app.hot_while_cold.clear();
            app.sync.cold_done(at, Err(error));
        }
    }
    app.dirty = true;
}

/// The hot refresh came back: what it read is folded in, unless it read nothing.
fn hot_refreshed(app: &mut App, at: Mono, update: HotUpdate, server_time: Option<Timestamp>) {
    let error = update.errors.first().cloned();
    let failed = error.is_some();
    if let Some(refused) = update
        .errors
        .iter()
        .map(AwsError::to_gap)
        .find(Gap::needs_a_person)
    {
        app.sync.saw_refused(at, refused);
    }
    let mut arrived = Arrived::No;
    let lanes = update.lanes;
    // A refresh that read nothing leaves the data, and its age, as they were.
    if !update.read_nothing()
        && let Some(snapshot) = app.snapshot.as_mut()
    {
        let taken_at = server_time.unwrap_or(snapshot.taken_at);
        if app.sync.cold().in_flight {
            app.hot_while_cold.retain(|(u, _)| u.lanes != lanes);
            app.hot_while_cold.push((update.clone(), taken_at));
        }
        // Unchanged data needs no redraw: a still fleet costs a poll, not a frame.
        if update.apply(snapshot, taken_at) {
            app.dirty = true;
        }
        app.seen.observe(snapshot);
        app.data_at = at;
        arrived = Arrived::Yes;
        clamp(app);
    }
    app.sync.hot_done(at, lanes, arrived, error);
    if failed {
        app.dirty = true;
    }
}

/// The budgets a refresh left: a redraw only when the header would read differently.
fn budgets_read(app: &mut App, budgets: Vec<BudgetState>) {
    let same = app.budgets.len() == budgets.len()
        && app.budgets.iter().zip(&budgets).all(|(a, b)| a.shows_as(b));
    if !same {
        app.dirty = true;
    }
    app.budgets = budgets;
}

/// Scrolling moves the cursor; a click on a list row selects it.
fn mouse_moved(app: &mut App, mouse: crossterm::event::MouseEvent) {
    match mouse.kind {
        MouseEventKind::ScrollUp => {
            act(app, Action::Up);
        }
        MouseEventKind::ScrollDown => {
            act(app, Action::Down);
        }
        MouseEventKind::Down(_) if mouse.row >= list_top(app) && app.mode == Mode::Normal => {
            let rows = rows::rows(app);
            let index = rows::list_offset(app.screen().selected, app.list_height())
                + usize::from(mouse.row - list_top(app));
            if index < rows.len() && !matches!(rows[index], Row::Heading(_)) {
                app.screen_mut().selected = index;
            }
        }
        _ => return,
    }
    app.dirty = true;
}

/// The first screen row of a list's body, below the line that tells trouble when there is.
fn list_top(app: &App) -> u16 {
    LIST_TOP + u16::from(app.trouble().is_some())
}

/// The refresh due now, if any: the scheduler decides; the deployment on screen is kept hot.
fn schedule(app: &mut App) -> Vec<Command> {
    let on_screen = OnScreen {
        deployment: app
            .stack
            .last()
            .and_then(|s| s.subject.as_ref())
            .and_then(Subject::deployment)
            .and_then(DeploymentRef::codedeploy),
        pipeline: app
            .stack
            .last()
            .and_then(|s| s.subject.as_ref())
            .and_then(Subject::pipeline),
    };
    let due = app.sync.due(app.now, app.snapshot.as_ref(), on_screen);
    due.map(|refresh| match refresh {
        Refresh::Cold => Command::TakeSnapshot,
        Refresh::Asked => Command::ReadEverything,
        Refresh::Hot(set) => Command::RefreshHot(Box::new(set)),
    })
    .into_iter()
    .collect()
}

/// Whether the screen shows a countdown that changes every second.
fn counting_down(app: &App) -> bool {
    let Some(s) = &app.snapshot else { return false };
    // ECS deployments in flight count down their bake or step, or a pause hook's timeout.
    let ecs = |d: &crate::model::service_deployment::ServiceDeployment| {
        d.in_flight() && (app.seen.countdown(d).is_some() || d.waiting_hooks().next().is_some())
    };
    match app.screen().view {
        View::Overview | View::Deployments => {
            s.attention.in_flight.iter().any(|d| d.next_at.is_some())
                || s.service_deployments.iter().any(ecs)
        }
        View::Deployment => match app.screen().subject.as_ref().and_then(Subject::deployment) {
            Some(DeploymentRef::Ecs(arn)) => s.service_deployment(arn).is_some_and(ecs),
            Some(d) => s
                .find(d)
                .and_then(|d| d.progress.as_ref())
                .is_some_and(|p| p.next_step_at.is_some() || p.wait_ends_at.is_some()),
            None => false,
        },
        _ => false,
    }
}

/// Keeps every cursor on a row that exists after the data changed.
fn clamp(app: &mut App) {
    let rows = rows::rows(app);
    let selected = app.screen().selected;
    app.screen_mut().selected =
        rows::selectable(&rows, selected.min(rows.len().saturating_sub(1)), true);
}

fn key_pressed(app: &mut App, key: KeyEvent) -> Vec<Command> {
    match app.mode.clone() {
        Mode::Dialog(dialog) => return super::actions::key(app, dialog, key),
        Mode::Help => app.mode = Mode::Normal,
        Mode::Filter => match key.code {
            KeyCode::Esc => {
                app.screen_mut().filter.clear();
                app.mode = Mode::Normal;
            }
            KeyCode::Enter => app.mode = Mode::Normal,
            KeyCode::Backspace => {
                app.screen_mut().filter.pop();
            }
            KeyCode::Char(c) => app.screen_mut().filter.push(c),
            _ => {}
        },
        Mode::Palette {
            mut input,
            mut selected,
        } => {
            match key.code {
                KeyCode::Esc => {
                    app.mode = Mode::Normal;
                    return Vec::new();
                }
                KeyCode::Enter => {
                    let matches = palette(app, &input);
                    app.mode = Mode::Normal;
                    match matches.into_iter().nth(selected) {
                        Some((_, screen)) => jump(app, screen),
                        None => app.message = Some(format!("nothing called '{input}'")),
                    }
                    return Vec::new();
                }
                KeyCode::Up => selected = selected.saturating_sub(1),
                KeyCode::Down | KeyCode::Tab => selected += 1,
                KeyCode::Backspace => {
                    input.pop();
                    selected = 0;
                }
                KeyCode::Char(c) => {
                    input.push(c);
                    selected = 0;
                }
                _ => {}
            }
            let count = palette(app, &input).len();
            selected = selected.min(count.saturating_sub(1));
            app.mode = Mode::Palette { input, selected };
        }
        Mode::Normal => match keymap::action(key) {
            // Read-only: no key leads to a change, whatever the table says it does.
            Some(action) if action.acts() && app.context.read_only => {}
            Some(action) => return act(app, action),
            None => {}
        },
    }
    Vec::new()
}

/// After a key: a screen that opened without data for it asks for a refresh.
fn after_key(app: &mut App) -> Vec<Command> {
    clamp(app);
    Vec::new()
}

/// What a key in normal mode asks for; an action key's dialog may start with commands.
fn act(app: &mut App, action: Action) -> Vec<Command> {
    let rows = rows::rows(app);
    let last = rows.len().saturating_sub(1);
    let selected = app.screen().selected;
    match action {
        Action::Up => {
            app.screen_mut().selected = rows::selectable(&rows, selected.saturating_sub(1), false);
        }
        Action::Down => {
            app.screen_mut().selected = rows::selectable(&rows, (selected + 1).min(last), true);
        }
        Action::PageUp => {
            app.screen_mut().selected =
                rows::selectable(&rows, selected.saturating_sub(PAGE), false);
        }
        Action::PageDown => {
            app.screen_mut().selected = rows::selectable(&rows, (selected + PAGE).min(last), true);
        }
        Action::Top => app.screen_mut().selected = rows::selectable(&rows, 0, true),
        Action::Bottom => app.screen_mut().selected = rows::selectable(&rows, last, false),
        Action::Open => {
            // A pipeline's approval rows open the pipeline already on screen: nothing to push.
            if let Some(screen) = rows
                .get(selected)
                .and_then(Row::opens)
                .filter(|s| s.view != app.screen().view || s.subject != app.screen().subject)
            {
                app.stack.push(screen);
            }
        }
        Action::Back => {
            if !app.screen().filter.is_empty() {
                app.screen_mut().filter.clear();
            } else if app.stack.len() > 1 {
                app.stack.pop();
            }
        }
        Action::NextPanel => {
            let panels = app.screen().view.panels();
            let screen = app.screen_mut();
            screen.panel = (screen.panel + 1) % panels;
        }
        Action::Filter => app.mode = Mode::Filter,
        Action::Palette => {
            app.mode = Mode::Palette {
                input: String::new(),
                selected: 0,
            }
        }
        Action::Help => app.mode = Mode::Help,
        Action::Refresh => {
            // Due at once: the next tick asks for it.
            app.sync.refresh_now();
            app.message = Some("refreshing…".to_owned());
        }
        Action::Quit => app.quit = true,
        Action::Screen(view) => jump(app, Screen::new(view)),
        Action::Mark => super::actions::mark(app),
        Action::Act(verb) => return super::actions::start(app, verb),
    }
    Vec::new()
}

/// Goes to a screen: a list screen replaces what is above home, a detail pushes onto it.
fn jump(app: &mut App, screen: Screen) {
    match screen.view {
        View::Overview => app.stack.truncate(1),
        view if !view.is_list() => app.stack.push(screen),
        _ => {
            app.stack.truncate(1);
            app.stack.push(screen);
        }
    }
}

/// What the palette offers for `input`: the screens by name, then pipelines, services and
/// deployments whose name or id contains it.
pub fn palette(app: &App, input: &str) -> Vec<(String, Screen)> {
    let needle = input.trim().trim_start_matches(':').to_lowercase();
    let mut out: Vec<(String, Screen)> = View::LISTS
        .into_iter()
        .map(|view| (view.title().to_lowercase(), view))
        .filter(|(name, _)| name.starts_with(&needle))
        .map(|(name, view)| (format!(":{name}"), Screen::new(view)))
        .collect();
    let Some(s) = &app.snapshot else { return out };
    if needle.is_empty() {
        return out;
    }
    for p in s
        .pipelines
        .iter()
        .filter(|p| p.name.to_lowercase().contains(&needle))
    {
        out.push((
            format!("pipeline {}", p.name),
            Screen::of(Subject::Pipeline(p.name.clone())),
        ));
    }
    for v in s
        .services
        .iter()
        .filter(|v| v.name.to_lowercase().contains(&needle))
    {
        out.push((
            format!("service {}/{}", v.cluster, v.name),
            Screen {
                filter: v.name.clone(),
                ..Screen::new(View::Services)
            },
        ));
    }
    for d in s
        .deployments
        .iter()
        .filter(|d| d.id.to_lowercase().contains(&needle))
    {
        out.push((
            format!(
                "deployment {} {}/{}",
                d.id, d.application, d.deployment_group
            ),
            Screen::of(Subject::Deployment(d.reference())),
        ));
    }
    for d in s
        .service_deployments
        .iter()
        .filter(|d| d.arn.to_lowercase().contains(&needle))
    {
        out.push((
            format!("deployment {} ECS {}", d.reference(), d.service),
            Screen::of(Subject::Deployment(d.reference())),
        ));
    }
    out
}

//! `update`: the console's logic, message by message. Pure: no I/O, no await, no clock —
//! time arrives in `Msg::Tick`.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEventKind};

use super::keymap::{self, Action};
use super::rows::{self, Entry, Row};
use super::{App, Column, Command, Feed, FeedId, Mode, Msg, Screen, Sort, Subject, View};
use crate::model::{DeploymentRef, Snapshot};
use crate::sync::{OnScreen, Refresh};

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
            // The code path refuses actions in a read-only source too, whatever asked for them.
            refuse_read_only(app, &mut commands);
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
            feed,
            at,
            result,
            budgets,
        } => {
            let Some(f) = app.feeds.get_mut(feed) else {
                return Vec::new();
            };
            f.budgets_read(budgets);
            let failed = result.as_ref().err().cloned();
            if f.snapshot_taken(at, result) {
                super::alerts::observe(&mut app.feeds, &mut app.alerts, feed);
                clamp(app);
            }
            if let Some(error) = failed {
                refresh_failed(app, feed, &error);
            }
            app.dirty = true;
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
        Msg::ReportWritten(result) => {
            app.message = Some(match result {
                Ok(path) => format!("report written to {}", path.display()),
                Err(why) => format!("no report: {why}"),
            });
            app.dirty = true;
            Vec::new()
        }
        Msg::ActionProgress(line) => {
            super::actions::progress(app, line);
            app.dirty = true;
            Vec::new()
        }
        Msg::HotRefreshed {
            feed,
            at,
            update,
            server_time,
            budgets,
        } => {
            hot_refreshed(app, feed, at, *update, server_time, budgets);
            Vec::new()
        }
    }
}

/// A hot refresh of `feed` came back: folded in, with what it brought to the notifications.
fn hot_refreshed(
    app: &mut App,
    feed: FeedId,
    at: crate::sync::Mono,
    update: crate::aws::hot::HotUpdate,
    server_time: Option<crate::model::Timestamp>,
    budgets: Vec<crate::model::budget::BudgetState>,
) {
    let Some(f) = app.feeds.get_mut(feed) else {
        return;
    };
    let budgets_changed = f.budgets_read(budgets);
    let lost = update.errors.iter().find(|e| e.is_fatal()).cloned();
    let landed = f.hot_refreshed(at, update, server_time);
    if budgets_changed || landed.changed || landed.failed {
        app.dirty = true;
    }
    if landed.changed {
        super::alerts::observe(&mut app.feeds, &mut app.alerts, feed);
    }
    if let Some(error) = lost {
        refresh_failed(app, feed, &error);
    }
    if landed.arrived {
        clamp(app);
    }
}

/// A refresh of `feed` failed with `error`: lost credentials join the notifications once.
fn refresh_failed(app: &mut App, feed: FeedId, error: &crate::aws::AwsError) {
    let when = super::alerts::data_now(&app.feeds[feed], app.now, app.context.clock_rate);
    super::alerts::refresh_failed(&mut app.feeds, &mut app.alerts, feed, error, when);
}

/// Drops what would act in a read-only source: a dialog's plans there are never sent.
fn refuse_read_only(app: &App, commands: &mut Vec<Command>) {
    for command in commands.iter_mut() {
        match command {
            Command::Prepare(ops) => ops.retain(|(feed, _)| !app.read_only(*feed)),
            Command::Execute(plans) => plans.retain(|(feed, _)| !app.read_only(*feed)),
            _ => {}
        }
    }
    commands.retain(|c| match c {
        Command::Prepare(ops) => !ops.is_empty(),
        Command::Execute(plans) => !plans.is_empty(),
        _ => true,
    });
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
            if index < rows.len() && !matches!(rows[index].row, Row::Heading(_)) {
                app.screen_mut().selected = index;
            }
        }
        _ => return,
    }
    app.dirty = true;
}

/// The first screen row of a list's body, below the line that tells trouble when there is.
fn list_top(app: &App) -> u16 {
    LIST_TOP + app.trouble_lines()
}

/// The refreshes due now, each source's scheduler deciding for it; the deployment or
/// pipeline on screen is kept hot in its own source.
fn schedule(app: &mut App) -> Vec<Command> {
    let screen = app.stack.last().cloned();
    let subject = screen.as_ref().and_then(|s| s.subject.as_ref());
    let mut out = Vec::new();
    for (id, feed) in app.feeds.iter_mut().enumerate() {
        let here = subject.filter(|_| screen.as_ref().is_some_and(|s| s.feed == id));
        let on_screen = OnScreen {
            deployment: here
                .and_then(Subject::deployment)
                .and_then(DeploymentRef::codedeploy),
            pipeline: here.and_then(Subject::pipeline),
        };
        let due = feed.sync.due(app.now, feed.snapshot.as_ref(), on_screen);
        out.extend(due.map(|refresh| match refresh {
            Refresh::Cold => Command::TakeSnapshot(id),
            Refresh::Asked => Command::ReadEverything(id),
            Refresh::Hot(set) => Command::RefreshHot(id, Box::new(set)),
        }));
    }
    out
}

/// Whether the screen shows a countdown that changes every second.
fn counting_down(app: &App) -> bool {
    app.feeds.iter().enumerate().any(|(id, feed)| {
        feed.snapshot
            .as_ref()
            .is_some_and(|s| counting_down_in(app, id, feed, s))
    })
}

fn counting_down_in(app: &App, id: FeedId, feed: &Feed, s: &Snapshot) -> bool {
    // ECS deployments in flight count down their bake or step, or a pause hook's timeout.
    let ecs = |d: &crate::model::service_deployment::ServiceDeployment| {
        d.in_flight() && (feed.seen.countdown(d).is_some() || d.waiting_hooks().next().is_some())
    };
    match app.screen().view {
        View::Overview | View::Deployments => {
            s.attention.in_flight.iter().any(|d| d.next_at.is_some())
                || s.service_deployments.iter().any(ecs)
        }
        View::Deployment if app.screen().feed != id => false,
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
        Mode::Help | Mode::Notices => app.mode = Mode::Normal,
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
            Some(action) if action.acts() && app.all_read_only() => {}
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
                .and_then(Entry::opens)
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
        Action::Report => {
            let screen = app.screen();
            let Some(deployment) = screen
                .subject
                .as_ref()
                .and_then(|s| s.deployment())
                .cloned()
            else {
                app.message = Some("open a deployment to write its report".to_owned());
                return Vec::new();
            };
            let feed = screen.feed;
            app.message = Some(format!("writing the report of {deployment}…"));
            return vec![Command::WriteReport(feed, deployment)];
        }
        Action::Notices => {
            app.alerts.read();
            app.mode = Mode::Notices;
        }
        Action::Refresh => {
            // Due at once: the next tick asks for it.
            for feed in &mut app.feeds {
                feed.sync.refresh_now();
            }
            app.message = Some("refreshing…".to_owned());
        }
        Action::Quit => app.quit = true,
        Action::Screen(view) => jump(app, Screen::new(view)),
        Action::Mark => super::actions::mark(app),
        Action::Sort => {
            let several = app.several();
            let screen = app.screen_mut();
            if screen.view.is_list() && screen.view != View::Overview {
                screen.sort = next_sort(screen.sort, several);
                screen.selected = 0;
            }
        }
        Action::Reverse => {
            if let Some(sort) = &mut app.screen_mut().sort {
                sort.descending = !sort.descending;
            }
        }
        Action::Act(verb) => return super::actions::start(app, verb),
    }
    Vec::new()
}

/// `o`: the list's own order, then by each column in turn (the source's only when there are
/// several), then its own order again. Age starts newest first; the others A to Z.
fn next_sort(sort: Option<Sort>, several: bool) -> Option<Sort> {
    let columns: &[Column] = if several {
        &[Column::Source, Column::Name, Column::State, Column::Age]
    } else {
        &[Column::Name, Column::State, Column::Age]
    };
    let next = match sort {
        None => columns.first(),
        Some(s) => columns
            .iter()
            .position(|c| *c == s.by)
            .and_then(|i| columns.get(i + 1)),
    };
    next.map(|&by| Sort {
        by,
        descending: by == Column::Age,
    })
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
/// deployments whose name or id contains it, of every source (with several, the source's
/// name matches too: `prod ledger` finds ledger in prod).
pub fn palette(app: &App, input: &str) -> Vec<(String, Screen)> {
    let needle = input.trim().trim_start_matches(':').to_lowercase();
    let mut out: Vec<(String, Screen)> = View::LISTS
        .into_iter()
        .map(|view| (view.title().to_lowercase(), view))
        .filter(|(name, _)| name.starts_with(&needle))
        .map(|(name, view)| (format!(":{name}"), Screen::new(view)))
        .collect();
    if needle.is_empty() {
        return out;
    }
    for name in app
        .release_names()
        .into_iter()
        .filter(|r| r.to_lowercase().contains(&needle))
    {
        out.push((
            format!("release {name}"),
            Screen::of(0, Subject::Release(name)),
        ));
    }
    for (feed, s) in app.snapshots() {
        let label = if app.several() {
            format!("{} ", app.feed(feed).origin.label)
        } else {
            String::new()
        };
        let found = |name: &str| format!("{label}{name}").to_lowercase().contains(&needle);
        for p in s.pipelines.iter().filter(|p| found(&p.name)) {
            out.push((
                format!("{label}pipeline {}", p.name),
                Screen::of(feed, Subject::Pipeline(p.name.clone())),
            ));
        }
        for v in s.services.iter().filter(|v| found(&v.name)) {
            out.push((
                format!("{label}service {}/{}", v.cluster, v.name),
                Screen {
                    filter: v.name.clone(),
                    ..Screen::new(View::Services)
                },
            ));
        }
        for d in s.deployments.iter().filter(|d| found(&d.id)) {
            out.push((
                format!(
                    "{label}deployment {} {}/{}",
                    d.id, d.application, d.deployment_group
                ),
                Screen::of(feed, Subject::Deployment(d.reference())),
            ));
        }
        for d in s.service_deployments.iter().filter(|d| found(&d.arn)) {
            out.push((
                format!("{label}deployment {} ECS {}", d.reference(), d.service),
                Screen::of(feed, Subject::Deployment(d.reference())),
            ));
        }
    }
    out
}

//! Releases: each release the config file names, at a glance across its sources; the detail
//! lists its members (pipelines and services, each in its source) with the gate waiting and
//! for how long, the deployment in flight and its share on green, tasks and health. `a`
//! approves every gate waiting in it, `B` rolls back every deployment in flight.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row as TableRow};

use super::{bar_spans, row_of, table};
use crate::app::rows::{Row, rows};
use crate::app::{App, Subject};
use crate::model::time::human_duration;
use crate::release::{Member, Release, Summary};
use crate::ui::theme::Theme;

pub fn draw_list(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let releases = app.releases();
    let rows = rows(app);
    let lines: Vec<TableRow> = super::window(&rows, app)
        .iter()
        .filter_map(|entry| match &entry.row {
            Row::Release { name } => releases.iter().find(|r| &r.name == name),
            _ => None,
        })
        .map(|r| {
            let sources: Vec<&str> = {
                let mut names: Vec<&str> = r.members.iter().map(|m| m.source.as_str()).collect();
                names.dedup();
                names
            };
            let mut standing = glance(&r.summary, theme);
            if let Some(summary) = commit_summary(r) {
                standing.insert(0, Span::raw(format!("\"{summary}\" · ")));
            }
            TableRow::new(vec![
                Cell::from(r.name.clone()),
                Cell::from(Line::from(standing)),
                Cell::from(format!("{}", r.members.len())),
                Cell::from(sources.join(", ")),
            ])
        })
        .collect();
    let title = if rows.is_empty() && app.context.releases.is_empty() {
        Line::from(vec![
            Span::styled(" Releases (0) ", theme.title),
            Span::styled(
                "· none shares a commit; name them in the config file: [[release]] name, pipelines, services ",
                theme.dim,
            ),
        ])
    } else {
        super::titled("Releases", rows.len(), app, theme)
    };
    table(
        frame,
        area,
        app,
        super::List {
            title,
            header: vec!["release", "where it stands", "members", "sources"],
            widths: vec![
                Constraint::Length(20),
                Constraint::Fill(1),
                Constraint::Length(8),
                Constraint::Length(24),
            ],
            rows: lines,
            sourced: false,
        },
        theme,
    );
}

/// `2 gates waiting · 1 of 3 deploying · 3 of 3 healthy`, each part in the style of what it
/// says.
fn glance(s: &Summary, theme: &Theme) -> Vec<Span<'static>> {
    let gates = match s.gates_waiting {
        0 => Span::styled("no gate waiting", theme.dim),
        1 => Span::styled("1 gate waiting", theme.warn),
        n => Span::styled(format!("{n} gates waiting"), theme.warn),
    };
    let deploying = Span::styled(
        format!("{} of {} deploying", s.deploying, s.services),
        if s.deploying > 0 {
            theme.warn
        } else {
            theme.dim
        },
    );
    let healthy = Span::styled(
        format!("{} of {} healthy", s.healthy, s.services),
        if s.healthy < s.services {
            theme.bad
        } else {
            theme.ok
        },
    );
    vec![
        gates,
        Span::raw(" · "),
        deploying,
        Span::raw(" · "),
        healthy,
    ]
}

pub fn draw_detail(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let name = app
        .screen()
        .subject
        .as_ref()
        .and_then(Subject::release)
        .unwrap_or_default()
        .to_owned();
    let release = app.release(&name).unwrap_or_else(|| Release {
        name: name.clone(),
        members: Vec::new(),
        summary: Summary::default(),
    });
    // The members with a source on screen, in the order of the rows.
    let members: Vec<&Member> = release
        .members
        .iter()
        .filter(|m| app.feed_named(&m.source).is_some())
        .collect();
    let lines: Vec<TableRow> = super::window(&members, app)
        .iter()
        .map(|m| member_row(app, m, theme))
        .collect();
    let mut title = vec![Span::styled(
        format!(" Release {} · ", release.name),
        theme.title,
    )];
    // What a group of a shared commit ships: its message.
    if let Some(summary) = commit_summary(&release) {
        title.push(Span::raw(format!("\"{summary}\" · ")));
    }
    title.extend(glance(&release.summary, theme));
    title.push(Span::styled(
        format!(
            " · {} of {} pipelines succeeded ",
            succeeded(&release),
            release.summary.pipelines
        ),
        theme.dim,
    ));
    title.extend(super::freshness(app, theme));
    table(
        frame,
        area,
        app,
        super::List {
            title: Line::from(title),
            header: vec!["kind", "name", "waiting", "deployment", "tasks", "health"],
            widths: vec![
                Constraint::Length(8),
                Constraint::Length(30),
                Constraint::Fill(1),
                Constraint::Fill(1),
                Constraint::Length(7),
                Constraint::Length(22),
            ],
            rows: lines,
            sourced: true,
        },
        theme,
    );
}

/// The commit message of a release grouped by a shared commit (`rev:…`).
fn commit_summary(r: &Release) -> Option<String> {
    if !r.name.starts_with(crate::release::REVISION_PREFIX) {
        return None;
    }
    r.members
        .iter()
        .find_map(|m| m.revision.as_ref()?.summary.clone())
}

/// Pipelines whose latest execution succeeded.
fn succeeded(r: &Release) -> usize {
    r.members
        .iter()
        .filter(|m| m.latest.as_deref() == Some("Succeeded"))
        .count()
}

fn member_row(app: &App, m: &Member, theme: &Theme) -> TableRow<'static> {
    let waiting: Vec<String> = m
        .waiting
        .iter()
        .map(|w| match w.for_seconds {
            Some(s) => format!("{} {}", w.at, human_duration(s)),
            None => w.at.clone(),
        })
        .collect();
    let deployment = match (&m.deployment, &m.latest, &m.last) {
        (Some(d), _, _) => {
            let percent = d.percent_on_green.unwrap_or(0.0);
            let mut spans = vec![Span::styled(format!("{} ", d.status), theme.warn)];
            spans.extend(bar_spans(percent, 6, theme));
            spans.push(Span::raw(format!(" {percent:.0}%")));
            Line::from(spans)
        }
        (None, Some(latest), _) => Line::raw(format!("latest {latest}")),
        (None, None, Some(last)) => Line::styled(
            format!("last {}", last.status),
            if last.succeeded { theme.ok } else { theme.bad },
        ),
        _ => Line::raw(""),
    };
    let health = match (&m.trouble, m.kind) {
        (Some(t), _) => Line::styled(t.clone(), theme.bad),
        (None, "service") => Line::styled("healthy", theme.ok),
        _ => Line::raw(""),
    };
    let cells = vec![
        Cell::from(m.kind),
        Cell::from(m.name.clone()),
        Cell::from(Line::styled(waiting.join("  "), theme.warn)),
        Cell::from(deployment),
        Cell::from(
            m.tasks
                .map_or_else(String::new, |(r, d)| format!("{r}/{d}")),
        ),
        Cell::from(health),
    ];
    let feed = app.feed_named(&m.source).unwrap_or(0);
    row_of(app, feed, cells, theme)
}

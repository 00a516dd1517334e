//! Services: per cluster, the controller, desired/running/pending, task sets and the newest
//! event.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row as TableRow};

use super::{status_span, table, titled};
use crate::app::App;
use crate::app::rows::{Row, rows};
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let rows = rows(app);
    let lines: Vec<TableRow> = super::window(&rows, app)
        .iter()
        .filter_map(|entry| match &entry.row {
            Row::Service { cluster, name } => Some((
                entry.feed,
                app.snapshot(entry.feed)?.service(cluster, name)?,
            )),
            _ => None,
        })
        .map(|(feed, v)| {
            let sets: Vec<String> = if v.task_sets.is_empty() {
                v.deployments
                    .iter()
                    .map(|d| format!("{} {}/{}", d.status, d.running, d.desired))
                    .collect()
            } else {
                v.task_sets
                    .iter()
                    .map(|t| format!("{} {}/{}", t.status, t.running, t.desired))
                    .collect()
            };
            let counts = format!("{}/{}/{}", v.desired, v.running, v.pending);
            let style = if v.running < v.desired {
                theme.warn
            } else {
                theme.ok
            };
            let cells = vec![
                Cell::from(v.cluster.clone()),
                Cell::from(v.name.clone()),
                Cell::from(Line::from(status_span(&v.controller, theme))),
                Cell::from(Line::styled(counts, style)),
                Cell::from(sets.join("  ")),
                Cell::from(
                    v.events
                        .first()
                        .map_or_else(String::new, |e| e.message.clone()),
                ),
            ];
            super::row_of(app, feed, cells, theme)
        })
        .collect();
    let widths = vec![
        super::fitted(
            rows.iter().map(|e| match &e.row {
                Row::Service { cluster, .. } => cluster.chars().count(),
                _ => 0,
            }),
            "cluster",
            usize::from(area.width) * 2 / 9,
        ),
        super::fitted(
            rows.iter().map(|e| match &e.row {
                Row::Service { name, .. } => name.chars().count(),
                _ => 0,
            }),
            "service",
            usize::from(area.width) * 2 / 7,
        ),
        Constraint::Length(12),
        Constraint::Length(9),
        Constraint::Length(28),
        Constraint::Fill(1),
    ];
    table(
        frame,
        area,
        app,
        super::List {
            title: titled("Services", rows.len(), app, theme),
            header: vec![
                "cluster",
                "service",
                "controller",
                "d/r/p",
                "task sets",
                "latest event",
            ],
            widths,
            rows: lines,
            sourced: true,
        },
        theme,
    );
}

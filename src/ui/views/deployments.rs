//! Deployments: every deployment read (in flight and the last day), newest first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row as TableRow};

use super::{ago, bar_spans, status_span, table, titled};
use crate::app::App;
use crate::app::rows::{Row, rows};
use crate::model::Snapshot;
use crate::ui::theme::Theme;

pub fn draw_list(frame: &mut Frame, area: Rect, app: &App, s: &Snapshot, theme: &Theme) {
    let now = app.data_now();
    let rows = rows(app);
    let lines: Vec<TableRow> = super::window(&rows, app)
        .iter()
        .filter_map(|row| match row {
            Row::Deployment { id } => s.find(id),
            _ => None,
        })
        .map(|d| {
            let percent = d.progress.as_ref().map_or(0.0, |p| p.percent_on_green);
            let mut bar = bar_spans(percent, 8, theme);
            bar.push(Span::raw(format!(" {percent:>3.0}%")));
            TableRow::new(vec![
                Cell::from(d.id.clone()),
                Cell::from(format!("{}/{}", d.application, d.deployment_group)),
                Cell::from(Line::from(status_span(&d.status, theme))),
                Cell::from(Line::from(bar)),
                Cell::from(
                    d.progress
                        .as_ref()
                        .map_or("", |p| p.phase.label())
                        .to_owned(),
                ),
                Cell::from(ago(now, d.created)),
                Cell::from(
                    if d.rollback_of.is_some() {
                        "rollback"
                    } else {
                        d.creator.as_deref().unwrap_or("")
                    }
                    .to_owned(),
                ),
            ])
        })
        .collect();
    let widths = vec![
        Constraint::Length(12),
        Constraint::Fill(2),
        Constraint::Length(11),
        Constraint::Length(14),
        Constraint::Fill(1),
        Constraint::Length(12),
        Constraint::Length(10),
    ];
    table(
        frame,
        area,
        app,
        super::List {
            title: titled("Deployments", rows.len(), app, theme),
            header: vec![
                "id",
                "application/group",
                "status",
                "green",
                "phase",
                "created",
                "by",
            ],
            widths,
            rows: lines,
        },
        theme,
    );
}

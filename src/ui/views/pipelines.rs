//! Pipelines: every pipeline with the status of each stage of its latest execution; the
//! detail shows stages, actions, status, timing, every execution waiting at a gate (its own
//! row, selectable: `a` answers the one under the cursor), a failed action's error and the
//! history.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row as TableRow, Wrap};

use super::overview::revision;
use super::{ago, status_span, table, titled, until};
use crate::app::gates::short;
use crate::app::rows::{Row, rows};
use crate::app::{App, Subject};
use crate::model::Snapshot;
use crate::model::pipeline::Pipeline;
use crate::ui::theme::Theme;

pub fn draw_list(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let rows = rows(app);
    let lines: Vec<TableRow> = super::window(&rows, app)
        .iter()
        .filter_map(|entry| match &entry.row {
            Row::Pipeline { name } => Some((entry.feed, app.snapshot(entry.feed)?.pipeline(name)?)),
            _ => None,
        })
        .map(|(feed, p)| {
            let now = app.data_now_of(feed);
            let chips: Vec<Span> = p
                .stages
                .iter()
                .map(|st| {
                    let style = st.status.as_ref().map_or(theme.dim, |x| {
                        theme.severity(crate::model::status::Status::severity(x))
                    });
                    Span::styled(format!("[{}] ", st.name), style)
                })
                .collect();
            let latest = p.latest_execution();
            let cells = vec![
                Cell::from(p.name.clone()),
                Cell::from(Line::from(
                    latest.map_or_else(|| Span::raw("-"), |e| status_span(&e.status, theme)),
                )),
                Cell::from(Line::from(chips)),
                Cell::from(ago(now, latest.and_then(|e| e.updated.or(e.started)))),
            ];
            super::row_of(app, feed, cells, theme)
        })
        .collect();
    let widths = vec![
        super::fitted(
            rows.iter().map(|e| match &e.row {
                Row::Pipeline { name } => name.chars().count(),
                _ => 0,
            }),
            "pipeline",
            usize::from(area.width) * 3 / 8,
        ),
        Constraint::Length(11),
        Constraint::Fill(1),
        Constraint::Length(12),
    ];
    table(
        frame,
        area,
        app,
        super::List {
            title: titled("Pipelines", rows.len(), app, theme),
            header: vec!["pipeline", "latest", "stages", "updated"],
            widths,
            rows: lines,
            sourced: true,
        },
        theme,
    );
}

pub fn draw_detail(frame: &mut Frame, area: Rect, app: &App, s: &Snapshot, theme: &Theme) {
    let name = app
        .screen()
        .subject
        .as_ref()
        .and_then(Subject::pipeline)
        .unwrap_or_default()
        .to_owned();
    let Some(p) = s.pipeline(&name) else {
        frame.render_widget(
            Paragraph::new(format!("Pipeline {name} is not in the snapshot."))
                .block(Block::bordered()),
            area,
        );
        return;
    };
    let [stages, history] =
        Layout::vertical([Constraint::Fill(2), Constraint::Fill(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(stage_lines(p, app, theme))
            .wrap(Wrap { trim: false })
            .block(super::panel(" Stages ", app, 0, theme).title(super::headed(
                format!(" Pipeline {} ", p.name),
                app,
                theme,
            ))),
        stages,
    );
    let now = app.data_now();
    let lines: Vec<Line> = p
        .executions
        .iter()
        .map(|e| {
            let source = e.source_revisions.first().map_or_else(String::new, |r| {
                format!(
                    "{} {}",
                    r.revision_id.get(..7).unwrap_or(&r.revision_id),
                    r.summary.clone().unwrap_or_default()
                )
            });
            Line::from(vec![
                Span::raw(format!(" {} ", e.id.get(..8).unwrap_or(&e.id))),
                status_span(&e.status, theme),
                Span::raw(format!(
                    "  {}  {}{}",
                    ago(now, e.started),
                    source,
                    if e.rollback { "  (rollback)" } else { "" }
                )),
            ])
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(super::panel(" Executions ", app, 1, theme)),
        history,
    );
}

fn stage_lines(p: &Pipeline, app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let now = app.data_now();
    let waiting = p.waiting_approvals();
    let selected = rows(app).get(app.screen().selected).cloned();
    let mut lines = Vec::new();
    for stage in &p.stages {
        let mut head = vec![Span::styled(format!(" {} ", stage.name), theme.title)];
        if let Some(status) = &stage.status {
            head.push(status_span(status, theme));
        }
        if !stage.inbound_enabled {
            head.push(Span::styled(
                format!(
                    "  transition disabled: {}",
                    stage.disabled_reason.clone().unwrap_or_default()
                ),
                theme.warn,
            ));
        }
        match stage.inbound_execution_ids.len() {
            0 if stage.inbound_execution_id.is_none() => {}
            0 | 1 => head.push(Span::styled("  an execution waits to enter", theme.dim)),
            n => head.push(Span::styled(
                format!("  {n} executions wait to enter, in order"),
                theme.dim,
            )),
        }
        lines.push(Line::from(head));
        for action in &stage.actions {
            let run = action.latest.as_ref();
            let mut spans = vec![Span::raw(format!(
                "   {:<24} {:<16} ",
                action.name, action.provider
            ))];
            if let Some(run) = run {
                spans.push(status_span(&run.status, theme));
                spans.push(Span::raw(format!("  {}", ago(now, run.last_change))));
                if run.token.is_some() {
                    spans.push(Span::styled("  waiting for approval", theme.warn));
                }
                if let Some(id) = &run.external_id {
                    spans.push(Span::styled(format!("  {id}"), theme.dim));
                }
            }
            lines.push(Line::from(spans));
            for w in waiting
                .iter()
                .filter(|w| w.stage == stage.name && w.action == action.name)
            {
                let row = Row::Approval {
                    pipeline: p.name.clone(),
                    stage: w.stage.clone(),
                    action: w.action.clone(),
                    execution: w.execution_id.clone(),
                };
                let style = if selected.as_ref().map(|e| &e.row) == Some(&row) {
                    theme.selected
                } else {
                    theme.warn
                };
                let source = w
                    .execution_id
                    .as_deref()
                    .and_then(|id| p.execution(id))
                    .and_then(|e| e.source_revisions.first())
                    .map_or_else(String::new, |r| format!("  {}", revision(r)));
                let waited = w.since.map_or_else(|| "-".to_owned(), |t| until(t, now));
                lines.push(Line::from(vec![
                    Span::styled(
                        format!(
                            "     waiting {waited}  execution {}",
                            w.execution_id.as_deref().map_or("?", short)
                        ),
                        style,
                    ),
                    Span::styled(source, theme.dim),
                ]));
            }
            if let Some(error) = run.and_then(|r| r.error.as_ref()) {
                lines.push(Line::styled(
                    format!("     {}: {}", error.code, error.message),
                    theme.bad,
                ));
            }
        }
    }
    for failure in &p.failures {
        let detail = failure.error.as_ref().map_or_else(
            || failure.external_summary.clone().unwrap_or_default(),
            |e| e.message.clone(),
        );
        lines.push(Line::styled(
            format!(" ✗ {}/{}: {detail}", failure.stage, failure.action),
            theme.bad,
        ));
    }
    lines
}

//! One file per screen.

pub mod deployment;
pub mod deployments;
pub mod overview;
pub mod pipelines;
pub mod services;
pub mod traffic;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Row as TableRow, Table, TableState};

use crate::app::App;
use crate::model::time::{Timestamp, human_duration};
use crate::ui::theme::Theme;

/// Rows a list shows in `height` terminal rows (header, footer, borders, table header).
pub fn visible_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(5)).max(1)
}

/// The first row shown, so that the selected one is visible; `update` maps clicks with it.
pub fn list_offset(selected: usize, height: u16) -> usize {
    selected.saturating_sub(visible_rows(height) - 1)
}

/// What a list screen shows: its title, column headers and widths, and rows.
pub struct List {
    pub title: String,
    pub header: Vec<&'static str>,
    pub widths: Vec<Constraint>,
    pub rows: Vec<TableRow<'static>>,
}

/// The rows on screen: only these are built and drawn, so a list of thousands costs what a
/// screenful does.
pub fn window<'a, T>(rows: &'a [T], app: &App) -> &'a [T] {
    let start = list_offset(app.screen().selected, app.height).min(rows.len());
    let end = (start + visible_rows(app.height)).min(rows.len());
    &rows[start..end]
}

/// A bordered table with a header and the app's selection; `list.rows` is the [`window`].
pub fn table(frame: &mut Frame, area: Rect, app: &App, list: List, theme: &Theme) {
    let selected = app.screen().selected;
    let relative = selected - list_offset(selected, app.height).min(selected);
    let mut state = TableState::default().with_selected(Some(relative));
    let table = Table::new(list.rows, list.widths)
        .header(TableRow::new(list.header).style(theme.title))
        .row_highlight_style(theme.selected)
        .block(Block::bordered().title(list.title));
    frame.render_stateful_widget(table, area, &mut state);
}

/// `[▒▒▒▒██]` as styled spans, for a bar inside a line of text.
pub fn bar_spans(percent: f64, width: usize, theme: &Theme) -> Vec<Span<'static>> {
    let green = ((percent.clamp(0.0, 100.0) / 100.0) * width as f64).round() as usize;
    vec![
        Span::styled("▒".repeat(width - green), theme.blue),
        Span::styled("█".repeat(green), theme.green),
    ]
}

pub fn ago(now: Timestamp, then: Option<Timestamp>) -> String {
    then.map_or_else(
        || "-".to_owned(),
        |t| format!("{} ago", human_duration(t.seconds_until(now))),
    )
}

pub fn until(now: Timestamp, then: Timestamp) -> String {
    human_duration(now.seconds_until(then))
}

/// `title · filter` for a list's border.
pub fn titled(name: &str, count: usize, app: &App) -> String {
    let filter = &app.screen().filter;
    if filter.is_empty() {
        format!(" {name} ({count}) ")
    } else {
        format!(" {name} ({count}) · /{filter} ")
    }
}

pub fn status_span(status: &str, theme: &Theme) -> Span<'static> {
    Span::styled(status.to_owned(), theme.status(status))
}

pub fn line(spans: Vec<Span<'static>>) -> Line<'static> {
    Line::from(spans)
}

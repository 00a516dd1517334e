//! One file per screen.

pub mod deployment;
pub mod deployments;
pub mod dialog;
pub mod overview;
pub mod pipelines;
pub mod releases;
pub mod service_deployment;
pub mod services;
pub mod traffic;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row as TableRow, Table, TableState};

use crate::app::{App, FeedId};
use crate::model::status::Status;
use crate::model::time::{Timestamp, human_duration};
use crate::ui::theme::Theme;

pub use crate::app::rows::{list_offset, visible_rows};

/// What a list screen shows: its title, column headers and widths, and rows.
pub struct List {
    pub title: Line<'static>,
    pub header: Vec<&'static str>,
    pub widths: Vec<Constraint>,
    pub rows: Vec<TableRow<'static>>,
    /// Whether each row is of one source: then, with several, a first column names it (see
    /// [`row_of`]).
    pub sourced: bool,
}

/// `line` cut to `width` columns, its last visible character an ellipsis when anything was
/// cut: a panel's line never wraps onto the next.
pub fn fit(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut left = width.saturating_sub(1);
    let mut spans = Vec::new();
    for span in line.spans {
        if left == 0 {
            break;
        }
        let text: String = span.content.chars().take(left).collect();
        left -= text.chars().count();
        spans.push(Span::styled(text, span.style));
    }
    spans.push(Span::raw("…"));
    Line::from(spans).style(line.style)
}

/// The first of `forms` (fullest first) that fits in `width` columns, else the last, cut.
pub fn first_fitting(forms: Vec<Line<'static>>, width: usize) -> Line<'static> {
    let mut last = Line::default();
    for form in forms {
        if form.width() <= width {
            return form;
        }
        last = form;
    }
    fit(last, width)
}

/// The rows on screen: only these are built and drawn, so a list of thousands costs what a
/// screenful does.
pub fn window<'a, T>(rows: &'a [T], app: &App) -> &'a [T] {
    let start = list_offset(app.screen().selected, app.list_height()).min(rows.len());
    let end = (start + visible_rows(app.list_height())).min(rows.len());
    &rows[start..end]
}

/// A bordered table with a header and the app's selection; `list.rows` is the [`window`].
/// With several sources, a first column names each row's (see [`row_of`]).
pub fn table(frame: &mut Frame, area: Rect, app: &App, list: List, theme: &Theme) {
    let selected = app.screen().selected;
    let relative = selected - list_offset(selected, app.list_height()).min(selected);
    let mut state = TableState::default().with_selected(Some(relative));
    let (mut header, mut widths) = (list.header, list.widths);
    if app.several() && list.sourced {
        header.insert(0, "source");
        widths.insert(0, Constraint::Length(source_width(app)));
    }
    let table = Table::new(list.rows, widths)
        .header(TableRow::new(header).style(theme.title))
        .row_highlight_style(theme.selected)
        .block(Block::bordered().title(list.title));
    frame.render_stateful_widget(table, area, &mut state);
}

/// A column as wide as the widest of `widths` (characters) and its header, within `min` and
/// `max`: names are shown whole when the terminal has room, and never take it all.
pub fn fitted(widths: impl Iterator<Item = usize>, header: &str, max: usize) -> Constraint {
    let widest = widths.max().unwrap_or(0).max(header.chars().count());
    Constraint::Length(u16::try_from(widest.min(max)).unwrap_or(u16::MAX))
}

/// A table row of source `feed`: its cells, after the source's name when there are several.
pub fn row_of(
    app: &App,
    feed: FeedId,
    mut cells: Vec<Cell<'static>>,
    theme: &Theme,
) -> TableRow<'static> {
    if app.several() {
        cells.insert(0, Cell::from(Line::from(source_span(app, feed, theme))));
    }
    TableRow::new(cells)
}

/// The width of the source column: the longest source name, within reason.
fn source_width(app: &App) -> u16 {
    let longest = app
        .feeds
        .iter()
        .map(|f| f.origin.label.chars().count())
        .max()
        .unwrap_or(0);
    u16::try_from(longest.clamp("source".len(), 24)).unwrap_or(24)
}

/// Source `feed`'s name: in its profile's colour when it has one, else in the protected
/// style when actions there need the name typed. Without colours (`NO_COLOR`), a protected
/// source is still bold and underlined.
pub fn source_span(app: &App, feed: FeedId, theme: &Theme) -> Span<'static> {
    let origin = &app.feed(feed).origin;
    let label = origin.label.clone();
    let colour = origin
        .colour
        .as_deref()
        .filter(|_| !app.context.no_color)
        .and_then(|c| c.parse::<ratatui::style::Color>().ok());
    let protected = app.protects(feed);
    match (colour, protected) {
        (Some(c), true) => Span::styled(label, theme.protected.fg(c)),
        (Some(c), false) => Span::styled(
            label,
            ratatui::style::Style::new()
                .fg(c)
                .add_modifier(ratatui::style::Modifier::BOLD),
        ),
        (None, true) => Span::styled(label, theme.protected),
        (None, false) => Span::raw(label),
    }
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

/// A list's border title: name, count, filter, how old the data is, and the error of a
/// refresh that failed (the last data stays on screen).
pub fn titled(name: &str, count: usize, app: &App, theme: &Theme) -> Line<'static> {
    let filter = &app.screen().filter;
    let mut spans = vec![Span::styled(format!(" {name} ({count}) "), theme.title)];
    if !filter.is_empty() {
        spans.push(Span::styled(format!("/{filter} "), theme.warn));
    }
    if let Some(sort) = app.screen().sort {
        let way = if sort.descending { "↓" } else { "↑" };
        spans.push(Span::styled(
            format!("· by {} {way} ", sort.by.name()),
            theme.dim,
        ));
    }
    spans.extend(freshness(app, theme));
    Line::from(spans)
}

/// `as of 09:41:07`, and whether the last refresh failed: how old the data is when it
/// brought none, or that it read only part. The line under the header says why. A detail
/// screen speaks of its source; a list of several sources of the oldest, and of each that
/// failed by name.
pub fn freshness(app: &App, theme: &Theme) -> Vec<Span<'static>> {
    let feeds: Vec<FeedId> = if app.screen().view.is_list() {
        (0..app.feeds.len()).collect()
    } else {
        vec![app.screen().feed]
    };
    let mut spans = Vec::new();
    if let Some(oldest) = feeds
        .iter()
        .filter_map(|f| app.snapshot(*f))
        .map(|s| s.taken_at)
        .min()
    {
        let time = oldest.rfc3339();
        spans.push(Span::styled(
            format!("· as of {} ", time.get(11..19).unwrap_or(&time)),
            theme.dim,
        ));
    }
    for id in feeds {
        let sync = &app.feed(id).sync;
        if sync.error().is_none() {
            continue;
        }
        let text = match sync.stale(app.now) {
            Some(age) => format!("stale {} · refresh failed ", human_duration(age as i64)),
            None => "refresh read in part ".to_owned(),
        };
        let name = if app.several() {
            format!("{} ", app.feed(id).origin.label)
        } else {
            String::new()
        };
        spans.push(Span::styled(format!("· {name}{text}"), theme.bad));
    }
    spans
}

/// A detail screen's title with the data's freshness.
/// With several sources, the source's name comes first.
pub fn headed(title: String, app: &App, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    if app.several() {
        spans.push(Span::raw(" "));
        spans.push(source_span(app, app.screen().feed, theme));
    }
    spans.push(Span::styled(title, theme.title));
    spans.extend(freshness(app, theme));
    Line::from(spans)
}

/// A panel of a detail screen; the one `tab` has moved to is drawn in the heading style.
pub fn panel(title: &'static str, app: &App, index: usize, theme: &Theme) -> Block<'static> {
    let block = Block::bordered().title(title);
    if app.screen().panel == index {
        block.border_style(theme.heading)
    } else {
        block
    }
}

pub fn status_span(status: &impl Status, theme: &Theme) -> Span<'static> {
    Span::styled(status.text().to_owned(), theme.severity(status.severity()))
}

pub fn line(spans: Vec<Span<'static>>) -> Line<'static> {
    Line::from(spans)
}

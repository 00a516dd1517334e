//! The notification area: the newest notice not yet read, on a line under the header, and
//! the list `N` opens, newest first. Drawn from [`crate::app::alerts`]; it must not mark
//! anything read.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::App;
use crate::app::alerts::Notice;
use crate::ui::theme::Theme;

/// The line under the header while a notice waits to be read.
pub fn line(app: &App, theme: &Theme) -> Option<Line<'static>> {
    let newest = app.alerts.newest_unread()?;
    let mut spans = vec![Span::styled(" ● ", style(newest, theme))];
    spans.push(Span::styled(format!("{} ", clock(newest)), theme.dim));
    spans.push(Span::raw(newest.event.message.clone()));
    let more = app.alerts.unread.saturating_sub(1);
    let tail = if more > 0 {
        format!("  +{more} more · N lists")
    } else {
        "  · N lists".to_owned()
    };
    spans.push(Span::styled(tail, theme.dim));
    Some(Line::from(spans))
}

/// The list of notices, newest first, over the body.
pub fn draw_list(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut lines: Vec<Line> = app
        .alerts
        .notices
        .iter()
        .rev()
        .map(|n| {
            Line::from(vec![
                Span::styled(" ● ", style(n, theme)),
                Span::styled(format!("{} ", clock(n)), theme.dim),
                Span::raw(n.event.message.clone()),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::raw(
            " Nothing yet: a gate waiting, a deployment failing or rolling back, a pause or a \
             Ready wait, a source losing its credentials will show here.",
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(" any key closes", theme.dim));
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = super::super::centered(area, area.width.saturating_sub(4), height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Notifications ")),
        rect,
    );
}

/// What a person must do is a warning; what went wrong is bad.
fn style(notice: &Notice, theme: &Theme) -> ratatui::style::Style {
    if notice.event.kind.waits() {
        theme.warn
    } else {
        theme.bad
    }
}

/// `HH:MM:SS` of the event, by AWS's clock (UTC).
fn clock(notice: &Notice) -> String {
    let at = notice.event.at.rfc3339();
    at.get(11..19).unwrap_or(&at).to_owned()
}

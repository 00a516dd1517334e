//! Drawing: a pure function of `&App`. The header (profile, account, region, demo or live,
//! read-only, last refresh, services slowed by throttling, API errors), the line under it
//! while something is wrong (the fix first), the current screen,
//! the footer with its keys, and the help, palette and filter overlays. It must not change
//! state or wait.

pub mod theme;
pub mod views;
pub mod widgets;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, Paragraph, Wrap};

use crate::app::keymap::{self, BINDINGS};
use crate::app::{App, Mode, View};
use theme::Theme;

pub fn draw(frame: &mut Frame, app: &App) {
    let theme = Theme::new(app.context.no_color);
    let troubles = app.troubles();
    let [header, banner, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(app.trouble_lines()),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(
        Paragraph::new(header_line(app, &theme)).style(theme.header),
        header,
    );
    let notice = widgets::notices::line(app, &theme);
    if !troubles.is_empty() || notice.is_some() {
        // One line per source in trouble, each naming its source when there are several;
        // then the newest notification not yet read.
        let mut lines: Vec<Line> = troubles
            .iter()
            .take(3)
            .map(|(feed, gap)| {
                let mut line = widgets::trouble::line(gap, &theme);
                if app.several() {
                    line.spans.insert(1, views::source_span(app, *feed, &theme));
                    line.spans.insert(2, Span::raw(": "));
                }
                line
            })
            .collect();
        lines.extend(notice);
        frame.render_widget(Paragraph::new(lines), banner);
    }
    let screen = app.screen();
    // A release's screen is of every source; the other details of their own.
    let detail = app
        .snapshot(screen.feed)
        .filter(|_| !screen.view.is_list() && screen.view != View::Release);
    match (screen.view, detail) {
        (View::Release, _) if app.has_data() => {
            views::releases::draw_detail(frame, body, app, &theme);
        }
        (View::Releases, _) => views::releases::draw_list(frame, body, app, &theme),
        (_, None) if !app.has_data() || !screen.view.is_list() => {
            let text = match &app.feed(screen.feed).sync.cold().error {
                Some(error) => format!("Cannot read the fleet: {error}"),
                None => "Reading the fleet…".to_owned(),
            };
            frame.render_widget(
                Paragraph::new(app.named(screen.feed, &text))
                    .wrap(Wrap { trim: true })
                    .block(Block::bordered()),
                body,
            );
        }
        (View::Pipeline, Some(s)) => views::pipelines::draw_detail(frame, body, app, s, &theme),
        (View::Deployment, Some(s)) => views::deployment::draw(frame, body, app, s, &theme),
        (View::Pipelines, _) => views::pipelines::draw_list(frame, body, app, &theme),
        (View::Deployments, _) => views::deployments::draw_list(frame, body, app, &theme),
        (View::Services, _) => views::services::draw(frame, body, app, &theme),
        (View::Traffic, _) => views::traffic::draw(frame, body, app, &theme),
        _ => views::overview::draw(frame, body, app, &theme),
    }
    frame.render_widget(Paragraph::new(footer_line(app, &theme)), footer);
    match &app.mode {
        Mode::Help => help(frame, body, &theme, app),
        Mode::Notices => widgets::notices::draw_list(frame, body, app, &theme),
        Mode::Palette { input, selected } => palette(frame, body, app, input, *selected, &theme),
        Mode::Dialog(dialog) => views::dialog::draw(frame, body, dialog, &theme),
        Mode::Normal | Mode::Filter => {}
    }
}

fn header_line(app: &App, theme: &Theme) -> Line<'static> {
    let c = &app.context;
    let mut spans = vec![Span::styled(" cutover ", theme.title)];
    spans.push(Span::raw(if c.demo { "│ DEMO " } else { "│ LIVE " }));
    if app.several() {
        sources_spans(app, theme, &mut spans);
    } else {
        let feed = app.feed(0);
        let profile = if c.demo {
            Some("demo")
        } else {
            feed.origin.source.profile.as_deref()
        };
        if let Some(profile) = profile {
            spans.push(Span::raw(format!("│ {profile} ")));
        }
        spans.push(Span::raw(format!(
            "│ {} │ {} ",
            feed.account().unwrap_or("account ?"),
            feed.origin.source.region
        )));
    }
    if c.read_only || (!app.several() && app.read_only(0)) {
        spans.push(Span::raw("│ READ-ONLY "));
    }
    // A service whose budget throttling slowed, with the rate in force: it says why the data
    // comes more slowly, and that it will come. Before the time of the last refresh, which
    // the screens' titles repeat: on 80 columns the end of the header is cut.
    let mut backing_off = false;
    for (id, feed) in app.feeds.iter().enumerate() {
        for budget in feed.budgets.iter().filter(|b| b.is_backing_off()) {
            backing_off = true;
            spans.push(Span::styled(
                app.named(
                    id,
                    &format!(
                        "│ {} throttled · {} of {} ",
                        budget.api.label(),
                        per_second(budget.current),
                        per_second(budget.configured)
                    ),
                ),
                theme.warn,
            ));
        }
    }
    let updated = app
        .snapshots()
        .map(|(_, s)| s.taken_at)
        .min()
        .map_or_else(|| "never".to_owned(), |t| clock_time(&t.rfc3339()));
    spans.push(Span::raw(format!("│ updated {updated} ")));
    let errors: usize = app.snapshots().map(|(_, s)| s.all_gaps().count()).sum();
    let throttled = app
        .snapshots()
        .any(|(_, s)| s.all_gaps().any(|g| g.kind == "throttled"));
    let failing = app.feeds.iter().any(|f| f.sync.error().is_some());
    if errors > 0 || failing {
        // The budgets name the throttled service when they can.
        let label = if throttled && !backing_off {
            format!("│ THROTTLED · {errors} API errors ")
        } else if errors == 0 {
            "│ refresh failed ".to_owned()
        } else {
            format!("│ {errors} API errors ")
        };
        spans.push(Span::styled(label, theme.bad));
    }
    Line::from(spans)
}

/// Each source by its name and account, a protected one in its style, a read-only one marked
/// `ro`, and one whose last refresh failed marked ✗.
fn sources_spans(app: &App, theme: &Theme, spans: &mut Vec<Span<'static>>) {
    for (id, feed) in app.feeds.iter().enumerate() {
        spans.push(Span::raw("│ "));
        spans.push(views::source_span(app, id, theme));
        if let Some(account) = feed.account() {
            spans.push(Span::raw(format!(" {account}")));
        }
        if app.read_only(id) && !app.context.read_only {
            spans.push(Span::raw(" ro"));
        }
        if feed.trouble(app.now).is_some() {
            spans.push(Span::styled(" ✗", theme.bad));
        }
        spans.push(Span::raw(" "));
    }
}

/// `2/s`, `0.5/s`, `0.35/s`: a rate with the decimals it needs, two at most (a rate
/// configured below 0.01 a second is written in scientific notation).
fn per_second(rate: f64) -> String {
    if rate < 0.01 {
        return format!("{rate:.1e}/s");
    }
    let text = format!("{rate:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}/s")
}

/// `09:41:07` from an RFC 3339 instant.
fn clock_time(rfc3339: &str) -> String {
    rfc3339.get(11..19).unwrap_or(rfc3339).to_owned()
}

fn footer_line(app: &App, theme: &Theme) -> Line<'static> {
    if let Mode::Filter = app.mode {
        return Line::from(vec![
            Span::styled(" / ", theme.key),
            Span::raw(format!("{}▏  enter keep · esc clear", app.screen().filter)),
        ]);
    }
    if let Some(message) = &app.message {
        return Line::from(Span::styled(format!(" {message}"), theme.warn));
    }
    // Help and quit first: on a narrow terminal the end of the line is cut.
    let keys = keymap::footer(app.screen().view, app.all_read_only());
    let mut spans = vec![Span::raw(" ")];
    for (key, what) in keys {
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    if !app.screen().filter.is_empty() {
        spans.push(Span::styled(
            format!("filter: {}", app.screen().filter),
            theme.warn,
        ));
    }
    Line::from(spans)
}

/// A rectangle of `width` × `height` centred in `area`, clipped to it.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Help, drawn from the keymap: moving about on the left, actions on the right (none in
/// read-only mode).
fn help(frame: &mut Frame, area: Rect, theme: &Theme, app: &App) {
    let entry = |keys: &str, what: &str| {
        Line::from(vec![
            Span::styled(format!("{keys:>9}  "), theme.key),
            Span::raw(what.to_owned()),
        ])
    };
    let mut left: Vec<Line> = BINDINGS
        .iter()
        .filter(|b| !b.acts())
        .map(|b| entry(b.label, b.help))
        .collect();
    let mut right: Vec<Line> = Vec::new();
    if app.all_read_only() {
        right.push(Line::styled("read-only: no actions", theme.warn));
    } else {
        right.push(Line::styled("actions", theme.heading));
        right.extend(
            BINDINGS
                .iter()
                .filter(|b| b.acts())
                .map(|b| entry(b.label, b.help)),
        );
    }
    left.push(Line::raw(""));
    left.push(Line::styled(
        format!("{} · any key closes", app.screen().view.title()),
        theme.dim,
    ));
    let height = left.len().max(right.len()) as u16 + 2;
    let rect = centered(area, area.width.min(120), height);
    frame.render_widget(Clear, rect);
    let block = Block::bordered().title(" Help ");
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [keys, actions] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
    frame.render_widget(Paragraph::new(left), keys);
    frame.render_widget(Paragraph::new(right), actions);
}

fn palette(frame: &mut Frame, area: Rect, app: &App, input: &str, selected: usize, theme: &Theme) {
    let matches = crate::app::palette(app, input);
    let height = (matches.len().min(12) as u16 + 3).max(4);
    let rect = Rect {
        height: height.min(area.height),
        ..centered(area, 70, height)
    };
    let rect = Rect {
        y: area.y + 1,
        ..rect
    };
    frame.render_widget(Clear, rect);
    let block = Block::bordered().title(" Jump to ");
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [line, list] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(":", theme.key),
            Span::raw(format!("{input}▏")),
        ])),
        line,
    );
    let items: Vec<ListItem> = matches
        .iter()
        .enumerate()
        .map(|(i, (label, _))| {
            ListItem::new(label.clone()).style(if i == selected {
                theme.selected
            } else {
                theme.dim
            })
        })
        .collect();
    frame.render_widget(List::new(items), list);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::app::{Context, Intervals};
    use crate::model::budget::{Api, BudgetState};

    fn header(budgets: Vec<BudgetState>) -> Line<'static> {
        let mut app = App::new(Context::default(), Intervals::default());
        app.feeds[0].budgets = budgets;
        header_line(&app, &Theme::new(false))
    }

    fn at_full_rate(api: Api, rate: f64) -> BudgetState {
        BudgetState {
            api,
            configured: rate,
            current: rate,
            backing_off: None,
        }
    }

    #[test]
    fn the_header_names_a_service_backing_off_and_the_rate_in_force() {
        let line = header(vec![
            at_full_rate(Api::Ecs, 10.0),
            BudgetState {
                api: Api::Elb,
                configured: 2.0,
                current: 0.5,
                backing_off: Some(Duration::from_secs(40)),
            },
        ]);
        let span = line
            .spans
            .iter()
            .find(|s| s.content.contains("throttled"))
            .expect("a throttled service");
        assert_eq!(span.content, "│ ELB throttled · 0.5/s of 2/s ");
        assert_eq!(span.style, Theme::new(false).warn);
        assert_eq!(
            line.spans
                .iter()
                .filter(|s| s.content.contains("ECS"))
                .count(),
            0,
            "a service at its rate goes unsaid"
        );
    }

    #[test]
    fn at_the_configured_rates_the_header_says_nothing_of_budgets() {
        let line = header(Api::ALL.map(|api| at_full_rate(api, 5.0)).to_vec());
        assert!(
            line.spans.iter().all(|s| !s.content.contains("throttled")),
            "{line:?}"
        );
    }

    #[test]
    fn rates_read_with_the_decimals_they_need() {
        assert_eq!(per_second(2.0), "2/s");
        assert_eq!(per_second(0.5), "0.5/s");
        assert_eq!(per_second(0.35), "0.35/s");
        assert_eq!(per_second(1.400_000_000_1), "1.4/s");
        assert_eq!(per_second(0.001), "1.0e-3/s");
    }
}

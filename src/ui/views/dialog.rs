//! The action dialog: the input it asks for, the evidence read fresh, the confirmation (focus
//! on "no"; the target's name typed for dangerous actions), sending, and the result.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::actions::{Ask, Dialog, Step};
use crate::ops::{Confirm, Ended};
use crate::ui::centered;
use crate::ui::theme::Theme;

/// The dialog's width at most, in columns.
const DIALOG_WIDTH: u16 = 90;

pub fn draw(frame: &mut Frame, area: Rect, dialog: &Dialog, theme: &Theme) {
    let lines = step_lines(dialog, theme);
    // Long lines wrap: the box is as tall as the wrapped text, so that the last lines (the
    // result, "any key closes") are never cut off.
    let inner = usize::from(DIALOG_WIDTH.min(area.width).saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            wrapped_rows(&text, inner)
        })
        .sum();
    let height = (u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2)).min(area.height);
    let rect = centered(area, DIALOG_WIDTH, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(format!(" {} ", dialog.title))
                .border_style(theme.heading),
        ),
        rect,
    );
}

/// What the dialog shows at its current step.
fn step_lines(dialog: &Dialog, theme: &Theme) -> Vec<Line<'static>> {
    match &dialog.step {
        Step::Input { text, error } => {
            input_lines(dialog.ask.as_ref(), text, error.as_deref(), theme)
        }
        Step::Preparing => vec![Line::raw("Reading the current state…")],
        Step::Confirm {
            plans,
            places,
            problems,
            needs,
            typed,
            yes,
        } => {
            let mut lines = Vec::new();
            for (i, (_, plan)) in plans.iter().enumerate() {
                // With several sources, each plan under the name of the one it goes to.
                if let Some(place) = places.get(i)
                    && places.get(i.wrapping_sub(1)) != Some(place)
                {
                    lines.push(Line::styled(format!("in {place}:"), theme.title));
                }
                for line in &plan.summary {
                    lines.push(Line::raw(line.clone()));
                }
            }
            for problem in problems {
                lines.push(Line::styled(format!("✗ {problem}"), theme.bad));
            }
            lines.push(Line::raw(""));
            if plans.is_empty() {
                lines.push(Line::styled(
                    "Nothing can be sent. enter or esc closes.",
                    theme.warn,
                ));
            } else {
                lines.extend(confirm_lines(needs, typed, *yes, theme));
            }
            lines
        }
        Step::Running { notes } => {
            let mut lines = vec![Line::styled("Sent; waiting for the answer…", theme.warn)];
            for note in notes {
                lines.push(Line::styled(note.clone(), theme.warn));
            }
            lines
        }
        Step::Done { results } => {
            let mut lines: Vec<Line<'static>> = results
                .iter()
                .map(|(target, ended)| match ended {
                    Ended::Done(message) => Line::styled(format!("✓ {message}"), theme.ok),
                    Ended::Failed(error) => Line::styled(format!("✗ {target}: {error}"), theme.bad),
                    Ended::Unknown(found) => {
                        Line::styled(format!("? {target}: {found}"), theme.warn)
                    }
                })
                .collect();
            lines.push(Line::styled("any key closes", theme.dim));
            lines
        }
    }
}

/// The input step: what the input is for (the gates to approve, the rules to weigh), the
/// prompt, the text typed so far and why it was refused.
fn input_lines(
    ask: Option<&Ask>,
    text: &str,
    error: Option<&str>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let prompt = ask.map_or("", |ask| ask.prompt);
    if let Some(ask) = ask {
        // What the input goes to: every line, or the one chosen with tab.
        for (i, label) in ask.labels.iter().enumerate() {
            let style = match ask.chosen {
                Some((chosen, _)) if chosen == i => theme.selected,
                Some(_) => theme.dim,
                None => ratatui::style::Style::default(),
            };
            lines.push(Line::styled(label.clone(), style));
        }
        if let Some((_, noun)) = ask.chosen.filter(|_| ask.labels.len() > 1) {
            lines.push(Line::styled(format!("tab: the next {noun}"), theme.dim));
        }
    }
    lines.push(Line::raw(prompt));
    lines.push(Line::from(vec![
        Span::styled("> ", theme.key),
        Span::raw(format!("{text}▏")),
    ]));
    if let Some(error) = error {
        lines.push(Line::styled(error.to_owned(), theme.bad));
    }
    lines.push(Line::styled("enter continue · esc cancel", theme.dim));
    lines
}

/// The confirmation: the target's name to type, or the no/yes choice (focus on "no").
fn confirm_lines(needs: &Confirm, typed: &str, yes: bool, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    match needs {
        Confirm::Typed(name) => {
            lines.push(Line::from(vec![
                Span::raw("Type "),
                Span::styled(name.clone(), theme.title),
                Span::raw(" to confirm:"),
            ]));
            let style = if typed == name { theme.ok } else { theme.warn };
            lines.push(Line::from(vec![
                Span::styled("> ", theme.key),
                Span::styled(format!("{typed}▏"), style),
            ]));
        }
        Confirm::Plain => {
            let (no, go) = if yes {
                (theme.dim, theme.selected)
            } else {
                (theme.selected, theme.dim)
            };
            lines.push(Line::from(vec![
                Span::styled("[ no ]", no),
                Span::raw("  "),
                Span::styled("[ yes ]", go),
            ]));
        }
    }
    lines.push(Line::styled(
        "enter confirm · ←/→ choose · esc cancel",
        theme.dim,
    ));
    lines
}

/// How many rows `text` takes when wrapped at word boundaries to `width` columns, as the
/// paragraph wraps it (a word longer than a row is cut across rows).
fn wrapped_rows(text: &str, width: usize) -> usize {
    let mut rows = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let len = word.chars().count();
        let needed = if used == 0 { len } else { used + 1 + len };
        if needed <= width {
            used = needed;
        } else if len <= width {
            rows += 1;
            used = len;
        } else {
            // Starts a row of its own and runs across as many as it needs.
            rows += usize::from(used > 0) + (len - 1) / width;
            used = (len - 1) % width + 1;
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::wrapped_rows;

    #[test]
    fn wrapped_rows_counts_word_wrapping_not_characters() {
        assert_eq!(wrapped_rows("", 10), 1);
        assert_eq!(wrapped_rows("abc def", 7), 1);
        assert_eq!(wrapped_rows("abc defg", 7), 2);
        // 15 characters fit two rows of 8 by count, but the words need three.
        assert_eq!(wrapped_rows("aaaaa bbbbb ccc", 8), 3);
        assert_eq!(wrapped_rows("a bbbbbbbbbbbbbbbbbbbb", 8), 4);
    }
}

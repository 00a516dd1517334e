//! The action dialog: the input it asks for, the evidence read fresh, the confirmation (focus
//! on "no"; the target's name typed for dangerous actions), sending, and the result.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::actions::{Ask, Dialog, Step};
use crate::app::gates::short;
use crate::ops::{Confirm, Ended};
use crate::ui::centered;
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, dialog: &Dialog, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    match &dialog.step {
        Step::Input { text, error } => {
            let prompt = match &dialog.ask {
                Ask::Comment { .. } => "Comment (at most 512 characters):",
                Ask::Count { .. } => "New desired count:",
                Ask::Weights { .. } => "Weights, as TARGET_GROUP=WEIGHT separated by spaces:",
                Ask::Nothing => "",
            };
            if let Ask::Comment { gates, .. } = &dialog.ask {
                for gate in gates {
                    let at = match (&gate.stage, &gate.action) {
                        (Some(stage), Some(action)) => format!(" {stage}/{action}"),
                        _ => String::new(),
                    };
                    let execution = gate
                        .execution
                        .as_deref()
                        .map_or_else(String::new, |id| format!(" · execution {}", short(id)));
                    lines.push(Line::raw(format!(" · {}{at}{execution}", gate.pipeline)));
                }
            }
            if let Ask::Weights { choices, chosen } = &dialog.ask {
                for (i, (_, label)) in choices.iter().enumerate() {
                    let style = if i == *chosen {
                        theme.selected
                    } else {
                        theme.dim
                    };
                    lines.push(Line::styled(format!(" rule {label}"), style));
                }
                if choices.len() > 1 {
                    lines.push(Line::styled("tab: the next rule", theme.dim));
                }
            }
            lines.push(Line::raw(prompt));
            lines.push(Line::from(vec![
                Span::styled("> ", theme.key),
                Span::raw(format!("{text}▏")),
            ]));
            if let Some(error) = error {
                lines.push(Line::styled(error.clone(), theme.bad));
            }
            lines.push(Line::styled("enter continue · esc cancel", theme.dim));
        }
        Step::Preparing => lines.push(Line::raw("Reading the current state…")),
        Step::Confirm {
            plans,
            problems,
            needs,
            typed,
            yes,
        } => {
            for plan in plans {
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
                        let (no, go) = if *yes {
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
            }
        }
        Step::Running { notes } => {
            lines.push(Line::styled("Sent; waiting for the answer…", theme.warn));
            for note in notes {
                lines.push(Line::styled(note.clone(), theme.warn));
            }
        }
        Step::Done { results } => {
            for (target, ended) in results {
                lines.push(match ended {
                    Ended::Done(message) => Line::styled(format!("✓ {message}"), theme.ok),
                    Ended::Failed(error) => Line::styled(format!("✗ {target}: {error}"), theme.bad),
                    Ended::Unknown(found) => {
                        Line::styled(format!("? {target}: {found}"), theme.warn)
                    }
                });
            }
            lines.push(Line::styled("any key closes", theme.dim));
        }
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, 90, height);
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

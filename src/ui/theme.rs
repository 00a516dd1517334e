//! Named styles, one place: what "healthy", "failing", "blue" and "green" look like. With
//! `NO_COLOR` every style keeps its modifiers and drops its colour.

use ratatui::style::{Color, Modifier, Style};

use crate::model::status::Severity;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub ok: Style,
    pub warn: Style,
    pub bad: Style,
    pub blue: Style,
    pub green: Style,
    pub dim: Style,
    pub title: Style,
    pub heading: Style,
    pub selected: Style,
    pub header: Style,
    pub key: Style,
    /// A protected source's name, in the header and on its rows: the place to take care.
    pub protected: Style,
}

impl Theme {
    pub fn new(no_color: bool) -> Self {
        let c = |color: Color| {
            if no_color {
                Style::new()
            } else {
                Style::new().fg(color)
            }
        };
        Self {
            ok: c(Color::Green),
            warn: c(Color::Yellow),
            bad: c(Color::Red).add_modifier(Modifier::BOLD),
            blue: c(Color::Blue),
            green: c(Color::Green),
            dim: c(Color::DarkGray),
            title: Style::new().add_modifier(Modifier::BOLD),
            heading: c(Color::Cyan).add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            header: if no_color {
                Style::new().add_modifier(Modifier::BOLD)
            } else {
                Style::new().fg(Color::Black).bg(Color::Cyan)
            },
            key: c(Color::Cyan).add_modifier(Modifier::BOLD),
            protected: c(Color::Magenta).add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        }
    }

    /// The style of a status, from what it means ([`Severity`]), never from its spelling.
    pub fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Good => self.ok,
            Severity::Moving => self.warn,
            Severity::Bad => self.bad,
            Severity::Quiet => self.dim,
        }
    }
}

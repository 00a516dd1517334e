//! Keys, k9s-style: typed actions, one table from which both dispatch and the help screen are
//! drawn, so the two cannot disagree. It must not know what an action does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    NextPanel,
    Filter,
    Palette,
    Help,
    Refresh,
    Quit,
    Overview,
    Pipelines,
    Deployments,
    Services,
    Traffic,
}

/// One binding: keys shown as text, the action, and what the help says.
pub struct Binding {
    pub keys: &'static str,
    pub action: Action,
    pub help: &'static str,
}

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: "↑/k",
        action: Action::Up,
        help: "move up",
    },
    Binding {
        keys: "↓/j",
        action: Action::Down,
        help: "move down",
    },
    Binding {
        keys: "PgUp/PgDn",
        action: Action::PageUp,
        help: "move a page",
    },
    Binding {
        keys: "g/G",
        action: Action::Top,
        help: "first / last row",
    },
    Binding {
        keys: "enter",
        action: Action::Open,
        help: "open the row",
    },
    Binding {
        keys: "esc",
        action: Action::Back,
        help: "back",
    },
    Binding {
        keys: "tab",
        action: Action::NextPanel,
        help: "next panel",
    },
    Binding {
        keys: "/",
        action: Action::Filter,
        help: "filter as you type",
    },
    Binding {
        keys: ":",
        action: Action::Palette,
        help: "jump to a screen or a name",
    },
    Binding {
        keys: "1-5",
        action: Action::Overview,
        help: "the five screens",
    },
    Binding {
        keys: "r",
        action: Action::Refresh,
        help: "refresh now",
    },
    Binding {
        keys: "?",
        action: Action::Help,
        help: "this help",
    },
    Binding {
        keys: "q",
        action: Action::Quit,
        help: "quit",
    },
];

/// The action of a key in normal mode.
pub fn action(key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') => Some(Action::Quit),
            KeyCode::Char('d') => Some(Action::PageDown),
            KeyCode::Char('u') => Some(Action::PageUp),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Enter => Action::Open,
        KeyCode::Esc => Action::Back,
        KeyCode::Tab => Action::NextPanel,
        KeyCode::Char('/') => Action::Filter,
        KeyCode::Char(':') => Action::Palette,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char('r') => Action::Refresh,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('1') => Action::Overview,
        KeyCode::Char('2') => Action::Pipelines,
        KeyCode::Char('3') => Action::Deployments,
        KeyCode::Char('4') => Action::Services,
        KeyCode::Char('5') => Action::Traffic,
        _ => return None,
    })
}

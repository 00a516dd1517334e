//! Keys, k9s-style: one table of bindings from which dispatch, the help screen, the footer,
//! the read-only rule and the tests' key lists are all drawn, so that none of them can
//! disagree with another. An action key names an [`Act`] of the verbs' registry
//! ([`crate::ops::verbs`]); what it does there is the verb's. This module must not know
//! what an action does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::View;
use crate::ops::verbs::Act;

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
    /// Go to a list screen.
    Screen(View),
    /// The notifications: what the refreshes brought that needs a person.
    Notices,
    /// Write the deployment's postmortem report to a file.
    Report,
    /// Mark the row for an action on many.
    Mark,
    /// Sort the list by its next column (`o`), or the other way (`O`).
    Sort,
    Reverse,
    /// An operator action on what is under the cursor.
    Act(Act),
}

impl Action {
    /// Whether it leads to a change in AWS: refused, and absent from the help and the
    /// footer, in read-only mode.
    pub fn acts(self) -> bool {
        matches!(self, Self::Act(_) | Self::Mark)
    }
}

/// A key: its code and whether Ctrl is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn key(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

/// The screens whose footer offers a binding.
#[derive(Debug, Clone, Copy)]
pub enum Screens {
    All,
    /// The list screens ([`View::LISTS`]).
    Lists,
    /// The detail screens: one pipeline or deployment.
    Details,
    Only(&'static [View]),
}

impl Screens {
    pub fn covers(self, view: View) -> bool {
        match self {
            Self::All => true,
            Self::Lists => view.is_list(),
            Self::Details => !view.is_list(),
            Self::Only(views) => views.contains(&view),
        }
    }
}

/// `1`, `2`, …: a number key for each list screen, in order.
const SCREEN_KEYS: [(Key, Action); View::LISTS.len()] = screen_keys();

const fn screen_keys() -> [(Key, Action); View::LISTS.len()] {
    let mut keys = [(key('1'), Action::Quit); View::LISTS.len()];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = (
            key((b'1' + i as u8) as char),
            Action::Screen(View::LISTS[i]),
        );
        i += 1;
    }
    keys
}

/// One line of the help: keys and the actions they ask for, with what the help and the
/// footer say. A key works on every screen (an action on whatever is under the cursor, or
/// it says what to select); `footer` names the screens whose footer offers it.
pub struct Binding {
    pub keys: &'static [(Key, Action)],
    /// The keys as the help shows them.
    pub label: &'static str,
    pub help: &'static str,
    /// The keys and the words the footer shows, on the `footer_on` screens.
    pub footer: Option<(&'static str, &'static str)>,
    pub footer_on: Screens,
    /// Kept at the start of the footer, so that a narrow terminal still shows it.
    pub pinned: bool,
}

impl Binding {
    /// Whether its keys lead to changes: see [`Action::acts`].
    pub fn acts(&self) -> bool {
        self.keys.iter().any(|(_, action)| action.acts())
    }
}

const fn moving(
    keys: &'static [(Key, Action)],
    label: &'static str,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        label,
        help,
        footer: None,
        footer_on: Screens::Only(&[]),
        pinned: false,
    }
}

const fn shown(
    keys: &'static [(Key, Action)],
    (label, help): (&'static str, &'static str),
    footer: (&'static str, &'static str),
    footer_on: Screens,
) -> Binding {
    Binding {
        keys,
        label,
        help,
        footer: Some(footer),
        footer_on,
        pinned: false,
    }
}

/// The deployment screens, where the deployment verbs are offered.
const DEPLOYMENTS: &[View] = &[View::Deployments, View::Deployment];
/// The pipeline screens.
const PIPELINES: &[View] = &[View::Pipelines, View::Pipeline];

pub const BINDINGS: &[Binding] = &[
    shown(
        &[(code(KeyCode::Up), Action::Up), (key('k'), Action::Up)],
        ("↑/k", "move up"),
        ("↑↓", "move"),
        Screens::Lists,
    ),
    moving(
        &[
            (code(KeyCode::Down), Action::Down),
            (key('j'), Action::Down),
        ],
        "↓/j",
        "move down",
    ),
    moving(
        &[
            (code(KeyCode::PageUp), Action::PageUp),
            (code(KeyCode::PageDown), Action::PageDown),
            (ctrl('u'), Action::PageUp),
            (ctrl('d'), Action::PageDown),
        ],
        "PgUp/PgDn",
        "move a page",
    ),
    moving(
        &[
            (code(KeyCode::Home), Action::Top),
            (key('g'), Action::Top),
            (code(KeyCode::End), Action::Bottom),
            (key('G'), Action::Bottom),
        ],
        "g/G",
        "first / last row",
    ),
    shown(
        &[(code(KeyCode::Enter), Action::Open)],
        ("enter", "open the row"),
        ("enter", "open"),
        Screens::Lists,
    ),
    shown(
        &[(code(KeyCode::Esc), Action::Back)],
        ("esc", "back"),
        ("esc", "back"),
        Screens::Details,
    ),
    shown(
        &[(code(KeyCode::Tab), Action::NextPanel)],
        ("tab", "next panel"),
        ("tab", "panel"),
        Screens::Details,
    ),
    shown(
        &[(key('/'), Action::Filter)],
        ("/", "filter as you type"),
        ("/", "filter"),
        Screens::Lists,
    ),
    shown(
        &[(key(':'), Action::Palette)],
        (":", "jump to a screen or a name"),
        (":", "jump"),
        Screens::All,
    ),
    shown(
        &[(key('o'), Action::Sort), (key('O'), Action::Reverse)],
        ("o / O", "sort by the next column / reverse"),
        ("o", "sort"),
        Screens::Only(&[
            View::Pipelines,
            View::Deployments,
            View::Services,
            View::Traffic,
        ]),
    ),
    shown(
        &SCREEN_KEYS,
        ("1-6", "the six screens"),
        ("1-6", "screens"),
        Screens::Lists,
    ),
    shown(
        &[(key('P'), Action::Report)],
        ("P", "the deployment's report"),
        ("P", "report"),
        Screens::Only(&[View::Deployment]),
    ),
    shown(
        &[(key('N'), Action::Notices)],
        ("N", "notifications, newest first"),
        ("N", "notices"),
        Screens::Only(&[View::Overview]),
    ),
    shown(
        &[(key('r'), Action::Refresh)],
        ("r", "refresh now"),
        ("r", "refresh"),
        Screens::All,
    ),
    Binding {
        pinned: true,
        ..shown(
            &[(key('?'), Action::Help)],
            ("?", "this help"),
            ("?", "help"),
            Screens::All,
        )
    },
    Binding {
        pinned: true,
        ..shown(
            &[(key('q'), Action::Quit), (ctrl('c'), Action::Quit)],
            ("q", "quit"),
            ("q", "quit"),
            Screens::All,
        )
    },
    // The actions.
    shown(
        &[
            (key('a'), Action::Act(Act::Approve)),
            (key('x'), Action::Act(Act::Reject)),
        ],
        ("a / x", "approve / reject; at a pause: go on / roll back"),
        ("a/x", "approve/reject"),
        Screens::Only(&[
            View::Overview,
            View::Pipelines,
            View::Pipeline,
            View::Deployment,
            View::Release,
        ]),
    ),
    shown(
        &[(key(' '), Action::Mark)],
        ("space", "mark for many"),
        ("space", "mark"),
        Screens::Only(&[View::Overview]),
    ),
    shown(
        &[(key('R'), Action::Act(Act::Reroute))],
        ("R", "reroute now (Ready)"),
        ("R", "reroute"),
        Screens::Only(DEPLOYMENTS),
    ),
    shown(
        &[(key('F'), Action::Act(Act::Finish))],
        ("F", "finish now: drop blue"),
        ("F", "finish"),
        Screens::Only(DEPLOYMENTS),
    ),
    shown(
        &[(key('B'), Action::Act(Act::Rollback))],
        ("B", "stop and roll back"),
        ("B", "roll back"),
        Screens::Only(&[
            View::Overview,
            View::Deployments,
            View::Deployment,
            View::Release,
        ]),
    ),
    shown(
        &[(key('D'), Action::Act(Act::Redeploy))],
        ("D", "redeploy last success"),
        ("D", "redeploy"),
        Screens::Only(DEPLOYMENTS),
    ),
    shown(
        &[(key('s'), Action::Act(Act::Scale))],
        ("s", "scale the service"),
        ("s", "scale"),
        Screens::Only(&[View::Deployments, View::Deployment, View::Services]),
    ),
    shown(
        &[(key('w'), Action::Act(Act::Weights))],
        ("w", "shift rule weights"),
        ("w", "weights"),
        Screens::Only(&[View::Traffic]),
    ),
    shown(
        &[
            (key('t'), Action::Act(Act::Retry)),
            (key('T'), Action::Act(Act::RetryAll)),
        ],
        ("t / T", "retry failed / all actions"),
        ("t/T", "retry"),
        Screens::Only(PIPELINES),
    ),
    shown(
        &[
            (key('S'), Action::Act(Act::StopWait)),
            (key('A'), Action::Act(Act::StopAbandon)),
        ],
        ("S / A", "stop: wait / abandon"),
        ("S/A", "stop"),
        Screens::Only(PIPELINES),
    ),
    shown(
        &[(key('n'), Action::Act(Act::Start))],
        ("n", "start the pipeline"),
        ("n", "start"),
        Screens::Only(PIPELINES),
    ),
    shown(
        &[(key('b'), Action::Act(Act::RollbackStage))],
        ("b", "roll the deploy stage back"),
        ("b", "roll back stage"),
        Screens::Only(PIPELINES),
    ),
];

/// The action of a key in normal mode.
pub fn action(event: KeyEvent) -> Option<Action> {
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    BINDINGS
        .iter()
        .flat_map(|b| b.keys)
        .find(|(k, _)| k.code == event.code && k.ctrl == ctrl)
        .map(|(_, action)| *action)
}

/// The footer of `view`: `(keys, words)`, pinned first, then the actions (none in read-only
/// mode), then the rest, in the table's order.
pub fn footer(view: View, read_only: bool) -> Vec<(&'static str, &'static str)> {
    let offered = |b: &&Binding| b.footer_on.covers(view) && !(read_only && b.acts());
    let pinned = BINDINGS.iter().filter(|b| b.pinned);
    let actions = BINDINGS.iter().filter(|b| !b.pinned && b.acts());
    let rest = BINDINGS.iter().filter(|b| !b.pinned && !b.acts());
    pinned
        .chain(actions)
        .chain(rest)
        .filter(offered)
        .filter_map(|b| b.footer)
        .collect()
}

/// Every key that starts an action, for the tests that press them all.
pub fn action_keys() -> Vec<KeyCode> {
    BINDINGS
        .iter()
        .flat_map(|b| b.keys)
        .filter(|(_, action)| action.acts())
        .map(|(k, _)| k.code)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::verbs::Act;

    #[test]
    fn no_key_is_bound_twice() {
        let keys: Vec<Key> = BINDINGS
            .iter()
            .flat_map(|b| b.keys)
            .map(|(k, _)| *k)
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(k), "{k:?} is bound twice");
        }
    }

    #[test]
    fn every_act_of_the_registry_has_a_key() {
        for act in Act::ALL {
            assert!(
                BINDINGS
                    .iter()
                    .flat_map(|b| b.keys)
                    .any(|(_, a)| *a == Action::Act(*act)),
                "{act:?} has no key"
            );
        }
    }

    #[test]
    fn every_list_screen_has_a_number_and_the_label_counts_them() {
        let screens: Vec<View> = BINDINGS
            .iter()
            .flat_map(|b| b.keys)
            .filter_map(|(_, a)| match a {
                Action::Screen(view) => Some(*view),
                _ => None,
            })
            .collect();
        assert_eq!(screens, View::LISTS);
        let label = format!("1-{}", screens.len());
        assert!(BINDINGS.iter().any(|b| b.label == label));
    }

    #[test]
    fn read_only_footers_offer_no_action() {
        for view in [View::Pipeline, View::Deployment]
            .into_iter()
            .chain(View::LISTS)
        {
            let keys: Vec<&str> = footer(view, true).iter().map(|(k, _)| *k).collect();
            for b in BINDINGS.iter().filter(|b| b.acts()) {
                let (shown, _) = b.footer.unwrap_or_default();
                assert!(!keys.contains(&shown), "{shown} offered on {view:?}");
            }
        }
    }
}

//! The console's state and its one entry point, [`update`]: a message in, the state changed,
//! commands out. It never awaits and does no I/O — commands run in the [`runner`] and come
//! back as messages — so everything here is tested without a terminal or a network.

pub mod actions;
pub mod gates;
pub mod keymap;
pub mod rows;
pub mod runner;
mod update;

pub use update::{palette, update};

use crate::aws::hot::HotUpdate;
use crate::model::budget::BudgetState;
use crate::model::observed::Observed;
use crate::model::{DeploymentRef, Gap, Snapshot, Source, Timestamp};
use crate::sync::Scheduler;
pub use crate::sync::{Intervals, Mono};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Overview,
    Pipelines,
    Pipeline,
    Deployments,
    Deployment,
    Services,
    Traffic,
}

impl View {
    /// The list screens, in the order of their number keys (`1`, `2`, …) and of the
    /// palette. The others are detail screens, opened on one pipeline or deployment.
    pub const LISTS: [Self; 5] = [
        Self::Overview,
        Self::Pipelines,
        Self::Deployments,
        Self::Services,
        Self::Traffic,
    ];

    pub fn is_list(self) -> bool {
        Self::LISTS.contains(&self)
    }

    /// The panels `tab` moves between: a deployment's traffic, lifecycle and why; a
    /// pipeline's stages and executions.
    pub fn panels(self) -> usize {
        match self {
            Self::Deployment => 3,
            Self::Pipeline => 2,
            _ => 1,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Overview => "Overview",
            Self::Pipelines => "Pipelines",
            Self::Pipeline => "Pipeline",
            Self::Deployments => "Deployments",
            Self::Deployment => "Deployment",
            Self::Services => "Services",
            Self::Traffic => "Traffic",
        }
    }
}

/// One screen on the navigation stack: what it shows and where its cursor is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    pub view: View,
    /// The pipeline or deployment a detail screen shows.
    pub subject: Option<Subject>,
    pub selected: usize,
    /// The panel `tab` moves between, on screens with several.
    pub panel: usize,
    pub filter: String,
}

impl Screen {
    pub fn new(view: View) -> Self {
        Self {
            view,
            subject: None,
            selected: 0,
            panel: 0,
            filter: String::new(),
        }
    }

    /// The detail screen of a pipeline or a deployment.
    pub fn of(subject: Subject) -> Self {
        let view = match subject {
            Subject::Pipeline(_) => View::Pipeline,
            Subject::Deployment(_) => View::Deployment,
        };
        Self {
            subject: Some(subject),
            ..Self::new(view)
        }
    }
}

/// What the keyboard is typing into.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// `/`: the current screen's filter is being typed.
    Filter,
    /// `:`: the command palette, with what was typed and the highlighted match.
    Palette {
        input: String,
        selected: usize,
    },
    Help,
    /// An action's dialog: input, the fresh-state check, confirmation, sending, the result.
    Dialog(actions::Dialog),
}

/// Where the console runs. Its flags are independent settings from different sources (the
/// command line, the environment, the config file), not a state machine.
#[derive(Debug, Clone, Default)]
#[allow(clippy::struct_excessive_bools)]
pub struct Context {
    /// Where the console reads and acts, as connected (the account comes with the data).
    pub source: Source,
    pub demo: bool,
    pub read_only: bool,
    /// Virtual seconds per real second of the data's clock (the demo's simulator runs fast).
    pub clock_rate: f64,
    /// `NO_COLOR` was set: meaning is carried by text and modifiers alone.
    pub no_color: bool,
    /// The profile is protected in the config file: every action needs the name typed.
    pub protected: bool,
    /// Accounts where every action needs the name typed.
    pub protected_accounts: Vec<String>,
}

impl Context {
    /// The profile the header names: the demo's simulator is reached with none.
    pub fn profile_label(&self) -> Option<&str> {
        if self.demo {
            Some("demo")
        } else {
            self.source.profile.as_deref()
        }
    }

    /// Whether actions against the account in `snapshot` need the target's name typed.
    pub fn protects(&self, snapshot: Option<&Snapshot>) -> bool {
        self.protected
            || snapshot
                .and_then(|s| s.identity.as_ref())
                .is_some_and(|i| self.protected_accounts.contains(&i.account))
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub context: Context,
    /// What to refresh when, and how the last refreshes went.
    pub sync: Scheduler,
    pub snapshot: Option<Snapshot>,
    pub stack: Vec<Screen>,
    pub mode: Mode,
    /// Monotonic now, from the last tick.
    pub now: Mono,
    /// When the snapshot's `taken_at` was true, in monotonic time.
    pub data_at: Mono,
    pub height: u16,
    pub quit: bool,
    /// Something changed since the last draw.
    pub dirty: bool,
    /// When the screen was last drawn (monotonic).
    pub drawn_at: Mono,
    pub message: Option<String>,
    /// Rows marked with space, for actions on many at once: bulk approve takes the
    /// pipelines, bulk rollback the deployments.
    pub marks: std::collections::BTreeSet<Subject>,
    /// When the stages and traffic steps of ECS service deployments were first seen: what
    /// their countdowns are estimated from.
    pub seen: Observed,
    /// The request budget of each AWS service as of the last refresh: the header names those
    /// that throttling slowed.
    pub budgets: Vec<BudgetState>,
    /// The latest hot refresh of each lane that came back while a cold snapshot was read,
    /// with the time it read: folded again into that snapshot when it lands, so that what the
    /// hot refresh read since the snapshot began does not go back to what the snapshot read.
    pub hot_while_cold: Vec<(HotUpdate, Timestamp)>,
}

/// A thing the console shows on its own screen, marks and acts on, by kind. Typed, so that
/// a pipeline named `d-…` is never taken for a deployment id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Pipeline(String),
    Deployment(DeploymentRef),
}

impl Subject {
    /// The pipeline's name or the deployment's id.
    pub fn name(&self) -> &str {
        match self {
            Self::Pipeline(name) => name,
            Self::Deployment(d) => d.id(),
        }
    }

    pub fn pipeline(&self) -> Option<&str> {
        match self {
            Self::Pipeline(name) => Some(name),
            Self::Deployment(_) => None,
        }
    }

    pub fn deployment(&self) -> Option<&DeploymentRef> {
        match self {
            Self::Deployment(d) => Some(d),
            Self::Pipeline(_) => None,
        }
    }
}

/// What happened.
#[derive(Debug)]
pub enum Msg {
    Key(crossterm::event::KeyEvent),
    Mouse(crossterm::event::MouseEvent),
    Resize(u16, u16),
    /// Time passed (monotonic ms).
    Tick(Mono),
    SnapshotTaken {
        at: Mono,
        /// Where it was read, or could not be.
        source: Source,
        result: Result<Box<Snapshot>, crate::aws::AwsError>,
        /// The request budgets as the snapshot left them.
        budgets: Vec<BudgetState>,
    },
    /// The fresh-state check of the actions in the dialog.
    Prepared {
        source: Source,
        results: Vec<Result<crate::ops::prepare::Plan, crate::ops::OpError>>,
    },
    /// What each sent action did: its target and how it ended.
    Executed {
        source: Source,
        results: Vec<(String, crate::ops::Ended)>,
    },
    /// A line from an action still running: its result is unknown and it is read again.
    ActionProgress(String),
    HotRefreshed {
        at: Mono,
        source: Source,
        update: Box<HotUpdate>,
        server_time: Option<Timestamp>,
        /// The request budgets as the refresh left them.
        budgets: Vec<BudgetState>,
    },
}

/// What the runner should do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    TakeSnapshot,
    /// The snapshot a person asked for (`r`, or after an action): nothing reused that a
    /// refresh read a moment ago.
    ReadEverything,
    RefreshHot(Box<crate::aws::hot::HotSet>),
    /// Read what the actions act on again and plan them.
    Prepare(Vec<crate::ops::Op>),
    /// Send confirmed plans, one call each, in order.
    Execute(Vec<crate::ops::prepare::Plan>),
}

impl App {
    pub fn new(context: Context, intervals: Intervals) -> Self {
        Self {
            context,
            sync: Scheduler::new(intervals),
            snapshot: None,
            stack: vec![Screen::new(View::Overview)],
            mode: Mode::Normal,
            now: 0,
            data_at: 0,
            height: 24,
            quit: false,
            dirty: true,
            drawn_at: 0,
            message: None,
            marks: std::collections::BTreeSet::new(),
            seen: Observed::default(),
            budgets: Vec::new(),
            hot_while_cold: Vec::new(),
        }
    }

    pub fn screen(&self) -> &Screen {
        // The stack never empties: `Back` stops at the home screen.
        self.stack.last().unwrap_or(&HOME)
    }

    pub fn screen_mut(&mut self) -> &mut Screen {
        if self.stack.is_empty() {
            self.stack.push(Screen::new(View::Overview));
        }
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    /// What the line under the header says is wrong: why the last refresh failed, else the
    /// last call these credentials were refused lately (what only a person can mend). `None`
    /// when all is well.
    pub fn trouble(&self) -> Option<Gap> {
        match self.sync.error() {
            Some(error) => Some(error.to_gap()),
            None => self.sync.refused(self.now).cloned(),
        }
    }

    /// The terminal rows left to the screens' lists: the line under the header takes one
    /// while there is trouble to tell.
    pub fn list_height(&self) -> u16 {
        self.height
            .saturating_sub(u16::from(self.trouble().is_some()))
    }

    /// The data's "now": the snapshot's time plus what passed since, at the data clock's rate.
    pub fn data_now(&self) -> Timestamp {
        let base = self.snapshot.as_ref().map_or(Timestamp(0), |s| s.taken_at);
        let elapsed =
            self.now.saturating_sub(self.data_at) as f64 * self.context.clock_rate.max(0.0);
        Timestamp(base.0 + elapsed as i64)
    }
}

static HOME: Screen = Screen {
    view: View::Overview,
    subject: None,
    selected: 0,
    panel: 0,
    filter: String::new(),
};

#[cfg(test)]
mod tests;

//! The console's state and its one entry point, [`update`]: a message in, the state changed,
//! commands out. It never awaits and does no I/O — commands run in the [`runner`] and come
//! back as messages — so everything here is tested without a terminal or a network.

pub mod actions;
pub mod alerts;
pub mod feed;
pub mod gates;
pub mod keymap;
pub mod rows;
pub mod runner;
mod update;

pub use update::{palette, update};

pub use feed::{Feed, FeedId, Origin};

use crate::aws::hot::HotUpdate;
use crate::model::budget::BudgetState;
use crate::model::{DeploymentRef, Gap, Snapshot, Timestamp};
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
    Releases,
    Release,
}

impl View {
    /// The list screens, in the order of their number keys (`1`, `2`, …) and of the
    /// palette. The others are detail screens, opened on one pipeline, deployment or release.
    pub const LISTS: [Self; 6] = [
        Self::Overview,
        Self::Pipelines,
        Self::Deployments,
        Self::Services,
        Self::Traffic,
        Self::Releases,
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
            Self::Releases => "Releases",
            Self::Release => "Release",
        }
    }
}

/// One screen on the navigation stack: what it shows and where its cursor is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    pub view: View,
    /// The pipeline or deployment a detail screen shows.
    pub subject: Option<Subject>,
    /// The source its subject lives in.
    pub feed: FeedId,
    pub selected: usize,
    /// The panel `tab` moves between, on screens with several.
    pub panel: usize,
    pub filter: String,
    /// The order a list is sorted in; `None`: its own (newest, or as AWS lists them).
    pub sort: Option<Sort>,
}

/// A list's order: by one of its columns, one way or the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub by: Column,
    pub descending: bool,
}

/// The columns a list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Source,
    Name,
    /// How it stands: the status, or for a service its missing tasks, for a target group
    /// its unhealthy targets.
    State,
    /// When it last changed: the newest first, unless reversed.
    Age,
}

impl Column {
    pub fn name(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Name => "name",
            Self::State => "state",
            Self::Age => "age",
        }
    }
}

impl Screen {
    pub fn new(view: View) -> Self {
        Self {
            view,
            subject: None,
            feed: 0,
            selected: 0,
            panel: 0,
            filter: String::new(),
            sort: None,
        }
    }

    /// The detail screen of a pipeline or a deployment of the source `feed`.
    pub fn of(feed: FeedId, subject: Subject) -> Self {
        let view = match subject {
            Subject::Pipeline(_) => View::Pipeline,
            Subject::Deployment(_) => View::Deployment,
            Subject::Release(_) => View::Release,
        };
        Self {
            subject: Some(subject),
            feed,
            ..Self::new(view)
        }
    }
}

/// What the keyboard is typing into.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "the console holds one mode: boxing the dialog would save nothing"
)]
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
    /// `N`: the notifications, newest first.
    Notices,
    /// An action's dialog: input, the fresh-state check, confirmation, sending, the result.
    Dialog(actions::Dialog),
}

/// How the console runs, whatever the source. Its flags are independent settings from
/// different places (the command line, the environment, the config file), not a state
/// machine. What differs by source is each feed's [`Origin`].
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub demo: bool,
    /// `--read-only`: no source is acted on.
    pub read_only: bool,
    /// Virtual seconds per real second of the data's clock (the demo's simulator runs fast).
    pub clock_rate: f64,
    /// `NO_COLOR` was set: meaning is carried by text and modifiers alone.
    pub no_color: bool,
    /// Accounts where every action needs the name typed.
    pub protected_accounts: Vec<String>,
    /// The releases the config file names (`[[release]]`).
    pub releases: Vec<crate::release::ReleaseDef>,
}

#[derive(Debug, Clone)]
pub struct App {
    pub context: Context,
    /// One per source, in the order they were named; never empty.
    pub feeds: Vec<Feed>,
    pub stack: Vec<Screen>,
    pub mode: Mode,
    /// Monotonic now, from the last tick.
    pub now: Mono,
    pub height: u16,
    pub quit: bool,
    /// Something changed since the last draw.
    pub dirty: bool,
    /// When the screen was last drawn (monotonic).
    pub drawn_at: Mono,
    pub message: Option<String>,
    /// Rows marked with space, for actions on many at once, with their sources: bulk
    /// approve takes the pipelines, bulk rollback the deployments.
    pub marks: std::collections::BTreeSet<(FeedId, Subject)>,
    /// The notification area: what the refreshes brought that needs a person.
    pub alerts: alerts::Alerts,
}

/// A thing the console shows on its own screen, marks and acts on, by kind. Typed, so that
/// a pipeline named `d-…` is never taken for a deployment id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Pipeline(String),
    Deployment(DeploymentRef),
    /// A release, across every source: its screen is of none in particular.
    Release(String),
}

impl Subject {
    /// The pipeline's or release's name, or the deployment's id.
    pub fn name(&self) -> &str {
        match self {
            Self::Pipeline(name) | Self::Release(name) => name,
            Self::Deployment(d) => d.id(),
        }
    }

    pub fn pipeline(&self) -> Option<&str> {
        match self {
            Self::Pipeline(name) => Some(name),
            _ => None,
        }
    }

    pub fn deployment(&self) -> Option<&DeploymentRef> {
        match self {
            Self::Deployment(d) => Some(d),
            _ => None,
        }
    }

    pub fn release(&self) -> Option<&str> {
        match self {
            Self::Release(name) => Some(name),
            _ => None,
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
        /// The source it was read from, or could not be.
        feed: FeedId,
        at: Mono,
        result: Result<Box<Snapshot>, crate::aws::AwsError>,
        /// The request budgets as the snapshot left them.
        budgets: Vec<BudgetState>,
    },
    /// The fresh-state check of the actions in the dialog, each in its source.
    Prepared {
        results: Vec<(
            FeedId,
            Result<crate::ops::prepare::Plan, crate::ops::OpError>,
        )>,
    },
    /// What each sent action did: its target (with its source when there are several) and
    /// how it ended.
    Executed {
        results: Vec<(String, crate::ops::Ended)>,
    },
    /// A line from an action still running: its result is unknown and it is read again.
    ActionProgress(String),
    /// Where a postmortem report was written, or why it was not.
    ReportWritten(Result<std::path::PathBuf, String>),
    HotRefreshed {
        feed: FeedId,
        at: Mono,
        update: Box<HotUpdate>,
        server_time: Option<Timestamp>,
        /// The request budgets as the refresh left them.
        budgets: Vec<BudgetState>,
    },
}

/// What the runner should do, and in which source.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    TakeSnapshot(FeedId),
    /// The snapshot a person asked for (`r`, or after an action): nothing reused that a
    /// refresh read a moment ago.
    ReadEverything(FeedId),
    RefreshHot(FeedId, Box<crate::aws::hot::HotSet>),
    /// Read what the actions act on again, each in its source, and plan them.
    Prepare(Vec<(FeedId, crate::ops::Op)>),
    /// Send confirmed plans, one call each, in order, each to its source.
    Execute(Vec<(FeedId, crate::ops::prepare::Plan)>),
    /// Gather the deployment's postmortem report in its source and write it to a file.
    WriteReport(FeedId, crate::model::DeploymentRef),
}

impl App {
    /// The console on one source: what the tests and the demo use.
    pub fn new(context: Context, intervals: Intervals) -> Self {
        Self::over(context, vec![Origin::default()], intervals)
    }

    /// The console on `source`.
    pub fn on(context: Context, source: crate::model::Source, intervals: Intervals) -> Self {
        Self::over(context, vec![Origin::of(source)], intervals)
    }

    /// The console over `origins`, one feed each (at least one).
    pub fn over(context: Context, origins: Vec<Origin>, intervals: Intervals) -> Self {
        let mut feeds: Vec<Feed> = origins
            .into_iter()
            .map(|o| Feed::new(o, intervals))
            .collect();
        if feeds.is_empty() {
            feeds.push(Feed::new(Origin::default(), intervals));
        }
        Self {
            context,
            feeds,
            stack: vec![Screen::new(View::Overview)],
            mode: Mode::Normal,
            now: 0,
            height: 24,
            quit: false,
            dirty: true,
            drawn_at: 0,
            message: None,
            marks: std::collections::BTreeSet::new(),
            alerts: alerts::Alerts::default(),
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

    /// The feed `id`, or the first when there is no such one.
    pub fn feed(&self, id: FeedId) -> &Feed {
        self.feeds.get(id).unwrap_or(&self.feeds[0])
    }

    /// The snapshot of source `id`, once read.
    pub fn snapshot(&self, id: FeedId) -> Option<&Snapshot> {
        self.feed(id).snapshot.as_ref()
    }

    /// Whether the console reads several sources: then rows and the header name them.
    pub fn several(&self) -> bool {
        self.feeds.len() > 1
    }

    /// Every source's snapshot read so far, with its feed.
    pub fn snapshots(&self) -> impl Iterator<Item = (FeedId, &Snapshot)> {
        self.feeds
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((i, f.snapshot.as_ref()?)))
    }

    /// Whether any source's data arrived yet.
    pub fn has_data(&self) -> bool {
        self.snapshots().next().is_some()
    }

    /// What the line under the header says is wrong, each with the source it is wrong in:
    /// `None` when all is well.
    pub fn troubles(&self) -> Vec<(FeedId, Gap)> {
        self.feeds
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((i, f.trouble(self.now)?)))
            .collect()
    }

    /// The lines under the header that tell trouble: one per source in trouble, three at
    /// most, and the newest notification not yet read.
    pub fn trouble_lines(&self) -> u16 {
        let notice = u16::from(self.alerts.newest_unread().is_some());
        u16::try_from(self.troubles().len().min(3)).unwrap_or(3) + notice
    }

    /// The terminal rows left to the screens' lists: the lines under the header take theirs
    /// while there is trouble to tell.
    pub fn list_height(&self) -> u16 {
        self.height.saturating_sub(self.trouble_lines())
    }

    /// Source `id`'s "now": its snapshot's time plus what passed since, at the data clock's
    /// rate.
    pub fn data_now_of(&self, id: FeedId) -> Timestamp {
        self.feed(id).data_now(self.now, self.context.clock_rate)
    }

    /// The data's "now" on the current screen: its source's.
    pub fn data_now(&self) -> Timestamp {
        self.data_now_of(self.screen().feed)
    }

    /// Whether actions in source `id` are refused: `--read-only`, or its profile is
    /// read-only in the config file.
    pub fn read_only(&self, id: FeedId) -> bool {
        self.context.read_only || self.feed(id).origin.read_only
    }

    /// Whether no source can be acted on: the keys that act are hidden.
    pub fn all_read_only(&self) -> bool {
        (0..self.feeds.len()).all(|i| self.read_only(i))
    }

    /// `text`, after source `id`'s name when the console reads several.
    pub fn named(&self, id: FeedId, text: &str) -> String {
        if self.several() {
            format!("{}: {text}", self.feed(id).origin.label)
        } else {
            text.to_owned()
        }
    }

    /// Every release as the sources read so far show it: the config file's, in its order,
    /// then the pipelines that share a commit (`rev:…`), newest first. A configured one of
    /// the same name wins.
    pub fn releases(&self) -> Vec<crate::release::Release> {
        let read = self.read();
        self.release_defs(&read)
            .iter()
            .map(|def| crate::release::gather(def, &read))
            .collect()
    }

    /// The names of every release, as [`App::releases`] orders them.
    pub fn release_names(&self) -> Vec<String> {
        self.release_defs(&self.read())
            .into_iter()
            .map(|d| d.name)
            .collect()
    }

    fn release_defs(
        &self,
        read: &[(crate::sources::SourceSpec, &Snapshot)],
    ) -> Vec<crate::release::ReleaseDef> {
        let configured = &self.context.releases;
        let groups = crate::release::by_revision(read)
            .into_iter()
            .filter(|g| configured.iter().all(|c| c.name != g.name));
        configured.iter().cloned().chain(groups).collect()
    }

    /// Every snapshot read so far, with its source as releases name it.
    fn read(&self) -> Vec<(crate::sources::SourceSpec, &Snapshot)> {
        self.snapshots()
            .map(|(id, s)| (self.source_spec(id), s))
            .collect()
    }

    /// The release called `name`: the config file's, or a shared commit's.
    /// Only that one is gathered: the release screen asks on every draw and key.
    pub fn release(&self, name: &str) -> Option<crate::release::Release> {
        let read = self.read();
        self.release_defs(&read)
            .into_iter()
            .find(|d| d.name == name)
            .map(|def| crate::release::gather(&def, &read))
    }

    /// The source a release member names (by its source's name).
    pub fn feed_named(&self, name: &str) -> Option<FeedId> {
        self.feeds.iter().position(|f| f.origin.label == name)
    }

    /// Source `id` as releases name it: by its label.
    fn source_spec(&self, id: FeedId) -> crate::sources::SourceSpec {
        let origin = &self.feed(id).origin;
        crate::sources::SourceSpec {
            profile: origin.source.profile.clone(),
            region: Some(origin.source.region.clone()),
            label: Some(origin.label.clone()),
        }
    }

    /// Whether actions in source `id` need the target's name typed.
    pub fn protects(&self, id: FeedId) -> bool {
        self.feed(id).protects(&self.context.protected_accounts)
    }
}

static HOME: Screen = Screen {
    view: View::Overview,
    subject: None,
    feed: 0,
    selected: 0,
    panel: 0,
    filter: String::new(),
    sort: None,
};

#[cfg(test)]
mod tests;

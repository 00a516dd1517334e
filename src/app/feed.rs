//! One source's part of the console: where it reads and acts and under which rules, its
//! refresh scheduler, its latest snapshot and request budgets. The console holds one feed
//! per source (`cutover --profile dev --profile prod`), each refreshed on its own: a source
//! that fails (an expired session, a denied call, an endpoint gone) never holds the others.

use crate::aws::AwsError;
use crate::aws::hot::HotUpdate;
use crate::model::budget::BudgetState;
use crate::model::observed::Observed;
use crate::model::{Gap, Snapshot, Source, Timestamp};
use crate::sync::{Arrived, Intervals, Mono, Scheduler};

/// A feed's place in [`super::App::feeds`]: rows, screens, marks and commands carry it, since
/// the same pipeline name can live in two accounts.
pub type FeedId = usize;

/// Where a feed reads and acts, and the rules it acts under (read-only and protected are per
/// profile).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// As connected; the account comes with the data.
    pub source: Source,
    /// What rows and the header call it: the config file's label, else `profile/region`.
    pub label: String,
    pub read_only: bool,
    /// Every action needs the name typed (the profile is protected in the config file).
    pub protected: bool,
    /// The colour its name is drawn in (`color` of its profile in the config file).
    pub colour: Option<String>,
}

impl Origin {
    /// A source under its own name (`profile/region`), with no rule of its own.
    pub fn of(source: Source) -> Self {
        Self {
            label: source.label(),
            source,
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Feed {
    pub origin: Origin,
    /// What to refresh when, and how the last refreshes went.
    pub sync: Scheduler,
    pub snapshot: Option<Snapshot>,
    /// When the snapshot's `taken_at` was true, in monotonic time.
    pub data_at: Mono,
    /// The request budget of each AWS service as of the last refresh: the header names those
    /// that throttling slowed.
    pub budgets: Vec<BudgetState>,
    /// The latest hot refresh of each lane that came back while a cold snapshot was read,
    /// with the time it read: folded again into that snapshot when it lands, so that what the
    /// hot refresh read since the snapshot began does not go back to what the snapshot read.
    pub hot_while_cold: Vec<(HotUpdate, Timestamp)>,
    /// When the stages and traffic steps of ECS service deployments were first seen: what
    /// their countdowns are estimated from.
    pub seen: Observed,
    /// The events its snapshots brought so far; `None` until the first lands, unless given
    /// (`cutover watch` loads the last run's).
    pub events: Option<crate::model::events::Tracker>,
}

/// What a hot refresh did to a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HotLanded {
    /// Data arrived and was folded in.
    pub arrived: bool,
    /// What is shown changed.
    pub changed: bool,
    /// A call of it failed.
    pub failed: bool,
}

impl Feed {
    pub fn new(origin: Origin, intervals: Intervals) -> Self {
        Self {
            origin,
            sync: Scheduler::new(intervals),
            snapshot: None,
            data_at: 0,
            budgets: Vec::new(),
            hot_while_cold: Vec::new(),
            seen: Observed::default(),
            events: None,
        }
    }

    /// What is wrong with this source: why the last refresh failed, else the last call these
    /// credentials were refused lately (what only a person can mend). `None` when all is well.
    pub fn trouble(&self, now: Mono) -> Option<Gap> {
        match self.sync.error() {
            Some(error) => Some(error.to_gap()),
            None => self.sync.refused(now).cloned(),
        }
    }

    /// The account the data came from, once read.
    pub fn account(&self) -> Option<&str> {
        self.snapshot
            .as_ref()
            .and_then(|s| s.identity.as_ref())
            .map(|i| i.account.as_str())
    }

    /// Whether actions here need the target's name typed: the profile is protected, or the
    /// account is one of `protected_accounts`.
    pub fn protects(&self, protected_accounts: &[String]) -> bool {
        self.origin.protected
            || self
                .account()
                .is_some_and(|a| protected_accounts.iter().any(|p| p == a))
    }

    /// The data's "now": the snapshot's time plus what passed since, at `clock_rate`.
    pub fn data_now(&self, now: Mono, clock_rate: f64) -> Timestamp {
        let base = self.snapshot.as_ref().map_or(Timestamp(0), |s| s.taken_at);
        let elapsed = now.saturating_sub(self.data_at) as f64 * clock_rate.max(0.0);
        Timestamp(base.0 + elapsed as i64)
    }

    /// The budgets a refresh left; whether the header would read differently.
    pub fn budgets_read(&mut self, budgets: Vec<BudgetState>) -> bool {
        let same = self.budgets.len() == budgets.len()
            && self
                .budgets
                .iter()
                .zip(&budgets)
                .all(|(a, b)| a.shows_as(b));
        self.budgets = budgets;
        !same
    }

    /// The cold snapshot came back: it replaces the one held, keeping what it could not read;
    /// or it failed, and the one held stays. Whether a snapshot landed.
    pub fn snapshot_taken(&mut self, at: Mono, result: Result<Box<Snapshot>, AwsError>) -> bool {
        match result {
            Ok(mut snapshot) => {
                if let Some(refused) = snapshot.gaps.iter().find(|g| g.needs_a_person()) {
                    self.sync.saw_refused(at, refused.clone());
                }
                if let Some(previous) = &self.snapshot {
                    snapshot.keep_unread(previous);
                }
                for (update, taken_at) in std::mem::take(&mut self.hot_while_cold) {
                    let taken_at = taken_at.max(snapshot.taken_at);
                    update.apply(&mut snapshot, taken_at);
                }
                self.seen.observe(&snapshot);
                self.snapshot = Some(*snapshot);
                self.data_at = at;
                self.sync.cold_done(at, Ok(()));
                true
            }
            Err(error) => {
                self.hot_while_cold.clear();
                self.sync.cold_done(at, Err(error));
                false
            }
        }
    }

    /// The hot refresh came back: what it read is folded in, unless it read nothing.
    pub fn hot_refreshed(
        &mut self,
        at: Mono,
        update: HotUpdate,
        server_time: Option<Timestamp>,
    ) -> HotLanded {
        let error = update.errors.first().cloned();
        if let Some(refused) = update
            .errors
            .iter()
            .map(AwsError::to_gap)
            .find(Gap::needs_a_person)
        {
            self.sync.saw_refused(at, refused);
        }
        let mut landed = HotLanded {
            arrived: false,
            changed: false,
            failed: error.is_some(),
        };
        let lanes = update.lanes;
        // A refresh that read nothing leaves the data, and its age, as they were.
        if !update.read_nothing()
            && let Some(snapshot) = self.snapshot.as_mut()
        {
            let taken_at = server_time.unwrap_or(snapshot.taken_at);
            if self.sync.cold().in_flight {
                self.hot_while_cold.retain(|(u, _)| u.lanes != lanes);
                self.hot_while_cold.push((update.clone(), taken_at));
            }
            // Unchanged data needs no redraw: a still fleet costs a poll, not a frame.
            landed.changed = update.apply(snapshot, taken_at);
            self.seen.observe(snapshot);
            self.data_at = at;
            landed.arrived = true;
        }
        let arrived = if landed.arrived {
            Arrived::Yes
        } else {
            Arrived::No
        };
        self.sync.hot_done(at, lanes, arrived, error);
        landed
    }
}

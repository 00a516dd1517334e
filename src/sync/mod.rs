//! What to fetch when. The console reads AWS two ways: the cold snapshot, everything, rarely;
//! and the hot refresh, what moves, often. This module decides at each tick which one is due
//! and what is hot ([`heat`]), marks it in flight until `update` says it came back, and keeps
//! when each kind last ran, when data last arrived and why the last one failed.
//!
//! Coalescing: one refresh of each kind at a time. A refresh asked for while one of its kind
//! runs is not sent again; it folds into the one running, whose answer satisfies it. The hot
//! refresh runs in lanes, one per AWS service ([`Lane`]): each is sent when its own last one
//! came back, so a slow or failing service holds up only its own panels; and it runs while a
//! cold snapshot does, which may take a while when budgets pace it.
//!
//! It never does I/O, never renders and never awaits: time comes in as [`Mono`], results as
//! values, so every rule here is tested with plain values. It reads `model` and names the
//! request `aws` reads ([`HotSet`]); it never imports `app` or `ui`.
//!
//! Three rhythms: hot (what moves, every 2 s), warm (what is in flight but waits, every 10 s,
//! read by the same hot refresh when due) and cold (the whole snapshot, every minute); see
//! [`heat`] for what is which. The reads themselves spare what cannot have changed
//! (`aws`'s caches), and every call waits for its service's budget (`aws::budget`).

pub mod heat;

use std::time::Duration;

use crate::aws::AwsError;
use crate::aws::hot::{HotSet, Lane, Lanes};
use crate::model::{Gap, Snapshot};

/// Monotonic time since the console started, in milliseconds: what refresh scheduling uses.
pub type Mono = u64;

/// How often each kind of refresh runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intervals {
    pub hot: Duration,
    pub warm: Duration,
    pub cold: Duration,
}

impl Default for Intervals {
    fn default() -> Self {
        Self {
            hot: Duration::from_secs(2),
            warm: Duration::from_secs(10),
            cold: Duration::from_mins(1),
        }
    }
}

/// Target health of what is in flight is read every this many warm refreshes (30 s): a
/// target's health moves at the pace of its health checks (30 s by default on ELB), and
/// DescribeTargetHealth takes one target group a call from ELB's Describe budget, the
/// account's scarcest.
const HEALTH_EVERY: u32 = 3;

/// A refresh that is due: what the caller sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// The whole snapshot: everything, rarely. It may reuse what the hot refresh read a
    /// moment ago.
    Cold,
    /// The whole snapshot, asked for (`r`, or after an action): everything read again,
    /// nothing reused but what cannot have changed.
    Asked,
    /// What is moving: deployments in flight, running pipelines, often.
    Hot(HotSet),
}

/// What the screen shows, which is kept hot whether or not it moves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OnScreen<'a> {
    /// The deployment whose screen is open.
    pub deployment: Option<&'a str>,
    /// The pipeline whose screen is open.
    pub pipeline: Option<&'a str>,
}

/// Whether a hot refresh's data reached a snapshot (there was one to fold it into).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrived {
    Yes,
    No,
}

/// The state of one kind of refresh.
#[derive(Debug, Clone, Default)]
pub struct RefreshState {
    pub in_flight: bool,
    /// When the last one finished (successfully or not).
    pub last: Option<Mono>,
    /// When data last arrived.
    pub last_ok: Option<Mono>,
    /// Why the last one failed, classified (which call, throttled or denied, the fix).
    pub error: Option<AwsError>,
}

/// The refresh scheduler: the intervals, and the state of the cold and the hot refresh.
/// Only its methods change that state.
#[derive(Debug, Clone, Default)]
pub struct Scheduler {
    intervals: Intervals,
    cold: RefreshState,
    /// The hot refresh's lanes, in [`Lane::ALL`]'s order.
    hot: [RefreshState; 4],
    /// When the last hot refresh that read what is warm was sent.
    warm_sent: Option<Mono>,
    /// Warm refreshes sent since the last that read target health.
    warm_count: u32,
    /// The last call refused for want of a permission, and when it was.
    refused: Option<(Gap, Mono)>,
    /// A snapshot was asked for since the last one was sent.
    asked: bool,
}

/// How long a refused call is told after it was last seen, in cold intervals: the call that
/// meets the refusal may be made only now and then (target health every third warm refresh,
/// a still group's only once its cached health is old), and the refusal must not blink.
const REFUSED_KEPT: u32 = 2;

impl Scheduler {
    pub fn new(intervals: Intervals) -> Self {
        Self {
            intervals,
            ..Self::default()
        }
    }

    /// The refresh due at `now`, marked in flight: the caller sends it. The cold snapshot
    /// first and alone, when there is none yet, it is old, or the last one failed. Else a hot
    /// one, while something moves or is on screen: of each lane whose last one came back at
    /// least the hot interval ago (and the cold snapshot too, which reads what is hot), with
    /// what is warm when the warm interval has passed since the last that read it (or the
    /// cold snapshot). A lane still running when what is warm is read reads its part at the
    /// next warm refresh.
    pub fn due(
        &mut self,
        now: Mono,
        snapshot: Option<&Snapshot>,
        on_screen: OnScreen<'_>,
    ) -> Option<Refresh> {
        // A cold snapshot that failed is asked again at the hot rhythm: it failed whole
        // (nothing could be read, or the credentials are refused), so nothing fresher can
        // come any other way, and the console comes back within one hot interval of AWS
        // answering again. Each call still waits for its service's budget.
        let cold_every = if self.cold.error.is_some() {
            self.intervals.hot
        } else {
            self.intervals.cold
        };
        if !self.cold.in_flight && passed(now, self.cold.last, cold_every) {
            self.cold.in_flight = true;
            return Some(if std::mem::take(&mut self.asked) {
                Refresh::Asked
            } else {
                Refresh::Cold
            });
        }
        let free = Lane::ALL
            .into_iter()
            .filter(|lane| {
                let state = self.lane(*lane);
                !state.in_flight && passed(now, state.last.max(self.cold.last), self.intervals.hot)
            })
            .fold(Lanes::NONE, Lanes::with);
        if free.is_empty() {
            return None;
        }
        let warm = if !passed(now, self.warm_sent.max(self.cold.last), self.intervals.warm) {
            heat::Warm::Left
        } else if self.warm_count % HEALTH_EVERY == HEALTH_EVERY - 1 {
            heat::Warm::WithHealth
        } else {
            heat::Warm::Included
        };
        let set = heat::hot_set(snapshot?, on_screen, warm);
        if set.is_empty() {
            return None;
        }
        let set = set.only(free);
        let lanes = set.lanes();
        if lanes.is_empty() {
            return None;
        }
        if warm >= heat::Warm::Included {
            self.warm_sent = Some(now);
            self.warm_count = self.warm_count.wrapping_add(1);
        }
        for lane in lanes.iter() {
            self.lane_mut(lane).in_flight = true;
        }
        Some(Refresh::Hot(set))
    }

    fn lane(&self, lane: Lane) -> &RefreshState {
        &self.hot[lane as usize]
    }

    fn lane_mut(&mut self, lane: Lane) -> &mut RefreshState {
        &mut self.hot[lane as usize]
    }

    /// The cold snapshot came back at `at`: with data, or with why not.
    pub fn cold_done(&mut self, at: Mono, result: Result<(), AwsError>) {
        self.cold.in_flight = false;
        self.asked = false;
        self.cold.last = Some(at);
        match result {
            Ok(()) => {
                self.cold.last_ok = Some(at);
                self.cold.error = None;
                // The snapshot read again whatever the hot refresh failed to.
                for lane in &mut self.hot {
                    lane.error = None;
                }
            }
            Err(error) => self.cold.error = Some(error),
        }
    }

    /// The hot refresh of `lanes` came back at `at`, its data folded in or not, with the
    /// first of the calls that failed on the way (a hot refresh reads in parts: some may
    /// fail).
    pub fn hot_done(&mut self, at: Mono, lanes: Lanes, arrived: Arrived, error: Option<AwsError>) {
        let mut lanes = lanes.iter().peekable();
        let mut error = error;
        while let Some(lane) = lanes.next() {
            let last = lanes.peek().is_none();
            let state = self.lane_mut(lane);
            state.in_flight = false;
            state.last = Some(at);
            state.error = if last { error.take() } else { error.clone() };
            if arrived == Arrived::Yes {
                state.last_ok = Some(at);
            }
        }
    }

    /// A call refused for want of a permission, seen at `at` (in a snapshot's gaps or a hot
    /// refresh's errors).
    pub fn saw_refused(&mut self, at: Mono, gap: Gap) {
        self.refused = Some((gap, at));
    }

    /// The call last refused for want of a permission, while it was seen recently enough to
    /// hold still.
    pub fn refused(&self, now: Mono) -> Option<&Gap> {
        let kept = self.intervals.cold * REFUSED_KEPT;
        self.refused
            .as_ref()
            .filter(|(_, at)| !passed(now, Some(*at), kept))
            .map(|(gap, _)| gap)
    }

    /// Makes the cold snapshot due at once, reading everything again; while one runs, it
    /// answers the ask.
    pub fn refresh_now(&mut self) {
        self.cold.last = None;
        self.asked = true;
    }

    /// Seconds since data last arrived, of either kind.
    pub fn data_age(&self, now: Mono) -> Option<u64> {
        let last = self.hot().last_ok.max(self.cold.last_ok)?;
        Some(now.saturating_sub(last) / 1000)
    }

    /// Seconds since data last arrived, when the latest refresh failed whole (it brought
    /// nothing) and so did the latest of every hot lane since: how stale the screen is.
    /// `None` while data arrives, whole or in part, by any lane.
    pub fn stale(&self, now: Mono) -> Option<u64> {
        let failed_whole = |r: &RefreshState| r.error.is_some() && r.last_ok != r.last;
        let hot = self.hot.iter().filter(|l| l.last > self.cold.last);
        let failing = if self.hot().last > self.cold.last {
            hot.clone().all(failed_whole) && hot.count() > 0
        } else {
            failed_whole(&self.cold)
        };
        if failing { self.data_age(now) } else { None }
    }

    pub fn cold(&self) -> &RefreshState {
        &self.cold
    }

    /// The hot refresh, its lanes as one: in flight while any is, its times the latest of
    /// any, its error the first lane's that has one.
    pub fn hot(&self) -> RefreshState {
        RefreshState {
            in_flight: self.hot.iter().any(|l| l.in_flight),
            last: self.hot.iter().filter_map(|l| l.last).max(),
            last_ok: self.hot.iter().filter_map(|l| l.last_ok).max(),
            error: self.hot.iter().find_map(|l| l.error.clone()),
        }
    }

    /// Why the last refresh failed: the cold snapshot's error first, then the hot lanes'.
    pub fn error(&self) -> Option<&AwsError> {
        self.cold
            .error
            .as_ref()
            .or_else(|| self.hot.iter().find_map(|l| l.error.as_ref()))
    }
}

/// Whether `every` has passed at `now` since `since` (never: it has).
fn passed(now: Mono, since: Option<Mono>, every: Duration) -> bool {
    since.is_none_or(|l| now.saturating_sub(l) >= every.as_millis() as u64)
}

#[cfg(test)]
mod tests;

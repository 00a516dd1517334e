//! The console's notification area: the events each feed's refreshes bring (a gate starts
//! waiting, a deployment fails or rolls back, a Ready wait or pause hook needs a person, a
//! source loses its credentials), the newest drawn under the header until read, the last
//! ones listed by `n`, and those not yet delivered outside the screen (the bell, a desktop
//! notification, `cutover watch`'s lines) in an outbox. It must not write to the terminal.

use std::collections::VecDeque;

use super::feed::{Feed, FeedId};
use crate::aws::AwsError;
use crate::model::Timestamp;
use crate::model::events::{self, Event, Kind, Tracker};
use crate::sync::Mono;

/// How many notices the list keeps.
const KEPT: usize = 50;

/// One event as the console holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub feed: FeedId,
    pub event: Event,
}

#[derive(Debug, Clone, Default)]
pub struct Alerts {
    /// Oldest first, at most [`KEPT`].
    pub notices: VecDeque<Notice>,
    /// How many of the newest have not been seen in the list.
    pub unread: usize,
    /// Events not yet handed on: taken by [`Alerts::take_outbox`].
    outbox: Vec<Event>,
}

impl Alerts {
    /// The newest notice nobody has opened the list since.
    pub fn newest_unread(&self) -> Option<&Notice> {
        if self.unread == 0 {
            return None;
        }
        self.notices
            .iter()
            .rev()
            .find(|n| n.event.kind != Kind::CredentialsLost)
    }

    /// The list was read.
    pub fn read(&mut self) {
        self.unread = 0;
    }

    /// The events to deliver since the last call, oldest first.
    pub fn take_outbox(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.outbox)
    }

    fn push(&mut self, feed: FeedId, events: Vec<Event>) {
        for event in events {
            self.outbox.push(event.clone());
            // Lost credentials have the banner above, with the fix, for as long as they
            // stay lost: the list keeps them, the line does not repeat them.
            if event.kind != Kind::CredentialsLost {
                self.unread += 1;
            }
            self.notices.push_back(Notice { feed, event });
        }
        while self.notices.len() > KEPT {
            self.notices.pop_front();
        }
        self.unread = self.unread.min(self.notices.len());
    }
}

/// How a feed names itself in its events.
fn origin(feed: &Feed) -> events::Origin {
    events::Origin {
        source: feed.origin.label.clone(),
        account: feed.account().map(str::to_owned),
        region: feed.origin.source.region.clone(),
    }
}

/// The feed's snapshot changed: what is news in it joins the notices. A feed's first snapshot
/// is news only when its tracker was given (`cutover watch`); the console's starts knowing
/// what its screen shows.
pub fn observe(feeds: &mut [Feed], alerts: &mut Alerts, id: FeedId) {
    let Some(feed) = feeds.get_mut(id) else {
        return;
    };
    let origin = origin(feed);
    let Some(snapshot) = &feed.snapshot else {
        return;
    };
    let news = if let Some(tracker) = &mut feed.events {
        tracker.observe(snapshot, &origin)
    } else {
        feed.events = Some(Tracker::known(snapshot));
        Vec::new()
    };
    alerts.push(id, news);
}

/// A refresh of the feed failed with `error` at `at` (the data's clock): lost credentials are
/// news once.
pub fn refresh_failed(
    feeds: &mut [Feed],
    alerts: &mut Alerts,
    id: FeedId,
    error: &AwsError,
    at: Timestamp,
) {
    let Some(feed) = feeds.get_mut(id) else {
        return;
    };
    let origin = origin(feed);
    let gap = error.to_gap();
    let tracker = feed.events.get_or_insert_with(Tracker::default);
    if let Some(event) = tracker.failed(at, &gap.kind, &gap.message, &origin) {
        alerts.push(id, vec![event]);
    }
}

/// When a feed's event with no time of its own happened: the data's clock once a snapshot
/// landed, else the wall clock (the only one there is before any data).
pub fn data_now(feed: &Feed, now: Mono, clock_rate: f64) -> Timestamp {
    if feed.snapshot.is_some() {
        feed.data_now(now, clock_rate)
    } else {
        Timestamp::now()
    }
}

//! Where a deployment is, derived once from its lifecycle events, task sets and config: the
//! phase a person would name, the percent of production on green, and when the next step or
//! the current wait ends. Absolute instants, so the screen computes "time left" at draw time.

use serde::Serialize;

use super::deploy::{Deployment, Routing};
use super::status::{DeploymentStatus, LifecycleStatus, TaskSetLabel};
use super::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Created or queued, not started.
    Queued,
    /// BeforeInstall and Install: the replacement task set is being created.
    Installing,
    /// AfterInstall to AfterAllowTestTraffic: test traffic moves to green and is checked.
    TestTraffic,
    /// Parked in Ready until someone reroutes production (or the wait runs out).
    ReadyWait,
    /// BeforeAllowTraffic: about to move production.
    BeforeTraffic,
    /// AllowTraffic: production moving per the config.
    Shifting,
    /// AfterAllowTraffic: production fully on green, hooks running.
    AfterTraffic,
    /// The original task set is kept for the termination wait.
    TerminationWait,
    /// The wait is over: the original task set is draining and going away.
    RemovingBlue,
    Succeeded,
    Failed,
    Stopped,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Installing => "installing green",
            Self::TestTraffic => "test traffic",
            Self::ReadyWait => "ready: waiting to reroute",
            Self::BeforeTraffic => "before traffic",
            Self::Shifting => "shifting traffic",
            Self::AfterTraffic => "after traffic",
            Self::TerminationWait => "termination wait",
            Self::RemovingBlue => "removing blue",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Stopped => "stopped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub phase: Phase,
    /// Percent of production on the green (replacement) task set.
    pub percent_on_green: f64,
    /// The lifecycle event in progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_event: Option<String>,
    /// When a canary or linear shift takes its next step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_step_at: Option<Timestamp>,
    /// When the Ready wait or the termination wait ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_ends_at: Option<Timestamp>,
}

/// Derives the progress of a deployment at `now`; `routing` is its config's, when known.
pub fn progress(d: &Deployment, routing: Option<Routing>, now: Timestamp) -> Progress {
    // Without its target (not read for a deployment that ended well), a succeeded deployment
    // has all of production on green, any other none.
    let unread = if d.status == DeploymentStatus::Succeeded {
        100.0
    } else {
        0.0
    };
    let percent_on_green = match &d.target {
        Some(_) => d
            .task_set(&TaskSetLabel::Green)
            .map_or(0.0, |s| s.traffic_weight),
        None => unread,
    };
    let current = d.target.as_ref().and_then(|t| {
        t.lifecycle_events
            .iter()
            .find(|e| e.status == LifecycleStatus::InProgress)
    });
    let mut out = Progress {
        phase: Phase::Queued,
        percent_on_green,
        current_event: current.map(|e| e.name.clone()),
        next_step_at: None,
        wait_ends_at: None,
    };
    let ended = |name: &str| d.event(name).and_then(|e| e.end);
    out.phase = match &d.status {
        DeploymentStatus::Succeeded => Phase::Succeeded,
        DeploymentStatus::Failed => Phase::Failed,
        DeploymentStatus::Stopped => Phase::Stopped,
        DeploymentStatus::Created | DeploymentStatus::Queued => Phase::Queued,
        DeploymentStatus::Ready => {
            if d.ready_wait_minutes > 0 {
                out.wait_ends_at = ended("AfterAllowTestTraffic")
                    .map(|t| t.plus_minutes(i64::from(d.ready_wait_minutes)));
            }
            Phase::ReadyWait
        }
        _ if d.termination_wait_started => {
            let ends = ended("AfterAllowTraffic")
                .map(|t| t.plus_minutes(i64::from(d.termination_wait_minutes)));
            if ends.is_some_and(|t| t <= now) {
                Phase::RemovingBlue
            } else {
                out.wait_ends_at = ends;
                Phase::TerminationWait
            }
        }
        _ => match current.map(|e| e.name.as_str()) {
            Some("BeforeInstall" | "Install") => Phase::Installing,
            Some("AfterInstall" | "AllowTestTraffic" | "AfterAllowTestTraffic") => {
                Phase::TestTraffic
            }
            Some("BeforeAllowTraffic") => Phase::BeforeTraffic,
            Some("AllowTraffic") => {
                out.next_step_at = next_step(d, routing, percent_on_green);
                Phase::Shifting
            }
            Some("AfterAllowTraffic") => Phase::AfterTraffic,
            // Between events, or an event this version does not know: say where it was.
            _ if percent_on_green >= 100.0 => Phase::AfterTraffic,
            _ if d.target.is_none() => Phase::Queued,
            _ => Phase::Installing,
        },
    };
    out
}

/// When the shift takes its next step: canary goes to 100 % one interval after it started,
/// linear adds its percent each interval.
fn next_step(d: &Deployment, routing: Option<Routing>, percent: f64) -> Option<Timestamp> {
    let start = d.event("AllowTraffic")?.start?;
    if percent >= 100.0 {
        return None;
    }
    match routing? {
        Routing::Canary { minutes, .. } => Some(start.plus_minutes(i64::from(minutes))),
        Routing::Linear {
            percent: step,
            minutes,
        } if step > 0 => {
            let taken = (percent / f64::from(step)).round().max(1.0) as i64;
            Some(start.plus_minutes(taken * i64::from(minutes)))
        }
        Routing::AllAtOnce | Routing::Linear { .. } => None,
    }
}

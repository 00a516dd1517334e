//! What the console saw of ECS service deployments over time. DescribeServiceDeployments says
//! which lifecycle stage a deployment is in and what share of production ECS asked of green,
//! never since when: the time a bake or a linear step has left can only be estimated from
//! when a change was first seen. Each sighting says whether it was seen happening (between
//! two reads, so known to within one poll) or was already so at the first read (so it began
//! at that read or earlier). The screens say "about" for the first and "at most" for the
//! second; nothing here is presented as AWS's word.

use std::collections::BTreeMap;

use super::service_deployment::ServiceDeployment;
use super::snapshot::Snapshot;
use super::status::{DeploymentStrategy, ServiceDeploymentStage};
use super::time::Timestamp;

/// When a value was first seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sighting {
    pub at: Timestamp,
    /// Seen changing between two reads, rather than found so at the first read.
    pub seen_changing: bool,
}

/// One deployment's history as read: each stage seen, in order, and the last change of
/// its share on green.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trail {
    pub stages: Vec<(ServiceDeploymentStage, Sighting)>,
    /// The share on green in tenths of a percent, and when it was first seen.
    share: Option<(i64, Sighting)>,
}

impl Trail {
    /// When the stage it is in now was first seen.
    pub fn current(&self) -> Option<&(ServiceDeploymentStage, Sighting)> {
        self.stages.last()
    }

    /// When `stage` was first seen and, if it was seen to end, when the next one was.
    pub fn span(&self, stage: &ServiceDeploymentStage) -> Option<(Sighting, Option<Sighting>)> {
        let i = self.stages.iter().position(|(s, _)| s == stage)?;
        Some((self.stages[i].1, self.stages.get(i + 1).map(|(_, s)| *s)))
    }
}

/// The trails of the deployments in flight, by ARN.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observed {
    trails: BTreeMap<String, Trail>,
    /// When the last snapshot observed was taken.
    last: Option<Timestamp>,
}

impl Observed {
    /// Takes in a snapshot (cold or after a hot refresh). Deployments no longer in it, or
    /// ended, are forgotten.
    pub fn observe(&mut self, s: &Snapshot) {
        let at = s.taken_at;
        let last = self.last;
        // A deployment created after the last read was seen from its start.
        let new_since_last =
            |d: &ServiceDeployment| last.is_some_and(|l| d.created_at.is_some_and(|c| c.0 > l.0));
        self.trails.retain(|arn, _| {
            s.service_deployment(arn)
                .is_some_and(ServiceDeployment::in_flight)
        });
        for d in s.service_deployments.iter().filter(|d| d.in_flight()) {
            let known = self.trails.contains_key(&d.arn);
            let seen_changing = known || new_since_last(d);
            let trail = self.trails.entry(d.arn.clone()).or_default();
            let sighting = Sighting { at, seen_changing };
            if let Some(stage) = &d.stage
                && trail.current().is_none_or(|(s, _)| s != stage)
            {
                trail.stages.push((stage.clone(), sighting));
            }
            let share = d.on_green.map(|g| (g.percent * 10.0).round() as i64);
            match (share, trail.share) {
                (Some(now), Some((before, _))) if now == before => {}
                (Some(now), _) => trail.share = Some((now, sighting)),
                (None, _) => trail.share = None,
            }
        }
        self.last = Some(at);
    }

    pub fn trail(&self, arn: &str) -> Option<&Trail> {
        self.trails.get(arn)
    }

    /// The next thing the deployment waits for by the clock, estimated: the end of its bake
    /// time, its next linear step, the rest of production after its canary.
    pub fn countdown(&self, d: &ServiceDeployment) -> Option<Countdown> {
        let trail = self.trails.get(&d.arn)?;
        let strategy = d.strategy.as_ref()?;
        let (stage, entered) = trail.current()?;
        if d.stage.as_ref() != Some(stage) {
            return None;
        }
        let percent = d.on_green.map(|g| g.percent);
        let (what, from, minutes) = match stage {
            ServiceDeploymentStage::BakeTime => {
                ("bake time ends", *entered, strategy.bake_minutes?)
            }
            ServiceDeploymentStage::ProductionTrafficShift
                if percent.is_some_and(|p| p > 0.0 && p < 100.0) =>
            {
                let (_, changed) = trail.share?;
                match strategy.kind {
                    DeploymentStrategy::Linear => ("next step", changed, strategy.linear?.1),
                    DeploymentStrategy::Canary => {
                        ("rest of production", changed, strategy.canary?.1)
                    }
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(Countdown {
            what,
            at: from.at.plus_minutes(i64::from(minutes)),
            about: from.seen_changing,
        })
    }
}

/// An estimated instant the deployment moves on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Countdown {
    pub what: &'static str,
    pub at: Timestamp,
    /// Estimated from a change seen between two reads ("about"); else from the first read,
    /// so the true time left is at most this ("at most").
    pub about: bool,
}

impl Countdown {
    /// `about 3m 10s` or `at most 3m 10s`, from `now`.
    pub fn left(&self, now: Timestamp) -> String {
        let qualifier = if self.about { "about" } else { "at most" };
        format!(
            "{qualifier} {}",
            super::time::human_duration(now.seconds_until(self.at))
        )
    }
}

#[cfg(test)]
mod tests;

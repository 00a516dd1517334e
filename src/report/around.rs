//! What surrounds a deployment: its service's events and stopped tasks inside the report's
//! window (DescribeServices, ListTasks with desiredStatus STOPPED and DescribeTasks), and the
//! health of the service's target groups now (DescribeTargetHealth). What AWS keeps is said
//! with it: ECS returns a service's newest 100 events and shows a stopped task for about an
//! hour. Each read that fails is a gap; the others are still told.

use std::collections::BTreeSet;

use futures::future::join_all;

use crate::aws::{Clients, ecs, elbv2};
use crate::model::ecs::{Service, ServiceEvent, StoppedTask};
use crate::model::elb::Target;
use crate::model::status::TargetHealthState;
use crate::model::{Gap, ServiceRef, Timestamp};

use super::{GroupHealth, TargetHealth, UnhealthyTarget, Window};

/// ECS returns at most this many of a service's events, the newest (aws-apis.md 1.5).
const EVENTS_KEPT_BY_ECS: usize = 100;
/// ECS shows a stopped task for about an hour after it stopped (the ECS developer guide:
/// "Stopped tasks only appear in the console … for at least 1 hour").
const STOPPED_VISIBLE_MS: i64 = 60 * 60_000;

#[derive(Debug)]
pub(super) struct Around {
    pub events: Vec<ServiceEvent>,
    pub stopped: Vec<StoppedTask>,
    pub health: TargetHealth,
    /// The service's ARN and the listener rules it moves: what an action on it names.
    pub nearby: Vec<String>,
    /// The service's task sets now: (id, task definition).
    pub task_sets: Vec<(String, Option<String>)>,
    pub notes: Vec<String>,
    pub gaps: Vec<Gap>,
}

pub(super) async fn read(
    c: &Clients,
    service: Option<&ServiceRef>,
    target_group_names: &[String],
    window: &Window,
) -> Around {
    let mut out = Around {
        events: Vec::new(),
        stopped: Vec::new(),
        health: TargetHealth {
            read_at: Timestamp::default(),
            target_groups: Vec::new(),
            unhealthy: Vec::new(),
        },
        nearby: Vec::new(),
        task_sets: Vec::new(),
        notes: Vec::new(),
        gaps: Vec::new(),
    };
    let mut arns: BTreeSet<String> = BTreeSet::new();
    if let Some(s) = service {
        let (described, stopped) = tokio::join!(
            ecs::service_with_events(c, &s.cluster, &s.service),
            ecs::stopped_tasks(c, &s.cluster, &s.service)
        );
        match described {
            Ok(Some((found, events))) => {
                arns.extend(found.target_group_arns().map(str::to_owned));
                out.nearby.extend(nearby(&found));
                out.task_sets = found
                    .task_sets
                    .iter()
                    .map(|t| (t.id.clone(), t.task_definition.clone()))
                    .collect();
                events_in(&mut out, events, window);
            }
            Ok(None) => out.notes.push(format!(
                "ECS answers {s} MISSING: the service no longer exists."
            )),
            Err(error) => out.gaps.push(error.to_gap()),
        }
        match stopped {
            Ok(tasks) => stopped_in(&mut out, tasks, window, c),
            Err(error) => out.gaps.push(error.to_gap()),
        }
    }
    // The pair of a CodeDeploy group is named: those the service no longer points at (the
    // replacement's, once its task set is gone) are resolved by name.
    let unresolved: Vec<String> = target_group_names
        .iter()
        .filter(|name| {
            !arns
                .iter()
                .any(|arn| arn.split('/').nth(1) == Some(name.as_str()))
        })
        .cloned()
        .collect();
    if !unresolved.is_empty() {
        match elbv2::target_groups_named(c, &unresolved).await {
            Ok(groups) => arns.extend(groups.into_iter().map(|g| g.arn)),
            Err(error) => out.gaps.push(error.to_gap()),
        }
    }
    health(&mut out, c, &arns).await;
    out
}

fn nearby(service: &Service) -> Vec<String> {
    let mut names = vec![service.arn.clone()];
    for l in &service.load_balancers {
        names.extend(l.production_listener_rule.iter().cloned());
        names.extend(l.test_listener_rule.iter().cloned());
    }
    names
}

fn events_in(out: &mut Around, events: Vec<ServiceEvent>, window: &Window) {
    let read = events.len();
    let oldest = events.iter().filter_map(|e| e.at).min();
    out.events = events
        .into_iter()
        .filter(|e| e.at.is_some_and(|at| window.contains(at)))
        .collect();
    if read >= EVENTS_KEPT_BY_ECS && oldest.is_some_and(|o| o > window.from) {
        out.notes.push(format!(
            "ECS returns only a service's newest {EVENTS_KEPT_BY_ECS} events; the oldest it returned is from {}, after the window began: the events before it are lost.",
            oldest.map(Timestamp::rfc3339).unwrap_or_default()
        ));
    } else {
        out.notes.push(format!(
            "ECS returns only a service's newest {EVENTS_KEPT_BY_ECS} events; those of the window were all still among them ({read} returned)."
        ));
    }
}

fn stopped_in(out: &mut Around, tasks: Vec<StoppedTask>, window: &Window, c: &Clients) {
    out.stopped = tasks
        .into_iter()
        .filter(|t| t.stopped_at.is_some_and(|at| window.contains(at)))
        .collect();
    let now = c.server_time().unwrap_or_else(Timestamp::now);
    let forgotten = window.from.0 < now.0 - STOPPED_VISIBLE_MS;
    out.notes.push(if forgotten {
        "ECS shows a stopped task for about an hour: this window began longer ago than that, so the tasks that stopped early in it may no longer be listed.".to_owned()
    } else {
        "ECS shows a stopped task for about an hour after it stops: read this soon after the deployment to keep them.".to_owned()
    });
}

/// DescribeTargetHealth of each group, side by side.
async fn health(out: &mut Around, c: &Clients, arns: &BTreeSet<String>) {
    let read = join_all(
        arns.iter()
            .map(|arn| async move { (arn, elbv2::target_health(c, arn).await) }),
    )
    .await;
    out.health.read_at = c.server_time().unwrap_or_else(Timestamp::now);
    for (arn, result) in read {
        let targets = match result {
            Ok(targets) => targets,
            Err(error) => {
                out.gaps.push(error.to_gap());
                continue;
            }
        };
        let name = arn.split('/').nth(1).unwrap_or(arn).to_owned();
        out.health.target_groups.push(GroupHealth {
            name: name.clone(),
            arn: arn.clone(),
            targets: targets.len(),
            healthy: targets
                .iter()
                .filter(|t| t.state == TargetHealthState::Healthy)
                .count(),
        });
        out.health
            .unhealthy
            .extend(
                targets
                    .into_iter()
                    .filter(unhealthy)
                    .map(|t| UnhealthyTarget {
                        target_group: name.clone(),
                        id: t.id,
                        port: t.port,
                        state: t.state.to_string(),
                        reason: t.reason,
                        description: t.description,
                    }),
            );
    }
}

fn unhealthy(t: &Target) -> bool {
    matches!(
        t.state,
        TargetHealthState::Unhealthy
            | TargetHealthState::UnhealthyDraining
            | TargetHealthState::Unavailable
    )
}

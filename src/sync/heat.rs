//! Heat: which objects of a snapshot the hot refresh reads, because they move or are on
//! screen. Today an object is hot or not; a degree of heat per object (hot, warm, cold, each
//! with its interval) grows here. It only chooses: [`crate::aws::hot::refresh`] reads.

use super::OnScreen;
use crate::aws::hot::HotSet;
use crate::model::Snapshot;
use crate::model::status::ExecutionStatus;

/// What the hot refresh reads: what moves in `s`, and the deployment on screen, which stays
/// hot even after it ends, until it settles.
pub fn hot_set(s: &Snapshot, on_screen: OnScreen<'_>) -> HotSet {
    let mut set = moving(s);
    if let Some(id) = on_screen.deployment {
        set.deployments.insert(id.to_owned());
    }
    set
}

/// What `s` says is moving: deployments in flight and the services, target groups and rules
/// they touch; pipelines with an execution running. With the deployment groups in scope and
/// the deployments already found not to be this console's.
pub fn moving(s: &Snapshot) -> HotSet {
    let mut set = HotSet {
        not_ours: s.not_ours.clone(),
        ..HotSet::default()
    };
    for g in &s.deployment_groups {
        if let (Some(cluster), Some(service)) = (&g.cluster, &g.service) {
            set.targets.insert(
                (g.application.clone(), g.name.clone()),
                format!("{cluster}:{service}"),
            );
        }
    }
    for d in s.deployments.iter().filter(|d| !d.status.is_terminal()) {
        set.deployments.insert(d.id.clone());
        let Some(g) = s.group_of(d) else { continue };
        if let (Some(cluster), Some(service)) = (&g.cluster, &g.service) {
            set.services.insert((cluster.clone(), service.clone()));
        }
        set.target_groups
            .extend(g.target_group_arns.iter().flatten().cloned());
        set.rules.extend(g.production_rules.iter().cloned());
        set.rules.extend(g.test_rules.iter().cloned());
    }
    // ECS service deployments in flight: the deployment and the rules it moves, nothing
    // more. DescribeServiceDeployments reports each revision's task counts and the rules
    // give the share on green, so one batch and the rules' read follow it; its service and
    // target health stay on the cold snapshot's rhythm. One that ended cools down with the
    // next snapshot of it.
    for d in s.service_deployments.iter().filter(|d| d.in_flight()) {
        set.service_deployments.insert(d.arn.clone());
        let Some(service) = s.service(&d.service.cluster, &d.service.service) else {
            continue;
        };
        for link in &service.load_balancers {
            set.rules.extend(
                [&link.production_listener_rule, &link.test_listener_rule]
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
    }
    for p in &s.pipelines {
        // Any execution, not only the newest: in PARALLEL mode an older one can wait at
        // a gate after a newer one finished.
        if p.executions.iter().any(|e| {
            matches!(
                e.status,
                ExecutionStatus::InProgress | ExecutionStatus::Stopping
            )
        }) {
            set.pipelines.insert(p.name.clone());
        }
    }
    set
}

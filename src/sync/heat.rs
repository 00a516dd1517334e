//! Heat: which objects of a snapshot the hot refresh reads, and how often.
//!
//! - Hot, every hot refresh (2 s): a CodeDeploy deployment in progress (hooks running,
//!   traffic shifting: its target carries the task sets' weights), every ECS deployment in
//!   flight (one DescribeServiceDeployments batch reads them all, with the weights ECS
//!   requested), the rules of an ECS deployment while the weight it requested differs from
//!   what its rule was last seen sending, and whatever is on screen.
//! - Warm, every warm refresh (10 s): what is in flight but waits: a deployment in Ready or
//!   Baking or not started, a running pipeline (unless it only waits on a person at a gate),
//!   the services and rules of what is in flight, and the search for deployments started
//!   since.
//! - Every third warm refresh: the target health of what is in flight (ELB's Describe budget
//!   is the account's scarcest); of the deployment on screen, every warm refresh.
//! - Cold, the snapshot (a minute): everything else, including pipelines waiting only on a
//!   person; a still target group's health more rarely still
//!   ([`crate::aws::elbv2::HealthCache`]).
//!
//! A deployment or execution the cold snapshot finds heats up at once; one that ends cools
//! down with the next snapshot of it.
//!
//! It only chooses: [`crate::aws::hot::refresh`] reads.

use super::OnScreen;
use crate::aws::hot::HotSet;
use crate::model::Snapshot;
use crate::model::service_deployment::{ServiceDeployment, ShareFrom};
use crate::model::status::{DeploymentStatus, ExecutionStatus, ServiceDeploymentStage};

/// How much of what is warm a hot refresh also reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Warm {
    Left,
    Included,
    /// What is warm and the target health of what is in flight.
    WithHealth,
}

/// What the hot refresh reads: what is hot in `s` and on screen, and with `warm` included,
/// what is warm.
pub fn hot_set(s: &Snapshot, on_screen: OnScreen<'_>, warm: Warm) -> HotSet {
    let health = warm == Warm::WithHealth;
    let warm = warm >= Warm::Included;
    let mut set = HotSet {
        not_ours: s.not_ours.clone(),
        discover: warm,
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
    if let Some(id) = on_screen.deployment {
        // Kept hot even after it ends, until it settles.
        set.deployments.insert(id.to_owned());
    }
    for d in s.deployments.iter().filter(|d| !d.status.is_terminal()) {
        let moving = d.status == DeploymentStatus::InProgress;
        if moving || warm {
            set.deployments.insert(d.id.clone());
        }
        if !warm {
            continue;
        }
        let Some(g) = s.group_of(d) else { continue };
        if let (Some(cluster), Some(service)) = (&g.cluster, &g.service) {
            set.services.insert((cluster.clone(), service.clone()));
        }
        if health || on_screen.deployment == Some(d.id.as_str()) {
            set.target_groups
                .extend(g.target_group_arns.iter().flatten().cloned());
        }
        // The task sets' weights come with the deployment's target: the rules only confirm.
        set.rules.extend(g.production_rules.iter().cloned());
        set.rules.extend(g.test_rules.iter().cloned());
    }
    // ECS service deployments in flight: one DescribeServiceDeployments batch reads them all,
    // each revision's task counts and requested weights with it. The rules give the share the
    // load balancer really sends: hot while it differs from the request, warm otherwise.
    for d in s.service_deployments.iter().filter(|d| d.in_flight()) {
        set.service_deployments.insert(d.arn.clone());
        let Some(service) = s.service(&d.service.cluster, &d.service.service) else {
            continue;
        };
        if warm {
            set.services
                .insert((service.cluster.clone(), service.name.clone()));
        }
        if health {
            set.target_groups
                .extend(service.target_group_arns().map(str::to_owned));
        }
        if rule_behind(d) || warm {
            for link in &service.load_balancers {
                set.rules.extend(
                    [&link.production_listener_rule, &link.test_listener_rule]
                        .into_iter()
                        .flatten()
                        .cloned(),
                );
            }
        }
    }
    for p in &s.pipelines {
        // Any execution, not only the newest: in PARALLEL mode an older one can wait at
        // a gate after a newer one finished.
        let running = p.executions.iter().any(|e| {
            matches!(
                e.status,
                ExecutionStatus::InProgress | ExecutionStatus::Stopping
            )
        });
        // One that waits only on a person moves when someone answers: here, the console
        // reads it again after the answer; elsewhere, the cold snapshot sees it.
        let warm_pipeline = running && warm && !p.waits_on_people();
        if warm_pipeline || on_screen.pipeline == Some(p.name.as_str()) {
            set.pipelines.insert(p.name.clone());
        }
    }
    set
}

/// Whether an ECS deployment's production rule may not send what it asked for: it shifts
/// traffic and the weight it requested for green differs from the share its rule was last
/// seen sending (or there is no rule read or no request to compare).
fn rule_behind(d: &ServiceDeployment) -> bool {
    let shifting = matches!(
        d.stage,
        Some(
            ServiceDeploymentStage::TestTrafficShift
                | ServiceDeploymentStage::ProductionTrafficShift
        )
    );
    let agree = match (d.requested_on_green(), &d.on_green) {
        (Some(requested), Some(share)) if share.from == ShareFrom::ProductionRule => {
            (requested - share.percent).abs() < 0.5
        }
        _ => false,
    };
    shifting && !agree
}

/// Everything in flight in `s`, hot and warm, with nothing on screen: what one hot refresh
/// reads when its warm part is due.
pub fn moving(s: &Snapshot) -> HotSet {
    hot_set(s, OnScreen::default(), Warm::WithHealth)
}

//! The facts that must hold at every instant, whichever API tells them: rule weights equal
//! task set weights, targets exist only while their task set does, counts add up, one active
//! deployment per group, lifecycle events in order. Tests run this after every tick.

use super::world::World;
use super::world::codedeploy::{EventStatus, Phase};
use super::world::ecs::{TaskSetStatus, TaskStatus};
use super::world::pipeline::{ActionStatus, ExecutionMode};

impl World {
    /// Every broken invariant, as a sentence; empty when the world is consistent.
    pub fn check_invariants(&self) -> Vec<String> {
        let mut broken = Vec::new();
        self.check_traffic(&mut broken);
        self.check_tasks(&mut broken);
        self.check_deployments(&mut broken);
        self.check_pipelines(&mut broken);
        self.check_service_deployments(&mut broken);
        broken
    }

    /// ECS-native blue/green: the production rule's weights add up to 100 % over the pair and
    /// match what the deployment in flight requested; at most one deployment of a service
    /// runs; once none runs, production goes to one target group, the service's revision's,
    /// and one task set is left serving.
    fn check_service_deployments(&self, broken: &mut Vec<String>) {
        for service in self.services.values() {
            let Some(config) = &service.blue_green else {
                continue;
            };
            let Some(rule) = self.rules.get(&config.advanced.production_rule) else {
                broken.push(format!(
                    "{}: its production rule does not exist",
                    service.name
                ));
                continue;
            };
            let primary = service
                .load_balancer_target_group
                .clone()
                .unwrap_or_default();
            let alternate = &config.advanced.alternate_target_group;
            let pair_share = rule.share_of(&primary) + rule.share_of(alternate);
            if (pair_share - 100.0).abs() > 0.01 {
                broken.push(format!(
                    "{}: the production rule sends {pair_share:.1}% to the service's target groups, not 100",
                    service.name
                ));
            }
            let running: Vec<&super::world::native::ServiceDeployment> = self
                .service_deployments
                .values()
                .filter(|d| d.cluster == service.cluster && d.service == service.name)
                .filter(|d| {
                    !d.status.is_done() && d.status != super::world::native::Status::Pending
                })
                .collect();
            if running.len() > 1 {
                broken.push(format!(
                    "{}: {} service deployments run at once",
                    service.name,
                    running.len()
                ));
            }
            if let Some(d) = running.first() {
                let green = rule.share_of(&d.green_target_group);
                if (green - d.production_percent).abs() > 0.05 {
                    broken.push(format!(
                        "{}: the production rule sends {green:.1}% to green but the deployment requested {:.1}%",
                        service.name, d.production_percent
                    ));
                }
                continue;
            }
            let serving = service
                .revision
                .as_ref()
                .and_then(|r| self.service_revisions.get(r))
                .map(|r| r.target_group.as_str());
            if serving.is_some_and(|tg| rule.share_of(tg) < 100.0) {
                broken.push(format!(
                    "{}: no deployment runs but production is not all on its revision's target group",
                    service.name
                ));
            }
            let live = service
                .task_sets
                .iter()
                .filter(|s| s.status != TaskSetStatus::Draining)
                .count();
            if live != 1 {
                broken.push(format!(
                    "{}: no deployment runs but {live} task sets are live",
                    service.name
                ));
            }
        }
    }

    fn check_traffic(&self, broken: &mut Vec<String>) {
        for group in self.deployment_groups.values() {
            let Some(service) = self.service(&group.cluster, &group.service) else {
                continue;
            };
            let arns: Vec<&str> = group
                .target_groups
                .iter()
                .filter_map(|n| self.target_group_by_name(n).map(|t| t.arn.as_str()))
                .collect();
            let [a, b] = arns.as_slice() else { continue };
            for rule_arn in self.rules_for_pair(&group.prod_listener, [a, b]) {
                let Some(rule) = self.rules.get(&rule_arn) else {
                    continue;
                };
                for set in &service.task_sets {
                    let Some(tg) = set.target_group_arn.as_deref() else {
                        continue;
                    };
                    if tg != *a && tg != *b {
                        continue;
                    }
                    let share = rule.share_of(tg);
                    if (share - set.traffic_weight).abs() > 0.01 {
                        broken.push(format!(
                            "{}/{}: rule {} sends {share:.1}% to {tg} but task set {} reports trafficWeight {:.1}",
                            group.cluster, group.service, rule.priority, set.id, set.traffic_weight
                        ));
                    }
                }
                // Production must not point at a target group with no task set behind it.
                for tg in [a, b] {
                    let backed = service
                        .task_sets
                        .iter()
                        .any(|s| s.target_group_arn.as_deref() == Some(*tg));
                    if rule.share_of(tg) > 0.0 && !backed {
                        broken.push(format!(
                            "{}: production sends traffic to {tg}, which no task set serves",
                            group.service
                        ));
                    }
                }
            }
            let total: f64 = service.task_sets.iter().map(|s| s.traffic_weight).sum();
            if !service.task_sets.is_empty() && (total - 100.0).abs() > 0.01 {
                broken.push(format!(
                    "{}: task set traffic weights add up to {total:.1}, not 100",
                    group.service
                ));
            }
        }
    }

    fn check_tasks(&self, broken: &mut Vec<String>) {
        for service in self.services.values() {
            for task in &service.tasks {
                let set = service.task_set(&task.task_set_id);
                if set.is_none() && task.status != TaskStatus::Stopped {
                    broken.push(format!(
                        "{}: task {} runs without its task set {}",
                        service.name, task.id, task.task_set_id
                    ));
                }
                if task.registered && set.and_then(|s| s.target_group_arn.as_ref()).is_none() {
                    broken.push(format!(
                        "{}: task {} is a target with no target group",
                        service.name, task.id
                    ));
                }
                if task.registered && task.status == TaskStatus::Stopped {
                    broken.push(format!(
                        "{}: stopped task {} is still a target",
                        service.name, task.id
                    ));
                }
            }
            let by_sets: u32 = service
                .task_sets
                .iter()
                .map(|s| service.set_running(&s.id))
                .sum();
            if by_sets != service.running() {
                broken.push(format!(
                    "{}: running {} but its task sets run {by_sets}",
                    service.name,
                    service.running()
                ));
            }
            let primaries = service
                .task_sets
                .iter()
                .filter(|s| s.status == TaskSetStatus::Primary)
                .count();
            if primaries > 1 {
                broken.push(format!("{}: {primaries} PRIMARY task sets", service.name));
            }
        }
    }

    fn check_deployments(&self, broken: &mut Vec<String>) {
        for group in self.deployment_groups.values() {
            let active = self
                .deployments
                .values()
                .filter(|d| {
                    d.application == group.application
                        && d.group == group.name
                        && !d.status.is_terminal()
                })
                .count();
            if active > 1 {
                broken.push(format!(
                    "{}/{}: {active} active deployments",
                    group.application, group.name
                ));
            }
        }
        for d in self.deployments.values() {
            let statuses: Vec<EventStatus> = d.events.iter().map(|e| e.status).collect();
            let first_pending = statuses.iter().position(|s| *s == EventStatus::Pending);
            if let Some(index) = first_pending
                && statuses[index..].iter().any(|s| *s != EventStatus::Pending)
            {
                broken.push(format!(
                    "{}: a lifecycle event ran after a pending one: {statuses:?}",
                    d.id
                ));
            }
            if statuses
                .iter()
                .filter(|s| **s == EventStatus::InProgress)
                .count()
                > 1
            {
                broken.push(format!(
                    "{}: more than one lifecycle event in progress",
                    d.id
                ));
            }
            if d.status.is_terminal() != d.completed_at.is_some() {
                broken.push(format!(
                    "{}: status {} but completeTime {:?}",
                    d.id,
                    d.status.as_str(),
                    d.completed_at
                ));
            }
            if let Some(rollback) = &d.rollback_deployment {
                let linked = self
                    .deployments
                    .get(rollback)
                    .and_then(|r| r.rollback_of.as_deref())
                    == Some(d.id.as_str());
                if !linked {
                    broken.push(format!("{}: rollback {rollback} does not link back", d.id));
                }
            }
            if d.phase == Phase::Done && !d.status.is_terminal() {
                broken.push(format!("{}: done but {}", d.id, d.status.as_str()));
            }
        }
    }

    fn check_pipelines(&self, broken: &mut Vec<String>) {
        for p in self.pipelines.values() {
            for (stage, occupants) in p.occupants.iter().enumerate() {
                let name = &p.stages[stage].name;
                if p.mode != ExecutionMode::Parallel && occupants.len() > 1 {
                    broken.push(format!(
                        "{}: {} executions share stage {name} in {} mode",
                        p.name,
                        occupants.len(),
                        p.mode.as_str()
                    ));
                }
                for id in occupants {
                    match self.executions.get(id) {
                        Some(e) if e.in_stage && e.position == stage && !e.status.is_done() => {}
                        _ => broken.push(format!(
                            "{}: stage {name} is held by {id}, which is not running there",
                            p.name
                        )),
                    }
                }
            }
            for (stage, line) in p.waiting.iter().enumerate() {
                let name = &p.stages[stage].name;
                if p.mode == ExecutionMode::Superseded && line.len() > 1 {
                    broken.push(format!(
                        "{}: {} executions wait at stage {name} in SUPERSEDED mode",
                        p.name,
                        line.len()
                    ));
                }
                for id in line {
                    match self.executions.get(id) {
                        Some(e) if !e.in_stage && e.position == stage && !e.status.is_done() => {}
                        _ => broken.push(format!(
                            "{}: {id} waits at stage {name} but is not waiting there",
                            p.name
                        )),
                    }
                }
            }
        }
        for e in self.executions.values().filter(|e| e.status.is_done()) {
            if e.runs.iter().any(|r| r.status == ActionStatus::InProgress) {
                broken.push(format!(
                    "{}: execution {} is {} with an action still running",
                    e.pipeline,
                    e.id,
                    e.status.as_str()
                ));
            }
        }
    }
}

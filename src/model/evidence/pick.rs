//! Which two task definitions a decision compares, chosen from a snapshot: for a pipeline's
//! gate, what the nearest deploy action before it deployed (the test environment) against
//! what the target of the first deploy action after it (production) runs now; for a
//! CodeDeploy deployment in Ready, its original (blue) task set against its replacement; for
//! an ECS pause hook, the deployment's source revision against its target revision. It reads
//! nothing: what the snapshot lacks is said in `missing`.

use super::{Commit, Health, Point, SickTarget, Side};
use crate::model::ServiceRef;
use crate::model::deploy::{DeployTaskSet, Deployment};
use crate::model::ecs::Service;
use crate::model::pipeline::{Action, Pipeline, Stage};
use crate::model::snapshot::Snapshot;
use crate::model::status::{
    ActionCategory, DeploymentStatus, TargetHealthState, TaskSetLabel, TaskSetStatus,
};

/// What a decision compares, as far as the snapshot tells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picked {
    pub running: Option<Side>,
    pub next: Option<Side>,
    pub source: Option<Commit>,
    pub health: Option<Health>,
    /// What the snapshot could not tell, and why.
    pub missing: Vec<String>,
}

/// The decision point is not in the snapshot: nothing to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound(pub String);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn pick(s: &Snapshot, point: &Point) -> Result<Picked, NotFound> {
    match point {
        Point::Gate {
            pipeline,
            stage,
            action,
            execution_id,
        } => gate(
            s,
            pipeline,
            stage.as_deref().zip(action.as_deref()),
            execution_id.as_deref(),
        ),
        Point::Ready { deployment } => ready(s, deployment),
        Point::Hook { deployment_arn } => hook(s, deployment_arn),
    }
}

/// A service's health now, from its counts and the targets of its target groups.
pub fn health(s: &Snapshot, service: &Service) -> Health {
    let mut groups: Vec<&str> = service.target_group_arns().collect();
    groups.sort_unstable();
    groups.dedup();
    let targets: Vec<_> = groups
        .iter()
        .filter_map(|arn| s.target_group(arn)?.targets.as_ref())
        .flatten()
        .collect();
    let read = groups
        .iter()
        .any(|arn| s.target_group(arn).is_some_and(|t| t.targets.is_some()));
    let healthy = targets
        .iter()
        .filter(|t| t.state == TargetHealthState::Healthy)
        .count();
    Health {
        service: ServiceRef::new(&service.cluster, &service.name),
        running: service.running,
        desired: service.desired,
        pending: service.pending,
        targets: read.then_some((healthy, targets.len())),
        unhealthy: groups
            .iter()
            .filter_map(|arn| s.target_group(arn))
            .flat_map(crate::model::elb::TargetGroup::unhealthy)
            .map(|t| SickTarget {
                id: t.id.clone(),
                state: t.state.clone(),
                reason: t.reason.clone(),
                description: t.description.clone(),
            })
            .collect(),
    }
}

fn side(label: String, service: Option<&Service>, task_definition: Option<&str>) -> Option<Side> {
    Some(Side {
        label,
        service: service.map(|s| ServiceRef::new(&s.cluster, &s.name)),
        task_definition: task_definition?.to_owned(),
    })
}

/// The service a pipeline's deploy action deploys to, when the snapshot read its group.
fn target_service<'a>(s: &'a Snapshot, action: &Action) -> Result<&'a Service, String> {
    let target = action
        .deploys_to
        .as_ref()
        .ok_or_else(|| format!("{} names no deployment group", action.name))?;
    let group = s
        .group(&target.application, &target.deployment_group)
        .ok_or_else(|| {
            format!(
                "deployment group {}/{} was not read",
                target.application, target.deployment_group
            )
        })?;
    s.service_of(group).ok_or_else(|| {
        format!(
            "the service of {}/{} was not read",
            target.application, target.deployment_group
        )
    })
}

/// The gate: the approval named, or the first waiting (in `execution`, when given).
fn find_gate<'a>(
    p: &'a Pipeline,
    named: Option<(&str, &str)>,
    execution: Option<&str>,
) -> Result<(usize, &'a Action, Option<String>), NotFound> {
    let waiting = p.waiting_approvals();
    let (stage, action, waiting_execution) = if let Some((stage, action)) = named {
        let execution = waiting
            .into_iter()
            .find(|w| w.stage == stage && w.action == action)
            .and_then(|w| w.execution_id);
        (stage.to_owned(), action.to_owned(), execution)
    } else {
        let first = waiting
            .into_iter()
            .find(|w| execution.is_none() || w.execution_id.as_deref() == execution)
            .ok_or_else(|| {
                NotFound(format!(
                    "no approval waits in {}: name one as {}/STAGE/ACTION",
                    p.name, p.name
                ))
            })?;
        (first.stage, first.action, first.execution_id)
    };
    let index = p.stages.iter().position(|s| s.name == stage);
    let found = index.and_then(|i| {
        p.stages[i]
            .actions
            .iter()
            .find(|a| a.name == action && a.category == ActionCategory::Approval)
            .map(|a| (i, a))
    });
    let (i, a) = found.ok_or_else(|| {
        NotFound(format!(
            "{} has no manual approval {stage}/{action}",
            p.name
        ))
    })?;
    let execution = execution
        .map(str::to_owned)
        .or(waiting_execution)
        .or_else(|| p.stages[i].execution_id.clone());
    Ok((i, a, execution))
}

fn deploys(a: &Action) -> bool {
    a.deploys_to.is_some()
}

fn gate(
    s: &Snapshot,
    pipeline: &str,
    named: Option<(&str, &str)>,
    execution: Option<&str>,
) -> Result<Picked, NotFound> {
    let p = s
        .pipeline(pipeline)
        .ok_or_else(|| NotFound(format!("no pipeline named {pipeline} was read")))?;
    let (index, approval, execution) = find_gate(p, named, execution)?;
    let mut out = Picked {
        source: execution
            .as_deref()
            .and_then(|id| p.execution(id))
            .and_then(|e| e.source_revisions.first())
            .map(Commit::of),
        ..Picked::default()
    };
    // The nearest deploy action before the gate's stage: the environment already deployed.
    let earlier: Option<(&Stage, &Action)> = p.stages[..index].iter().rev().find_map(|st| {
        st.actions
            .iter()
            .rev()
            .find(|a| deploys(a))
            .map(|a| (st, a))
    });
    // The first deploy action after the gate (later in its stage, or in a later stage).
    let gate_stage = &p.stages[index];
    let later: Option<(&Stage, &Action)> = gate_stage
        .actions
        .iter()
        .filter(|a| a.run_order > approval.run_order && deploys(a))
        .map(|a| (gate_stage, a))
        .next()
        .or_else(|| {
            p.stages[index + 1..]
                .iter()
                .find_map(|st| st.actions.iter().find(|a| deploys(a)).map(|a| (st, a)))
        });
    match earlier {
        None => out.missing.push(format!(
            "no stage before {} deploys: what will run is known once the deploy action registers it",
            gate_stage.name
        )),
        Some((stage, action)) => match target_service(s, action) {
            Err(why) => out.missing.push(why),
            Ok(service) => {
                // What the action deployed: its deployment's AppSpec when read, else what
                // the service runs now.
                let deployed = action
                    .latest
                    .as_ref()
                    .and_then(|r| r.external_id.as_deref())
                    .and_then(|id| s.deployment(id))
                    .and_then(Deployment::task_definition)
                    .or(service.task_definition.as_deref());
                out.next = side(
                    format!("deployed by {}", stage.name),
                    Some(service),
                    deployed,
                );
                out.health = Some(health(s, service));
            }
        },
    }
    match later {
        None => out
            .missing
            .push(format!("no stage after {} deploys", gate_stage.name)),
        Some((stage, action)) => match target_service(s, action) {
            Err(why) => out.missing.push(why),
            Ok(service) => {
                out.running = side(
                    format!("running where {} deploys", stage.name),
                    Some(service),
                    service.task_definition.as_deref(),
                );
            }
        },
    }
    Ok(out)
}

/// The task definition of one of a CodeDeploy deployment's task sets, through the ECS
/// service's task sets (CodeDeploy names a task set by its id only).
fn task_set_definition<'a>(service: &'a Service, set: Option<&DeployTaskSet>) -> Option<&'a str> {
    let set = set?;
    service
        .task_sets
        .iter()
        .find(|t| t.id == set.id)
        .and_then(|t| t.task_definition.as_deref())
}

fn ready(s: &Snapshot, id: &str) -> Result<Picked, NotFound> {
    let d = s
        .deployment(id)
        .ok_or_else(|| NotFound(format!("deployment {id} was not read")))?;
    let mut out = Picked {
        source: source_of_deployment(s, id),
        ..Picked::default()
    };
    if d.status != DeploymentStatus::Ready {
        out.missing
            .push(format!("{id} is {}, not waiting in Ready", d.status));
    }
    let service = s.group_of(d).and_then(|g| s.service_of(g));
    let Some(service) = service else {
        out.missing.push(format!(
            "the service of {}/{} was not read",
            d.application, d.deployment_group
        ));
        out.next = side("replacement (green)".into(), None, d.task_definition());
        return Ok(out);
    };
    let blue = task_set_definition(service, d.task_set(&TaskSetLabel::Blue)).or_else(|| {
        service
            .task_sets
            .iter()
            .find(|t| t.status == TaskSetStatus::Primary)
            .and_then(|t| t.task_definition.as_deref())
    });
    let green = d
        .task_definition()
        .or_else(|| task_set_definition(service, d.task_set(&TaskSetLabel::Green)));
    out.running = side("original (blue)".into(), Some(service), blue);
    out.next = side("replacement (green)".into(), Some(service), green);
    out.health = Some(health(s, service));
    Ok(out)
}

/// The source revision of the pipeline execution whose deploy action started a deployment.
fn source_of_deployment(s: &Snapshot, id: &str) -> Option<Commit> {
    s.pipelines.iter().find_map(|p| {
        let (stage, _) = p.actions().find(|(_, a)| {
            a.latest
                .as_ref()
                .is_some_and(|r| r.external_id.as_deref() == Some(id))
        })?;
        let execution = p.execution(stage.execution_id.as_deref()?)?;
        execution.source_revisions.first().map(Commit::of)
    })
}

fn hook(s: &Snapshot, arn: &str) -> Result<Picked, NotFound> {
    let d = s
        .service_deployment(arn)
        .ok_or_else(|| NotFound(format!("service deployment {arn} was not read")))?;
    let mut out = Picked::default();
    if d.waiting_hooks().next().is_none() {
        out.missing
            .push(format!("no pause hook of {} waits", d.service));
    }
    let service = s.service(&d.service.cluster, &d.service.service);
    let definition = |revision: &str| {
        s.service_revision(revision)
            .and_then(|r| r.task_definition.as_deref())
    };
    if d.sources.len() > 1 {
        out.missing.push(format!(
            "{} source revisions run: compared with the first",
            d.sources.len()
        ));
    }
    out.running = d
        .sources
        .first()
        .and_then(|r| side("source revision".into(), service, definition(&r.arn)));
    out.next = d
        .target
        .as_ref()
        .and_then(|r| side("target revision".into(), service, definition(&r.arn)));
    if out.running.is_none() || out.next.is_none() {
        out.missing.push(format!(
            "the service revisions of {} were not read",
            d.service
        ));
    }
    out.health = service.map(|svc| health(s, svc));
    Ok(out)
}

#[cfg(test)]
#[path = "pick_tests.rs"]
mod tests;

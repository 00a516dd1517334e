//! What a full read could not read, kept as the read before it left it: a service that failed
//! for one snapshot (a burst of 5xx, a throttle the retries did not outlast, one denied call)
//! does not empty its part of the screen until the next snapshot reads it. The gaps still say
//! what was not read; what is kept is only as fresh as the read that brought it. It must not
//! invent anything: an item comes from the previous snapshot or not at all.

use std::collections::{BTreeSet, HashMap};

use super::Snapshot;

/// The IAM prefixes the gaps name their service by.
const CODEPIPELINE: &str = "codepipeline";
const CODEDEPLOY: &str = "codedeploy";
const ECS: &str = "ecs";
const ELB: &str = "elasticloadbalancing";

impl Snapshot {
    /// Takes from `previous` what this snapshot could not read: the items of a service with a
    /// gap that are missing here, and the items a gap names (a pipeline whose state could not
    /// be read, a deployment without its target, a target group without its health), whole as
    /// they were. Then links again.
    pub fn keep_unread(&mut self, previous: &Snapshot) {
        let failed = |service: &str| self.gaps.iter().any(|g| g.service == service);
        let named = |service: &str| -> BTreeSet<String> {
            self.gaps
                .iter()
                .filter(|g| g.service == service)
                .filter_map(|g| g.target.clone())
                .collect()
        };
        let (codepipeline, codedeploy, ecs, elb) = (
            failed(CODEPIPELINE),
            failed(CODEDEPLOY),
            failed(ECS),
            failed(ELB),
        );
        if !(codepipeline || codedeploy || ecs || elb) {
            return;
        }
        if codepipeline {
            let named = named(CODEPIPELINE);
            keep(&mut self.pipelines, &previous.pipelines, &named, |p| {
                p.name.clone()
            });
        }
        if codedeploy {
            let named = named(CODEDEPLOY);
            keep(
                &mut self.applications,
                &previous.applications,
                &named,
                |a| a.name.clone(),
            );
            keep(
                &mut self.deployment_groups,
                &previous.deployment_groups,
                &named,
                |g| format!("{}/{}", g.application, g.name),
            );
            keep(&mut self.deployments, &previous.deployments, &named, |d| {
                d.id.clone()
            });
            for (name, routing) in &previous.deployment_configs {
                self.deployment_configs
                    .entry(name.clone())
                    .or_insert(*routing);
            }
        }
        if ecs {
            let named = named(ECS);
            keep(&mut self.clusters, &previous.clusters, &named, |c| {
                c.name.clone()
            });
            keep(&mut self.services, &previous.services, &named, |s| {
                format!("{}/{}", s.cluster, s.name)
            });
            keep(
                &mut self.service_deployments,
                &previous.service_deployments,
                &named,
                |d| d.arn.clone(),
            );
            keep(
                &mut self.service_revisions,
                &previous.service_revisions,
                &named,
                |r| r.arn.clone(),
            );
        }
        if elb {
            let named = named(ELB);
            keep(
                &mut self.load_balancers,
                &previous.load_balancers,
                &named,
                |l| l.arn.clone(),
            );
            keep(&mut self.listeners, &previous.listeners, &named, |l| {
                l.arn.clone()
            });
            keep(&mut self.rules, &previous.rules, &named, |r| r.arn.clone());
            keep(
                &mut self.target_groups,
                &previous.target_groups,
                &named,
                |t| t.arn.clone(),
            );
        }
        self.link();
    }
}

/// The items of one service whose read failed somewhere: those a gap names are taken whole
/// from `previous`, and those missing are added back from it.
fn keep<T: Clone>(
    items: &mut Vec<T>,
    previous: &[T],
    named: &BTreeSet<String>,
    key: impl Fn(&T) -> String,
) {
    let before: HashMap<String, &T> = previous.iter().map(|p| (key(p), p)).collect();
    for item in items.iter_mut() {
        if let Some(old) = named.get(&key(item)).and_then(|k| before.get(k)) {
            *item = (*old).clone();
        }
    }
    let present: BTreeSet<String> = items.iter().map(&key).collect();
    items.extend(
        previous
            .iter()
            .filter(|p| !present.contains(&key(p)))
            .cloned(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Gap;
    use crate::model::deploy::Deployment;
    use crate::model::pipeline::Pipeline;
    use crate::model::status::{DeploymentStatus, ExecutionMode};

    fn pipeline(name: &str, version: i32) -> Pipeline {
        Pipeline {
            name: name.into(),
            arn: None,
            version: Some(version),
            execution_mode: ExecutionMode::Superseded,
            stages: Vec::new(),
            executions: Vec::new(),
            pending: Vec::new(),
            failures: Vec::new(),
        }
    }

    fn gap(service: &str, operation: &str, target: Option<&str>) -> Gap {
        Gap {
            service: service.into(),
            operation: operation.into(),
            target: target.map(str::to_owned),
            kind: "service".into(),
            code: Some("InternalFailure".into()),
            message: "We encountered an internal error. Please try again.".into(),
            request_id: None,
            hint: None,
        }
    }

    fn before() -> Snapshot {
        Snapshot {
            pipelines: vec![
                pipeline("ledger-release", 1),
                pipeline("billing-release", 1),
            ],
            deployments: vec![Deployment::example("d-ONE", DeploymentStatus::InProgress)],
            ..Snapshot::default()
        }
    }

    #[test]
    fn a_service_that_failed_keeps_what_it_showed_and_the_gap_stays() {
        let mut now = Snapshot {
            deployments: vec![Deployment::example("d-ONE", DeploymentStatus::Succeeded)],
            gaps: vec![gap(CODEPIPELINE, "ListPipelines", None)],
            ..Snapshot::default()
        };
        now.keep_unread(&before());
        let names: Vec<&str> = now.pipelines.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["ledger-release", "billing-release"]);
        assert_eq!(
            now.deployments[0].status,
            DeploymentStatus::Succeeded,
            "what was read is as read"
        );
        assert_eq!(now.gaps.len(), 1, "the gap still says what was not read");
    }

    #[test]
    fn an_item_a_gap_names_is_taken_whole_from_before() {
        let mut now = Snapshot {
            pipelines: vec![
                pipeline("ledger-release", 2),
                pipeline("billing-release", 2),
            ],
            gaps: vec![gap(
                CODEPIPELINE,
                "GetPipelineState",
                Some("ledger-release"),
            )],
            ..Snapshot::default()
        };
        now.keep_unread(&before());
        let versions: Vec<(&str, Option<i32>)> = now
            .pipelines
            .iter()
            .map(|p| (p.name.as_str(), p.version))
            .collect();
        assert_eq!(
            versions,
            [("ledger-release", Some(1)), ("billing-release", Some(2))]
        );
    }

    #[test]
    fn a_snapshot_without_gaps_is_left_as_read() {
        let mut now = Snapshot {
            pipelines: vec![pipeline("ledger-release", 2)],
            ..Snapshot::default()
        };
        now.keep_unread(&before());
        assert_eq!(now.pipelines.len(), 1, "a pipeline deleted is gone");
        let mut other = Snapshot {
            gaps: vec![gap(ECS, "ListClusters", None)],
            ..Snapshot::default()
        };
        other.keep_unread(&before());
        assert!(
            other.pipelines.is_empty(),
            "a gap in ECS keeps nothing of CodePipeline's"
        );
    }
}

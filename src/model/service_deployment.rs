//! ECS service deployments: what ECS itself runs when a service's deployment controller is
//! `ECS` (blue/green, linear and canary since 2025, rolling before), as
//! DescribeServiceDeployments reports them, and the service revisions they move between. The
//! facts follow AWS's API reference and botocore's ECS model (`ServiceDeployment`,
//! `ServiceRevisionSummary`, `DeploymentLifecycleHookDetail`, `Rollback`); what the API does
//! not say (when a stage began) is not invented here.

use serde::Serialize;

use super::elb::ListenerRule;
use super::refs::{DeploymentRef, ServiceRef};
use super::status::{
    DeploymentStrategy, HookAction, HookStatus, HookTarget, MonitorStatus, ServiceDeploymentStage,
    ServiceDeploymentStatus,
};
use super::time::Timestamp;

/// One service deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceDeployment {
    pub arn: String,
    /// The service it deploys, from the deployment's ARN or the service's.
    pub service: ServiceRef,
    pub status: ServiceDeploymentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// The lifecycle stage it is in; absent before it starts and for rolling deployments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<ServiceDeploymentStage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// What ran before (blue): usually one revision, more after an interrupted deployment.
    pub sources: Vec<RevisionCounts>,
    /// What it deploys (green).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<RevisionCounts>,
    pub hooks: Vec<HookDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Strategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback: Option<RollbackInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circuit_breaker: Option<CircuitBreaker>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarms: Option<Alarms>,
    /// The production listener rule ECS moves for the service (its
    /// `advancedConfiguration.productionListenerRule`), linked by [`crate::model::Snapshot::link`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_rule: Option<String>,
    /// The share of production on the target revision, and where it was read; derived by
    /// [`crate::model::Snapshot::link`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_green: Option<GreenShare>,
}

/// The percent of production on green (the target revision), 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GreenShare {
    pub percent: f64,
    pub from: ShareFrom,
}

/// Where a share of production was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareFrom {
    /// The production listener rule's weights: what the load balancer does.
    ProductionRule,
    /// The weight ECS requested for the target revision, which may lag behind the rule.
    Requested,
}

/// A service revision's tasks and the traffic ECS asked for it (`ServiceRevisionSummary`).
/// The weights are what ECS requested, 0.0 to 100.0, and may lag behind the listener rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevisionCounts {
    pub arn: String,
    pub requested: i32,
    pub running: i32,
    pub pending: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_weight: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_weight: Option<f64>,
}

/// A lifecycle hook of the deployment (`DeploymentLifecycleHookDetail`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HookDetail {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<HookTarget>,
    /// The Lambda function; none for a pause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<HookStatus>,
    /// When its timeout action fires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_action: Option<HookAction>,
}

impl HookDetail {
    /// A pause waiting for a person: ContinueServiceDeployment answers it.
    pub fn waits_for_a_person(&self) -> bool {
        self.status == Some(HookStatus::AwaitingAction)
    }
}

/// How the deployment shifts traffic (`DeploymentConfiguration`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strategy {
    pub kind: DeploymentStrategy,
    /// Both revisions keep running this long after production has shifted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bake_minutes: Option<i32>,
    /// LINEAR: percent per step and the wait after each step but the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linear: Option<(f64, i32)>,
    /// CANARY: the canary's percent and its wait before the rest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary: Option<(f64, i32)>,
}

/// The rollback ECS started (`Rollback`): why, when, and the revision it returns to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollbackInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CircuitBreaker {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<MonitorStatus>,
    pub failures: i32,
    pub threshold: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alarms {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<MonitorStatus>,
    pub names: Vec<String>,
    pub triggered: Vec<String>,
}

/// A service revision (DescribeServiceRevisions): what a revision runs. It never changes, so
/// it is read once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRevision {
    pub arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    /// The container images it runs, as ECS resolved them (`image` and `imageDigest`).
    pub images: Vec<String>,
    /// The target groups its tasks register in (`loadBalancers[].targetGroupArn`): for a
    /// blue/green target revision, green.
    pub target_group_arns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

impl ServiceDeployment {
    /// A deployment of lab/shop in flight with nothing but its id, status and stage, for
    /// tests.
    #[cfg(test)]
    pub(crate) fn example(
        id: &str,
        status: ServiceDeploymentStatus,
        stage: Option<ServiceDeploymentStage>,
    ) -> Self {
        Self {
            arn: format!("arn:aws:ecs:us-east-1:123456789012:service-deployment/lab/shop/{id}"),
            service: ServiceRef::new("lab", "shop"),
            status,
            status_reason: None,
            stage,
            created_at: None,
            started_at: None,
            finished_at: None,
            stopped_at: None,
            updated_at: None,
            sources: Vec::new(),
            target: None,
            hooks: Vec::new(),
            strategy: None,
            rollback: None,
            circuit_breaker: None,
            alarms: None,
            production_rule: None,
            on_green: None,
        }
    }

    pub fn reference(&self) -> DeploymentRef {
        DeploymentRef::Ecs(self.arn.clone())
    }

    pub fn in_flight(&self) -> bool {
        !self.status.is_terminal()
    }

    /// The pause hooks waiting for a person.
    pub fn waiting_hooks(&self) -> impl Iterator<Item = &HookDetail> {
        self.hooks.iter().filter(|h| h.waits_for_a_person())
    }

    /// The failed hooks: a Lambda hook that failed or timed out, a pause answered ROLLBACK.
    pub fn failed_hooks(&self) -> impl Iterator<Item = &HookDetail> {
        self.hooks
            .iter()
            .filter(|h| matches!(h.status, Some(HookStatus::Failed | HookStatus::TimedOut)))
    }

    /// Whether it is going back to (or went back to) the source revision.
    pub fn is_rollback(&self) -> bool {
        matches!(
            self.status,
            ServiceDeploymentStatus::RollbackRequested
                | ServiceDeploymentStatus::RollbackInProgress
                | ServiceDeploymentStatus::RollbackSuccessful
                | ServiceDeploymentStatus::RollbackFailed
        ) || self.rollback.is_some()
    }

    /// Whether it ended badly: stopped, or rolled back (successfully or not).
    pub fn failed(&self) -> bool {
        matches!(
            self.status,
            ServiceDeploymentStatus::Stopped
                | ServiceDeploymentStatus::RollbackSuccessful
                | ServiceDeploymentStatus::RollbackFailed
        )
    }

    /// When it ended, or else when it was made.
    pub fn ended_or_created(&self) -> Option<Timestamp> {
        self.finished_at.or(self.stopped_at).or(self.created_at)
    }

    /// The share of production ECS asked the target revision to take, 0 to 100, as the
    /// deployment reports it. The listener rule's weights, where the snapshot has them, are
    /// the truth; this is the fallback when it has not.
    pub fn requested_on_green(&self) -> Option<f64> {
        self.target.as_ref()?.production_weight
    }
}

/// The percent of production on green. From the production rule's weights when the rule was
/// read and green's target group is known: the target revision's (`green`), else the one of
/// the service's pair (`pair`: `targetGroupArn` and `alternateTargetGroupArn`) the source
/// revisions do not use. Else the weight the deployment requested.
pub fn green_share(
    d: &ServiceDeployment,
    rule: Option<&ListenerRule>,
    pair: &[&str],
    revision_groups: impl Fn(&str) -> Option<Vec<String>>,
) -> Option<GreenShare> {
    let on_rule = rule.and_then(|rule| {
        let target = d.target.as_ref()?;
        let green = revision_groups(&target.arn)
            .and_then(|groups| {
                groups
                    .into_iter()
                    .find(|g| pair.contains(&g.as_str()) || rule.forwards_to(g))
            })
            .or_else(|| {
                let blue: Vec<String> = d
                    .sources
                    .iter()
                    .filter_map(|s| revision_groups(&s.arn))
                    .flatten()
                    .collect();
                let others: Vec<&str> = pair
                    .iter()
                    .copied()
                    .filter(|g| !blue.iter().any(|b| b == g))
                    .collect();
                (!blue.is_empty() && others.len() == 1).then(|| others[0].to_owned())
            })?;
        Some(GreenShare {
            percent: rule.share_of(&green),
            from: ShareFrom::ProductionRule,
        })
    });
    on_rule.or_else(|| {
        d.requested_on_green().map(|percent| GreenShare {
            percent,
            from: ShareFrom::Requested,
        })
    })
}

/// `cluster/service` from a service deployment's or service revision's ARN
/// (`arn:aws:ecs:REGION:ACCOUNT:service-deployment/CLUSTER/SERVICE/ID`), or from a service
/// ARN in the long form (`…:service/CLUSTER/SERVICE`).
pub fn service_of(arn: &str) -> Option<ServiceRef> {
    let (_, path) = arn.rsplit_once(':')?;
    let mut parts = path.split('/');
    let kind = parts.next()?;
    let cluster = parts.next()?;
    let service = parts.next()?;
    let known = matches!(kind, "service-deployment" | "service-revision" | "service");
    (known && !cluster.is_empty() && !service.is_empty()).then(|| ServiceRef::new(cluster, service))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::elb::Forward;

    fn counts(arn: &str, production: f64) -> RevisionCounts {
        RevisionCounts {
            arn: arn.into(),
            requested: 2,
            running: 2,
            pending: 0,
            test_weight: None,
            production_weight: Some(production),
        }
    }

    fn shifting() -> ServiceDeployment {
        ServiceDeployment {
            sources: vec![counts("blue-rev", 70.0)],
            target: Some(counts("green-rev", 30.0)),
            ..ServiceDeployment::example(
                "x",
                ServiceDeploymentStatus::InProgress,
                Some(ServiceDeploymentStage::ProductionTrafficShift),
            )
        }
    }

    fn rule(blue: i32, green: i32) -> ListenerRule {
        ListenerRule {
            arn: "rule".into(),
            listener_arn: "listener".into(),
            priority: "1".into(),
            is_default: false,
            conditions: Vec::new(),
            forwards: vec![
                Forward {
                    target_group_arn: "tg-a".into(),
                    weight: blue,
                },
                Forward {
                    target_group_arn: "tg-b".into(),
                    weight: green,
                },
            ],
            other_action: None,
        }
    }

    #[test]
    fn the_share_on_green_comes_from_the_rule_and_else_from_what_ecs_requested() {
        let d = shifting();
        let groups = |arn: &str| match arn {
            "green-rev" => Some(vec!["tg-b".to_owned()]),
            "blue-rev" => Some(vec!["tg-a".to_owned()]),
            _ => None,
        };
        let pair = ["tg-a", "tg-b"];
        // The rule moved further than the request says: the rule is the truth.
        let share = green_share(&d, Some(&rule(50, 50)), &pair, groups);
        assert_eq!(
            share,
            Some(GreenShare {
                percent: 50.0,
                from: ShareFrom::ProductionRule
            })
        );
        // The target revision not read: green is the one of the pair blue does not use.
        let blue_only = |arn: &str| (arn == "blue-rev").then(|| vec!["tg-a".to_owned()]);
        let share = green_share(&d, Some(&rule(80, 20)), &pair, blue_only);
        assert_eq!(share.map(|s| s.percent), Some(20.0));
        // No rule read, or no way to tell green: the request.
        let share = green_share(&d, None, &pair, groups);
        assert_eq!(
            share,
            Some(GreenShare {
                percent: 30.0,
                from: ShareFrom::Requested
            })
        );
        let share = green_share(&d, Some(&rule(80, 20)), &pair, |_| None);
        assert_eq!(share.map(|s| s.from), Some(ShareFrom::Requested));
    }

    #[test]
    fn the_service_comes_from_the_arn_in_aws_s_formats() {
        // The ARN formats of AWS's API examples (reference §3.5).
        assert_eq!(
            service_of("arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/api/r4nD0m"),
            Some(ServiceRef::new("prod", "api"))
        );
        assert_eq!(
            service_of(
                "arn:aws:ecs:us-east-1:123456789012:service-revision/prod/api/4980306466373577095"
            ),
            Some(ServiceRef::new("prod", "api"))
        );
        assert_eq!(
            service_of("arn:aws:ecs:us-east-1:123456789012:service/prod/api"),
            Some(ServiceRef::new("prod", "api"))
        );
        // The short form names no cluster; a task is not a service.
        assert_eq!(
            service_of("arn:aws:ecs:us-east-1:123456789012:service/api"),
            None
        );
        assert_eq!(service_of("arn:aws:ecs:us-east-1:1:task/prod/abc"), None);
        assert_eq!(service_of("not an arn"), None);
    }
}

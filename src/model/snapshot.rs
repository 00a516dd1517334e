//! One consistent picture of the fleet, taken at one instant: everything read, what could not
//! be read and why, the links resolved and the derived facts computed once in [`Snapshot::link`].

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::attention::{self, Attention};
use super::deploy::{Application, Deployment, DeploymentGroup, Routing};
use super::ecs::{Cluster, Service};
use super::elb::{Listener, ListenerRule, LoadBalancer, TargetGroup};
use super::pipeline::Pipeline;
use super::progress;
use super::service_deployment::{self, ServiceDeployment, ServiceRevision};
use super::source::Source;
use super::time::Timestamp;

/// The version of the `--json` schema; bumped when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identity {
    pub account: String,
    pub principal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// Something that could not be read: which call, on what, and the classified error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub service: String,
    pub operation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `throttled`, `access_denied`, `not_found`, `expired_credentials`, `no_credentials`,
    /// `network`, `timeout`, `service`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// What to do about it, when there is something to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Gap {
    /// `service Operation on target: code: message`: what could not be read, in a line
    /// (its hint apart).
    pub fn line(&self) -> String {
        let on = self
            .target
            .as_ref()
            .map_or_else(String::new, |t| format!(" on {t}"));
        let code = self
            .code
            .as_ref()
            .map_or_else(String::new, |c| format!("{c}: "));
        format!(
            "{} {}{on}: {code}{}",
            self.service, self.operation, self.message
        )
    }

    /// Whether only a person can mend it (a permission to grant): a throttle, a timeout or a
    /// 5xx passes on its own.
    pub fn needs_a_person(&self) -> bool {
        self.kind == "access_denied"
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Snapshot {
    pub schema_version: u32,
    pub taken_at: Timestamp,
    /// Where it was read from; its account is the identity's, once that was read.
    #[serde(serialize_with = "Source::serialize_in_status")]
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    pub pipelines: Vec<Pipeline>,
    pub applications: Vec<Application>,
    pub deployment_groups: Vec<DeploymentGroup>,
    pub deployments: Vec<Deployment>,
    /// ECS service deployments (ECS-native blue/green, linear, canary; rolling) of the
    /// services in scope whose controller is ECS: in flight and of the last 24 hours,
    /// newest first.
    pub service_deployments: Vec<ServiceDeployment>,
    /// The service revisions those deployments move between.
    pub service_revisions: Vec<ServiceRevision>,
    pub clusters: Vec<Cluster>,
    pub services: Vec<Service>,
    pub load_balancers: Vec<LoadBalancer>,
    pub listeners: Vec<Listener>,
    pub rules: Vec<ListenerRule>,
    pub target_groups: Vec<TargetGroup>,
    /// The traffic routing of every deployment config in use, by name.
    pub deployment_configs: BTreeMap<String, Routing>,
    /// What the last full read could not read.
    pub gaps: Vec<Gap>,
    /// What the last hot refresh could not read; kept apart, so that a refresh that reads
    /// only what moves never hides what the full read missed.
    #[serde(skip)]
    pub hot_gaps: Vec<Gap>,
    pub attention: Attention,
    /// Deployments read and found not to be this console's (outside the scope, or of
    /// another compute platform): the hot refresh does not read them again.
    #[serde(skip)]
    pub not_ours: std::collections::BTreeSet<String>,
}

impl Snapshot {
    /// What could not be read, by the full read and by the last hot refresh.
    pub fn all_gaps(&self) -> impl Iterator<Item = &Gap> {
        self.gaps.iter().chain(&self.hot_gaps)
    }

    /// Resolves the links between services and derives progress and attention. Called once,
    /// after everything is read.
    pub fn link(&mut self) {
        self.schema_version = SCHEMA_VERSION;
        let tg_by_name: HashMap<&str, &str> = self
            .target_groups
            .iter()
            .map(|t| (t.name.as_str(), t.arn.as_str()))
            .collect();
        let listener_rules: HashMap<&str, Vec<&ListenerRule>> =
            self.rules.iter().fold(HashMap::new(), |mut map, rule| {
                map.entry(rule.listener_arn.as_str())
                    .or_default()
                    .push(rule);
                map
            });
        for group in &mut self.deployment_groups {
            group.target_group_arns = group
                .target_group_names
                .iter()
                .map(|n| tg_by_name.get(n.as_str()).map(|a| (*a).to_owned()))
                .collect();
            let pair: Vec<&str> = group
                .target_group_arns
                .iter()
                .flatten()
                .map(String::as_str)
                .collect();
            let rules_on = |listeners: &[String]| -> Vec<String> {
                listeners
                    .iter()
                    .flat_map(|l| listener_rules.get(l.as_str()).into_iter().flatten())
                    .filter(|r| pair.iter().any(|tg| r.forwards_to(tg)))
                    .map(|r| r.arn.clone())
                    .collect()
            };
            group.production_rules = rules_on(&group.production_listeners);
            group.test_rules = rules_on(&group.test_listeners);
        }
        let routing: HashMap<&str, Routing> = self
            .deployment_configs
            .iter()
            .map(|(name, r)| (name.as_str(), *r))
            .collect();
        for group in &mut self.deployment_groups {
            group.routing = routing.get(group.config.as_str()).copied();
        }
        for d in &mut self.deployments {
            d.progress = Some(progress::progress(
                d,
                routing.get(d.config.as_str()).copied(),
                self.taken_at,
            ));
        }
        self.link_service_deployments();
        self.attention = attention::derive(self);
    }

    /// Links each service deployment to the production rule its service's
    /// `advancedConfiguration` names, and derives its share of production on green.
    fn link_service_deployments(&mut self) {
        let mut deployments = std::mem::take(&mut self.service_deployments);
        for d in &mut deployments {
            let link = self
                .service(&d.service.cluster, &d.service.service)
                .and_then(|s| {
                    s.load_balancers
                        .iter()
                        .find(|l| l.production_listener_rule.is_some())
                });
            d.production_rule = link.and_then(|l| l.production_listener_rule.clone());
            let pair: Vec<&str> = link
                .into_iter()
                .flat_map(|l| [&l.target_group_arn, &l.alternate_target_group_arn])
                .filter_map(Option::as_deref)
                .collect();
            let rule = d.production_rule.as_deref().and_then(|arn| self.rule(arn));
            d.on_green = service_deployment::green_share(d, rule, &pair, |arn| {
                self.service_revision(arn)
                    .map(|r| r.target_group_arns.clone())
            });
        }
        self.service_deployments = deployments;
    }

    pub fn service_deployment(&self, arn: &str) -> Option<&ServiceDeployment> {
        self.service_deployments.iter().find(|d| d.arn == arn)
    }

    pub fn service_revision(&self, arn: &str) -> Option<&ServiceRevision> {
        self.service_revisions.iter().find(|r| r.arn == arn)
    }

    pub fn deployment(&self, id: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.id == id)
    }

    /// The deployment a reference names, if the snapshot read it. It reads CodeDeploy
    /// deployments; an ECS service deployment is not among them.
    pub fn find(&self, reference: &super::DeploymentRef) -> Option<&Deployment> {
        self.deployment(reference.codedeploy()?)
    }

    pub fn group(&self, application: &str, name: &str) -> Option<&DeploymentGroup> {
        self.deployment_groups
            .iter()
            .find(|g| g.application == application && g.name == name)
    }

    pub fn service(&self, cluster: &str, name: &str) -> Option<&Service> {
        self.services
            .iter()
            .find(|s| s.cluster == cluster && s.name == name)
    }

    pub fn target_group(&self, arn: &str) -> Option<&TargetGroup> {
        self.target_groups.iter().find(|t| t.arn == arn)
    }

    pub fn rule(&self, arn: &str) -> Option<&ListenerRule> {
        self.rules.iter().find(|r| r.arn == arn)
    }

    pub fn pipeline(&self, name: &str) -> Option<&Pipeline> {
        self.pipelines.iter().find(|p| p.name == name)
    }

    /// The service a deployment group deploys.
    pub fn service_of(&self, group: &DeploymentGroup) -> Option<&Service> {
        self.service(group.cluster.as_deref()?, group.service.as_deref()?)
    }

    /// The deployment group of a deployment.
    pub fn group_of(&self, d: &Deployment) -> Option<&DeploymentGroup> {
        self.group(&d.application, &d.deployment_group)
    }

    /// Percent of production on `target_group_arn` as the group's production rules send it;
    /// `None` when the rules were not read.
    pub fn rule_share(&self, group: &DeploymentGroup, target_group_arn: &str) -> Option<f64> {
        let rule = self.rule(group.production_rules.first()?)?;
        Some(rule.share_of(target_group_arn))
    }
}

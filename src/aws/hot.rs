//! The hot refresh: re-reads only what is moving — deployments in flight (and any new one),
//! the services, rules and target health they touch, and pipelines with a running execution —
//! so that a console can poll every few seconds without reading the account whole. The cold
//! snapshot ([`super::snapshot`]) reads the rest, rarely.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;

use super::codepipeline::cache::Within;

use super::codedeploy::Platform;
use super::{
    AwsError, Clients, codedeploy, codepipeline, ecs, elbv2, revisions, service_deployments,
};
use crate::model::Snapshot;
use crate::model::deploy::Deployment;
use crate::model::ecs::Service;
use crate::model::elb::{ListenerRule, Target};
use crate::model::pipeline::Pipeline;
use crate::model::service_deployment::ServiceDeployment;

const IN_FLIGHT: &[&str] = &["Created", "Queued", "InProgress", "Baking", "Ready"];

/// The AWS service a part of the hot refresh reads. Each part is sent and comes back on its
/// own: a slow or failing service holds up its own panels and no other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lane {
    /// Deployments (with their targets) and the search for new ones.
    CodeDeploy,
    /// Services and service deployments.
    Ecs,
    /// Target health and listener rules.
    Elb,
    /// Pipelines.
    CodePipeline,
}

impl Lane {
    pub const ALL: [Lane; 4] = [Lane::CodeDeploy, Lane::Ecs, Lane::Elb, Lane::CodePipeline];

    /// The service's IAM prefix, as the gaps name it.
    pub fn service(self) -> &'static str {
        match self {
            Lane::CodeDeploy => "codedeploy",
            Lane::Ecs => "ecs",
            Lane::Elb => "elasticloadbalancing",
            Lane::CodePipeline => "codepipeline",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of lanes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Lanes(u8);

impl Lanes {
    pub const NONE: Lanes = Lanes(0);
    pub const ALL: Lanes = Lanes(0b1111);

    pub fn one(lane: Lane) -> Self {
        Lanes(lane.bit())
    }

    pub fn contains(self, lane: Lane) -> bool {
        self.0 & lane.bit() != 0
    }

    pub fn with(self, lane: Lane) -> Self {
        Lanes(self.0 | lane.bit())
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Lane> {
        Lane::ALL.into_iter().filter(move |l| self.contains(*l))
    }
}

/// What a hot refresh reads, as the refresh scheduler chose it (`sync::heat`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HotSet {
    pub deployments: BTreeSet<String>,
    pub services: BTreeSet<(String, String)>,
    pub target_groups: BTreeSet<String>,
    pub rules: BTreeSet<String>,
    pub pipelines: BTreeSet<String>,
    /// ECS service deployments in flight, by ARN: one DescribeServiceDeployments batch.
    pub service_deployments: BTreeSet<String>,
    /// `application/group` → `cluster:service` of every deployment group the snapshot read:
    /// the groups in scope. A deployment in flight elsewhere is not this console's.
    pub targets: BTreeMap<(String, String), String>,
    /// Deployments in flight already found not to be this console's: not read again.
    pub not_ours: BTreeSet<String>,
    /// Whether to look for deployments started since (ListDeployments): with what is warm.
    pub discover: bool,
}

impl HotSet {
    /// Whether nothing moves: what is warm alone (services, rules, health, the search for
    /// new deployments) is read only beside something that moves.
    pub fn is_empty(&self) -> bool {
        self.deployments.is_empty()
            && self.pipelines.is_empty()
            && self.service_deployments.is_empty()
    }

    /// The lanes with something to read.
    pub fn lanes(&self) -> Lanes {
        Lane::ALL
            .into_iter()
            .filter(|lane| match lane {
                Lane::CodeDeploy => !self.deployments.is_empty() || self.discover,
                Lane::Ecs => !self.services.is_empty() || !self.service_deployments.is_empty(),
                Lane::Elb => !self.target_groups.is_empty() || !self.rules.is_empty(),
                Lane::CodePipeline => !self.pipelines.is_empty(),
            })
            .fold(Lanes::NONE, Lanes::with)
    }

    /// What of this set the lanes in `lanes` read; the rest left out.
    pub fn only(&self, lanes: Lanes) -> HotSet {
        let mut set = self.clone();
        if !lanes.contains(Lane::CodeDeploy) {
            set.deployments.clear();
            set.discover = false;
        }
        if !lanes.contains(Lane::Ecs) {
            set.services.clear();
            set.service_deployments.clear();
        }
        if !lanes.contains(Lane::Elb) {
            set.target_groups.clear();
            set.rules.clear();
        }
        if !lanes.contains(Lane::CodePipeline) {
            set.pipelines.clear();
        }
        set
    }
}

/// What a hot refresh read.
#[derive(Debug, Clone, Default)]
pub struct HotUpdate {
    /// The lanes it read: what it says about them replaces what was known (their errors,
    /// the deployments not ours); other lanes' are left as they are.
    pub lanes: Lanes,
    pub deployments: Vec<Deployment>,
    pub services: Vec<Service>,
    pub health: Vec<(String, Vec<Target>)>,
    pub rules: Vec<ListenerRule>,
    pub pipelines: Vec<Pipeline>,
    pub service_deployments: Vec<ServiceDeployment>,
    pub errors: Vec<AwsError>,
    /// Deployments in flight that are not this console's, as now known.
    pub not_ours: BTreeSet<String>,
}

/// Re-reads what `set` names, and any deployment started since in a deployment group of the
/// set (the groups in scope) on ECS. Deployments in flight elsewhere in the account (other
/// teams' applications, Lambda and EC2 deployments) are read once, to learn they are not
/// ours, and then left alone until they end.
pub async fn refresh(c: &Clients, set: &HotSet) -> HotUpdate {
    let mut out = HotUpdate {
        lanes: set.lanes(),
        ..HotUpdate::default()
    };
    let batches = service_batches(set);
    let (listed, services, health, rules, pipelines, native) = tokio::join!(
        discover(c, set),
        join_all(
            batches
                .iter()
                .map(|(cluster, chunk)| ecs::describe_services(c, cluster, chunk))
        ),
        join_all(
            set.target_groups
                .iter()
                .map(|arn| async move { (arn.clone(), elbv2::target_health(c, arn).await) })
        ),
        join_all(
            set.rules
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .chunks(20)
                .map(|chunk| elbv2::rules_by_arn(c, chunk.to_vec()))
        ),
        join_all(
            set.pipelines
                .iter()
                .map(|name| codepipeline::pipeline_refreshed(c, name, None, Within::NOTHING))
        ),
        in_flight(c, set),
    );
    match native {
        Ok(list) => out.service_deployments = list,
        Err(error) => out.errors.push(error),
    }
    // Deployments: the ones we follow plus any that started since.
    let (deployments, not_ours) = read_deployments(c, set, listed, &mut out.errors).await;
    let targets = join_all(deployments.iter().map(|d| {
        let target = set
            .targets
            .get(&(d.application.clone(), d.deployment_group.clone()))
            .filter(|_| d.status.has_started())
            .cloned();
        async move {
            match target {
                Some(target) => codedeploy::target(c, &d.id, &target).await,
                None => Ok(None),
            }
        }
    }))
    .await;
    // A deployment whose target could not be read would lose its traffic and lifecycle on
    // screen: it is left out, and stays as it was last read whole.
    for (mut d, target) in deployments.into_iter().zip(targets) {
        match target {
            Ok(target) => {
                d.target = target;
                out.deployments.push(d);
            }
            Err(error) => out.errors.push(error),
        }
    }
    out.not_ours = not_ours;
    for result in services {
        match result {
            Ok(list) => out.services.extend(list),
            Err(error) => out.errors.push(error),
        }
    }
    for (arn, result) in health {
        match result {
            Ok(targets) => out.health.push((arn, targets)),
            Err(error) => out.errors.push(error),
        }
    }
    for result in rules {
        match result {
            Ok(list) => out.rules.extend(list),
            Err(error) => out.errors.push(error),
        }
    }
    for result in pipelines {
        match result {
            Ok((pipeline, missing)) if missing.is_empty() => out.pipelines.push(pipeline),
            // Read in part (its state or its executions missing), it would replace the
            // pipeline on screen with less of it: it stays as it was last read whole.
            Ok((_, missing)) => out.errors.extend(missing),
            Err(error) => out.errors.push(error),
        }
    }
    out
}

/// The services of `set` by cluster, in DescribeServices batches.
fn service_batches(set: &HotSet) -> Vec<(&str, Vec<String>)> {
    let by_cluster = set.services.iter().fold(
        BTreeMap::<&str, Vec<String>>::new(),
        |mut m, (cluster, name)| {
            m.entry(cluster.as_str()).or_default().push(name.clone());
            m
        },
    );
    by_cluster
        .into_iter()
        .flat_map(|(cluster, names)| {
            names
                .chunks(ecs::DESCRIBE_SERVICES_BATCH)
                .map(|chunk| (cluster, chunk.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The CodeDeploy deployments in flight in the account, when `set` looks for new ones.
async fn discover(c: &Clients, set: &HotSet) -> Result<Option<Vec<String>>, AwsError> {
    if set.discover {
        codedeploy::list_deployments(c, IN_FLIGHT, None)
            .await
            .map(Some)
    } else {
        Ok(None)
    }
}

/// The ECS service deployments in flight: one DescribeServiceDeployments batch (20 a call),
/// none when there are none. New ones are found by the cold snapshot, which lists each
/// service's: listing them here would cost a call per service per poll.
async fn in_flight(c: &Clients, set: &HotSet) -> Result<Vec<ServiceDeployment>, AwsError> {
    if set.service_deployments.is_empty() {
        return Ok(Vec::new());
    }
    let arns: Vec<String> = set.service_deployments.iter().cloned().collect();
    service_deployments::describe(c, &arns).await
}

/// The deployments followed and those listed in flight since, read in batches; those listed
/// that are not ours (not ECS, or in a group outside the set) are left out and remembered.
async fn read_deployments(
    c: &Clients,
    set: &HotSet,
    listed: Result<Option<Vec<String>>, AwsError>,
    errors: &mut Vec<AwsError>,
) -> (Vec<Deployment>, BTreeSet<String>) {
    let mut ids: BTreeSet<String> = set.deployments.clone();
    let mut not_ours = set.not_ours.clone();
    match listed {
        Ok(None) => {}
        Ok(Some(listed)) => {
            let listed: BTreeSet<String> = listed.into_iter().collect();
            // Those no longer in flight are forgotten: the memory stays as small as the list.
            not_ours.retain(|id| listed.contains(id));
            ids.extend(listed.into_iter().filter(|id| !not_ours.contains(id)));
        }
        Err(error) => errors.push(error),
    }
    let ids: Vec<String> = ids.into_iter().collect();
    let read = join_all(
        ids.chunks(codedeploy::BATCH_DEPLOYMENTS)
            .map(|chunk| codedeploy::deployments_on(c, chunk)),
    )
    .await;
    let mut deployments: Vec<Deployment> = Vec::new();
    for result in read {
        match result {
            Ok(list) => {
                for (d, platform) in list {
                    let in_scope = platform == Platform::Ecs
                        && set
                            .targets
                            .contains_key(&(d.application.clone(), d.deployment_group.clone()));
                    if in_scope || set.deployments.contains(&d.id) {
                        deployments.push(d);
                    } else {
                        not_ours.insert(d.id);
                    }
                }
            }
            Err(error) => errors.push(error),
        }
    }
    // The AppSpec each deploys, read once per revision (cached); a revision that could not
    // be read is the cold snapshot's to report.
    let _ = revisions::resolve(c, &mut deployments).await;
    (deployments, not_ours)
}

impl HotUpdate {
    /// Whether every call failed and nothing came back (the endpoint unreachable, the
    /// credentials expired): such a refresh brings no data, and the data on screen grows
    /// older.
    pub fn read_nothing(&self) -> bool {
        !self.errors.is_empty()
            && self.deployments.is_empty()
            && self.services.is_empty()
            && self.health.is_empty()
            && self.rules.is_empty()
            && self.pipelines.is_empty()
            && self.service_deployments.is_empty()
    }

    /// Folds what was re-read into a snapshot and links it again; whether anything a screen
    /// shows changed (beyond the time it was read). Items are replaced in place and compared
    /// one by one: a still fleet costs no copy of the snapshot.
    pub fn apply(self, s: &mut Snapshot, taken_at: crate::model::Timestamp) -> bool {
        let mut changed = false;
        for d in self.deployments {
            if let Some(slot) = s.deployments.iter_mut().find(|x| x.id == d.id) {
                changed |= replace(slot, d, |old, new| new.progress = old.progress.clone());
            } else {
                s.deployments.insert(0, d);
                changed = true;
            }
        }
        for d in self.service_deployments {
            if let Some(slot) = s.service_deployments.iter_mut().find(|x| x.arn == d.arn) {
                // The links and the share are derived again below.
                changed |= replace(slot, d, |old, new| {
                    new.production_rule.clone_from(&old.production_rule);
                    new.on_green = old.on_green;
                });
            } else {
                s.service_deployments.insert(0, d);
                changed = true;
            }
        }
        for v in self.services {
            // Stopped tasks are read by the cold snapshot only: keep them.
            if let Some(slot) = s
                .services
                .iter_mut()
                .find(|x| x.cluster == v.cluster && x.name == v.name)
            {
                changed |= replace(slot, v, |old, new| {
                    new.stopped_tasks = old.stopped_tasks.clone();
                });
            } else {
                s.services.push(v);
                changed = true;
            }
        }
        for (arn, targets) in self.health {
            if let Some(tg) = s.target_groups.iter_mut().find(|t| t.arn == arn)
                && tg.targets.as_ref() != Some(&targets)
            {
                tg.targets = Some(targets);
                changed = true;
            }
        }
        for rule in self.rules {
            if let Some(slot) = s.rules.iter_mut().find(|r| r.arn == rule.arn) {
                changed |= replace(slot, rule, |_, _| {});
            } else {
                s.rules.push(rule);
                changed = true;
            }
        }
        for p in self.pipelines {
            if let Some(slot) = s.pipelines.iter_mut().find(|x| x.name == p.name) {
                // Failure details are read by the cold snapshot only: keep them.
                changed |= replace(slot, p, |old, new| new.failures = old.failures.clone());
            }
        }
        if self.lanes.contains(Lane::CodeDeploy) {
            s.not_ours = self.not_ours;
        }
        // The gaps of the lanes read are replaced; the other lanes' stay until they are read.
        let lanes = self.lanes;
        let mut gaps: Vec<_> = s
            .hot_gaps
            .iter()
            .filter(|g| !lanes.iter().any(|l| l.service() == g.service))
            .cloned()
            .collect();
        gaps.extend(self.errors.iter().map(AwsError::to_gap));
        changed |= gaps != s.hot_gaps;
        s.hot_gaps = gaps;
        s.taken_at = taken_at;
        let attention = std::mem::take(&mut s.attention);
        s.link();
        changed || attention != s.attention
    }
}

/// Puts `new` in `slot` (after `keep` carried over what the hot refresh does not read);
/// whether it differed.
fn replace<T: PartialEq>(slot: &mut T, mut new: T, keep: impl FnOnce(&T, &mut T)) -> bool {
    keep(slot, &mut new);
    if *slot == new {
        false
    } else {
        *slot = new;
        true
    }
}

//! Releases without configuration: the pipelines whose current executions carry the same
//! source revision (a commit, in the typical case the same one in the test account's and the
//! prod account's pipelines), with the services they deploy to. The revision is the commit id
//! of CodePipeline ListPipelineExecutions' `sourceRevisions[].revisionId`; an execution is
//! a pipeline's current one when it is the newest in progress, else the newest read
//! ([`crate::model::pipeline::Pipeline::current_execution`]); one carrying several source
//! revisions (several source actions) is grouped by each.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Snapshot;
use crate::model::Timestamp;
use crate::model::pipeline::Pipeline;
use crate::sources::SourceSpec;

use super::ReleaseDef;

/// What the name of a group of a shared revision starts with: `rev:9cfbd65`.
pub const REVISION_PREFIX: &str = "rev:";

/// How many of the commit's characters a group's name takes, at least.
const SHORT: usize = 7;

/// The services (`cluster/service`) a pipeline deploys to: its CodeDeployToECS actions'
/// deployment groups' services, and its ECS deploy actions' `ClusterName`/`ServiceName`.
pub fn deploys_to(s: &Snapshot, p: &Pipeline) -> Vec<String> {
    let mut out = Vec::new();
    for (_, a) in p.actions() {
        let service = match &a.deploys_to {
            Some(t) => s
                .group(&t.application, &t.deployment_group)
                .and_then(|g| Some(format!("{}/{}", g.cluster.as_ref()?, g.service.as_ref()?))),
            None if a.provider == "ECS" => a
                .configuration
                .get("ClusterName")
                .zip(a.configuration.get("ServiceName"))
                .map(|(c, v)| format!("{c}/{v}")),
            None => None,
        };
        if let Some(service) = service.filter(|v| !out.contains(v)) {
            out.push(service);
        }
    }
    out
}

/// A revision id without an algorithm's prefix (`sha256:` of an image digest): what a
/// group's name shortens.
pub(super) fn bare(id: &str) -> &str {
    id.rsplit_once(':').map_or(id, |(_, rest)| rest)
}

#[derive(Default)]
struct Group {
    /// `(source, pipeline)` pairs at the revision.
    carriers: usize,
    pipelines: BTreeSet<String>,
    services: BTreeSet<String>,
    newest: Option<Timestamp>,
}

/// Every source revision the current execution of at least two pipelines carries, across
/// `read` or within one source, as a release: named `rev:` and the commit's first seven
/// characters (more when two groups' commits start alike), its members those pipelines and
/// the services they deploy to. The commit started most recently first.
pub fn by_revision(read: &[(SourceSpec, &Snapshot)]) -> Vec<ReleaseDef> {
    let mut groups: BTreeMap<&str, Group> = BTreeMap::new();
    for (_, s) in read {
        for p in &s.pipelines {
            let Some(e) = p.current_execution() else {
                continue;
            };
            let ids: BTreeSet<&str> = e
                .source_revisions
                .iter()
                .map(|r| r.revision_id.as_str())
                .filter(|id| !bare(id).is_empty())
                .collect();
            for id in ids {
                let g = groups.entry(id).or_default();
                g.carriers += 1;
                g.pipelines.insert(p.name.clone());
                g.services.extend(deploys_to(s, p));
                g.newest = g.newest.max(e.started);
            }
        }
    }
    let mut kept: Vec<(&str, Group)> = groups
        .into_iter()
        .filter(|(_, g)| g.carriers >= 2)
        .collect();
    kept.sort_by(|a, b| b.1.newest.cmp(&a.1.newest).then(a.0.cmp(b.0)));
    let ids: Vec<&str> = kept.iter().map(|(id, _)| *id).collect();
    kept.iter()
        .map(|(id, g)| ReleaseDef {
            name: format!("{REVISION_PREFIX}{}", short_name(id, &ids)),
            pipelines: g.pipelines.iter().cloned().collect(),
            services: g.services.iter().cloned().collect(),
            revision: Some((*id).to_owned()),
        })
        .collect()
}

/// The shortest start of `id` (without its algorithm), of at least [`SHORT`] characters, that
/// no other of `ids` starts with.
fn short_name(id: &str, ids: &[&str]) -> String {
    let own: Vec<char> = bare(id).chars().collect();
    let others: Vec<Vec<char>> = ids
        .iter()
        .filter(|other| **other != id)
        .map(|other| bare(other).chars().collect())
        .collect();
    let mut n = SHORT.min(own.len());
    while n < own.len() && others.iter().any(|o| o.starts_with(&own[..n])) {
        n += 1;
    }
    own[..n].iter().collect()
}

/// The release `name` names: the config file's of that name first; else the group of a shared
/// revision of that name, or whose commit starts with what follows `rev:` (seven characters
/// or more). `Err` says why none, naming the releases there are.
pub fn find(
    name: &str,
    configured: &[ReleaseDef],
    groups: &[ReleaseDef],
) -> Result<ReleaseDef, String> {
    if let Some(def) = configured.iter().find(|r| r.name == name) {
        return Ok(def.clone());
    }
    if let Some(def) = groups.iter().find(|r| r.name == name) {
        return Ok(def.clone());
    }
    let prefix = name
        .strip_prefix(REVISION_PREFIX)
        .map(str::to_ascii_lowercase)
        .filter(|p| p.chars().count() >= SHORT);
    if let Some(prefix) = prefix {
        let matching: Vec<&ReleaseDef> = groups
            .iter()
            .filter(|g| {
                g.revision
                    .as_deref()
                    .is_some_and(|id| bare(id).to_ascii_lowercase().starts_with(&prefix))
            })
            .collect();
        match matching.as_slice() {
            [one] => return Ok((*one).clone()),
            [] => {}
            several => {
                let names: Vec<&str> = several.iter().map(|g| g.name.as_str()).collect();
                return Err(format!(
                    "{name} is the start of several shared revisions: {}",
                    names.join(", ")
                ));
            }
        }
    }
    let known: Vec<&str> = configured.iter().map(|r| r.name.as_str()).collect();
    let shared: Vec<&str> = groups.iter().map(|r| r.name.as_str()).collect();
    Err(format!(
        "no release {name} in the config file{}{}",
        if known.is_empty() {
            " (it has no [[release]])".to_owned()
        } else {
            format!("; it has {}", known.join(", "))
        },
        if shared.is_empty() {
            "; no two pipelines' current executions carry the same commit".to_owned()
        } else {
            format!("; the revisions pipelines share: {}", shared.join(", "))
        }
    ))
}

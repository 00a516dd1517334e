//! The evidence beside a decision, read: [`gather`] takes a snapshot (the console's, or the
//! few objects [`read_around`] reads for the command line), picks what to compare
//! (`model::evidence::pick`) and reads the two task definitions through the shared
//! [`TaskDefinitionCache`]. What cannot be read becomes a line of `unavailable`; it never
//! fails the decision it stands beside.

use std::collections::BTreeSet;

use futures::future::join_all;

use super::task_definitions::{TaskDefinitionCache, task_definition};
use super::{
    AwsError, Clients, ErrorKind, codedeploy, codepipeline, ecs, elbv2, service_deployments,
};
use crate::model::ServiceRef;
use crate::model::elb::TargetGroup;
use crate::model::evidence::{Diff, Evidence, NotFound, Point, pick};
use crate::model::{Snapshot, Timestamp};

/// The evidence of `point` in `snapshot`, with the diff of the two task definitions when both
/// can be read; `NotFound` when the snapshot does not hold the decision point.
pub async fn gather(
    c: &Clients,
    cache: &TaskDefinitionCache,
    snapshot: &Snapshot,
    point: &Point,
) -> Result<Evidence, NotFound> {
    let picked = pick(snapshot, point)?;
    let mut evidence = Evidence::from_picked(point.clone(), picked);
    if let (Some(running), Some(next)) = (&evidence.running, &evidence.next) {
        let (from, to) = tokio::join!(
            task_definition(c, cache, &running.task_definition),
            task_definition(c, cache, &next.task_definition),
        );
        match (from, to) {
            (Ok(from), Ok(to)) => evidence.diff = Some(Diff::between(&from, &to)),
            (Err(e), _) | (_, Err(e)) => evidence.unavailable.push(e.to_string()),
        }
    }
    Ok(evidence)
}

/// Reads what the evidence of `point` needs and nothing else: the pipeline and the services
/// its deploy actions deploy to; the deployment, its ECS target and its service; the service
/// deployment, its revisions and its service; and those services' target health. A read that
/// fails later than the first is a gap of the snapshot; the first failing is the error (a
/// decision point that does not exist reads as an empty snapshot).
pub async fn read_around(c: &Clients, point: &Point) -> Result<Snapshot, AwsError> {
    // The joined reads make a large future; keep it on the heap, not the caller's stack.
    Box::pin(read_point(c, point)).await
}

async fn read_point(c: &Clients, point: &Point) -> Result<Snapshot, AwsError> {
    let mut s = Snapshot {
        taken_at: c.server_time().unwrap_or(Timestamp(0)),
        source: c.source(),
        ..Snapshot::default()
    };
    let found = match point {
        Point::Gate { pipeline, .. } => read_gate(c, &mut s, pipeline).await,
        Point::Ready { deployment } => read_ready(c, &mut s, deployment).await,
        Point::Hook { deployment_arn } => read_hook(c, &mut s, deployment_arn).await,
    };
    match found {
        Ok(services) => read_services(c, &mut s, services).await,
        Err(e) if e.kind == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if let Some(at) = c.server_time() {
        s.taken_at = at;
    }
    s.link();
    Ok(s)
}

/// The pipeline and the deployment groups of its deploy actions; the services to read.
async fn read_gate(c: &Clients, s: &mut Snapshot, name: &str) -> Result<Vec<ServiceRef>, AwsError> {
    let (pipeline, errors) = codepipeline::pipeline(c, name).await?;
    s.gaps.extend(errors.iter().map(AwsError::to_gap));
    let targets: BTreeSet<(String, String)> = pipeline
        .actions()
        .filter_map(|(_, a)| a.deploys_to.clone())
        .map(|t| (t.application, t.deployment_group))
        .collect();
    s.pipelines.push(pipeline);
    let reads = join_all(
        targets
            .iter()
            .map(|(app, group)| codedeploy::groups(c, app, std::slice::from_ref(group))),
    )
    .await;
    for read in reads {
        match read {
            Ok(groups) => s.deployment_groups.extend(groups),
            Err(e) => s.gaps.push(e.to_gap()),
        }
    }
    Ok(group_services(s))
}

fn group_services(s: &Snapshot) -> Vec<ServiceRef> {
    s.deployment_groups
        .iter()
        .filter_map(|g| Some(ServiceRef::new(g.cluster.clone()?, g.service.clone()?)))
        .collect()
}

/// The deployment with its AppSpec, its group and its ECS target (task sets by label).
async fn read_ready(c: &Clients, s: &mut Snapshot, id: &str) -> Result<Vec<ServiceRef>, AwsError> {
    let Some(mut d) = codedeploy::deployments(c, &[id.to_owned()])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(Vec::new());
    };
    match codedeploy::groups(c, &d.application, std::slice::from_ref(&d.deployment_group)).await {
        Ok(groups) => s.deployment_groups.extend(groups),
        Err(e) => s.gaps.push(e.to_gap()),
    }
    let services = group_services(s);
    if let Some(service) = services.first()
        && d.status.has_started()
    {
        match codedeploy::target(c, id, &format!("{}:{}", service.cluster, service.service)).await {
            Ok(target) => d.target = target,
            Err(e) => s.gaps.push(e.to_gap()),
        }
    }
    s.deployments.push(d);
    Ok(services)
}

/// The service deployment and the revisions it moves between.
async fn read_hook(c: &Clients, s: &mut Snapshot, arn: &str) -> Result<Vec<ServiceRef>, AwsError> {
    let Some(d) = service_deployments::describe(c, &[arn.to_owned()])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(Vec::new());
    };
    let revisions: Vec<String> = d
        .sources
        .iter()
        .chain(&d.target)
        .map(|r| r.arn.clone())
        .collect();
    match service_deployments::revisions(c, &revisions).await {
        Ok(found) => s.service_revisions.extend(found),
        Err(e) => s.gaps.push(e.to_gap()),
    }
    let service = d.service.clone();
    s.service_deployments.push(d);
    Ok(vec![service])
}

/// The services, and the target health of their target groups.
async fn read_services(c: &Clients, s: &mut Snapshot, services: Vec<ServiceRef>) {
    let reads = join_all(
        services
            .iter()
            .map(|r| ecs::describe_services(c, &r.cluster, std::slice::from_ref(&r.service))),
    )
    .await;
    for read in reads {
        match read {
            Ok(found) => s.services.extend(found),
            Err(e) => s.gaps.push(e.to_gap()),
        }
    }
    let mut groups: Vec<String> = s
        .services
        .iter()
        .flat_map(|svc| svc.target_group_arns().map(str::to_owned))
        .collect();
    groups.sort();
    groups.dedup();
    let health = join_all(groups.iter().map(|arn| elbv2::target_health(c, arn))).await;
    for (arn, read) in groups.into_iter().zip(health) {
        match read {
            Ok(targets) => s.target_groups.push(target_group(arn, targets)),
            Err(e) => s.gaps.push(e.to_gap()),
        }
    }
}

/// A target group known by its ARN and its targets' health only.
fn target_group(arn: String, targets: Vec<crate::model::elb::Target>) -> TargetGroup {
    // `arn:…:targetgroup/NAME/ID`
    let name = arn.split('/').nth(1).unwrap_or(&arn).to_owned();
    TargetGroup {
        arn,
        name,
        port: None,
        protocol: None,
        load_balancer_arns: Vec::new(),
        health_check_path: None,
        targets: Some(targets),
    }
}

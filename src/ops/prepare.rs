//! Preconditions on fresh state: just before an action is confirmed, what it acts on is read
//! again, and if the world moved (the approval was answered, the deployment is no longer
//! Ready, the service is gone) the action says so and nothing is sent. The plan it returns
//! carries the evidence a person confirms against and the parameters of the one call. Each
//! verb plans itself ([`super::verbs::Verb::prepare`]); the reads several verbs share live
//! here. It must not send anything.

use crate::aws::{Clients, codedeploy, codepipeline, ecs, elbv2, service_deployments};
use crate::model::DeploymentRef;
use crate::model::service_deployment::ServiceDeployment;
use crate::model::status::ServiceDeploymentStatus;

pub use super::Call;
use super::verbs::Target;
use super::{Op, OpError};

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub op: Op,
    /// What will happen and the evidence, a line each.
    pub summary: Vec<String>,
    /// What a person types to confirm a dangerous action.
    pub typed_name: String,
    pub call: Call,
}

/// The world is not as the action needs it: nothing is sent.
pub(super) fn gone(what: String) -> OpError {
    OpError::Precondition(what)
}

pub async fn prepare(c: &Clients, op: &Op) -> Result<Plan, OpError> {
    op.validate()?;
    op.plan(c).await
}

/// A CodeDeploy deployment as it is now.
pub(super) async fn deployment_now(
    c: &Clients,
    id: &str,
) -> Result<crate::model::deploy::Deployment, OpError> {
    codedeploy::batch_deployments(c, &[id.to_owned()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| gone(format!("deployment {id} does not exist")))
}

/// An ECS service deployment as it is now.
pub(super) async fn service_deployment_now(
    c: &Clients,
    arn: &str,
) -> Result<ServiceDeployment, OpError> {
    service_deployments::describe(c, &[arn.to_owned()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| gone(format!("service deployment {arn} does not exist")))
}

/// The deployment a target names: the one given, or the one of the service in flight
/// (pending, in progress or asked to stop). Several in flight are refused with their ARNs.
pub(super) async fn service_deployment_of(
    c: &Clients,
    target: &Target,
) -> Result<ServiceDeployment, OpError> {
    let service = match target {
        Target::Deployment(DeploymentRef::Ecs(arn)) => {
            return service_deployment_now(c, arn).await;
        }
        Target::Deployment(DeploymentRef::CodeDeploy(id)) => {
            return Err(OpError::Invalid(format!(
                "{id} is a CodeDeploy deployment, not an ECS service deployment"
            )));
        }
        Target::Service(service) => service,
    };
    let moving = [
        ServiceDeploymentStatus::Pending,
        ServiceDeploymentStatus::InProgress,
        ServiceDeploymentStatus::StopRequested,
    ];
    let arns = service_deployments::list(c, service, &moving, None).await?;
    match arns.as_slice() {
        [] => Err(gone(format!(
            "no service deployment of {service} is in flight"
        ))),
        [one] => service_deployment_now(c, one).await,
        many => Err(OpError::Invalid(format!(
            "{} service deployments of {service} are in flight: {}; name one by its ARN",
            many.len(),
            many.join(", ")
        ))),
    }
}

/// After an unknown outcome: an ECS service deployment's status and stage now.
pub(super) async fn service_deployment_state(c: &Clients, arn: &str) -> Result<String, OpError> {
    let found = service_deployments::describe(c, &[arn.to_owned()]).await?;
    let Some(d) = found.first() else {
        return Ok(format!("{arn} does not exist"));
    };
    let stage = d
        .stage
        .as_ref()
        .map_or_else(String::new, |s| format!(" at {s}"));
    let waiting = d.waiting_hooks().fold(String::new(), |mut line, h| {
        line.push_str("; hook ");
        line.push_str(&h.id);
        line.push_str(" waits");
        line
    });
    Ok(format!("{} is {}{stage}{waiting}", d.service, d.status))
}

/// After an unknown outcome: a deployment's status now, with its termination wait when
/// `termination` and the deployment that rolled it back.
pub(super) async fn deployment_state(
    c: &Clients,
    deployment: &str,
    termination: bool,
) -> Result<String, OpError> {
    let found = codedeploy::deployments(c, &[deployment.to_owned()]).await?;
    let Some(d) = found.first() else {
        return Ok(format!("{deployment} does not exist"));
    };
    let mut line = format!("{deployment} is {}", d.status);
    if termination && !d.status.is_terminal() && d.termination_wait_started {
        line.push_str(", waiting to remove the original task set");
    }
    if let Some(rollback) = &d.rolled_back_by {
        line.push_str(&format!("; rolled back by {rollback}"));
    }
    Ok(line)
}

/// After an unknown outcome: the newest execution of a pipeline and its status.
pub(super) async fn newest_execution(c: &Clients, pipeline: &str) -> Result<String, OpError> {
    let (p, _) = codepipeline::pipeline(c, pipeline).await?;
    Ok(p.executions.first().map_or_else(
        || format!("{pipeline} has no execution"),
        |e| {
            format!(
                "the newest execution of {pipeline} is {} ({})",
                e.id, e.status
            )
        },
    ))
}

/// `payments-prod/ledger: 4/4 running · 4/4 targets healthy`, for a deployment group's service.
pub(super) async fn service_health(
    c: &Clients,
    application: &str,
    group: &str,
) -> Result<Option<String>, crate::aws::AwsError> {
    let Some(g) = codedeploy::groups(c, application, &[group.to_owned()])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let (Some(cluster), Some(service)) = (g.cluster.clone(), g.service.clone()) else {
        return Ok(None);
    };
    let Some(s) = ecs::describe_services(c, &cluster, std::slice::from_ref(&service))
        .await?
        .into_iter()
        .next()
    else {
        return Ok(Some(format!(
            "{cluster}/{service}: the service does not exist"
        )));
    };
    let mut line = format!("{cluster}/{service}: {}/{} running", s.running, s.desired);
    if let Some(tg) = s
        .load_balancers
        .iter()
        .find_map(|l| l.target_group_arn.clone())
    {
        let targets = elbv2::target_health(c, &tg).await?;
        let healthy = targets
            .iter()
            .filter(|t| t.state == crate::model::status::TargetHealthState::Healthy)
            .count();
        line.push_str(&format!(" · {healthy}/{} targets healthy", targets.len()));
        if let Some(bad) = targets
            .iter()
            .find(|t| t.state != crate::model::status::TargetHealthState::Healthy)
        {
            line.push_str(&format!(
                " ({} {})",
                bad.state,
                bad.reason.clone().unwrap_or_default()
            ));
        }
    }
    Ok(Some(line))
}

//! Stop a deployment in flight and roll back: a CodeDeploy deployment with StopDeployment and
//! `autoRollbackEnabled`, an ECS service deployment with StopServiceDeployment and ROLLBACK
//! (given by its ARN, or as `CLUSTER/SERVICE` for the service's deployment in flight).
//! Traffic returns to what ran before. From the console it takes every marked deployment at
//! once.

use serde::Serialize;

use super::{ActArgs, Begin, Here, Prepared, Spec, Target, Verb, deployment_id, plan};
use crate::aws::act;
use crate::aws::{AwsError, Clients};
use crate::config::Scope;
use crate::model::DeploymentRef;
use crate::ops::execute::Outcome;
use crate::ops::prepare::{
    deployment_now, deployment_state, gone, service_deployment_of, service_deployment_state,
};
use crate::ops::{OpError, scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollback {
    pub deployment: Target,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    /// The CodeDeploy deployment's id, or the ECS service deployment's ARN.
    pub deployment: String,
    /// Set for an ECS service deployment.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ecs: bool,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A CodeDeploy deployment id, an ECS service deployment ARN, or CLUSTER/SERVICE for the
    /// service's ECS deployment in flight (or --release NAME).
    #[arg(required_unless_present = "release")]
    deployment: Option<String>,
    /// Every deployment in flight of the services of the config file's `[[release]]` NAME, in
    /// every source, stopped with rollback once NAME is typed (--confirm NAME).
    #[arg(long, value_name = "NAME", conflicts_with = "deployment")]
    release: Option<String>,
    /// With --release: also redeploy, with the revision before, every service whose newest
    /// deployment succeeded since TIME (RFC 3339, a prefix such as 2026-11-22, or 30m, 2h,
    /// 1d ago; at most 24 hours back).
    #[arg(long, value_name = "TIME", requires = "release")]
    since: Option<String>,
    #[command(flatten)]
    act: ActArgs,
}

impl Verb for Rollback {
    type Call = Call;
    type Args = Args;

    const SPEC: Spec = Spec {
        name: "rollback",
        dangerous: true,
        scope: scope::DEPLOYMENT,
    };

    fn target(&self) -> String {
        self.deployment.to_string()
    }

    fn validate(&self) -> Result<(), OpError> {
        match &self.deployment {
            Target::Deployment(DeploymentRef::CodeDeploy(id)) => deployment_id(id),
            Target::Deployment(DeploymentRef::Ecs(_)) | Target::Service(_) => {
                Target::parse(&self.target()).map(|_| ())
            }
        }
    }

    async fn scope(&self, c: &Clients, scope: &Scope) -> Result<(), OpError> {
        match (&self.deployment, self.deployment.service()) {
            (Target::Deployment(DeploymentRef::CodeDeploy(id)), _) => {
                scope::deployment(c, scope, id).await
            }
            (_, service) => scope::service(scope, &self.target(), service.as_ref()),
        }
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<Call>, OpError> {
        let Target::Deployment(DeploymentRef::CodeDeploy(deployment)) = &self.deployment else {
            return prepare_ecs(c, &self.deployment).await;
        };
        let d = deployment_now(c, deployment).await?;
        if d.status.is_terminal() {
            return Err(gone(format!(
                "{deployment} already finished ({}): nothing to stop; redeploy the previous revision instead",
                d.status
            )));
        }
        Ok(Prepared {
            summary: vec![format!(
                "Stop {deployment} ({}/{}, {}) and roll back: traffic returns to the original task set.",
                d.application, d.deployment_group, d.status
            )],
            typed_name: deployment.clone(),
            call: Call {
                deployment: deployment.clone(),
                ecs: false,
            },
        })
    }

    async fn send(c: &Clients, call: &Call) -> Result<Outcome, AwsError> {
        let deployment = &call.deployment;
        if call.ecs {
            let id = act::stop_service_deployment(c, deployment).await?;
            return Ok(super::done(
                id,
                format!("{deployment}: rolling back to the revision before"),
            ));
        }
        let (id, message) = act::stop_with_rollback(c, deployment).await?;
        Ok(super::done(id, format!("{deployment} stopped: {message}")))
    }

    async fn observe(c: &Clients, call: &Call) -> Result<String, OpError> {
        if call.ecs {
            service_deployment_state(c, &call.deployment).await
        } else {
            deployment_state(c, &call.deployment, false).await
        }
    }

    fn from_args(args: Args) -> Result<(Self, ActArgs), OpError> {
        let Some(deployment) = args.deployment else {
            return Err(OpError::Invalid(
                "name a deployment, or a release with --release NAME".to_owned(),
            ));
        };
        Ok((
            Self {
                deployment: Target::parse(&deployment)?,
            },
            args.act,
        ))
    }
}

impl Args {
    /// The release form (`--release NAME [--since TIME]`), when given; `--since` is checked
    /// here.
    pub fn release(&self) -> Option<Result<crate::ops::release::Request, OpError>> {
        let release = self.release.clone()?;
        let since = match self.since.as_deref().map(crate::ops::release::parse_since) {
            None => None,
            Some(Ok(since)) => Some(since),
            Some(Err(error)) => return Some(Err(error)),
        };
        Some(Ok(crate::ops::release::Request {
            release,
            intent: crate::ops::release::Intent::Rollback { since },
            act: self.act.clone(),
        }))
    }
}

/// `B`: the marked deployments, else the one here.
pub fn begin(here: &Here) -> Result<Begin, String> {
    let chosen: Vec<DeploymentRef> = if here.marked_deployments.is_empty() {
        here.deployment.iter().cloned().collect()
    } else {
        here.marked_deployments.clone()
    };
    let title = match chosen.as_slice() {
        [] => return Err("select a deployment, or mark several with space".to_owned()),
        [one] => format!("Roll back {one}"),
        many => format!("Roll back {} deployments", many.len()),
    };
    Ok(plan(
        title,
        chosen
            .into_iter()
            .map(|d| {
                Rollback {
                    deployment: Target::Deployment(d),
                }
                .into()
            })
            .collect(),
    ))
}

/// An ECS service deployment in flight, stopped with ROLLBACK: confirmed by typing
/// `CLUSTER/SERVICE`.
async fn prepare_ecs(c: &Clients, target: &Target) -> Result<Prepared<Call>, OpError> {
    let d = service_deployment_of(c, target).await?;
    if d.status.is_terminal() || d.rollback.is_some() {
        return Err(gone(format!(
            "{} of {} is {}: nothing to roll back",
            d.reference(),
            d.service,
            d.status
        )));
    }
    let stage = d
        .stage
        .as_ref()
        .map_or_else(String::new, |s| format!(", at {s}"));
    let shifted = d.requested_on_green().map_or_else(String::new, |p| {
        format!(", {p:.0}% of production asked of the new revision")
    });
    Ok(Prepared {
        summary: vec![format!(
            "Stop the deployment of {} ({}{stage}{shifted}) and roll back: ECS returns traffic and tasks to the revision before.",
            d.service, d.status
        )],
        typed_name: d.service.to_string(),
        call: Call {
            deployment: d.arn,
            ecs: true,
        },
    })
}

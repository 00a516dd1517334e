//! Reroute production traffic now: a CodeDeploy deployment waiting in Ready
//! (`actionOnTimeout = STOP_DEPLOYMENT`) goes on to shift traffic to its replacement task
//! set, through ContinueDeployment with `READY_WAIT`.

use serde::Serialize;

use super::{
    ActArgs, Begin, DeploymentArgs, DeploymentCall, Here, Prepared, Spec, Verb, codedeploy_here,
    deployment_id, done, plan,
};
use crate::aws::act::{self, Wait};
use crate::aws::{AwsError, Clients};
use crate::config::Scope;
use crate::model::status::DeploymentStatus;
use crate::ops::execute::Outcome;
use crate::ops::prepare::{deployment_now, deployment_state, gone};
use crate::ops::{OpError, scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reroute {
    pub deployment: String,
}

impl Verb for Reroute {
    type Call = DeploymentCall;
    type Args = DeploymentArgs;

    const SPEC: Spec = Spec {
        name: "reroute",
        dangerous: false,
        scope: scope::DEPLOYMENT,
    };

    fn target(&self) -> String {
        self.deployment.clone()
    }

    fn validate(&self) -> Result<(), OpError> {
        deployment_id(&self.deployment)
    }

    async fn scope(&self, c: &Clients, scope: &Scope) -> Result<(), OpError> {
        scope::deployment(c, scope, &self.deployment).await
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<DeploymentCall>, OpError> {
        let deployment = &self.deployment;
        let d = deployment_now(c, deployment).await?;
        if d.status != DeploymentStatus::Ready {
            return Err(gone(format!(
                "{deployment} is {}, not Ready: there is nothing to reroute",
                d.status
            )));
        }
        Ok(Prepared {
            summary: vec![format!(
                "Reroute production traffic of {deployment} ({}/{}) to the replacement task set now.",
                d.application, d.deployment_group
            )],
            typed_name: deployment.clone(),
            call: DeploymentCall {
                deployment: deployment.clone(),
            },
        })
    }

    async fn send(c: &Clients, call: &DeploymentCall) -> Result<Outcome, AwsError> {
        let deployment = &call.deployment;
        let id = act::continue_deployment(c, deployment, Wait::Ready).await?;
        Ok(done(
            id,
            format!("{deployment}: production traffic is being rerouted"),
        ))
    }

    async fn observe(c: &Clients, call: &DeploymentCall) -> Result<String, OpError> {
        deployment_state(c, &call.deployment, false).await
    }

    fn from_args(args: DeploymentArgs) -> Result<(Self, ActArgs), OpError> {
        Ok((
            Self {
                deployment: args.deployment,
            },
            args.act,
        ))
    }
}

/// `R`: the deployment here.
pub fn begin(here: &Here) -> Result<Begin, String> {
    let deployment = codedeploy_here(here, "reroute")?;
    Ok(plan(
        format!("Reroute {deployment}"),
        vec![Reroute { deployment }.into()],
    ))
}

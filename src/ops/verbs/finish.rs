//! Finish now: end a CodeDeploy deployment's wait before the original task set is removed
//! (ContinueDeployment with `TERMINATION_WAIT`), once that wait has started.

use serde::Serialize;

use super::{
    ActArgs, Begin, DeploymentArgs, DeploymentCall, Here, Prepared, Spec, Verb, codedeploy_here,
    deployment_id, done, plan,
};
use crate::aws::act::{self, Wait};
use crate::aws::{AwsError, Clients};
use crate::config::Scope;
use crate::ops::execute::Outcome;
use crate::ops::prepare::{deployment_now, deployment_state, gone};
use crate::ops::{OpError, scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finish {
    pub deployment: String,
}

impl Verb for Finish {
    type Call = DeploymentCall;
    type Args = DeploymentArgs;

    const SPEC: Spec = Spec {
        name: "finish",
        dangerous: true,
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
        if d.status.is_terminal() {
            return Err(gone(format!(
                "{deployment} already finished ({})",
                d.status
            )));
        }
        if !d.termination_wait_started {
            return Err(gone(format!(
                "{deployment} is not waiting to terminate the original task set yet"
            )));
        }
        Ok(Prepared {
            summary: vec![format!(
                "End the termination wait of {deployment} ({}/{}) and remove the original task set now.",
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
        let id = act::continue_deployment(c, deployment, Wait::Termination).await?;
        Ok(done(
            id,
            format!("{deployment}: the original task set is being removed"),
        ))
    }

    async fn observe(c: &Clients, call: &DeploymentCall) -> Result<String, OpError> {
        deployment_state(c, &call.deployment, true).await
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

/// `F`: the deployment here.
pub fn begin(here: &Here) -> Result<Begin, String> {
    let deployment = codedeploy_here(here, "finish")?;
    Ok(plan(
        format!("Finish {deployment}"),
        vec![Finish { deployment }.into()],
    ))
}

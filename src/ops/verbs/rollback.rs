//! Stop a CodeDeploy deployment in flight and roll back (StopDeployment with
//! `autoRollbackEnabled`): traffic returns to the original task set. From the console it
//! takes every marked deployment at once.

use serde::Serialize;

use super::{ActArgs, Begin, Here, Prepared, Spec, Verb, deployment_id, plan};
use crate::aws::act;
use crate::aws::{AwsError, Clients};
use crate::config::Scope;
use crate::ops::execute::Outcome;
use crate::ops::prepare::{deployment_now, deployment_state, gone};
use crate::ops::{OpError, scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollback {
    pub deployment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub deployment: String,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    deployment: String,
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
        self.deployment.clone()
    }

    fn validate(&self) -> Result<(), OpError> {
        deployment_id(&self.deployment)
    }

    async fn scope(&self, c: &Clients, scope: &Scope) -> Result<(), OpError> {
        scope::deployment(c, scope, &self.deployment).await
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<Call>, OpError> {
        let deployment = &self.deployment;
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
            },
        })
    }

    async fn send(c: &Clients, call: &Call) -> Result<Outcome, AwsError> {
        let deployment = &call.deployment;
        let (id, message) = act::stop_with_rollback(c, deployment).await?;
        Ok(super::done(id, format!("{deployment} stopped: {message}")))
    }

    async fn observe(c: &Clients, call: &Call) -> Result<String, OpError> {
        deployment_state(c, &call.deployment, false).await
    }

    fn from_args(args: Args) -> Result<(Self, ActArgs), OpError> {
        Ok((
            Self {
                deployment: args.deployment,
            },
            args.act,
        ))
    }
}

/// `B`: the marked deployments, else the one here.
pub fn begin(here: &Here) -> Result<Begin, String> {
    let chosen = if here.marked_deployments.is_empty() {
        here.deployment.iter().collect()
    } else {
        here.marked_deployments.iter().collect::<Vec<_>>()
    };
    let ids = chosen
        .into_iter()
        .map(|d| super::codedeploy(d, "rollback"))
        .collect::<Result<Vec<String>, String>>()?;
    let title = match ids.as_slice() {
        [] => return Err("select a deployment, or mark several with space".to_owned()),
        [one] => format!("Roll back {one}"),
        many => format!("Roll back {} deployments", many.len()),
    };
    Ok(plan(
        title,
        ids.into_iter()
            .map(|deployment| Rollback { deployment }.into())
            .collect(),
    ))
}

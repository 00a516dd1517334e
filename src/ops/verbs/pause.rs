//! Answer a PAUSE lifecycle hook of an ECS service deployment (ContinueServiceDeployment):
//! go on (CONTINUE, a plain yes) or roll back (ROLLBACK, the service's name typed). The hook
//! is the one named, or the only one waiting for a person; the deployment is the one named by
//! its ARN, or the service's deployment in flight.

use serde::Serialize;

use super::{ActArgs, Begin, Here, Prepared, Spec, Target, Verb, blank, done, plan};
use crate::aws::act;
use crate::aws::{AwsError, Clients};
use crate::config::Scope;
use crate::model::DeploymentRef;
use crate::model::status::ServiceDeploymentStatus;
use crate::ops::execute::Outcome;
use crate::ops::prepare::{gone, service_deployment_of, service_deployment_state};
use crate::ops::{OpError, scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Continue {
    pub deployment: Target,
    /// The hook to answer: needed when several wait.
    pub hook: Option<String>,
    /// Roll back instead of going on.
    pub rollback: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub deployment: String,
    pub hook: String,
    pub rollback: bool,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// An ECS service deployment ARN, or CLUSTER/SERVICE for the service's deployment in
    /// flight.
    deployment: String,
    /// The hook to answer; required when several wait, and refused with their ids when
    /// missing.
    #[arg(long, value_name = "ID")]
    hook: Option<String>,
    /// Roll back instead of going on.
    #[arg(long)]
    rollback: bool,
    #[command(flatten)]
    act: ActArgs,
}

impl Verb for Continue {
    type Call = Call;
    type Args = Args;

    const SPEC: Spec = Spec {
        name: "continue",
        dangerous: false,
        scope: (
            &["clusters", "services"],
            "a service deployment is checked against --cluster and --service only",
        ),
    };

    fn name(&self) -> &'static str {
        if self.rollback {
            "continue-rollback"
        } else {
            "continue"
        }
    }

    fn dangerous(&self) -> bool {
        self.rollback
    }

    fn target(&self) -> String {
        self.deployment.to_string()
    }

    fn validate(&self) -> Result<(), OpError> {
        blank("--hook", self.hook.as_deref())?;
        match &self.deployment {
            Target::Deployment(DeploymentRef::CodeDeploy(id)) => Err(OpError::Invalid(format!(
                "{id} is a CodeDeploy deployment: it goes on with `cutover reroute` (Ready) or `cutover finish`"
            ))),
            _ => Target::parse(&self.target()).map(|_| ()),
        }
    }

    async fn scope(&self, _: &Clients, scope: &Scope) -> Result<(), OpError> {
        scope::service(scope, &self.target(), self.deployment.service().as_ref())
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<Call>, OpError> {
        let d = service_deployment_of(c, &self.deployment).await?;
        if d.status != ServiceDeploymentStatus::InProgress {
            return Err(gone(format!(
                "the deployment of {} is {}: no hook waits for an answer",
                d.service, d.status
            )));
        }
        let waiting: Vec<_> = d.waiting_hooks().collect();
        let hook = match (&self.hook, waiting.as_slice()) {
            (Some(id), _) => waiting
                .iter()
                .find(|h| &h.id == id)
                .ok_or_else(|| gone(format!("hook {id} of {} is not waiting", d.service)))?,
            (None, []) => {
                return Err(gone(format!(
                    "no pause hook of {} waits for an answer",
                    d.service
                )));
            }
            (None, [one]) => one,
            (None, many) => {
                let ids: Vec<&str> = many.iter().map(|h| h.id.as_str()).collect();
                return Err(OpError::Invalid(format!(
                    "{} hooks of {} wait: {}; name one with --hook",
                    many.len(),
                    d.service,
                    ids.join(", ")
                )));
            }
        };
        let stage = d
            .stage
            .as_ref()
            .map_or_else(String::new, |s| format!(" at {s}"));
        let timeout = match (&hook.expires_at, &hook.timeout_action) {
            (Some(at), Some(action)) => {
                format!("; unanswered, it does {action} at {}", at.rfc3339())
            }
            _ => String::new(),
        };
        let what = if self.rollback {
            "Roll back"
        } else {
            "Go on with"
        };
        Ok(Prepared {
            summary: vec![format!(
                "{what} the deployment of {}{stage}: hook {} waits{timeout}.",
                d.service, hook.id
            )],
            typed_name: d.service.to_string(),
            call: Call {
                hook: hook.id.clone(),
                deployment: d.arn.clone(),
                rollback: self.rollback,
            },
        })
    }

    async fn send(c: &Clients, call: &Call) -> Result<Outcome, AwsError> {
        let id = act::continue_service_deployment(c, &call.deployment, &call.hook, call.rollback)
            .await?;
        let how = if call.rollback {
            "rolling back"
        } else {
            "going on"
        };
        Ok(done(
            id,
            format!("{}: hook {} answered, {how}", call.deployment, call.hook),
        ))
    }

    async fn observe(c: &Clients, call: &Call) -> Result<String, OpError> {
        service_deployment_state(c, &call.deployment).await
    }

    fn from_args(args: Args) -> Result<(Self, ActArgs), OpError> {
        Ok((
            Self {
                deployment: Target::parse(&args.deployment)?,
                hook: args.hook,
                rollback: args.rollback,
            },
            args.act,
        ))
    }
}

/// `a` (go on) or `x` (roll back) where an ECS pause hook waits: the hook row under the
/// cursor, else the service deployment here (its one waiting hook; with several, the
/// fresh-state check lists them).
pub fn begin(here: &Here, rollback: bool) -> Result<Begin, String> {
    let (deployment, hook) = match (&here.hook, &here.deployment) {
        (Some((arn, id)), _) => (DeploymentRef::Ecs(arn.clone()), Some(id.clone())),
        (None, Some(d @ DeploymentRef::Ecs(_))) => (d.clone(), None),
        _ => return Err("no pause hook here: select one".to_owned()),
    };
    let what = if rollback {
        "Roll back at"
    } else {
        "Continue past"
    };
    let title = match &hook {
        Some(id) => format!("{what} hook {id} of {deployment}"),
        None => format!("{what} the pause of {deployment}"),
    };
    Ok(plan(
        title,
        vec![
            Continue {
                deployment: Target::Deployment(deployment),
                hook,
                rollback,
            }
            .into(),
        ],
    ))
}

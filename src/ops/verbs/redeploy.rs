//! Deploy a CodeDeploy deployment group again with the revision of its last successful
//! deployment: the way back after a bad deployment has finished. GetDeployment names an
//! AppSpec by its sha256 only, so its text is read with GetApplicationRevision; an S3
//! revision is deployed again by reference.

use serde::Serialize;

use super::{ActArgs, Begin, Here, Prepared, Spec, Verb, done, plan, split};
use crate::aws::act;
use crate::aws::{AwsError, Clients, codedeploy, revisions};
use crate::config::Scope;
use crate::model::deploy::Revision;
use crate::ops::execute::Outcome;
use crate::ops::prepare::{deployment_now, gone};
use crate::ops::{OpError, scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Redeploy {
    pub application: String,
    pub group: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub application: String,
    pub group: String,
    /// The revision to deploy again: an AppSpec with its text, or an S3 location.
    pub revision: Revision,
    pub from: String,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// APPLICATION/GROUP
    target: String,
    #[command(flatten)]
    act: ActArgs,
}

impl Verb for Redeploy {
    type Call = Call;
    type Args = Args;

    const SPEC: Spec = Spec {
        name: "redeploy",
        dangerous: true,
        scope: scope::DEPLOYMENT,
    };

    fn target(&self) -> String {
        format!("{}/{}", self.application, self.group)
    }

    fn validate(&self) -> Result<(), OpError> {
        for (what, value) in [
            ("the application", &self.application),
            ("the deployment group", &self.group),
        ] {
            if value.trim().is_empty() {
                return Err(OpError::Invalid(format!("{what} must not be empty")));
            }
        }
        Ok(())
    }

    async fn scope(&self, c: &Clients, scope: &Scope) -> Result<(), OpError> {
        scope::group(c, scope, &self.target(), &self.application, &self.group).await
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<Call>, OpError> {
        let (summary, call) = last_success(c, &self.application, &self.group).await?;
        Ok(Prepared {
            summary,
            typed_name: self.target(),
            call,
        })
    }

    async fn send(c: &Clients, call: &Call) -> Result<Outcome, AwsError> {
        let Call {
            application,
            group,
            revision,
            from,
        } = call;
        let (id, new) = act::create_deployment(
            c,
            application,
            group,
            revision,
            &format!("Redeploy of {from} by cutover"),
        )
        .await?;
        Ok(done(
            id,
            format!("{application}/{group}: deployment {new} started with the revision of {from}"),
        ))
    }

    async fn observe(c: &Clients, call: &Call) -> Result<String, OpError> {
        let Call {
            application, group, ..
        } = call;
        let groups = codedeploy::groups(c, application, std::slice::from_ref(group)).await?;
        let Some(g) = groups.first() else {
            return Ok(format!("{application}/{group} does not exist"));
        };
        Ok(match &g.last_attempted_deployment {
            Some(id) => {
                let status = codedeploy::deployments(c, std::slice::from_ref(id))
                    .await?
                    .first()
                    .map_or_else(|| "unknown".to_owned(), |d| d.status.to_string());
                format!("the newest deployment of {application}/{group} is {id} ({status})")
            }
            None => format!("{application}/{group} has no deployment"),
        })
    }

    fn from_args(args: Args) -> Result<(Self, ActArgs), OpError> {
        let (application, group) = split(&args.target, "APPLICATION/GROUP")?;
        Ok((Self { application, group }, args.act))
    }
}

/// `D`: the group of the deployment here.
pub fn begin(here: &Here) -> Result<Begin, String> {
    let (application, group) = here.group.clone().ok_or("select a deployment first")?;
    Ok(plan(
        format!("Redeploy {application}/{group}"),
        vec![Redeploy { application, group }.into()],
    ))
}

/// The last successful revision of a group, to deploy again.
async fn last_success(
    c: &Clients,
    application: &str,
    group: &str,
) -> Result<(Vec<String>, Call), OpError> {
    let groups = codedeploy::groups(c, application, &[group.to_owned()]).await?;
    let Some(g) = groups.into_iter().next() else {
        return Err(gone(format!(
            "deployment group {application}/{group} does not exist"
        )));
    };
    let Some(last) = g.last_successful_deployment.clone() else {
        return Err(gone(format!(
            "{application}/{group} has no successful deployment to deploy again"
        )));
    };
    if g.last_attempted_deployment
        .as_ref()
        .is_some_and(|a| *a != last)
    {
        let attempted = g.last_attempted_deployment.clone().unwrap_or_default();
        let d = deployment_now(c, &attempted).await?;
        if !d.status.is_terminal() {
            return Err(gone(format!(
                "{attempted} is still {} in {application}/{group}: stop it first",
                d.status
            )));
        }
    }
    // GetDeployment names an AppSpec by its sha256 only; its text comes from
    // GetApplicationRevision. An S3 revision is deployed again by reference.
    let d = deployment_now(c, &last).await?;
    let revision = match d.revision {
        Some(revision @ (Revision::AppSpec { .. } | Revision::S3 { .. })) => {
            revisions::complete(c, application, revision).await?
        }
        Some(Revision::Other { revision_type }) => {
            return Err(gone(format!(
                "{last} deployed a {revision_type} revision: cutover redeploys AppSpec and S3 revisions only"
            )));
        }
        None => {
            return Err(gone(format!("{last} has no revision to deploy again")));
        }
    };
    Ok((
        vec![format!(
            "Deploy {application}/{group} again with the revision of {last}: {}.",
            revision.describe()
        )],
        Call {
            application: application.to_owned(),
            group: group.to_owned(),
            revision,
            from: last,
        },
    ))
}

//! Deploy a CodeDeploy deployment group again with the revision of its last successful
//! deployment: the way back after a bad deployment has finished. When the bad deployment
//! itself succeeded (`cutover rollback --release NAME --since TIME`), the revision of the
//! last success before it ([`Redeploy::undo`]). GetDeployment names an AppSpec by its sha256
//! only, so its text is read with GetApplicationRevision; an S3 revision is deployed again by
//! reference.

use serde::Serialize;

use super::{ActArgs, Begin, Here, Prepared, Spec, Verb, done, plan, split};
use crate::aws::act;
use crate::aws::{AwsError, Clients, codedeploy, revisions};
use crate::config::Scope;
use crate::model::deploy::Revision;
use crate::model::status::DeploymentStatus;
use crate::ops::execute::Outcome;
use crate::ops::prepare::{deployment_now, gone};
use crate::ops::{OpError, scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Redeploy {
    pub application: String,
    pub group: String,
    /// The group's newest deployment, succeeded, to undo: the revision deployed is then that
    /// of the last success before it, and nothing is sent if it is no longer the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<String>,
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
        let (summary, call) = match &self.undo {
            Some(undo) => before(c, &self.application, &self.group, undo).await?,
            None => last_success(c, &self.application, &self.group).await?,
        };
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
        Ok((
            Self {
                application,
                group,
                undo: None,
            },
            args.act,
        ))
    }
}

/// `D`: the group of the deployment here.
pub fn begin(here: &Here) -> Result<Begin, String> {
    let (application, group) = here.group.clone().ok_or("select a deployment first")?;
    Ok(plan(
        format!("Redeploy {application}/{group}"),
        vec![
            Redeploy {
                application,
                group,
                undo: None,
            }
            .into(),
        ],
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
    let d = deployment_now(c, &last).await?;
    let revision = revision_of(c, application, d).await?;
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

/// The revision before `undo`, the group's newest deployment, which succeeded: that of the
/// last successful deployment created before it. Nothing is sent when `undo` is no longer
/// the group's newest deployment or did not succeed.
async fn before(
    c: &Clients,
    application: &str,
    group: &str,
    undo: &str,
) -> Result<(Vec<String>, Call), OpError> {
    let groups = codedeploy::groups(c, application, &[group.to_owned()]).await?;
    let Some(g) = groups.into_iter().next() else {
        return Err(gone(format!(
            "deployment group {application}/{group} does not exist"
        )));
    };
    if g.last_attempted_deployment.as_deref() != Some(undo) {
        return Err(gone(format!(
            "{undo} is no longer the newest deployment of {application}/{group} ({} is)",
            g.last_attempted_deployment.as_deref().unwrap_or("none")
        )));
    }
    let newest = deployment_now(c, undo).await?;
    if newest.status != DeploymentStatus::Succeeded {
        return Err(gone(format!(
            "{undo} is {}: only a deployment that succeeded is undone with the revision before it",
            newest.status
        )));
    }
    let ids: Vec<String> = codedeploy::group_deployments(c, application, group, &["Succeeded"])
        .await?
        .into_iter()
        .filter(|id| id != undo)
        .collect();
    let mut earlier = Vec::new();
    // BatchGetDeployments takes at most 25 ids.
    for chunk in ids.chunks(25) {
        earlier.extend(codedeploy::batch_deployments(c, chunk).await?);
    }
    let Some(previous) = earlier
        .into_iter()
        .filter(|d| d.created < newest.created)
        .max_by_key(|d| d.created)
    else {
        return Err(gone(format!(
            "{application}/{group} has no successful deployment before {undo} to deploy again"
        )));
    };
    let from = previous.id.clone();
    let revision = revision_of(c, application, previous).await?;
    Ok((
        vec![format!(
            "Deploy {application}/{group} again with the revision of {from}, the last success before {undo}: {}.",
            revision.describe()
        )],
        Call {
            application: application.to_owned(),
            group: group.to_owned(),
            revision,
            from,
        },
    ))
}

/// The revision a deployment deployed, whole, to deploy again. GetDeployment names an
/// AppSpec by its sha256 only; its text comes from GetApplicationRevision. An S3 revision is
/// deployed again by reference.
async fn revision_of(
    c: &Clients,
    application: &str,
    d: crate::model::deploy::Deployment,
) -> Result<Revision, OpError> {
    let id = d.id;
    match d.revision {
        Some(revision @ (Revision::AppSpec { .. } | Revision::S3 { .. })) => {
            Ok(revisions::complete(c, application, revision).await?)
        }
        Some(Revision::Other { revision_type }) => Err(gone(format!(
            "{id} deployed a {revision_type} revision: cutover redeploys AppSpec and S3 revisions only"
        ))),
        None => Err(gone(format!("{id} has no revision to deploy again"))),
    }
}

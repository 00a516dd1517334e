//! The scope as a guard on actions: with `--cluster`, `--service`, `--application` or
//! `--pipeline` (or the config file's `[scope]`), an action on something outside them is
//! refused before anything is sent, as kubectl's `-n` keeps a command inside a namespace.
//! Each verb says which of them it can check ([`super::verbs::Spec::scope`]) and checks
//! them with the helpers here, reading only what it needs to place a deployment (its group
//! and service), and nothing when the scope is empty. It must not send anything.

use crate::aws::{Clients, codedeploy};
use crate::config::Scope;

use super::{Op, OpError};

/// What a pipeline's verbs can check.
pub const PIPELINE: (&[&str], &str) = (
    &["pipelines"],
    "a pipeline is checked against --pipeline only",
);

/// What a deployment's verbs can check.
pub const DEPLOYMENT: (&[&str], &str) = (
    &["applications", "clusters", "services"],
    "a deployment is checked against --application, --cluster and --service only",
);

pub async fn check(c: &Clients, op: &Op, scope: &Scope) -> Result<(), OpError> {
    op.scope(c, scope).await
}

/// A CodeDeploy deployment: its application, and its group's service.
pub async fn deployment(c: &Clients, scope: &Scope, id: &str) -> Result<(), OpError> {
    let Some(d) = codedeploy::deployments(c, &[id.to_owned()])
        .await?
        .into_iter()
        .next()
    else {
        // Not found is the precondition's to say, in its words.
        return Ok(());
    };
    group(c, scope, id, &d.application, &d.deployment_group).await
}

/// A deployment group: its application, and its ECS service against `--cluster` and
/// `--service`.
pub async fn group(
    c: &Clients,
    scope: &Scope,
    target: &str,
    application: &str,
    group: &str,
) -> Result<(), OpError> {
    admit(scope.application(application), target, "--application")?;
    if scope.clusters.is_empty() && scope.services.is_empty() {
        return Ok(());
    }
    let groups = codedeploy::groups(c, application, &[group.to_owned()]).await?;
    let Some(g) = groups.first() else {
        return Ok(());
    };
    admit(
        g.cluster.as_deref().is_some_and(|n| scope.cluster(n)),
        target,
        "--cluster",
    )?;
    admit(
        g.service.as_deref().is_some_and(|n| scope.service(n)),
        target,
        "--service",
    )
}

/// An ECS service: against `--cluster` and `--service`; it belongs to no CodeDeploy
/// application, so `--application` keeps it out. `None`: the service is not known yet (the
/// fresh-state check finds it), so only an application scope can refuse it here.
pub fn service(
    scope: &Scope,
    target: &str,
    service: Option<&crate::model::ServiceRef>,
) -> Result<(), OpError> {
    admit(scope.applications.is_empty(), target, "--application")?;
    let Some(service) = service else {
        return Ok(());
    };
    admit(scope.cluster(&service.cluster), target, "--cluster")?;
    admit(scope.service(&service.service), target, "--service")
}

/// Refuses `target` when it is not `inside` the scope that `flag` sets.
pub fn admit(inside: bool, target: &str, flag: &str) -> Result<(), OpError> {
    if inside {
        Ok(())
    } else {
        Err(OpError::Refused(format!(
            "{target} is outside the scope ({flag} or the config file's [scope]): nothing was sent"
        )))
    }
}

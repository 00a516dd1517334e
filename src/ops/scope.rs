//! The scope as a guard on actions: with `--cluster`, `--service`, `--application` or
//! `--pipeline` (or the config file's `[scope]`), an action on something outside them is
//! refused before anything is sent, as kubectl's `-n` keeps a command inside a namespace. It
//! reads only what it needs to place a deployment (its group and service), and nothing when
//! the scope is empty. It must not send anything.

use crate::aws::{Clients, codedeploy};
use crate::config::Scope;

use super::{Op, OpError};

pub async fn check(c: &Clients, op: &Op, scope: &Scope) -> Result<(), OpError> {
    if scope.is_empty() {
        return Ok(());
    }
    match op {
        Op::Approve { pipeline, .. }
        | Op::Retry { pipeline, .. }
        | Op::Stop { pipeline, .. }
        | Op::Start { pipeline }
        | Op::RollbackStage { pipeline, .. } => admit(scope.pipeline(pipeline), op, "--pipeline"),
        Op::Scale {
            cluster, service, ..
        } => {
            admit(scope.cluster(cluster), op, "--cluster")?;
            admit(scope.service(service), op, "--service")
        }
        Op::Redeploy { application, group } => {
            admit(scope.application(application), op, "--application")?;
            service_of_group(c, op, scope, application, group).await
        }
        Op::Reroute { deployment } | Op::Finish { deployment } | Op::Rollback { deployment } => {
            let Some(d) = codedeploy::deployments(c, std::slice::from_ref(deployment))
                .await?
                .into_iter()
                .next()
            else {
                // Not found is the precondition's to say, in its words.
                return Ok(());
            };
            admit(scope.application(&d.application), op, "--application")?;
            service_of_group(c, op, scope, &d.application, &d.deployment_group).await
        }
        // A listener rule belongs to no name the scope holds; the command line refuses scope
        // flags for it, and the config file's scope is about what to read.
        Op::Weights { .. } => Ok(()),
    }
}

/// The group's ECS service against `--cluster` and `--service`.
async fn service_of_group(
    c: &Clients,
    op: &Op,
    scope: &Scope,
    application: &str,
    group: &str,
) -> Result<(), OpError> {
    if scope.clusters.is_empty() && scope.services.is_empty() {
        return Ok(());
    }
    let groups = codedeploy::groups(c, application, &[group.to_owned()]).await?;
    let Some(g) = groups.first() else {
        return Ok(());
    };
    admit(
        g.cluster.as_deref().is_some_and(|n| scope.cluster(n)),
        op,
        "--cluster",
    )?;
    admit(
        g.service.as_deref().is_some_and(|n| scope.service(n)),
        op,
        "--service",
    )
}

fn admit(inside: bool, op: &Op, flag: &str) -> Result<(), OpError> {
    if inside {
        Ok(())
    } else {
        Err(OpError::Refused(format!(
            "{} is outside the scope ({flag} or the config file's [scope]): nothing was sent",
            op.target()
        )))
    }
}

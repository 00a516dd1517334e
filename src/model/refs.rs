//! Typed references to what the console shows on a screen of its own, marks and acts on, so
//! that no id is ever told apart by its shape (a pipeline named `d-…` is not a deployment,
//! an ECS service deployment is not a CodeDeploy one). They name a thing; the snapshot holds
//! what is known about it.

use std::fmt;

/// A deployment of either platform.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeploymentRef {
    /// A CodeDeploy deployment, by its id (`d-` and nine letters or digits).
    CodeDeploy(String),
    /// An ECS service deployment (ECS-native blue/green, linear or canary), by its ARN.
    Ecs(String),
}

impl DeploymentRef {
    /// The CodeDeploy deployment's id, if it is one.
    pub fn codedeploy(&self) -> Option<&str> {
        match self {
            Self::CodeDeploy(id) => Some(id),
            Self::Ecs(_) => None,
        }
    }

    /// The id or ARN, whole: what a filter and the command line match.
    pub fn id(&self) -> &str {
        match self {
            Self::CodeDeploy(id) | Self::Ecs(id) => id,
        }
    }
}

/// As the screens name it: a CodeDeploy id, or the last part of an ECS service deployment's
/// ARN (`arn:aws:ecs:…:service-deployment/CLUSTER/SERVICE/ID`).
impl fmt::Display for DeploymentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CodeDeploy(id) => f.write_str(id),
            Self::Ecs(arn) => f.write_str(arn.rsplit('/').next().unwrap_or(arn)),
        }
    }
}

/// An ECS service, by its cluster and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ServiceRef {
    pub cluster: String,
    pub service: String,
}

impl ServiceRef {
    pub fn new(cluster: impl Into<String>, service: impl Into<String>) -> Self {
        Self {
            cluster: cluster.into(),
            service: service.into(),
        }
    }
}

/// `cluster/service`, as the command line takes it.
impl fmt::Display for ServiceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.cluster, self.service)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_says_its_platform_and_shows_a_short_name() {
        let cd = DeploymentRef::CodeDeploy("d-ABCDEFGHI".into());
        let ecs = DeploymentRef::Ecs(
            "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/api/r4nD0m1D".into(),
        );
        assert_eq!(cd.codedeploy(), Some("d-ABCDEFGHI"));
        assert_eq!(ecs.codedeploy(), None);
        assert_eq!(ecs.to_string(), "r4nD0m1D");
        assert!(ecs.id().starts_with("arn:aws:ecs:"));
        assert_eq!(ServiceRef::new("prod", "api").to_string(), "prod/api");
    }
}

//! Every status the four services report, as enums with an explicit unknown case that keeps
//! the raw string: a value AWS adds tomorrow is shown as it came, never dropped or mistaken
//! for another. It must not depend on the SDK's enums (the adapters map through strings).

use serde::{Serialize, Serializer};

macro_rules! status {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this version of cutover does not know, as AWS sent it.
            Unknown(String),
        }

        impl $name {
            pub const KNOWN: &'static [&'static str] = &[$($text),+];

            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                }
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Unknown(raw) => raw,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

status!(
    /// CodeDeploy `DeploymentInfo.status`.
    DeploymentStatus {
        Created => "Created",
        Queued => "Queued",
        InProgress => "InProgress",
        Baking => "Baking",
        Ready => "Ready",
        Succeeded => "Succeeded",
        Failed => "Failed",
        Stopped => "Stopped",
    }
);

impl DeploymentStatus {
    /// Succeeded, Failed and Stopped end a deployment; anything else (Baking and unknown
    /// values included) is treated as still moving.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Stopped)
    }

    /// Created and Queued deployments have no targets yet: CodeDeploy answers a read of
    /// their targets with `DeploymentNotStartedException`, so none is asked for.
    pub fn has_started(&self) -> bool {
        !matches!(self, Self::Created | Self::Queued)
    }
}

status!(
    /// A lifecycle event's status, and an ECS deployment target's.
    LifecycleStatus {
        Pending => "Pending",
        InProgress => "InProgress",
        Succeeded => "Succeeded",
        Failed => "Failed",
        Skipped => "Skipped",
        Ready => "Ready",
        UnknownStatus => "Unknown",
    }
);

status!(
    /// CodePipeline `PipelineExecutionStatus`.
    ExecutionStatus {
        Cancelled => "Cancelled",
        InProgress => "InProgress",
        Stopped => "Stopped",
        Stopping => "Stopping",
        Succeeded => "Succeeded",
        Superseded => "Superseded",
        Failed => "Failed",
    }
);

status!(
    /// CodePipeline `StageExecutionStatus`.
    StageStatus {
        Cancelled => "Cancelled",
        InProgress => "InProgress",
        Failed => "Failed",
        Stopped => "Stopped",
        Stopping => "Stopping",
        Succeeded => "Succeeded",
        Skipped => "Skipped",
    }
);

status!(
    /// CodePipeline `ActionExecutionStatus`.
    ActionStatus {
        InProgress => "InProgress",
        Abandoned => "Abandoned",
        Succeeded => "Succeeded",
        Failed => "Failed",
    }
);

status!(
    /// ECS task set status (a plain string in the API).
    TaskSetStatus {
        Primary => "PRIMARY",
        Active => "ACTIVE",
        Draining => "DRAINING",
    }
);

status!(
    /// ECS `deploymentController.type`.
    Controller {
        Ecs => "ECS",
        CodeDeploy => "CODE_DEPLOY",
        External => "EXTERNAL",
    }
);

status!(
    /// ELBv2 `TargetHealth.State`.
    TargetHealthState {
        Initial => "initial",
        Healthy => "healthy",
        Unhealthy => "unhealthy",
        UnhealthyDraining => "unhealthy.draining",
        Unused => "unused",
        Draining => "draining",
        Unavailable => "unavailable",
    }
);

status!(
    /// CodeDeploy `TargetLabel`: which side of a blue/green deployment a task set is on.
    TaskSetLabel {
        Blue => "Blue",
        Green => "Green",
    }
);

status!(
    /// A pipeline action's category.
    ActionCategory {
        Source => "Source",
        Build => "Build",
        Deploy => "Deploy",
        Test => "Test",
        Invoke => "Invoke",
        Approval => "Approval",
        Compute => "Compute",
    }
);

status!(
    /// CodePipeline `executionMode`: how a pipeline handles several executions.
    ExecutionMode {
        Superseded => "SUPERSEDED",
        Queued => "QUEUED",
        Parallel => "PARALLEL",
    }
);

impl Default for ExecutionMode {
    /// AWS: "The default mode is SUPERSEDED."
    fn default() -> Self {
        Self::Superseded
    }
}

status!(
    /// CodeDeploy `deploymentReadyOption.actionOnTimeout`.
    ReadyAction {
        Continue => "CONTINUE_DEPLOYMENT",
        Stop => "STOP_DEPLOYMENT",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! round_trips {
        ($($name:ident),+) => {$(
            for text in $name::KNOWN {
                let parsed = $name::parse(text);
                assert!(!matches!(parsed, $name::Unknown(_)), "{} {text}", stringify!($name));
                assert_eq!(parsed.as_str(), *text);
            }
            let novel = $name::parse("SomethingNew");
            assert_eq!(novel, $name::Unknown("SomethingNew".to_owned()));
            assert_eq!(novel.as_str(), "SomethingNew");
            assert_eq!(serde_json::to_string(&novel).ok().as_deref(), Some("\"SomethingNew\""));
        )+};
    }

    #[test]
    fn every_status_round_trips_and_unknown_values_keep_their_text() {
        round_trips!(
            DeploymentStatus,
            LifecycleStatus,
            ExecutionStatus,
            StageStatus,
            ActionStatus,
            TaskSetStatus,
            Controller,
            TargetHealthState,
            TaskSetLabel,
            ActionCategory,
            ExecutionMode,
            ReadyAction
        );
    }

    #[test]
    fn baking_and_unknown_deployments_are_not_terminal() {
        assert!(!DeploymentStatus::Baking.is_terminal());
        assert!(!DeploymentStatus::parse("Paused").is_terminal());
        assert!(DeploymentStatus::Stopped.is_terminal());
    }
}

//! Every status the four services report, as enums with an explicit unknown case that keeps
//! the raw string: a value AWS adds tomorrow is shown as it came, never dropped or mistaken
//! for another. It must not depend on the SDK's enums (the adapters map through strings).

use serde::{Serialize, Serializer};

/// What a status means to a person, whatever the service spells it: it decides the colour,
/// so that no screen matches status text to pick one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Done and well: Succeeded, healthy, PRIMARY.
    Good,
    /// Under way or waiting: InProgress, Ready, Pending, initial, draining.
    Moving,
    /// Failed, stopped, unhealthy, rejected.
    Bad,
    /// Neither: a label (ECS, Blue, SUPERSEDED), skipped, or a value not known.
    Quiet,
}

/// A status as text and as severity.
pub trait Status {
    fn text(&self) -> &str;
    fn severity(&self) -> Severity;
}

macro_rules! status {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal => $severity:ident),+ $(,)? }) => {
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

        impl Status for $name {
            fn text(&self) -> &str {
                match self {
                    // A value AWS left out (or sent empty) is said to be unknown, not drawn
                    // as a blank that reads like nothing to say.
                    Self::Unknown(raw) if raw.is_empty() => "unknown",
                    other => other.as_str(),
                }
            }

            fn severity(&self) -> Severity {
                match self {
                    $(Self::$variant => Severity::$severity,)+
                    // A value this version does not know is shown, never coloured as if known.
                    Self::Unknown(_) => Severity::Quiet,
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
        Created => "Created" => Moving,
        Queued => "Queued" => Moving,
        InProgress => "InProgress" => Moving,
        Baking => "Baking" => Moving,
        Ready => "Ready" => Moving,
        Succeeded => "Succeeded" => Good,
        Failed => "Failed" => Bad,
        Stopped => "Stopped" => Bad,
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
        Pending => "Pending" => Moving,
        InProgress => "InProgress" => Moving,
        Succeeded => "Succeeded" => Good,
        Failed => "Failed" => Bad,
        Skipped => "Skipped" => Quiet,
        Ready => "Ready" => Moving,
        UnknownStatus => "Unknown" => Quiet,
    }
);

status!(
    /// CodePipeline `PipelineExecutionStatus`.
    ExecutionStatus {
        Cancelled => "Cancelled" => Bad,
        InProgress => "InProgress" => Moving,
        Stopped => "Stopped" => Bad,
        Stopping => "Stopping" => Moving,
        Succeeded => "Succeeded" => Good,
        Superseded => "Superseded" => Quiet,
        Failed => "Failed" => Bad,
    }
);

status!(
    /// CodePipeline `StageExecutionStatus`.
    StageStatus {
        Cancelled => "Cancelled" => Bad,
        InProgress => "InProgress" => Moving,
        Failed => "Failed" => Bad,
        Stopped => "Stopped" => Bad,
        Stopping => "Stopping" => Moving,
        Succeeded => "Succeeded" => Good,
        Skipped => "Skipped" => Quiet,
    }
);

status!(
    /// CodePipeline `ActionExecutionStatus`.
    ActionStatus {
        InProgress => "InProgress" => Moving,
        Abandoned => "Abandoned" => Bad,
        Succeeded => "Succeeded" => Good,
        Failed => "Failed" => Bad,
    }
);

status!(
    /// ECS task set status (a plain string in the API).
    TaskSetStatus {
        Primary => "PRIMARY" => Good,
        Active => "ACTIVE" => Good,
        Draining => "DRAINING" => Moving,
    }
);

status!(
    /// ECS `deploymentController.type`.
    Controller {
        Ecs => "ECS" => Quiet,
        CodeDeploy => "CODE_DEPLOY" => Quiet,
        External => "EXTERNAL" => Quiet,
    }
);

status!(
    /// ELBv2 `TargetHealth.State`.
    TargetHealthState {
        Initial => "initial" => Moving,
        Healthy => "healthy" => Good,
        Unhealthy => "unhealthy" => Bad,
        UnhealthyDraining => "unhealthy.draining" => Bad,
        Unused => "unused" => Quiet,
        Draining => "draining" => Moving,
        Unavailable => "unavailable" => Quiet,
    }
);

status!(
    /// CodeDeploy `TargetLabel`: which side of a blue/green deployment a task set is on.
    TaskSetLabel {
        Blue => "Blue" => Quiet,
        Green => "Green" => Quiet,
    }
);

status!(
    /// A pipeline action's category.
    ActionCategory {
        Source => "Source" => Quiet,
        Build => "Build" => Quiet,
        Deploy => "Deploy" => Quiet,
        Test => "Test" => Quiet,
        Invoke => "Invoke" => Quiet,
        Approval => "Approval" => Quiet,
        Compute => "Compute" => Quiet,
    }
);

status!(
    /// CodePipeline `executionMode`: how a pipeline handles several executions.
    ExecutionMode {
        Superseded => "SUPERSEDED" => Quiet,
        Queued => "QUEUED" => Quiet,
        Parallel => "PARALLEL" => Quiet,
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
        Continue => "CONTINUE_DEPLOYMENT" => Quiet,
        Stop => "STOP_DEPLOYMENT" => Quiet,
    }
);

status!(
    /// ECS `ServiceDeploymentStatus`: an ECS-native (blue/green, linear, canary) or rolling
    /// service deployment.
    ServiceDeploymentStatus {
        Pending => "PENDING" => Moving,
        InProgress => "IN_PROGRESS" => Moving,
        StopRequested => "STOP_REQUESTED" => Moving,
        RollbackRequested => "ROLLBACK_REQUESTED" => Bad,
        RollbackInProgress => "ROLLBACK_IN_PROGRESS" => Bad,
        Successful => "SUCCESSFUL" => Good,
        Stopped => "STOPPED" => Bad,
        RollbackSuccessful => "ROLLBACK_SUCCESSFUL" => Bad,
        RollbackFailed => "ROLLBACK_FAILED" => Bad,
    }
);

impl ServiceDeploymentStatus {
    /// Done: nothing moves any more (AWS's "done" phase).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Successful | Self::Stopped | Self::RollbackSuccessful | Self::RollbackFailed
        )
    }
}

status!(
    /// ECS `ServiceDeploymentLifecycleStage`, in the order the stages run.
    ServiceDeploymentStage {
        ReconcileService => "RECONCILE_SERVICE" => Moving,
        PreScaleUp => "PRE_SCALE_UP" => Moving,
        ScaleUp => "SCALE_UP" => Moving,
        PostScaleUp => "POST_SCALE_UP" => Moving,
        TestTrafficShift => "TEST_TRAFFIC_SHIFT" => Moving,
        PostTestTrafficShift => "POST_TEST_TRAFFIC_SHIFT" => Moving,
        ProductionTrafficShift => "PRODUCTION_TRAFFIC_SHIFT" => Moving,
        PostProductionTrafficShift => "POST_PRODUCTION_TRAFFIC_SHIFT" => Moving,
        BakeTime => "BAKE_TIME" => Moving,
        CleanUp => "CLEAN_UP" => Moving,
    }
);

status!(
    /// ECS `DeploymentLifecycleHookStatus`: a Lambda hook is IN_PROGRESS while it runs, a PAUSE
    /// hook AWAITING_ACTION until a person (or its timeout) answers.
    HookStatus {
        AwaitingAction => "AWAITING_ACTION" => Moving,
        InProgress => "IN_PROGRESS" => Moving,
        Succeeded => "SUCCEEDED" => Good,
        Failed => "FAILED" => Bad,
        TimedOut => "TIMED_OUT" => Bad,
    }
);

status!(
    /// ECS `DeploymentLifecycleHookTargetType`.
    HookTarget {
        Lambda => "AWS_LAMBDA" => Quiet,
        Pause => "PAUSE" => Quiet,
    }
);

status!(
    /// ECS `DeploymentLifecycleHookAction`: what a hook's timeout does, or how a pause is
    /// answered.
    HookAction {
        Continue => "CONTINUE" => Quiet,
        Rollback => "ROLLBACK" => Quiet,
    }
);

status!(
    /// ECS `DeploymentStrategy`.
    DeploymentStrategy {
        Rolling => "ROLLING" => Quiet,
        BlueGreen => "BLUE_GREEN" => Quiet,
        Linear => "LINEAR" => Quiet,
        Canary => "CANARY" => Quiet,
    }
);

status!(
    /// ECS `ServiceDeploymentRollbackMonitorsStatus`: a circuit breaker's or alarms' state.
    MonitorStatus {
        Triggered => "TRIGGERED" => Bad,
        Monitoring => "MONITORING" => Moving,
        MonitoringComplete => "MONITORING_COMPLETE" => Good,
        Disabled => "DISABLED" => Quiet,
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
            ReadyAction,
            ServiceDeploymentStatus,
            ServiceDeploymentStage,
            HookStatus,
            HookTarget,
            HookAction,
            DeploymentStrategy,
            MonitorStatus
        );
    }

    #[test]
    fn baking_and_unknown_deployments_are_not_terminal() {
        assert!(!DeploymentStatus::Baking.is_terminal());
        assert!(!DeploymentStatus::parse("Paused").is_terminal());
        assert!(DeploymentStatus::Stopped.is_terminal());
    }

    #[test]
    fn a_status_means_the_same_in_every_service_and_an_unknown_one_is_quiet() {
        assert_eq!(DeploymentStatus::Failed.severity(), Severity::Bad);
        assert_eq!(ExecutionStatus::Failed.severity(), Severity::Bad);
        assert_eq!(ActionStatus::Abandoned.severity(), Severity::Bad);
        assert_eq!(
            TargetHealthState::UnhealthyDraining.severity(),
            Severity::Bad
        );
        assert_eq!(DeploymentStatus::Ready.severity(), Severity::Moving);
        assert_eq!(LifecycleStatus::Pending.severity(), Severity::Moving);
        assert_eq!(TargetHealthState::Initial.severity(), Severity::Moving);
        assert_eq!(TaskSetStatus::Primary.severity(), Severity::Good);
        assert_eq!(TargetHealthState::Healthy.severity(), Severity::Good);
        assert_eq!(StageStatus::Succeeded.severity(), Severity::Good);
        assert_eq!(Controller::CodeDeploy.severity(), Severity::Quiet);
        assert_eq!(ExecutionStatus::Superseded.severity(), Severity::Quiet);
        // A value AWS adds tomorrow is shown as it came, never coloured as if known, even
        // when it reads like one ("Failed" spelled another way).
        assert_eq!(
            DeploymentStatus::parse("FAILED_TOMORROW").severity(),
            Severity::Quiet
        );
    }
}

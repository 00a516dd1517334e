//! The world file as it is written: serde types that mirror the TOML tables one to one.
//! Checks that concern one value alone (a probability, a range) happen while deserializing,
//! so the TOML parser reports them at the value; nothing here knows about other tables.
//! Fields that other tables refer to keep their span, so the builder can point at them.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldFile {
    pub world: WorldSection,
    pub autopilot: Option<AutopilotSection>,
    pub timings: Option<TimingsSection>,
    #[serde(default)]
    pub deployment_config: Vec<ConfigSection>,
    #[serde(default)]
    pub cluster: Vec<ClusterSection>,
    #[serde(default)]
    pub load_balancer: Vec<LoadBalancerSection>,
    #[serde(default)]
    pub service: Vec<ServiceSection>,
    #[serde(default)]
    pub pipeline: Vec<PipelineSection>,
    #[serde(default)]
    pub other_deployment: Vec<OtherDeploymentSection>,
}

/// Another team's deployment in flight on another compute platform: listed and read, never
/// run.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherDeploymentSection {
    pub application: Spanned<String>,
    pub group: Spanned<String>,
    pub platform: OtherPlatform,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum OtherPlatform {
    Lambda,
    Server,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldSection {
    pub name: String,
    pub account_id: Spanned<String>,
    pub region: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutopilotSection {
    pub enabled: Option<bool>,
    pub start_every_minutes: Option<Spanned<Range>>,
    pub hook_failure_chance: Option<Chance>,
    pub unhealthy_chance: Option<Chance>,
    pub keep_waiting: Option<usize>,
    pub approve_after_minutes: Option<Range>,
    pub continue_after_minutes: Option<Range>,
    pub warmup_minutes: Option<Spanned<u32>>,
    pub service_deploy_every_minutes: Option<Spanned<Range>>,
    pub service_hook_failure_chance: Option<Chance>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingsSection {
    pub task_start: Option<Range>,
    pub health_check: Option<u32>,
    pub unhealthy_replace: Option<u32>,
    pub deregistration: Option<u32>,
    pub hook: Option<Range>,
    pub install_timeout: Option<u32>,
    pub stopped_task_retention: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigSection {
    pub name: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<ConfigKind>,
    pub percent: Option<Spanned<u32>>,
    pub minutes: Option<Spanned<u32>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigKind {
    Canary,
    Linear,
    AllAtOnce,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    pub name: Spanned<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerSection {
    pub name: Spanned<String>,
    pub scheme: Option<Scheme>,
    pub protocol: Option<Protocol>,
    pub production_port: Option<Spanned<u16>>,
    pub test_port: Option<Spanned<u16>>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Scheme {
    #[serde(rename = "internet-facing")]
    InternetFacing,
    #[serde(rename = "internal")]
    Internal,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InternetFacing => "internet-facing",
            Self::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Protocol {
    #[serde(rename = "HTTP")]
    Http,
    #[serde(rename = "HTTPS")]
    Https,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "HTTP",
            Self::Https => "HTTPS",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSection {
    pub cluster: Spanned<String>,
    pub name: Spanned<String>,
    pub desired: Spanned<u32>,
    pub controller: Option<Spanned<ControllerKind>>,
    pub image: Option<String>,
    pub container_name: Option<String>,
    pub container_port: Option<u16>,
    pub cpu: Option<u32>,
    pub memory: Option<u32>,
    /// The container's `environment`, name to value.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// The container's `secrets`, name to `valueFrom` (a Secrets Manager or SSM ARN).
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// The container's `command`.
    #[serde(default)]
    pub command: Vec<String>,
    /// The task definition revision the service runs now; random (3–40) when omitted.
    pub revision: Option<Spanned<u32>>,
    pub load_balancer: Option<Spanned<String>>,
    pub route: Option<Spanned<String>>,
    pub priority: Option<Spanned<u32>>,
    pub target_groups: Option<Spanned<Vec<Spanned<String>>>>,
    pub test_route: Option<TestRoute>,
    pub health_check_path: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub deployment: Option<DeploymentSection>,
    /// ECS-native blue/green (controller ECS): strategy, bake time, hooks.
    pub ecs_deployment: Option<EcsDeploymentSection>,
}

/// `[service.ecs_deployment]`: an ECS-controller service's `deploymentConfiguration` for a
/// BLUE_GREEN, LINEAR or CANARY strategy. Its two `target_groups` are the primary and the
/// `alternateTargetGroupArn`; the production and test rules are the ones its route claims.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcsDeploymentSection {
    pub strategy: Spanned<String>,
    pub bake_time_minutes: Option<Spanned<u32>>,
    pub step_percent: Option<Spanned<f64>>,
    pub step_bake_time_minutes: Option<Spanned<u32>>,
    pub canary_percent: Option<Spanned<f64>>,
    pub canary_bake_time_minutes: Option<Spanned<u32>>,
    #[serde(default)]
    pub hook: Vec<HookSection>,
}

/// `[[service.ecs_deployment.hook]]`: one `lifecycleHooks[]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HookSection {
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    /// The Lambda function's name or ARN (AWS_LAMBDA only).
    pub target: Option<Spanned<String>>,
    pub stages: Spanned<Vec<Spanned<String>>>,
    pub timeout_minutes: Option<Spanned<u32>>,
    pub timeout_action: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ControllerKind {
    #[serde(rename = "CODE_DEPLOY")]
    CodeDeploy,
    #[serde(rename = "ECS")]
    Ecs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestRoute {
    #[default]
    Blue,
    Green,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSection {
    pub application: Spanned<String>,
    pub group: Option<Spanned<String>>,
    pub config: Option<Spanned<String>>,
    pub ready: Option<Ready>,
    pub ready_wait_minutes: Option<Spanned<u32>>,
    pub termination_wait_minutes: Option<Spanned<u32>>,
    pub auto_rollback: Option<bool>,
    #[serde(default)]
    pub hooks: BTreeMap<Spanned<String>, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ready {
    Continue,
    Stop,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSection {
    pub name: Spanned<String>,
    pub repository: Option<String>,
    /// `executionMode` as AWS spells it; SUPERSEDED when absent, as in AWS.
    pub execution_mode: Option<ExecutionModeName>,
    pub template: Option<Spanned<Template>>,
    pub deploy: Option<Spanned<String>>,
    pub stages: Option<Spanned<Vec<StageSection>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionModeName {
    Superseded,
    Queued,
    Parallel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Template {
    SourceDeploy,
    Gated,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSection {
    pub name: Spanned<String>,
    pub actions: Spanned<Vec<ActionSection>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSection {
    pub name: Spanned<String>,
    pub provider: Provider,
    pub category: Option<Spanned<CategoryName>>,
    pub run_order: Option<Spanned<u32>>,
    pub seconds: Option<u32>,
    pub failure_chance: Option<Chance>,
    pub deploy: Option<Spanned<String>>,
    #[serde(default)]
    pub configuration: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Provider {
    CodeStarSourceConnection,
    GitHub,
    CodeCommit,
    #[serde(rename = "ECR")]
    Ecr,
    S3,
    CodeBuild,
    Manual,
    CodeDeployToECS,
    Lambda,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CodeStarSourceConnection => "CodeStarSourceConnection",
            Self::GitHub => "GitHub",
            Self::CodeCommit => "CodeCommit",
            Self::Ecr => "ECR",
            Self::S3 => "S3",
            Self::CodeBuild => "CodeBuild",
            Self::Manual => "Manual",
            Self::CodeDeployToECS => "CodeDeployToECS",
            Self::Lambda => "Lambda",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CategoryName {
    Source,
    Build,
    Test,
    Approval,
    Deploy,
    Invoke,
}

/// A probability, `0.0..=1.0`; integers `0` and `1` are accepted too.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chance(pub f64);

impl<'de> Deserialize<'de> for Chance {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ChanceVisitor;
        impl Visitor<'_> for ChanceVisitor {
            type Value = Chance;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a probability between 0.0 and 1.0")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Chance, E> {
                if (0.0..=1.0).contains(&v) {
                    Ok(Chance(v))
                } else {
                    Err(E::custom(format!(
                        "expected a probability between 0.0 and 1.0, found {v}"
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Chance, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Chance, E> {
                self.visit_f64(v as f64)
            }
        }
        deserializer.deserialize_any(ChanceVisitor)
    }
}

/// `[low, high]`: two non-negative integers with `low <= high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range(pub i64, pub i64);

impl<'de> Deserialize<'de> for Range {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RangeVisitor;
        impl<'de> Visitor<'de> for RangeVisitor {
            type Value = Range;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a range [low, high] of two non-negative integers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Range, A::Error> {
                let low: Option<u32> = seq.next_element()?;
                let high: Option<u32> = seq.next_element()?;
                let extra: Option<u32> = seq.next_element()?;
                match (low, high, extra) {
                    (Some(low), Some(high), None) if low <= high => {
                        Ok(Range(i64::from(low), i64::from(high)))
                    }
                    (Some(low), Some(high), None) => Err(de::Error::custom(format!(
                        "expected [low, high] with low <= high, found [{low}, {high}]"
                    ))),
                    _ => Err(de::Error::custom(
                        "expected a range [low, high] of exactly two integers",
                    )),
                }
            }
        }
        deserializer.deserialize_seq(RangeVisitor)
    }
}

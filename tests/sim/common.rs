//! What every simulator test needs: a simulator on a free loopback port with a manual clock
//! and no autopilot, and the official SDK clients pointed at it with retries off (a retried
//! error would hide what the simulator answered).

use aws_config::BehaviorVersion;
use aws_config::Region;
use aws_config::retry::RetryConfig;
use aws_credential_types::Credentials;

use cutover::sim::{SimHandle, SimOptions};

pub struct Sim {
    pub handle: SimHandle,
    pub config: aws_config::SdkConfig,
}

impl Sim {
    /// The default world on a manual clock, autopilot off.
    pub async fn start() -> Self {
        Self::start_with(SimOptions {
            speed: None,
            autopilot: Some(false),
            ..options()
        })
        .await
    }

    /// The default world with seed 3 (payments-prod/payment-methods waits at its pause hook
    /// before production) on the manual clock, the autopilot on: the world the console and
    /// fault tests share.
    #[allow(
        dead_code,
        reason = "the console and status tests use it, the simulator's do not"
    )]
    pub async fn busy() -> Self {
        Self::start_with(SimOptions {
            speed: None,
            autopilot: Some(true),
            seed: 3,
            ..options()
        })
        .await
    }

    /// Two accounts on the manual clock: the default world (123456789012) and
    /// tests/worlds/modes.toml (444455556666), for the tests of several sources.
    #[allow(
        dead_code,
        reason = "the console and status tests use it, the simulator's do not"
    )]
    pub async fn two_accounts() -> (Self, Self) {
        let modes =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worlds/modes.toml");
        let dev = Self::start_with(SimOptions {
            speed: None,
            ..options()
        })
        .await;
        let prod = Self::start_with(SimOptions {
            speed: None,
            world: Some(modes),
            ..options()
        })
        .await;
        (dev, prod)
    }

    /// Starts `pipeline` at `commit` (StartPipelineExecution's `sourceRevisions` override of
    /// its Source action, type COMMIT_ID); the execution's id.
    #[allow(
        dead_code,
        reason = "the console and status tests use it, the simulator's do not"
    )]
    pub async fn start_at(&self, pipeline: &str, commit: &str) -> String {
        use aws_sdk_codepipeline::types::{SourceRevisionOverride, SourceRevisionType};
        self.codepipeline()
            .start_pipeline_execution()
            .name(pipeline)
            .source_revisions(
                SourceRevisionOverride::builder()
                    .action_name("Source")
                    .revision_type(SourceRevisionType::CommitId)
                    .revision_value(commit)
                    .build()
                    .expect("override"),
            )
            .send()
            .await
            .expect("started at the commit")
            .pipeline_execution_id()
            .expect("id")
            .to_owned()
    }

    pub async fn start_with(options: SimOptions) -> Self {
        let handle = SimHandle::start(&options).expect("simulator starts");
        let config = sdk_config(&handle.endpoint()).await;
        Self { handle, config }
    }

    pub fn endpoint(&self) -> String {
        self.handle.endpoint()
    }

    pub fn ecs(&self) -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::new(&self.config)
    }

    pub fn codedeploy(&self) -> aws_sdk_codedeploy::Client {
        aws_sdk_codedeploy::Client::new(&self.config)
    }

    pub fn codepipeline(&self) -> aws_sdk_codepipeline::Client {
        aws_sdk_codepipeline::Client::new(&self.config)
    }

    pub fn elb(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        aws_sdk_elasticloadbalancingv2::Client::new(&self.config)
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config)
    }

    /// Moves the manual clock and runs the world up to it.
    pub fn advance(&self, seconds: i64) {
        self.handle.shared().clock().advance(seconds * 1000);
        self.handle.shared().catch_up();
    }

    pub fn invariants(&self) -> Vec<String> {
        self.handle.shared().with_world(|w| w.check_invariants())
    }
}

pub fn options() -> SimOptions {
    SimOptions {
        addr: "127.0.0.1:0".parse().expect("address"),
        ..SimOptions::default()
    }
}

pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "static"))
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

/// The code of an SDK error, whatever the operation.
pub fn code<E, R>(error: &aws_sdk_ecs::error::SdkError<E, R>) -> String
where
    E: aws_sdk_ecs::error::ProvideErrorMetadata,
{
    error
        .as_service_error()
        .and_then(|e| e.code())
        .unwrap_or("<not a service error>")
        .to_owned()
}

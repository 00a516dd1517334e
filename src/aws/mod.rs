//! The AWS side of cutover: clients built from the standard credential chain, one adapter per
//! service that maps SDK answers to `model` types, and the snapshot that reads the fleet. The
//! SDK's types stop here: nothing above this module sees them.

pub mod act;
pub mod budget;
pub mod codedeploy;
pub mod codepipeline;
pub mod ecs;
pub mod elbv2;
pub mod error;
pub mod evidence;
pub mod hot;
pub mod revisions;
pub mod service_deployments;
pub mod snapshot;
#[cfg(test)]
mod surprises;
pub mod task_definitions;
mod throttles;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::date_time::Format;
use tokio::sync::Semaphore;

pub use error::{AwsError, ErrorKind};

use crate::config::Budgets;
use crate::model::budget::{Api, BudgetState};
use crate::model::{Source, Timestamp};
use budget::Budget;
use throttles::Throttles;

/// How to reach AWS; anything left `None` comes from the standard chain, as the AWS CLI reads
/// it (environment, `~/.aws/config` and `~/.aws/credentials`, SSO, assume-role,
/// credential_process, container and instance metadata, `AWS_ENDPOINT_URL_*`).
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Attempts per call (1 = no retries); the SDK's standard 3 when `None`.
    pub max_attempts: Option<u32>,
    /// Concurrent calls per service.
    pub concurrency: usize,
    /// Fixed keys instead of the credential chain: for the embedded simulator of the demo
    /// (which checks no signature) and for tests.
    pub static_credentials: Option<(String, String)>,
    /// Calls per second to each service the reads may make, backing off when AWS throttles.
    /// `None` reads as fast as the concurrency allows: for a local simulator, with no account
    /// to share.
    pub budgets: Option<Budgets>,
    /// How long one attempt and one whole call may take; [`Timeouts::default`] when `None`.
    pub timeouts: Option<Timeouts>,
}

/// How long AWS is waited for. An attempt that gets no answer is cut and retried; a call
/// whose attempts (with the retries' backoff) take longer than `call` ends with a timeout,
/// so that an endpoint that accepts connections and never answers holds a refresh at most
/// that long (three 20 s attempts and their backoff took a minute before).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub attempt: Duration,
    pub call: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            attempt: Duration::from_secs(10),
            call: Duration::from_secs(25),
        }
    }
}

impl ConnectOptions {
    /// One-shot reads (`cutover status`): a cold snapshot as fast as the account allows.
    pub const DEFAULT_CONCURRENCY: usize = 32;
    /// The console polls for hours: half as many calls in flight spares the account's shared
    /// rate limits, and the connections' buffers (the console stays under 60 MB on a
    /// 1,000-service fleet).
    pub const CONSOLE_CONCURRENCY: usize = 16;
}

/// Calls in flight per service for actions: one person's presses.
const ACTION_SLOTS: usize = 4;

/// Calls to one service, at most `limit` at a time, and when it has a budget, no faster than
/// the budget allows.
#[derive(Debug, Clone)]
pub struct Limited<C> {
    pub client: C,
    permits: Arc<Semaphore>,
    budget: Option<Arc<Budget>>,
}

impl<C> Limited<C> {
    fn new(client: C, limit: usize, budget: Option<Arc<Budget>>) -> Self {
        Self {
            client,
            permits: Arc::new(Semaphore::new(limit.max(1))),
            budget,
        }
    }

    /// Waits for a free slot, then for a token of the budget; the slot is held until the
    /// returned permit drops.
    pub async fn slot(&self) -> tokio::sync::SemaphorePermit<'_> {
        // The semaphore is never closed, so acquiring cannot fail.
        let permit = loop {
            if let Ok(permit) = self.permits.acquire().await {
                break permit;
            }
        };
        // The slot first: the calls waiting for a token are then at most `limit`, and the
        // others wait their turn in order on the semaphore.
        if let Some(budget) = &self.budget {
            budget.take().await;
        }
        permit
    }
}

/// The clients of the five services, sharing one configuration.
#[derive(Debug, Clone)]
pub struct Clients {
    // The SDK's clients stay inside `aws/`: everything above works on `model` types.
    ecs: Limited<aws_sdk_ecs::Client>,
    codedeploy: Limited<aws_sdk_codedeploy::Client>,
    codepipeline: Limited<aws_sdk_codepipeline::Client>,
    elb: Limited<aws_sdk_elasticloadbalancingv2::Client>,
    sts: aws_sdk_sts::Client,
    /// Where these clients read and act; its account is filled from `identity`.
    source: Source,
    server_time: ServerTime,
    /// AppSpec texts already read: a revision never changes.
    revisions: revisions::RevisionCache,
    /// ECS service revisions already read: a revision never changes either.
    service_revisions: service_deployments::RevisionCache,
    /// Pipeline declarations by version, executions and failures while they stand still.
    pipelines: codepipeline::cache::Cache,
    /// Target health read, with when.
    health: elbv2::HealthCache,
    /// ECS service deployments that ended, and those in flight per service.
    service_deployments: service_deployments::Cache,
    /// Deployments that ended, and custom deployment configs.
    codedeploy_cache: codedeploy::Cache,
    /// Who these credentials are, once read: the snapshot, the console's actions and the
    /// command line all ask here, and STS is asked once.
    identity: Arc<tokio::sync::OnceCell<crate::model::Identity>>,
}

impl Clients {
    /// The newest server time seen in a response `Date` header, if any. AWS (and the
    /// simulator, in its virtual time) stamps every answer, so this is "now" as the fleet
    /// sees it, free of local clock skew.
    pub fn server_time(&self) -> Option<Timestamp> {
        *self
            .server_time
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The same clients (configuration, credentials, endpoint) sending each call exactly
    /// once, for actions: the SDK's standard retries would send a mutation that met a 5xx,
    /// a throttle or a timeout up to three times (aws-apis.md section 10). Actions get slots
    /// of their own, so that one never waits behind a refresh, and no budget: one person's
    /// presses are a few calls, far under any rate, and must not wait for tokens the polling
    /// spent. Nor do their throttles slow the reads: AWS counts mutations in buckets apart
    /// from the Describe calls (ELB's Modify calls, ECS's service updates).
    pub fn without_retries(&self) -> Self {
        /// The same service client, rebuilt from its configuration with one attempt and the
        /// server's clock as its only interceptor.
        macro_rules! once {
            ($client:expr, $sdk:ident) => {{
                let mut builder = $client.config().to_builder();
                builder.set_interceptors([SharedInterceptor::new(self.server_time.clone())]);
                $sdk::Client::from_conf(
                    builder
                        .retry_config(RetryConfig::standard().with_max_attempts(1))
                        .build(),
                )
            }};
        }
        Self {
            ecs: Limited::new(once!(self.ecs.client, aws_sdk_ecs), ACTION_SLOTS, None),
            codedeploy: Limited::new(
                once!(self.codedeploy.client, aws_sdk_codedeploy),
                ACTION_SLOTS,
                None,
            ),
            codepipeline: Limited::new(
                once!(self.codepipeline.client, aws_sdk_codepipeline),
                ACTION_SLOTS,
                None,
            ),
            elb: Limited::new(
                once!(self.elb.client, aws_sdk_elasticloadbalancingv2),
                ACTION_SLOTS,
                None,
            ),
            sts: once!(self.sts, aws_sdk_sts),
            ..self.clone()
        }
    }

    /// The first snapshot landed: from now on the sustained budgets (see
    /// [`Budgets::FIRST_READ`]).
    pub fn settle_budgets(&self) {
        for budget in self.each_budget() {
            budget.settle();
        }
    }

    /// The budget of each service these clients read, as it stands: empty when they have
    /// none (the clients that act, or reads of a local simulator).
    pub fn budgets(&self) -> Vec<BudgetState> {
        self.each_budget().map(|budget| budget.state()).collect()
    }

    fn each_budget(&self) -> impl Iterator<Item = &Arc<Budget>> {
        [
            &self.ecs.budget,
            &self.elb.budget,
            &self.codedeploy.budget,
            &self.codepipeline.budget,
        ]
        .into_iter()
        .flatten()
    }

    /// The account and principal of these credentials (STS GetCallerIdentity), read once;
    /// a failed read is asked again next time.
    pub async fn identity(&self) -> Result<crate::model::Identity, AwsError> {
        self.identity
            .get_or_try_init(|| async {
                let out = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| self.error("sts", "GetCallerIdentity", &e))?;
                Ok(crate::model::Identity {
                    account: out.account().unwrap_or_default().to_owned(),
                    principal: out.arn().unwrap_or_default().to_owned(),
                    user_id: out.user_id().map(str::to_owned),
                })
            })
            .await
            .cloned()
    }

    /// Where these clients read and act: the account is known once the identity was read.
    pub fn source(&self) -> Source {
        let account = self.identity.get().map(|i| i.account.clone());
        self.source.clone().with_account(account)
    }

    /// Whether a call through these clients is ever retried by the SDK.
    pub fn retries(&self) -> bool {
        self.ecs
            .client
            .config()
            .retry_config()
            .is_some_and(|r| r.max_attempts() > 1)
    }

    /// An error's message with the profile attached, for its hint.
    pub fn error<E>(
        &self,
        service: &'static str,
        operation: &'static str,
        error: &aws_sdk_ecs::error::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    ) -> AwsError
    where
        E: aws_sdk_ecs::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        AwsError::from_sdk(service, operation, error).with_profile(self.source.profile.as_deref())
    }
}

/// Records the `Date` header of every response.
#[derive(Debug, Clone, Default)]
struct ServerTime(Arc<Mutex<Option<Timestamp>>>);

impl Intercept for ServerTime {
    fn name(&self) -> &'static str {
        "cutover::ServerTime"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let date = context.response().headers().get("date");
        if let Some(date) =
            date.and_then(|d| aws_smithy_types::DateTime::from_str(d, Format::HttpDate).ok())
        {
            let at = Timestamp(date.secs() * 1000 + i64::from(date.subsec_nanos() / 1_000_000));
            let mut latest = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if latest.is_none_or(|l| at > l) {
                *latest = Some(at);
            }
        }
        Ok(())
    }
}

/// Builds the clients. Loading the configuration makes no call to AWS.
pub async fn connect(options: &ConnectOptions) -> Clients {
    let timeouts = options.timeouts.unwrap_or_default();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(timeouts.connect)
            .operation_attempt_timeout(timeouts.attempt)
            .operation_timeout(timeouts.call)
            .build(),
    );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &options.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some((key, secret)) = &options.static_credentials {
        loader = loader.credentials_provider(aws_credential_types::Credentials::new(
            key,
            secret,
            None,
            None,
            "cutover-static",
        ));
    }
    if let Some(attempts) = options.max_attempts {
        loader = loader.retry_config(RetryConfig::standard().with_max_attempts(attempts.max(1)));
    }
    let config = loader.load().await;
    let server_time = ServerTime::default();
    let limit = if options.concurrency == 0 {
        ConnectOptions::DEFAULT_CONCURRENCY
    } else {
        options.concurrency
    };
    let region = config
        .region()
        .map_or_else(|| "us-east-1".to_owned(), ToString::to_string);
    /// A service's read client: the server's clock, and its budget with the interceptor
    /// that tells the budget of each throttle.
    macro_rules! reads {
        ($sdk:ident, $api:expr, $allowance:ident) => {{
            let budget = options.budgets.map(|b| {
                Arc::new(Budget::starting(
                    $api,
                    b.$allowance,
                    Budgets::FIRST_READ.$allowance,
                ))
            });
            let mut builder = $sdk::config::Builder::from(&config).interceptor(server_time.clone());
            if let Some(budget) = &budget {
                builder.push_interceptor(SharedInterceptor::new(Throttles(Arc::clone(budget))));
            }
            Limited::new($sdk::Client::from_conf(builder.build()), limit, budget)
        }};
    }
    let sts = aws_sdk_sts::config::Builder::from(&config)
        .interceptor(server_time.clone())
        .build();
    Clients {
        ecs: reads!(aws_sdk_ecs, Api::Ecs, ecs),
        codedeploy: reads!(aws_sdk_codedeploy, Api::CodeDeploy, codedeploy),
        codepipeline: reads!(aws_sdk_codepipeline, Api::CodePipeline, codepipeline),
        elb: reads!(aws_sdk_elasticloadbalancingv2, Api::Elb, elb),
        // Asked once, for who the credentials are: no budget.
        sts: aws_sdk_sts::Client::from_conf(sts),
        source: Source {
            profile: options
                .profile
                .clone()
                .or_else(|| std::env::var("AWS_PROFILE").ok()),
            account: None,
            region,
            endpoint: options.endpoint_url.clone(),
        },
        server_time,
        revisions: revisions::RevisionCache::default(),
        service_revisions: service_deployments::RevisionCache::default(),
        pipelines: codepipeline::cache::Cache::default(),
        codedeploy_cache: codedeploy::Cache::default(),
        service_deployments: service_deployments::Cache::default(),
        health: elbv2::HealthCache::default(),
        identity: Arc::default(),
    }
}

/// Converts an SDK timestamp.
pub(crate) fn ts(t: &aws_smithy_types::DateTime) -> Timestamp {
    Timestamp(t.secs() * 1000 + i64::from(t.subsec_nanos() / 1_000_000))
}

/// Calls `page` with each next token (or marker) until the service gives none, and returns
/// every item in order. A token equal to the empty string ends the list, as the SDK's own
/// paginators treat it.
pub(crate) async fn all_pages<T, F, Fut>(mut page: F) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
{
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let (items, next) = page(token.take()).await?;
        out.extend(items);
        match next {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => return Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_clients_that_act_send_each_call_once_and_share_the_rest() {
        let reads = connect(&ConnectOptions {
            endpoint_url: Some("http://127.0.0.1:1".to_owned()),
            region: Some("eu-west-1".to_owned()),
            static_credentials: Some(("AKID".to_owned(), "secret".to_owned())),
            ..ConnectOptions::default()
        })
        .await;
        let acts = reads.without_retries();
        assert!(reads.budgets().is_empty(), "no budget unless asked");
        assert!(reads.retries(), "reads keep the SDK's standard retries");
        assert!(!acts.retries());
        for config in [
            acts.codedeploy.client.config().retry_config(),
            acts.codepipeline.client.config().retry_config(),
            acts.elb.client.config().retry_config(),
            acts.sts.config().retry_config(),
        ] {
            assert_eq!(config.map(RetryConfig::max_attempts), Some(1));
        }
        assert_eq!(acts.source().region, "eu-west-1");
        assert_eq!(acts.source(), reads.source());
    }

    #[tokio::test]
    async fn reads_have_a_budget_per_service_that_the_clients_that_act_neither_spend_nor_slow() {
        let reads = connect(&ConnectOptions {
            endpoint_url: Some("http://127.0.0.1:1".to_owned()),
            region: Some("eu-west-1".to_owned()),
            static_credentials: Some(("AKID".to_owned(), "secret".to_owned())),
            budgets: Some(Budgets::default()),
            ..ConnectOptions::default()
        })
        .await;
        let apis: Vec<Api> = reads.budgets().iter().map(|b| b.api).collect();
        assert_eq!(apis, Api::ALL);
        assert!(reads.budgets().iter().all(|b| !b.is_backing_off()));
        let listens = |config: &aws_sdk_elasticloadbalancingv2::Config| {
            config.interceptors().any(|i| i.name() == throttles::NAME)
        };
        assert!(listens(reads.elb.client.config()));
        let acts = reads.without_retries();
        assert!(acts.budgets().is_empty());
        assert!(!listens(acts.elb.client.config()));
        assert!(
            acts.elb
                .client
                .config()
                .interceptors()
                .any(|i| i.name() == "cutover::ServerTime"),
            "actions still read the server's clock"
        );
    }
}

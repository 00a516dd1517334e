//! `cutover evidence TARGET [--json]`, and the evidence printed in the plan of `cutover
//! approve`, `reroute` and `continue` before the confirmation: what changes, the source
//! revision, the health of what was already deployed. It must not hold AWS logic
//! (`aws::evidence` reads) and it never fails an action: evidence that cannot be read is a
//! line saying why.

use crate::aws::evidence::{gather, read_around};
use crate::aws::task_definitions::TaskDefinitionCache;
use crate::aws::{Clients, ConnectOptions, connect};
use crate::model::evidence::{Evidence, Point};
use crate::ops::Call;
use crate::ops::cli::{EXIT_FAILED, EXIT_INVALID};

/// `cutover evidence`'s arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `PIPELINE[/STAGE/ACTION]` for a manual approval (the first waiting without a stage),
    /// a CodeDeploy deployment id (`d-…`) waiting in Ready, or an ECS service deployment ARN
    /// whose pause hook waits.
    pub target: String,
    /// Print the evidence as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `cutover evidence` from the command line: the global flags name one source; the exit
/// code.
pub fn main(args: &Args, global: &crate::cli::GlobalArgs) -> i32 {
    let config = match crate::config::Config::load(global.aws.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("cutover evidence: {e}");
            return EXIT_INVALID;
        }
    };
    let source = match global
        .aws
        .sources(&config)
        .and_then(|s| crate::sources::one(s, "evidence reads"))
    {
        Ok(source) => source,
        Err(why) => {
            eprintln!("cutover evidence: {why}");
            return EXIT_INVALID;
        }
    };
    let reach = Reach {
        profile: source.profile,
        region: source.region,
        endpoint_url: global.aws.endpoint_url.clone(),
        budgets: Some(config.budgets),
    };
    run(&args.target, args.json, &reach)
}

/// Where `cutover evidence` reads: the global flags' one source.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub budgets: Option<crate::config::Budgets>,
}

/// Why there is no evidence to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// Nothing matches the target: a usage error.
    NotFound(String),
    /// AWS could not be read.
    Unreadable(String),
}

/// The decision an action's call answers, if it has evidence.
pub fn point_of(call: &Call) -> Option<Point> {
    match call {
        Call::Approval(a) => Some(Point::Gate {
            pipeline: a.pipeline.clone(),
            stage: Some(a.stage.clone()),
            action: Some(a.action.clone()),
            execution_id: a.execution.clone(),
        }),
        Call::ContinueReady(d) => Some(Point::Ready {
            deployment: d.deployment.clone(),
        }),
        Call::ContinueHook(h) => Some(Point::Hook {
            deployment_arn: h.deployment.clone(),
        }),
        _ => None,
    }
}

/// Reads around `point` and gathers its evidence.
pub async fn read(
    c: &Clients,
    cache: &TaskDefinitionCache,
    point: &Point,
) -> Result<Evidence, Missing> {
    let snapshot = read_around(c, point)
        .await
        .map_err(|e| Missing::Unreadable(e.to_string()))?;
    gather(c, cache, &snapshot, point)
        .await
        .map_err(|e| Missing::NotFound(e.0))
}

/// The evidence lines of an action's plan, indented under it; a line saying why when it
/// cannot be read, nothing for an action without evidence.
pub async fn plan_lines(c: &Clients, call: &Call) -> Vec<String> {
    let Some(point) = point_of(call) else {
        return Vec::new();
    };
    let lines = match read(c, &TaskDefinitionCache::default(), &point).await {
        Ok(evidence) => evidence.lines(),
        Err(Missing::NotFound(why) | Missing::Unreadable(why)) => {
            vec![format!("evidence unavailable: {why}")]
        }
    };
    lines.into_iter().map(|l| format!("  {l}")).collect()
}

/// `cutover evidence`: the process exit code (0 shown, 1 AWS could not be read, 2 the
/// target is malformed or nothing matches it).
pub fn run(target: &str, json: bool, reach: &Reach) -> i32 {
    let point = match Point::parse(target) {
        Ok(point) => point,
        Err(why) => {
            eprintln!("cutover evidence: {why}");
            return EXIT_INVALID;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cutover evidence: {e}");
            return EXIT_FAILED;
        }
    };
    let result = runtime.block_on(async {
        let clients = connect(&ConnectOptions {
            profile: reach.profile.clone(),
            region: reach.region.clone(),
            endpoint_url: reach.endpoint_url.clone(),
            max_attempts: None,
            concurrency: 4,
            static_credentials: None,
            budgets: reach.budgets,
            timeouts: None,
        })
        .await;
        read(&clients, &TaskDefinitionCache::default(), &point).await
    });
    match result {
        Ok(evidence) if json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&evidence)
                    .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
            );
            0
        }
        Ok(evidence) => {
            println!("evidence  {target}");
            for line in evidence.lines() {
                println!("{line}");
            }
            0
        }
        Err(Missing::NotFound(why)) => {
            eprintln!("cutover evidence: {why}");
            EXIT_INVALID
        }
        Err(Missing::Unreadable(why)) => {
            eprintln!("cutover evidence: cannot read: {why}");
            EXIT_FAILED
        }
    }
}

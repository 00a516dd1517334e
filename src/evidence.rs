//! `cutover evidence TARGET [--json]`, and the evidence printed in the plan of `cutover
//! approve`, `reroute` and `continue` before the confirmation: what changes, the source
//! revision, the health of what was already deployed. It must not hold AWS logic
//! (`aws::evidence` reads) and it never fails an action: evidence that cannot be read is a
//! line saying why.

use crate::aws::evidence::{gather, read_around};
use crate::aws::task_definitions::TaskDefinitionCache;
use crate::aws::{Clients, ConnectOptions, connect};
use crate::model::evidence::{Evidence, Point};

/// As the action commands exit (`ops::cli`, a layer above, which prints evidence in its
/// plans): AWS could not be read; bad input.
const EXIT_FAILED: i32 = 1;
const EXIT_INVALID: i32 = 2;

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
/// cannot be read.
pub async fn plan_lines(c: &Clients, point: &Point) -> Vec<String> {
    plan_lines_in(c, &TaskDefinitionCache::default(), point).await
}

/// [`plan_lines`] through `cache`: the console's, which reads each task definition once.
pub async fn plan_lines_in(c: &Clients, cache: &TaskDefinitionCache, point: &Point) -> Vec<String> {
    let lines = match read(c, cache, point).await {
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

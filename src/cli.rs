//! Command-line parsing: the subcommands and their flags. It must not hold business logic;
//! `main` hands each command to the module that owns it.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::ops::cli::Reach;
use crate::ops::verbs::VerbCommand;
use crate::sim::SimOptions;
use crate::sim::clock::{Millis, parse_rfc3339};
use crate::sim::faults::{Faults, MAX_LATENCY_MS};
use crate::sim::worldfile::{GenerateSpec, generate};

#[derive(Debug, Parser)]
#[command(
    name = "cutover",
    version,
    about = "A terminal console for blue/green releases on AWS ECS"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Where to reach AWS, what to read, whether to act: the same before or after any
    /// subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Without a subcommand, `cutover` opens the console.
    #[command(flatten)]
    pub console: ConsoleArgs,
}

impl Cli {
    /// Parses the command line, then refuses a flag the chosen command cannot honour (clap's
    /// usage error, exit status 2), so that no flag is ever silently dropped.
    pub fn try_parse_checked<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let mut command = Self::command();
        let matches = command.try_get_matches_from_mut(args)?;
        let cli = Self::from_arg_matches(&matches)?;
        match cli.unsupported(&command, &matches) {
            Some(message) => Err(command.error(clap::error::ErrorKind::ArgumentConflict, message)),
            None => Ok(cli),
        }
    }

    /// Why a flag given on the command line means nothing to the chosen command, if one does.
    fn unsupported(&self, command: &clap::Command, matches: &ArgMatches) -> Option<String> {
        let sub = matches.subcommand();
        let given = |id: &str| {
            let on = |m: &ArgMatches| {
                m.try_get_raw(id).is_ok_and(|v| v.is_some())
                    && m.value_source(id) == Some(ValueSource::CommandLine)
            };
            on(matches) || sub.is_some_and(|(_, m)| on(m))
        };
        let flag = |id: &str| {
            let long = command
                .get_arguments()
                .find(|a| a.get_id() == id)
                .and_then(clap::Arg::get_long);
            format!("--{}", long.unwrap_or(id))
        };
        let Some((name, _)) = sub else {
            // The demo's simulator is embedded: nothing says where AWS is.
            let aws = ["profile", "region", "endpoint_url"]
                .iter()
                .find(|id| self.console.demo && given(id))?;
            return Some(format!(
                "--demo runs on its embedded simulator and does not take {}",
                flag(aws)
            ));
        };
        // Console flags given before a subcommand (clap refuses them after it, save those
        // `watch` takes too).
        let before = |id: &str| {
            matches.try_get_raw(id).is_ok_and(|v| v.is_some())
                && matches.value_source(id) == Some(ValueSource::CommandLine)
        };
        if let Some(id) = CONSOLE_ONLY.iter().find(|id| before(id)) {
            return Some(format!(
                "{} is for the console; `cutover {name}` does not take it",
                flag(id)
            ));
        }
        let (refused, why): (Vec<&str>, &str) = match &self.command {
            Some(Command::Sim(_)) => (
                [AWS, SCOPE, &["read_only"]].concat(),
                "it serves a simulator and reads no AWS account",
            ),
            Some(Command::Wait(_)) => (SCOPE.to_vec(), "it follows the one deployment it is given"),
            Some(Command::Evidence(_)) => {
                (SCOPE.to_vec(), "it reads the one decision its target names")
            }
            Some(Command::Report(_)) => (SCOPE.to_vec(), "the deployment names what it reads"),
            Some(Command::Audit { .. }) => (
                [AWS, SCOPE].concat(),
                "it prints this machine's audit log, whatever the account",
            ),
            Some(Command::Act(verb)) => {
                let (checked, why) = verb.spec().scope;
                (
                    SCOPE
                        .iter()
                        .copied()
                        .filter(|id| !checked.contains(id))
                        .collect(),
                    why,
                )
            }
            _ => (Vec::new(), ""),
        };
        refused
            .iter()
            .find(|id| given(id))
            .map(|id| format!("`cutover {name}` does not take {}: {why}", flag(id)))
    }
}

/// Flags of the console alone.
const CONSOLE_ONLY: &[&str] = &[
    "demo",
    "demo_speed",
    "hot_seconds",
    "warm_seconds",
    "cold_seconds",
];
/// Where to reach AWS.
const AWS: &[&str] = &["profile", "region", "endpoint_url", "config"];
/// What to read.
const SCOPE: &[&str] = &["clusters", "services", "applications", "pipelines"];

/// The flags every command takes in any position (`cutover --read-only scale …` and
/// `cutover scale … --read-only` mean the same), as the AWS CLI, kubectl and k9s users
/// expect. A command that cannot honour one of them refuses it ([`Cli::unsupported`]).
#[derive(Debug, Clone, Default, Args)]
#[group(skip)]
pub struct GlobalArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Show and allow no action that changes anything (also `read_only = true` for the
    /// profile in the config file).
    #[arg(long, global = true)]
    pub read_only: bool,
}

impl GlobalArgs {
    /// Where an action goes and under which rules: one source, never several.
    pub fn reach(&self, config: &crate::config::Config) -> Result<Reach, String> {
        let source = crate::sources::one(self.aws.sources(config)?, "an action goes to")?;
        Ok(Reach {
            profile: source.profile,
            region: source.region,
            endpoint_url: self.aws.endpoint_url.clone(),
            config: self.aws.config.clone(),
            read_only: self.read_only,
            scope: self.scope.scope(),
        })
    }
}

/// The console: `cutover` against AWS, `cutover --demo` on the embedded simulator.
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Open the console on an embedded simulator (default world, fast clock): no AWS needed.
    #[arg(long)]
    pub demo: bool,
    /// The demo's clock: virtual seconds per real second.
    #[arg(long, default_value_t = 10.0, value_parser = positive_speed, requires = "demo")]
    pub demo_speed: f64,
    #[command(flatten)]
    pub refresh: RefreshArgs,
}

/// How often the console (and `cutover watch`) reads what.
#[derive(Debug, Clone, Args)]
pub struct RefreshArgs {
    /// Seconds between refreshes of what is moving (deployments shifting traffic, what is on
    /// screen).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub hot_seconds: u64,
    /// Seconds between refreshes of what is in flight but waiting (running pipelines,
    /// deployments in Ready or Baking, their services and target health).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub warm_seconds: u64,
    /// Seconds between full refreshes of everything else.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub cold_seconds: u64,
}

impl RefreshArgs {
    pub fn intervals(&self) -> crate::sync::Intervals {
        crate::sync::Intervals {
            hot: std::time::Duration::from_secs(self.hot_seconds),
            warm: std::time::Duration::from_secs(self.warm_seconds),
            cold: std::time::Duration::from_secs(self.cold_seconds),
        }
    }
}

/// `cutover wait`: one deployment followed to a goal.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// A CodeDeploy deployment id (d-XXXXXXXXX) or an ECS service deployment ARN.
    #[arg(value_name = "DEPLOYMENT|ARN")]
    pub target: String,
    /// `ready`: green is up and took test traffic, production is next (CodeDeploy: Ready or
    /// production moving; ECS: past TEST_TRAFFIC_SHIFT; a rolling deployment when done).
    /// `done`: it succeeded. `stage:NAME`: the lifecycle event (AfterAllowTestTraffic) or
    /// ECS stage (POST_TEST_TRAFFIC_SHIFT) has started.
    #[arg(long = "for", value_name = "GOAL")]
    pub goal: String,
    /// Give up after this long (90s, 30m, 2h): exit 124.
    #[arg(long, value_name = "SPAN", default_value = "30m")]
    pub timeout: String,
    /// Seconds between reads.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub every: u64,
}

/// `cutover watch`: the refresh without a screen, an event a line.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Print each event as a JSON object (one a line) instead of a line of text.
    #[arg(long)]
    pub json: bool,
    /// Run this shell command for each event, with the event as JSON on its standard input
    /// (a chat webhook: `curl -s -d @- https://…`).
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Only these events (repeat or comma-separate): gate_waiting, ready_wait, hook_waiting,
    /// deployment_failed, rolled_back, pipeline_failed, credentials_lost. Every kind when
    /// absent.
    #[arg(long, value_delimiter = ',', value_name = "KIND")]
    pub on: Vec<String>,
    /// Where what was emitted is kept between runs (default
    /// `$XDG_STATE_HOME/cutover/watch.json`), so that a restart replays nothing.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    #[command(flatten)]
    pub refresh: RefreshArgs,
}

impl WatchArgs {
    /// The kinds `--on` names, every kind without it; an unknown name is refused, naming them.
    pub fn kinds(&self) -> Result<Vec<crate::model::events::Kind>, String> {
        use crate::model::events::Kind;
        if self.on.is_empty() {
            return Ok(Kind::ALL.to_vec());
        }
        self.on
            .iter()
            .map(|name| {
                Kind::parse(name.trim()).ok_or_else(|| {
                    let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                    format!(
                        "--on {name}: not an event; the events are {}",
                        known.join(", ")
                    )
                })
            })
            .collect()
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Take one snapshot of the fleet and print what needs attention, then a summary.
    Status(StatusArgs),
    /// Where a release stands across its sources: the `[[release]]` of the config file named
    /// NAME, or the pipelines at one commit (`rev:9cfbd65`), its pipelines' gates and its
    /// services' deployments and health; every release at a glance without NAME.
    Release(ReleaseArgs),
    /// Follow every source without a screen and print each event that needs a person (a gate
    /// waiting, a deployment failed or rolled back, a Ready wait, a pause hook, lost
    /// credentials) once; `--exec` runs a command for each.
    Watch(WatchArgs),
    /// Follow one deployment until it is ready, done or at a stage: exit 0 there, 1 when it
    /// failed, stopped or rolled back, 124 on timeout.
    Wait(WaitArgs),
    /// The evidence beside a decision (a manual approval, a deployment in Ready, an ECS
    /// pause hook): what changes between the task definitions, the source revision, the
    /// health of what was already deployed. It only reads.
    Evidence(crate::evidence::Args),
    /// One document for a postmortem about a deployment (CodeDeploy id or ECS service
    /// deployment ARN): what it was, its lifecycle and traffic, its failure and rollback, the
    /// service's events and stopped tasks around it, and the actions taken with cutover.
    Report(report::ReportArgs),
    /// Run the AWS-compatible simulator (CodePipeline, CodeDeploy, ECS, ELBv2, STS).
    Sim(SimArgs),
    /// The action commands: one per verb of the registry.
    #[command(flatten)]
    Act(VerbCommand),
    /// Print the audit log of actions taken with cutover.
    Audit {
        /// Only records at or after this time (RFC 3339, or a prefix such as 2026-11-22).
        #[arg(long)]
        since: Option<String>,
        /// Print the records as JSON Lines.
        #[arg(long)]
        json: bool,
    },
}

/// Where to reach AWS; unset values come from the standard chain, as the AWS CLI reads it.
#[derive(Debug, Clone, Default, Args)]
#[group(skip)]
pub struct AwsArgs {
    /// The named profile (`~/.aws/config`); repeat to read several (`cutover status`). The
    /// config file's `[[source]]` list, else AWS_PROFILE, when none is given.
    #[arg(
        id = "profile",
        long = "profile",
        value_name = "PROFILE",
        global = true
    )]
    pub profiles: Vec<String>,
    /// The region; repeat to read every profile in each. The profile's or AWS_REGION
    /// otherwise.
    #[arg(id = "region", long = "region", value_name = "REGION", global = true)]
    pub regions: Vec<String>,
    /// Send every call to this endpoint (a simulator, a proxy); AWS_ENDPOINT_URL_<SERVICE>
    /// variables work too.
    #[arg(long, value_name = "URL", global = true)]
    pub endpoint_url: Option<String>,
    /// A config file other than ~/.config/cutover/config.toml.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
}

impl AwsArgs {
    /// The sources these flags and `config` name (see [`crate::sources::resolve`]).
    pub fn sources(
        &self,
        config: &crate::config::Config,
    ) -> Result<Vec<crate::sources::SourceSpec>, String> {
        let env = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
        crate::sources::resolve(
            &self.profiles,
            &self.regions,
            &config.sources,
            env.as_deref(),
        )
    }
}

/// Which part of the account to read (adds to the config file's `[scope]`).
#[derive(Debug, Clone, Default, Args)]
#[group(skip)]
pub struct ScopeArgs {
    /// Only these clusters (repeat; `*` wildcards).
    #[arg(long = "cluster", value_name = "NAME", global = true)]
    pub clusters: Vec<String>,
    /// Only these services (repeat; `*` wildcards).
    #[arg(long = "service", value_name = "NAME", global = true)]
    pub services: Vec<String>,
    /// Only these CodeDeploy applications (repeat; `*` wildcards).
    #[arg(long = "application", value_name = "NAME", global = true)]
    pub applications: Vec<String>,
    /// Only these pipelines (repeat; `*` wildcards).
    #[arg(long = "pipeline", value_name = "NAME", global = true)]
    pub pipelines: Vec<String>,
}

impl ScopeArgs {
    pub fn scope(&self) -> crate::config::Scope {
        crate::config::Scope {
            clusters: self.clusters.clone(),
            services: self.services.clone(),
            applications: self.applications.clone(),
            pipelines: self.pipelines.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print the whole linked model as JSON (schema: docs/status-json.md).
    #[arg(long)]
    pub json: bool,
    /// Exit with status 3 when any of these need attention (repeat or comma-separate).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "WHAT")]
    pub fail_on: Vec<crate::status::FailOn>,
}

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The release's name in the config file (`[[release]] name = …`), or `rev:` and the
    /// start (7 characters or more) of a commit that the current executions of two pipelines
    /// or more carry. Every release, a line each, when absent.
    pub name: Option<String>,
    /// Print the release as JSON (a list of them without NAME).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on; loopback unless told otherwise.
    #[arg(long, default_value = "127.0.0.1:4566")]
    pub addr: SocketAddr,
    /// A world file (TOML); the embedded default world when absent.
    #[arg(long, value_name = "FILE")]
    pub world: Option<PathBuf>,
    /// A generated world for benchmarks, e.g. `services=1000,pipelines=300,in-flight=50`
    /// (each key optional; those are the defaults). The deployments in flight are running
    /// when the simulator starts.
    #[arg(
        long,
        value_name = "SPEC",
        conflicts_with = "world",
        num_args = 0..=1,
        default_missing_value = ""
    )]
    pub generate: Option<GenerateSpec>,
    /// Print the generated world's TOML (with --generate and --seed) and exit.
    #[arg(long, requires = "generate")]
    pub print_world: bool,
    /// Virtual seconds per real second.
    #[arg(long, default_value_t = 1.0, value_parser = positive_speed)]
    pub speed: f64,
    /// A manual clock that moves only through POST /_sim/clock/advance (overrides --speed).
    #[arg(long)]
    pub manual_clock: bool,
    /// Seed for every random choice the world makes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Virtual time to start at (RFC 3339, e.g. 2026-11-02T09:00:00Z); now by default.
    #[arg(long, value_parser = rfc3339)]
    pub start: Option<Millis>,
    /// Turn off the autopilot that keeps the world busy.
    #[arg(long)]
    pub no_autopilot: bool,
    /// Latency added to every AWS request, in milliseconds (at most an hour).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(..=MAX_LATENCY_MS))]
    pub latency_ms: u64,
    /// Random extra latency of up to this many milliseconds (at most an hour).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(..=MAX_LATENCY_MS))]
    pub jitter_ms: u64,
    /// Share of requests answered with the service's throttling error (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    pub throttle_rate: f64,
    /// Share of requests answered with a 5xx (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    pub error_rate: f64,
    /// Share of connections dropped without an answer (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    pub drop_rate: f64,
    /// Share of requests carried out whose answer is then lost (connection dropped) (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    pub lost_answer_rate: f64,
    /// Answer these IAM actions with AccessDenied (`ecs:DescribeServices`, `codedeploy:*`).
    #[arg(long, value_name = "ACTION")]
    pub deny: Vec<String>,
}

impl SimArgs {
    /// The world to print instead of serving, for `--print-world`.
    pub fn printed_world(&self) -> Option<String> {
        let spec = self.generate.as_ref().filter(|_| self.print_world)?;
        Some(generate::generate(spec, self.seed))
    }

    pub fn options(&self) -> SimOptions {
        SimOptions {
            addr: self.addr,
            world: self.world.clone(),
            generate: self.generate,
            speed: (!self.manual_clock).then_some(self.speed),
            seed: self.seed,
            faults: Faults {
                latency_ms: self.latency_ms,
                jitter_ms: self.jitter_ms,
                throttle_rate: self.throttle_rate,
                error_rate: self.error_rate,
                drop_rate: self.drop_rate,
                lost_answer_rate: self.lost_answer_rate,
                deny: self.deny.clone(),
                ..Faults::default()
            },
            autopilot: self.no_autopilot.then_some(false),
            start: self.start,
        }
    }
}

fn rate(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 1"))
    }
}

fn positive_speed(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if value.is_finite() && value > 0.0 && value <= 100_000.0 {
        Ok(value)
    } else {
        Err(format!("{value} must be above 0 and at most 100000"))
    }
}

fn rfc3339(text: &str) -> Result<Millis, String> {
    parse_rfc3339(text)
        .ok_or_else(|| format!("'{text}' is not an RFC 3339 time such as 2026-11-02T09:00:00Z"))
}

#[cfg(test)]
mod props;
pub mod report;
